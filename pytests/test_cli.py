"""The `pulse` CLI: a bad argument or setting is one line on stderr and exit 2, never a
traceback; `pulse dbt ARGS…` hands every argument to dbt."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from pulse.db import PROJECT_DIR

# a made-up password inside a malformed URL: the error must not echo it
FAKE_PASSWORD = "not-a-real-password"


def pulse(*args: str, **env: str) -> subprocess.CompletedProcess:
    environment = {**os.environ, **env}
    for name in ("DBT_PGHOST", "DBT_PGPORT"):
        if name not in env:
            environment.pop(name, None)
    return subprocess.run(
        [sys.executable, "-m", "pulse", *args],
        capture_output=True,
        text=True,
        env=environment,
        cwd=PROJECT_DIR,
        timeout=120,
    )


def assert_usage_error(result: subprocess.CompletedProcess, *words: str) -> None:
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    for word in words:
        assert word in lines[0]


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["generate", "shop", "--out", "x", "--rows", "-5"], ["--rows", "at least 1, got -5"]),
        (["generate", "shop", "--out", "x", "--rows", "0"], ["--rows", "at least 1, got 0"]),
        (["generate", "shop", "--out", "x", "--rows", "many"], ["--rows", "'many'"]),
        (["generate", "shop", "--out", "x", "--days", "0"], ["--days"]),
        (["generate", "sales", "--out", "x", "--scale", "-1"], ["--scale"]),
        (["generate", "sales", "--out", "x", "--scale", "nan"], ["--scale"]),
        (["generate", "sales", "--out", "x", "--seed", "-3"], ["--seed"]),
        (["generate", "sales", "--out", "x", "--rows", "10"], ["--rows", "shop generator"]),
        (["generate", "shop", "--out", "x", "--start", "2021-02-30"], ["--start", "YYYY-MM-DD"]),
        (["report", "--date", "2021-13-01", "--dry-run", "x"], ["--date", "2021-13-01"]),
        (["load", "nowhere", "x.csv"], ["nowhere"]),
        (["bench", "--rows", "0"], ["--rows"]),
        (["charts", "sales"], ["sales"]),
        (["generate", "sales", "--out", "README.md"], ["--out", "not a folder"]),
        (["report", "--dry-run", "README.md"], ["--dry-run", "not a folder"]),
        ([], ["command"]),
    ],
    ids=lambda value: "-".join(value) if isinstance(value, list) else None,
)
def test_a_bad_argument_is_one_line_and_exit_2(args, words):
    assert_usage_error(pulse(*args), *words)


@pytest.mark.parametrize(
    ("command", "env", "words"),
    [
        (["report"], {"PULSE_TELEGRAM_RETRIES": "abc"}, ["PULSE_TELEGRAM_RETRIES", "'abc'"]),
        (["report"], {"PULSE_TELEGRAM_RETRIES": "0"}, ["PULSE_TELEGRAM_RETRIES"]),
        (["bot"], {"PULSE_TELEGRAM_RETRY_DELAY": "soon"}, ["PULSE_TELEGRAM_RETRY_DELAY"]),
        (["bot"], {"PULSE_TELEGRAM_BASE_URL": "localhost:8081"}, ["PULSE_TELEGRAM_BASE_URL"]),
        (["report"], {"PULSE_TELEGRAM_CHAT_IDS": "me"}, ["PULSE_TELEGRAM_CHAT_IDS"]),
        (["setup"], {"DBT_PGHOST": "localhost", "DBT_PGPORT": "five"}, ["DBT_PGPORT", "five"]),
        (
            ["setup"],
            {"PULSE_DATABASE_URL": "postgresql://u:" + FAKE_PASSWORD + "@localhost:port/db"},
            ["PULSE_DATABASE_URL"],
        ),
        (["setup"], {"PULSE_DATABASE_URL": "mysql://u@localhost/db"}, ["PULSE_DATABASE_URL"]),
        (["dbt", "debug"], {"DBT_PGHOST": "localhost", "DBT_PGPORT": "0"}, ["DBT_PGPORT"]),
    ],
    ids=lambda value: "-".join(value) if isinstance(value, list) else None,
)
def test_a_bad_environment_setting_is_one_line_and_exit_2(command, env, words):
    settings = {
        "PULSE_TELEGRAM_TOKEN": "123:abc",
        "PULSE_TELEGRAM_CHAT_IDS": "1",
        "PULSE_DATABASE_URL": "",
        **env,
    }
    result = pulse(*command, **settings)
    assert_usage_error(result, *words)
    assert FAKE_PASSWORD not in result.stderr


def test_pulse_dbt_passes_every_argument_to_dbt(admin):
    url = admin.url(hide_password=False)
    result = pulse("dbt", "--version", PULSE_DATABASE_URL=url)
    assert result.returncode == 0, result.stderr
    assert "Core:" in result.stdout and "postgres" in result.stdout
    result = pulse("dbt", "--help", PULSE_DATABASE_URL=url)
    assert result.returncode == 0, result.stderr
    assert "Usage: dbt" in result.stdout
