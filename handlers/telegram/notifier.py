"""`TelegramNotifier`: how the outbox delivers on Telegram. Called from the dispatcher's thread, so it makes
plain synchronous HTTP calls (httpx) to the Bot API rather than touching the bot's event loop.

Recipients are chat ids: an anonymous sender's, resolved from "reply:REFERENCE" at the moment of delivery, or a
DSL's who chose Telegram for urgent alerts. Failures become DeliveryErrors: 429 carries retry_after; a chat that
blocked the bot or no longer exists is permanent; anything else is retried by the outbox.
"""

from __future__ import annotations

import json
import logging
import threading
from typing import TYPE_CHECKING, Any

import httpx

from bot.ports import DeliveryError, OutboundMessage, Platform
from bot.reports import in_words
from handlers.telegram.formatting import Block, bold, plain, render

if TYPE_CHECKING:
    from bot.core import Core
    from handlers.telegram.awaiting import AwaitingAnswers

log = logging.getLogger(__name__)

TIMEOUT = httpx.Timeout(10.0, connect=5.0)
ACK = "d:ack:"  # + case reference: a DSL acknowledges from Telegram
# + case reference: the other buttons of a case's card, and of its steps (see bot.reports.in_words and telegram.dsl)
CASE_STEPS = {
    in_words.VIEW: "d:view:", in_words.NOTE: "d:note:", in_words.ASK: "d:ask:", in_words.CLOSE: "d:close:",
    in_words.KEEP_OUTCOME: "d:keep:", in_words.SHARE_OUTCOME: "d:share:", in_words.REOPEN: "d:reopen:",
}
REVOKED = ("Telegram no longer accepts the bot token (TELEGRAM_BOT_TOKEN): it may have been revoked in @BotFather. Put "
           "the current token in TELEGRAM_BOT_TOKEN and restart the bot; messages wait meanwhile")


class TelegramNotifier:
    platform: Platform = "telegram"

    def __init__(
        self, core: Core, client: httpx.Client | None = None, awaiting: AwaitingAnswers | None = None
    ) -> None:
        from handlers.telegram.app import base_urls

        token = core.settings.telegram_bot_token
        if token is None:
            raise ValueError("TELEGRAM_BOT_TOKEN is not set")
        self.core = core
        self._url = f"{base_urls(core)[0]}{token.get_secret_value()}/sendMessage"
        self._client = client or httpx.Client(timeout=TIMEOUT)
        self._lock = threading.Lock()  # httpx.Client is thread-safe, but one dispatcher at a time keeps order
        self.awaiting = awaiting  # told of the school's question, so what the sender types next may be the answer

    def close(self) -> None:
        self._client.close()

    # --- the Notifier port ---
    def deliver(self, message: OutboundMessage) -> None:
        try:
            chat_id = int(message.recipient.address)
        except ValueError:
            raise DeliveryError("not a Telegram chat id", permanent=True) from None
        parts = render(message_blocks(message))
        markup = reply_markup(message)
        # News to a sender carries their receipt on its buttons (its ref is the case reference, which opens nothing).
        receipt = next((b.value for b in message.buttons if b.action == "sender.status"), "")
        closed = not any(button.action == "sender.reply" for button in message.buttons)
        if self.awaiting is not None and receipt and closed:
            # News of a closed report (it offers no reply): its question no longer waits for an answer, nor does a
            # message the parent typed after it wait to be sent. Ended before sending, as the news may never arrive (a
            # chat that blocked the bot): the reply channel is forgotten all the same, and what the chat keeps naming
            # the receipt must not outlast it.
            self.awaiting.let_go(chat_id, receipt)
        if self.awaiting is not None and receipt and message.asks:
            # The school's question: the chat's wait for its answer is written before it is sent, so that the parent's
            # answer is never taken for a policy question because the bot died just after sending. If it cannot be
            # written, nothing is sent (DeliveryError): the outbox tries again, as for a failed send.
            self.awaiting.news_to_send(chat_id, receipt)
        with self._lock:
            for number, html in enumerate(parts):
                params: dict[str, Any] = {
                    "chat_id": chat_id,
                    "text": html,
                    "parse_mode": "HTML",
                    "link_preview_options": {"is_disabled": True},
                }
                if markup and number == len(parts) - 1:
                    params["reply_markup"] = markup
                self._send(params, message.kind)

    def _send(self, params: dict[str, Any], kind: str) -> None:
        try:
            response = self._client.post(self._url, json=params)
        except httpx.HTTPError as exc:
            raise self._logged(kind, DeliveryError(f"Telegram unreachable: {type(exc).__name__}")) from exc
        try:
            body = response.json()
        except (ValueError, json.JSONDecodeError):
            body = {}
        if response.status_code == 200 and body.get("ok"):
            return
        code = int(body.get("error_code") or response.status_code)
        description = str(body.get("description") or response.reason_phrase)[:200]
        if code == 429:
            retry_after = float((body.get("parameters") or {}).get("retry_after") or 1)
            raise self._logged(kind, DeliveryError(f"rate limited: {description}", retry_after=retry_after))
        if code == 401:
            raise self._logged(kind, DeliveryError(REVOKED))
        if code in (400, 403):
            # Blocked by the user, chat deleted, or a message Telegram will never take: retrying cannot help.
            raise self._logged(kind, DeliveryError(f"refused by Telegram: {description}", permanent=True))
        raise self._logged(kind, DeliveryError(f"Telegram error {code}: {description}"))

    @staticmethod
    def _logged(kind: str, error: DeliveryError) -> DeliveryError:
        # Kind and reason only: never the text, never the chat id (it may be an anonymous sender's).
        log.warning("telegram delivery of a %s message failed: %s", kind, error)
        return error


def message_blocks(message: OutboundMessage) -> list[Block]:
    blocks: list[Block] = []
    if message.title:
        # "URGENT: " unless the title says so already (a new urgent case's "Urgent concern: ...")
        flagged = message.urgent and not message.title.lower().startswith("urgent")
        blocks.append(bold(("URGENT: " if flagged else "") + message.title))
    blocks += [plain(p) for p in message.text.split("\n\n") if p.strip()]
    if message.fields:
        blocks.append(plain("\n".join(f"{name}: {value}" for name, value in message.fields.items())))
    return blocks


def reply_markup(message: OutboundMessage) -> dict[str, Any] | None:
    """Buttons that make sense in Telegram: a sender's "check / reply", a case's (those the core put on it)."""
    from handlers.telegram.flows import REPLY, STATUS

    prefixes = {"sender.status": STATUS, "sender.reply": REPLY, "report.ack": ACK, **CASE_STEPS}
    rows = [
        [{"text": button.label, "callback_data": prefixes[button.action] + button.value}]
        for button in message.buttons
        if button.action in prefixes and button.value
    ]
    return {"inline_keyboard": rows} if rows else None
