"""Delivery through the Telegram Bot API (python-telegram-bot), with retries.

Settings come from the environment only:
- ``PULSE_TELEGRAM_TOKEN`` — the bot token (never in the repository);
- ``PULSE_TELEGRAM_CHAT_IDS`` — comma-separated chat ids: the report's recipients and the
  bot's allow-list;
- ``PULSE_TELEGRAM_BASE_URL`` — optional, another Bot API server (a self-hosted one, or
  the tests' local fake), e.g. ``http://127.0.0.1:8081/bot``;
- ``PULSE_TELEGRAM_RETRIES`` (default 4) and ``PULSE_TELEGRAM_RETRY_DELAY`` (seconds,
  default 2, doubled after each failed attempt);
- ``PULSE_TELEGRAM_MAX_RETRY_AFTER`` (seconds, default 60): the longest flood wait
  (429 ``retry_after``) honoured; a longer one fails that message instead of sleeping.

The token never reaches an output: every error message and log line goes through
``redact``. `deliver` sends the report to each recipient separately and keeps a ledger in
PostgreSQL (``pulse_bot.deliveries``: one row per report day, chat and part), so that a re-run sends
only what is missing and a send whose reply was lost is never repeated on its own
(at most once: Telegram has no idempotency key, so a resend could show a message twice).
"""

from __future__ import annotations

import asyncio
import logging
import os
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from urllib.parse import quote, urlsplit

import httpx
from telegram import Bot
from telegram.error import (
    BadRequest,
    ChatMigrated,
    Forbidden,
    InvalidToken,
    NetworkError,
    RetryAfter,
)
from telegram.error import TelegramError as _TelegramError

from pulse.db import Connection
from pulse.report import Report

LOG_FORMAT = "%(asctime)s %(levelname)s %(name)s %(message)s"


class DeliveryError(Exception):
    """A message could not be delivered; the text says what and why."""


class DeliveryUncertain(DeliveryError):
    """The request may have reached Telegram but its reply was lost: not sent again."""


def redact(text: str, secret: str) -> str:
    """``text`` with ``secret`` (as is and percent-encoded) replaced by ``***``."""
    if not secret:
        return text
    for form in sorted({secret, quote(secret, safe=""), quote(secret)}, key=len, reverse=True):
        text = text.replace(form, "***")
    return text


class RedactingFormatter(logging.Formatter):
    """A logging formatter that hides a secret in the whole line, traceback included."""

    def __init__(self, secret: str, fmt: str = LOG_FORMAT):
        super().__init__(fmt)
        self.secret = secret

    def format(self, record: logging.LogRecord) -> str:
        return redact(super().format(record), self.secret)


def configure_logging(secret: str, default_level: str) -> None:
    """Log to stderr at PULSE_LOG_LEVEL (else ``default_level``), with ``secret`` hidden.

    Every handler of the root logger gets the redacting formatter, so the lines of every
    library (python-telegram-bot, httpx, which logs each request URL with the token in
    it) and Python's warnings are redacted too.
    """
    level = os.environ.get("PULSE_LOG_LEVEL", default_level).upper()
    logging.basicConfig(level=level)
    logging.captureWarnings(True)
    for handler in logging.getLogger().handlers:
        handler.setFormatter(RedactingFormatter(secret))


def _check_base_url(base_url: str) -> None:
    parts = urlsplit(base_url)
    try:
        parts.port  # noqa: B018 - raises ValueError for a port out of range
    except ValueError:
        parts = None
    if parts is None or parts.scheme not in ("http", "https") or not parts.hostname:
        raise DeliveryError(
            "PULSE_TELEGRAM_BASE_URL must be an http(s) URL such as http://host:8081/bot"
        )
    if not parts.path.endswith("/bot") and "{token}" not in base_url:
        raise DeliveryError(
            "PULSE_TELEGRAM_BASE_URL must end in /bot (the token is appended to it), "
            f"e.g. {parts.scheme}://{parts.netloc}/bot"
        )


@dataclass(frozen=True)
class Settings:
    token: str = field(repr=False)
    chat_ids: tuple[int, ...]
    base_url: str | None
    retries: int
    retry_delay: float
    max_retry_after: float = 60.0

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
        base_url = os.environ.get("PULSE_TELEGRAM_BASE_URL") or None
        if base_url:
            try:
                _check_base_url(base_url)
            except DeliveryError as exc:
                raise DeliveryError(redact(str(exc), token)) from None
        return cls(
            token=token,
            chat_ids=chat_ids,
            base_url=base_url,
            retries=max(1, int(os.environ.get("PULSE_TELEGRAM_RETRIES", "4"))),
            retry_delay=float(os.environ.get("PULSE_TELEGRAM_RETRY_DELAY", "2")),
            max_retry_after=float(os.environ.get("PULSE_TELEGRAM_MAX_RETRY_AFTER", "60")),
        )

    def bot(self) -> Bot:
        if self.base_url:
            return Bot(self.token, base_url=self.base_url)
        return Bot(self.token)


# Transport failures that prove the request never left: safe to send again.
_NOT_SENT = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout)
# A URL httpx cannot use: a setting to fix, not a network failure to retry.
_BAD_URL = (httpx.InvalidURL, httpx.UnsupportedProtocol)


async def with_retries(
    call: Callable[[], Awaitable],
    what: str,
    settings: Settings,
    *,
    idempotent: bool = True,
) -> object:
    """Run ``call``; retry what surely did not arrive, with backoff, then give up.

    Retried: an HTTP error status from the Bot API (5xx), a connection that could not be
    made, and a 429 whose ``retry_after`` is at most ``settings.max_retry_after`` seconds.
    Raises DeliveryError (token redacted) when Telegram refuses the request (400, 401,
    403, 404), the URL is unusable, the wait asked is over the cap, or the retries run
    out; DeliveryUncertain when ``idempotent`` is false and the request may have arrived
    (its reply was lost or timed out), since sending it again could deliver it twice.
    """
    delay = settings.retry_delay

    def fail(text: str, kind: type[DeliveryError] = DeliveryError) -> DeliveryError:
        return kind(redact(f"{what}: {text}", settings.token))

    for attempt in range(1, settings.retries + 1):
        try:
            return await call()
        except (BadRequest, Forbidden, InvalidToken, ChatMigrated) as exc:  # no retry helps
            raise fail(f"Telegram refused it: {exc}") from None
        except RetryAfter as exc:
            wait = exc.retry_after
            wait = wait.total_seconds() if isinstance(wait, timedelta) else float(wait)
            if wait > settings.max_retry_after:
                raise fail(
                    f"Telegram asked to wait {wait:g} s before retrying, more than the "
                    f"{settings.max_retry_after:g} s allowed (PULSE_TELEGRAM_MAX_RETRY_AFTER); "
                    "not sent"
                ) from None
            failure = f"rate limited (retry after {wait:g} s)"
        except NetworkError as exc:
            cause = exc.__cause__
            if isinstance(cause, _BAD_URL):
                raise fail(f"the Bot API URL is not usable: {cause}") from None
            if cause is not None and not isinstance(cause, httpx.HTTPError):
                raise fail(f"the request could not be made: {exc}") from None  # not the network
            sent = isinstance(cause, httpx.HTTPError) and not isinstance(cause, _NOT_SENT)
            if sent and not idempotent:
                raise fail(
                    f"no reply from Telegram ({exc or type(exc).__name__}); the message may "
                    "have arrived, so it is not sent again",
                    DeliveryUncertain,
                ) from None
            wait = delay
            delay *= 2
            failure = str(exc) or type(exc).__name__
        except _TelegramError as exc:
            raise fail(f"Telegram error: {exc}") from None
        if attempt == settings.retries:
            raise fail(f"failed after {settings.retries} attempts; last error: {failure}")
        await asyncio.sleep(wait)
    raise AssertionError("unreachable")


TEXT_PART = "text"


def report_parts(report: Report) -> list[str]:
    """The parts of a report in sending order: the text, then each chart by file name."""
    return [TEXT_PART, *report.charts]


async def send_part(bot: Bot, report: Report, chat_id: int, part: str, settings: Settings):
    """Send one part of the report to one chat (never retried once it may have arrived)."""
    day = f"{report.day:%Y-%m-%d}"
    if part == TEXT_PART:
        return await with_retries(
            lambda: bot.send_message(chat_id=chat_id, text=report.text),
            f"sending the {day} report text to chat {chat_id}",
            settings,
            idempotent=False,
        )
    return await with_retries(
        lambda: bot.send_photo(chat_id=chat_id, photo=report.charts[part], filename=part),
        f"sending chart {part} of {day} to chat {chat_id}",
        settings,
        idempotent=False,
    )


async def send_report(bot: Bot, report: Report, chat_id: int, settings: Settings) -> None:
    """Send every part of the report to one chat (the bot's answers; no ledger)."""
    for part in report_parts(report):
        await send_part(bot, report, chat_id, part, settings)


class DeliveryLedger:
    """Which parts of which day's report reached which chat (``pulse_bot.deliveries``).

    A row is written as ``sending`` before the request and becomes ``delivered`` with
    Telegram's message id when the reply comes; a definite failure deletes it. A row
    left ``sending`` (a lost reply, a crash) means "may have arrived": not sent again
    unless the operator asks for it.
    """

    def __init__(self, conn: Connection):
        self.conn = conn
        with conn.connect() as db:
            db.execute("create schema if not exists pulse_bot")
            db.execute(
                "create table if not exists pulse_bot.deliveries ("
                " report_day date not null,"
                " chat_id bigint not null,"
                " part text not null,"
                " state text not null check (state in ('sending', 'delivered')),"
                " message_id bigint,"
                " updated_at timestamptz not null default now(),"
                " primary key (report_day, chat_id, part))"
            )

    def states(self, day: date, chat_id: int) -> dict[str, str]:
        with self.conn.connect() as db:
            rows = db.execute(
                "select part, state from pulse_bot.deliveries "
                "where report_day = %s and chat_id = %s",
                (day, chat_id),
            ).fetchall()
        return dict(rows)

    def sending(self, day: date, chat_id: int, part: str) -> None:
        with self.conn.connect() as db:
            db.execute(
                "insert into pulse_bot.deliveries (report_day, chat_id, part, state) "
                "values (%s, %s, %s, 'sending') on conflict (report_day, chat_id, part) "
                "do update set state = 'sending', message_id = null, updated_at = now()",
                (day, chat_id, part),
            )

    def delivered(self, day: date, chat_id: int, part: str, message_id: int | None) -> None:
        with self.conn.connect() as db:
            db.execute(
                "update pulse_bot.deliveries set state = 'delivered', message_id = %s, "
                "updated_at = now() where report_day = %s and chat_id = %s and part = %s",
                (message_id, day, chat_id, part),
            )

    def failed(self, day: date, chat_id: int, part: str) -> None:
        with self.conn.connect() as db:
            db.execute(
                "delete from pulse_bot.deliveries "
                "where report_day = %s and chat_id = %s and part = %s",
                (day, chat_id, part),
            )


@dataclass
class DeliveryResult:
    """Per chat: the parts sent now, those already delivered before, and the failure."""

    sent: dict[int, list[str]] = field(default_factory=dict)
    skipped: dict[int, list[str]] = field(default_factory=dict)
    failed: dict[int, str] = field(default_factory=dict)


async def _deliver_to(
    bot: Bot, report: Report, chat_id: int, settings: Settings, ledger: DeliveryLedger,
    resend_uncertain: bool, result: DeliveryResult,
) -> None:  # fmt: skip
    states = ledger.states(report.day, chat_id)
    uncertain = []
    for part in report_parts(report):
        state = states.get(part)
        if state == "delivered" or (state == "sending" and not resend_uncertain):
            if state == "sending":
                uncertain.append(part)
            else:
                result.skipped.setdefault(chat_id, []).append(part)
            continue
        ledger.sending(report.day, chat_id, part)
        try:
            message = await send_part(bot, report, chat_id, part, settings)
        except DeliveryUncertain as exc:
            uncertain.append(part)
            result.failed[chat_id] = str(exc)
            continue  # the other parts still go
        except DeliveryError as exc:
            ledger.failed(report.day, chat_id, part)
            result.failed[chat_id] = str(exc)
            return
        ledger.delivered(report.day, chat_id, part, getattr(message, "message_id", None))
        result.sent.setdefault(chat_id, []).append(part)
    if uncertain and chat_id not in result.failed:
        result.failed[chat_id] = (
            f"{', '.join(uncertain)} of {report.day:%Y-%m-%d} may have arrived in an earlier "
            "run whose reply was lost; not sent again (check the chat, then re-run with "
            "--resend-uncertain)"
        )


async def deliver(
    report: Report, settings: Settings, conn: Connection, *, resend_uncertain: bool = False
) -> DeliveryResult:
    """Send the report to every recipient, each part at most once (see DeliveryLedger).

    Every chat is tried whatever happens to the others; the result names the chats that
    failed and why. Raises DeliveryError only when the Bot API cannot be reached at all.
    """
    ledger = DeliveryLedger(conn)
    result = DeliveryResult()
    bot = settings.bot()
    await with_retries(bot.initialize, "connecting to the Telegram Bot API", settings)
    try:
        for chat_id in settings.chat_ids:
            await _deliver_to(bot, report, chat_id, settings, ledger, resend_uncertain, result)
    finally:
        await bot.shutdown()
    return result
