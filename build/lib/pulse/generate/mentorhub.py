"""Synthetic Mentorhub data in the raw contract of the spec (the real export's CSV format).

What makes it look like a platform rather than noise:
- demand grows on a logistic curve, from a handful of sessions in the first month to about
  a thousand a month (at scale 1), so active mentors go from a few to hundreds;
- mentors' activity is heavy-tailed (capped Pareto weights): a few mentors hold many sessions;
- about a fifth of mentees register and never book; some mentors never get a session;
- each domain has its own weekday profile and its own cancellation rate (10-25 %),
  which also drifts from month to month;
- nobody books before registering; the last month is cut on its 17th day (partial).
Deterministic for a given --seed; --scale multiplies users and sessions.
"""

from __future__ import annotations

import csv
from datetime import date, datetime, timedelta
from pathlib import Path

import numpy as np

DOMAINS = [
    (1, "Продуктовая аналитика"),
    (2, "AB тестирование"),
    (3, "Визуализация данных"),
    (4, "DS"),
    (5, "Python для аналитики данных"),
    (6, "Машинное обучение"),
    (7, "SQL"),
]
REGIONS = [
    "Другое", "г Москва", "г Санкт-Петербург", "Ростовская обл", "Свердловская обл",
    "Новосибирская обл", "Респ Татарстан", "Краснодарский край", "Нижегородская обл",
    "Самарская обл", "Челябинская обл", "Пермский край", "Воронежская обл", "Красноярский край",
    "Респ Башкортостан", "Волгоградская обл", "Омская обл", "Московская обл",
    "Ленинградская обл", "Тюменская обл",
]  # fmt: skip
DOMAIN_SHARE = np.array([0.17, 0.10, 0.12, 0.14, 0.20, 0.12, 0.15])
# Relative weight of Monday..Sunday per domain: weekday evenings, weekends, mid-week peaks.
WEEKDAY_PROFILE = np.array(
    [
        [1.3, 1.2, 1.1, 1.0, 0.8, 0.3, 0.3],
        [0.9, 1.1, 1.4, 1.1, 0.9, 0.4, 0.3],
        [0.6, 0.7, 0.8, 0.9, 1.0, 1.3, 1.2],
        [1.0, 1.3, 1.0, 1.3, 0.7, 0.5, 0.4],
        [1.1, 1.0, 1.0, 1.2, 1.3, 0.6, 0.5],
        [0.8, 0.9, 1.0, 1.0, 0.9, 1.1, 1.4],
        [1.4, 1.0, 1.0, 1.0, 1.0, 0.4, 0.6],
    ]
)
CANCEL_BASE = np.array([0.12, 0.20, 0.15, 0.18, 0.11, 0.22, 0.14])
REGION_SHARE = np.array([0.12, 0.30, 0.14] + [0.44 / 17] * 17)
TIMESTAMP = "%Y-%m-%d %H:%M:%S.000"


def _month_start(first: date, offset: int) -> date:
    months = first.year * 12 + first.month - 1 + offset
    return date(months // 12, months % 12 + 1, 1)


def _write(path: Path, header: list[str], rows, quote_header: bool) -> None:
    with path.open("w", newline="", encoding="utf-8") as handle:
        if quote_header:
            handle.write(",".join(f'"{name}"' for name in header) + "\n")
        else:
            handle.write(",".join(header) + "\n")
        csv.writer(handle, lineterminator="\n").writerows(rows)


def generate(
    out: Path,
    *,
    seed: int = 42,
    scale: float = 1.0,
    months: int = 20,
    start: date = date(2021, 3, 1),
    last_day_of_last_month: int = 17,
) -> dict[str, int]:
    rng = np.random.default_rng(seed)
    out.mkdir(parents=True, exist_ok=True)
    month_starts = [_month_start(start, m) for m in range(-1, months + 1)]  # [-1 .. months]
    end = month_starts[-2].replace(day=last_day_of_last_month)  # last day of the data

    demand = 1100 * scale / (1 + np.exp(-(np.arange(months) - 9) / 2.2))
    expected = demand.copy()
    expected[-1] *= last_day_of_last_month / 30  # the partial last month
    sessions_per_month = np.maximum(rng.poisson(expected), 3)

    n_mentors = max(int(700 * scale), 8)
    n_mentees = max(int(2800 * scale), 12)
    n_users = n_mentors + n_mentees
    user_ids = rng.choice(np.arange(1, n_users * 2 + 1), size=n_users, replace=False)
    rng.shuffle(user_ids)
    roles = np.array(["mentor"] * n_mentors + ["mentee"] * n_mentees)

    # Registrations follow next month's demand; a founding cohort registers before launch.
    reg_weight = np.append(demand, demand[-1])  # months -1 .. months-1
    reg_weight = reg_weight / reg_weight.sum()
    reg_month = rng.choice(np.arange(-1, months), size=n_users, p=reg_weight)
    reg_month[:5] = -1
    reg_month[n_mentors : n_mentors + 8] = -1
    reg_dates = []
    for m in reg_month:
        first = month_starts[m + 1]
        last = min(month_starts[m + 2] - timedelta(days=1), end)
        reg_dates.append(first + timedelta(days=int(rng.integers(0, (last - first).days + 1))))
    reg_dates = np.array(reg_dates)

    mentor_idx = np.arange(n_mentors)
    mentee_idx = np.arange(n_mentors, n_users)
    mentor_domain = rng.choice(7, size=n_mentors, p=DOMAIN_SHARE)
    mentor_weight = np.minimum(rng.pareto(1.5, size=n_mentors), 12) + 0.05
    mentee_weight = rng.exponential(1.0, size=n_mentees) + 0.05
    never_books = rng.random(n_mentees) < rng.uniform(0.12, 0.16)
    never_books[:8] = False

    cancel_by_month = np.clip(
        CANCEL_BASE[None, :] + rng.normal(0, 0.03, size=(months, 7)), 0.08, 0.27
    )

    rows = []  # (date, mentor_pos, mentee_pos)

    def book(month: int, count: int, mentees: np.ndarray | None = None) -> None:
        first = month_starts[month + 1]
        last = min(month_starts[month + 2] - timedelta(days=1), end)
        mentors = mentor_idx[reg_dates[mentor_idx] < first]
        if mentees is None:
            pool = mentee_idx[(reg_dates[mentee_idx] < first) & ~never_books]
            weights = mentee_weight[pool - n_mentors]
            mentees = rng.choice(pool, size=count, p=weights / weights.sum())
        weights = mentor_weight[mentors]
        chosen = rng.choice(mentors, size=len(mentees), p=weights / weights.sum())
        days = (last - first).days + 1
        for mentor, mentee in zip(chosen, mentees, strict=True):
            profile = WEEKDAY_PROFILE[mentor_domain[mentor]]
            day_weights = np.array(
                [profile[(first + timedelta(days=d)).weekday()] for d in range(days)]
            )
            day = rng.choice(days, p=day_weights / day_weights.sum())
            rows.append((first + timedelta(days=int(day)), mentor, mentee))

    for month in range(months):
        book(month, int(sessions_per_month[month]))
    # Every mentee who books at all gets a first session in the month after registering.
    booked = {mentee for _, _, mentee in rows}
    for mentee in mentee_idx[~never_books]:
        if mentee in booked:
            continue
        month = reg_month[mentee] + 1
        if month < months:
            book(month, 1, np.array([mentee]))

    rows.sort(key=lambda row: (row[0], row[1], row[2]))
    session_rows = []
    for session_id, (day, mentor, mentee) in enumerate(rows, start=1):
        domain = mentor_domain[mentor]
        month = (day.year - start.year) * 12 + day.month - start.month
        canceled = rng.random() < cancel_by_month[month, domain]
        at = datetime(day.year, day.month, day.day, int(rng.integers(9, 22)))
        session_rows.append(
            (
                session_id,
                at.strftime(TIMESTAMP),
                int(user_ids[mentor]),
                int(user_ids[mentee]),
                "canceled" if canceled else "finished",
                DOMAINS[domain][0],
            )
        )

    region_ids = rng.choice(len(REGIONS), size=n_users, p=REGION_SHARE)
    user_rows = sorted(
        (
            int(user_ids[i]),
            datetime.combine(reg_dates[i], datetime.min.time()).strftime(TIMESTAMP),
            roles[i],
            int(region_ids[i]),
        )
        for i in range(n_users)
    )
    _write(
        out / "sessions.csv",
        ["session_id", "session_date_time", "mentor_id", "mentee_id", "session_status",
         "mentor_domain_id"],
        session_rows,
        quote_header=False,
    )  # fmt: skip
    _write(out / "users.csv", ["user_id", "reg_date", "role", "region_id"], user_rows, True)
    _write(out / "region.csv", ["id", "name"], enumerate(REGIONS), True)
    _write(out / "domain.csv", ["id", "name"], DOMAINS, True)
    return {"sessions": len(session_rows), "users": len(user_rows)}
