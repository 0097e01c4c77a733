"""The shop marts, built incrementally load after load, equal an independent pandas
computation of the spec; a --full-refresh gives the same numbers; a file loaded twice
adds nothing.

Loads: a generated log of 70 days; the next day, generated as its continuation; then a
late file with rows for a day inside the lookback (a session that confirms twice, with a
duplicated cart row), a browse-only day (a day without orders) and an order on a day two
months back, far behind the lookback (the models reprocess from the loads' earliest day).
"""

from __future__ import annotations

import csv
from datetime import date, timedelta

import pytest
from conftest import build
from test_mentorhub_marts import normalise, read_mart

from pulse.generate.shop import generate
from pulse.load import load
from pulse.shop_pandas import compute_marts

START, DAYS = date(2021, 1, 4), 70
OLD_DAY = START + timedelta(10)  # two months behind the late file's other days
SHOP_MODELS = ("--select", "staging.shop+ intermediate.shop+ marts.shop")
KEYS = {
    "shop_kpis": ["period_grain", "period_start"],
    "shop_revenue_by_segment": ["month", "category", "city", "gender", "age_band"],
    "shop_funnel_monthly": ["month", "step_order"],
    "shop_hourly_activity": ["year", "iso_weekday", "hour"],
    "shop_retention_weekly": ["cohort_week", "weeks_since_first"],
    "shop_daily_anomalies": ["day", "metric", "category"],
}


def late_file(path, late_day: date, quiet_day: date, old_day: date) -> None:
    header = ["", "userid", "sessionid", "timestamp", "action", "value", "category", "age",
              "gender", "city"]  # fmt: skip
    person = ["31", "Ж", "Казань"]
    clothes = "Одежда и обувь"

    def row(index, user, session, day, clock, action, value, category=""):
        return [index, user, session, f"{day:%Y-%m-%d}T{clock}", action, value, category, *person]

    rows = [
        row(0, "user_99999", 1, late_day, "10:00:00", "mainpage", "0.0"),
        row(1, "user_99999", 1, late_day, "10:01:00", "product", "0.0", clothes),
        row(2, "user_99999", 1, late_day, "10:02:00", "cart", "1000.0", clothes),
        row(3, "user_99999", 1, late_day, "10:02:00", "cart", "1000.0", clothes),  # duplicate
        row(4, "user_99999", 1, late_day, "10:03:00", "checkout", "1000.0"),
        row(5, "user_99999", 1, late_day, "10:04:00", "confirmation", "1000.0"),
        row(6, "user_99999", 1, late_day, "10:05:00", "confirmation", "1000.0"),  # repeat
        row(7, "user_99998", 2, quiet_day, "12:00:00", "mainpage", "0.0"),
        row(8, "user_99998", 2, quiet_day, "12:01:00", "category", "0.0", clothes),
        row(9, "user_99998", 2, quiet_day, "12:02:00", "product", "0.0", clothes),
        row(10, "user_99997", 3, old_day, "09:00:00", "product", "0.0", clothes),
        row(11, "user_99997", 3, old_day, "09:01:00", "cart", "700.0", clothes),
        row(12, "user_99997", 3, old_day, "09:02:00", "checkout", "700.0"),
        row(13, "user_99997", 3, old_day, "09:03:00", "confirmation", "700.0"),
    ]
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(header)
        writer.writerows(rows)


@pytest.fixture(scope="module")
def shop_files(tmp_path_factory):
    folder = tmp_path_factory.mktemp("shop")
    generate(folder / "base", rows=120_000, seed=4, start=START, days=DAYS)
    generate(folder / "next", rows=120_000 // DAYS, seed=4, start=START + timedelta(DAYS), days=1)
    late = folder / "late.csv"
    late_file(late, START + timedelta(DAYS - 2), START + timedelta(DAYS + 1), OLD_DAY)
    return [folder / "base" / "dataset_telemetry.csv",
            folder / "next" / "dataset_telemetry.csv", late]  # fmt: skip


def snapshot(conn) -> dict:
    return {mart: read_mart(conn, mart) for mart in KEYS}


@pytest.fixture(scope="module")
def runs(make_database, shop_files, tmp_path_factory):
    conn = make_database("shop")
    target = tmp_path_factory.mktemp("dbt_shop")
    states = {}
    load(conn, "shop", shop_files[0])
    build(conn, target, *SHOP_MODELS)
    states["first"] = snapshot(conn)
    reloaded = load(conn, "shop", shop_files[0])
    states["reload_skipped"] = reloaded[0].skipped_as is not None
    for file in shop_files[1:]:
        load(conn, "shop", file)
        build(conn, target, *SHOP_MODELS)
    states["incremental"] = snapshot(conn)
    build(conn, target, *SHOP_MODELS, "--full-refresh")
    states["full_refresh"] = snapshot(conn)
    return states


def keyed(frame, keys):
    return {
        tuple(normalise(record[key]) for key in keys): {
            column: normalise(value) for column, value in record.items()
        }
        for record in frame.to_dict("records")
    }


def compare(actual, expected, mart):
    assert list(actual.columns) == list(expected.columns), f"{mart}: columns differ"
    got, want = keyed(actual, KEYS[mart]), keyed(expected, KEYS[mart])
    missing, extra = want.keys() - got.keys(), got.keys() - want.keys()
    assert not missing and not extra, f"{mart}: missing {list(missing)[:3]} extra {list(extra)[:3]}"
    for key, row in want.items():
        for column, value in row.items():
            actual_value = got[key][column]
            if isinstance(value, float) and isinstance(actual_value, float | int):
                assert actual_value == pytest.approx(value, rel=1e-9, abs=1e-9), (mart, key, column)
            else:
                assert actual_value == value, (mart, key, column, actual_value, value)


@pytest.mark.parametrize("mart", list(KEYS))
def test_first_full_build_matches_the_independent_computation(runs, shop_files, mart):
    compare(runs["first"][mart], compute_marts(shop_files[:1])[mart], mart)


@pytest.mark.parametrize("mart", list(KEYS))
def test_incremental_builds_match_after_new_and_late_rows(runs, shop_files, mart):
    compare(runs["incremental"][mart], compute_marts(shop_files)[mart], mart)


@pytest.mark.parametrize("mart", list(KEYS))
def test_full_refresh_equals_the_incremental_result(runs, mart):
    compare(runs["full_refresh"][mart], runs["incremental"][mart], mart)


def test_loading_the_same_file_twice_adds_nothing(runs):
    assert runs["reload_skipped"]


def test_the_late_and_quiet_days_are_in_the_marts(runs):
    kpis = runs["incremental"]["shop_kpis"]
    days = kpis[kpis["period_grain"] == "day"].set_index("period_start")
    quiet = START + timedelta(DAYS + 1)
    assert days.loc[quiet, "orders"] == 0 and days.loc[quiet, "active_users"] == 1
    assert days.loc[quiet, "arppu"] is None  # no buyers: ratio is null


def test_a_day_far_behind_the_lookback_gets_its_late_order(runs):
    def day(state):
        kpis = runs[state]["shop_kpis"]
        return kpis[kpis["period_grain"] == "day"].set_index("period_start").loc[OLD_DAY]

    before, after = day("first"), day("incremental")
    assert after["orders"] == before["orders"] + 1
    assert float(after["revenue"]) == pytest.approx(float(before["revenue"]) + 700.0)
