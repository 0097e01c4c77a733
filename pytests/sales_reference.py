"""Independent pandas reference implementation of the sales marts.

Written from the written spec (``spec/sales.md`` and the cross-cutting rules of
``spec/README.md``) plus the team's conventions for the points the spec leaves open. It
reads the raw CSV files (``events.csv``, ``events_dict.csv``, ``payments.csv``) and the
analyst seeds (event catalog, processes, currency rates) and returns one DataFrame per
mart, so tests can compare them with what the dbt models build.

Conventions of the returned frames:
- days are ``datetime.date`` values (object columns);
- counts are ints; money and fractions are floats, NaN for null; nothing is rounded.

Cleaning (team conventions):
- events: a row with a null event type, a null timestamp or a user id that is not a
  numeric string (after trimming) is invalid; exact duplicate rows (all raw columns
  equal) count once. An event type missing from the catalog stays in the stream with
  ``step``/``flow`` None.
- payments: a row with a null/non-numeric user, null time, transaction id, amount or
  currency, or a negative amount is invalid; exact duplicates count once; among the rows
  left that share a transaction id the first by (time, user id, amount, currency,
  is_gift) is kept. The currency is trimmed and upper-cased; an unknown currency is
  rejected. A null ``is_gift`` means false.
"""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import numpy as np
import pandas as pd

SEGMENTS = ("main", "experiment")
EXPERIMENT_FLOWS = ("demo", "whatsapp")
PURCHASE = "purchase"
LEAD = "lead_created"
FUNNEL_STEPS = (
    "lead_created",
    "first_line_task",
    "first_line_reached",
    "intro_booked",
    "intro_teacher_joined",
    "intro_succeeded",
    "purchase",
)
# unknown event types sort after every known step at equal times (NULLS LAST)
UNKNOWN_STEP_ORDER = 10**9

COLUMNS = {
    "sales_daily_kpis": [
        "day",
        "segment",
        "leads",
        "intro_booked_by_first_line",
        "purchases_without_second_line",
        "purchases_with_second_line",
        "purchases",
        "revenue_rub",
        "new_paying_users",
    ],
    "sales_open_processes_daily": [
        "day",
        "process",
        "segment",
        "started",
        "closed_within_sla",
        "open_after_sla",
        "pending",
        "open_rate",
    ],
    "sales_funnel_daily": [
        "cohort_day",
        "segment",
        "step_order",
        "step",
        "users",
        "conversion_from_previous",
        "conversion_from_start",
        "is_window_complete",
    ],
    "sales_lead_transitions": [
        "step_position",
        "from_event",
        "to_event",
        "users",
        "median_hours_between",
    ],
}

# The daily report's marts (spec: "The daily Telegram report"): each reads the marts above
# for both segments together.
REPORT_KPIS = (
    "intro_booked_by_first_line",
    "purchases_without_second_line",
    "purchases_with_second_line",
    "new_paying_users",
    "revenue_rub",
)
COLUMNS |= {
    "sales_daily_report": [
        "day",
        "kpi_order",
        "kpi",
        "value",
        "previous_day_value",
        "change_from_previous_day",
        "change_from_previous_day_rate",
        "mean_7d",
        "change_from_mean_7d",
        "change_from_mean_7d_rate",
        "baseline_mean",
        "baseline_stddev",
        "baseline_points",
        "z_score",
        "is_anomaly",
    ],
    "sales_daily_report_open_processes": [
        "day",
        "process",
        "started",
        "closed_within_sla",
        "open_after_sla",
        "pending",
        "open_rate",
        "open_after_sla_all_processes",
    ],
    "sales_daily_report_funnel": [
        "day",
        "cohort_day",
        "step_order",
        "step",
        "users",
        "conversion_from_start",
    ],
}
# The anomaly rule (docs block anomaly_rule): the report's baseline is the 28 days before.
BASELINE_DAYS = 28
MIN_POINTS = 6
ANOMALY_Z = 3.0  # the spec: an alert when a KPI is beyond 3 standard deviations (> 3)

INT_COLUMNS = {
    "sales_daily_kpis": [*COLUMNS["sales_daily_kpis"][2:7], "new_paying_users"],
    "sales_open_processes_daily": ["started", "closed_within_sla", "open_after_sla", "pending"],
    "sales_funnel_daily": ["step_order", "users"],
    "sales_lead_transitions": ["step_position", "users"],
    "sales_daily_report": ["kpi_order", "baseline_points"],
    "sales_daily_report_open_processes": [
        "started",
        "closed_within_sla",
        "open_after_sla",
        "pending",
        "open_after_sla_all_processes",
    ],
    "sales_daily_report_funnel": ["step_order", "users"],
}
FLOAT_COLUMNS = {
    "sales_daily_kpis": ["revenue_rub"],
    "sales_open_processes_daily": ["open_rate"],
    "sales_funnel_daily": ["conversion_from_previous", "conversion_from_start"],
    "sales_lead_transitions": ["median_hours_between"],
    "sales_daily_report": [
        "value",
        "previous_day_value",
        "change_from_previous_day",
        "change_from_previous_day_rate",
        "mean_7d",
        "change_from_mean_7d",
        "change_from_mean_7d_rate",
        "baseline_mean",
        "baseline_stddev",
        "z_score",
    ],
    "sales_daily_report_open_processes": ["open_rate"],
    "sales_daily_report_funnel": ["conversion_from_start"],
}

_TRUE = {"t", "true", "y", "yes", "on", "1"}
_FALSE = {"f", "false", "n", "no", "off", "0"}


# --------------------------------------------------------------------------------------
# small helpers
# --------------------------------------------------------------------------------------


def _read_csv(path: Path) -> pd.DataFrame:
    frame = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    frame.columns = [c.strip() for c in frame.columns]
    return frame


def _raw_text(values: pd.Series) -> pd.Series:
    """Raw text as loaded by COPY CSV: an empty field is null, nothing else changes."""
    text = values.astype(object)
    return text.where(text != "", None)


def _user_key(values: pd.Series) -> pd.Series:
    """Trimmed user id; None unless it is a non-empty string of digits."""
    text = values.astype("string").str.strip()
    ok = text.str.fullmatch(r"[0-9]+").fillna(False).astype(bool)
    return text.astype(object).where(ok, None)


def _to_int(values: pd.Series) -> pd.Series:
    num = pd.to_numeric(values.astype("string").str.strip(), errors="coerce")
    num = num.where(num.notna() & (num == np.floor(num)))
    return num.astype("Int64")


def _to_float(values: pd.Series) -> pd.Series:
    return pd.to_numeric(values.astype("string").str.strip(), errors="coerce").astype(float)


def _to_timestamp(values: pd.Series) -> pd.Series:
    text = values.astype("string").str.strip()
    return pd.to_datetime(text, format="ISO8601", errors="coerce")


def _to_bool(values: pd.Series) -> pd.Series:
    """Postgres boolean literals; blank or unrecognised becomes null."""
    text = values.astype("string").str.strip().str.lower()
    out = pd.Series(pd.NA, index=values.index, dtype="boolean")
    out[text.isin(_TRUE).fillna(False).astype(bool)] = True
    out[text.isin(_FALSE).fillna(False).astype(bool)] = False
    return out


def _empty(name: str) -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series([], dtype=object) for c in COLUMNS[name]})


def _finish(name: str, frame: pd.DataFrame) -> pd.DataFrame:
    out = frame[COLUMNS[name]].reset_index(drop=True)
    for col in ("segment", "process", "step"):
        if col in out.columns:
            out[col] = out[col].astype(object)
    for col in INT_COLUMNS[name]:
        out[col] = out[col].astype("int64")
    for col in FLOAT_COLUMNS[name]:
        out[col] = out[col].astype(float)
    return out


def _divide(num: pd.Series, den: pd.Series) -> pd.Series:
    num = num.astype(float)
    den = den.astype(float)
    return (num / den.where(den != 0)).astype(float)


# --------------------------------------------------------------------------------------
# seeds
# --------------------------------------------------------------------------------------


def _load_catalog(seeds_dir: Path) -> pd.DataFrame:
    raw = _read_csv(seeds_dir / "sales_event_catalog.csv")
    return pd.DataFrame(
        {
            "description": raw["description"].str.strip(),
            "step": raw["step"].str.strip(),
            "flow": raw["flow"].str.strip(),
            "step_order": _to_int(raw["step_order"]).astype("int64"),
        }
    ).drop_duplicates(subset="description", keep="first")


def _load_processes(seeds_dir: Path) -> list[tuple[str, str, list[str]]]:
    raw = _read_csv(seeds_dir / "sales_processes.csv")
    raw = raw.apply(lambda col: col.str.strip())
    processes: list[tuple[str, str, list[str]]] = []
    for process, group in raw.groupby("process", sort=False):
        processes.append((str(process), str(group["start_step"].iloc[0]), list(group["end_step"])))
    return processes


def _load_rates(seeds_dir: Path) -> dict[str, float]:
    raw = _read_csv(seeds_dir / "sales_currency_rates.csv")
    currency = raw["currency"].str.strip().str.upper()
    rate = _to_float(raw["rate_to_rub"])
    return dict(zip(currency, rate, strict=True))


# --------------------------------------------------------------------------------------
# staging
# --------------------------------------------------------------------------------------


def _load_events(raw_dir: Path, catalog: pd.DataFrame) -> pd.DataFrame:
    raw = _read_csv(raw_dir / "events.csv")
    e = pd.DataFrame(
        {
            "event_id": _to_int(raw["event_id"]),
            "user_raw": _raw_text(raw["_user_id"]),
            "ts": _to_timestamp(raw["happened_at"]),
        }
    )
    e["user"] = _user_key(raw["_user_id"])
    e = e[e["event_id"].notna() & e["ts"].notna() & e["user"].notna()]
    e = e.drop_duplicates(subset=["event_id", "user_raw", "ts"], keep="first")

    dict_raw = _read_csv(raw_dir / "events_dict.csv")
    types = pd.DataFrame(
        {
            "event_id": _to_int(dict_raw["id"]),
            "description": dict_raw["_description"].astype("string").str.strip(),
        }
    )
    types = types[types["event_id"].notna()].drop_duplicates(subset="event_id", keep="first")
    types["description"] = types["description"].astype(object)
    types = types.merge(catalog, on="description", how="left")

    e = e.merge(types[["event_id", "step", "flow", "step_order"]], on="event_id", how="left")
    e["event_id"] = e["event_id"].astype("int64")
    e["step"] = e["step"].astype(object).where(e["step"].notna(), None)
    e["flow"] = e["flow"].astype(object).where(e["flow"].notna(), None)
    e["step_order"] = e["step_order"].fillna(UNKNOWN_STEP_ORDER).astype("int64")
    return e[["user", "ts", "event_id", "step", "flow", "step_order"]].reset_index(drop=True)


def _load_payments(raw_dir: Path) -> pd.DataFrame:
    """Staged payments: row rules and de-duplication, before the currency check."""
    raw = _read_csv(raw_dir / "payments.csv")
    p = pd.DataFrame(
        {
            "user_raw": _raw_text(raw["_user_id"]),
            "ts": _to_timestamp(raw["transaction_created_at"]),
            "transaction_id": _raw_text(raw["transaction_id"]),
            "amount": _to_float(raw["amount"]),
            "currency_raw": _raw_text(raw["currency"]),
            "is_gift_raw": _to_bool(raw["is_gift"]),
        }
    )
    p["user"] = _user_key(raw["_user_id"])
    required = ["user", "ts", "transaction_id", "amount", "currency_raw"]
    p = p[p[required].notna().all(axis=1) & (p["amount"] >= 0)]
    raw_cols = ["user_raw", "ts", "transaction_id", "amount", "currency_raw", "is_gift_raw"]
    p = p.drop_duplicates(subset=raw_cols, keep="first").copy()

    p["currency"] = p["currency_raw"].astype("string").str.strip().str.upper().astype(object)
    p["is_gift"] = p["is_gift_raw"].fillna(False).astype(bool)
    p = p.sort_values(
        ["transaction_id", "ts", "user", "amount", "currency", "is_gift"], kind="mergesort"
    )
    p = p.drop_duplicates(subset="transaction_id", keep="first")
    cols = ["user", "ts", "transaction_id", "amount", "currency", "is_gift"]
    return p[cols].sort_values(["ts", "transaction_id"]).reset_index(drop=True)


def _build_stream(
    events: pd.DataFrame, payments: pd.DataFrame, rates: dict[str, float], purchase_order: int
) -> pd.DataFrame:
    ev = pd.DataFrame(
        {
            "user": events["user"].astype(object),
            "ts": events["ts"],
            "kind": 0,
            "step": events["step"],
            "flow": events["flow"],
            "step_order": events["step_order"],
            "tiebreak": events["event_id"].astype(str).astype(object),
            "revenue_rub": 0.0,
        }
    )
    buys = payments[~payments["is_gift"] & payments["currency"].isin(list(rates))]
    pay = pd.DataFrame(
        {
            "user": buys["user"].astype(object),
            "ts": buys["ts"],
            "kind": 1,
            "step": PURCHASE,
            "flow": PURCHASE,
            "step_order": purchase_order,
            "tiebreak": buys["transaction_id"].astype(object),
            "revenue_rub": buys["amount"] * buys["currency"].map(rates).astype(float),
        }
    )
    frames = [f for f in (ev, pay) if len(f)]
    if not frames:
        frames = [ev]
    s = pd.concat(frames, ignore_index=True)
    s["step"] = s["step"].astype(object).where(s["step"].notna(), None)
    s["flow"] = s["flow"].astype(object).where(s["flow"].notna(), None)
    s = s.sort_values(["user", "ts", "kind", "step_order", "tiebreak"], kind="mergesort")
    s = s.reset_index(drop=True)

    same_user = s["user"].eq(s["user"].shift(1))
    s["prev_flow"] = s["flow"].shift(1).where(same_user, None)
    s["day"] = s["ts"].dt.date

    experiment_users = set(s.loc[s["flow"].isin(EXPERIMENT_FLOWS), "user"])
    s["segment"] = np.where(s["user"].isin(experiment_users), "experiment", "main")
    return s


# --------------------------------------------------------------------------------------
# marts
# --------------------------------------------------------------------------------------


def _day_segment_grid(days: list[date]) -> pd.DataFrame:
    return pd.DataFrame(
        [(d, seg) for d in days for seg in SEGMENTS], columns=["day", "segment"], dtype=object
    )


def _daily_kpis(s: pd.DataFrame, days: list[date]) -> pd.DataFrame:
    keys = ["day", "segment"]
    is_purchase = s["step"] == PURCHASE
    s = s.assign(
        is_intro_by_first_line=(s["step"] == "intro_booked") & (s["prev_flow"] == "first_line"),
        is_without_second=is_purchase & s["prev_flow"].isin(["intro", "demo"]),
        is_with_second=is_purchase & (s["prev_flow"] == "second_line"),
        is_purchase=is_purchase,
    )
    agg = s.groupby(keys).agg(
        intro_booked_by_first_line=("is_intro_by_first_line", "sum"),
        purchases_without_second_line=("is_without_second", "sum"),
        purchases_with_second_line=("is_with_second", "sum"),
        purchases=("is_purchase", "sum"),
        revenue_rub=("revenue_rub", "sum"),
    )
    leads = s[s["step"] == LEAD].groupby(keys)["user"].nunique().rename("leads")
    buys = s[is_purchase]
    first_buy = buys.drop_duplicates(subset="user", keep="first")  # stream is ordered
    new_paying = first_buy.groupby(keys)["user"].nunique().rename("new_paying_users")

    out = _day_segment_grid(days)
    for part in (agg, leads, new_paying):
        out = out.merge(part.reset_index(), on=keys, how="left")
    for col in COLUMNS["sales_daily_kpis"][2:]:
        out[col] = out[col].fillna(0)
    out["revenue_rub"] = out["revenue_rub"].astype(float)
    return _finish("sales_daily_kpis", out)


def _next_at_or_after(
    left: pd.DataFrame, left_on: str, targets: pd.DataFrame, out_col: str
) -> pd.Series:
    """For each left row, the earliest target time of the same user at or after left_on."""
    result = pd.Series(pd.NaT, index=left.index, dtype=left[left_on].dtype)
    lhs = left.loc[left[left_on].notna(), ["user", left_on]]
    if lhs.empty or targets.empty:
        return result
    lhs = lhs.assign(_row=lhs.index).sort_values(left_on, kind="mergesort")
    rhs = targets[["user", "ts"]].rename(columns={"ts": out_col}).sort_values(out_col)
    rhs = rhs.astype({out_col: lhs[left_on].dtype, "user": object})
    lhs = lhs.astype({"user": object})
    merged = pd.merge_asof(
        lhs,
        rhs,
        left_on=left_on,
        right_on=out_col,
        by="user",
        direction="forward",
        allow_exact_matches=True,
    )
    result.loc[merged["_row"].to_numpy()] = merged[out_col].to_numpy()
    return result


def _open_processes(
    s: pd.DataFrame,
    days: list[date],
    processes: list[tuple[str, str, list[str]]],
    sla_hours: int,
    last_ts: pd.Timestamp,
) -> pd.DataFrame:
    sla = pd.Timedelta(hours=sla_hours)
    parts = []
    for process, start_step, end_steps in processes:
        starts = s.loc[s["step"] == start_step, ["user", "ts", "day", "segment"]]
        starts = starts.reset_index(drop=True)
        ends = s.loc[s["step"].isin(end_steps), ["user", "ts"]]
        next_end = _next_at_or_after(starts, "ts", ends, "end_ts")
        deadline = starts["ts"] + sla
        closed = next_end.notna() & (next_end <= deadline)
        pending = ~closed & (deadline > last_ts)
        parts.append(
            starts.assign(
                process=process,
                started=1,
                closed_within_sla=closed.astype(int),
                pending=pending.astype(int),
                open_after_sla=(~closed & ~pending).astype(int),
            )
        )
    keys = ["day", "process", "segment"]
    counts = ["started", "closed_within_sla", "open_after_sla", "pending"]
    grid = pd.DataFrame(
        [(d, proc[0], seg) for d in days for proc in processes for seg in SEGMENTS],
        columns=keys,
        dtype=object,
    )
    rows = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=keys + counts)
    agg = rows.groupby(keys)[counts].sum().reset_index()
    out = grid.merge(agg, on=keys, how="left")
    for col in counts:
        out[col] = out[col].fillna(0).astype("int64")
    out["open_rate"] = _divide(out["open_after_sla"], out["started"] - out["pending"])
    return _finish("sales_open_processes_daily", out)


def _funnel(s: pd.DataFrame, window_days: int, last_day: date) -> pd.DataFrame:
    leads = s[s["step"] == LEAD]
    if leads.empty:
        return _empty("sales_funnel_daily")
    anchors = (
        leads.groupby(["user", "day"], as_index=False)
        .agg(anchor=("ts", "min"), segment=("segment", "first"))
        .rename(columns={"day": "cohort_day"})
    )
    deadline = anchors["anchor"] + pd.Timedelta(days=window_days)
    reached = {FUNNEL_STEPS[0]: anchors["anchor"]}
    prev = anchors["anchor"]
    for step in FUNNEL_STEPS[1:]:
        frame = pd.DataFrame({"user": anchors["user"], "prev": prev})
        nxt = _next_at_or_after(frame, "prev", s[s["step"] == step], "step_ts")
        nxt = nxt.where(nxt <= deadline)
        reached[step] = nxt
        prev = nxt

    keys = ["cohort_day", "segment"]
    flags = pd.DataFrame({step: reached[step].notna() for step in FUNNEL_STEPS})
    per = pd.concat([anchors[keys], flags], axis=1).groupby(keys)[list(FUNNEL_STEPS)].sum()
    long = (
        per.reset_index()
        .melt(id_vars=keys, value_vars=list(FUNNEL_STEPS), var_name="step", value_name="users")
        .astype({"users": "int64"})
    )
    order = {step: i + 1 for i, step in enumerate(FUNNEL_STEPS)}
    long["step_order"] = long["step"].map(order).astype("int64")
    long = long.sort_values([*keys, "step_order"]).reset_index(drop=True)

    same_group = long["step_order"] > 1
    prev_users = long["users"].shift(1).where(same_group)
    long["conversion_from_previous"] = _divide(long["users"], prev_users)
    long.loc[~same_group, "conversion_from_previous"] = 1.0
    start_users = long["users"].where(~same_group).ffill()
    long["conversion_from_start"] = _divide(long["users"], start_users)
    window = pd.Timedelta(days=window_days)
    long["is_window_complete"] = [
        (pd.Timestamp(d) + window).date() <= last_day for d in long["cohort_day"]
    ]
    long["is_window_complete"] = long["is_window_complete"].astype(bool)
    return _finish("sales_funnel_daily", long)


# --------------------------------------------------------------------------------------
# entry point
# --------------------------------------------------------------------------------------


def _lead_transitions(s: pd.DataFrame, first_events: int = 7) -> pd.DataFrame:
    """Each user's first ``first_events`` stream rows, paired with the next one; per
    (position, from, to): users and the median of the hours between the two."""
    s = s.copy()
    s["position"] = s.groupby("user", sort=False).cumcount() + 1
    s["event"] = s["step"].where(s["step"].notna(), "unknown")
    head = s[s["position"] <= first_events]
    pairs = head.merge(
        head.assign(position=head["position"] - 1)[["user", "position", "event", "ts"]],
        on=["user", "position"],
        suffixes=("", "_next"),
    )
    if pairs.empty:
        return _empty("sales_lead_transitions")
    pairs["hours"] = (pairs["ts_next"] - pairs["ts"]).dt.total_seconds() / 3600
    out = (
        pairs.groupby(["position", "event", "event_next"])
        .agg(users=("user", "size"), median_hours_between=("hours", "median"))
        .reset_index()
        .rename(
            columns={"position": "step_position", "event": "from_event", "event_next": "to_event"}
        )
    )
    return _finish("sales_lead_transitions", out)


def _daily_report(kpis: pd.DataFrame) -> pd.DataFrame:
    """Per calendar day and report KPI (both segments summed): the day before, the mean
    of the up to 7 calendar days before, and the anomaly rule over the up to 28 calendar
    days before (sample standard deviation; z only with 6 points and a spread)."""
    totals = kpis.groupby("day")[list(REPORT_KPIS)].sum()
    by_day = {day: totals.loc[day] for day in totals.index}
    rows = []
    for order, kpi in enumerate(REPORT_KPIS, start=1):
        for day in sorted(by_day):
            value = float(by_day[day][kpi])

            def before(days: int, kpi: str = kpi, day: date = day) -> list[float]:
                earlier = (day - timedelta(days=n) for n in range(1, days + 1))
                return [float(by_day[d][kpi]) for d in earlier if d in by_day]

            previous = before(1)
            week, baseline = before(7), before(BASELINE_DAYS)
            prev = previous[0] if previous else np.nan
            mean_7d = float(np.mean(week)) if week else np.nan
            mean = float(np.mean(baseline)) if baseline else np.nan
            stddev = float(np.std(baseline, ddof=1)) if len(baseline) >= 2 else np.nan
            z = (value - mean) / stddev if len(baseline) >= MIN_POINTS and stddev > 0 else np.nan
            rows.append(
                {
                    "day": day,
                    "kpi_order": order,
                    "kpi": kpi,
                    "value": value,
                    "previous_day_value": prev,
                    "change_from_previous_day": value - prev,
                    "change_from_previous_day_rate": (value - prev) / prev if prev else np.nan,
                    "mean_7d": mean_7d,
                    "change_from_mean_7d": value - mean_7d,
                    "change_from_mean_7d_rate": (value - mean_7d) / mean_7d if mean_7d else np.nan,
                    "baseline_mean": mean,
                    "baseline_stddev": stddev,
                    "baseline_points": len(baseline),
                    "z_score": z,
                    "is_anomaly": bool(abs(z) > ANOMALY_Z) if not np.isnan(z) else False,
                }
            )
    if not rows:
        return _empty("sales_daily_report")
    return _finish("sales_daily_report", pd.DataFrame(rows))


def _report_open_processes(open_processes: pd.DataFrame) -> pd.DataFrame:
    """Per day and process, both segments over the 7 calendar days ending that day."""
    counts = ["started", "closed_within_sla", "open_after_sla", "pending"]
    daily = open_processes.groupby(["day", "process"])[counts].sum()
    rows = []
    for day, process in daily.index:
        window = [(day - timedelta(days=n), process) for n in range(7)]
        sums = daily.loc[[key for key in window if key in daily.index]].sum()
        rows.append({"day": day, "process": process, **{c: int(sums[c]) for c in counts}})
    if not rows:
        return _empty("sales_daily_report_open_processes")
    out = pd.DataFrame(rows)
    out["open_rate"] = _divide(out["open_after_sla"], out["started"] - out["pending"])
    out["open_after_sla_all_processes"] = out.groupby("day")["open_after_sla"].transform("sum")
    return _finish("sales_daily_report_open_processes", out)


def _report_funnel(funnel: pd.DataFrame, days: list[date]) -> pd.DataFrame:
    """Per day: the funnel (both segments) of the latest complete cohort on or before it."""
    steps = funnel.groupby(["cohort_day", "step_order", "step"], as_index=False)["users"].sum()
    complete = sorted(set(funnel.loc[funnel["is_window_complete"], "cohort_day"]))
    frames = []
    for day in days:
        shown = [cohort for cohort in complete if cohort <= day]
        if not shown:
            continue
        cohort = steps[steps["cohort_day"] == shown[-1]].sort_values("step_order")
        start = int(cohort.loc[cohort["step_order"] == 1, "users"].sum())
        conversion = cohort["users"] / start if start else np.nan
        frames.append(cohort.assign(day=day, conversion_from_start=conversion))
    if not frames:
        return _empty("sales_daily_report_funnel")
    return _finish("sales_daily_report_funnel", pd.concat(frames, ignore_index=True))


def compute_marts(
    raw_dir: str | Path,
    seeds_dir: str | Path,
    sla_hours: int = 24,
    window_days: int = 14,
) -> dict[str, pd.DataFrame]:
    """Compute every sales mart from the raw CSV files in ``raw_dir``.

    ``raw_dir`` holds ``events.csv``, ``events_dict.csv`` and ``payments.csv``;
    ``seeds_dir`` holds ``sales_event_catalog.csv``, ``sales_processes.csv`` and
    ``sales_currency_rates.csv``. ``sla_hours`` is ``sales_process_sla_hours`` and
    ``window_days`` is ``sales_funnel_window_days``.
    """
    raw_dir = Path(raw_dir)
    seeds_dir = Path(seeds_dir)
    catalog = _load_catalog(seeds_dir)
    processes = _load_processes(seeds_dir)
    rates = _load_rates(seeds_dir)

    events = _load_events(raw_dir, catalog)
    payments = _load_payments(raw_dir)
    timestamps = pd.concat([events["ts"], payments["ts"]], ignore_index=True).dropna()
    if timestamps.empty:
        return {name: _empty(name) for name in COLUMNS}

    first_ts, last_ts = timestamps.min(), timestamps.max()
    last_day = last_ts.date()
    days = list(pd.date_range(first_ts.normalize(), last_ts.normalize(), freq="D").date)

    purchase_order = int(catalog["step_order"].max()) + 1 if len(catalog) else 1
    stream = _build_stream(events, payments, rates, purchase_order)

    marts = {
        "sales_daily_kpis": _daily_kpis(stream, days),
        "sales_open_processes_daily": _open_processes(stream, days, processes, sla_hours, last_ts),
        "sales_funnel_daily": _funnel(stream, window_days, last_day),
        "sales_lead_transitions": _lead_transitions(stream),
    }
    marts["sales_daily_report"] = _daily_report(marts["sales_daily_kpis"])
    marts["sales_daily_report_open_processes"] = _report_open_processes(
        marts["sales_open_processes_daily"]
    )
    marts["sales_daily_report_funnel"] = _report_funnel(marts["sales_funnel_daily"], days)
    return marts
