"""`pulse.relations`: the consumers take the marts' names from dbt's manifest, and say so
clearly when the manifest is missing or older than the model they ask for."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from pulse.db import PROJECT_DIR
from pulse.relations import ManifestError, manifest_path, relation, schemas


@pytest.fixture
def manifest(built) -> dict:
    """The manifest of the sales build (the fixtures point DBT_TARGET_PATH at it)."""
    built("sales")
    return json.loads(manifest_path().read_text(encoding="utf-8"))


def test_a_model_resolves_to_the_schema_and_table_dbt_built(manifest):
    assert relation("sales_daily_report") == '"sales"."sales_daily_report"'
    assert relation("shop_daily_anomalies") == '"shop"."shop_daily_anomalies"'
    assert schemas("marts") == ["elearning", "mentorhub", "sales", "shop"]


def test_a_missing_manifest_is_a_clear_error(manifest, tmp_path, monkeypatch):
    monkeypatch.setenv("DBT_TARGET_PATH", str(tmp_path))
    with pytest.raises(ManifestError, match=r"manifest is missing .*pulse dbt parse"):
        relation("sales_daily_report")


def test_a_stale_manifest_is_a_clear_error(manifest, tmp_path, monkeypatch):
    """A manifest written before the model existed does not know it."""
    stale = {
        **manifest,
        "nodes": {
            key: node
            for key, node in manifest["nodes"].items()
            if node["name"] != "sales_daily_report"
        },
    }
    (tmp_path / "manifest.json").write_text(json.dumps(stale), encoding="utf-8")
    monkeypatch.setenv("DBT_TARGET_PATH", str(tmp_path))
    with pytest.raises(ManifestError, match=r"'sales_daily_report' is not in .* stale"):
        relation("sales_daily_report")
    assert relation("sales_daily_kpis") == '"sales"."sales_daily_kpis"'


def test_pulse_report_without_a_manifest_names_the_fix(built, tmp_path):
    conn = built("sales")
    environment = {
        **os.environ,
        "PULSE_DATABASE_URL": conn.url(hide_password=False),
        "DBT_TARGET_PATH": str(tmp_path / "nowhere"),
    }
    environment.pop("DBT_PGHOST", None)
    result = subprocess.run(
        [sys.executable, "-m", "pulse", "report", "--dry-run", str(tmp_path)],
        capture_output=True,
        text=True,
        env=environment,
        cwd=PROJECT_DIR,
        timeout=120,
    )
    assert result.returncode == 2
    assert "manifest is missing" in result.stderr and "pulse dbt parse" in result.stderr
    assert "Traceback" not in result.stderr
