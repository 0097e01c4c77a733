"""The dbt docs site renders in a real browser: the overview, and a mart with its lineage.

Uses Debian's Chromium (installed by .ci/run); skipped with that reason where it is absent.
"""

from __future__ import annotations

import functools
import shutil
import subprocess
import threading
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer

import pytest
from conftest import dbt

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
pytestmark = pytest.mark.skipif(
    CHROMIUM is None, reason="Chromium is not installed (apt-get install chromium)"
)


@pytest.fixture(scope="module")
def site(built, tmp_path_factory):
    target = tmp_path_factory.mktemp("docs")
    result = dbt(built("generated"), "docs", "generate", target_path=target)
    assert result.returncode == 0, result.stdout[-3000:]
    handler = functools.partial(QuietHandler, directory=str(target))
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}/index.html"
    server.shutdown()


class QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, *args) -> None:
        pass


def rendered(url: str, profile) -> str:
    """The page's DOM after its scripts ran (the site is an Angular app)."""
    result = subprocess.run(
        [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
         "--no-first-run", "--disable-background-networking", "--disable-component-update",
         "--disable-sync", f"--user-data-dir={profile}", "--virtual-time-budget=20000",
         "--dump-dom", url],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr[-2000:]
    return result.stdout


def test_overview_renders(site, tmp_path):
    dom = rendered(f"{site}#!/overview", tmp_path)
    assert "Every question of the original assignments" in dom
    assert "mentorhub_monthly_active_users" in dom


def test_a_mart_page_renders_with_its_lineage(site, tmp_path):
    dom = rendered(f"{site}#!/model/model.pulse.mentorhub_users", tmp_path)
    assert "The user dimension behind Q2" in dom  # its description
    assert "has_booked" in dom  # its columns
    # Lineage: the models it depends on and those that depend on it are listed.
    for neighbour in ("stg_mentorhub__users", "int_user_sessions_unioned",
                      "mentorhub_users_without_sessions"):  # fmt: skip
        assert neighbour in dom, neighbour
