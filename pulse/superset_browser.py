"""Open every Pulse dashboard in headless Chromium and judge each chart (run by .venv-bi).

`python -m pulse.superset_browser URL OUT_DIR SLUG...` logs in as the admin (password from
PULSE_SUPERSET_ADMIN_PASSWORD), opens each dashboard and each of its tabs, waits until no
chart is loading, saves a screenshot per dashboard or tab under OUT_DIR and prints one JSON
line per chart: {"dashboard", "tab", "chart", "state"} with state `ok`, `error: …`,
`no data` or `timeout`. Exits 0 whatever the charts show; the caller judges.

Uses Debian's Chromium and its chromedriver (/usr/bin): Selenium never downloads a browser
here, since the driver's path is given.
"""

from __future__ import annotations

import json
import os
import re
import sys
import tempfile
import time
from pathlib import Path

CHROMIUM = os.environ.get("PULSE_CHROMIUM", "/usr/bin/chromium")
CHROMEDRIVER = os.environ.get("PULSE_CHROMEDRIVER", "/usr/bin/chromedriver")
WINDOW = (1600, 2600)  # pixels; a screenshot grows taller to hold the whole dashboard
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    f"--window-size={WINDOW[0]},{WINDOW[1]}",
]
# Superset's words for a chart without rows, and for a failed query.
NO_DATA = re.compile(r"No results were returned|No data|No records found", re.I)
ERROR = re.compile(r"Unexpected error|Error:|error occurred|Data error|Query timeout", re.I)
HOLDER = '[data-test="dashboard-component-chart-holder"]'
LOADING = '.loading, [data-test="loading-indicator"], [aria-label="Loading"]'
TIMEOUT_S = 90

# Per visible chart holder: its title and what it shows, judged in the page.
JUDGE = """
return Array.from(document.querySelectorAll(arguments[0]))
  .filter(h => h.offsetParent !== null)
  .map(h => {
    const title = (h.querySelector('[data-test="editable-title"]') || {}).innerText || '';
    const body = h.querySelector('[data-test="chart-container"], .chart-container');
    const text = body ? body.innerText : '';
    const loading = h.querySelector(arguments[1]) !== null;
    const alert = h.querySelector('[role="alert"], .ant-alert-error, [data-test="error-tooltip"]');
    const drawn = body !== null && (body.querySelector('canvas, svg, table') !== null
                                    || text.trim().length > 0);
    return {title, text, loading, alert: alert ? alert.innerText || 'alert' : null, drawn};
  });
"""


def driver(profile: str):
    """A Selenium driver of Debian's Chromium, headless, with a fresh profile folder."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in [*FLAGS, f"--user-data-dir={profile}"]:
        options.add_argument(flag)
    return webdriver.Chrome(options=options, service=Service(CHROMEDRIVER))


def login(browser, url: str) -> None:
    """Log in through Superset's form; raises TimeoutException if it does not succeed."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as ec
    from selenium.webdriver.support.ui import WebDriverWait

    browser.get(f"{url}/login/")
    wait = WebDriverWait(browser, 60)
    wait.until(ec.presence_of_element_located((By.ID, "username"))).send_keys("admin")
    password = os.environ["PULSE_SUPERSET_ADMIN_PASSWORD"]
    browser.find_element(By.ID, "password").send_keys(password + "\n")
    wait.until(lambda b: "/login" not in b.current_url)


def judge(browser) -> list[dict]:
    """Wait until every visible chart has finished; one verdict per chart."""
    deadline = time.monotonic() + TIMEOUT_S
    time.sleep(2)
    while True:
        charts = browser.execute_script(JUDGE, HOLDER, LOADING)
        settled = charts and all(not c["loading"] and (c["drawn"] or c["alert"]) for c in charts)
        if settled or time.monotonic() > deadline:
            break
        time.sleep(1)
    time.sleep(2)  # let the last animations finish before the screenshot
    charts = browser.execute_script(JUDGE, HOLDER, LOADING)
    verdicts = []
    for chart in charts:
        if chart["alert"] or ERROR.search(chart["text"]):
            state = f"error: {(chart['alert'] or chart['text']).strip()[:300]}"
        elif NO_DATA.search(chart["text"]):
            state = "no data"
        elif chart["loading"] or not chart["drawn"]:
            state = "timeout"
        else:
            state = "ok"
        verdicts.append({"chart": chart["title"], "state": state})
    return verdicts


def save_whole_page(browser, path: Path) -> None:
    """Screenshot of the whole page as PNG at `path`: the window is made as tall as the
    page first (a dashboard taller than the window would be cut at its bottom), again
    while the page grows with it (the grid lays itself out for the new size, up to three
    times), then set back to WINDOW."""
    width, default_height = WINDOW
    for _ in range(3):
        page, viewport = browser.execute_script(
            "return [Math.max(document.body.scrollHeight,"
            " document.documentElement.scrollHeight), window.innerHeight]"
        )
        if page <= viewport:
            break
        browser.set_window_size(width, browser.get_window_size()["height"] + page - viewport)
        time.sleep(2)
    browser.save_screenshot(str(path))
    browser.set_window_size(width, default_height)


def main(argv: list[str]) -> int:
    """URL, OUT_DIR, then the dashboards' slugs; prints one JSON verdict per chart."""
    from selenium.webdriver.common.by import By

    url, out = argv[0].rstrip("/"), Path(argv[1])
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="pulse-chromium-") as profile:
        browser = driver(profile)
        try:
            login(browser, url)
            for slug in argv[2:]:
                browser.get(f"{url}/superset/dashboard/{slug}/")
                time.sleep(3)
                tabs = browser.find_elements(By.CSS_SELECTOR, '[role="tab"]')
                names = [tab.text.strip() for tab in tabs] or [""]
                for index, name in enumerate(names):
                    if name:
                        browser.find_elements(By.CSS_SELECTOR, '[role="tab"]')[index].click()
                    for verdict in judge(browser):
                        print(json.dumps({"dashboard": slug, "tab": name, **verdict}), flush=True)
                    shot = f"{slug}-{index + 1}.png" if name else f"{slug}.png"
                    save_whole_page(browser, out / shot)
        finally:
            browser.quit()
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
