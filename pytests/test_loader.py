"""`pulse load mentorhub DIR`: clean files load, bad files fail loudly and load nothing."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from pulse.load import LoadError, load

SESSIONS = (
    "session_id,session_date_time,mentor_id,mentee_id,session_status,mentor_domain_id\n"
    "1,2022-01-03 00:00:00.000,10,20,finished,1\n"
    "2,2022-01-04 10:30:00.000,10,21,canceled,2\n"
    "3,2022-01-05 00:00:00.000,11,20,finished,1\n"
)
USERS = (
    '"user_id","reg_date","role","region_id"\n'
    "10,2021-12-01 00:00:00.000,mentor,1\n"
    "11,2021-12-02 00:00:00.000,mentor,0\n"
    "20,2021-12-03 00:00:00.000,mentee,1\n"
    "21,2021-12-04 00:00:00.000,mentee,\n"
)
REGION = '"id","name"\n0,Другое\n1,г Москва\n'
DOMAIN = '"id","name"\n1,SQL\n2,DS\n'


def write(folder: Path, **files: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in files.items():
        (folder / f"{name}.csv").write_text(text, encoding="utf-8")
    return folder


def counts(conn) -> dict[str, int]:
    with conn.connect() as db:
        return {
            table: db.execute(f"select count(*) from raw_mentorhub.{table}").fetchone()[0]
            for table in ("sessions", "users", "region", "domain")
        }


@pytest.fixture
def loader_db(make_database):
    return make_database("loader")


@pytest.fixture
def good(tmp_path) -> Path:
    return write(tmp_path / "good", sessions=SESSIONS, users=USERS, region=REGION, domain=DOMAIN)


def test_clean_files_load_with_types_and_nulls(loader_db, good):
    loaded = load(loader_db, "mentorhub", good)
    assert {item.table: item.rows for item in loaded} == {
        "sessions": 3, "users": 4, "region": 2, "domain": 2,
    }  # fmt: skip
    with loader_db.connect() as db:
        row = db.execute(
            "select session_date_time::text, mentor_id from raw_mentorhub.sessions "
            "where session_id = 2"
        ).fetchone()
        assert row == ("2022-01-04 10:30:00", 10)
        region = db.execute("select region_id from raw_mentorhub.users where user_id = 21")
        assert region.fetchone() == (None,)


def test_reloading_the_same_files_is_idempotent(loader_db, good):
    load(loader_db, "mentorhub", good)
    first = counts(loader_db)
    load(loader_db, "mentorhub", good)
    assert counts(loader_db) == first == {"sessions": 3, "users": 4, "region": 2, "domain": 2}


@pytest.mark.parametrize(
    ("sessions", "expected"),
    [
        (
            SESSIONS.replace("mentor_id,mentee_id", "mentor,mentee_id"),
            "sessions.csv, line 1, column 3 (mentor_id): header has 'mentor'",
        ),
        (
            SESSIONS.replace("3,2022-01-05", "x3,2022-01-05"),
            "sessions.csv, line 4, column 1 (session_id): value 'x3' is not a valid integer",
        ),
        (
            SESSIONS.replace("2022-01-04 10:30:00.000", "04.01.2022"),
            "sessions.csv, line 3, column 2 (session_date_time): value '04.01.2022' is not a "
            "valid timestamp",
        ),
        (
            SESSIONS.replace("canceled,2\n", "canceled,2,extra\n"),
            "sessions.csv, line 3: more fields than the header",
        ),
        (
            SESSIONS.replace(",canceled,2", ",canceled"),
            "sessions.csv, line 3",
        ),
        ("", "sessions.csv, line 1: the file is empty"),
    ],
    ids=["header", "integer", "timestamp", "extra-field", "missing-field", "empty"],
)
def test_a_bad_file_names_file_line_column_and_loads_nothing(
    loader_db, good, tmp_path, sessions, expected
):
    load(loader_db, "mentorhub", good)
    before = counts(loader_db)
    bad = write(tmp_path / "bad", sessions=sessions, users=USERS, region=REGION, domain=DOMAIN)
    with pytest.raises(LoadError) as failure:
        load(loader_db, "mentorhub", bad)
    assert expected in str(failure.value)
    # Nothing from the call was loaded, not even the good files next to the bad one.
    assert counts(loader_db) == before


def test_the_cli_reports_a_bad_file_and_exits_non_zero(loader_db, tmp_path):
    bad = write(tmp_path / "cli", users=USERS.replace("mentor,1", "mentor,one", 1))
    env = {**os.environ, "PULSE_DATABASE_URL": loader_db.url(hide_password=False)}
    env.pop("DBT_PGHOST", None)
    result = subprocess.run(
        [sys.executable, "-m", "pulse", "load", "mentorhub", str(bad)],
        capture_output=True,
        text=True,
        env=env,
    )
    assert result.returncode == 2
    assert "users.csv, line 2, column 4 (region_id): value 'one' is not a valid integer" in (
        result.stderr
    )


def test_a_folder_without_domain_files_is_an_error(loader_db, tmp_path):
    (tmp_path / "empty").mkdir()
    with pytest.raises(LoadError, match="holds none of the mentorhub files"):
        load(loader_db, "mentorhub", tmp_path / "empty")


def test_an_impossible_date_in_the_right_format_is_rejected(loader_db, tmp_path):
    bad = write(tmp_path / "feb30", users=USERS.replace("2021-12-02", "2021-02-30"))
    with pytest.raises(LoadError, match=r"users.csv, line 3, column 2 \(reg_date\)"):
        load(loader_db, "mentorhub", bad)


TELEMETRY = (
    ",userid,sessionid,timestamp,action,value,category,age,gender,city\n"
    "0,user_1,1,2021-03-02T10:00:00,mainpage,0.0,,30,Ж,Москва\n"
    "1,user_1,1,2021-02-27T23:59:58,mainpage,0.0,,30,Ж,Москва\n"  # the earliest, not first
    "2,user_2,2,2021-03-01T08:00:00,mainpage,0.0,,41,М,Казань\n"
)


def test_the_ledger_keeps_each_log_files_earliest_time_and_setup_fills_old_loads(
    make_database, tmp_path
):
    from datetime import datetime

    from pulse.load import setup

    conn = make_database("shop_ledger")
    log = tmp_path / "dataset_telemetry.csv"
    log.write_text(TELEMETRY, encoding="utf-8")
    load(conn, "shop", log)
    earliest = datetime(2021, 2, 27, 23, 59, 58)
    ledger = "select first_event_at from raw_shop._loads"
    with conn.connect() as db:
        assert db.execute(ledger).fetchall() == [(earliest,)]
        db.execute("update raw_shop._loads set first_event_at = null")  # a load of old code
        db.commit()
    setup(conn, ["shop"])
    with conn.connect() as db:
        assert db.execute(ledger).fetchall() == [(earliest,)]
