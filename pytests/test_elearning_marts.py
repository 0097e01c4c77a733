"""Every e-learning mart equals an independent pandas + scipy computation of the spec,
on generated data (all seven files) and on the real course tables."""

from __future__ import annotations

import pytest
from elearning_reference import compute_marts
from test_mentorhub_marts import normalise, read_mart

KEYS = {
    "elearning_ab_group_metrics": ["grp"],
    "elearning_ab_test_results": ["metric"],
    "elearning_ab_sample_ratio_check": ["users_a"],
    "elearning_ab_data_quality": ["finding"],
    "elearning_diligent_students_monthly": ["month"],
    "elearning_course_group_metrics": ["test_grp"],
}
# Marts without a column-for-column reference are checked by dedicated tests below.
ONLY_HERE = {"elearning_ab_group_intervals"}
# p-values and CI bounds: 1e-4 (the bar for SQL against scipy); the rest: 1e-6.
LOOSE = {"p_value", "ci_low", "ci_high"}


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
    assert got.keys() == want.keys(), f"{mart}: rows differ: {got.keys()} vs {want.keys()}"
    for key, row in want.items():
        for column, value in row.items():
            actual_value = got[key][column]
            if isinstance(value, float) and isinstance(actual_value, float | int):
                tolerance = 1e-4 if column in LOOSE else 1e-6
                assert actual_value == pytest.approx(value, rel=tolerance, abs=tolerance), (
                    mart, key, column, actual_value, value,
                )  # fmt: skip
            else:
                assert actual_value == value, (mart, key, column, actual_value, value)


@pytest.fixture(scope="module")
def generated_expected(elearning_dir):
    return compute_marts(elearning_dir)


@pytest.fixture(scope="module")
def real_expected(elearning_real_dir):
    return compute_marts(elearning_real_dir)


@pytest.mark.parametrize("mart", list(KEYS))
def test_elearning_mart_matches_on_generated_data(built, generated_expected, mart):
    expected = generated_expected[mart]
    assert len(expected) > 0
    compare(read_mart(built("elearning"), mart), expected, mart)


@pytest.mark.parametrize("mart", list(KEYS))
def test_elearning_mart_matches_on_the_real_tables(built, real_expected, mart):
    compare(read_mart(built("elearning_real"), mart), real_expected[mart], mart)


def test_the_real_course_tables_give_the_known_answers(built):
    """The original task B's answers on the real dump (136 diligent students in October
    2021; ARPU 4540.98 in control and 11508.47 in pilot)."""
    conn = built("elearning_real")
    diligent = read_mart(conn, "elearning_diligent_students_monthly")
    assert diligent.to_dict("records") == [{"month": diligent["month"][0], "students": 136}]
    assert str(diligent["month"][0]) == "2021-10-01"
    groups = read_mart(conn, "elearning_course_group_metrics").set_index("test_grp")
    assert round(float(groups.loc["control", "arpu"]), 2) == 4540.98
    assert round(float(groups.loc["pilot", "arpu"]), 2) == 11508.47
    assert groups["students"].to_dict() == {"control": 305, "pilot": 295}


def test_without_ab_files_the_ab_marts_are_empty(built):
    conn = built("elearning_real")  # the real folder has the course tables only
    for mart in list(KEYS)[:4]:
        assert read_mart(conn, mart).empty, mart


def test_group_intervals_match_scipy(built, elearning_dir):
    """Each group's 95% CIs, from the raw files with pandas and scipy."""
    import numpy as np
    import pandas as pd
    from scipy import stats

    groups = pd.concat(
        [pd.read_csv(elearning_dir / "groups.csv", sep=";"),
         pd.read_csv(elearning_dir / "groups_add.csv", sep=",")]
    )  # fmt: skip
    groups["grp"] = groups["grp"].str.strip().str.upper()
    conflicting = groups.groupby("id")["grp"].nunique().loc[lambda n: n > 1].index
    assigned = groups[~groups["id"].isin(conflicting)].drop_duplicates("id").set_index("id")
    active = set(pd.read_csv(elearning_dir / "active_studs.csv")["student_id"])
    revenue = pd.read_csv(elearning_dir / "checks.csv", sep=";").groupby("student_id")["rev"].sum()
    got = read_mart(built("elearning"), "elearning_ab_group_intervals")
    got = got.set_index(["grp", "metric"])
    for grp in ("A", "B"):
        ids = assigned.index[(assigned["grp"] == grp) & assigned.index.isin(active)]
        per_user = revenue.reindex(ids).fillna(0).to_numpy()
        paid = revenue.reindex(ids).dropna().to_numpy()
        share = len(paid) / len(ids)
        half = stats.norm.ppf(0.975) * np.sqrt(share * (1 - share) / len(ids))
        expected = {
            "conversion_rate": (share - half, share + half),
            "arpau": stats.t.interval(0.95, len(per_user) - 1, per_user.mean(),
                                      stats.sem(per_user)),
            "arppu": stats.t.interval(0.95, len(paid) - 1, paid.mean(), stats.sem(paid)),
        }  # fmt: skip
        for metric, (low, high) in expected.items():
            row = got.loc[(grp, metric)]
            assert row["ci_low"] == pytest.approx(low, abs=1e-6), (grp, metric)
            assert row["ci_high"] == pytest.approx(high, abs=1e-6), (grp, metric)


def test_the_ab_chart_is_a_png(built, tmp_path):
    import io

    from PIL import Image

    from pulse.charts import write_charts

    (path,) = write_charts(built("elearning"), tmp_path)
    image = Image.open(io.BytesIO(path.read_bytes()))
    assert image.format == "PNG" and image.size[0] > 800
