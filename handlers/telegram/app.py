"""`create_telegram_app(core)`: the python-telegram-bot Application, wired. Only wiring here: what each update
goes to is decided by the handler lists below, what is said by `texts`, and what is done by `core`.

Handler order matters: group -1 is the guard (private chats only, rate limit); in group 0 the first match
wins, so the flows come first, then commands, buttons, questions, and a catch-all for odd updates.
"""

from __future__ import annotations

import asyncio
import logging
import sys
import traceback
from collections.abc import Awaitable
from typing import TYPE_CHECKING, Any

from telegram import Update
from telegram.error import InvalidToken
from telegram.ext import (
    Application,
    ApplicationBuilder,
    BaseUpdateProcessor,
    CallbackQueryHandler,
    CommandHandler,
    ExtBot,
    MessageHandler,
    TypeHandler,
    filters,
)
from telegram.request import HTTPXRequest

from handlers.telegram import chat, dsl, flows, texts
from handlers.telegram.added import NOTES, AddedNotes
from handlers.telegram.awaiting import AWAITING, AwaitingAnswers
from handlers.telegram.common import Context, answer_callback, say
from handlers.telegram.guard import RateLimiter, guard
from handlers.telegram.notifier import ACK, REVOKED
from handlers.telegram.persistence import DatabasePersistence

if TYPE_CHECKING:
    from bot.core import Core

log = logging.getLogger(__name__)

try:  # noqa: SIM105 - the import itself is the point
    import sniffio  # noqa: F401
except ImportError:
    # httpcore tries `import sniffio` on every lock it makes; without the package each failed import searches
    # sys.path again (a third of the bot's time under load). Caching the absence makes it fail at once, with
    # the same outcome (asyncio).
    sys.modules.setdefault("sniffio", None)  # type: ignore[arg-type]

DEFAULT_BASE_URL = "https://api.telegram.org/bot"
CONCURRENT_CHATS = 8  # updates from different chats run side by side; one chat's stay in order
CONNECTIONS = 8  # httpcore checks every pooled connection on each request: more costs, not helps



class UnreadUpdateFilter(logging.Filter):
    """python-telegram-bot logs an update it cannot read (a newer Bot API, say) in full, at CRITICAL, so past any
    level: sender's id, name, username and text, a report's words among them. Logged here without the content."""

    def filter(self, record: logging.LogRecord) -> bool:
        if "Received data was" in str(record.msg):
            error = record.exc_info[1] if record.exc_info else None
            record.msg = (
                "Telegram sent an update this version cannot read (%s), so it was not processed; its content is not "
                "logged. If this keeps happening, upgrade policybot (git pull, then restart it)."
            )
            record.args = (type(error).__name__ if error else "unknown",)
            record.exc_info = record.exc_text = None
            record.levelno, record.levelname = logging.ERROR, "ERROR"
        return True


def quiet_unread_updates() -> None:
    updater_log = logging.getLogger("telegram.ext.Updater")
    if not any(isinstance(f, UnreadUpdateFilter) for f in updater_log.filters):
        updater_log.addFilter(UnreadUpdateFilter())


class PerChatUpdateProcessor(BaseUpdateProcessor):
    """Concurrent across chats, strictly in order within a chat (a description's messages stay in order)."""

    def __init__(self, max_concurrent_updates: int = CONCURRENT_CHATS) -> None:
        super().__init__(max_concurrent_updates)
        self._locks: dict[int, tuple[asyncio.Lock, int]] = {}

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        chat = update.effective_chat if isinstance(update, Update) else None
        if chat is None:
            await coroutine
            return
        lock, users = self._locks.get(chat.id, (asyncio.Lock(), 0))
        self._locks[chat.id] = (lock, users + 1)
        try:
            async with lock:
                await coroutine
        finally:
            lock, users = self._locks[chat.id]
            if users <= 1:
                del self._locks[chat.id]
            else:
                self._locks[chat.id] = (lock, users - 1)

    async def initialize(self) -> None:
        return None

    async def shutdown(self) -> None:
        return None


class TolerantBot(ExtBot[None]):
    """An ExtBot that survives an update it cannot read (e.g. a field newer than the library expects).

    PTB parses a whole getUpdates batch at once, so one unreadable update would fail every poll and stall the
    bot on it for ever. Here such an update is replaced by an empty one with the same id: it is skipped (the
    guard drops updates without a chat) and polling moves past it.
    """

    async def _post(self, endpoint: str, data: Any = None, **kwargs: Any) -> Any:
        result = await super()._post(endpoint, data, **kwargs)
        if endpoint == "getUpdates" and isinstance(result, list):
            return [self._readable(raw) for raw in result]
        return result

    def _readable(self, raw: Any) -> Any:
        try:
            Update.de_json(dict(raw), self)
        except Exception:  # noqa: BLE001 - whatever is wrong with it, it must not stop the bot
            update_id = raw.get("update_id") if isinstance(raw, dict) else None
            log.warning("skipped an update the library cannot read (%s)", sorted(raw) if isinstance(raw, dict) else "?")
            return {"update_id": update_id}
        return raw


def base_urls(core: Core) -> tuple[str, str]:
    """(base_url, base_file_url) from TELEGRAM_BASE_URL, e.g. http://127.0.0.1:8081/bot -> .../file/bot."""
    base = core.settings.telegram_base_url or DEFAULT_BASE_URL
    root, _, tail = base.rstrip("/").rpartition("/")
    return base, f"{root}/file/{tail}"


def create_telegram_app(core: Core) -> Application[Any, Any, Any, Any, Any, Any]:
    token = core.settings.telegram_bot_token
    if token is None:
        raise ValueError("TELEGRAM_BOT_TOKEN is not set")
    base_url, base_file_url = base_urls(core)
    # httpx logs every request's URL at INFO, and a Bot API URL carries the bot's token.
    logging.getLogger("httpx").setLevel(logging.WARNING)
    quiet_unread_updates()
    bot = TolerantBot(
        token.get_secret_value(),
        base_url=base_url,
        base_file_url=base_file_url,
        request=HTTPXRequest(connection_pool_size=CONNECTIONS, pool_timeout=10.0),
        get_updates_request=HTTPXRequest(connection_pool_size=1),
    )
    app = (
        ApplicationBuilder()
        .bot(bot)
        .persistence(DatabasePersistence(core))
        .concurrent_updates(PerChatUpdateProcessor())
        .build()
    )
    app.bot_data["core"] = core
    app.bot_data["rate_limiter"] = RateLimiter()
    app.bot_data[NOTES] = AddedNotes()
    app.bot_data[AWAITING] = AwaitingAnswers(app)
    register(app)
    return app


def register(app: Application[Any, Any, Any, Any, Any, Any]) -> None:
    private = filters.ChatType.PRIVATE
    message = filters.UpdateType.MESSAGE & private
    app.add_handler(TypeHandler(Update, flows.give_held_receipt), group=-2)
    app.add_handler(TypeHandler(Update, guard), group=-1)
    app.add_handler(flows.conversation())
    app.add_handler(CommandHandler("start", chat.start, filters=private))
    app.add_handler(CommandHandler("help", chat.help_command, filters=private))
    app.add_handler(CommandHandler(["cancel", "stop"], flows.cancel_outside_a_flow, filters=private))
    app.add_handler(CallbackQueryHandler(chat.menu, pattern=f"^({chat.MENU_ASK}|{chat.MENU_CONTACT})$"))
    app.add_handler(CallbackQueryHandler(chat.show_section, pattern=f"^{chat.SECTION}[:#]"))
    app.add_handler(CallbackQueryHandler(chat.feedback, pattern=f"^({chat.HELPFUL}|{chat.NOT_HELPFUL})[:#]"))
    app.add_handler(CallbackQueryHandler(flows.forget_channel, pattern=f"^{flows.FORGET}"))
    app.add_handler(CallbackQueryHandler(dsl.acknowledge, pattern=f"^{ACK}"))
    app.add_handler(CallbackQueryHandler(dsl.case_step, pattern=dsl.STEP_PATTERN))
    app.add_handler(CallbackQueryHandler(flows.held_is_the_answer, pattern=f"^{flows.IS_ANSWER}"))
    app.add_handler(CallbackQueryHandler(flows.held_is_a_question, pattern=f"^{flows.IS_QUESTION}"))
    app.add_handler(CallbackQueryHandler(chat.stale_button))
    # a reply to a case step's message (a note...), else to the school's news (see dsl.reply_to_step)
    app.add_handler(MessageHandler(message & filters.REPLY & filters.TEXT & ~filters.COMMAND, dsl.reply_to_step))
    app.add_handler(MessageHandler(message & filters.TEXT & ~filters.COMMAND, flows.typed))
    app.add_handler(MessageHandler(message & filters.COMMAND, chat.unknown_command))
    app.add_handler(MessageHandler(filters.UpdateType.EDITED_MESSAGE & private & filters.REPLY,
                                   dsl.edited_reply_to_step))  # else chat.edited
    app.add_handler(MessageHandler(filters.UpdateType.EDITED_MESSAGE & private, chat.edited))
    app.add_handler(MessageHandler(message & (filters.PHOTO | filters.Document.ALL), flows.picture_outside_a_flow))
    app.add_handler(MessageHandler(message, chat.not_text))
    app.add_error_handler(on_error)


async def on_error(update: object, context: Context) -> None:
    """Log where it broke, never what was said or who said it; tell the person kindly."""
    error = context.error
    if isinstance(error, InvalidToken):  # revoked while running: what to do, not where in the library it broke
        log.error("%s.", REVOKED)
        return  # nothing can be said to the chat either
    if error is not None:
        where = "".join(traceback.format_tb(error.__traceback__)[-3:])
        log.error("telegram update failed with %s\n%s", type(error).__name__, where)
    if isinstance(update, Update) and update.effective_chat is not None and update.effective_chat.type == "private":
        try:
            if update.callback_query is not None:
                await answer_callback(update)
            await say(update, context, texts.SOMETHING_WRONG)
        except Exception:  # noqa: BLE001 - Telegram itself may be what failed
            log.warning("could not tell the chat about an error")
