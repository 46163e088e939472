"""Which chats were just sent the school's question about a report, so the next thing typed there may be the answer.

A parent who reads "The school asks: which day was it?" types the answer as an ordinary message; it must not be
taken for a policy question (and lost). The news names its receipt, so the bot asks once: "Is this your answer?"
News that asks nothing ("your report has been opened") does not make the next message an answer.

The wait is kept with the chat's other unfinished business (a draft report, a message held while the parent says
whether it is their answer): in the chat's data, which `DatabasePersistence` stores encrypted, so it survives a
restart of the bot. It adds nothing to what the school already holds: the report's reply channel keeps the same
chat and receipt (encrypted) for as long as the news may come. For ANSWER_WINDOW anything typed may be the answer;
after that, up to LATE_WINDOW, only what the policy cannot answer (the core's rule: bot.typed.may_be_a_late_answer).
It goes once the parent has answered or said it is no answer, once they stop news in this chat, or once the report
is closed.

A message held while the parent says whether it is their answer goes the same way once its report is closed or they
stop news in this chat (`let_go`): nothing naming the receipt is kept in the chat after that, and the old buttons
then say what became of it (flows.held_is_the_answer).
"""

from __future__ import annotations

import asyncio
import copy
import logging
from typing import TYPE_CHECKING, Any

from bot.ports import DeliveryError
from bot.typed import ANSWER_WINDOW, LATE_WINDOW

if TYPE_CHECKING:
    from telegram.ext import Application

    from handlers.telegram.common import Context

log = logging.getLogger(__name__)

RECORD_TIMEOUT = 10.0  # seconds the outbox's thread waits for a wait to be written before the news is sent
AWAITING = "awaiting_answers"  # the bot_data key of the application's AwaitingAnswers
WAITS = "awaiting_answer"  # chat_data: receipt code -> when its question reached the chat (seconds since the epoch)
HELD = "held_answers"  # chat_data: receipt code -> what was typed after its news, until the parent says which it is


class AwaitingAnswers:
    """Reads and writes the chats' waits. The outbox's thread tells it of news before sending it; the change is made
    on the bot's own event loop, where the chat's data lives, and written to the database before the news goes."""

    def __init__(self, application: Application[Any, Any, Any, Any, Any, Any], window: float = ANSWER_WINDOW,
                 late_window: float = LATE_WINDOW) -> None:
        self.application = application
        self.window = window
        self.late_window = max(late_window, window)
        self._loop: asyncio.AbstractEventLoop | None = None

    def bind(self, loop: asyncio.AbstractEventLoop) -> None:
        """The loop the bot runs on (set when it starts): news from other threads is recorded there."""
        self._loop = loop

    def news_to_send(self, chat_id: int, code: str, timeout: float = RECORD_TIMEOUT) -> None:
        """Before the school's question about report `code` is sent to the chat: record that the chat waits for its
        answer, and write it to the database, so that a process dying just after the send cannot lose it (the answer
        would be taken for a policy question). Called from the outbox's thread; waits for the write. Raises
        DeliveryError if it cannot be kept (the bot stopped, the database refused it): the news is not sent, and the
        outbox tries again later, recording it again. Sent again, the wait starts again."""
        loop, at = self._loop, self._now()
        if loop is None:  # an application not running (no loop to write from): kept in its memory only
            self._change(chat_id, code, at)
            return
        try:
            future = asyncio.run_coroutine_threadsafe(self._record(chat_id, code, at), loop)
        except RuntimeError as exc:  # the bot has stopped
            raise DeliveryError("the bot has stopped: its news waits until it runs again") from exc
        try:
            future.result(timeout)
        except Exception as exc:  # the database's fault, or a timeout: the kind only (no chat, no receipt)
            future.cancel()
            raise DeliveryError(f"the chat's wait for an answer could not be kept: {type(exc).__name__}") from exc

    async def _record(self, chat_id: int, code: str, at: float) -> None:
        self._change(chat_id, code, at)  # (on the loop: applied at once, and marked for the periodic write too)
        persistence = self.application.persistence
        if persistence is not None:
            await persistence.update_chat_data(chat_id, copy.deepcopy(self.application.chat_data[chat_id]))

    def code_for(self, chat_id: int) -> str | None:
        """The report whose question reached this chat most lately, of those still waiting for an answer (within
        ANSWER_WINDOW: whatever is typed may be the answer)."""
        return self._newest(chat_id, self.window)

    def late_code_for(self, chat_id: int) -> str | None:
        """The same, for a question that reached the chat longer ago but within LATE_WINDOW, still unanswered: a
        message the policy cannot answer may be the answer."""
        return self._newest(chat_id, self.late_window)

    def _newest(self, chat_id: int, window: float) -> str | None:
        stored = self.application.chat_data[chat_id].get(WAITS)
        if not isinstance(stored, dict):
            return None
        now = self._now()
        kept = {code: at for code, at in stored.items() if now - at < self.late_window}
        if kept != stored:
            self._store(chat_id, kept)
        waits = {code: at for code, at in kept.items() if now - at < window}
        # The newest; of news sent at the same moment, the one told last (kept last).
        return max(reversed(waits), key=lambda code: waits[code]) if waits else None

    def done(self, chat_id: int, code: str | None = None) -> None:
        """That report was answered, or the message was not its answer (None: the parent moved on from them all):
        the next message is a question again, unless another report's news still waits."""
        self._change(chat_id, code, None)

    def let_go(self, chat_id: int, code: str) -> None:
        """Report `code` was closed, or the parent stopped its news here: its wait ends, and so does any message held
        for them to say whether it was its answer (it was not sent; the old buttons say so if pressed)."""
        self._change(chat_id, code, None, let_go=True)

    def _now(self) -> float:
        return float(self.application.bot_data["core"].clock.now().timestamp())

    def _change(self, chat_id: int, code: str | None, at: float | None, *, let_go: bool = False) -> None:
        """Record (`at`) or end the wait for `code` (None: every wait in the chat), on the bot's loop; `let_go`: and
        the message held for `code`."""

        def apply() -> None:
            if let_go and code is not None:
                self._let_go_held(chat_id, code)
            stored = self.application.chat_data[chat_id].get(WAITS)
            waits = dict(stored) if isinstance(stored, dict) else {}
            if at is not None and code is not None:
                waits.pop(code, None)
                waits[code] = at
            elif code is None:
                waits.clear()
            else:
                waits.pop(code, None)
            if waits or stored is not None:
                self._store(chat_id, waits)

        try:
            running: asyncio.AbstractEventLoop | None = asyncio.get_running_loop()
        except RuntimeError:
            running = None
        if self._loop is None or running is self._loop:
            apply()
            return
        try:
            self._loop.call_soon_threadsafe(apply)
        except RuntimeError:  # the bot has stopped: the news's own "Reply to the school" button still works
            log.warning("the bot had stopped: what is typed after a question sent now is not taken for its answer")

    def _let_go_held(self, chat_id: int, code: str) -> None:
        data = self.application.chat_data[chat_id]
        held = data.get(HELD)
        if not isinstance(held, dict) or code not in held:
            return
        del held[code]
        if not held:
            data.pop(HELD, None)
        self.application.mark_data_for_update_persistence(chat_ids=chat_id)

    def _store(self, chat_id: int, waits: dict[str, float]) -> None:
        data = self.application.chat_data[chat_id]  # (PTB makes a chat's data when it is first asked for)
        if waits:
            data[WAITS] = waits
        else:
            data.pop(WAITS, None)  # a chat with nothing under way keeps no stored row
        self.application.mark_data_for_update_persistence(chat_ids=chat_id)


def awaiting_answers(context: Context) -> AwaitingAnswers:
    found: AwaitingAnswers = context.application.bot_data.setdefault(AWAITING, AwaitingAnswers(context.application))
    return found
