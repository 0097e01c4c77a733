"""`pulse bot` driven as the head of sales would, against a local fake Bot API server.

The bot runs for real (python-telegram-bot long polling over HTTP); the fake server
delivers the commands and records the answers. Subscriptions live in PostgreSQL.
"""

from __future__ import annotations

import asyncio
from datetime import time

import pytest
from fake_telegram import FakeBotApi
from test_sales_report import REPORT_DAY, assert_valid_png

from pulse.bot import DAILY_AT, Subscriptions, build_application, send_daily
from pulse.telegram import Settings

HEAD, DEPUTY, STRANGER = 111, 222, 999


def settings_for(fake: FakeBotApi) -> Settings:
    return Settings(fake.token, (HEAD, DEPUTY), fake.base_url, retries=3, retry_delay=0.05)


def run_bot(conn, fake: FakeBotApi, script) -> None:
    """Start the bot, run ``script(application)`` while it polls, then stop it."""

    async def main() -> None:
        application = build_application(conn, settings_for(fake))
        async with application:
            await application.start()
            await application.updater.start_polling(poll_interval=0.0, timeout=1)
            try:
                await script(application)
            finally:
                await application.updater.stop()
                await application.stop()

    asyncio.run(main())


async def until(fake: FakeBotApi, predicate) -> None:
    await asyncio.to_thread(fake.wait_for, predicate)


@pytest.fixture
def conn(built):
    conn = built("sales")
    Subscriptions(conn)  # make sure the table exists, then start from no subscriptions
    with conn.connect() as db:
        db.execute("truncate pulse_bot.subscriptions")
    return conn


def test_start_and_report_for_a_chosen_day(conn):
    with FakeBotApi() as fake:

        async def script(application) -> None:
            fake.send_command(HEAD, "/start")
            await until(fake, lambda: fake.sent("sendMessage", HEAD))
            fake.send_command(HEAD, f"/report {REPORT_DAY.isoformat()}")
            await until(fake, lambda: len(fake.sent("sendPhoto", HEAD)) == 3)

        run_bot(conn, fake, script)
        help_text, report_text = (call.fields["text"] for call in fake.sent("sendMessage", HEAD))
        assert "/subscribe" in help_text and "/report" in help_text
        assert f"{REPORT_DAY:%d.%m.%Y}" in report_text
        for photo in fake.sent("sendPhoto", HEAD):
            assert_valid_png(photo.files["photo"])


def test_a_bad_date_gets_an_explanation(conn):
    with FakeBotApi() as fake:

        async def script(application) -> None:
            fake.send_command(HEAD, "/report 10.08.2021")
            await until(fake, lambda: fake.sent("sendMessage", HEAD))

        run_bot(conn, fake, script)
        assert "ГГГГ-ММ-ДД" in fake.sent("sendMessage", HEAD)[0].fields["text"]
        assert fake.sent("sendPhoto") == []


def test_chats_outside_the_allow_list_are_refused(conn):
    with FakeBotApi() as fake:

        async def script(application) -> None:
            for command in ("/start", "/report", "/subscribe"):
                fake.send_command(STRANGER, command)
            await until(fake, lambda: len(fake.sent("sendMessage", STRANGER)) == 3)

        run_bot(conn, fake, script)
        answers = [call.fields["text"] for call in fake.sent("sendMessage", STRANGER)]
        assert answers == ["Этот бот доступен только отделу продаж."] * 3
        assert fake.sent("sendPhoto") == []
        assert Subscriptions(conn).all() == []


def test_subscribe_survives_a_restart_and_unsubscribe_stops_it(conn):
    with FakeBotApi() as fake:

        async def subscribe(application) -> None:
            fake.send_command(HEAD, "/subscribe")
            await until(fake, lambda: fake.sent("sendMessage", HEAD))

        run_bot(conn, fake, subscribe)
        assert "Подписка оформлена" in fake.sent("sendMessage", HEAD)[0].fields["text"]

        # A new bot process: the subscription is still there, and the daily job uses it.
        async def after_restart(application) -> None:
            fake.send_command(HEAD, "/subscribe")
            await until(fake, lambda: len(fake.sent("sendMessage", HEAD)) == 2)
            sent = await send_daily(application, conn, settings_for(fake))
            assert sent == 1
            fake.send_command(HEAD, "/unsubscribe")
            await until(fake, lambda: len(fake.sent("sendMessage", HEAD)) == 4)
            assert await send_daily(application, conn, settings_for(fake)) == 0

        run_bot(conn, fake, after_restart)
        texts = [call.fields["text"] for call in fake.sent("sendMessage", HEAD)]
        assert "Вы уже подписаны" in texts[1]
        assert "Отдел продаж" in texts[2]  # the daily report itself
        assert texts[3] == "Подписка отменена."
        assert len(fake.sent("sendPhoto", HEAD)) == 3
        assert fake.sent("sendMessage", DEPUTY) == []


def test_the_daily_report_is_scheduled_at_0845_moscow(conn):
    with FakeBotApi() as fake:
        seen = {}

        async def script(application) -> None:
            (job,) = application.job_queue.jobs()
            seen["name"] = job.name
            seen["next"] = job.next_t.astimezone(DAILY_AT.tzinfo)

        run_bot(conn, fake, script)
    assert seen["name"] == "daily"
    assert seen["next"].timetz().replace(tzinfo=None) == time(8, 45)
