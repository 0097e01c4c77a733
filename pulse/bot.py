"""`pulse bot`: the sales report bot (python-telegram-bot, long polling).

Commands: /start, /report [YYYY-MM-DD], /subscribe (the report every day at 08:45
Europe/Moscow), /unsubscribe. Only chats in PULSE_TELEGRAM_CHAT_IDS are served; any other
chat gets a refusal and nothing else. Subscriptions live in PostgreSQL
(`pulse_bot.subscriptions`), so they survive restarts.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import date, time
from zoneinfo import ZoneInfo

from telegram import Update
from telegram.ext import Application, CommandHandler, ContextTypes, MessageHandler, filters

from pulse.db import Connection
from pulse.relations import ManifestError
from pulse.report import NoData, build_report
from pulse.telegram import DeliveryError, Settings, configure_logging, send_report

DAILY_AT = time(8, 45, tzinfo=ZoneInfo("Europe/Moscow"))
HELP = (
    "Я присылаю отчёт отдела продаж.\n"
    "/report — отчёт за последний день данных\n"
    "/report ГГГГ-ММ-ДД — отчёт за выбранный день\n"
    "/subscribe — присылать отчёт каждый день в 08:45 (МСК)\n"
    "/unsubscribe — больше не присылать"
)
log = logging.getLogger("pulse.bot")


class Subscriptions:
    """Chats that get the daily report, in PostgreSQL."""

    def __init__(self, conn: Connection):
        self.conn = conn
        with conn.connect() as db:
            db.execute("create schema if not exists pulse_bot")
            db.execute(
                "create table if not exists pulse_bot.subscriptions ("
                " chat_id bigint primary key,"
                " subscribed_at timestamptz not null default now())"
            )

    def add(self, chat_id: int) -> bool:
        with self.conn.connect() as db:
            cur = db.execute(
                "insert into pulse_bot.subscriptions (chat_id) values (%s) "
                "on conflict (chat_id) do nothing",
                (chat_id,),
            )
            return cur.rowcount == 1

    def remove(self, chat_id: int) -> bool:
        with self.conn.connect() as db:
            cur = db.execute("delete from pulse_bot.subscriptions where chat_id = %s", (chat_id,))
            return cur.rowcount == 1

    def all(self) -> list[int]:
        with self.conn.connect() as db:
            rows = db.execute("select chat_id from pulse_bot.subscriptions order by chat_id")
            return [row[0] for row in rows]


def build_application(conn: Connection, settings: Settings) -> Application:
    builder = Application.builder().token(settings.token)
    if settings.base_url:
        builder = builder.base_url(settings.base_url)
    application = builder.build()
    subscriptions = Subscriptions(conn)
    allowed = filters.Chat(chat_id=list(settings.chat_ids))

    async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        await update.effective_chat.send_message(HELP)

    async def report(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        chat_id = update.effective_chat.id
        day = None
        if context.args:
            try:
                day = date.fromisoformat(context.args[0])
            except ValueError:
                await update.effective_chat.send_message(
                    f"Не понимаю дату {context.args[0]!r}: нужен формат ГГГГ-ММ-ДД"
                )
                return
        try:
            built = await asyncio.to_thread(build_report, conn, day)
        except NoData as exc:
            await update.effective_chat.send_message(f"Нет данных: {exc}")
            return
        except ManifestError as exc:  # an operator's problem: log it, tell the chat briefly
            log.error("report not built: %s", exc)
            await update.effective_chat.send_message("Отчёт сейчас недоступен, попробуйте позже.")
            return
        await send_report(context.bot, built, chat_id, settings)

    async def subscribe(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        added = subscriptions.add(update.effective_chat.id)
        await update.effective_chat.send_message(
            "Подписка оформлена: отчёт будет приходить каждый день в 08:45 (МСК)."
            if added
            else "Вы уже подписаны: отчёт приходит каждый день в 08:45 (МСК)."
        )

    async def unsubscribe(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        removed = subscriptions.remove(update.effective_chat.id)
        await update.effective_chat.send_message(
            "Подписка отменена." if removed else "Подписки не было."
        )

    async def refuse(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        log.warning("refused chat %s (not in PULSE_TELEGRAM_CHAT_IDS)", update.effective_chat.id)
        await update.effective_chat.send_message("Этот бот доступен только отделу продаж.")

    application.add_handler(MessageHandler(~allowed, refuse))
    application.add_handler(CommandHandler("start", start, filters=allowed))
    application.add_handler(CommandHandler("help", start, filters=allowed))
    application.add_handler(CommandHandler("report", report, filters=allowed))
    application.add_handler(CommandHandler("subscribe", subscribe, filters=allowed))
    application.add_handler(CommandHandler("unsubscribe", unsubscribe, filters=allowed))
    application.job_queue.run_daily(
        lambda context: send_daily(application, conn, settings), DAILY_AT, name="daily"
    )
    return application


async def send_daily(application: Application, conn: Connection, settings: Settings) -> int:
    """Send the latest report to every subscribed chat still in the allow-list."""
    chats = [chat for chat in Subscriptions(conn).all() if chat in settings.chat_ids]
    if not chats:
        return 0
    try:
        built = await asyncio.to_thread(build_report, conn, None)
    except (NoData, ManifestError) as exc:
        log.error("daily report not sent: %s", exc)
        return 0
    sent = 0
    for chat_id in chats:
        try:
            await send_report(application.bot, built, chat_id, settings)
            sent += 1
        except DeliveryError as exc:
            log.error("daily report to %s failed: %s", chat_id, exc)
    return sent


def run(conn: Connection, settings: Settings) -> None:
    """Poll until stopped. Logs at PULSE_LOG_LEVEL (default INFO), the token shown as ***."""
    configure_logging(settings.token, "INFO")
    build_application(conn, settings).run_polling(allowed_updates=Update.ALL_TYPES)
