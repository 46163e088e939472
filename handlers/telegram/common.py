"""Small helpers shared by the Telegram handlers: the core from the context, sending HTML safely and in parts,
and running the (synchronous) core off the event loop.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any, TypeVar

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, LinkPreviewOptions, Message, Update
from telegram.constants import ParseMode
from telegram.ext import ContextTypes

from handlers.telegram.formatting import Block, render, render_text

if TYPE_CHECKING:
    from bot.core import Core

T = TypeVar("T")
Context = ContextTypes.DEFAULT_TYPE
NO_PREVIEW = LinkPreviewOptions(is_disabled=True)
Keyboard = Sequence[Sequence[tuple[str, str]]]  # rows of (label, callback data)


def core_of(context: Context) -> Core:
    core: Core = context.application.bot_data["core"]
    return core


DRAFT = "report"  # the chat_data key of a report being written


def report_underway(context: Context) -> bool:
    """Whether this chat is in the middle of writing a report (a category chosen, not yet sent or cancelled)."""
    draft = context.chat_data.get(DRAFT) if context.chat_data is not None else None
    return isinstance(draft, dict) and draft.get("category") is not None


KEEPING = "keeping"  # a draft's flag: written and checked, waiting for the keep choice before it is sent


def report_waits_for_keep_choice(context: Context) -> bool:
    """Whether this chat's report only waits for "Keep me updated here" or "Keep nothing" (typing adds nothing)."""
    draft = context.chat_data.get(DRAFT) if context.chat_data is not None else None
    return isinstance(draft, dict) and bool(draft.get(KEEPING))


async def in_thread(function: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """The core is synchronous (SQLAlchemy): run it in a worker thread so one slow call never stalls others."""
    return await asyncio.to_thread(function, *args, **kwargs)


def keyboard(rows: Keyboard | None) -> InlineKeyboardMarkup | None:
    if not rows:
        return None
    return InlineKeyboardMarkup(
        [[InlineKeyboardButton(label, callback_data=data) for label, data in row] for row in rows if row]
    )


def requester(core: Core, chat_id: int) -> str:
    """An opaque rate-limit bucket for a chat: a keyed hash, so the chat id itself is never passed on."""
    return core.vault.mac(f"telegram-requester:{chat_id}")


async def send_html(
    update: Update, context: Context, parts: list[str], buttons: Keyboard | None = None
) -> Message | None:
    """Send prepared HTML messages to the update's chat; buttons go on the last one."""
    chat = update.effective_chat
    if chat is None:
        return None
    last: Message | None = None
    for number, html in enumerate(parts):
        markup = keyboard(buttons) if number == len(parts) - 1 else None
        last = await context.bot.send_message(
            chat.id, html, parse_mode=ParseMode.HTML, reply_markup=markup, link_preview_options=NO_PREVIEW
        )
    return last


async def say(update: Update, context: Context, text: str, buttons: Keyboard | None = None) -> Message | None:
    """Plain text (escaped, split when long)."""
    return await send_html(update, context, render_text(text), buttons)


async def say_blocks(
    update: Update, context: Context, blocks: list[Block], buttons: Keyboard | None = None
) -> Message | None:
    return await send_html(update, context, render(blocks), buttons)


async def answer_callback(update: Update, text: str | None = None, alert: bool = False) -> None:
    """Every callback query must be answered, or the button spins; a stale query failing to answer is fine."""
    query = update.callback_query
    if query is None:
        return
    with contextlib.suppress(Exception):  # "query is too old" and the like are harmless
        await query.answer(text, show_alert=alert)
