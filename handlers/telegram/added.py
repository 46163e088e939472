"""The "Added." note while a report is being written, paced: the first message gets it at once, and messages that
follow quickly (a parent forwarding thirty messages as evidence) get one note when they stop coming, with how many
were added, instead of thirty notes. Telegram lets a bot send a chat about one message a second, so thirty notes
would also be slowed and partly refused.

Kept in memory only (bot_data is not persisted): a note that is lost with a restart costs nothing, as the review
screen shows everything the report holds.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass

from telegram import Update

from handlers.telegram import texts
from handlers.telegram.common import Context, Keyboard, report_underway, say

QUIET_SECONDS = 2.0  # messages closer together than this are one burst
MAX_CHATS = 10_000  # chats remembered; those with no note waiting are forgotten first
NOTES = "added_notes"  # the bot_data key of the application's AddedNotes


@dataclass
class _Chat:
    said_at: float  # when the last note was said
    last_at: float  # when the last message was added
    unsaid: int = 0  # messages added since the last note
    waiting: asyncio.Task[None] | None = None


class AddedNotes:
    def __init__(self, quiet: float = QUIET_SECONDS) -> None:
        self.quiet = quiet
        self._chats: dict[int, _Chat] = {}

    async def added(self, update: Update, context: Context, buttons: Keyboard, *, quietly: bool = False) -> None:
        """One message was added to the report: say so now, or once the burst it belongs to is over. `quietly`: a
        message that needs no note of its own (the rest of an album) counts only in a note still to come."""
        chat = update.effective_chat
        if chat is None:
            return
        now = time.monotonic()
        state = self._chats.get(chat.id)
        if quietly:
            if state is not None and state.waiting is not None:
                state.unsaid += 1
                state.last_at = now
            return
        if state is None or (state.waiting is None and now - state.said_at >= self.quiet):
            if len(self._chats) >= MAX_CHATS:
                self._chats = {key: kept for key, kept in self._chats.items() if kept.waiting is not None}
            self._chats[chat.id] = _Chat(said_at=now, last_at=now)
            await say(update, context, texts.ADDED, buttons)
            return
        state.unsaid += 1
        state.last_at = now
        if state.waiting is None:
            state.waiting = context.application.create_task(self._later(chat.id, state, update, context, buttons))

    async def _later(self, chat_id: int, state: _Chat, update: Update, context: Context, buttons: Keyboard) -> None:
        while (left := state.last_at + self.quiet - time.monotonic()) > 0:
            await asyncio.sleep(left)
        # Settled before anything is awaited: a message handled while the note is being sent starts a new burst.
        count, state.unsaid, state.waiting, state.said_at = state.unsaid, 0, None, time.monotonic()
        if count and report_underway(context) and self._chats.get(chat_id) is state:
            await say(update, context, texts.added_more(count), buttons)

    def forget(self, update: Update) -> None:
        """The report was finished or cancelled: a note still waiting is not said."""
        chat = update.effective_chat
        state = self._chats.pop(chat.id, None) if chat is not None else None
        if state is not None and state.waiting is not None:
            state.waiting.cancel()


def added_notes(context: Context) -> AddedNotes:
    notes: AddedNotes = context.application.bot_data.setdefault(NOTES, AddedNotes())
    return notes
