"""Report delivery under real conditions, against the local fake Bot API over real HTTP.

Every recipient is tried; a delivery ledger in PostgreSQL makes a re-run send only what is
missing; a message whose reply was lost is not sent again; a long flood wait is capped;
and no line the report or the bot prints, at any log level, shows the token.
"""

from __future__ import annotations

import signal
import subprocess
import sys

import pytest
from fake_telegram import FakeBotApi
from test_sales_report import REPORT_DAY, run_report, telegram_env

from pulse.telegram import DeliveryLedger

THREE = "111,222,333"
DAY = ("--date", REPORT_DAY.isoformat())


@pytest.fixture
def conn(built):
    conn = built("sales")
    DeliveryLedger(conn)
    with conn.connect() as db:
        db.execute("truncate pulse_bot.deliveries")
    return conn


def counts(fake: FakeBotApi, chat: int) -> tuple[int, int]:
    return len(fake.sent("sendMessage", chat)), len(fake.sent("sendPhoto", chat))


def test_every_recipient_is_tried_and_a_rerun_sends_only_what_is_missing(conn):
    with FakeBotApi() as fake:
        fake.block_chat(222)
        first = run_report(conn, fake, *DAY, PULSE_TELEGRAM_CHAT_IDS=THREE)
        assert first.returncode == 1
        assert "chat 222" in first.stderr and "bot was blocked by the user" in first.stderr
        assert "chat 111" not in first.stderr and "chat 333" not in first.stderr
        assert counts(fake, 111) == (1, 3) and counts(fake, 333) == (1, 3)
        assert counts(fake, 222) == (0, 0)

        fake.blocked_chats.clear()  # the user unblocks the bot; the operator re-runs
        second = run_report(conn, fake, *DAY, PULSE_TELEGRAM_CHAT_IDS=THREE)
        assert second.returncode == 0, second.stderr
        assert counts(fake, 111) == (1, 3) and counts(fake, 333) == (1, 3)  # nothing twice
        assert counts(fake, 222) == (1, 3)


def test_a_lost_reply_never_duplicates_the_message(conn):
    with FakeBotApi() as fake:
        fake.lose_next_replies(1)  # the first sendMessage (chat 111) arrives, its reply not
        first = run_report(conn, fake, *DAY)
        assert first.returncode == 1
        assert "chat 111" in first.stderr and "may have arrived" in first.stderr
        assert counts(fake, 111) == (1, 3)  # not retried; the charts still went
        assert counts(fake, 222) == (1, 3)

        again = run_report(conn, fake, *DAY)  # a plain re-run does not resend it either
        assert again.returncode == 1 and "--resend-uncertain" in again.stderr
        assert counts(fake, 111) == (1, 3) and counts(fake, 222) == (1, 3)

        forced = run_report(conn, fake, *DAY, "--resend-uncertain")  # the operator's call
        assert forced.returncode == 0, forced.stderr
        assert counts(fake, 111) == (2, 3) and counts(fake, 222) == (1, 3)


def test_a_reply_slower_than_the_timeout_is_not_taken_for_a_failure(conn):
    with FakeBotApi() as fake:
        fake.slow_next_replies(1, seconds=8)  # python-telegram-bot reads for 5 s
        result = run_report(conn, fake, *DAY)
        assert result.returncode == 1
        assert "chat 111" in result.stderr and "may have arrived" in result.stderr
        assert counts(fake, 111) == (1, 3) and counts(fake, 222) == (1, 3)


def test_a_long_retry_after_fails_that_part_instead_of_sleeping(conn):
    with FakeBotApi() as fake:
        fake.fail_next(1, status=429, retry_after=600, method="sendMessage")
        result = run_report(conn, fake, *DAY)  # run_report's own timeout: 300 s < 600 s
        assert result.returncode == 1
        assert "wait 600 s" in result.stderr and "PULSE_TELEGRAM_MAX_RETRY_AFTER" in result.stderr
        assert "chat 111" in result.stderr
        assert counts(fake, 222) == (1, 3)  # the next recipient still gets the report

        # the part that failed is not in the ledger as sent: the re-run delivers it
        rerun = run_report(conn, fake, *DAY)
        assert rerun.returncode == 0, rerun.stderr
        assert counts(fake, 111) == (1, 3) and counts(fake, 222) == (1, 3)


# -- no token in any output -----------------------------------------------------------------

TOKEN = "123456:TEST"  # the fake's token
DEBUG = {"PULSE_LOG_LEVEL": "DEBUG"}


def assert_no_token(output: str, token: str = TOKEN) -> None:
    assert token not in output
    assert token.replace(":", "%3A") not in output


REPORT_FAILURES = {
    # name -> (what to do to the fake, extra environment, text expected in stderr)
    "base URL without /bot": (None, {"PULSE_TELEGRAM_BASE_URL": "{root}"}, "must end in /bot"),
    "unusable URL": (
        None, {"PULSE_TELEGRAM_BASE_URL": "http://127.0.0.1:99999/bot"}, "http(s) URL"
    ),
    "404 (unknown token)": (None, {"PULSE_TELEGRAM_TOKEN": "999:WRONG"}, "refused"),
    "401 (token rejected)": ("reject", {}, "refused"),
    "403 (blocked)": ("block", {}, "blocked by the user"),
    "lost reply": ("lose", {}, "may have arrived"),
    "502 after retries": ("502", {"PULSE_TELEGRAM_RETRIES": "2"}, "failed after 2 attempts"),
    "429 over the cap": ("429", {}, "PULSE_TELEGRAM_MAX_RETRY_AFTER"),
}  # fmt: skip


def test_the_report_never_prints_the_token_on_success(conn):
    with FakeBotApi() as fake:
        result = run_report(conn, fake, *DAY, **DEBUG)
    assert result.returncode == 0, result.stderr
    output = result.stdout + result.stderr
    assert "/bot***/sendMessage" in output  # httpx logged every request URL, redacted
    assert_no_token(output)


@pytest.mark.parametrize("failure", list(REPORT_FAILURES))
def test_the_report_never_prints_the_token_when_it_fails(conn, failure):
    action, env, expected = REPORT_FAILURES[failure]
    with FakeBotApi() as fake:
        if action == "reject":
            fake.token_rejected = True
        elif action == "block":
            fake.block_chat(111)
        elif action == "lose":
            fake.lose_next_replies(1)
        elif action == "502":
            fake.fail_next(50, status=502)
        elif action == "429":
            fake.fail_next(1, status=429, retry_after=600)
        root = fake.base_url.removesuffix("/bot")
        env = {key: value.format(root=root) for key, value in env.items()}
        result = run_report(conn, fake, *DAY, **DEBUG, **env)
    setting_to_fix = action is None and "URL" in failure
    assert result.returncode == (2 if setting_to_fix else 1)  # 2: a bad setting, said up front
    assert expected in result.stderr
    assert "Traceback" not in result.stderr
    assert_no_token(result.stdout + result.stderr, env.get("PULSE_TELEGRAM_TOKEN", TOKEN))
    if setting_to_fix:  # a setting to fix is not retried as a network error
        assert "attempts" not in result.stderr


def run_bot_process(
    conn, fake: FakeBotApi, script, tmp_path, **env: str
) -> subprocess.CompletedProcess:
    """`pulse bot` as a process at DEBUG; ``script()`` drives it, then SIGINT stops it.

    Its output goes to files: at DEBUG it outgrows a pipe that nobody reads meanwhile.
    """
    environment = telegram_env(conn, fake, **DEBUG, **env)
    out, err = tmp_path / "bot.out", tmp_path / "bot.err"
    with out.open("w") as stdout, err.open("w") as stderr:
        process = subprocess.Popen(
            [sys.executable, "-m", "pulse", "bot"], stdout=stdout, stderr=stderr, env=environment
        )
        try:
            if script is not None:
                script()
                process.send_signal(signal.SIGINT)
            process.wait(timeout=120)
        finally:
            if process.poll() is None:
                process.kill()
    return subprocess.CompletedProcess(
        process.args, process.returncode, out.read_text(), err.read_text()
    )


def test_the_bot_never_logs_the_token(conn, tmp_path):
    with FakeBotApi() as fake:
        fake.block_chat(222)

        def script() -> None:
            fake.send_command(111, "/start")
            fake.send_command(111, f"/report {REPORT_DAY.isoformat()}")
            fake.send_command(999, "/report")  # refused: not in the allow-list
            fake.send_command(222, "/report")  # Telegram refuses the answer (403)
            fake.wait_for(lambda: len(fake.sent("sendPhoto", 111)) == 3, timeout=120)
            fake.wait_for(lambda: fake.sent("sendMessage", 999), timeout=60)

        result = run_bot_process(conn, fake, script, tmp_path)
    output = result.stdout + result.stderr
    assert "getUpdates" in output and "/bot***/" in output  # it did log every request
    assert "refused chat 999" in output
    assert_no_token(output)


def test_the_bot_with_a_rejected_token_stops_without_showing_it(conn, tmp_path):
    with FakeBotApi() as fake:
        fake.token_rejected = True
        result = run_bot_process(conn, fake, None, tmp_path)
    assert result.returncode == 1
    assert "bot stopped" in result.stderr and "rejected" in result.stderr
    assert_no_token(result.stdout + result.stderr)
