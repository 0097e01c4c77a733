"""The synthetic Mentorhub data: deterministic, in the raw contract, and platform-like."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from pulse.domains import DOMAINS
from pulse.generate.mentorhub import generate


@pytest.fixture(scope="module")
def default_data(tmp_path_factory) -> dict[str, pd.DataFrame]:
    out = tmp_path_factory.mktemp("gen") / "mentorhub"
    generate(out, seed=42, scale=1.0)
    sessions = pd.read_csv(out / "sessions.csv", parse_dates=["session_date_time"])
    sessions["month"] = sessions["session_date_time"].dt.to_period("M")
    return {
        "sessions": sessions,
        "users": pd.read_csv(out / "users.csv", parse_dates=["reg_date"]),
        "dir": out,
    }


def test_same_seed_same_bytes_other_seed_other_data(tmp_path):
    generate(tmp_path / "a", seed=3, scale=0.2)
    generate(tmp_path / "b", seed=3, scale=0.2)
    generate(tmp_path / "c", seed=4, scale=0.2)
    for name in ("sessions.csv", "users.csv"):
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes()
        assert (tmp_path / "a" / name).read_bytes() != (tmp_path / "c" / name).read_bytes()


def test_files_follow_the_raw_contract(default_data):
    folder: Path = default_data["dir"]
    for table in DOMAINS["mentorhub"].tables:
        header = (folder / table.file).read_text(encoding="utf-8").splitlines()[0]
        assert header.replace('"', "").split(",") == table.column_names
    stamp = (folder / "sessions.csv").read_text().splitlines()[1].split(",")[1]
    assert len(stamp) == len("2021-02-12 00:00:00.000") and stamp.endswith(".000")


def test_scale_multiplies_the_volume(tmp_path):
    small = generate(tmp_path / "s", seed=1, scale=0.25)
    large = generate(tmp_path / "l", seed=1, scale=1.0)
    assert 3 < large["sessions"] / small["sessions"] < 5
    assert 3 < large["users"] / small["users"] < 5


def test_growth_from_a_handful_to_hundreds_of_active_mentors(default_data):
    mentors = default_data["sessions"].groupby("month")["mentor_id"].nunique()
    assert mentors.iloc[0] <= 10
    assert mentors.max() >= 200


def test_a_fifth_of_mentees_never_book(default_data):
    users, sessions = default_data["users"], default_data["sessions"]
    mentees = users[users["role"] == "mentee"]
    never = ~mentees["user_id"].isin(sessions["mentee_id"])
    assert 0.15 <= never.mean() <= 0.25


def test_cancellation_rates_differ_by_domain_and_month(default_data):
    sessions = default_data["sessions"]
    canceled = sessions["session_status"].eq("canceled")
    by_domain = canceled.groupby(sessions["mentor_domain_id"]).mean()
    assert by_domain.between(0.10, 0.25).all()
    assert by_domain.max() - by_domain.min() > 0.05
    big_months = sessions.groupby("month").filter(lambda g: len(g) > 300)
    by_month = big_months["session_status"].eq("canceled").groupby(big_months["month"]).mean()
    assert by_month.max() - by_month.min() > 0.02


def test_weekday_patterns_differ_by_domain(default_data):
    sessions = default_data["sessions"]
    weekday = sessions["session_date_time"].dt.day_of_week
    shares = pd.crosstab(sessions["mentor_domain_id"], weekday, normalize="index")
    busiest = shares.idxmax(axis=1)
    assert busiest.nunique() >= 3
    weekend = shares[[5, 6]].sum(axis=1)
    assert weekend.max() - weekend.min() > 0.2


def test_sessions_per_mentor_are_heavy_tailed(default_data):
    per_mentor = default_data["sessions"].groupby("mentor_id").size()
    assert per_mentor.max() > 5 * per_mentor.median()
    assert per_mentor.quantile(0.9) > 2.5 * per_mentor.median()


def test_nobody_books_before_registering_and_the_last_month_is_partial(default_data):
    sessions, users = default_data["sessions"], default_data["users"]
    registered = users.set_index("user_id")["reg_date"]
    for column in ("mentor_id", "mentee_id"):
        assert (sessions["session_date_time"] >= sessions[column].map(registered)).all()
    last = sessions["session_date_time"].max()
    assert last.day < last.days_in_month
