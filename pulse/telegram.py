"""Delivery through the Telegram Bot API (python-telegram-bot), with retries.

Settings come from the environment only:
- ``PULSE_TELEGRAM_TOKEN`` — the bot token (never in the repository);
- ``PULSE_TELEGRAM_CHAT_IDS`` — comma-separated chat ids: the report's recipients and the
  bot's allow-list;
- ``PULSE_TELEGRAM_BASE_URL`` — optional, another Bot API server (a self-hosted one, or
  the tests' local fake), e.g. ``http://127.0.0.1:8081/bot``;
- ``PULSE_TELEGRAM_RETRIES`` (default 4) and ``PULSE_TELEGRAM_RETRY_DELAY`` (seconds,
  default 2, doubled after each failed attempt).
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import timedelta

from telegram import Bot
from telegram.error import BadRequest, Forbidden, InvalidToken, NetworkError, RetryAfter
from telegram.error import TelegramError as _TelegramError

from pulse.report import Report


class DeliveryError(Exception):
    """A message could not be delivered; the text says what and why."""


@dataclass(frozen=True)
class Settings:
    token: str
    chat_ids: tuple[int, ...]
    base_url: str | None
    retries: int
    retry_delay: float

    @classmethod
    def from_env(cls) -> Settings:
        token = os.environ.get("PULSE_TELEGRAM_TOKEN", "").strip()
        if not token:
            raise DeliveryError("PULSE_TELEGRAM_TOKEN is not set (the bot token)")
        raw_ids = os.environ.get("PULSE_TELEGRAM_CHAT_IDS", "")
        try:
            chat_ids = tuple(int(part) for part in raw_ids.split(",") if part.strip())
        except ValueError:
            raise DeliveryError(
                f"PULSE_TELEGRAM_CHAT_IDS must be comma-separated numbers, got {raw_ids!r}"
            ) from None
        if not chat_ids:
            raise DeliveryError("PULSE_TELEGRAM_CHAT_IDS is not set (who receives the report)")
        return cls(
            token=token,
            chat_ids=chat_ids,
            base_url=os.environ.get("PULSE_TELEGRAM_BASE_URL") or None,
            retries=max(1, int(os.environ.get("PULSE_TELEGRAM_RETRIES", "4"))),
            retry_delay=float(os.environ.get("PULSE_TELEGRAM_RETRY_DELAY", "2")),
        )

    def bot(self) -> Bot:
        if self.base_url:
            return Bot(self.token, base_url=self.base_url)
        return Bot(self.token)


async def with_retries(call: Callable[[], Awaitable], what: str, settings: Settings) -> object:
    """Run ``call``; retry network failures and flood waits with backoff, then give up."""
    delay = settings.retry_delay
    for attempt in range(1, settings.retries + 1):
        try:
            return await call()
        except (BadRequest, Forbidden, InvalidToken) as exc:  # retrying will not help
            raise DeliveryError(f"{what}: Telegram refused it: {exc}") from exc
        except RetryAfter as exc:
            wait = exc.retry_after
            wait = wait.total_seconds() if isinstance(wait, timedelta) else float(wait)
            failure = f"rate limited (retry after {wait:g} s)"
        except NetworkError as exc:
            wait = delay
            delay *= 2
            failure = str(exc) or type(exc).__name__
        except _TelegramError as exc:
            raise DeliveryError(f"{what}: Telegram error: {exc}") from exc
        if attempt == settings.retries:
            raise DeliveryError(
                f"{what}: failed after {settings.retries} attempts; last error: {failure}"
            )
        await asyncio.sleep(wait)
    raise AssertionError("unreachable")


async def send_report(bot: Bot, report: Report, chat_id: int, settings: Settings) -> None:
    day = f"{report.day:%Y-%m-%d}"
    await with_retries(
        lambda: bot.send_message(chat_id=chat_id, text=report.text),
        f"sending the {day} report text to chat {chat_id}",
        settings,
    )
    for name, png in report.charts.items():
        await with_retries(
            lambda png=png, name=name: bot.send_photo(chat_id=chat_id, photo=png, filename=name),
            f"sending chart {name} to chat {chat_id}",
            settings,
        )


async def deliver(report: Report, settings: Settings) -> None:
    bot = settings.bot()
    await with_retries(bot.initialize, "connecting to the Telegram Bot API", settings)
    try:
        for chat_id in settings.chat_ids:
            await send_report(bot, report, chat_id, settings)
    finally:
        await bot.shutdown()
