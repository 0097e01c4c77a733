"""The synthetic shop telemetry: deterministic, in the original's format, shaped like the spec."""

from __future__ import annotations

from datetime import date, timedelta

import pandas as pd
import pytest

from pulse.generate.shop import (
    ACTIONS,
    CATEGORIES,
    FILE,
    HEADER,
    anomaly_days,
    daily_active_users,
    default_days,
    generate,
)

KEY = ["userid", "sessionid", "timestamp", "action", "value"]
SESSION = ["userid", "sessionid"]
START = date(2021, 1, 1)


def read(path) -> pd.DataFrame:
    frame = pd.read_csv(path / FILE, index_col=0, keep_default_na=False, dtype={"category": str})
    frame["at"] = pd.to_datetime(frame["timestamp"], format="%Y-%m-%dT%H:%M:%S")
    frame["day"] = frame["at"].dt.normalize()
    return frame


def in_session_order(frame: pd.DataFrame) -> pd.DataFrame:
    """Deduplicated rows by session and time, ties by the action order of the spec."""
    frame = frame.drop_duplicates(KEY).copy()
    frame["step"] = frame["action"].map({action: i for i, action in enumerate(ACTIONS)})
    frame = frame.sort_values([*SESSION, "at", "step"], kind="stable")
    checkout = (frame["action"] == "checkout").astype(int)
    # carts belong to the next checkout; a checkout closes its cycle
    frame["cycle"] = checkout.groupby([frame["userid"], frame["sessionid"]]).cumsum() - checkout
    return frame


def orders_of(frame: pd.DataFrame) -> pd.DataFrame:
    """Checkouts followed in their session, before the next checkout, by a confirmation."""
    rows = in_session_order(frame)
    after = rows["action"] == "confirmation"
    rows.loc[after, "cycle"] -= 1  # a confirmation follows the checkout of the cycle before
    keys = [*SESSION, "cycle"]
    paid = rows[after].groupby(keys)["at"].min().rename("paid_at")
    checkouts = rows[rows["action"] == "checkout"]
    return checkouts.merge(paid, left_on=keys, right_index=True)


@pytest.fixture(scope="module")
def year(tmp_path_factory):
    out = tmp_path_factory.mktemp("shop") / "year"
    counts = generate(out, rows=250_000, seed=7, start=START, days=365)
    frame = read(out)
    return {"dir": out, "counts": counts, "rows": frame, "orders": orders_of(frame)}


def test_same_arguments_same_bytes(tmp_path):
    generate(tmp_path / "a", rows=20_000, seed=3, days=10)
    generate(tmp_path / "b", rows=20_000, seed=3, days=10)
    generate(tmp_path / "c", rows=20_000, seed=4, days=10)
    first = (tmp_path / "a" / FILE).read_bytes()
    assert first == (tmp_path / "b" / FILE).read_bytes()
    assert first != (tmp_path / "c" / FILE).read_bytes()


def test_span_and_daily_active_users():
    assert daily_active_users(10_000_000) == 1000
    assert 1000 <= default_days(10_000_000) <= 1200  # about three years
    assert 100 <= default_days(200_000) <= 200  # small files: fewer users, not one day


def test_default_span_and_counts(tmp_path):
    counts = generate(tmp_path, rows=40_000, seed=1)
    frame = read(tmp_path)
    assert counts["days"] == default_days(40_000) == frame["day"].nunique()
    assert counts["rows"] == len(frame)
    assert counts["users"] == frame["userid"].nunique()
    assert 0.85 <= len(frame) / 40_000 <= 1.15


def test_header_and_column_format(year):
    lines = (year["dir"] / FILE).read_text(encoding="utf-8").splitlines()
    assert lines[0] == HEADER
    assert len(lines) - 1 == year["counts"]["rows"]
    raw = pd.read_csv(year["dir"] / FILE, dtype=str, keep_default_na=False, index_col=0)
    assert list(raw.columns) == HEADER.split(",")[1:]
    assert raw.index.tolist() == [str(i) for i in range(len(raw))]  # a pandas-style index
    frame = year["rows"]
    assert frame["userid"].str.fullmatch(r"user_\d{5,}").all()
    assert raw["sessionid"].str.fullmatch(r"\d+").all()
    assert raw["timestamp"].str.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d").all()
    assert raw["value"].str.fullmatch(r"\d+\.0").all()
    assert raw["age"].str.fullmatch(r"\d{2}").all()
    assert set(frame["action"]) == set(ACTIONS)
    assert set(frame["gender"]) == {"Ж", "М"}
    assert set(frame["category"]) == {*CATEGORIES, ""}
    assert frame["city"].str.fullmatch(r"[А-ЯЁ][А-Яа-яё -]+").all()


def test_values_and_categories_by_action(year):
    frame = year["rows"]
    browsing = frame[frame["action"].isin(["mainpage", "category", "search", "product"])]
    assert (browsing["value"] == 0).all()
    assert (frame.loc[frame["action"] == "cart", "value"] > 0).all()
    paid = frame[frame["action"].isin(["checkout", "confirmation"])]
    assert (paid["value"] > 0).all() and (paid["category"] == "").all()
    always = frame[frame["action"].isin(["category", "product", "cart"])]
    assert (always["category"] != "").all()
    for action in ("mainpage", "search"):
        blank = (frame.loc[frame["action"] == action, "category"] == "").mean()
        assert 0.1 < blank < 0.9  # sometimes empty


def test_checkout_is_the_sum_of_the_carts_before_it(year):
    rows = in_session_order(year["rows"])
    carts = rows[rows["action"] == "cart"].groupby([*SESSION, "cycle"])["value"].sum()
    checkouts = rows[rows["action"] == "checkout"].set_index([*SESSION, "cycle"])["value"]
    assert len(checkouts) > 1000
    assert checkouts.eq(carts.reindex(checkouts.index)).all()
    twice = checkouts.groupby(level=SESSION).size()
    assert (twice > 1).sum() > 0  # a few sessions check out twice


def test_confirmations_follow_a_checkout_of_their_session(year):
    rows = in_session_order(year["rows"])
    is_checkout = rows["action"] == "checkout"
    seen = is_checkout.groupby([rows["userid"], rows["sessionid"]]).cumsum()
    confirmations = rows[rows["action"] == "confirmation"]
    assert (seen[confirmations.index] > 0).all()
    last_value = rows["value"].where(is_checkout).groupby([rows["userid"], rows["sessionid"]])
    assert confirmations["value"].eq(last_value.ffill()[confirmations.index]).all()
    orders = year["orders"]
    per_checkout = confirmations.groupby([*SESSION, "cycle"]).size()
    assert (per_checkout > 1).sum() > 0  # repeat confirmations
    assert 0.75 < len(orders) / is_checkout.sum() < 0.97  # some checkouts never confirmed
    carted = rows.loc[rows["action"] == "cart", SESSION].drop_duplicates()
    checked = rows.loc[is_checkout, SESSION].drop_duplicates()
    assert len(checked) < 0.8 * len(carted)  # carts abandoned


def test_sessions_in_time_order_over_the_day_with_an_evening_peak(year):
    frame = year["rows"]
    assert frame["at"].is_monotonic_increasing  # the log is in time order
    sessions = frame.groupby(SESSION)["at"].agg(["min", "max"]).reset_index()
    sessions = sessions.sort_values(["userid", "min"])
    same_user = sessions["userid"].eq(sessions["userid"].shift())
    assert (sessions["min"] > sessions["max"].shift())[same_user].all()  # no overlap
    assert (sessions["sessionid"] > sessions["sessionid"].shift())[same_user].all()
    assert (sessions["min"].dt.date == sessions["max"].dt.date).all()
    by_hour = frame.groupby(frame["at"].dt.hour).size()
    assert by_hour.idxmax() in range(19, 23)
    assert by_hour.min() > 0 and by_hour.loc[3] < by_hour.max() / 10


def test_about_half_a_percent_exact_duplicates(year):
    frame = year["rows"]
    copies = frame.duplicated(KEY)
    assert 0.003 <= copies.mean() <= 0.007
    assert copies.sum() == year["counts"]["duplicates"]
    columns = [c for c in frame.columns if c not in ("at", "day")]
    assert frame.duplicated(columns).sum() == copies.sum()  # exact copies of the row


def test_users_keep_attributes_and_moscow_is_largest(year):
    frame = year["rows"]
    assert (frame.groupby("userid")[["age", "gender", "city"]].nunique() == 1).all().all()
    users = frame.drop_duplicates("userid")
    cities = users["city"].value_counts()
    assert cities.index[0] == "Москва" and cities.iloc[0] > 1.5 * cities.iloc[1]
    assert 0.45 < (users["gender"] == "Ж").mean() < 0.7
    assert users["age"].between(14, 80).all()


def test_daily_active_users_follow_the_rows(year):
    per_day = year["rows"].groupby("day")["userid"].nunique()
    assert len(per_day) == 365
    target = daily_active_users(250_000, 365)
    assert 0.85 * target <= per_day.median() <= 1.15 * target


def test_kids_goods_bring_the_most_revenue(year):
    rows = in_session_order(year["rows"])
    orders = year["orders"]
    items = rows[rows["action"] == "cart"].merge(orders[[*SESSION, "cycle"]])
    revenue = items.groupby("category")["value"].sum().sort_values(ascending=False)
    assert revenue.index[0] == "Товары для детей"
    assert revenue.iloc[0] > 1.2 * revenue.iloc[1]


def test_women_spend_more_per_buyer(year):
    per_buyer = year["orders"].groupby(["gender", "userid"])["value"].sum()
    means = per_buyer.groupby("gender").mean()
    assert means["Ж"] > 1.1 * means["М"]


def test_arpu_peaks_september_to_january(year):
    frame, orders = year["rows"], year["orders"]
    revenue = orders.groupby(orders["paid_at"].dt.month)["value"].sum()
    active = frame.groupby(frame["at"].dt.month)["userid"].nunique()
    arpu = revenue / active
    high, low = arpu[[9, 10, 11, 12, 1]], arpu[[2, 3, 4, 5, 6, 7, 8]]
    assert high.min() > low.max()
    assert high.mean() > 1.5 * low.mean()


def test_anomaly_days_show_in_daily_numbers(year):
    counts = year["counts"]
    anomalies = anomaly_days(7, START, 365)
    assert sorted(anomalies.values()) == ["payment_outage", "sale", "sale", "site_outage"]
    assert {f"anomaly {day} {kind}" for day, kind in anomalies.items()} <= set(counts)
    frame, orders = year["rows"], year["orders"]
    days = pd.date_range(START, periods=365)
    revenue = orders.groupby(orders["paid_at"].dt.normalize())["value"].sum()
    revenue = revenue.reindex(days, fill_value=0)
    active = frame.groupby("day")["userid"].nunique().reindex(days, fill_value=0)
    checkouts = frame[frame["action"] == "checkout"].groupby("day").size()
    paid = orders.groupby(orders["paid_at"].dt.normalize()).size()

    def baseline(series: pd.Series, day: date) -> float:
        # the same weekday in the four weeks before and after
        around = [pd.Timestamp(day + timedelta(weeks=w)) for w in (-4, -3, -2, -1, 1, 2, 3, 4)]
        return float(series.reindex(around).median())

    for day, kind in anomalies.items():
        at = pd.Timestamp(day)
        if kind == "sale":
            assert revenue[at] > 2 * baseline(revenue, day), day
        elif kind == "payment_outage":
            assert revenue[at] < 0.35 * baseline(revenue, day), day
            assert paid.get(at, 0) < 0.3 * checkouts[at], day
            assert active[at] > 0.7 * baseline(active, day), day
        else:
            assert active[at] < 0.6 * baseline(active, day), day


def test_a_second_file_continues_the_first(tmp_path):
    common = {"rows": 30_000, "seed": 11}
    generate(tmp_path / "a", start=START, days=20, **common)
    generate(tmp_path / "b", start=START + timedelta(days=20), days=20, **common)
    generate(tmp_path / "ab", rows=60_000, seed=11, start=START, days=40)
    first, second, both = read(tmp_path / "a"), read(tmp_path / "b"), read(tmp_path / "ab")
    assert first["day"].max() < second["day"].min()
    assert first["day"].nunique() == second["day"].nunique() == 20
    sessions = first[SESSION].drop_duplicates().merge(second[SESSION].drop_duplicates())
    assert sessions.empty  # no (userid, sessionid) in both files
    attributes = ["userid", "age", "gender", "city"]
    shared = first[attributes].drop_duplicates().merge(second[attributes].drop_duplicates())
    common_users = set(first["userid"]) & set(second["userid"])
    assert len(common_users) > 50 and set(shared["userid"]) == common_users
    # The two files together are the one file of both spans, but for the index.
    joined = pd.concat([first, second], ignore_index=True)
    assert joined.equals(both.reset_index(drop=True))
