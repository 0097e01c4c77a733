"""pulse.dbt_runner: a building command parses with its own parse options and writes dbt's
manifest once; the expected argument lists are written out by hand."""

from __future__ import annotations

import json

import pytest

from pulse import dbt
from pulse.dbt_runner import parse_arguments
from pulse.load.raw_tables import setup


@pytest.mark.parametrize(
    ("command", "expected"),
    [
        (
            ["build", "--select", "staging.shop+", "marts.shop", "--exclude-resource-type",
             "unit_test", "--quiet", "--target-path", "/t", "--log-path", "/l"],
            ["parse", "--quiet", "--target-path", "/t", "--log-path", "/l", "--no-write-json"],
        ),
        (
            ["build", "-s", "a", "--vars", '{"as_of_date": "2021-01-01"}', "--full-refresh",
             "-t", "dev", "--threads=2", "--write-json"],
            ["parse", "--vars", '{"as_of_date": "2021-01-01"}', "-t", "dev", "--threads=2",
             "--no-write-json"],
        ),
        (
            ["run", "--select", "a", "b", "--exclude", "c", "--no-partial-parse"],
            ["parse", "--no-partial-parse", "--no-write-json"],
        ),
    ],
)  # fmt: skip
def test_the_parse_takes_the_commands_parse_options_only(command, expected):
    assert parse_arguments(command) == expected


def test_a_build_writes_the_manifest_once_and_compiles_with_its_vars(make_database, tmp_path):
    conn = make_database("dbt_runner")
    setup(conn)  # every raw table, empty
    target = tmp_path / "target"
    result = dbt.run(
        ["build", "--select", "+int_sessions_validated", "--exclude-resource-type", "test",
         "unit_test", "--vars", '{"as_of_date": "2021-03-04"}', "--quiet"],
        conn, target_path=target, capture=True,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout[-3000:]
    assert (target / "dbt.log").read_text().count("Wrote artifact WritableManifest") == 1
    manifest = json.loads((target / "manifest.json").read_text())
    node = manifest["nodes"]["model.pulse.int_sessions_validated"]
    assert "'2021-03-04'" in node["compiled_code"]  # the command's vars reached the model
    results = json.loads((target / "run_results.json").read_text())["results"]
    assert "model.pulse.int_sessions_validated" in {r["unique_id"] for r in results}


def test_a_failing_build_exits_1_and_a_bad_option_2(make_database, tmp_path):
    conn = make_database("dbt_runner_fail")
    failed = dbt.run(  # the ledger's view over a schema that does not exist
        ["build", "--select", "stg_shop__loads", "--vars", '{"raw_shop_schema": "nowhere"}',
         "--quiet"],
        conn, target_path=tmp_path / "t1", capture=True,
    )  # fmt: skip
    assert "nowhere" in failed.stdout
    assert failed.returncode == 1, failed.stdout[-3000:]
    refused = dbt.run(
        ["build", "--no-such-option"], conn, target_path=tmp_path / "t2", capture=True
    )
    assert refused.returncode == 2
