"""The synthetic sales floor: deterministic, in the raw contract, and shaped like the spec."""

from __future__ import annotations

import pandas as pd
import pytest

from pulse.domains import DOMAINS
from pulse.generate.sales import DESCRIPTIONS, generate


@pytest.fixture(scope="module")
def data(tmp_path_factory):
    out = tmp_path_factory.mktemp("sales") / "sales"
    generate(out, seed=5, days=120)
    events = pd.read_csv(out / "events.csv", dtype={"_user_id": str})
    types = pd.read_csv(out / "events_dict.csv")
    events = events.merge(types, left_on="event_id", right_on="id", validate="many_to_one")
    steps = {text: step for step, text in DESCRIPTIONS.items()}
    events["step"] = events["_description"].map(steps)
    events["happened_at"] = pd.to_datetime(events["happened_at"])
    payments = pd.read_csv(out / "payments.csv", dtype={"_user_id": str})
    return {"dir": out, "events": events, "types": types, "payments": payments}


def test_same_seed_same_files(tmp_path):
    generate(tmp_path / "a", seed=9, days=10)
    generate(tmp_path / "b", seed=9, days=10)
    for name in ("events.csv", "events_dict.csv", "payments.csv"):
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes()


def test_files_follow_the_raw_contract(data):
    for table in DOMAINS["sales"].tables:
        header = (data["dir"] / table.file).read_text(encoding="utf-8").splitlines()[0]
        assert header.split(",") == table.column_names


def test_event_type_ids_are_not_in_step_order(data):
    types = data["types"].set_index("_description")["id"]
    in_step_order = [types[text] for text in DESCRIPTIONS.values()]
    assert in_step_order != sorted(in_step_order)


def test_100_to_300_leads_a_day_and_about_ten_percent_in_experiments(data):
    events = data["events"]
    leads = events[events["step"] == "lead_created"]
    per_day = leads.groupby(leads["happened_at"].dt.date)["_user_id"].nunique()
    assert 80 <= per_day.median() <= 320
    assert per_day.iloc[:7].mean() < per_day.iloc[-7:].mean()  # growing
    experiment = events[events["step"].isin(["demo_started", "demo_finished", "wa_sent",
                                             "wa_replied"])]["_user_id"].nunique()  # fmt: skip
    assert 0.07 <= experiment / leads["_user_id"].nunique() <= 0.13


def test_drop_offs_at_every_step(data):
    counts = data["events"].groupby("step")["_user_id"].nunique()
    journey = ["lead_created", "first_line_reached", "intro_booked", "intro_teacher_joined",
               "intro_succeeded", "second_line_reached"]  # fmt: skip
    users = [counts[step] for step in journey]
    assert users == sorted(users, reverse=True) and len(set(users)) == len(users)


def test_repeats_duplicates_gifts_currencies_and_second_purchases(data):
    events, payments = data["events"], data["payments"]
    exact_copies = events.duplicated(subset=["event_id", "_user_id", "happened_at"]).mean()
    assert 0.002 <= exact_copies <= 0.01
    leads = events[events["step"] == "lead_created"]
    assert leads.duplicated(subset="_user_id").sum() > 0  # a lead re-created later
    assert 0 < payments["is_gift"].mean() < 0.05
    assert set(payments["currency"]) > {"RUB"}
    purchases = payments[~payments["is_gift"]].drop_duplicates()
    assert purchases["_user_id"].duplicated().sum() > 0  # some users buy again
