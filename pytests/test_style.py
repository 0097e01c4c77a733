"""Style is part of the suite: ruff on the Python, sqlfluff (dbt templater) on the SQL."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from pulse.db import PROJECT_DIR, ensure_profiles

BIN = Path(sys.executable).parent


def run(*command: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(command, cwd=PROJECT_DIR, capture_output=True, text=True, env=env)


def test_ruff_is_clean():
    for args in (("check",), ("format", "--check")):
        result = run(str(BIN / "ruff"), *args, "pulse", "pytests")
        assert result.returncode == 0, result.stdout + result.stderr


def test_sqlfluff_is_clean(make_database):
    # The dbt templater compiles the project, which needs a database to connect to.
    conn = make_database("lint")
    ensure_profiles()
    env = {**os.environ, **conn.dbt_env(), "DBT_PROFILES_DIR": str(PROJECT_DIR)}
    result = run(str(BIN / "sqlfluff"), "lint", "models", "analyses", "tests", env=env)
    assert result.returncode == 0, result.stdout[-8000:] + result.stderr[-2000:]
