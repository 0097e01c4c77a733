"""Independent pandas + scipy reference implementation of the elearning marts.

Written from the written spec (``spec/elearning.md`` and the cross-cutting rules of
``spec/README.md``) plus the team's conventions for the points the spec leaves open. It
reads the raw files of one folder (the A/B-test CSVs ``groups.csv``, ``groups_add.csv``,
``active_studs.csv``, ``checks.csv`` and the course tables ``peas.csv``, ``studs.csv``,
``final_project_check.csv``) and returns one DataFrame per mart, so tests can compare them
with what the dbt models build. A missing file means an empty table; the separator of each
file (``;`` or ``,``) is detected from its header line.

Conventions of the returned frames:
- months are ``datetime.date`` values (first day of the month, object column);
- counts are ints; money, fractions and statistics are floats, NaN for null; ``is_*``
  columns are bools (a null p-value gives False); nothing is rounded.

Cleaning (team conventions):
- groups: the rows of ``groups.csv`` and ``groups_add.csv`` together; ``grp`` trimmed and
  upper-cased; a row with a null id or a group other than A/B is dropped. An id with more
  than one distinct group (within or across the files) is a conflict: none of its rows
  counts. An id repeated with the same group counts once.
- active list: distinct non-null ids. checks: rows with a null id, a null or negative
  ``rev`` are dropped; the checks of one user add up.
- studs: ``test_grp`` trimmed and lower-cased; rows with a null id are dropped, then only
  the first row (file order) of each id is kept, then a group other than control/pilot is
  dropped.
- peas: rows with a null id, time or subject, or ``correct`` not 0/1 are dropped.
  final_project_check: rows with a null field or a negative ``money`` are dropped.
  Subjects are trimmed; the Math subject is ``Math``.
- course-group metrics ignore peas and purchases of ids not in studs; the diligent-students
  mart uses every valid pea.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
from scipy import stats

AB_GROUPS = ("A", "B")
COURSE_GROUPS = ("control", "pilot")
MATH = "Math"
ACTIVE_MIN_CORRECT_EXCLUSIVE = 10  # active: more than 10 correct peas
MATH_ACTIVE_MIN_CORRECT = 2  # math-active: at least 2 correct Math peas
MISMATCH_P = 0.001
CI_LEVEL = 0.95
FINDINGS = (
    "inactive_payers",
    "checks_without_group",
    "active_without_group",
    "conflicting_group_ids",
)
METRICS = ("conversion_rate", "arpau", "arppu")

COLUMNS = {
    "elearning_ab_group_metrics": [
        "grp",
        "users",
        "active_users",
        "payers",
        "revenue",
        "conversion_rate",
        "arpau",
        "arppu",
        "inactive_payers",
    ],
    "elearning_ab_test_results": [
        "metric",
        "value_a",
        "value_b",
        "lift_abs",
        "lift_rel",
        "test",
        "statistic",
        "df",
        "p_value",
        "ci_low",
        "ci_high",
        "is_significant",
    ],
    "elearning_ab_sample_ratio_check": [
        "users_a",
        "users_b",
        "expected_share_b",
        "chi_square",
        "p_value",
        "is_mismatch",
    ],
    "elearning_ab_data_quality": ["finding", "ids", "revenue"],
    "elearning_diligent_students_monthly": ["month", "students"],
    "elearning_course_group_metrics": [
        "test_grp",
        "students",
        "active_students",
        "math_active_students",
        "payers",
        "revenue",
        "arpu",
        "arpau",
        "conversion_rate",
        "active_conversion_rate",
        "math_conversion_rate",
    ],
}

INT_COLUMNS = {
    "elearning_ab_group_metrics": ["users", "active_users", "payers", "inactive_payers"],
    "elearning_ab_test_results": [],
    "elearning_ab_sample_ratio_check": ["users_a", "users_b"],
    "elearning_ab_data_quality": ["ids"],
    "elearning_diligent_students_monthly": ["students"],
    "elearning_course_group_metrics": [
        "students",
        "active_students",
        "math_active_students",
        "payers",
    ],
}
FLOAT_COLUMNS = {
    "elearning_ab_group_metrics": ["revenue", "conversion_rate", "arpau", "arppu"],
    "elearning_ab_test_results": [
        "value_a",
        "value_b",
        "lift_abs",
        "lift_rel",
        "statistic",
        "df",
        "p_value",
        "ci_low",
        "ci_high",
    ],
    "elearning_ab_sample_ratio_check": ["expected_share_b", "chi_square", "p_value"],
    "elearning_ab_data_quality": ["revenue"],
    "elearning_diligent_students_monthly": [],
    "elearning_course_group_metrics": [
        "revenue",
        "arpu",
        "arpau",
        "conversion_rate",
        "active_conversion_rate",
        "math_conversion_rate",
    ],
}
BOOL_COLUMNS = {
    "elearning_ab_test_results": ["is_significant"],
    "elearning_ab_sample_ratio_check": ["is_mismatch"],
}
TEXT_COLUMNS = ("grp", "metric", "test", "finding", "test_grp")

NAN = float("nan")


# --------------------------------------------------------------------------------------
# small helpers
# --------------------------------------------------------------------------------------


def _read_csv(path: Path, columns: list[str]) -> pd.DataFrame:
    """A raw file as text (empty field = null); a missing file is an empty table."""
    if not path.exists():
        return pd.DataFrame({c: pd.Series([], dtype=object) for c in columns})
    with path.open(encoding="utf-8-sig") as handle:
        header = handle.readline()
    sep = ";" if header.count(";") > header.count(",") else ","
    frame = pd.read_csv(path, sep=sep, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    frame.columns = [c.strip() for c in frame.columns]
    frame = frame.astype(object)
    return frame.where(frame != "", None)


def _to_int(values: pd.Series) -> pd.Series:
    num = pd.to_numeric(values.astype("string").str.strip(), errors="coerce")
    num = num.where(num.notna() & (num == np.floor(num)))
    return num.astype("Int64")


def _to_float(values: pd.Series) -> pd.Series:
    return pd.to_numeric(values.astype("string").str.strip(), errors="coerce").astype(float)


def _to_timestamp(values: pd.Series) -> pd.Series:
    text = values.astype("string").str.strip()
    return pd.to_datetime(text, format="ISO8601", errors="coerce")


def _to_text(values: pd.Series) -> pd.Series:
    """Trimmed text; None for null."""
    text = values.astype("string").str.strip()
    return text.astype(object).where(text.notna(), None)


def _ratio(num: float, den: float) -> float:
    return float(num) / float(den) if den != 0 else NAN


def _divide(num: pd.Series, den: pd.Series) -> pd.Series:
    num = num.astype(float)
    den = den.astype(float)
    return (num / den.where(den != 0)).astype(float)


def _empty(name: str) -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series([], dtype=object) for c in COLUMNS[name]})


def _finish(name: str, frame: pd.DataFrame) -> pd.DataFrame:
    if frame.empty:
        return _empty(name)
    out = frame[COLUMNS[name]].reset_index(drop=True)
    for col in TEXT_COLUMNS:
        if col in out.columns:
            out[col] = out[col].astype(object)
    for col in INT_COLUMNS[name]:
        out[col] = out[col].astype("int64")
    for col in FLOAT_COLUMNS[name]:
        out[col] = out[col].astype(float)
    for col in BOOL_COLUMNS.get(name, []):
        out[col] = out[col].astype(bool)
    return out


# --------------------------------------------------------------------------------------
# staging: A/B test
# --------------------------------------------------------------------------------------


def _load_ab(raw_dir: Path) -> tuple[pd.DataFrame, pd.Series, set[int], pd.Series, bool]:
    """Assignments (id, grp), checks per id, active ids, conflicting ids, any raw row."""
    frames = [
        _read_csv(raw_dir / "groups.csv", ["id", "grp"]),
        _read_csv(raw_dir / "groups_add.csv", ["id", "grp"]),
    ]
    active_raw = _read_csv(raw_dir / "active_studs.csv", ["student_id"])
    checks_raw = _read_csv(raw_dir / "checks.csv", ["student_id", "rev"])
    has_rows = any(len(f) for f in (*frames, active_raw, checks_raw))

    groups = pd.concat(
        [pd.DataFrame({"id": _to_int(f["id"]), "grp": _to_text(f["grp"])}) for f in frames],
        ignore_index=True,
    )
    groups["grp"] = groups["grp"].astype("string").str.upper().astype(object)
    groups = groups[groups["id"].notna() & groups["grp"].isin(list(AB_GROUPS))]
    groups = groups.astype({"id": "int64"}).drop_duplicates()
    n_groups = groups.groupby("id")["grp"].nunique()
    conflicting = pd.Series(n_groups.index[n_groups > 1], dtype="int64")
    assigned = groups[~groups["id"].isin(conflicting)].reset_index(drop=True)

    active_ids = _to_int(active_raw["student_id"]).dropna().astype("int64")
    active = set(active_ids.tolist())

    checks = pd.DataFrame(
        {"id": _to_int(checks_raw["student_id"]), "rev": _to_float(checks_raw["rev"])}
    )
    checks = checks[checks["id"].notna() & checks["rev"].notna() & (checks["rev"] >= 0)]
    checks = checks.astype({"id": "int64"})
    revenue = checks.groupby("id")["rev"].sum().astype(float)
    return assigned, revenue, active, conflicting, has_rows


# --------------------------------------------------------------------------------------
# A/B marts
# --------------------------------------------------------------------------------------


def _ab_users(assigned: pd.DataFrame, revenue: pd.Series, active: set[int]) -> pd.DataFrame:
    users = assigned.copy()
    users["is_active"] = users["id"].isin(active)
    users["has_check"] = users["id"].isin(revenue.index)
    users["revenue"] = users["id"].map(revenue).fillna(0.0).astype(float)
    return users


def _group_metrics(users: pd.DataFrame) -> pd.DataFrame:
    rows = []
    for grp in AB_GROUPS:
        g = users[users["grp"] == grp]
        if g.empty:
            continue
        active = g[g["is_active"]]
        payers = active[active["has_check"]]
        revenue = float(payers["revenue"].sum())
        rows.append(
            {
                "grp": grp,
                "users": len(g),
                "active_users": len(active),
                "payers": len(payers),
                "revenue": revenue,
                "conversion_rate": _ratio(len(payers), len(active)),
                "arpau": _ratio(revenue, len(active)),
                "arppu": _ratio(revenue, len(payers)),
                "inactive_payers": int((g["has_check"] & ~g["is_active"]).sum()),
            }
        )
    return _finish("elearning_ab_group_metrics", pd.DataFrame(rows))


def _z_test(x_a: int, n_a: int, x_b: int, n_b: int) -> dict[str, float]:
    """Pooled two-proportion z-test of B - A with an unpooled Wald CI."""
    out = {"statistic": NAN, "df": NAN, "p_value": NAN, "ci_low": NAN, "ci_high": NAN}
    if n_a == 0 or n_b == 0:
        return out
    p_a, p_b = x_a / n_a, x_b / n_b
    diff = p_b - p_a
    z_crit = stats.norm.ppf(0.5 + CI_LEVEL / 2)
    se_wald = np.sqrt(p_a * (1 - p_a) / n_a + p_b * (1 - p_b) / n_b)
    out["ci_low"] = float(diff - z_crit * se_wald)
    out["ci_high"] = float(diff + z_crit * se_wald)
    pooled = (x_a + x_b) / (n_a + n_b)
    if pooled in (0.0, 1.0):
        return out
    se_pooled = np.sqrt(pooled * (1 - pooled) * (1 / n_a + 1 / n_b))
    out["statistic"] = float(diff / se_pooled)
    table = np.array([[x_a, n_a - x_a], [x_b, n_b - x_b]])
    out["p_value"] = float(stats.chi2_contingency(table, correction=False).pvalue)
    return out


def _welch(a: np.ndarray, b: np.ndarray) -> dict[str, float]:
    """Welch's t-test of mean(b) - mean(a) with the Student-t CI."""
    out = {"statistic": NAN, "df": NAN, "p_value": NAN, "ci_low": NAN, "ci_high": NAN}
    n_a, n_b = len(a), len(b)
    if n_a < 2 or n_b < 2:
        return out
    v_a = np.var(a, ddof=1) / n_a
    v_b = np.var(b, ddof=1) / n_b
    se2 = v_a + v_b
    if not se2 > 0:
        return out
    res = stats.ttest_ind(b, a, equal_var=False)
    df = se2**2 / (v_a**2 / (n_a - 1) + v_b**2 / (n_b - 1))
    diff = float(np.mean(b) - np.mean(a))
    half = stats.t.ppf(0.5 + CI_LEVEL / 2, df) * np.sqrt(se2)
    out.update(
        statistic=float(res.statistic),
        df=float(df),
        p_value=float(res.pvalue),
        ci_low=float(diff - half),
        ci_high=float(diff + half),
    )
    return out


def _test_results(users: pd.DataFrame, metrics: pd.DataFrame, alpha: float) -> pd.DataFrame:
    if set(metrics["grp"]) != set(AB_GROUPS):
        return _empty("elearning_ab_test_results")
    by = metrics.set_index("grp")
    active = {g: users[(users["grp"] == g) & users["is_active"]] for g in AB_GROUPS}
    arpau_obs = {g: active[g]["revenue"].to_numpy(float) for g in AB_GROUPS}
    arppu_obs = {
        g: active[g].loc[active[g]["has_check"], "revenue"].to_numpy(float) for g in AB_GROUPS
    }
    tests = {
        "conversion_rate": (
            "two_proportion_z",
            _z_test(
                int(by.loc["A", "payers"]),
                int(by.loc["A", "active_users"]),
                int(by.loc["B", "payers"]),
                int(by.loc["B", "active_users"]),
            ),
        ),
        "arpau": ("welch_t", _welch(arpau_obs["A"], arpau_obs["B"])),
        "arppu": ("welch_t", _welch(arppu_obs["A"], arppu_obs["B"])),
    }
    rows = []
    for metric in METRICS:
        test, result = tests[metric]
        value_a = float(by.loc["A", metric])
        value_b = float(by.loc["B", metric])
        p_value = result["p_value"]
        rows.append(
            {
                "metric": metric,
                "value_a": value_a,
                "value_b": value_b,
                "lift_abs": value_b - value_a,
                "lift_rel": value_b / value_a - 1 if value_a != 0 else NAN,
                "test": test,
                **result,
                "is_significant": bool(p_value < alpha) if not np.isnan(p_value) else False,
            }
        )
    return _finish("elearning_ab_test_results", pd.DataFrame(rows))


def _sample_ratio(users: pd.DataFrame, share_b: float) -> pd.DataFrame:
    users_a = int((users["grp"] == "A").sum())
    users_b = int((users["grp"] == "B").sum())
    total = users_a + users_b
    if total == 0:
        return _empty("elearning_ab_sample_ratio_check")
    res = stats.chisquare([users_a, users_b], f_exp=[(1 - share_b) * total, share_b * total])
    p_value = float(res.pvalue)
    row = {
        "users_a": users_a,
        "users_b": users_b,
        "expected_share_b": float(share_b),
        "chi_square": float(res.statistic),
        "p_value": p_value,
        "is_mismatch": bool(p_value < MISMATCH_P) if not np.isnan(p_value) else False,
    }
    return _finish("elearning_ab_sample_ratio_check", pd.DataFrame([row]))


def _data_quality(
    assigned: pd.DataFrame,
    revenue: pd.Series,
    active: set[int],
    conflicting: pd.Series,
    has_rows: bool,
) -> pd.DataFrame:
    if not has_rows:
        return _empty("elearning_ab_data_quality")
    # each id in one finding, the first that applies: conflicting, then without a group
    # (a check before activity), then an inactive payer of a group
    grouped = set(assigned["id"].tolist())
    conflicts = set(conflicting.tolist())
    check_ids = revenue.index.to_series()
    checked = set(check_ids.tolist())
    in_group = check_ids.isin(grouped).to_numpy()
    is_conflict = check_ids.isin(conflicts).to_numpy()
    inactive = revenue[in_group & ~check_ids.isin(active).to_numpy()]
    no_group = revenue[~in_group & ~is_conflict]
    rows = [
        ("inactive_payers", len(inactive), float(inactive.sum())),
        ("checks_without_group", len(no_group), float(no_group.sum())),
        ("active_without_group", len(active - grouped - conflicts - checked), NAN),
        ("conflicting_group_ids", len(conflicts), NAN),
    ]
    frame = pd.DataFrame(rows, columns=COLUMNS["elearning_ab_data_quality"])
    return _finish("elearning_ab_data_quality", frame)


# --------------------------------------------------------------------------------------
# staging: course tables
# --------------------------------------------------------------------------------------


def _load_studs(raw_dir: Path) -> pd.DataFrame:
    raw = _read_csv(raw_dir / "studs.csv", ["st_id", "test_grp"])
    s = pd.DataFrame({"st_id": _to_int(raw["st_id"]), "test_grp": _to_text(raw["test_grp"])})
    s["test_grp"] = s["test_grp"].astype("string").str.lower().astype(object)
    s = s[s["st_id"].notna()].drop_duplicates(subset="st_id", keep="first")
    s = s[s["test_grp"].isin(list(COURSE_GROUPS))]
    return s.astype({"st_id": "int64"}).reset_index(drop=True)


def _load_peas(raw_dir: Path) -> pd.DataFrame:
    raw = _read_csv(raw_dir / "peas.csv", ["st_id", "timest", "correct", "subject"])
    p = pd.DataFrame(
        {
            "st_id": _to_int(raw["st_id"]),
            "timest": _to_timestamp(raw["timest"]),
            "correct": _to_int(raw["correct"]),
            "subject": _to_text(raw["subject"]),
        }
    )
    ok = p["st_id"].notna() & p["timest"].notna() & p["subject"].notna()
    ok &= p["correct"].isin([0, 1]).fillna(False).astype(bool)
    p = p[ok].astype({"st_id": "int64", "correct": "int64"})
    return p.reset_index(drop=True)


def _load_purchases(raw_dir: Path) -> pd.DataFrame:
    raw = _read_csv(raw_dir / "final_project_check.csv", ["st_id", "sale_time", "money", "subject"])
    f = pd.DataFrame(
        {
            "st_id": _to_int(raw["st_id"]),
            "sale_time": _to_timestamp(raw["sale_time"]),
            "money": _to_int(raw["money"]),
            "subject": _to_text(raw["subject"]),
        }
    )
    f = f[f.notna().all(axis=1) & (f["money"] >= 0).fillna(False).astype(bool)]
    f = f.astype({"st_id": "int64", "money": "int64"})
    return f.reset_index(drop=True)


# --------------------------------------------------------------------------------------
# course marts
# --------------------------------------------------------------------------------------


def _diligent_monthly(peas: pd.DataFrame, min_correct: int) -> pd.DataFrame:
    if peas.empty:
        return _empty("elearning_diligent_students_monthly")
    month = peas["timest"].dt.to_period("M")
    months = pd.period_range(month.min(), month.max(), freq="M")
    correct = peas[peas["correct"] == 1].assign(month=month)
    per_student = correct.groupby(["month", "st_id"]).size()
    diligent = per_student[per_student >= min_correct].groupby(level="month").size()
    counts = diligent.reindex(months, fill_value=0)
    frame = pd.DataFrame(
        {
            "month": [m.start_time.date() for m in months],
            "students": counts.to_numpy(),
        }
    )
    frame["month"] = frame["month"].astype(object)
    return _finish("elearning_diligent_students_monthly", frame)


def _course_groups(studs: pd.DataFrame, peas: pd.DataFrame, buys: pd.DataFrame) -> pd.DataFrame:
    if studs.empty:
        return _empty("elearning_course_group_metrics")
    ids = studs["st_id"]
    correct = peas[(peas["correct"] == 1) & peas["st_id"].isin(ids)]
    n_correct = correct.groupby("st_id").size()
    n_math = correct[correct["subject"] == MATH].groupby("st_id").size()
    buys = buys[buys["st_id"].isin(ids)]
    money = buys.groupby("st_id")["money"].sum()
    math_buyers = set(buys.loc[buys["subject"] == MATH, "st_id"])

    s = studs.copy()
    s["is_active"] = s["st_id"].map(n_correct).fillna(0) > ACTIVE_MIN_CORRECT_EXCLUSIVE
    s["is_math_active"] = s["st_id"].map(n_math).fillna(0) >= MATH_ACTIVE_MIN_CORRECT
    s["is_payer"] = s["st_id"].isin(money.index)
    s["revenue"] = s["st_id"].map(money).fillna(0).astype(float)
    s["bought_math"] = s["st_id"].isin(math_buyers)

    rows = []
    for grp in COURSE_GROUPS:
        g = s[s["test_grp"] == grp]
        if g.empty:
            continue
        active = g[g["is_active"]]
        math_active = g[g["is_math_active"]]
        revenue = float(g["revenue"].sum())
        rows.append(
            {
                "test_grp": grp,
                "students": len(g),
                "active_students": len(active),
                "math_active_students": len(math_active),
                "payers": int(g["is_payer"].sum()),
                "revenue": revenue,
                "arpu": _ratio(revenue, len(g)),
                "arpau": _ratio(float(active["revenue"].sum()), len(active)),
                "conversion_rate": _ratio(int(g["is_payer"].sum()), len(g)),
                "active_conversion_rate": _ratio(int(active["is_payer"].sum()), len(active)),
                "math_conversion_rate": _ratio(
                    int(math_active["bought_math"].sum()), len(math_active)
                ),
            }
        )
    return _finish("elearning_course_group_metrics", pd.DataFrame(rows))


# --------------------------------------------------------------------------------------
# entry point
# --------------------------------------------------------------------------------------


def compute_marts(
    raw_dir: str | Path,
    alpha: float = 0.05,
    expected_share_b: float = 0.8,
    diligent_min_correct: int = 20,
) -> dict[str, pd.DataFrame]:
    """Compute every elearning mart from the raw files in ``raw_dir``.

    ``alpha`` is ``ab_alpha``, ``expected_share_b`` is ``ab_expected_share_b`` and
    ``diligent_min_correct`` is ``diligent_min_correct``. Any of the seven files may be
    missing (an empty table).
    """
    raw_dir = Path(raw_dir)
    assigned, revenue, active, conflicting, has_rows = _load_ab(raw_dir)
    users = _ab_users(assigned, revenue, active)
    group_metrics = _group_metrics(users)

    studs = _load_studs(raw_dir)
    peas = _load_peas(raw_dir)
    buys = _load_purchases(raw_dir)

    return {
        "elearning_ab_group_metrics": group_metrics,
        "elearning_ab_test_results": _test_results(users, group_metrics, alpha),
        "elearning_ab_sample_ratio_check": _sample_ratio(users, expected_share_b),
        "elearning_ab_data_quality": _data_quality(
            assigned, revenue, active, conflicting, has_rows
        ),
        "elearning_diligent_students_monthly": _diligent_monthly(peas, diligent_min_correct),
        "elearning_course_group_metrics": _course_groups(studs, peas, buys),
    }
