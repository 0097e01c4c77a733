"""Project conventions (naming per layer, descriptions, tested keys, access, contracts,
unit tests on marts) checked by dbt-bouncer against a freshly parsed manifest."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import yaml
from conftest import dbt

from pulse.db import PROJECT_DIR


def test_dbt_bouncer_finds_no_violations(make_database, tmp_path):
    conn = make_database("conventions")
    target = tmp_path / "target"
    parsed = dbt(conn, "parse", target_path=target)
    assert parsed.returncode == 0, parsed.stdout[-3000:]
    config = yaml.safe_load((PROJECT_DIR / "dbt-bouncer.yml").read_text())
    config["dbt_artifacts_dir"] = str(target)
    (tmp_path / "dbt-bouncer.yml").write_text(yaml.safe_dump(config))
    result = subprocess.run(
        [str(Path(sys.executable).with_name("dbt-bouncer")), "--config-file",
         str(tmp_path / "dbt-bouncer.yml")],
        cwd=PROJECT_DIR, capture_output=True, text=True,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout[-6000:] + result.stderr[-2000:]
    assert "ERROR=0" in result.stdout
