"""A DSL who chose Telegram for urgent alerts can acknowledge a case from the alert. Who they are comes from
the people table (their Telegram chat id), never from anything in the button.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from telegram import Update

from handlers.telegram import texts
from handlers.telegram.common import Context, answer_callback, core_of, in_thread, say
from handlers.telegram.notifier import ACK

if TYPE_CHECKING:
    from bot.core import Core


def _acknowledge(core: Core, chat_id: int, code: str) -> str:
    from bot.reports.domain import ACKNOWLEDGE, ReportError

    actor = core.reports.actor(telegram_chat_id=chat_id)
    if actor is None:
        core.reports.record_refused_attempt(code, "an unrecognised Telegram account", ACKNOWLEDGE)
        return "Only the school's safeguarding team can acknowledge a report."
    try:
        view = core.reports.acknowledge(code, actor)
    except ReportError as exc:
        return str(exc)
    return f"{view.acknowledged_text(actor)} {_where_to_act(core, chat_id, view.code)}"


def _where_to_act(core: Core, chat_id: int, code: str) -> str:
    """Where this DSL reads the whole case and acts on it, as their alert here says (the core's words)."""
    from bot.reports.service import where_to_act

    with core.db.session() as session:
        person = core.people.by_telegram_chat(session, chat_id)
        return where_to_act(core.settings, person, code)


async def acknowledge(update: Update, context: Context) -> None:
    query = update.callback_query
    chat = update.effective_chat
    if query is None or chat is None:
        return
    code = (query.data or "").removeprefix(ACK)
    if not code:
        await answer_callback(update, texts.STALE_BUTTON)
        return
    await answer_callback(update)
    reply = await in_thread(_acknowledge, core_of(context), chat.id, code)
    await say(update, context, reply)
