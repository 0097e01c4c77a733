"""Style is part of the suite: ruff on the Python, sqlfluff (dbt templater) on the SQL, its
incremental branches included."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from pulse.db import PROJECT_DIR, ensure_profiles

BIN = Path(sys.executable).parent


def run(*command: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(command, cwd=PROJECT_DIR, capture_output=True, text=True, env=env)


def test_ruff_is_clean():
    for args in (("check",), ("format", "--check")):
        result = run(str(BIN / "ruff"), *args, "pulse", "pytests")
        assert result.returncode == 0, result.stdout + result.stderr


@pytest.fixture(scope="module")
def lint_env(make_database) -> dict[str, str]:
    """The dbt templater compiles the project, which needs a database to connect to: an
    empty one, as in CI."""
    conn = make_database("lint")
    ensure_profiles()
    return {**os.environ, **conn.dbt_env(), "DBT_PROFILES_DIR": str(PROJECT_DIR)}


def test_sqlfluff_is_clean(lint_env):
    result = run(str(BIN / "sqlfluff"), "lint", "models", "analyses", "tests", env=lint_env)
    assert result.returncode == 0, result.stdout[-8000:] + result.stderr[-2000:]


def test_sqlfluff_is_clean_on_the_incremental_branches(lint_env):
    # An empty database renders every model from scratch; .sqlfluff-incremental sets the
    # var that renders the shop models' incremental branches instead (macros/shop.sql).
    result = run(
        str(BIN / "sqlfluff"), "lint", "--config", ".sqlfluff-incremental",
        "models/intermediate/shop", env=lint_env,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout[-8000:] + result.stderr[-2000:]
