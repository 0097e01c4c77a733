"""The shop domain on Apache Spark: a real local cluster (master, two workers, Thrift
server) started by `pulse spark start`, dbt over `method: thrift`, the loader through Spark.

The same generated shop data is built on PostgreSQL and on Spark; every shop mart must be
equal on both (money and rates to 1e-9 relative) and equal to the independent pandas
computation (pulse/shop_pandas.py) after a first load, after a next-day file and a
late file, and after --full-refresh. The data is small (a few tens of thousands of rows)
and one cluster serves the whole module: Spark is slow to start, not to compute.
"""

from __future__ import annotations

import json
import os
import re
from datetime import date, timedelta

import pandas as pd
import pytest
from conftest import build
from test_shop_marts import KEYS, SHOP_MODELS, compare, late_file, snapshot

from pulse import spark
from pulse.dbt import run as run_dbt
from pulse.generate.shop import generate
from pulse.load import LoadError, load
from pulse.shop_pandas import compute_marts
from pulse.spark_load import load as load_on_spark
from pulse.sql import QueryError, run_query

START, DAYS, ROWS = date(2021, 3, 1), 45, 24_000
OLD_DAY = START + timedelta(8)  # far behind the lookback when the late file comes
ISO_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")


@pytest.fixture(scope="session")
def cluster(tmp_path_factory):
    """One local Spark cluster for the session, in its own folder; stopped at the end."""
    saved = {name: os.environ.get(name) for name in ("PULSE_SPARK_DIR", "PULSE_ENGINE")}
    for name in ("PULSE_SPARK_HOST", "PULSE_SPARK_PORT"):
        if os.environ.get(name):
            pytest.fail(f"unset {name}: the tests start their own cluster")
    os.environ["PULSE_SPARK_DIR"] = str(tmp_path_factory.mktemp("spark"))
    try:
        yield spark.start_cluster()
    finally:
        spark.stop_cluster()
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def on_spark(function, *args, **kwargs):
    """Call a `pulse` function with PULSE_ENGINE=spark (the process's engine otherwise)."""
    before = os.environ.get("PULSE_ENGINE")
    os.environ["PULSE_ENGINE"] = "spark"
    try:
        return function(*args, **kwargs)
    finally:
        if before is None:
            os.environ.pop("PULSE_ENGINE")
        else:
            os.environ["PULSE_ENGINE"] = before


def dbt_on_spark(cluster, target_path, *args: str) -> None:
    result = run_dbt(args, cluster, target_path=target_path, capture=True)
    assert result.returncode == 0, f"dbt {args[0]} on Spark failed:\n{result.stdout[-6000:]}"


def as_python(value):
    """PyHive gives dates as text: back to dates, like psycopg gives them."""
    if isinstance(value, str) and ISO_DAY.match(value):
        return date.fromisoformat(value)
    return value


def read_spark_mart(mart: str) -> pd.DataFrame:
    names, rows = on_spark(run_query, f"select * from shop.{mart}")
    return pd.DataFrame([[as_python(value) for value in row] for row in rows], columns=names)


@pytest.fixture(scope="module")
def shop_files(tmp_path_factory):
    folder = tmp_path_factory.mktemp("shop_spark")
    generate(folder / "base", rows=ROWS, seed=7, start=START, days=DAYS)
    generate(folder / "next", rows=ROWS // DAYS, seed=7, start=START + timedelta(DAYS), days=1)
    # a row without a timestamp: rejected, and on Spark kept in the null partition of the
    # rejected rows' day, which every later incremental run must read past
    with (folder / "base" / "dataset_telemetry.csv").open("a", encoding="utf-8") as base:
        base.write(f"{ROWS * 2},user_99996,4,,mainpage,0.0,,40,М,Москва\n")
    late = folder / "late.csv"
    late_file(late, START + timedelta(DAYS - 2), START + timedelta(DAYS + 1), OLD_DAY)
    return [folder / "base" / "dataset_telemetry.csv",
            folder / "next" / "dataset_telemetry.csv", late]  # fmt: skip


@pytest.fixture(scope="module")
def runs(cluster, make_database, shop_files, tmp_path_factory):
    """The marts on both engines after each step: first, incremental, full_refresh."""
    conn = make_database("shop_engines")
    pg_target = tmp_path_factory.mktemp("dbt_shop_pg")
    spark_target = tmp_path_factory.mktemp("dbt_shop_spark")
    states: dict[str, dict] = {}

    def step(name: str, *extra: str) -> None:
        build(conn, pg_target, *SHOP_MODELS, *extra)
        # the unit tests run once, in their own test below
        dbt_on_spark(
            cluster, spark_target, "build", *SHOP_MODELS, "--exclude", "test_type:unit", *extra
        )
        states[name] = {
            "postgres": snapshot(conn),
            "spark": {mart: read_spark_mart(mart) for mart in KEYS},
        }

    load(conn, "shop", shop_files[0])
    states["first_load"] = on_spark(load_on_spark, [shop_files[0]])
    step("first")
    states["reload"] = on_spark(load_on_spark, [shop_files[0]])
    for file in shop_files[1:]:
        load(conn, "shop", file)
        on_spark(load_on_spark, [file])
    step("incremental")
    step("full_refresh", "--full-refresh")
    return states


@pytest.mark.parametrize("mart", list(KEYS))
@pytest.mark.parametrize("state", ["first", "incremental", "full_refresh"])
def test_spark_marts_equal_postgres(runs, state, mart):
    compare(runs[state]["spark"][mart], runs[state]["postgres"][mart], mart)


@pytest.mark.parametrize("mart", list(KEYS))
def test_spark_marts_equal_the_independent_computation(runs, shop_files, mart):
    compare(runs["first"]["spark"][mart], compute_marts(shop_files[:1])[mart], mart)
    compare(runs["incremental"]["spark"][mart], compute_marts(shop_files)[mart], mart)


def test_shop_dbt_unit_tests_pass_on_spark(cluster, runs, tmp_path):
    """The shop's dbt unit tests (expected rows written by hand) on the cluster: dbt's own
    unit-test materialization fails over thrift, macros/spark_unit.sql replaces it."""
    selection = [f"test_type:unit,{models}" for models in SHOP_MODELS[1].split()]
    dbt_on_spark(cluster, tmp_path, "test", "--select", *selection)
    results = json.loads((tmp_path / "run_results.json").read_text(encoding="utf-8"))["results"]
    statuses = {
        result["unique_id"]: result["status"]
        for result in results
        if result["unique_id"].startswith("unit_test.")
    }
    assert len(statuses) >= 12 and set(statuses.values()) == {"pass"}, statuses


def test_spark_load_counts_rows_and_skips_a_file_loaded_before(runs, shop_files):
    with shop_files[0].open(encoding="utf-8") as handle:
        data_lines = sum(1 for _ in handle) - 1  # the generator quotes no line breaks
    assert [item.rows for item in runs["first_load"]] == [data_lines]
    assert runs["reload"][0].skipped_as == shop_files[0].name and runs["reload"][0].rows == 0


def test_spark_late_order_far_behind_the_lookback_is_counted(runs):
    def day(state):
        kpis = runs[state]["spark"]["shop_kpis"]
        return kpis[kpis["period_grain"] == "day"].set_index("period_start").loc[OLD_DAY]

    before, after = day("first"), day("incremental")
    assert after["orders"] == before["orders"] + 1
    assert float(after["revenue"]) == pytest.approx(float(before["revenue"]) + 700.0)


@pytest.mark.parametrize(
    ("line", "edit", "column", "rule"),
    [
        (5, ("T", " "), "timestamp", "not a time YYYY-MM-DDTHH:MM:SS"),
        (7, (",0.0,", ",NaN,"), "value", "not a numeric"),
        (9, ("\n", ",extra\n"), None, "wrong shape"),
    ],
)
def test_spark_load_refuses_a_bad_file_naming_line_and_column(
    cluster, runs, shop_files, tmp_path, line, edit, column, rule
):
    lines = shop_files[0].read_text(encoding="utf-8").splitlines(keepends=True)[:20]
    old, new = edit
    assert old in lines[line - 1], "the test's edit must change the line"
    lines[line - 1] = lines[line - 1].replace(old, new, 1)
    bad = tmp_path / "bad.csv"
    bad.write_text("".join(lines), encoding="utf-8")
    before = on_spark(run_query, "select count(*) from raw_shop.telemetry")[1][0][0]
    with pytest.raises(LoadError) as refused:
        on_spark(load_on_spark, [bad])
    message = str(refused.value)
    assert f"{bad}, line {line}" in message and rule in message
    if column:
        assert f"column {column}" in message
    assert on_spark(run_query, "select count(*) from raw_shop.telemetry")[1][0][0] == before


def test_pulse_sql_on_spark_reads_and_refuses_writes(cluster, runs):
    names, rows = on_spark(run_query, "select count(*) as n from raw_shop._loads")
    assert names == ["n"] and rows[0][0] == 3  # base, next day, late file
    with pytest.raises(QueryError):
        on_spark(run_query, "drop table raw_shop._loads")
    with pytest.raises(QueryError):
        on_spark(run_query, "select 1; drop table raw_shop._loads")


def test_spark_status_names_every_process(cluster):
    processes = spark.status()
    assert processes == {
        "master": True, "worker-1": True, "worker-2": True, "thriftserver": True,
    }  # fmt: skip


class _CrashBeforeLedger:
    """A PyHive connection whose cursor dies on the ledger's insert, as a killed load would."""

    def __init__(self, connection):
        self._connection = connection

    def cursor(self):
        cursor = self._connection.cursor()
        execute = cursor.execute

        def dying(statement, *args, **kwargs):
            if statement.startswith("insert into raw_shop._loads"):
                raise KeyboardInterrupt("killed between the rows and the ledger row")
            return execute(statement, *args, **kwargs)

        cursor.execute = dying
        return cursor

    def close(self):
        self._connection.close()


def test_spark_reload_after_a_crash_before_the_ledger_adds_no_copy(
    cluster, runs, shop_files, tmp_path, monkeypatch
):
    lines = shop_files[0].read_text(encoding="utf-8").splitlines(keepends=True)[:31]
    crashed = tmp_path / "crashed_day.csv"
    crashed.write_text("".join(lines), encoding="utf-8")
    count = "select count(*) from raw_shop.telemetry where _source_file = 'crashed_day.csv'"
    ledger = "select count(*) from raw_shop._loads where file_name = 'crashed_day.csv'"
    connect = spark.connect
    monkeypatch.setattr(spark, "connect", lambda **kw: _CrashBeforeLedger(connect(**kw)))
    with pytest.raises(KeyboardInterrupt):
        on_spark(load_on_spark, [crashed])
    monkeypatch.setattr(spark, "connect", connect)
    assert on_spark(run_query, count)[1][0][0] == 30  # the rows landed, the ledger row not
    assert on_spark(run_query, ledger)[1][0][0] == 0
    [loaded] = on_spark(load_on_spark, [crashed])
    assert loaded.rows == 30 and loaded.skipped_as is None
    assert on_spark(run_query, count)[1][0][0] == 30  # replaced, not appended again
    assert on_spark(run_query, ledger)[1][0][0] == 1
