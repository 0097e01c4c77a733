"""The e-learning files: the generator's shape, and the loader's separator handling."""

from __future__ import annotations

import pandas as pd
import pytest

from pulse.generate.elearning import generate
from pulse.load import LoadError, load


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    out = tmp_path_factory.mktemp("el") / "elearning"
    generate(out, seed=8)
    return out


def read(files, name, sep):
    return pd.read_csv(files / name, sep=sep)


def test_original_separators_and_headers(files):
    assert (files / "groups.csv").read_text().splitlines()[0] == "id;grp"
    assert (files / "checks.csv").read_text().splitlines()[0] == "student_id;rev"
    assert (files / "groups_add.csv").read_text().splitlines()[0] == "id,grp"
    assert (files / "active_studs.csv").read_text().splitlines()[0] == "student_id"


def test_split_activity_effect_and_dirt(files):
    groups = pd.concat([read(files, "groups.csv", ";"), read(files, "groups_add.csv", ",")])
    active = set(read(files, "active_studs.csv", ",")["student_id"])
    checks = read(files, "checks.csv", ";")
    assert 0.78 <= (groups.drop_duplicates("id")["grp"] == "B").mean() <= 0.82
    payers = checks.groupby("student_id")["rev"].sum()
    not_active = ~payers.index.isin(active)
    assert 0.012 <= not_active.mean() <= 0.03  # payers absent from the active list
    assert (~payers.index.isin(groups["id"])).sum() >= 1  # checks without a group
    assert groups.groupby("id")["grp"].nunique().gt(1).sum() == 2  # conflicting ids
    grp = groups.drop_duplicates("id").set_index("id")["grp"]
    paying = payers[~not_active & payers.index.isin(grp.index)]
    by_group = paying.groupby(grp.reindex(paying.index)).mean()
    assert by_group["B"] > by_group["A"] * 1.1  # B pays a higher check
    active_in_group = pd.Series(list(active)).map(grp).dropna()
    conversion = paying.groupby(grp.reindex(paying.index)).size() / active_in_group.value_counts()
    assert abs(conversion["B"] - conversion["A"]) < 0.02  # conversion about the same


def test_groups_add_loads_alone_any_time_and_replaces_its_previous_load(make_database, files):
    conn = make_database("elearning_loader")
    load(conn, "elearning", files)
    add = files / "groups_add.csv"
    before = len(add.read_text().splitlines()) - 1
    load(conn, "elearning", add)
    load(conn, "elearning", add)
    with conn.connect() as db:
        assert db.execute("select count(*) from raw_elearning.groups_add").fetchone()[0] == before
        assert db.execute("select count(*) from raw_elearning.groups").fetchone()[0] > 1000


def test_a_line_with_the_wrong_separator_is_refused(make_database, tmp_path):
    conn = make_database("elearning_loader")
    bad = tmp_path / "groups.csv"
    bad.write_text("id;grp\n1;A\n2,B\n")
    with pytest.raises(LoadError, match=r"groups.csv, line 3"):
        load(conn, "elearning", bad)
