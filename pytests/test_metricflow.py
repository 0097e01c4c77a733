"""The semantic layer: MetricFlow validates the configs against the test database and
answers a metric query with the numbers of the independent computation."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from sales_reference import compute_marts

from pulse.db import PROJECT_DIR

MF = Path(sys.executable).with_name("mf")


def _env(conn) -> dict[str, str]:
    """dbt's and MetricFlow's environment for the test's own project folder: its manifest is
    `<project>/target`, not the DBT_TARGET_PATH the fixtures set for the consumers."""
    env = {**os.environ, **conn.dbt_env(), "DBT_PROFILES_DIR": str(PROJECT_DIR)}
    env.pop("DBT_TARGET_PATH", None)
    return env


def mf(conn, project: Path, *args: str) -> subprocess.CompletedProcess:
    env = _env(conn)
    return subprocess.run(
        [str(MF), *args], cwd=project, env=env, capture_output=True, text=True, timeout=600
    )


@pytest.fixture(scope="module")
def semantic(built, tmp_path_factory):
    """A project folder of our own: MetricFlow reads the manifest from `<project>/target`,
    so the test links the sources into a temporary folder instead of touching ours."""
    conn = built("sales")
    project = tmp_path_factory.mktemp("mf_project")
    for name in ("dbt_project.yml", "models", "macros", "seeds", "tests", "docs", "analyses"):
        (project / name).symlink_to(PROJECT_DIR / name)
    env = _env(conn)
    parsed = subprocess.run(
        [str(Path(sys.executable).with_name("dbt")), "parse"],
        cwd=project, env=env, capture_output=True, text=True,
    )  # fmt: skip
    assert parsed.returncode == 0, parsed.stdout[-3000:]
    return conn, project


def test_mf_validate_configs_passes_against_the_database(semantic):
    conn, target = semantic
    result = mf(conn, target, "validate-configs")
    output = result.stdout + result.stderr
    assert result.returncode == 0, output[-4000:]
    assert "Successfully validated metrics against data warehouse" in output


def test_mf_query_gives_the_independent_monthly_revenue(semantic, sales_dir, tmp_path):
    conn, target = semantic
    out = tmp_path / "revenue.csv"
    result = mf(conn, target, "query", "--metrics", "revenue,purchases",
                "--group-by", "metric_time__month", "--csv", str(out))  # fmt: skip
    assert result.returncode == 0, (result.stdout + result.stderr)[-4000:]
    import pandas as pd

    got = pd.read_csv(out)
    got["month"] = pd.to_datetime(got["metric_time__month"]).dt.date
    kpis = compute_marts(sales_dir, PROJECT_DIR / "seeds" / "sales")["sales_daily_kpis"]
    kpis["month"] = pd.to_datetime(kpis["day"]).dt.to_period("M").dt.start_time.dt.date
    expected = kpis.groupby("month")[["revenue_rub", "purchases"]].sum()
    got = got.set_index("month").sort_index()
    assert list(got.index) == list(expected.index)
    assert got["revenue"].to_numpy() == pytest.approx(expected["revenue_rub"].to_numpy())
    assert (got["purchases"].to_numpy() == expected["purchases"].to_numpy()).all()
