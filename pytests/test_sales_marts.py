"""Every sales mart equals an independent pandas computation of the spec.

The expected frames come from ``sales_reference.py``, written from the spec without
reading the SQL, on the same generated raw files that were loaded.
"""

from __future__ import annotations

import pytest
from sales_reference import compute_marts
from test_mentorhub_marts import normalise, read_mart

from pulse.db import PROJECT_DIR

KEYS = {
    "sales_daily_kpis": ["day", "segment"],
    "sales_open_processes_daily": ["day", "process", "segment"],
    "sales_funnel_daily": ["cohort_day", "segment", "step_order"],
    "sales_lead_transitions": ["step_position", "from_event", "to_event"],
    "sales_daily_report": ["day", "kpi"],
    "sales_daily_report_open_processes": ["day", "process"],
    "sales_daily_report_funnel": ["day", "step_order"],
}


@pytest.fixture(scope="module")
def expected(sales_dir):
    return compute_marts(sales_dir, PROJECT_DIR / "seeds" / "sales")


def keyed(frame, keys):
    rows = {}
    for record in frame.to_dict("records"):
        rows[tuple(normalise(record[key]) for key in keys)] = {
            column: normalise(value) for column, value in record.items()
        }
    return rows


@pytest.mark.parametrize("mart", list(KEYS))
def test_sales_mart_matches_independent_computation(built, expected, mart):
    actual = read_mart(built("sales"), mart)
    want = expected[mart]
    assert list(actual.columns) == list(want.columns), f"{mart}: columns differ from the spec"
    got, exp = keyed(actual, KEYS[mart]), keyed(want, KEYS[mart])
    assert got.keys() == exp.keys(), f"{mart}: the set of rows differs"
    assert len(got) > 0
    for key, row in exp.items():
        for column, value in row.items():
            actual_value = got[key][column]
            if isinstance(value, float) and isinstance(actual_value, float):
                assert actual_value == pytest.approx(value, rel=1e-9, abs=1e-9), (mart, key)
            else:
                assert actual_value == value, (mart, key, column, actual_value, value)


def test_sales_data_exercises_every_metric(expected):
    kpis = expected["sales_daily_kpis"]
    for column in ("intro_booked_by_first_line", "purchases_without_second_line",
                   "purchases_with_second_line", "new_paying_users"):  # fmt: skip
        assert kpis[column].sum() > 0, column
    outcomes = expected["sales_open_processes_daily"][["closed_within_sla", "open_after_sla"]]
    assert (outcomes.sum() > 0).all()
    report = expected["sales_daily_report"]
    assert report["is_anomaly"].any() and not report["is_anomaly"].all()
    assert report["change_from_previous_day_rate"].isna().any()  # a base of 0 somewhere
    assert expected["sales_daily_report_funnel"]["day"].nunique() > 1
