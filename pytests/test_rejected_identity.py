"""Nothing is dropped silently: for every raw table, raw rows = staging rows + rejected rows.

Every domain is loaded with generated data plus hand-made rule breakers of every kind a
staging model leaves out (repeated ids, null ids, a trailing blank line, exact and
conflicting copies, values outside the rules); only the staging models (and the shop's
first intermediate models) are built. The rows of each raw table are counted in SQL
directly, independently of the models.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from types import SimpleNamespace

import pytest
from conftest import dbt, make_dirty

from pulse.domains import DOMAINS
from pulse.generate.shop import generate as generate_shop
from pulse.load import load

# raw tables -> (the staging model of their clean rows, the one of their rejected rows)
IDENTITY = {
    ("raw_mentorhub.sessions",): ("stg_mentorhub__sessions", "stg_mentorhub__sessions_rejected"),
    ("raw_mentorhub.users",): ("stg_mentorhub__users", "stg_mentorhub__users_rejected"),
    ("raw_mentorhub.region",): ("stg_mentorhub__regions", "stg_mentorhub__regions_rejected"),
    ("raw_mentorhub.domain",): ("stg_mentorhub__domains", "stg_mentorhub__domains_rejected"),
    ("raw_sales.events",): ("stg_sales__events", "stg_sales__events_rejected"),
    ("raw_sales.events_dict",): ("stg_sales__event_types", "stg_sales__event_types_rejected"),
    ("raw_sales.payments",): ("stg_sales__payments", "stg_sales__payments_rejected"),
    ("raw_shop.telemetry",): ("stg_shop__events", "stg_shop__events_rejected"),
    ("raw_elearning.groups", "raw_elearning.groups_add"): (
        "stg_elearning__group_assignments",
        "stg_elearning__group_assignments_rejected",
    ),
    ("raw_elearning.active_studs",): (
        "stg_elearning__active_students",
        "stg_elearning__active_students_rejected",
    ),
    ("raw_elearning.checks",): ("stg_elearning__checks", "stg_elearning__checks_rejected"),
    ("raw_elearning.peas",): ("stg_elearning__peas", "stg_elearning__peas_rejected"),
    ("raw_elearning.studs",): ("stg_elearning__students", "stg_elearning__students_rejected"),
    ("raw_elearning.final_project_check",): (
        "stg_elearning__course_purchases",
        "stg_elearning__course_purchases_rejected",
    ),
}


def append(path: Path, *lines: str) -> None:
    """Append lines to a CSV file, in its own separator (`;` when its header has one)."""
    text = path.read_text(encoding="utf-8")
    separator = ";" if ";" in text.splitlines()[0] else ","
    if not text.endswith("\n"):
        text += "\n"
    text += "".join(line.replace(",", separator) + "\n" for line in lines)
    path.write_text(text, encoding="utf-8")


def first_row(path: Path) -> str:
    return path.read_text(encoding="utf-8").splitlines()[1].replace(";", ",")


@pytest.fixture(scope="module")
def dirty(make_database, generated_dir, sales_dir, elearning_dir, tmp_path_factory):
    root = tmp_path_factory.mktemp("dirty_all")
    conn = make_database("identity")

    mentorhub = make_dirty(generated_dir, root / "mentorhub")
    region, domain = mentorhub / "region.csv", mentorhub / "domain.csv"
    append(region, first_row(region).split(",")[0] + ",Другой регион", ",Без номера")
    append(domain, first_row(domain).split(",")[0] + ",Другой домен", "")  # + trailing blank
    load(conn, "mentorhub", mentorhub)

    sales = root / "sales"
    shutil.copytree(sales_dir, sales)
    events, payments = sales / "events.csv", sales / "payments.csv"
    append(events, first_row(events), "8,abc,2021-06-01 12:00:00", ",12426765,2021-06-01 12:00:00")
    append(sales / "events_dict.csv", "1,Повтор первого id", ",Без id")
    append(payments, first_row(payments), "12426834,2021-06-05 05:00:00,tx-neg,-5.00,RUB,false")
    load(conn, "sales", sales)

    elearning = root / "elearning"
    shutil.copytree(elearning_dir, elearning)
    group_id = first_row(elearning / "groups.csv").split(",")[0]
    append(elearning / "groups.csv", f"{group_id},A", f"{group_id},B", ",A", "9999991,C")
    append(elearning / "groups_add.csv", f"{group_id},B")
    active = elearning / "active_studs.csv"
    append(active, first_row(active), first_row(active))
    active.write_text(active.read_text(encoding="utf-8") + "\n\n", encoding="utf-8")
    append(elearning / "checks.csv", "9999992,-10.0", ",10.0", "9999993,")
    append(
        elearning / "peas.csv", "100001,2021-10-01 03:24:29,2,Math", ",2021-10-01 03:24:29,1,Math"
    )
    studs = elearning / "studs.csv"
    append(studs, first_row(studs).split(",")[0] + ",control", "100002,nobody")
    append(elearning / "final_project_check.csv", "100003,2021-10-05 10:00:00,-1,Math",
           "100004,,100,Math")  # fmt: skip
    load(conn, "elearning", elearning)

    shop = root / "shop"
    generate_shop(shop, rows=2000, seed=5)
    log = shop / "dataset_telemetry.csv"
    row = first_row(log).split(",")
    key = row[1:6]  # userid, sessionid, timestamp, action, value
    copies = sum(
        line.split(",")[1:6] == key for line in log.read_text(encoding="utf-8").splitlines()[1:]
    )
    conflicting = [*row[:9], "Другой город"]
    append(
        log,
        ",".join(["900001", *row[1:]]),  # an exact copy of the first action
        ",".join(["900002", *conflicting[1:]]),  # a copy that differs in city
        ",".join(["900003", *row[1:5], "-5.0", *row[6:]]),  # a negative value
        ",".join(["900004", *row[1:4], "teleport", *row[5:]]),  # an unknown action
        ",".join(["900005", *row[1:8], "X", row[9]]),  # an unknown gender
    )
    load(conn, "shop", log)

    target = tmp_path_factory.mktemp("dbt_identity")
    models = "path:models/staging int_shop_events_rejected int_shop_events_sequenced"
    result = dbt(conn, "run", "-s", *models.split(), "int_shop_event_conflicts",
                 target_path=target)  # fmt: skip
    assert result.returncode == 0, result.stdout[-6000:]
    return SimpleNamespace(conn=conn, first_shop_row=row, first_shop_copies=copies)


def count(db, relation: str) -> int:
    return db.execute(f"select count(*) from {relation}").fetchone()[0]


def test_the_identity_covers_every_raw_table():
    raw_tables = {f"{domain.raw_schema}.{table.name}" for domain in DOMAINS.values()
                  for table in domain.tables}  # fmt: skip
    assert {table for tables in IDENTITY for table in tables} == raw_tables


@pytest.mark.parametrize("tables", list(IDENTITY), ids=lambda tables: "+".join(tables))
def test_raw_rows_are_staging_rows_plus_rejected_rows(dirty, tables):
    clean, rejected = IDENTITY[tables]
    with dirty.conn.connect() as db:
        raw = sum(count(db, table) for table in tables)
        kept, refused = count(db, f"staging.{clean}"), count(db, f"staging.{rejected}")
        reasons = db.execute(
            f"select count(*) from staging.{rejected} where rejection_reason is null"
        ).fetchone()[0]
    assert refused > 0, f"the dirty data has no rule breaker for {tables}"
    assert raw == kept + refused, (tables, raw, kept, refused)
    assert reasons == 0


def test_repeated_and_blank_active_ids_are_rejected_with_a_reason(dirty):
    with dirty.conn.connect() as db:
        reasons = dict(
            db.execute(
                "select rejection_reason, count(*) from "
                "staging.stg_elearning__active_students_rejected group by 1"
            ).fetchall()
        )
    # the first id three times (two repeats); the trailing blank lines load nothing
    assert reasons == {"duplicate student_id": 2}


def test_shop_copies_count_once_and_conflicting_ones_are_reported(dirty):
    with dirty.conn.connect() as db:
        raw = count(db, "raw_shop.telemetry")
        rejected = count(db, "intermediate.int_shop_events_rejected")
        represented = db.execute(
            "select sum(raw_rows) from intermediate.int_shop_events_sequenced"
        ).fetchone()[0]
        conflicts = db.execute(
            "select action, raw_rows, city, conflict_reason "
            "from intermediate.int_shop_event_conflicts"
        ).fetchall()
    # every raw row is an event (copies included) or a rejected row
    assert raw == represented + rejected
    # the first action: its raw rows in the generated file, an exact copy, one with
    # another city; it is the only conflict (the generator's copies are exact)
    assert len(conflicts) == 1
    action, raw_rows, _city, reason = conflicts[0]
    assert action == dirty.first_shop_row[4]
    assert raw_rows == dirty.first_shop_copies + 2
    assert reason == "copies differ in city"
