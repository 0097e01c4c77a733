"""Independent pandas reference implementation of the mentorhub marts.

Written from the written spec (``spec/mentorhub.md`` and the cross-cutting rules of
``spec/README.md``) plus the team's conventions for the points the spec leaves open. It
reads the raw CSV files and returns one DataFrame per mart, so tests can compare them with
what the dbt models build.

Conventions of the returned frames:
- dates (months, reg_date, session dates) are ``datetime.date`` values (object columns);
- counts are ints (pandas nullable ``Int64`` where a value may be null);
- rates, shares and averages are floats, NaN for null; nothing is rounded.
"""

from __future__ import annotations

import math
from datetime import date, timedelta
from fractions import Fraction
from itertools import pairwise
from pathlib import Path

import numpy as np
import pandas as pd

ROLES = ("mentor", "mentee")
STATUSES = ("finished", "canceled")
WEEKDAY_NAMES = {
    1: "Monday",
    2: "Tuesday",
    3: "Wednesday",
    4: "Thursday",
    5: "Friday",
    6: "Saturday",
    7: "Sunday",
}

COLUMNS = {
    "mentorhub_monthly_active_users": [
        "month",
        "active_mentors",
        "active_mentees",
        "active_mentors_mom_delta",
        "active_mentors_mom_pct",
        "active_mentees_mom_delta",
        "active_mentees_mom_pct",
        "is_full_month",
    ],
    "mentorhub_users": [
        "user_id",
        "role",
        "region_name",
        "reg_date",
        "first_session_date",
        "last_session_date",
        "booked_sessions",
        "finished_sessions",
        "canceled_sessions",
        "has_booked",
    ],
    "mentorhub_users_without_sessions": [
        "role",
        "registered_users",
        "users_without_sessions",
        "share",
    ],
    "mentorhub_mentor_monthly_sessions": [
        "mentor_id",
        "month",
        "finished_sessions",
        "sessions_per_week",
    ],
    "mentorhub_monthly_session_frequency": [
        "month",
        "active_mentors",
        "avg_sessions_per_mentor_per_week",
        "avg_sessions_per_mentor_per_week_mom_delta",
        "avg_sessions_per_mentor_per_week_mom_pct",
    ],
    "mentorhub_top_mentors_last_month": [
        "month",
        "mentor_id",
        "domain_name",
        "booked_sessions",
        "finished_sessions",
        "rank",
    ],
    "mentorhub_time_between_sessions": [
        "role",
        "user_id",
        "finished_sessions",
        "avg_days_between",
        "median_days_between",
    ],
    "mentorhub_time_between_sessions_summary": [
        "role",
        "users_with_gaps",
        "mean_avg_days_between",
        "median_avg_days_between",
        "pooled_mean_days_between",
    ],
    "mentorhub_monthly_cancellations": [
        "month",
        "domain_id",
        "domain_name",
        "booked_sessions",
        "canceled_sessions",
        "cancel_rate",
        "cancel_rate_mom_delta",
    ],
    "mentorhub_monthly_cancellations_total": [
        "month",
        "booked_sessions",
        "canceled_sessions",
        "cancel_rate",
        "cancel_rate_mom_delta",
    ],
    "mentorhub_busiest_weekday": [
        "domain_id",
        "domain_name",
        "iso_weekday",
        "weekday_name",
        "finished_sessions",
        "share_of_domain",
        "rank",
        "is_busiest",
    ],
    "mentorhub_mentor_demand_forecast": [
        "forecast_month",
        "basis_first_month",
        "basis_last_month",
        "basis_months_with_sessions",
        "sessions_per_active_mentee",
        "sessions_per_active_mentor",
        "extra_mentees",
        "mentors_needed",
        "mentors_per_mentee_all_months",
        "mentors_needed_original_method",
    ],
}


# --------------------------------------------------------------------------------------
# small helpers
# --------------------------------------------------------------------------------------


def _empty(name: str) -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series([], dtype=object) for c in COLUMNS[name]})


def _to_int(values: pd.Series) -> pd.Series:
    """Parse ids: blank, non-numeric or non-integral values become null (Int64)."""
    text = values.astype("string").str.strip()
    num = pd.to_numeric(text, errors="coerce")
    num = num.where(num.notna() & (num == np.floor(num)))
    return num.astype("Int64")


def _to_timestamp(values: pd.Series) -> pd.Series:
    text = values.astype("string").str.strip()
    return pd.to_datetime(text, format="ISO8601", errors="coerce")


def _to_text(values: pd.Series) -> pd.Series:
    """Lower-cased, trimmed text; blank becomes null."""
    text = values.astype("string").str.strip().str.lower()
    return text.replace("", pd.NA)


def _read_csv(path: Path) -> pd.DataFrame:
    frame = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    frame.columns = [c.strip() for c in frame.columns]
    return frame


def _month_start(d: date) -> date:
    return d.replace(day=1)


def _add_months(month: date, n: int) -> date:
    index = month.year * 12 + (month.month - 1) + n
    return date(index // 12, index % 12 + 1, 1)


def _month_end(month: date) -> date:
    return _add_months(month, 1) - timedelta(days=1)


def _month_range(first: date, last: date) -> list[date]:
    months = []
    month = _month_start(first)
    while month <= last:
        months.append(month)
        month = _add_months(month, 1)
    return months


def _pct(cur, prev):
    """(cur - prev) / prev; null when either is null or prev is 0."""
    if cur is None or prev is None or pd.isna(cur) or pd.isna(prev) or prev == 0:
        return np.nan
    return (cur - prev) / prev


def _delta(cur, prev):
    if cur is None or prev is None or pd.isna(cur) or pd.isna(prev):
        return None
    return cur - prev


def _dense_rank_desc(values: pd.Series) -> pd.Series:
    return values.rank(method="dense", ascending=False).astype(int)


def _ceil_fraction(value: Fraction) -> int:
    return math.ceil(value)


# --------------------------------------------------------------------------------------
# staging: read and validate the raw tables
# --------------------------------------------------------------------------------------


def _load_lookup(path: Path) -> pd.DataFrame:
    raw = _read_csv(path)
    frame = pd.DataFrame({"id": _to_int(raw["id"]), "name": raw["name"].astype(object)})
    frame = frame[frame["id"].notna()]
    frame = frame.drop_duplicates(subset="id", keep="first")
    return frame.sort_values("id").reset_index(drop=True)


def _load_users(path: Path) -> pd.DataFrame:
    raw = _read_csv(path)
    users = pd.DataFrame(
        {
            "user_id": _to_int(raw["user_id"]),
            "reg_ts": _to_timestamp(raw["reg_date"]),
            "role": _to_text(raw["role"]),
            "region_id": _to_int(raw["region_id"]),
        }
    )
    users = users[users["user_id"].notna()]
    # first row per user_id by (reg_date, role, region_id); nulls sort last
    users = users.sort_values(["user_id", "reg_ts", "role", "region_id"], kind="mergesort")
    users = users.drop_duplicates(subset="user_id", keep="first")
    users = users[users["role"].isin(ROLES)]
    return users.sort_values("user_id").reset_index(drop=True)


def _load_sessions(
    path: Path, users: pd.DataFrame, domains: pd.DataFrame, as_of_date: date | None
) -> pd.DataFrame:
    raw = _read_csv(path)
    s = pd.DataFrame(
        {
            "session_id": _to_int(raw["session_id"]),
            "ts": _to_timestamp(raw["session_date_time"]),
            "mentor_id": _to_int(raw["mentor_id"]),
            "mentee_id": _to_int(raw["mentee_id"]),
            "status": _to_text(raw["session_status"]),
            "domain_id": _to_int(raw["mentor_domain_id"]),
        }
    )
    s = s[s["session_id"].notna()]
    # first occurrence of each session_id, by (timestamp, mentor, mentee, status, domain)
    s = s.sort_values(
        ["session_id", "ts", "mentor_id", "mentee_id", "status", "domain_id"], kind="mergesort"
    )
    s = s.drop_duplicates(subset="session_id", keep="first")

    required = ["ts", "mentor_id", "mentee_id", "status", "domain_id"]
    s = s[s[required].notna().all(axis=1)]
    s = s[s["mentor_id"] != s["mentee_id"]]
    s = s[s["status"].isin(STATUSES)]
    mentors = set(users.loc[users["role"] == "mentor", "user_id"].tolist())
    mentees = set(users.loc[users["role"] == "mentee", "user_id"].tolist())
    s = s[s["mentor_id"].isin(mentors) & s["mentee_id"].isin(mentees)]
    s = s[s["domain_id"].isin(set(domains["id"].tolist()))]

    s = s.copy()
    s["day"] = s["ts"].dt.date
    if as_of_date is not None:
        s = s[s["day"] <= as_of_date]
    s["month"] = s["day"].map(_month_start)
    s["is_finished"] = s["status"] == "finished"
    s["is_canceled"] = s["status"] == "canceled"
    for col in ("session_id", "mentor_id", "mentee_id", "domain_id"):
        s[col] = s[col].astype("int64")
    return s.sort_values(["ts", "session_id"]).reset_index(drop=True)


# --------------------------------------------------------------------------------------
# marts
# --------------------------------------------------------------------------------------


def _monthly_active_users(s: pd.DataFrame, months: list[date], last_day: date) -> pd.DataFrame:
    mentors = s.groupby("month")["mentor_id"].nunique()
    mentees = s.groupby("month")["mentee_id"].nunique()
    rows = []
    prev = None
    for month in months:
        cur = {
            "month": month,
            "active_mentors": int(mentors.get(month, 0)),
            "active_mentees": int(mentees.get(month, 0)),
        }
        for key in ("active_mentors", "active_mentees"):
            p = None if prev is None else prev[key]
            cur[f"{key}_mom_delta"] = _delta(cur[key], p)
            cur[f"{key}_mom_pct"] = _pct(cur[key], p)
        cur["is_full_month"] = _month_end(month) <= last_day
        rows.append(cur)
        prev = cur
    out = pd.DataFrame(rows, columns=COLUMNS["mentorhub_monthly_active_users"])
    for col in ("active_mentors_mom_delta", "active_mentees_mom_delta"):
        out[col] = out[col].astype("Int64")
    for col in ("active_mentors_mom_pct", "active_mentees_mom_pct"):
        out[col] = out[col].astype(float)
    out["is_full_month"] = out["is_full_month"].astype(bool)
    return out


def _users(users: pd.DataFrame, regions: pd.DataFrame, s: pd.DataFrame) -> pd.DataFrame:
    # each session counts for its mentor and for its mentee
    sides = pd.concat(
        [
            s[["mentor_id", "day", "is_finished", "is_canceled"]].rename(
                columns={"mentor_id": "user_id"}
            ),
            s[["mentee_id", "day", "is_finished", "is_canceled"]].rename(
                columns={"mentee_id": "user_id"}
            ),
        ],
        ignore_index=True,
    )
    per_user = sides.groupby("user_id").agg(
        first_session_date=("day", "min"),
        last_session_date=("day", "max"),
        booked_sessions=("day", "size"),
        finished_sessions=("is_finished", "sum"),
        canceled_sessions=("is_canceled", "sum"),
    )
    region_names = dict(zip(regions["id"].tolist(), regions["name"].tolist(), strict=True))

    rows = []
    for u in users.itertuples(index=False):
        uid = int(u.user_id)
        stats = per_user.loc[uid] if uid in per_user.index else None
        booked = int(stats["booked_sessions"]) if stats is not None else 0
        rows.append(
            {
                "user_id": uid,
                "role": u.role,
                "region_name": None if pd.isna(u.region_id) else region_names.get(int(u.region_id)),
                "reg_date": None if pd.isna(u.reg_ts) else u.reg_ts.date(),
                "first_session_date": stats["first_session_date"] if stats is not None else None,
                "last_session_date": stats["last_session_date"] if stats is not None else None,
                "booked_sessions": booked,
                "finished_sessions": int(stats["finished_sessions"]) if stats is not None else 0,
                "canceled_sessions": int(stats["canceled_sessions"]) if stats is not None else 0,
                "has_booked": booked > 0,
            }
        )
    out = pd.DataFrame(rows, columns=COLUMNS["mentorhub_users"])
    if out.empty:
        return _empty("mentorhub_users")
    for col in ("user_id", "booked_sessions", "finished_sessions", "canceled_sessions"):
        out[col] = out[col].astype("int64")
    out["has_booked"] = out["has_booked"].astype(bool)
    return out.sort_values("user_id").reset_index(drop=True)


def _users_without_sessions(user_dim: pd.DataFrame) -> pd.DataFrame:
    rows = []
    for role in sorted(user_dim["role"].unique()):
        of_role = user_dim[user_dim["role"] == role]
        registered = len(of_role)
        without = int((~of_role["has_booked"]).sum())
        rows.append(
            {
                "role": role,
                "registered_users": registered,
                "users_without_sessions": without,
                "share": without / registered if registered else np.nan,
            }
        )
    if not rows:
        return _empty("mentorhub_users_without_sessions")
    out = pd.DataFrame(rows, columns=COLUMNS["mentorhub_users_without_sessions"])
    out["share"] = out["share"].astype(float)
    return out


def _covered_days(month: date, first_day: date, last_day: date) -> int:
    return (min(_month_end(month), last_day) - max(month, first_day)).days + 1


def _mentor_monthly_sessions(s: pd.DataFrame, first_day: date, last_day: date) -> pd.DataFrame:
    finished = s[s["is_finished"]]
    if finished.empty:
        return _empty("mentorhub_mentor_monthly_sessions")
    out = finished.groupby(["mentor_id", "month"]).size().rename("finished_sessions").reset_index()
    covered = out["month"].map(lambda m: _covered_days(m, first_day, last_day))
    out["sessions_per_week"] = out["finished_sessions"] / (covered / 7)
    out["mentor_id"] = out["mentor_id"].astype("int64")
    out["finished_sessions"] = out["finished_sessions"].astype("int64")
    out = out.sort_values(["mentor_id", "month"]).reset_index(drop=True)
    return out[COLUMNS["mentorhub_mentor_monthly_sessions"]]


def _monthly_session_frequency(per_mentor: pd.DataFrame, months: list[date]) -> pd.DataFrame:
    if per_mentor.empty:
        counts, means = {}, {}
    else:
        grouped = per_mentor.groupby("month")
        counts = grouped["mentor_id"].nunique().to_dict()
        means = grouped["sessions_per_week"].mean().to_dict()
    rows = []
    prev = None
    for month in months:
        avg = means.get(month, np.nan)
        rows.append(
            {
                "month": month,
                "active_mentors": int(counts.get(month, 0)),
                "avg_sessions_per_mentor_per_week": avg,
                "avg_sessions_per_mentor_per_week_mom_delta": (
                    np.nan if prev is None or pd.isna(prev) or pd.isna(avg) else avg - prev
                ),
                "avg_sessions_per_mentor_per_week_mom_pct": _pct(avg, prev),
            }
        )
        prev = avg
    out = pd.DataFrame(rows, columns=COLUMNS["mentorhub_monthly_session_frequency"])
    for col in COLUMNS["mentorhub_monthly_session_frequency"][2:]:
        out[col] = out[col].astype(float)
    return out


def _top_mentors(s: pd.DataFrame, last_full: date | None, domains: pd.DataFrame) -> pd.DataFrame:
    if last_full is None:
        return _empty("mentorhub_top_mentors_last_month")
    in_month = s[s["month"] == last_full]
    if in_month.empty:
        return _empty("mentorhub_top_mentors_last_month")
    domain_names = dict(zip(domains["id"].tolist(), domains["name"].tolist(), strict=True))

    per_domain = in_month.groupby(["mentor_id", "domain_id"]).size().rename("n").reset_index()
    per_domain = per_domain.sort_values(
        ["mentor_id", "n", "domain_id"], ascending=[True, False, True]
    )
    main_domain = per_domain.drop_duplicates("mentor_id", keep="first").set_index("mentor_id")

    out = in_month.groupby("mentor_id").agg(
        booked_sessions=("session_id", "size"), finished_sessions=("is_finished", "sum")
    )
    out = out.reset_index()
    out["month"] = last_full
    out["domain_name"] = out["mentor_id"].map(
        lambda m: domain_names[int(main_domain.loc[m, "domain_id"])]
    )
    out["rank"] = _dense_rank_desc(out["booked_sessions"])
    out = out[out["rank"] <= 5]
    for col in ("mentor_id", "booked_sessions", "finished_sessions", "rank"):
        out[col] = out[col].astype("int64")
    out = out.sort_values(["rank", "mentor_id"]).reset_index(drop=True)
    return out[COLUMNS["mentorhub_top_mentors_last_month"]]


def _median(values: list[float]) -> float:
    ordered = sorted(values)
    n = len(ordered)
    if n == 0:
        return np.nan
    mid = n // 2
    if n % 2:
        return float(ordered[mid])
    return (ordered[mid - 1] + ordered[mid]) / 2


def _time_between_sessions(s: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    finished = s[s["is_finished"]].sort_values(["ts", "session_id"])
    user_rows = []
    summary_rows = []
    for role in ("mentee", "mentor"):
        id_col = f"{role}_id"
        all_gaps: list[float] = []
        user_avgs: list[float] = []
        role_rows = []
        for user_id, group in finished.groupby(id_col, sort=True):
            times = group.sort_values(["ts", "session_id"])["ts"].tolist()
            gaps = [(b - a).total_seconds() / 86400 for a, b in pairwise(times)]
            avg = sum(gaps) / len(gaps) if gaps else np.nan
            role_rows.append(
                {
                    "role": role,
                    "user_id": int(user_id),
                    "finished_sessions": len(times),
                    "avg_days_between": avg,
                    "median_days_between": _median(gaps) if gaps else np.nan,
                }
            )
            if gaps:
                all_gaps.extend(gaps)
                user_avgs.append(avg)
        if role_rows:
            user_rows.extend(role_rows)
            summary_rows.append(
                {
                    "role": role,
                    "users_with_gaps": len(user_avgs),
                    "mean_avg_days_between": (
                        sum(user_avgs) / len(user_avgs) if user_avgs else np.nan
                    ),
                    "median_avg_days_between": _median(user_avgs),
                    "pooled_mean_days_between": (
                        sum(all_gaps) / len(all_gaps) if all_gaps else np.nan
                    ),
                }
            )
    if user_rows:
        per_user = pd.DataFrame(user_rows, columns=COLUMNS["mentorhub_time_between_sessions"])
        per_user = per_user.sort_values(["role", "user_id"]).reset_index(drop=True)
        for col in ("avg_days_between", "median_days_between"):
            per_user[col] = per_user[col].astype(float)
    else:
        per_user = _empty("mentorhub_time_between_sessions")
    if summary_rows:
        summary = pd.DataFrame(
            summary_rows, columns=COLUMNS["mentorhub_time_between_sessions_summary"]
        )
        summary = summary.sort_values("role").reset_index(drop=True)
        for col in COLUMNS["mentorhub_time_between_sessions_summary"][2:]:
            summary[col] = summary[col].astype(float)
    else:
        summary = _empty("mentorhub_time_between_sessions_summary")
    return per_user, summary


def _rate(canceled: int, booked: int) -> float:
    return canceled / booked if booked else np.nan


def _monthly_cancellations(
    s: pd.DataFrame, months: list[date], domains: pd.DataFrame
) -> tuple[pd.DataFrame, pd.DataFrame]:
    booked = s.groupby(["month", "domain_id"]).size().to_dict()
    canceled = s[s["is_canceled"]].groupby(["month", "domain_id"]).size().to_dict()
    rows = []
    for d in domains.itertuples(index=False):
        prev_rate = None
        for month in months:
            b = int(booked.get((month, int(d.id)), 0))
            c = int(canceled.get((month, int(d.id)), 0))
            rate = _rate(c, b)
            rows.append(
                {
                    "month": month,
                    "domain_id": int(d.id),
                    "domain_name": d.name,
                    "booked_sessions": b,
                    "canceled_sessions": c,
                    "cancel_rate": rate,
                    "cancel_rate_mom_delta": (
                        np.nan
                        if prev_rate is None or pd.isna(prev_rate) or pd.isna(rate)
                        else rate - prev_rate
                    ),
                }
            )
            prev_rate = rate
    if rows:
        by_domain = pd.DataFrame(rows, columns=COLUMNS["mentorhub_monthly_cancellations"])
        by_domain = by_domain.sort_values(["month", "domain_id"]).reset_index(drop=True)
        for col in ("cancel_rate", "cancel_rate_mom_delta"):
            by_domain[col] = by_domain[col].astype(float)
    else:
        by_domain = _empty("mentorhub_monthly_cancellations")

    booked_total = s.groupby("month").size().to_dict()
    canceled_total = s[s["is_canceled"]].groupby("month").size().to_dict()
    rows = []
    prev_rate = None
    for month in months:
        b = int(booked_total.get(month, 0))
        c = int(canceled_total.get(month, 0))
        rate = _rate(c, b)
        rows.append(
            {
                "month": month,
                "booked_sessions": b,
                "canceled_sessions": c,
                "cancel_rate": rate,
                "cancel_rate_mom_delta": (
                    np.nan
                    if prev_rate is None or pd.isna(prev_rate) or pd.isna(rate)
                    else rate - prev_rate
                ),
            }
        )
        prev_rate = rate
    if rows:
        total = pd.DataFrame(rows, columns=COLUMNS["mentorhub_monthly_cancellations_total"])
        for col in ("cancel_rate", "cancel_rate_mom_delta"):
            total[col] = total[col].astype(float)
    else:
        total = _empty("mentorhub_monthly_cancellations_total")
    return by_domain, total


def _busiest_weekday(s: pd.DataFrame, domains: pd.DataFrame) -> pd.DataFrame:
    finished = s[s["is_finished"]]
    weekday = finished["ts"].dt.day_of_week + 1  # ISO: Monday = 1
    counts = finished.assign(iso_weekday=weekday).groupby(["domain_id", "iso_weekday"]).size()
    counts = counts.to_dict()
    frames = []
    for d in domains.itertuples(index=False):
        block = pd.DataFrame(
            {
                "domain_id": int(d.id),
                "domain_name": d.name,
                "iso_weekday": list(range(1, 8)),
                "weekday_name": [WEEKDAY_NAMES[i] for i in range(1, 8)],
                "finished_sessions": [int(counts.get((int(d.id), i), 0)) for i in range(1, 8)],
            }
        )
        total = int(block["finished_sessions"].sum())
        block["share_of_domain"] = block["finished_sessions"] / total if total else np.nan
        block["rank"] = _dense_rank_desc(block["finished_sessions"])
        block["is_busiest"] = (block["rank"] == 1) & (block["finished_sessions"] > 0)
        frames.append(block)
    if not frames:
        return _empty("mentorhub_busiest_weekday")
    out = pd.concat(frames, ignore_index=True)
    for col in ("domain_id", "iso_weekday", "finished_sessions", "rank"):
        out[col] = out[col].astype("int64")
    out["share_of_domain"] = out["share_of_domain"].astype(float)
    out["is_busiest"] = out["is_busiest"].astype(bool)
    out = out.sort_values(["domain_id", "iso_weekday"]).reset_index(drop=True)
    return out[COLUMNS["mentorhub_busiest_weekday"]]


def _forecast(
    s: pd.DataFrame,
    mau: pd.DataFrame,
    last_full: date | None,
    basis_months: int,
    extra_mentees: int,
) -> pd.DataFrame:
    # the original author's ratio, over every month with active mentees
    with_mentees = mau[mau["active_mentees"] > 0]
    ratios_all = [
        Fraction(int(r.active_mentors), int(r.active_mentees))
        for r in with_mentees.itertuples(index=False)
    ]
    if ratios_all:
        ratio_all = sum(ratios_all, Fraction(0)) / len(ratios_all)
        mentors_per_mentee_all_months = float(ratio_all)
        original = _ceil_fraction(extra_mentees * ratio_all)
    else:
        mentors_per_mentee_all_months = np.nan
        original = None

    row = {
        "forecast_month": None,
        "basis_first_month": None,
        "basis_last_month": None,
        # No full month means an empty basis: zero months with sessions (a count, not null).
        "basis_months_with_sessions": 0,
        "sessions_per_active_mentee": np.nan,
        "sessions_per_active_mentor": np.nan,
        "extra_mentees": int(extra_mentees),
        "mentors_needed": None,
        "mentors_per_mentee_all_months": mentors_per_mentee_all_months,
        "mentors_needed_original_method": original,
    }
    if last_full is not None:
        first_basis = _add_months(last_full, -(basis_months - 1))
        full_months = set(mau.loc[mau["is_full_month"], "month"].tolist())
        finished = s[s["is_finished"]]
        per_mentee: list[Fraction] = []
        per_mentor: list[Fraction] = []
        month = first_basis
        while month <= last_full:
            in_month = finished[finished["month"] == month]
            if month in full_months and not in_month.empty:
                n = len(in_month)
                per_mentee.append(Fraction(n, in_month["mentee_id"].nunique()))
                per_mentor.append(Fraction(n, in_month["mentor_id"].nunique()))
            month = _add_months(month, 1)
        row.update(
            {
                "forecast_month": _add_months(last_full, 1),
                "basis_first_month": first_basis,
                "basis_last_month": last_full,
                "basis_months_with_sessions": len(per_mentee),
            }
        )
        if per_mentee:
            mentee_rate = sum(per_mentee, Fraction(0)) / len(per_mentee)
            mentor_rate = sum(per_mentor, Fraction(0)) / len(per_mentor)
            row["sessions_per_active_mentee"] = float(mentee_rate)
            row["sessions_per_active_mentor"] = float(mentor_rate)
            row["mentors_needed"] = _ceil_fraction(extra_mentees * mentee_rate / mentor_rate)
    out = pd.DataFrame([row], columns=COLUMNS["mentorhub_mentor_demand_forecast"])
    for col in ("basis_months_with_sessions", "mentors_needed", "mentors_needed_original_method"):
        out[col] = out[col].astype("Int64")
    out["extra_mentees"] = out["extra_mentees"].astype("int64")
    for col in (
        "sessions_per_active_mentee",
        "sessions_per_active_mentor",
        "mentors_per_mentee_all_months",
    ):
        out[col] = out[col].astype(float)
    return out


# --------------------------------------------------------------------------------------
# entry point
# --------------------------------------------------------------------------------------


def compute_marts(
    raw_dir: str | Path,
    as_of_date: date | None = None,
    basis_months: int = 3,
    extra_mentees: int = 500,
) -> dict[str, pd.DataFrame]:
    """Compute every mentorhub mart from the raw CSV files in ``raw_dir``.

    ``raw_dir`` holds ``sessions.csv``, ``users.csv``, ``region.csv`` and ``domain.csv``.
    ``as_of_date`` (optional) ignores later sessions and becomes the data's last day.
    """
    if basis_months < 1:
        raise ValueError("basis_months must be >= 1")
    raw_dir = Path(raw_dir)
    domains = _load_lookup(raw_dir / "domain.csv")
    regions = _load_lookup(raw_dir / "region.csv")
    users = _load_users(raw_dir / "users.csv")
    s = _load_sessions(raw_dir / "sessions.csv", users, domains, as_of_date)

    user_dim = _users(users, regions, s)
    marts: dict[str, pd.DataFrame] = {
        "mentorhub_users": user_dim,
        "mentorhub_users_without_sessions": _users_without_sessions(user_dim),
    }

    if s.empty:
        for name in COLUMNS:
            if name not in marts:
                marts[name] = _empty(name)
        marts["mentorhub_busiest_weekday"] = _busiest_weekday(s, domains)
        return {name: marts[name] for name in COLUMNS}

    first_day = min(s["day"])
    last_day = as_of_date if as_of_date is not None else max(s["day"])
    months = _month_range(first_day, last_day)

    mau = _monthly_active_users(s, months, last_day)
    full = mau.loc[mau["is_full_month"], "month"]
    last_full = max(full) if len(full) else None

    per_mentor = _mentor_monthly_sessions(s, first_day, last_day)
    per_user_gaps, gaps_summary = _time_between_sessions(s)
    cancellations, cancellations_total = _monthly_cancellations(s, months, domains)

    marts.update(
        {
            "mentorhub_monthly_active_users": mau,
            "mentorhub_mentor_monthly_sessions": per_mentor,
            "mentorhub_monthly_session_frequency": _monthly_session_frequency(per_mentor, months),
            "mentorhub_top_mentors_last_month": _top_mentors(s, last_full, domains),
            "mentorhub_time_between_sessions": per_user_gaps,
            "mentorhub_time_between_sessions_summary": gaps_summary,
            "mentorhub_monthly_cancellations": cancellations,
            "mentorhub_monthly_cancellations_total": cancellations_total,
            "mentorhub_busiest_weekday": _busiest_weekday(s, domains),
            "mentorhub_mentor_demand_forecast": _forecast(
                s, mau, last_full, basis_months, extra_mentees
            ),
        }
    )
    return {name: marts[name] for name in COLUMNS}
