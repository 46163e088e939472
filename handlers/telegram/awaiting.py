"""Which chats were just sent the school's question about a report, so the next thing typed there may be the answer.

A parent who reads "The school asks: which day was it?" types the answer as an ordinary message; it must not be
taken for a policy question (and lost). The news names its receipt, so the bot asks once: "Is this your answer?"
News that asks nothing ("your report has been opened") does not make the next message an answer.

Which chat was sent news of which report is kept in memory only, never stored, and for ANSWER_WINDOW: after a
restart, or a day later, a typed message is a question again, and the news's own "Reply to the school" button still
works. A message held while the parent answers "Is this your answer?" is kept with the chat's other unfinished
business (a draft report): encrypted, in the chat's saved data, and gone once the parent has said which it is.
"""

from __future__ import annotations

import threading
import time
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from handlers.telegram.common import Context

ANSWER_WINDOW = 24 * 3600.0  # seconds after the news during which a typed message may be the answer
MAX_CHATS = 10_000
AWAITING = "awaiting_answers"  # the bot_data key of the application's AwaitingAnswers


class AwaitingAnswers:
    """Chat id -> {receipt code: when its news went}. Written by the outbox's thread, read by the bot's loop."""

    def __init__(self, window: float = ANSWER_WINDOW) -> None:
        self.window = window
        self._chats: dict[int, dict[str, float]] = {}
        self._lock = threading.Lock()

    def news_sent(self, chat_id: int, code: str) -> None:
        now = time.monotonic()
        with self._lock:
            if len(self._chats) >= MAX_CHATS:
                self._chats = {k: v for k, v in self._chats.items() if any(now - t < self.window for t in v.values())}
            self._chats.setdefault(chat_id, {})[code] = now

    def code_for(self, chat_id: int) -> str | None:
        """The report whose news reached this chat most lately, of those still waiting for an answer."""
        now = time.monotonic()
        with self._lock:
            waiting = {code: at for code, at in self._chats.get(chat_id, {}).items() if now - at < self.window}
            if not waiting:
                self._chats.pop(chat_id, None)
                return None
            self._chats[chat_id] = waiting
            return max(waiting, key=lambda code: waiting[code])

    def done(self, chat_id: int, code: str | None = None) -> None:
        """That report was answered, or the message was not its answer (None: the parent moved on from them all):
        the next message is a question again, unless another report's news still waits."""
        with self._lock:
            if code is None:
                self._chats.pop(chat_id, None)
            else:
                self._chats.get(chat_id, {}).pop(code, None)


def awaiting_answers(context: Context) -> AwaitingAnswers:
    found: AwaitingAnswers = context.application.bot_data.setdefault(AWAITING, AwaitingAnswers())
    return found
