"""The dashboards as code (bi/superset): each chart reads one mart, no secret, exposures agree.

No Superset needed: the YAML is read as it is committed. The rendering is checked by
test_bi_dashboards.py.
"""

from __future__ import annotations

import re

import pytest
import yaml

from pulse.db import PROJECT_DIR

ASSETS = PROJECT_DIR / "bi" / "superset"
MART_SCHEMAS = ("mentorhub", "sales", "elearning", "shop")
MARTS = {path.stem: path.parent.name for path in (PROJECT_DIR / "models" / "marts").glob("*/*.sql")}
# a table named in a virtual dataset's SQL: schema.table after from or join
TABLE_IN_SQL = re.compile(r"\b(?:from|join)\s+([a-z_]+)\.([a-z_0-9]+)", re.IGNORECASE)


def load(folder: str) -> dict[str, dict]:
    return {
        path.relative_to(ASSETS).as_posix(): yaml.safe_load(path.read_text("utf-8"))
        for path in sorted((ASSETS / folder).rglob("*.yaml"))
    }


def mart_of(dataset: dict) -> str:
    """The one mart a dataset reads; fails on anything else."""
    if dataset["sql"]:
        tables = set(TABLE_IN_SQL.findall(dataset["sql"]))
        assert len(tables) == 1, (dataset["table_name"], tables)
        ((schema, table),) = tables
    else:
        schema, table = dataset["schema"], dataset["table_name"]
    assert schema in MART_SCHEMAS, (dataset["table_name"], schema)
    assert MARTS.get(table) == schema, f"{dataset['table_name']} reads {schema}.{table}, no mart"
    return table


def dashboard_marts() -> dict[str, set[str]]:
    datasets = {d["uuid"]: mart_of(d) for d in load("datasets").values()}
    charts = {c["uuid"]: datasets[c["dataset_uuid"]] for c in load("charts").values()}
    out = {}
    for dashboard in load("dashboards").values():
        nodes = [n for n in dashboard["position"].values() if isinstance(n, dict)]
        uuids = [n["meta"]["uuid"] for n in nodes if n.get("type") == "CHART"]
        assert uuids, dashboard["slug"]
        out[dashboard["slug"]] = {charts[uuid] for uuid in uuids}
    return out


def test_every_chart_reads_one_mart_and_every_domain_has_a_dashboard():
    marts = dashboard_marts()
    assert sorted(marts) == sorted(MART_SCHEMAS)
    for slug, read in marts.items():
        assert {MARTS[mart] for mart in read} == {slug}, slug  # a domain's own marts only


def test_the_database_connects_as_pulse_bi_without_a_password():
    (database,) = load("databases").values()
    assert database["sqlalchemy_uri"].startswith("postgresql+psycopg2://pulse_bi@")
    assert "password" not in database
    for path in ASSETS.rglob("*.yaml"):
        assert not re.search(r"password|secret", path.read_text("utf-8"), re.I), path


def test_exposures_name_each_dashboard_with_its_url_and_marts():
    exposures = yaml.safe_load((PROJECT_DIR / "models" / "exposures.yml").read_text("utf-8"))
    by_url = {e.get("url"): e for e in exposures["exposures"] if e["type"] == "dashboard"}
    for slug, read in dashboard_marts().items():
        url = f"http://127.0.0.1:8088/superset/dashboard/{slug}/"
        assert url in by_url, url
        refs = {re.fullmatch(r"ref\('(\w+)'\)", dep).group(1) for dep in by_url[url]["depends_on"]}
        assert refs == read, slug


@pytest.mark.parametrize("bad", ["raw_sales.events", "staging.stg_sales__events"])
def test_a_dataset_on_anything_but_a_mart_is_refused(bad):
    schema, table = bad.split(".")
    with pytest.raises(AssertionError):
        mart_of({"sql": None, "schema": schema, "table_name": table})
    with pytest.raises(AssertionError):
        mart_of({"sql": f"select * from {bad}", "schema": "sales", "table_name": "x"})
