"""The Superset dashboards (bi/superset) on generated data, in headless Chromium.

Starts the real Superset of .venv-bi (`make bi-venv`) against a test database holding all
four domains, connected as pulse_bi; opens every dashboard and tab in Debian's Chromium;
fails on a chart that shows an error or no data; saves the screenshots under out/bi/.
For one headline chart per dashboard the value of Superset's chart-data API equals the
mart's value, computed here with our own SQL as the owner. Skipped only where Chromium
or its driver is absent.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import socket
import subprocess
import urllib.request
from datetime import date

import pytest
import yaml
from conftest import PROJECT_DIR, build

from pulse import bi
from pulse.generate.shop import generate as generate_shop
from pulse.load import load

CHROMIUM = shutil.which("chromium")
CHROMEDRIVER = shutil.which("chromedriver")
pytestmark = pytest.mark.skipif(
    CHROMIUM is None or CHROMEDRIVER is None,
    reason="Chromium or its driver is not installed (apt-get install chromium chromium-driver)",
)
ASSETS = PROJECT_DIR / "bi" / "superset"
SCREENSHOTS = PROJECT_DIR / "out" / "bi"
DASHBOARDS = ("mentorhub", "sales", "shop", "elearning")

# dashboard -> (headline chart's name, the same figure from the mart, by our own SQL)
HEADLINES = {
    "mentorhub": (
        "Пользователи, ни разу не бронировавшие сессию",
        "select sum(users_without_sessions) from mentorhub.mentorhub_users_without_sessions",
    ),
    "sales": (
        "Выручка за последний день",
        "select sum(revenue_rub) from sales.sales_daily_kpis "
        "where day = (select max(day) from sales.sales_daily_kpis)",
    ),
    "shop": (
        "Выручка по товарам в выбранных сегментах",
        "select sum(item_revenue) from shop.shop_revenue_by_segment",
    ),
    "elearning": (
        "Пользователей в A/B-тесте",
        "select sum(users) from elearning.elearning_ab_group_metrics",
    ),
}


def charts_in_yaml(slug: str) -> list[str]:
    dashboard = yaml.safe_load((ASSETS / "dashboards" / f"{slug}.yaml").read_text("utf-8"))
    return [
        node["meta"]["sliceName"]
        for node in dashboard["position"].values()
        if isinstance(node, dict) and node.get("type") == "CHART"
    ]


@pytest.fixture(scope="module")
def bi_database(make_database, generated_dir, sales_dir, elearning_dir, tmp_path_factory):
    """One database with the four domains built, as `make demo` leaves it (smaller)."""
    conn = make_database("bi")
    shop_dir = tmp_path_factory.mktemp("generated") / "shop"
    generate_shop(shop_dir, rows=40_000, seed=5, start=date(2021, 1, 4), days=60)
    for domain, folder in [("mentorhub", generated_dir), ("sales", sales_dir),
                           ("elearning", elearning_dir), ("shop", shop_dir)]:  # fmt: skip
        load(conn, domain, folder)
    build(conn, tmp_path_factory.mktemp("dbt_bi"), "--exclude", "test_type:unit")
    return conn


@pytest.fixture(scope="module")
def superset(bi_database, tmp_path_factory):
    """Superset on a free port with its own metadata; yields (url, admin password)."""
    if not (bi.BI_VENV / ".installed").exists():
        pytest.fail("Superset is not installed: run `make bi-venv` (make test does)")
    home = tmp_path_factory.mktemp("superset")
    password = secrets.token_urlsafe(12)
    os.environ["PULSE_SUPERSET_ADMIN_PASSWORD"] = password
    try:
        bi.prepare(bi_database, home)
        with socket.socket() as probe:
            probe.bind((bi.HOST, 0))
            port = probe.getsockname()[1]
        url = bi.serve(home, port)
        yield url, password
    finally:
        os.environ.pop("PULSE_SUPERSET_ADMIN_PASSWORD", None)
        bi.stop(home)


def api(url: str, path: str, token: str, body: dict | None = None) -> dict:
    request = urllib.request.Request(
        f"{url}{path}",
        data=None if body is None else json.dumps(body).encode(),
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
        method="GET" if body is None else "POST",
    )
    with urllib.request.urlopen(request, timeout=120) as response:
        return json.load(response)


def login(url: str, password: str) -> str:
    request = urllib.request.Request(
        f"{url}/api/v1/security/login",
        data=json.dumps({"username": "admin", "password": password, "provider": "db"}).encode(),
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=60) as response:
        return json.load(response)["access_token"]


def test_every_dashboard_renders_with_data(superset):
    url, password = superset
    env = {**os.environ, "PULSE_SUPERSET_ADMIN_PASSWORD": password, "PYTHONPATH": str(PROJECT_DIR)}
    env["PULSE_CHROMIUM"], env["PULSE_CHROMEDRIVER"] = CHROMIUM, CHROMEDRIVER
    if SCREENSHOTS.exists():
        shutil.rmtree(SCREENSHOTS)
    result = subprocess.run(
        [str(bi.BI_VENV / "bin" / "python"), "-m", "pulse.superset_browser", url,
         str(SCREENSHOTS), *DASHBOARDS],
        cwd=PROJECT_DIR, env=env, capture_output=True, text=True, timeout=900,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr[-4000:]
    verdicts = [json.loads(line) for line in result.stdout.splitlines() if line.startswith("{")]
    failed = [v for v in verdicts if v["state"] != "ok"]
    assert not failed, json.dumps(failed, ensure_ascii=False, indent=1)
    for slug in DASHBOARDS:
        seen = sorted(v["chart"] for v in verdicts if v["dashboard"] == slug)
        assert seen == sorted(charts_in_yaml(slug)), slug  # every chart was judged
    shots = sorted(p.name for p in SCREENSHOTS.glob("*.png"))
    assert shots == sorted(["mentorhub.png", "sales.png", "elearning.png",
                            "shop-1.png", "shop-2.png", "shop-3.png"])  # fmt: skip


def chart_value(url: str, token: str, slug: str, name: str) -> float:
    """The headline number that Superset's chart-data API returns for a dashboard's chart."""
    charts = api(url, f"/api/v1/dashboard/{slug}/charts", token)["result"]
    form = next(c["form_data"] for c in charts if c["slice_name"] == name)
    datasource_id = int(str(form["datasource"]).split("__")[0])
    query = {"metrics": [form["metric"]], "columns": [], "row_limit": 100000}
    if form.get("x_axis"):  # a big number with a trend line shows the last period
        query["columns"] = [form["x_axis"]]
    body = {
        "datasource": {"id": datasource_id, "type": "table"},
        "force": True,
        "queries": [query],
        "result_format": "json",
        "result_type": "full",
    }
    result = api(url, "/api/v1/chart/data", token, body)["result"][0]
    rows = result["data"]
    assert rows, f"{slug}: {name} returned no rows"
    if form.get("x_axis"):
        rows = [max(rows, key=lambda row: row[form["x_axis"]])]
    (value,) = [v for k, v in rows[0].items() if k != form.get("x_axis")]
    return float(value)


@pytest.mark.parametrize("slug", DASHBOARDS)
def test_headline_chart_equals_the_mart(superset, bi_database, slug):
    url, password = superset
    name, sql = HEADLINES[slug]
    assert name in charts_in_yaml(slug)
    with bi_database.connect() as conn:
        expected = float(conn.execute(sql).fetchone()[0])
    assert expected > 0
    assert chart_value(url, login(url, password), slug, name) == pytest.approx(expected, rel=1e-9)
