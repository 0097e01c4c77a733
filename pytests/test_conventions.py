"""Project conventions (naming per layer, descriptions, tested keys, access, contracts,
unit tests on marts) checked by dbt-bouncer against a freshly parsed manifest, and the
places outside Python that must agree with the domain registry (pulse/domains.py)."""

from __future__ import annotations

import importlib
import subprocess
import sys
from pathlib import Path

import yaml
from conftest import dbt

from pulse.db import PROJECT_DIR
from pulse.domains import DOMAINS, marts_name_pattern


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


def test_the_marts_name_rule_names_every_registered_domain():
    config = yaml.safe_load((PROJECT_DIR / "dbt-bouncer.yml").read_text())
    patterns = [
        check["model_name_pattern"]
        for check in config["manifest_checks"]
        if check["name"] == "check_model_names" and check.get("include") == "^models/marts"
    ]
    assert patterns == [marts_name_pattern()], (
        "dbt-bouncer.yml: the marts' model_name_pattern must be "
        f"{marts_name_pattern()} (the domains of pulse/domains.py)"
    )


def test_every_domain_has_its_folders_and_its_marts_config():
    """The layers hold one folder per registered domain and nothing else, and
    dbt_project.yml gives each domain's marts the schema (and group) of its name."""
    for layer in ("staging", "intermediate", "marts"):
        folders = {path.name for path in (PROJECT_DIR / "models" / layer).iterdir()}
        assert folders == set(DOMAINS), f"models/{layer}/"
    marts = yaml.safe_load((PROJECT_DIR / "dbt_project.yml").read_text())["models"]["pulse"]
    for name in DOMAINS:
        assert marts["marts"][name]["+schema"] == name
        assert marts["marts"][name]["+group"] == name


def test_the_registry_matches_the_generators_and_the_answers():
    from pulse.answers import QUESTIONS

    assert set(QUESTIONS) == {name for name, domain in DOMAINS.items() if domain.answers}
    for domain in DOMAINS.values():
        assert callable(importlib.import_module(domain.generator).generate), domain.generator
