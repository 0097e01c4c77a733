"""Pulse operated as cron and people do: a load during a build, loads at once, the BI role.

Every command runs as the operator runs it (`python -m pulse …` in its own process)
against the suite's real PostgreSQL.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from datetime import date, timedelta
from pathlib import Path

import psycopg
import pytest
from conftest import build
from test_shop_marts import KEYS, SHOP_MODELS, compare, late_file, snapshot

from pulse.access import BI_ROLE
from pulse.generate.sales import generate as generate_sales
from pulse.generate.shop import generate as generate_shop
from pulse.locks import LOCK_KEY
from pulse.shop_pandas import compute_marts

START, DAYS = date(2021, 3, 1), 40


def environment(conn, **extra: str) -> dict[str, str]:
    env = {**os.environ, "PULSE_DATABASE_URL": conn.url(hide_password=False), **extra}
    env.pop("DBT_PGHOST", None)
    return env


def pulse(conn, *args: str, **extra: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "pulse", *args],
        capture_output=True, text=True, env=environment(conn, **extra), timeout=900,
    )  # fmt: skip


def start_pulse(conn, log: Path, *args: str, **extra: str) -> subprocess.Popen:
    """`pulse …` in the background, its output in ``log`` (read while it runs)."""
    with log.open("w") as out:
        return subprocess.Popen(
            [sys.executable, "-m", "pulse", *args],
            stdout=out, stderr=subprocess.STDOUT, text=True, env=environment(conn, **extra),
        )  # fmt: skip


def wait_until(predicate, what: str, timeout: float = 300) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}")


def as_bi(conn, dbname: str | None = None, **kwargs) -> psycopg.Connection:
    return psycopg.connect(
        host=conn.host, port=conn.port, user=BI_ROLE, dbname=dbname or conn.dbname, **kwargs
    )


# -- 1. a load that arrives during a build ---------------------------------------------------


@pytest.fixture(scope="module")
def shop_files(tmp_path_factory) -> list[Path]:
    folder = tmp_path_factory.mktemp("ops_shop")
    generate_shop(folder / "base", rows=40_000, seed=9, start=START, days=DAYS)
    late = folder / "late.csv"
    late_file(late, START + timedelta(DAYS - 2), START + timedelta(DAYS + 1), START + timedelta(5))
    return [folder / "base" / "dataset_telemetry.csv", late]


def test_a_load_during_a_build_waits_and_the_next_build_takes_it(
    make_database, shop_files, tmp_path
):
    conn = make_database("ops_interleave")
    target = ("--target-path", str(tmp_path / "target"), "--log-path", str(tmp_path / "target"))
    assert pulse(conn, "load", "shop", str(shop_files[0])).returncode == 0
    first = pulse(conn, "dbt", "build", *SHOP_MODELS, *target)
    assert first.returncode == 0, first.stdout[-3000:]

    # Hold the build in its middle: the event log is rebuilt, the sessions wait for us.
    with conn.connect() as holder:
        holder.execute(
            "lock table intermediate.int_shop_sessions_summarized in access exclusive mode"
        )
        building = start_pulse(
            conn, tmp_path / "build.log", "dbt", "build", *SHOP_MODELS, *target,
            PULSE_DBT_LOCK_TIMEOUT="10min",
        )  # fmt: skip
        with conn.connect(autocommit=True) as watcher:  # a fresh view of the activity each time
            wait_until(
                lambda: watcher.execute(
                    "select count(*) from pg_stat_activity where application_name = 'dbt' "
                    "and wait_event_type = 'Lock'"
                ).fetchone()[0],
                "the build to reach the held table",
            )
        loading = start_pulse(conn, tmp_path / "load.log", "load", "shop", str(shop_files[1]))
        wait_until(lambda: "waiting for" in (tmp_path / "load.log").read_text(), "the load")
        assert loading.poll() is None  # the load waits for the build ...
        ledger = holder.execute("select count(*) from raw_shop._loads").fetchone()[0]
        assert ledger == 1  # ... and has added nothing yet
    assert building.wait(timeout=900) == 0, (tmp_path / "build.log").read_text()[-3000:]
    assert loading.wait(timeout=300) == 0, (tmp_path / "load.log").read_text()
    assert "pulse dbt build" in (tmp_path / "load.log").read_text()  # it named whom it awaited

    nxt = pulse(conn, "dbt", "build", *SHOP_MODELS, *target)
    assert nxt.returncode == 0, nxt.stdout[-3000:]
    incremental = snapshot(conn)
    build(conn, tmp_path / "full", *SHOP_MODELS, "--full-refresh")
    full_refresh = snapshot(conn)
    expected = compute_marts(shop_files)
    for mart in KEYS:
        compare(incremental[mart], full_refresh[mart], mart)
        compare(incremental[mart], expected[mart], mart)


@pytest.mark.parametrize(
    ("held", "command"),
    [("pg_advisory_lock", ("load", "shop")), ("pg_advisory_lock_shared", ("dbt", "build"))],
    ids=["a load waits for a build", "a build waits for a load"],
)
def test_the_second_waits_with_a_message_then_gives_up(make_database, shop_files, held, command):
    conn = make_database("ops_turns")
    args = (*command, str(shop_files[1])) if command[0] == "load" else command
    with conn.connect(autocommit=True, application_name="the other side") as other:
        other.execute(f"select {held}(0, %s)", (LOCK_KEY,))
        other_pid = other.info.backend_pid
        result = pulse(conn, *args, PULSE_LOCK_WAIT="1")
    assert result.returncode == 1
    assert f"waiting for the other side (session {other_pid}" in result.stderr
    assert "gave up after 1 s (PULSE_LOCK_WAIT)" in result.stderr
    with conn.connect() as db:
        assert db.execute("select count(*) from raw_shop.telemetry").fetchone()[0] == 0


# -- 3. the BI role: made by setup only, hashed on the client, closed elsewhere --------------

BI_PASSWORD = "bi-Secret-7f3a!"


def rolpassword(conn) -> str | None:
    with conn.connect() as db:
        return db.execute(
            "select rolpassword from pg_authid where rolname = %s", (BI_ROLE,)
        ).fetchone()[0]


def server_log(conn) -> Path | None:
    with conn.connect() as db:
        data = db.execute("show data_directory").fetchone()[0]
    log = Path(data) / "log"  # the embedded server's log (pg_ctl -l)
    return log if log.is_file() else None


def test_setup_sends_the_bi_password_hashed_and_a_load_leaves_the_role_alone(
    make_database, generated_dir
):
    conn = make_database("ops_role")
    log = server_log(conn)
    if log is None:
        pytest.skip("the server's log is not on this machine (external server)")
    with conn.connect(autocommit=True) as db:
        db.execute(f"alter database \"{conn.dbname}\" set log_statement = 'all'")
    before = log.stat().st_size
    result = pulse(conn, "setup", PULSE_BI_PASSWORD=BI_PASSWORD)
    assert result.returncode == 0, result.stderr
    stored = rolpassword(conn)
    assert stored.startswith("SCRAM-SHA-256$4096:")
    with log.open(encoding="utf-8", errors="replace") as handle:
        handle.seek(before)
        logged = handle.read()
    assert "alter role" in logged.lower() and "SCRAM-SHA-256$4096:" in logged  # it was logged
    assert BI_PASSWORD not in logged and BI_PASSWORD not in result.stdout + result.stderr

    loaded = pulse(conn, "load", "mentorhub", str(generated_dir), PULSE_BI_PASSWORD="other")
    assert loaded.returncode == 0, loaded.stderr
    assert rolpassword(conn) == stored  # a load never sets the password


def test_bi_role_cannot_create_temporary_tables_nor_reach_other_databases(make_database):
    conn = make_database("ops_bi_closed")
    with as_bi(conn, autocommit=True) as bi:
        bi.execute("select 1")
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            bi.execute("create temporary table bi_scratch (a int)")
    for other in ("postgres", "template1"):
        with pytest.raises(psycopg.OperationalError, match="permission denied for database"):
            as_bi(conn, other).close()


def test_two_loads_at_once_both_succeed(make_database, tmp_path):
    conn = make_database("ops_concurrent")
    one, two = tmp_path / "one", tmp_path / "two"
    generate_shop(one, rows=30_000, seed=1, start=START, days=20)
    generate_shop(two, rows=30_000, seed=2, start=START + timedelta(20), days=20)
    generate_sales(tmp_path / "sales", seed=5, days=30, scale=0.1)
    loads = [
        start_pulse(conn, tmp_path / "a.log", "load", "shop", str(one / "dataset_telemetry.csv")),
        start_pulse(conn, tmp_path / "b.log", "load", "shop", str(two / "dataset_telemetry.csv")),
        start_pulse(conn, tmp_path / "c.log", "load", "sales", str(tmp_path / "sales")),
    ]
    for index, process in enumerate(loads):
        assert process.wait(timeout=600) == 0, (tmp_path / f"{'abc'[index]}.log").read_text()
    lines = sum(
        sum(1 for _ in (folder / "dataset_telemetry.csv").open()) - 1 for folder in (one, two)
    )
    with conn.connect() as db:
        assert db.execute("select count(*) from raw_shop.telemetry").fetchone()[0] == lines
        assert db.execute("select count(*) from raw_shop._loads").fetchone()[0] == 2


# -- 4. BI sessions cannot block builds for long ---------------------------------------------


def test_bi_timeouts_are_set_per_database_and_end_idle_transactions(make_database, monkeypatch):
    monkeypatch.setenv("PULSE_BI_IDLE_TIMEOUT", "1s")
    monkeypatch.setenv("PULSE_BI_STATEMENT_TIMEOUT", "1500ms")
    conn = make_database("ops_bi_timeouts")  # runs the full setup with these settings
    with conn.connect() as db:
        settings = db.execute(
            "select s.setconfig from pg_db_role_setting as s "
            "join pg_database as d on d.oid = s.setdatabase "
            "join pg_roles as r on r.oid = s.setrole where d.datname = %s and r.rolname = %s",
            (conn.dbname, BI_ROLE),
        ).fetchone()[0]
    assert sorted(settings) == [
        "idle_in_transaction_session_timeout=1s",
        "statement_timeout=1500ms",
    ]
    with as_bi(conn, autocommit=True) as bi, pytest.raises(psycopg.errors.QueryCanceled):
        bi.execute("select pg_sleep(5)")
    bi = as_bi(conn)
    bi.execute("select 1")  # a transaction is now open, and left idle
    time.sleep(3)
    with pytest.raises(psycopg.errors.IdleInTransactionSessionTimeout):
        bi.execute("select 1")
    bi.close()


def test_a_build_blocked_by_an_idle_bi_transaction_fails_naming_it(built, tmp_path):
    conn = built("generated")
    with as_bi(conn) as bi:
        bi.execute("set idle_in_transaction_session_timeout = 0")  # outlast the build's wait
        bi.execute("select count(*) from mentorhub.mentorhub_monthly_active_users")
        bi_pid = bi.info.backend_pid
        result = pulse(
            conn, "dbt", "run", "--select", "mentorhub_monthly_active_users",
            "--target-path", str(tmp_path), "--log-path", str(tmp_path),
            PULSE_DBT_LOCK_TIMEOUT="3s",
        )  # fmt: skip
        bi.rollback()
    assert result.returncode != 0
    assert "lock timeout" in result.stdout
    assert f"session {bi_pid} (user {BI_ROLE}" in result.stderr
    assert "idle in transaction" in result.stderr
    assert "pg_terminate_backend" in result.stderr


# -- 5. a cumulative export: the same growing file, re-sent with one more day --------------


def test_a_cumulative_export_appends_only_its_new_day(make_database, tmp_path):
    conn = make_database("ops_cumulative")
    generate_shop(tmp_path / "days", rows=30_000, seed=3, start=START, days=20)
    generate_shop(tmp_path / "next", rows=1_500, seed=3, start=START + timedelta(20), days=1)
    first = tmp_path / "days" / "dataset_telemetry.csv"
    extra = (tmp_path / "next" / "dataset_telemetry.csv").read_text().splitlines()[1:]
    cumulative = tmp_path / "export" / "dataset_telemetry.csv"  # same name, one day more
    cumulative.parent.mkdir()
    cumulative.write_text(first.read_text() + "\n".join(extra) + "\n")
    base_rows = sum(1 for _ in first.open()) - 1

    assert pulse(conn, "load", "shop", str(first)).returncode == 0
    build(conn, tmp_path / "t1", *SHOP_MODELS)
    again = pulse(conn, "load", "shop", str(cumulative))
    assert again.returncode == 0, again.stderr
    assert f"{len(extra):>10,} rows" in again.stdout and "its start is" in again.stdout
    with conn.connect() as db:
        rows = db.execute("select count(*) from raw_shop.telemetry").fetchone()[0]
        added = db.execute(
            "select rows from raw_shop._loads order by loaded_at desc limit 1"
        ).fetchone()[0]
    assert rows == base_rows + len(extra) and added == len(extra)
    assert pulse(conn, "load", "shop", str(cumulative)).stdout.startswith("skipped")

    build(conn, tmp_path / "t1", *SHOP_MODELS)
    incremental = snapshot(conn)
    expected = compute_marts([first, tmp_path / "next" / "dataset_telemetry.csv"])
    for mart in KEYS:
        compare(incremental[mart], expected[mart], mart)


def test_a_bad_line_in_the_new_part_of_a_cumulative_export_names_its_physical_line(
    make_database, tmp_path
):
    conn = make_database("ops_cumulative_bad")
    generate_shop(tmp_path / "days", rows=2_000, seed=3, start=START, days=5)
    first = tmp_path / "days" / "dataset_telemetry.csv"
    lines = first.read_text().splitlines()
    bad = lines[1].split(",")
    bad[3] = "04.01.2022 10:00:00"  # the timestamp column, not ISO
    cumulative = tmp_path / "cumulative.csv"
    cumulative.write_text("\n".join([*lines, lines[2], ",".join(bad)]) + "\n")
    assert pulse(conn, "load", "shop", str(first)).returncode == 0
    result = pulse(conn, "load", "shop", str(cumulative))
    assert result.returncode == 2
    assert f"line {len(lines) + 2}" in result.stderr  # the file's own numbering
    with conn.connect() as db:
        assert db.execute("select count(*) from raw_shop._loads").fetchone()[0] == 1
