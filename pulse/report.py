"""The head of sales' daily report: text and charts built from the sales marts only.

`build_report` reads `sales.sales_daily_kpis`, `sales.sales_open_processes_daily` and
`sales.sales_funnel_daily` and returns the message and three PNG charts; `pulse.telegram`
delivers them. Everything shown is a mart number; only presentation happens here.
"""

from __future__ import annotations

import io
import statistics
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt

from pulse.db import Connection

# (column, label in the message and charts, is money)
KPIS = [
    ("intro_booked_by_first_line", "Вводные уроки, назначенные 1-й линией", False),
    ("purchases_without_second_line", "Покупки сразу после урока (без 2-й линии)", False),
    ("purchases_with_second_line", "Покупки после звонка 2-й линии", False),
    ("new_paying_users", "Новые платящие", False),
    ("revenue_rub", "Выручка", True),
]
TREND_KPIS = KPIS[:3]  # the three seed-001 metrics
PROCESS_LABELS = {
    "lead_processing": "Обработка заявки",
    "first_line": "Дозвон 1-й линии",
    "second_line": "Дозвон 2-й линии",
    "intro_payment": "Оплата после урока",
}
STEP_LABELS = {
    "lead_created": "Заявка",
    "first_line_task": "Задача 1Л",
    "first_line_reached": "Дозвон 1Л",
    "intro_booked": "Назначен ВУ",
    "intro_teacher_joined": "МВУ вышел",
    "intro_succeeded": "Успешный ВУ",
    "purchase": "Покупка",
}
WEEKDAYS = ["пн", "вт", "ср", "чт", "пт", "сб", "вс"]
ALERT_SIGMAS = 3
OPEN_WINDOW_DAYS = 7


class NoData(Exception):
    """The marts hold nothing for the asked day."""


@dataclass
class KpiLine:
    column: str
    label: str
    money: bool
    value: float
    previous: float | None
    mean_7d: float | None
    mean_28d: float | None
    sd_28d: float | None

    @property
    def is_anomaly(self) -> bool:
        if self.sd_28d is None or self.mean_28d is None or self.sd_28d == 0:
            return False
        return abs(self.value - self.mean_28d) > ALERT_SIGMAS * self.sd_28d


@dataclass
class Report:
    day: date
    text: str
    kpis: list[KpiLine]
    charts: dict[str, bytes] = field(default_factory=dict)


def _number(value: float, money: bool) -> str:
    text = f"{value:,.0f}".replace(",", "\u202f")
    return f"{text} ₽" if money else text


def _change(value: float, base: float | None, money: bool) -> str:
    if base is None:
        return "—"
    delta = value - base
    sign = "+" if delta > 0 else ("−" if delta < 0 else "±")
    absolute = _number(abs(delta), money)
    if base == 0:
        return f"{sign}{absolute}"
    return f"{sign}{absolute} ({sign}{abs(delta) / base * 100:.0f}%)"


def kpi_lines(rows: dict[date, dict[str, float]], day: date) -> list[KpiLine]:
    lines = []
    for column, label, money in KPIS:

        def values(days: int, column: str = column) -> list[float]:
            return [
                rows[d][column]
                for d in (day - timedelta(days=i) for i in range(1, days + 1))
                if d in rows
            ]

        week, month = values(7), values(28)
        previous = rows.get(day - timedelta(days=1), {}).get(column)
        lines.append(
            KpiLine(
                column=column,
                label=label,
                money=money,
                value=rows[day][column],
                previous=previous,
                mean_7d=statistics.fmean(week) if week else None,
                mean_28d=statistics.fmean(month) if month else None,
                sd_28d=statistics.stdev(month) if len(month) >= 2 else None,
            )
        )
    return lines


def _query(conn: Connection, sql: str, params: tuple = ()) -> list[tuple]:
    with conn.connect() as db:
        rows = db.execute(sql, params).fetchall()
    return [tuple(float(v) if isinstance(v, Decimal) else v for v in row) for row in rows]


def latest_day(conn: Connection) -> date | None:
    return _query(conn, "select max(day) from sales.sales_daily_kpis")[0][0]


def build_report(conn: Connection, day: date | None = None) -> Report:
    day = day or latest_day(conn)
    if day is None:
        raise NoData("the sales marts are empty: load sales data and run the build first")
    columns = [column for column, _, _ in KPIS]
    kpi_rows = _query(
        conn,
        f"select day, {', '.join(f'sum({c})' for c in columns)} from sales.sales_daily_kpis "
        "where day between %s and %s group by day order by day",
        (day - timedelta(days=35), day),
    )
    by_day = {row[0]: dict(zip(columns, row[1:], strict=True)) for row in kpi_rows}
    if day not in by_day:
        raise NoData(f"no sales data for {day:%Y-%m-%d}")
    kpis = kpi_lines(by_day, day)

    open_rows = _query(
        conn,
        "select process, sum(open_after_sla), sum(started) - sum(pending) "
        "from sales.sales_open_processes_daily where day > %s and day <= %s "
        "group by process order by process",
        (day - timedelta(days=OPEN_WINDOW_DAYS), day),
    )
    funnel_rows = _query(
        conn,
        "select cohort_day, step_order, step, sum(users) from sales.sales_funnel_daily "
        "where cohort_day = (select max(cohort_day) from sales.sales_funnel_daily "
        "                    where is_window_complete and cohort_day <= %s) "
        "group by cohort_day, step_order, step order by step_order",
        (day,),
    )
    trend_rows = [
        (d, *(by_day_full[c] for c, _, _ in TREND_KPIS))
        for d, by_day_full in sorted(by_day.items())
        if d > day - timedelta(days=30)
    ]

    report = Report(day=day, text=compose_text(day, kpis, open_rows), kpis=kpis)
    report.charts = {
        "open_processes.png": _open_chart(day, open_rows),
        "funnel.png": _funnel_chart(funnel_rows),
        "kpi_trend.png": _trend_chart(day, trend_rows),
    }
    return report


def compose_text(day: date, kpis: list[KpiLine], open_rows: list[tuple]) -> str:
    lines = [f"📊 Отдел продаж — {day:%d.%m.%Y} ({WEEKDAYS[day.weekday()]})", ""]
    for kpi in kpis:
        lines.append(f"{kpi.label}: {_number(kpi.value, kpi.money)}")
        lines.append(
            f"   к вчера {_change(kpi.value, kpi.previous, kpi.money)}; "
            f"к среднему за 7 дн. {_change(kpi.value, kpi.mean_7d, kpi.money)}"
        )
    lines.append("")
    total_open = sum(int(open_) for _, open_, _ in open_rows)
    lines.append(f"⏰ Открыто после SLA за {OPEN_WINDOW_DAYS} дней: {total_open}")
    for process, open_, judged in open_rows:
        share = f" ({open_ / judged * 100:.0f}% от закрываемых)" if judged else ""
        lines.append(f"   {PROCESS_LABELS.get(process, process)}: {int(open_)}{share}")
    alerts = [kpi for kpi in kpis if kpi.is_anomaly]
    if alerts:
        lines.append("")
    for kpi in alerts:
        direction = "выше" if kpi.value > kpi.mean_28d else "ниже"
        lines.append(
            f"🚨 ВНИМАНИЕ: {kpi.label} = {_number(kpi.value, kpi.money)} — {direction} нормы "
            f"более чем на {ALERT_SIGMAS}σ (среднее за 28 дн. "
            f"{_number(kpi.mean_28d, kpi.money)} ± {_number(kpi.sd_28d, kpi.money)})"
        )
    return "\n".join(lines)


def _png(figure) -> bytes:
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=110, bbox_inches="tight")
    plt.close(figure)
    return buffer.getvalue()


def _open_chart(day: date, open_rows: list[tuple]) -> bytes:
    figure, axes = plt.subplots(figsize=(6, 4.2))
    labels = [PROCESS_LABELS.get(process, process) for process, _, _ in open_rows]
    values = [int(open_) for _, open_, _ in open_rows]
    bars = axes.barh(labels, values, color="#d9534f")
    axes.bar_label(bars, padding=3, fontsize=11)
    axes.invert_yaxis()
    axes.set_title(f"Открыто после SLA за {OPEN_WINDOW_DAYS} дней по {day:%d.%m}", fontsize=13)
    axes.set_xlabel("процессов")
    axes.spines[["top", "right"]].set_visible(False)
    axes.margins(x=0.15)
    return _png(figure)


def _funnel_chart(funnel_rows: list[tuple]) -> bytes:
    figure, axes = plt.subplots(figsize=(6, 4.8))
    if funnel_rows:
        cohort = funnel_rows[0][0]
        labels = [STEP_LABELS.get(step, step) for _, _, step, _ in funnel_rows]
        values = [int(users) for *_, users in funnel_rows]
        bars = axes.barh(labels, values, color="#337ab7")
        start = values[0] or 1
        axes.bar_label(bars, labels=[f"{v} ({v / start * 100:.0f}%)" for v in values], padding=3)
        axes.invert_yaxis()
        axes.set_title(f"Воронка заявок от {cohort:%d.%m.%Y}", fontsize=13)
        axes.margins(x=0.25)
    else:
        axes.text(0.5, 0.5, "Нет когорты с закрытым окном", ha="center", va="center")
        axes.set_title("Воронка заявок", fontsize=13)
    axes.set_xlabel("пользователей")
    axes.spines[["top", "right"]].set_visible(False)
    return _png(figure)


def _trend_chart(day: date, trend_rows: list[tuple]) -> bytes:
    figure, axes = plt.subplots(figsize=(7, 4.5))
    days = [row[0] for row in trend_rows]
    for index, (_, label, _) in enumerate(TREND_KPIS, start=1):
        values = [row[index] for row in trend_rows]
        axes.plot(days, values, marker="o", markersize=3, label=label)
        if day in days:
            today = values[days.index(day)]
            axes.plot([day], [today], marker="o", markersize=9, color="black")
            axes.annotate(f"{today:.0f}", (day, today), textcoords="offset points",
                          xytext=(6, 4), fontsize=10, fontweight="bold")  # fmt: skip
    axes.axvspan(day - timedelta(hours=12), day + timedelta(hours=12), color="#f0ad4e",
                 alpha=0.3, label=f"{day:%d.%m}")  # fmt: skip
    axes.set_title("Ключевые метрики за 30 дней", fontsize=13)
    axes.legend(fontsize=8, loc="upper left")
    axes.xaxis.set_major_formatter(matplotlib.dates.DateFormatter("%d.%m"))
    figure.autofmt_xdate()
    axes.spines[["top", "right"]].set_visible(False)
    return _png(figure)
