"""The shop marts in plain pandas: the script the shop's dbt models replace.

`pulse bench` times it against the models (``python -m pulse.shop_pandas FILE…``), and
pytests/test_shop_marts.py compares every shop mart with it: an implementation
independent of the models.

Written from the written spec (``spec/shop.md`` and the cross-cutting rules of
``spec/README.md``) plus the team's conventions for the points the spec leaves open. It
reads one or more raw telemetry CSV files (``dataset_telemetry.csv``: an unnamed index
column, then ``userid, sessionid, timestamp, action, value, category, age, gender, city``),
concatenated as if loaded one after another, and returns one DataFrame per mart, so tests
can compare them with what the dbt models build.

Conventions of the returned frames:
- days, weeks (the Monday) and months (the first day) are ``datetime.date`` values;
- counts are ints; money and fractions are floats, NaN for null; nothing is rounded.

Cleaning (team conventions): text fields are trimmed and an empty field is null. A row
with a null user, session id or timestamp, an action that is not one of the seven, a
negative value or a gender other than the two of the spec is invalid. Rows identical on (userid,
sessionid, timestamp, action, value) count once (the first kept).

Orders (team conventions): within a session, rows are ordered by time, ties by the action
order mainpage, category, search, product, cart, checkout, confirmation (then by load
order). A checkout followed by a confirmation before the session's next checkout is an
order: revenue = the checkout's value, time = the first such confirmation, city / gender /
age from the checkout row. Its items are the session's cart rows after the previous
order's checkout (the previous *confirmed* checkout, so carts of an unconfirmed checkout
roll into the next order) up to this checkout.

Periods: an order belongs to the day / week / month / hour cell of its time (its first
confirmation), a session to that of its first action; ``year`` in the hourly mart is the
calendar year of the timestamp. The per-category ``revenue`` rows of the anomaly mart are
the item revenue of the orders of the day, by the cart row's category.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

ACTIONS = ("mainpage", "category", "search", "product", "cart", "checkout", "confirmation")
ACTION_RANK = {action: rank for rank, action in enumerate(ACTIONS)}
GENDERS = ("Ж", "М")
CATEGORIES = (
    "Товары для детей",
    "Красота и здоровье",
    "Одежда и обувь",
    "Электроника и бытовая техника",
    "Авто/мото товары",
    "Продовольственные товары",
)
# (upper bound exclusive, label); the last band is open
AGE_BANDS = (
    (18, "<18"),
    (25, "18-24"),
    (35, "25-34"),
    (45, "35-44"),
    (55, "45-54"),
    (65, "55-64"),
    (None, "65+"),
)
RAW_COLUMNS = (
    "userid",
    "sessionid",
    "timestamp",
    "action",
    "value",
    "category",
    "age",
    "gender",
    "city",
)
GRAINS = ("day", "week", "month")
FUNNEL_STEPS = ("session", "product", "cart", "checkout", "confirmation")
RETENTION_WEEKS = 12
BASELINE_WEEKS = 8
MIN_BASELINE_POINTS = 6
Z_THRESHOLD = 3.0
ANOMALY_METRICS = ("revenue", "orders", "active_users", "arppu")
ALL = "All"

COLUMNS = {
    "shop_kpis": [
        "period_grain",
        "period_start",
        "active_users",
        "sessions",
        "buyers",
        "orders",
        "revenue",
        "arpu",
        "arppu",
        "avg_order_value",
        "conversion_rate",
        "checkout_conversion_rate",
    ],
    "shop_revenue_by_segment": [
        "month",
        "category",
        "city",
        "gender",
        "age_band",
        "item_revenue",
        "orders",
        "buyers",
    ],
    "shop_funnel_monthly": [
        "month",
        "step_order",
        "step",
        "sessions",
        "conversion_from_previous",
        "conversion_from_start",
    ],
    "shop_hourly_activity": ["year", "iso_weekday", "hour", "events", "active_users", "orders"],
    "shop_retention_weekly": [
        "cohort_week",
        "weeks_since_first",
        "cohort_users",
        "retained_users",
        "retention_rate",
    ],
    "shop_daily_anomalies": [
        "day",
        "metric",
        "category",
        "value",
        "baseline_mean",
        "baseline_stddev",
        "baseline_points",
        "z_score",
        "is_anomaly",
    ],
}

DATE_COLUMNS = {
    "shop_kpis": ["period_start"],
    "shop_revenue_by_segment": ["month"],
    "shop_funnel_monthly": ["month"],
    "shop_hourly_activity": [],
    "shop_retention_weekly": ["cohort_week"],
    "shop_daily_anomalies": ["day"],
}
INT_COLUMNS = {
    "shop_kpis": ["active_users", "sessions", "buyers", "orders"],
    "shop_revenue_by_segment": ["orders", "buyers"],
    "shop_funnel_monthly": ["step_order", "sessions"],
    "shop_hourly_activity": ["year", "iso_weekday", "hour", "events", "active_users", "orders"],
    "shop_retention_weekly": ["weeks_since_first", "cohort_users", "retained_users"],
    "shop_daily_anomalies": ["baseline_points"],
}
FLOAT_COLUMNS = {
    "shop_kpis": [
        "revenue",
        "arpu",
        "arppu",
        "avg_order_value",
        "conversion_rate",
        "checkout_conversion_rate",
    ],
    "shop_revenue_by_segment": ["item_revenue"],
    "shop_funnel_monthly": ["conversion_from_previous", "conversion_from_start"],
    "shop_hourly_activity": [],
    "shop_retention_weekly": ["retention_rate"],
    "shop_daily_anomalies": ["value", "baseline_mean", "baseline_stddev", "z_score"],
}
TEXT_COLUMNS = {
    "shop_kpis": ["period_grain"],
    "shop_revenue_by_segment": ["category", "city", "gender", "age_band"],
    "shop_funnel_monthly": ["step"],
    "shop_hourly_activity": [],
    "shop_retention_weekly": [],
    "shop_daily_anomalies": ["metric", "category"],
}


# --------------------------------------------------------------------------------------
# small helpers
# --------------------------------------------------------------------------------------


def _read_csv(path: Path) -> pd.DataFrame:
    frame = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    frame.columns = [c.strip() for c in frame.columns]
    return frame


def _text(values: pd.Series) -> pd.Series:
    """Trimmed text; an empty field is null (None)."""
    text = values.astype("string").str.strip()
    ok = text.notna() & (text != "")
    return text.astype(object).where(ok.astype(bool), None)


def _to_int(values: pd.Series) -> pd.Series:
    num = pd.to_numeric(values.astype("string").str.strip(), errors="coerce")
    num = num.where(num.notna() & (num == np.floor(num)))
    return num.astype("Int64")


def _to_float(values: pd.Series) -> pd.Series:
    return pd.to_numeric(values.astype("string").str.strip(), errors="coerce").astype(float)


def _to_timestamp(values: pd.Series) -> pd.Series:
    text = values.astype("string").str.strip()
    return pd.to_datetime(text, format="ISO8601", errors="coerce")


def _days(ts: pd.Series) -> np.ndarray:
    """Dates of timestamps as ``datetime64[D]``."""
    return ts.to_numpy().astype("datetime64[D]")


def _weeks(days: np.ndarray) -> np.ndarray:
    """The Monday of the ISO week of each ``datetime64[D]`` day."""
    ordinal = days.astype("int64")
    return (ordinal - (ordinal + 3) % 7).astype("datetime64[D]")


def _months(days: np.ndarray) -> np.ndarray:
    return days.astype("datetime64[M]").astype("datetime64[D]")


def _to_dates(values) -> list:
    """``datetime64`` values to a list of ``datetime.date``."""
    return list(pd.to_datetime(pd.Series(np.asarray(values).astype("datetime64[D]"))).dt.date)


def _divide(num: pd.Series, den: pd.Series) -> pd.Series:
    num = num.astype(float)
    den = den.astype(float)
    return (num / den.where(den != 0)).astype(float)


def _empty(name: str) -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series([], dtype=object) for c in COLUMNS[name]})


def _finish(name: str, frame: pd.DataFrame) -> pd.DataFrame:
    out = frame[COLUMNS[name]].reset_index(drop=True).copy()
    for col in DATE_COLUMNS[name]:
        out[col] = pd.Series(_to_dates(out[col].to_numpy()), dtype=object)
    for col in TEXT_COLUMNS[name]:
        text = out[col].astype(object)
        out[col] = text.where(text.notna(), None)
    for col in INT_COLUMNS[name]:
        out[col] = out[col].astype("int64")
    for col in FLOAT_COLUMNS[name]:
        out[col] = out[col].astype(float)
    if "is_anomaly" in out.columns:
        out["is_anomaly"] = out["is_anomaly"].astype(bool)
    return out


def _age_band(age: pd.Series) -> pd.Series:
    num = age.astype(float)
    band = pd.Series(None, index=age.index, dtype=object)
    lower = -np.inf
    for upper, label in AGE_BANDS:
        top = np.inf if upper is None else upper
        band[(num >= lower) & (num < top)] = label
        lower = top
    return band


# --------------------------------------------------------------------------------------
# staging
# --------------------------------------------------------------------------------------


def _load_events(csv_paths: list) -> pd.DataFrame:
    """Clean, de-duplicated events ordered by session, time and action order."""
    frames = [_read_csv(Path(p)) for p in csv_paths]
    raw = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()
    for col in RAW_COLUMNS:
        if col not in raw.columns:
            raw[col] = pd.Series("", index=raw.index, dtype=object)
    e = pd.DataFrame(
        {
            "user": _text(raw["userid"]),
            "session": _to_int(raw["sessionid"]),
            "ts": _to_timestamp(raw["timestamp"]),
            "action": _text(raw["action"]),
            "value": _to_float(raw["value"]),
            "category": _text(raw["category"]),
            "age": _to_int(raw["age"]),
            "gender": _text(raw["gender"]),
            "city": _text(raw["city"]),
        }
    )
    keep = (
        e["user"].notna()
        & e["session"].notna()
        & e["ts"].notna()
        & e["action"].isin(ACTIONS)
        & ~(e["value"] < 0)
        & e["gender"].isin(GENDERS)
    )
    e = e[keep.astype(bool)]
    e = e.drop_duplicates(subset=["user", "session", "ts", "action", "value"], keep="first")
    e = e.assign(
        session=e["session"].astype("int64"),
        rank=e["action"].map(ACTION_RANK).astype("int64"),
        seq=np.arange(len(e), dtype="int64"),
        uid=pd.factorize(e["user"])[0].astype("int64"),
    )
    e = e.sort_values(["uid", "session", "ts", "rank", "seq"], kind="mergesort")
    e = e.reset_index(drop=True)
    new_session = (e["uid"].diff() != 0) | (e["session"].diff() != 0)
    e["sid"] = new_session.cumsum().astype("int64") - 1
    day = _days(e["ts"])
    e["day"] = day
    e["week"] = _weeks(day)
    e["month"] = _months(day)
    return e


def _orders_and_items(e: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Orders (one row per confirmed checkout) and their items (cart rows)."""
    is_checkout = (e["action"] == "checkout").astype("int64")
    # index of the latest checkout at or before each row within its session (0 = none yet)
    chk_idx = is_checkout.groupby(e["sid"]).cumsum()
    e = e.assign(chk_idx=chk_idx)

    checkouts = e.loc[
        e["action"] == "checkout", ["sid", "chk_idx", "uid", "value", "city", "gender", "age"]
    ]
    confirmations = e.loc[(e["action"] == "confirmation") & (e["chk_idx"] > 0)]
    first_conf = confirmations.drop_duplicates(subset=["sid", "chk_idx"], keep="first")
    first_conf = first_conf[["sid", "chk_idx", "ts"]].rename(columns={"ts": "order_ts"})

    chk = checkouts.merge(first_conf, on=["sid", "chk_idx"], how="left")
    confirmed = chk["order_ts"].notna()
    orders = chk[confirmed].rename(columns={"value": "revenue"}).reset_index(drop=True)
    orders["order_id"] = np.arange(len(orders), dtype="int64")
    order_day = _days(orders["order_ts"])
    orders["day"] = order_day
    orders["week"] = _weeks(order_day)
    orders["month"] = _months(order_day)

    # each cart goes to the first confirmed checkout at or after its next checkout
    ref = chk["chk_idx"].where(confirmed).groupby(chk["sid"]).bfill()
    targets = pd.DataFrame({"sid": chk["sid"], "next_chk": chk["chk_idx"], "ref": ref})
    targets = targets[targets["ref"].notna()].astype({"ref": "int64"})
    carts = e.loc[e["action"] == "cart", ["sid", "chk_idx", "value", "category"]]
    carts = carts.assign(next_chk=carts["chk_idx"] + 1)
    items = carts.merge(targets, on=["sid", "next_chk"], how="inner")
    items = items[["sid", "ref", "value", "category"]].rename(columns={"ref": "chk_idx"})
    items = items.merge(
        orders[["sid", "chk_idx", "order_id", "uid", "order_ts", "day", "month"]],
        on=["sid", "chk_idx"],
        how="inner",
    )
    return orders, items


# --------------------------------------------------------------------------------------
# marts
# --------------------------------------------------------------------------------------


def _period_range(grain: str, first_day: np.datetime64, last_day: np.datetime64) -> np.ndarray:
    if grain == "day":
        return np.arange(first_day, last_day + 1, dtype="datetime64[D]")
    if grain == "week":
        start = _weeks(np.array([first_day]))[0]
        end = _weeks(np.array([last_day]))[0]
        return np.arange(start, end + 1, 7, dtype="datetime64[D]")
    start = np.datetime64(first_day, "M")
    end = np.datetime64(last_day, "M")
    return np.arange(start, end + 1, dtype="datetime64[M]").astype("datetime64[D]")


def _users_per(frame: pd.DataFrame, key: str, name: str) -> pd.Series:
    pairs = frame[["uid", key]].drop_duplicates()
    return pairs.groupby(key).size().rename(name)


def _kpis(
    e: pd.DataFrame, orders: pd.DataFrame, first_day: np.datetime64, last_day: np.datetime64
) -> pd.DataFrame:
    firsts = e.drop_duplicates(subset="sid", keep="first")
    checkouts = e[e["action"] == "checkout"]
    confirmations = e[e["action"] == "confirmation"]
    parts = []
    for grain in GRAINS:
        periods = _period_range(grain, first_day, last_day)
        out = pd.DataFrame({"period_start": pd.Series(periods).astype("datetime64[s]")})
        pieces = [
            _users_per(e, grain, "active_users"),
            firsts.groupby(grain).size().rename("sessions"),
            _users_per(orders, grain, "buyers"),
            orders.groupby(grain).size().rename("orders"),
            orders.groupby(grain)["revenue"].sum(min_count=0).rename("revenue"),
            _users_per(checkouts, grain, "checkout_users"),
            _users_per(confirmations, grain, "confirmation_users"),
        ]
        for piece in pieces:
            piece.index = piece.index.astype("datetime64[s]")
            out = out.merge(
                piece.rename_axis("period_start").reset_index(), on="period_start", how="left"
            )
        counts = ["active_users", "sessions", "buyers", "orders"]
        for col in [*counts, "checkout_users", "confirmation_users"]:
            out[col] = out[col].fillna(0).astype("int64")
        out["revenue"] = out["revenue"].fillna(0.0).astype(float)
        out["arpu"] = _divide(out["revenue"], out["active_users"])
        out["arppu"] = _divide(out["revenue"], out["buyers"])
        out["avg_order_value"] = _divide(out["revenue"], out["orders"])
        out["conversion_rate"] = _divide(out["buyers"], out["active_users"])
        out["checkout_conversion_rate"] = _divide(out["confirmation_users"], out["checkout_users"])
        out["period_grain"] = grain
        parts.append(out)
    return _finish("shop_kpis", pd.concat(parts, ignore_index=True))


def _revenue_by_segment(items: pd.DataFrame, orders: pd.DataFrame) -> pd.DataFrame:
    if items.empty:
        return _empty("shop_revenue_by_segment")
    attrs = orders[["order_id", "city", "gender", "age"]]
    rows = items.merge(attrs, on="order_id", how="left")
    rows["age_band"] = _age_band(rows["age"])
    keys = ["month", "category", "city", "gender", "age_band"]
    agg = rows.groupby(keys, dropna=False).agg(
        item_revenue=("value", "sum"),
        orders=("order_id", "nunique"),
        buyers=("uid", "nunique"),
    )
    out = agg.reset_index()
    for col in keys[1:]:
        out[col] = out[col].astype(object).where(out[col].notna(), None)
    out = out.sort_values(["month", "item_revenue"], ascending=[True, False], kind="mergesort")
    return _finish("shop_revenue_by_segment", out)


def _funnel(e: pd.DataFrame) -> pd.DataFrame:
    firsts = e.drop_duplicates(subset="sid", keep="first")
    sessions = firsts[["sid", "month"]].set_index("sid")
    reached = firsts.set_index("sid")["ts"]
    flags = {FUNNEL_STEPS[0]: pd.Series(True, index=sessions.index)}
    for step in FUNNEL_STEPS[1:]:
        events = e.loc[e["action"] == step, ["sid", "ts"]]
        prev = pd.Series(reached.reindex(events["sid"].to_numpy()).to_numpy(), index=events.index)
        events = events[prev.notna() & (events["ts"] >= prev)]
        reached = events.groupby("sid")["ts"].min()
        flags[step] = pd.Series(sessions.index.isin(reached.index), index=sessions.index)
    table = sessions.assign(**{step: flag.astype("int64") for step, flag in flags.items()})
    per = table.groupby("month")[list(FUNNEL_STEPS)].sum()
    long = per.reset_index().melt(
        id_vars=["month"], value_vars=list(FUNNEL_STEPS), var_name="step", value_name="sessions"
    )
    order = {step: i for i, step in enumerate(FUNNEL_STEPS)}
    long["step_order"] = long["step"].map(order).astype("int64")
    long = long.sort_values(["month", "step_order"]).reset_index(drop=True)
    first_step = long["step_order"] == 0
    prev_sessions = long["sessions"].shift(1).where(~first_step)
    long["conversion_from_previous"] = _divide(long["sessions"], prev_sessions)
    long.loc[first_step, "conversion_from_previous"] = 1.0
    start_sessions = long["sessions"].where(first_step).ffill()
    long["conversion_from_start"] = _divide(long["sessions"], start_sessions)
    return _finish("shop_funnel_monthly", long)


def _cells(ts: pd.Series) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "year": ts.dt.year.astype("int64"),
            "iso_weekday": (ts.dt.day_of_week + 1).astype("int64"),
            "hour": ts.dt.hour.astype("int64"),
        },
        index=ts.index,
    )


def _hourly(e: pd.DataFrame, orders: pd.DataFrame) -> pd.DataFrame:
    keys = ["year", "iso_weekday", "hour"]
    ev = _cells(e["ts"]).assign(uid=e["uid"])
    agg = ev.groupby(keys).agg(events=("uid", "size"), active_users=("uid", "nunique"))
    order_counts = _cells(orders["order_ts"]).groupby(keys).size().rename("orders")
    out = agg.join(order_counts, how="outer").reset_index()
    for col in ("events", "active_users", "orders"):
        out[col] = out[col].fillna(0).astype("int64")
    out = out.sort_values(keys)
    return _finish("shop_hourly_activity", out)


def _retention(e: pd.DataFrame, last_day: np.datetime64) -> pd.DataFrame:
    first = e.groupby("uid")["day"].min()
    cohort = pd.Series(_weeks(first.to_numpy().astype("datetime64[D]")), index=first.index)
    cohort_users = cohort.value_counts().sort_index()
    grid = []
    for week, users in cohort_users.items():
        week_d = np.datetime64(week, "D")
        for w in range(RETENTION_WEEKS + 1):
            if week_d + 7 * w <= last_day:
                grid.append((week_d, w, int(users)))
    out = pd.DataFrame(grid, columns=["cohort_week", "weeks_since_first", "cohort_users"])
    out["cohort_week"] = out["cohort_week"].astype("datetime64[s]")

    active = e[["uid", "week"]].drop_duplicates()
    active_week = active["week"].to_numpy().astype("datetime64[D]")
    user_cohort = cohort.loc[active["uid"].to_numpy()].to_numpy().astype("datetime64[D]")
    since = (active_week - user_cohort).astype("int64") // 7
    activity = pd.DataFrame(
        {"cohort_week": user_cohort.astype("datetime64[s]"), "weeks_since_first": since}
    )
    activity = activity[activity["weeks_since_first"].between(0, RETENTION_WEEKS)]
    retained = activity.groupby(["cohort_week", "weeks_since_first"]).size()
    retained = retained.rename("retained_users").reset_index()
    out = out.merge(retained, on=["cohort_week", "weeks_since_first"], how="left")
    out["retained_users"] = out["retained_users"].fillna(0).astype("int64")
    out["retention_rate"] = _divide(out["retained_users"], out["cohort_users"])
    return _finish("shop_retention_weekly", out)


def _baseline(values: np.ndarray) -> dict[str, np.ndarray]:
    """Same-weekday baseline over the previous 8 weeks of an aligned daily series."""
    n = len(values)
    lagged = np.full((BASELINE_WEEKS, n), np.nan)
    for k in range(1, BASELINE_WEEKS + 1):
        lag = 7 * k
        if lag < n:
            lagged[k - 1, lag:] = values[: n - lag]
    present = ~np.isnan(lagged)
    points = present.sum(axis=0)
    filled = np.where(present, lagged, 0.0)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = np.where(points > 0, filled.sum(axis=0) / np.maximum(points, 1), np.nan)
        dev = np.where(present, lagged - mean, 0.0)
        var = np.where(points > 1, (dev**2).sum(axis=0) / np.maximum(points - 1, 1), np.nan)
        std = np.sqrt(var)
        hi = np.where(present, lagged, -np.inf).max(axis=0)
        lo = np.where(present, lagged, np.inf).min(axis=0)
        std = np.where((points > 1) & (hi == lo), 0.0, std)  # equal points: exactly 0
        usable = (points >= MIN_BASELINE_POINTS) & ~np.isnan(std) & (std != 0)
        usable &= ~np.isnan(values)
        z = np.where(usable, (values - mean) / np.where(usable, std, 1.0), np.nan)
    return {
        "baseline_mean": mean,
        "baseline_stddev": std,
        "baseline_points": points.astype("int64"),
        "z_score": z,
        "is_anomaly": np.abs(np.nan_to_num(z, nan=0.0)) >= Z_THRESHOLD,
    }


def _anomalies(
    e: pd.DataFrame,
    orders: pd.DataFrame,
    items: pd.DataFrame,
    first_day: np.datetime64,
    last_day: np.datetime64,
) -> pd.DataFrame:
    days = np.arange(first_day, last_day + 1, dtype="datetime64[D]")
    index = pd.Index(days.astype("datetime64[s]"), name="day")

    def per_day(series: pd.Series, fill: float | None = 0.0) -> np.ndarray:
        series = series.copy()
        series.index = pd.Index(series.index.to_numpy().astype("datetime64[s]"))
        out = series.reindex(index).astype(float)
        return (out.fillna(fill) if fill is not None else out).to_numpy()

    revenue = per_day(orders.groupby("day")["revenue"].sum(min_count=0))
    n_orders = per_day(orders.groupby("day").size())
    active = per_day(e[["uid", "day"]].drop_duplicates().groupby("day").size())
    buyers = per_day(orders[["uid", "day"]].drop_duplicates().groupby("day").size())
    with np.errstate(invalid="ignore", divide="ignore"):
        arppu = np.where(buyers > 0, revenue / np.where(buyers > 0, buyers, 1.0), np.nan)

    series: list[tuple[str, str, np.ndarray]] = [("revenue", ALL, revenue)]
    by_category = items.groupby(["day", "category"])["value"].sum(min_count=0)
    for category in CATEGORIES:
        if category in by_category.index.get_level_values("category"):
            part = by_category.xs(category, level="category")
        else:
            part = pd.Series([], dtype=float)
        series.append(("revenue", category, per_day(part)))
    series += [("orders", ALL, n_orders), ("active_users", ALL, active), ("arppu", ALL, arppu)]

    parts = []
    for metric, category, values in series:
        frame = pd.DataFrame({"day": days, "metric": metric, "category": category})
        frame["value"] = values
        for col, arr in _baseline(values).items():
            frame[col] = arr
        parts.append(frame)
    out = pd.concat(parts, ignore_index=True)
    metric_order = out["metric"].map({m: i for i, m in enumerate(ANOMALY_METRICS)})
    category_order = out["category"].map({c: i for i, c in enumerate((ALL, *CATEGORIES))})
    out = out.assign(_m=metric_order, _c=category_order)
    out = out.sort_values(["day", "_m", "_c"], kind="mergesort")
    return _finish("shop_daily_anomalies", out)


# --------------------------------------------------------------------------------------
# entry point
# --------------------------------------------------------------------------------------


def compute_marts(csv_paths: list) -> dict[str, pd.DataFrame]:
    """Compute every shop mart from the raw telemetry CSV files ``csv_paths``.

    The files are concatenated in the given order, as if loaded one after another.
    """
    if isinstance(csv_paths, str | Path):
        csv_paths = [csv_paths]
    events = _load_events(list(csv_paths))
    if events.empty:
        return {name: _empty(name) for name in COLUMNS}

    first_day = events["day"].min().to_datetime64().astype("datetime64[D]")
    last_day = events["day"].max().to_datetime64().astype("datetime64[D]")
    orders, items = _orders_and_items(events)
    return {
        "shop_kpis": _kpis(events, orders, first_day, last_day),
        "shop_revenue_by_segment": _revenue_by_segment(items, orders),
        "shop_funnel_monthly": _funnel(events),
        "shop_hourly_activity": _hourly(events, orders),
        "shop_retention_weekly": _retention(events, last_day),
        "shop_daily_anomalies": _anomalies(events, orders, items, first_day, last_day),
    }


if __name__ == "__main__":
    # `pulse bench` runs this module as the plain-pandas way to the same marts.
    import sys

    marts = compute_marts(sys.argv[1:])
    print("pandas: " + ", ".join(f"{name} {len(frame):,} rows" for name, frame in marts.items()))
