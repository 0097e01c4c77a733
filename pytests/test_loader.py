"""`pulse load DOMAIN PATH…`: clean files load, bad files fail loudly and load nothing.

The bad-input tests run on the default server (the embedded PostgreSQL 18, or an external
one) and on a PostgreSQL 15 the suite starts itself: the checks must not depend on what
only newer servers have.
"""

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
def loader_db(make_any_database):
    return make_any_database("loader")


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
    make_any_database, tmp_path
):
    from datetime import datetime

    from pulse.load import setup

    conn = make_any_database("shop_ledger")
    log = tmp_path / "dataset_telemetry.csv"
    log.write_text(TELEMETRY, encoding="utf-8")
    load(conn, "shop", log)
    earliest = datetime(2021, 2, 27, 23, 59, 58)
    ledger = "select first_event_at from raw_shop._loads"
    with conn.connect() as db:
        assert db.execute(ledger).fetchall() == [(earliest,)]
        db.execute("update raw_shop._loads set first_event_at = null")  # a load of old code
        db.commit()
    setup(conn)  # `pulse setup`
    with conn.connect() as db:
        assert db.execute(ledger).fetchall() == [(earliest,)]


# Values of the right format that cannot exist: refused with file, physical line, column,
# value and the rule, on every server (PostgreSQL 15 has no pg_input_is_valid).
@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        (
            "2021-12-02 00:00:00.000",
            "2021-02-29 00:00:00",
            "users.csv, line 3, column 2 (reg_date): value '2021-02-29 00:00:00' is not a valid "
            "timestamp: there is no day 29: February 2021 has 28 days",
        ),
        (
            "2021-12-02 00:00:00.000",
            "2022-04-31 10:00:00",
            "line 3, column 2 (reg_date): value '2022-04-31 10:00:00' is not a valid timestamp: "
            "there is no day 31: April 2022 has 30 days",
        ),
        (
            "2021-12-02 00:00:00.000",
            "2022-13-01",
            "line 3, column 2 (reg_date): value '2022-13-01' is not a valid timestamp: "
            "there is no month 13",
        ),
        (
            "2021-12-02 00:00:00.000",
            "2021-12-02 25:00:00",
            "line 3, column 2 (reg_date): value '2021-12-02 25:00:00' is not a valid timestamp: "
            "there is no hour 25",
        ),
        (
            "2021-12-02 00:00:00.000",
            "2021-12-02 10:60:00",
            "line 3, column 2 (reg_date): value '2021-12-02 10:60:00' is not a valid timestamp",
        ),
        (
            "11,2021-12-02",
            "3000000000,2021-12-02",
            "users.csv, line 3, column 1 (user_id): value '3000000000' is not a valid integer: "
            "out of the integer range",
        ),
        (
            "mentor,0",
            "mentor,-2147483649",
            "line 3, column 4 (region_id): value '-2147483649' is not a valid integer",
        ),
        # PostgreSQL 16+ reads these as integers, 15 does not: the contract decides
        (
            "11,2021-12-02",
            "0x1F,2021-12-02",
            "line 3, column 1 (user_id): value '0x1F' is not a valid integer: expected digits",
        ),
        ("mentor,0", "mentor,1_000", "line 3, column 4 (region_id): value '1_000' is not a"),
        ("mentor,0", "mentor,Infinity", "line 3, column 4 (region_id): value 'Infinity' is not"),
    ],
    ids=[
        "feb29",
        "apr31",
        "month13",
        "hour25",
        "minute60",
        "int-overflow",
        "int-underflow",
        "hex",
        "underscore",
        "inf",
    ],
)
def test_an_impossible_value_is_refused_on_every_server(loader_db, tmp_path, old, new, expected):
    load(loader_db, "mentorhub", write(tmp_path / "good", users=USERS))
    bad = write(tmp_path / "bad", users=USERS.replace(old, new, 1), sessions=SESSIONS)
    with pytest.raises(LoadError) as failure:
        load(loader_db, "mentorhub", bad)
    assert expected in str(failure.value)
    assert counts(loader_db)["users"] == 4 and counts(loader_db)["sessions"] == 0


def test_a_leap_day_and_the_edges_of_the_ranges_load(loader_db, tmp_path):
    users = USERS.replace("2021-12-01 00:00:00.000", "2020-02-29 23:59:59.999999")
    users = users.replace("11,2021-12-02", "2147483647,2021-12-02")
    users = users.replace("20,2021-12-03 00:00:00.000", "-2147483648,2000-02-29")
    load(loader_db, "mentorhub", write(tmp_path / "edges", users=users))
    with loader_db.connect() as db:
        rows = db.execute(
            "select user_id, reg_date::text from raw_mentorhub.users order by user_id"
        ).fetchall()
    assert rows == [
        (-2147483648, "2000-02-29 00:00:00"),
        (10, "2020-02-29 23:59:59.999999"),
        (21, "2021-12-04 00:00:00"),
        (2147483647, "2021-12-02 00:00:00"),
    ]


def test_lines_are_physical_after_a_multi_line_quoted_field(loader_db, tmp_path):
    # line 1 header, lines 2-4 one region whose name spans three lines, line 5 Moscow,
    # line 6 the bad id
    region = '"id","name"\n0,"Другое\nещё строка\nи ещё"\n1,г Москва\nx2,Казань\n'
    with pytest.raises(LoadError) as failure:
        load(loader_db, "mentorhub", write(tmp_path / "ml", region=region))
    assert "region.csv, line 6, column 1 (id): value 'x2' is not a valid integer" in str(
        failure.value
    )
    extra = '"id","name"\n0,"Другое\nещё строка"\n1,г Москва,extra\n'
    with pytest.raises(LoadError) as failure:
        load(loader_db, "mentorhub", write(tmp_path / "ml2", region=extra))
    assert "region.csv, line 4: more fields than the header" in str(failure.value)


def test_an_invalid_utf8_byte_is_named_by_its_line(loader_db, tmp_path):
    folder = tmp_path / "latin1"
    folder.mkdir()
    (folder / "region.csv").write_bytes(
        '"id","name"\n0,Другое\n1,г Москва\n'.encode() + b"2,Mosc\xf6w\n"
    )
    with pytest.raises(LoadError) as failure:
        load(loader_db, "mentorhub", folder)
    assert "region.csv, line 4, column 2: not UTF-8 text: byte 0xf6" in str(failure.value)
    assert counts(loader_db)["region"] == 0


def test_trailing_blank_lines_are_ignored(loader_db, tmp_path):
    folder = write(tmp_path / "blank", sessions=SESSIONS + "\n\n  \n", region=REGION + "\r\n\r\n")
    loaded = load(loader_db, "mentorhub", folder)
    assert {item.table: item.rows for item in loaded} == {"sessions": 3, "region": 2}
    active = tmp_path / "active_studs.csv"
    active.write_text("student_id\n581585\n5723133\n\n", encoding="utf-8")
    assert [item.rows for item in load(loader_db, "elearning", active)] == [2]
    with loader_db.connect() as db:
        ids = db.execute("select student_id from raw_elearning.active_studs order by 1")
        assert ids.fetchall() == [(581585,), (5723133,)]


def test_every_path_of_a_call_is_loaded_in_one_transaction(loader_db, tmp_path):
    folder = write(tmp_path / "two", users=USERS, sessions=SESSIONS)
    loaded = load(loader_db, "mentorhub", folder / "users.csv", folder / "sessions.csv")
    assert [(item.table, item.rows) for item in loaded] == [("users", 4), ("sessions", 3)]
    assert counts(loader_db) == {"sessions": 3, "users": 4, "region": 0, "domain": 0}
    bad = write(tmp_path / "bad", region=REGION.replace("1,г", "one,г"))
    with pytest.raises(LoadError, match=r"region.csv, line 3, column 1"):
        load(loader_db, "mentorhub", write(tmp_path / "ok", domain=DOMAIN), bad)
    assert counts(loader_db) == {"sessions": 3, "users": 4, "region": 0, "domain": 0}


def test_a_header_only_file_does_not_empty_a_table_unless_asked(loader_db, tmp_path):
    load(loader_db, "mentorhub", write(tmp_path / "good", users=USERS, region=REGION))
    truncated = write(tmp_path / "trunc", users=USERS.splitlines()[0] + "\n", region=REGION)
    with pytest.raises(LoadError) as failure:
        load(loader_db, "mentorhub", truncated)
    assert (
        "users.csv: has a header and no rows: loading it would empty raw_mentorhub.users, "
        "which holds 4 rows" in str(failure.value)
    )
    assert "--allow-empty" in str(failure.value)
    assert counts(loader_db)["users"] == 4
    load(loader_db, "mentorhub", truncated, allow_empty=True)
    assert counts(loader_db)["users"] == 0


def test_groups_add_is_read_by_position_whatever_its_header(loader_db, tmp_path):
    groups_add = tmp_path / "groups_add.csv"
    groups_add.write_text("id,grpp\n5694584,B\n5694830,A\n", encoding="utf-8")
    [loaded] = load(loader_db, "elearning", groups_add)
    assert loaded.rows == 2
    assert loaded.note == "header 'id,grpp' read by position as id,grp"
    with loader_db.connect() as db:
        rows = db.execute("select id, grp from raw_elearning.groups_add order by id").fetchall()
    assert rows == [(5694584, "B"), (5694830, "A")]
    groups_add.write_text("5694584,B\n5694830,A\n", encoding="utf-8")  # no header at all
    with pytest.raises(LoadError, match=r"line 1, column 1 \(id\): the first line '5694584,B'"):
        load(loader_db, "elearning", groups_add)
    groups_add.write_text("id;grp;extra\n5694584;B;1\n", encoding="utf-8")
    with pytest.raises(LoadError, match=r"groups_add.csv, line 1: header has 3 columns"):
        load(loader_db, "elearning", groups_add)


SHOP_HEADER = ",userid,sessionid,timestamp,action,value,category,age,gender,city\n"


@pytest.mark.parametrize(
    ("row", "expected"),
    [
        (
            "3,user_3,3,2021-02-29T10:00:00,cart,990.0,Спорт,30,Ж,Москва",
            "line 5, column 4 (timestamp): value '2021-02-29T10:00:00' is not a valid timestamp: "
            "there is no day 29",
        ),
        (
            "3,user_3,3,2021-03-02 10:00:00,cart,990.0,Спорт,30,Ж,Москва",
            "line 5, column 4 (timestamp): value '2021-03-02 10:00:00' is not a valid timestamp: "
            "expected YYYY-MM-DDTHH:MM:SS",
        ),
        (
            "3,user_3,3,2021-03-02T10:00:00,cart,NaN,Спорт,30,Ж,Москва",
            "line 5, column 6 (value): value 'NaN' is not a valid numeric",
        ),
        (
            "3,user_3,3,2021-03-02T10:00:00,cart,Infinity,Спорт,30,Ж,Москва",
            "line 5, column 6 (value): value 'Infinity' is not a valid numeric",
        ),
        (
            "3,user_3,3,2021-03-02T10:00:00,cart,-inf,Спорт,30,Ж,Москва",
            "line 5, column 6 (value): value '-inf' is not a valid numeric",
        ),
        (
            "3,user_3,3,2021-03-02T10:00:00,checkout,1e300,Спорт,30,Ж,Москва",
            "line 5, column 6 (value): value '1e300' is not a valid numeric",
        ),
        (
            "3,user_3,3,2021-03-02T10:00:00,checkout,10000000.01,Спорт,30,Ж,Москва",
            "line 5, column 6 (value): value '10000000.01' is not a valid numeric: outside the "
            "plausible range of telemetry.value (at most 10,000,000)",
        ),
        (
            "3,user_3,3,2021-03-02T10:00:00,cart,990.0,Спорт,3000000000,Ж,Москва",
            "line 5, column 8 (age): value '3000000000' is not a valid integer: out of the "
            "integer range",
        ),
        # values whose cast raises inside the checks: the column is still named
        (
            "3,user_3,abc,2021-03-02T10:00:00,cart,990.0,Спорт,30,Ж,Москва",
            "line 5, column 3 (sessionid): value 'abc' is not a valid bigint: expected digits",
        ),
        (
            "3,user_3,9223372036854775808,2021-03-02T10:00:00,cart,990.0,Спорт,30,Ж,Москва",
            "line 5, column 3 (sessionid): value '9223372036854775808' is not a valid bigint: "
            "out of the bigint range",
        ),
        (
            "3.0,user_3,3,2021-03-02T10:00:00,cart,990.0,Спорт,30,Ж,Москва",
            "line 5, column 1 (_row_index): value '3.0' is not a valid bigint: expected digits",
        ),
        (
            "3,user_3,3,2021-03-02T10:00:0x,cart,990.0,Спорт,30,Ж,Москва",
            "line 5, column 4 (timestamp): value '2021-03-02T10:00:0x' is not a valid timestamp: "
            "expected YYYY-MM-DDTHH:MM:SS",
        ),
        (
            "3,user_3,3,2021-03-02T24:00:00,cart,990.0,Спорт,30,Ж,Москва",
            "line 5, column 4 (timestamp): value '2021-03-02T24:00:00' is not a valid timestamp: "
            "there is no hour 24",
        ),
        (
            "3,user_3,3,2021-03-02T10:00:60,cart,990.0,Спорт,30,Ж,Москва",
            "line 5, column 4 (timestamp): value '2021-03-02T10:00:60' is not a valid timestamp: "
            "there is no second 60",
        ),
        (
            "3,user_3,3,2021-03-02T10:00:00,cart,-Infinity,Спорт,30,Ж,Москва",
            "line 5, column 6 (value): value '-Infinity' is not a valid numeric: expected a "
            "decimal number",
        ),
        (
            "3,user_3,3,2021-03-02T10:00:00,cart,12 руб,Спорт,30,Ж,Москва",
            "line 5, column 6 (value): value '12 руб' is not a valid numeric: expected a decimal",
        ),
        # a tab is no padding (only blanks are), in SQL and in the words alike
        (
            "3,user_3,3,2021-03-02T10:00:00,cart,990.0,Спорт,\t30,Ж,Москва",
            "line 5, column 8 (age): value '\\t30' is not a valid integer: expected digits",
        ),
    ],
    ids=[
        "feb29",
        "no-T",
        "nan",
        "infinity",
        "minus-inf",
        "1e300",
        "implausible",
        "age",
        "bigint-letters",
        "bigint-overflow",
        "index-fraction",
        "timestamp-letter",
        "hour24",
        "second60",
        "minus-infinity",
        "numeric-unit",
        "tab",
    ],
)
def test_the_shop_log_refuses_impossible_values_with_their_place(
    make_any_database, tmp_path, row, expected
):
    conn = make_any_database("shop_bad")
    good = tmp_path / "good.csv"
    good.write_text(TELEMETRY, encoding="utf-8")
    bad = tmp_path / "bad.csv"
    bad.write_text(TELEMETRY + row + "\n", encoding="utf-8")
    with pytest.raises(LoadError) as failure:
        load(conn, "shop", good, bad)
    assert f"bad.csv, {expected}" in str(failure.value)
    # one call, one transaction: the good file next to the bad one is not kept either
    with conn.connect() as db:
        assert db.execute("select count(*) from raw_shop.telemetry").fetchone() == (0,)
        assert db.execute("select count(*) from raw_shop._loads").fetchone() == (0,)


# Values the contract allows in every form it allows them: canonical, padded, signed,
# leading zeros, blank (null), quoted empty (null), and the edges of the ranges. The
# expected rows are written by hand.
TELEMETRY_FORMS = (
    SHOP_HEADER + "0,user_1,1,2021-03-02T10:00:00,mainpage,0.0,,30,Ж,Москва\n"
    "+1,user_1, 007 ,  2021-03-02T23:59:59 ,cart,.50,,+31,Ж,Москва\n"
    f"2,user_2,   ,{' ' * 19}, mainpage,  ,,   ,М,Казань\n"
    '"3",user_2,"",2021-02-28T00:00:00,checkout,1e3,,"",М,Казань\n'
    "00004,user_3,9223372036854775807,2020-02-29T12:00:00,cart,-0.0,,2147483647,Ж,Москва\n"
    "5,user_3,-5,2021-03-02T10:00:00,cart,10000000.00,,-0,Ж,Москва\n"
)


@pytest.mark.parametrize("datestyle", ["ISO, MDY", "SQL, DMY"])
def test_every_form_the_shop_contract_allows_loads_as_its_value(
    make_any_database, tmp_path, datestyle
):
    from datetime import datetime
    from decimal import Decimal

    conn = make_any_database("shop_forms")
    with conn.connect(autocommit=True) as db:  # the server's default for every session
        db.execute(f"alter database \"{conn.dbname}\" set datestyle = '{datestyle}'")
    log = tmp_path / "dataset_telemetry.csv"
    log.write_text(TELEMETRY_FORMS, encoding="utf-8")
    [loaded] = load(conn, "shop", log)
    assert loaded.rows == 6
    with conn.connect() as db:
        db.execute("set datestyle to 'ISO'")
        rows = db.execute(
            "select _row_index, sessionid, timestamp, action, value, age "
            "from raw_shop.telemetry order by _row_index"
        ).fetchall()
        ledger = db.execute("select rows, first_event_at from raw_shop._loads").fetchall()
    assert rows == [
        (0, 1, datetime(2021, 3, 2, 10, 0, 0), "mainpage", Decimal("0.0"), 30),
        (1, 7, datetime(2021, 3, 2, 23, 59, 59), "cart", Decimal("0.50"), 31),
        (2, None, None, " mainpage", None, None),
        (3, None, datetime(2021, 2, 28), "checkout", Decimal("1000"), None),
        (4, 2**63 - 1, datetime(2020, 2, 29, 12), "cart", Decimal("0.0"), 2**31 - 1),
        (5, -5, datetime(2021, 3, 2, 10, 0, 0), "cart", Decimal("10000000.00"), 0),
    ]
    assert ledger == [(6, datetime(2020, 2, 29, 12))]


def test_a_first_load_neither_waits_for_nor_empties_what_others_hold(
    make_any_database, tmp_path, monkeypatch
):
    # A reader keeps a transaction open on the empty log while its first file loads: the
    # load must not wait for it (the table is only truncated, to spare the WAL, when no one
    # else holds it), and what the reader sees stays as it was.
    from pulse.load.raw_tables import create_raw_tables

    conn = make_any_database("shop_beside")
    create_raw_tables(conn, ["shop"])
    monkeypatch.setenv("PGOPTIONS", "-c lock_timeout=5s")  # waiting fails instead of hanging
    log = tmp_path / "dataset_telemetry.csv"
    log.write_text(TELEMETRY, encoding="utf-8")
    with conn.connect() as reader:
        assert reader.execute("select count(*) from raw_shop.telemetry").fetchone() == (0,)
        [loaded] = load(conn, "shop", log)
        reader.commit()
    # the next file appends to what the first one loaded
    following = tmp_path / "following.csv"
    following.write_text(SHOP_HEADER + "3,user_3,3,2021-03-03T09:00:00,cart,1.0,,22,Ж,Омск\n")
    assert [item.rows for item in load(conn, "shop", following)] == [1]
    with conn.connect() as db:
        indexes = db.execute("select _row_index from raw_shop.telemetry order by 1").fetchall()
    assert loaded.rows == 3 and indexes == [(0,), (1,), (2,), (3,)]


def test_the_cli_loads_every_path_and_says_how_groups_add_was_read(loader_db, tmp_path):
    folder = write(tmp_path / "cli", users=USERS, sessions=SESSIONS)
    env = {**os.environ, "PULSE_DATABASE_URL": loader_db.url(hide_password=False)}
    env.pop("DBT_PGHOST", None)
    command = [sys.executable, "-m", "pulse", "load"]
    result = subprocess.run(
        [*command, "mentorhub", str(folder / "users.csv"), str(folder / "sessions.csv")],
        capture_output=True,
        text=True,
        env=env,
    )
    assert result.returncode == 0, result.stderr
    assert counts(loader_db)["users"] == 4 and counts(loader_db)["sessions"] == 3
    groups_add = tmp_path / "groups_add.csv"
    groups_add.write_text("id,grpp\n1,A\n", encoding="utf-8")
    result = subprocess.run(
        [*command, "elearning", str(groups_add)], capture_output=True, text=True, env=env
    )
    assert result.returncode == 0, result.stderr
    assert "header 'id,grpp' read by position as id,grp" in result.stdout


def test_two_files_for_one_snapshot_table_are_refused(loader_db, tmp_path):
    first = write(tmp_path / "one", region=REGION)
    second = write(tmp_path / "two", region=REGION.replace("Другое", "Иное"))
    with pytest.raises(LoadError, match=r"would both replace raw_mentorhub.region"):
        load(loader_db, "mentorhub", first, second)
    # the same file named twice is one file
    assert [item.rows for item in load(loader_db, "mentorhub", first, first / "region.csv")] == [2]


def test_a_line_with_shifted_fields_is_named_for_its_shape_not_its_values(loader_db, tmp_path):
    # an unquoted comma inside the status: every later field moves one to the right
    sessions = SESSIONS.replace("10,21,canceled,2", "10,21,cancel,ed,2")
    with pytest.raises(LoadError) as failure:
        load(loader_db, "mentorhub", write(tmp_path / "shifted", sessions=sessions))
    assert "sessions.csv, line 3: more fields than the header" in str(failure.value)
