"""Events: @mentions and direct messages (answered in a thread), and App Home opened (the Home tab is drawn)."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from slack_bolt import App
from slack_sdk import WebClient

from handlers.slack.answers import answer_for, note_gap, without_mentions
from handlers.slack.home import publish_home

if TYPE_CHECKING:
    from bot.core import Core

log = logging.getLogger(__name__)


def register(app: App, core: Core) -> None:
    def answer_in_thread(event: dict[str, Any], client: WebClient) -> None:
        question = without_mentions(event.get("text") or "")
        text, blocks, answer = answer_for(core, question)
        client.chat_postMessage(
            channel=event["channel"],
            thread_ts=event.get("thread_ts") or event["ts"],
            text=text,
            blocks=blocks,
            unfurl_links=False,
            unfurl_media=False,
        )
        note_gap(core, question, answer)

    @app.event("app_mention")
    def mentioned(event: dict[str, Any], client: WebClient) -> None:
        answer_in_thread(event, client)

    @app.event("message")
    def direct_message(event: dict[str, Any], client: WebClient) -> None:
        # Only people writing to the bot directly; edits, joins, bot messages and channel chatter are ignored.
        if event.get("channel_type") != "im" or event.get("subtype") or event.get("bot_id"):
            return
        answer_in_thread(event, client)

    @app.event("app_home_opened")
    def home_opened(event: dict[str, Any], client: WebClient) -> None:
        if event.get("tab", "home") == "home":
            publish_home(core, client, event["user"])
