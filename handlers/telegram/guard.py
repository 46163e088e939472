"""Runs before every handler (group -1): private chats only, a per-chat rate limit, and quiet drops of what
the bot never answers (channel posts, updates without a chat). Stops the update when it is not for us.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass

from telegram import Update
from telegram.constants import ChatType
from telegram.ext import ApplicationHandlerStop

from handlers.telegram import texts
from handlers.telegram.common import Context, answer_callback, report_underway, say

log = logging.getLogger(__name__)

BURST = 20  # an album of 10 photos plus a few lines of description must pass
REFILL_PER_SECOND = 1.0
# While a report is being written a message costs a quarter: a parent forwarding thirty messages as evidence must
# not lose a third of them. The report's own limits (its length, ten pictures) bound what a flood can add.
REPORT_MESSAGE_COST = 0.25
MAX_TRACKED_CHATS = 50_000


@dataclass
class _Bucket:
    tokens: float
    at: float
    warned: bool = False


class RateLimiter:
    """A token bucket per chat, in memory only (the chat ids are never written anywhere)."""

    def __init__(self, burst: int = BURST, per_second: float = REFILL_PER_SECOND) -> None:
        self.burst = burst
        self.per_second = per_second
        self._buckets: dict[int, _Bucket] = {}

    def allow(self, chat_id: int, now: float | None = None, cost: float = 1.0) -> tuple[bool, bool]:
        """(allowed, warn): warn is true for the first refusal in a row, so we say "slow down" once."""
        now = time.monotonic() if now is None else now
        bucket = self._buckets.get(chat_id)
        if bucket is None:
            if len(self._buckets) >= MAX_TRACKED_CHATS:
                self._forget_full(now)
            bucket = self._buckets[chat_id] = _Bucket(float(self.burst), now)
        bucket.tokens = min(float(self.burst), bucket.tokens + (now - bucket.at) * self.per_second)
        bucket.at = now
        if bucket.tokens >= cost:
            bucket.tokens -= cost
            bucket.warned = False
            return True, False
        warn = not bucket.warned
        bucket.warned = True
        return False, warn

    def _forget_full(self, now: float) -> None:
        for chat_id, bucket in list(self._buckets.items()):
            if bucket.tokens + (now - bucket.at) * self.per_second >= self.burst:
                del self._buckets[chat_id]


async def guard(update: Update, context: Context) -> None:
    chat = update.effective_chat
    if chat is None or update.channel_post or update.edited_channel_post:
        # Inline queries, polls, channel posts: nothing to say. A button on a message we cannot see
        # (e.g. one too old) still gets its spinner stopped.
        await answer_callback(update, texts.STALE_BUTTON)
        raise ApplicationHandlerStop
    limiter: RateLimiter = context.application.bot_data["rate_limiter"]
    writing = update.message is not None and report_underway(context)
    allowed, warn = limiter.allow(chat.id, cost=REPORT_MESSAGE_COST if writing else 1.0)
    if chat.type != ChatType.PRIVATE:
        # In a group: never a report, never an answer, only the pointer to a private chat.
        if update.callback_query is not None:
            await answer_callback(update, texts.GROUP_ONLY_PRIVATE, alert=True)
        elif allowed and update.message is not None and _addressed_to_bot(update, context):
            await say(update, context, texts.GROUP_ONLY_PRIVATE)
        raise ApplicationHandlerStop
    if not allowed:
        if update.callback_query is not None:
            await answer_callback(update, texts.SLOW_DOWN)
        elif warn:
            await say(update, context, texts.SLOW_DOWN_REPORT if report_underway(context) else texts.SLOW_DOWN)
        raise ApplicationHandlerStop


def _addressed_to_bot(update: Update, context: Context) -> bool:
    """A command, a mention of the bot or a reply to it: a group's other chatter is not for us."""
    message = update.message
    if message is None:
        return False
    text = message.text or message.caption or ""
    username = context.bot.username
    if text.startswith("/"):
        # "/start@other_bot" is for another bot in the group; "/start" and "/start@ours" are for us.
        command = text.split(maxsplit=1)[0]
        _, at, addressee = command.partition("@")
        return not at or bool(username) and addressee.lower() == username.lower()
    if username and f"@{username}".lower() in text.lower():
        return True
    replied = message.reply_to_message
    return bool(replied and replied.from_user and replied.from_user.id == context.bot.id)
