"""`pulse answers DOMAIN`: the business questions answered from the marts, as tables.

Only presentation happens here (rounding, percent signs); every number comes from a mart.
A query names a mart as `{model}`; `pulse.relations` fills in where dbt built it.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from tabulate import tabulate

from pulse.db import Connection
from pulse.relations import relation


def _fmt(value, column: str):
    if value is None:
        return "—"
    if isinstance(value, Decimal | float):
        number = float(value)
        if column == "p_value":
            return f"{number:.3g}"
        if column.endswith("rate_mom_delta"):  # a difference of two fractions
            return f"{number * 100:+.1f} pp"
        if column.endswith("_pct") or (column.startswith("change_") and column.endswith("_rate")):
            return f"{number * 100:+.1f}%"
        if column.endswith(("share", "rate", "share_of_domain", "conversion_from_start")):
            return f"{number * 100:.1f}%"
        if column.endswith("_rub"):
            return f"{number:,.0f} ₽"
        return f"{number:.2f}"
    if isinstance(value, bool):
        return "yes" if value else ""
    if isinstance(value, date):
        return value.strftime("%Y-%m-%d" if column.endswith("day") else "%Y-%m")
    return value


MENTORHUB = [
    (
        "1. Active mentors and mentees by month (at least one booked session)",
        """select month, active_mentors, active_mentors_mom_pct, active_mentees,
                  active_mentees_mom_pct, is_full_month
           from {mentorhub_monthly_active_users} order by month""",
    ),
    (
        "2. Registered users who never booked a session",
        """select role, registered_users, users_without_sessions, share
           from {mentorhub_users_without_sessions} order by role""",
    ),
    (
        "3. Finished sessions per mentor per week, by month",
        """select frequency.month, frequency.active_mentors,
                  frequency.avg_sessions_per_mentor_per_week,
                  frequency.avg_sessions_per_mentor_per_week_mom_pct, active.is_full_month
           from {mentorhub_monthly_session_frequency} as frequency
           inner join {mentorhub_monthly_active_users} as active
               on frequency.month = active.month
           order by frequency.month""",
    ),
    (
        "4. Top mentors of the last full month (dense rank ≤ 5, ties included)",
        """select rank, mentor_id, domain_name, booked_sessions, finished_sessions, month
           from {mentorhub_top_mentors_last_month} order by rank, mentor_id""",
    ),
    (
        "5. Days between finished sessions",
        """select role, users_with_gaps, mean_avg_days_between, median_avg_days_between,
                  pooled_mean_days_between
           from {mentorhub_time_between_sessions_summary} order by role""",
    ),
    (
        "6. Cancel rate by domain (last 3 months of data) and platform-wide",
        """select month, domain_name, booked_sessions, canceled_sessions, cancel_rate,
                  cancel_rate_mom_delta
           from {mentorhub_monthly_cancellations}
           where month > (select max(month) - interval '3 months'
                          from {mentorhub_monthly_cancellations})
           union all
           select month, '(all domains)', booked_sessions, canceled_sessions, cancel_rate,
                  cancel_rate_mom_delta
           from {mentorhub_monthly_cancellations_total}
           where month > (select max(month) - interval '3 months'
                          from {mentorhub_monthly_cancellations_total})
           order by 1, 2""",
    ),
    (
        "7. Busiest weekday of each domain (finished sessions, all history)",
        """select domain_name, weekday_name, finished_sessions, share_of_domain
           from {mentorhub_busiest_weekday} where is_busiest
           order by domain_id, iso_weekday""",
    ),
    (
        "8. Mentors to recruit for 500 more active mentees next month",
        """select forecast_month, basis_first_month, basis_last_month,
                  sessions_per_active_mentee, sessions_per_active_mentor, extra_mentees,
                  mentors_needed, mentors_needed_original_method
           from {mentorhub_mentor_demand_forecast}""",
    ),
]

SALES = [
    (
        "Sales KPIs of the data's last day (both segments): against the day before, the "
        "mean of the 7 days before and the trailing 28 days (the daily report's numbers)",
        """select day, kpi, value, change_from_previous_day, change_from_previous_day_rate,
                  mean_7d, change_from_mean_7d_rate, z_score, is_anomaly
           from {sales_daily_report}
           where day = (select max(day) from {sales_daily_report})
           order by kpi_order""",
    ),
    (
        "Processes open past SLA, last 7 days",
        """select process, started, closed_within_sla, open_after_sla, pending, open_rate
           from {sales_daily_report_open_processes}
           where day = (select max(day) from {sales_daily_report_open_processes})
           order by process""",
    ),
    (
        "Funnel of the latest cohort whose window is complete",
        """select cohort_day, step_order, step, users, conversion_from_start
           from {sales_daily_report_funnel}
           where day = (select max(day) from {sales_daily_report_funnel})
           order by step_order""",
    ),
]

ELEARNING = [
    (
        "A/B test of the payment mechanic: metrics by group",
        """select grp, users, active_users, payers, revenue, conversion_rate, arpau, arppu,
                  inactive_payers
           from {elearning_ab_group_metrics} order by grp""",
    ),
    (
        "A/B test: B against A (95% CI of B − A)",
        """select metric, value_a, value_b, lift_rel as lift_rel_pct, test, p_value,
                  ci_low, ci_high, is_significant
           from {elearning_ab_test_results}
           order by array_position(array['conversion_rate', 'arpau', 'arppu'], metric)""",
    ),
    (
        "A/B test: sample ratio and data quality",
        """select 'sample ratio' as check_name, users_a || ' / ' || users_b as observed,
                  p_value, is_mismatch as flagged
           from {elearning_ab_sample_ratio_check}
           union all
           select finding, ids || coalesce(' ids, ' || round(revenue) || ' ₽', ' ids'),
                  null, ids > 0
           from {elearning_ab_data_quality}""",
    ),
    (
        "Course groups: diligent students (≥ 20 correct exercises) by month",
        "select month, students from {elearning_diligent_students_monthly} order by 1",
    ),
    (
        "Course groups: metrics",
        """select test_grp, students, active_students, math_active_students, payers, revenue,
                  arpu, arpau, conversion_rate, active_conversion_rate, math_conversion_rate
           from {elearning_course_group_metrics} order by test_grp""",
    ),
]

QUESTIONS = {"mentorhub": MENTORHUB, "sales": SALES, "elearning": ELEARNING}


class _Relations(dict):
    """`{model}` in a query -> the model's relation, from dbt's manifest."""

    def __missing__(self, model: str) -> str:
        return relation(model)


def print_answers(conn: Connection, domain: str) -> None:
    """Print each question of ``domain`` and its mart rows as a table.

    Raises pulse.relations.ManifestError when dbt's manifest is missing or stale.
    """
    relations = _Relations()
    with conn.connect() as db:
        for title, query in QUESTIONS[domain]:
            cur = db.execute(query.format_map(relations))
            columns = [column.name for column in cur.description]
            rows = [[_fmt(v, c) for v, c in zip(row, columns, strict=True)] for row in cur]
            print(f"\n{title}")
            if rows:
                print(tabulate(rows, headers=columns, tablefmt="simple_outline"))
            else:
                print("  (no rows: the data has no such period yet)")
