"""Events: @mentions and direct messages (answered in a thread), and App Home opened (the Home tab is drawn)."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from slack_bolt import App
from slack_sdk import WebClient

from bot.reports.receipts import asks_after, code_and_rest, tells_something
from handlers.slack.answers import answer_for, note_gap, without_mentions
from handlers.slack.blocks import notification_text, text_sections
from handlers.slack.common import service, typed_text
from handlers.slack.home import publish_home
from handlers.slack.listeners.commands import status_or_reply

if TYPE_CHECKING:
    from bot.core import Core
    from handlers.slack.app import Later

log = logging.getLogger(__name__)

# A picture or file sent by direct message is never read nor kept: said, so nobody believes it reached anyone.
FILES_LEFT_OUT = (
    "I can only read words, so I have not looked at the picture or file you sent. To ask about the policy, type "
    "your question. To report a concern, use /report and describe in words what it shows."
)
FILES_LEFT_OUT_OF_REPORT = (
    "The picture or file you sent has not been added to your report: in Slack only words can be. Please describe "
    "in words what it shows."
)


def register(app: App, core: Core, later: Later) -> None:
    def reply_in_thread(event: dict[str, Any], client: WebClient, text: str, blocks: list[dict[str, Any]]) -> None:
        client.chat_postMessage(
            channel=event["channel"],
            thread_ts=event.get("thread_ts") or event["ts"],
            text=text,
            blocks=blocks,
            unfurl_links=False,
            unfurl_media=False,
        )

    def answer_in_thread(event: dict[str, Any], client: WebClient) -> None:
        question = without_mentions(event.get("text") or "")
        text, blocks, answer = answer_for(core, question)
        reply_in_thread(event, client, text, blocks)
        note_gap(core, question, answer)

    # Bolt acks an event when its listener returns: each hands its work to `later`.
    @app.event("app_mention")
    def mentioned(event: dict[str, Any], client: WebClient) -> None:
        later(answer_in_thread, event, client)

    @app.event("message")
    def direct_message(event: dict[str, Any], client: WebClient) -> None:
        # Only people writing to the bot directly (with a picture or file too); edits, joins, bot messages and
        # channel chatter are ignored.
        if event.get("channel_type") != "im" or event.get("subtype") not in (None, "file_share") or event.get("bot_id"):
            return
        later(answer_direct_message, event, client)

    def answer_direct_message(event: dict[str, Any], client: WebClient) -> None:
        text = typed_text(core, event.get("text") or "")
        attached = bool(event.get("files")) or event.get("subtype") == "file_share"
        if attached and not text.strip():
            reply_in_thread(event, client, notification_text(FILES_LEFT_OUT), text_sections(FILES_LEFT_OUT))
            return
        code, rest = code_and_rest(text)
        if code is not None and service(core, "reports") is not None:
            # A receipt code in a direct message is about that report: an answer to the school's question, or a
            # status check. Never a policy question (it would be kept, with the case's details, as a gap). Words that
            # only ask after it ("any news on CODE?", "CODE yes") are not added; the sender is told how to add them.
            told = tells_something(rest)
            said = status_or_reply(core, code, rest if told else "", str(event.get("user", "")),
                                   not_added="" if told or asks_after(rest) else rest)
            said = f"{FILES_LEFT_OUT_OF_REPORT}\n\n{said}" if attached else said
            reply_in_thread(event, client, notification_text(said), text_sections(said))
            return
        answer_in_thread(event, client)
        if attached:
            reply_in_thread(event, client, notification_text(FILES_LEFT_OUT), text_sections(FILES_LEFT_OUT))

    @app.event("app_home_opened")
    def home_opened(event: dict[str, Any], client: WebClient) -> None:
        if event.get("tab", "home") == "home":
            later(publish_home, core, client, event["user"])
