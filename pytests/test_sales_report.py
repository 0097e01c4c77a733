"""`pulse report`: the numbers of a chosen day, valid PNG charts, delivery and retries.

Delivery goes to a local fake Bot API server over real HTTP; nothing is patched.
"""

from __future__ import annotations

import io
import os
import subprocess
import sys
from datetime import date, timedelta

import pytest
from fake_telegram import FakeBotApi
from PIL import Image
from sales_reference import compute_marts

from pulse.db import PROJECT_DIR
from pulse.report import KPIS, build_report
from pulse.telegram import DeliveryLedger

REPORT_DAY = date(2021, 8, 10)  # inside the generated sales data (2021-06-01 .. 2021-08-14)
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


@pytest.fixture(scope="module")
def expected(sales_dir):
    """The sales marts of the independent computation (pytests/sales_reference.py)."""
    return compute_marts(sales_dir, PROJECT_DIR / "seeds" / "sales")


@pytest.fixture(scope="module")
def day_totals(expected):
    """The KPIs of every day over both segments, from the independent computation."""
    return expected["sales_daily_kpis"].drop(columns="segment").groupby("day").sum()


def spaced(value: float) -> str:
    return f"{value:,.0f}".replace(",", "\u202f")


def assert_valid_png(data: bytes) -> None:
    assert data.startswith(PNG_SIGNATURE)
    image = Image.open(io.BytesIO(data))
    image.verify()
    assert image.format == "PNG" and image.size[0] > 300 and image.size[1] > 200


def test_the_report_holds_the_numbers_of_the_chosen_day(built, day_totals):
    report = build_report(built("sales"), REPORT_DAY)
    assert report.day == REPORT_DAY
    assert "10.08.2021" in report.text
    today, yesterday = day_totals.loc[REPORT_DAY], day_totals.loc[REPORT_DAY - timedelta(days=1)]
    for column, label, money in KPIS:
        value = today[column]
        shown = spaced(value) + (" ₽" if money else "")
        assert f"{label}: {shown}\n" in report.text
        delta = value - yesterday[column]
        sign = "+" if delta > 0 else ("−" if delta < 0 else "±")
        assert f"к вчера {sign}{spaced(abs(delta))}" in report.text, column
        week = day_totals.loc[REPORT_DAY - timedelta(days=7) : REPORT_DAY - timedelta(days=1)]
        delta = value - week[column].mean()
        sign = "+" if delta > 0 else ("−" if delta < 0 else "±")
        assert f"к среднему за 7 дн. {sign}{spaced(abs(delta))}" in report.text, column


def test_the_report_charts_are_valid_png(built):
    report = build_report(built("sales"), REPORT_DAY)
    assert set(report.charts) == {"open_processes.png", "funnel.png", "kpi_trend.png"}
    for png in report.charts.values():
        assert_valid_png(png)


def test_alert_lines_are_the_anomalies_of_the_independent_computation(built, expected):
    """Every day the pandas reference flags (|z| > 3 against the 28 days before) has its
    alert lines, with the value and direction; a day without flags has none."""
    report = expected["sales_daily_report"]
    flagged = report[report["is_anomaly"]]
    quiet = sorted(set(report["day"]) - set(flagged["day"]))
    assert len(flagged) > 0 and quiet
    labels = {column: (label, money) for column, label, money in KPIS}
    conn = built("sales")
    for day in [*sorted(set(flagged["day"])), quiet[-1]]:
        text = build_report(conn, day).text
        alerts = [line for line in text.splitlines() if line.startswith("🚨")]
        want = flagged[flagged["day"] == day]
        assert len(alerts) == len(want), day
        for row, alert in zip(want.sort_values("kpi_order").itertuples(), alerts, strict=True):
            label, money = labels[row.kpi]
            shown = spaced(row.value) + (" ₽" if money else "")
            direction = "выше" if row.value > row.baseline_mean else "ниже"
            assert f"{label} = {shown} — {direction} нормы" in alert, (day, alert)


@pytest.fixture(autouse=True)
def no_deliveries_yet(built):
    """Each test starts with an empty delivery ledger: a report day is sent afresh."""
    conn = built("sales")
    DeliveryLedger(conn)
    with conn.connect() as db:
        db.execute("truncate pulse_bot.deliveries")


def telegram_env(conn, fake: FakeBotApi, **env: str) -> dict[str, str]:
    """The environment of a `pulse report` or `pulse bot` process talking to ``fake``."""
    environment = {
        **os.environ,
        "PULSE_DATABASE_URL": conn.url(hide_password=False),
        "PULSE_TELEGRAM_TOKEN": fake.token,
        "PULSE_TELEGRAM_CHAT_IDS": "111,222",
        "PULSE_TELEGRAM_BASE_URL": fake.base_url,
        "PULSE_TELEGRAM_RETRY_DELAY": "0.05",
        **env,
    }
    environment.pop("DBT_PGHOST", None)
    return environment


def run_report(conn, fake: FakeBotApi, *args: str, **env: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "pulse", "report", *args],
        capture_output=True,
        text=True,
        env=telegram_env(conn, fake, **env),
        timeout=300,
    )


def test_report_is_sent_to_every_recipient(built, day_totals):
    conn = built("sales")
    with FakeBotApi() as fake:
        result = run_report(conn, fake, "--date", REPORT_DAY.isoformat())
        assert result.returncode == 0, result.stderr
        for chat in (111, 222):
            messages = fake.sent("sendMessage", chat)
            assert len(messages) == 1
            text = messages[0].fields["text"]
            purchases = day_totals.loc[REPORT_DAY, "purchases_with_second_line"]
            assert f"Покупки после звонка 2-й линии: {spaced(purchases)}\n" in text
            photos = fake.sent("sendPhoto", chat)
            assert len(photos) == 3
            for photo in photos:
                assert_valid_png(photo.files["photo"])


def test_transient_api_errors_are_retried(built):
    conn = built("sales")
    with FakeBotApi() as fake:
        fake.fail_next(2, status=502)
        fake.fail_next(1, status=429, retry_after=1)
        result = run_report(conn, fake, "--date", REPORT_DAY.isoformat())
        assert result.returncode == 0, result.stderr
        assert len(fake.sent("sendMessage")) == 2
        assert len(fake.sent("sendPhoto")) == 6


def test_persistent_api_errors_end_in_a_clear_failure(built):
    conn = built("sales")
    with FakeBotApi() as fake:
        fake.fail_next(50, status=502)
        result = run_report(conn, fake, PULSE_TELEGRAM_RETRIES="3")
    assert result.returncode == 1
    assert "report not delivered" in result.stderr
    assert "failed after 3 attempts" in result.stderr


def test_a_refused_request_is_not_retried(built):
    conn = built("sales")
    with FakeBotApi() as fake:
        fake.fail_next(1, status=400)
        result = run_report(conn, fake)
        assert result.returncode == 1
        assert "Telegram refused it" in result.stderr
        assert fake.sent("sendMessage") == []


def test_dry_run_writes_the_message_and_charts(built, tmp_path):
    conn = built("sales")
    environment = {**os.environ, "PULSE_DATABASE_URL": conn.url(hide_password=False)}
    environment.pop("PULSE_TELEGRAM_TOKEN", None)
    result = subprocess.run(
        [sys.executable, "-m", "pulse", "report", "--date", "2021-08-10",
         "--dry-run", str(tmp_path)],
        capture_output=True, text=True, env=environment, timeout=300,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert "10.08.2021" in (tmp_path / "message.txt").read_text(encoding="utf-8")
    for name in ("open_processes.png", "funnel.png", "kpi_trend.png"):
        assert_valid_png((tmp_path / name).read_bytes())
