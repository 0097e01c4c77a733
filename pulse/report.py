"""The head of sales' daily report: text and charts built from the sales marts only.

`build_report` reads the report's marts — `sales_daily_report` (each KPI's value, its
changes and its anomaly flag), `sales_daily_report_open_processes` and
`sales_daily_report_funnel`, by their names in dbt's manifest (`pulse.relations`) — and
returns the message and three PNG charts; `pulse.telegram` delivers them. Every number
shown is a mart value; only presentation (labels, rounding, signs, layout) happens here.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt

from pulse.db import Connection
from pulse.relations import relation

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
ALERT_SIGMAS = 3  # the anomaly rule's threshold (docs block anomaly_rule), for the text
OPEN_WINDOW_DAYS = 7  # the window of sales_daily_report_open_processes, for the text
TREND_DAYS = 30


class NoData(Exception):
    """The marts hold nothing for the asked day."""


@dataclass
class KpiLine:
    """One KPI of the report day: a row of `sales_daily_report` with its label."""

    column: str
    label: str
    money: bool
    value: float
    change_from_previous_day: float | None
    change_from_previous_day_rate: float | None
    change_from_mean_7d: float | None
    change_from_mean_7d_rate: float | None
    baseline_mean: float | None
    baseline_stddev: float | None
    z_score: float | None
    is_anomaly: bool


@dataclass
class Report:
    day: date
    text: str
    kpis: list[KpiLine]
    charts: dict[str, bytes] = field(default_factory=dict)


def _number(value: float, money: bool) -> str:
    text = f"{value:,.0f}".replace(",", "\u202f")
    return f"{text} ₽" if money else text


def _change(change: float | None, rate: float | None, money: bool) -> str:
    """`+3 (+12%)`: a change and its rate as the marts give them; `—` without a base."""
    if change is None:
        return "—"
    sign = "+" if change > 0 else ("−" if change < 0 else "±")
    absolute = _number(abs(change), money)
    if rate is None:  # the base is 0
        return f"{sign}{absolute}"
    return f"{sign}{absolute} ({sign}{abs(rate):.0%})"


def _query(conn: Connection, sql: str, params: tuple = ()) -> list[tuple]:
    with conn.connect() as db:
        rows = db.execute(sql, params).fetchall()
    return [tuple(float(v) if isinstance(v, Decimal) else v for v in row) for row in rows]


def latest_day(conn: Connection) -> date | None:
    return _query(conn, f"select max(day) from {relation('sales_daily_report')}")[0][0]


def build_report(conn: Connection, day: date | None = None) -> Report:
    """The report of ``day`` (default: the data's last day) from the marts.

    Raises NoData when the marts hold nothing for that day, pulse.relations.ManifestError
    when dbt's manifest is missing or stale.
    """
    day = day or latest_day(conn)
    if day is None:
        raise NoData("the sales marts are empty: load sales data and run the build first")
    labels = {column: (label, money) for column, label, money in KPIS}
    kpi_rows = _query(
        conn,
        "select kpi, value, change_from_previous_day, change_from_previous_day_rate, "
        "change_from_mean_7d, change_from_mean_7d_rate, baseline_mean, baseline_stddev, "
        f"z_score, is_anomaly from {relation('sales_daily_report')} "
        "where day = %s order by kpi_order",
        (day,),
    )
    if not kpi_rows:
        raise NoData(f"no sales data for {day:%Y-%m-%d}")
    kpis = [KpiLine(kpi, *labels.get(kpi, (kpi, False)), *rest) for kpi, *rest in kpi_rows]

    open_rows = _query(
        conn,
        "select process, open_after_sla, open_rate, open_after_sla_all_processes "
        f"from {relation('sales_daily_report_open_processes')} "
        "where day = %s order by process",
        (day,),
    )
    funnel_rows = _query(
        conn,
        "select cohort_day, step, users, conversion_from_start "
        f"from {relation('sales_daily_report_funnel')} "
        "where day = %s order by step_order",
        (day,),
    )
    trend_columns = [column for column, _, _ in TREND_KPIS]
    trend = _query(
        conn,
        f"select day, kpi, value from {relation('sales_daily_report')} "
        "where day > %s and day <= %s and kpi = any(%s) order by day",
        (day - timedelta(days=TREND_DAYS), day, trend_columns),
    )
    by_day: dict[date, dict[str, float]] = {}
    for trend_day, kpi, value in trend:
        by_day.setdefault(trend_day, {})[kpi] = value
    trend_rows = [(d, *(values[c] for c in trend_columns)) for d, values in by_day.items()]

    report = Report(day=day, text=compose_text(day, kpis, open_rows), kpis=kpis)
    report.charts = {
        "open_processes.png": _open_chart(day, open_rows),
        "funnel.png": _funnel_chart(funnel_rows),
        "kpi_trend.png": _trend_chart(day, trend_rows),
    }
    return report


def compose_text(day: date, kpis: list[KpiLine], open_rows: list[tuple]) -> str:
    """The message: ``kpis`` of the day, then ``open_rows`` (process, open_after_sla,
    open_rate, open_after_sla_all_processes) of `sales_daily_report_open_processes`."""
    lines = [f"📊 Отдел продаж — {day:%d.%m.%Y} ({WEEKDAYS[day.weekday()]})", ""]
    for kpi in kpis:
        lines.append(f"{kpi.label}: {_number(kpi.value, kpi.money)}")
        lines.append(
            "   к вчера "
            f"{_change(kpi.change_from_previous_day, kpi.change_from_previous_day_rate, kpi.money)}"
            "; к среднему за 7 дн. "
            f"{_change(kpi.change_from_mean_7d, kpi.change_from_mean_7d_rate, kpi.money)}"
        )
    lines.append("")
    total_open = int(open_rows[0][3]) if open_rows else 0
    lines.append(f"⏰ Открыто после SLA за {OPEN_WINDOW_DAYS} дней: {total_open}")
    for process, open_, rate, _ in open_rows:
        share = f" ({rate:.0%} от закрываемых)" if rate is not None else ""
        lines.append(f"   {PROCESS_LABELS.get(process, process)}: {int(open_)}{share}")
    alerts = [kpi for kpi in kpis if kpi.is_anomaly]
    if alerts:
        lines.append("")
    for kpi in alerts:
        direction = "выше" if kpi.z_score > 0 else "ниже"
        lines.append(
            f"🚨 ВНИМАНИЕ: {kpi.label} = {_number(kpi.value, kpi.money)} — {direction} нормы "
            f"более чем на {ALERT_SIGMAS}σ (среднее за 28 дн. "
            f"{_number(kpi.baseline_mean, kpi.money)} ± "
            f"{_number(kpi.baseline_stddev, kpi.money)})"
        )
    return "\n".join(lines)


def _png(figure) -> bytes:
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=110, bbox_inches="tight")
    plt.close(figure)
    return buffer.getvalue()


def _open_chart(day: date, open_rows: list[tuple]) -> bytes:
    figure, axes = plt.subplots(figsize=(6, 4.2))
    labels = [PROCESS_LABELS.get(process, process) for process, *_ in open_rows]
    values = [int(open_) for _, open_, *_ in open_rows]
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
        labels = [STEP_LABELS.get(step, step) for _, step, _, _ in funnel_rows]
        values = [int(users) for _, _, users, _ in funnel_rows]
        shares = [
            f"{int(users)} ({rate:.0%})" if rate is not None else f"{int(users)}"
            for _, _, users, rate in funnel_rows
        ]
        bars = axes.barh(labels, values, color="#337ab7")
        axes.bar_label(bars, labels=shares, padding=3)
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
