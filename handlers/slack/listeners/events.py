"""Events: @mentions and direct messages (answered in a thread), and App Home opened (the Home tab is drawn)."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from slack_bolt import App
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.reports.receipts import (
    REFERENCE_IS_NO_RECEIPT,
    asks_after,
    code_and_rest,
    find_code,
    mentions_reference,
    tells_something,
)
from handlers.slack.answers import answer_for, note_gap, without_mentions
from handlers.slack.blocks import actions, button, notification_text, text_sections
from handlers.slack.common import service, typed_text
from handlers.slack.home import publish_home
from handlers.slack.listeners.commands import checked_report

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
# A message shared (forwarded) to the bot with no words of the sharer's own: someone else's words, which Slack sends
# apart, and no question. As on Telegram: what to do with it, with the button that opens the report form.
SHARED = (
    "That is a shared message, and I do not read those. If it worries you, you can pass it to the Designated "
    "Safeguarding Leads: press Report a concern and describe it, or paste it, in the form. If you have a question "
    "about it, please type it."
)

# A receipt code sent here, for a report the sender did not give their name to: this conversation is kept by Slack.
KEPT_BY_SLACK = (
    "Only you can see this answer, and Slack does not keep it. Your message above stays in Slack "
    "with your name, and ties you to this report: you may want to delete it. To check your report without leaving a "
    "trace, send: /checkreport {code}"
)

# A receipt code in a channel, where everyone in it can read it (and use it: see the report, answer as its sender).
CODE_IN_CHANNEL = (
    "That looks like a receipt code. Everyone in this channel can read it, and a receipt code is the only key to a "
    "report: please delete your message. To check a report so that only you see it, send /checkreport followed by "
    "its code."
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

    def answer_mention(event: dict[str, Any], client: WebClient) -> None:
        if find_code(without_mentions(event.get("text") or "")) is None:
            answer_in_thread(event, client)
            return
        # A receipt code posted in a channel: never answered there (nor taken for a policy question). Only its
        # poster is told, privately, what it means that everyone there can now read it.
        try:
            client.chat_postEphemeral(channel=event["channel"], user=str(event.get("user", "")),
                                      text=notification_text(CODE_IN_CHANNEL), blocks=text_sections(CODE_IN_CHANNEL))
        except SlackApiError as exc:
            log.warning("could not answer a receipt code in a channel privately: %s", exc.response.get("error"))

    # Bolt acks an event when its listener returns: each hands its work to `later`.
    @app.event("app_mention")
    def mentioned(event: dict[str, Any], client: WebClient) -> None:
        later(answer_mention, event, client)

    @app.event("message")
    def direct_message(event: dict[str, Any], client: WebClient) -> None:
        # Only people writing to the bot directly (with a picture or file too); edits, joins, bot messages and
        # channel chatter are ignored.
        if event.get("channel_type") != "im" or event.get("subtype") not in (None, "file_share") or event.get("bot_id"):
            return
        # In turn per conversation: a second quick message is not answered before the first.
        later.in_turn(f"im:{event.get('channel')}", answer_direct_message, event, client)

    def answer_direct_message(event: dict[str, Any], client: WebClient) -> None:
        text = typed_text(core, event.get("text") or "")
        attached = bool(event.get("files")) or event.get("subtype") == "file_share"
        shared = any(isinstance(a, dict) and a.get("is_share") for a in event.get("attachments") or [])
        if shared and not text.strip():
            reply_in_thread(event, client, notification_text(SHARED),
                            text_sections(SHARED) + actions([button("report.open", "Report a concern", "", "danger")]))
            return
        if attached and not text.strip():
            reply_in_thread(event, client, notification_text(FILES_LEFT_OUT), text_sections(FILES_LEFT_OUT))
            return
        code, rest = code_and_rest(text)
        if code is not None and service(core, "reports") is not None:
            # A receipt code in a direct message is about that report: an answer to the school's question, or a
            # status check. Never a policy question (it would be kept, with the case's details, as a gap). Words that
            # only ask after it ("any news on CODE?", "CODE yes") are not added; the sender is told how to add them.
            told = tells_something(rest)
            user_id = str(event.get("user", ""))
            said, named = checked_report(core, code, rest if told else "", user_id,
                                         not_added="" if told or asks_after(rest) else rest)
            said = f"{FILES_LEFT_OUT_OF_REPORT}\n\n{said}" if attached else said
            if named is not False:  # a report they gave their name to (its news comes here anyway), or none shown
                reply_in_thread(event, client, notification_text(said), text_sections(said))
                return
            # Perhaps an anonymous report: Slack keeps this conversation under the sender's name, so the report
            # is shown only to them, for now, and they are told how to check it without leaving a trace.
            said = f"{said}\n\n{KEPT_BY_SLACK.format(code=code)}"
            try:
                client.chat_postEphemeral(channel=event["channel"], user=user_id, text=notification_text(said),
                                          blocks=text_sections(said))
            except SlackApiError as exc:
                log.warning("could not answer a receipt code privately: %s", exc.response.get("error"))
            return
        if mentions_reference(text):  # a case reference: about a report, never a policy question kept as a gap
            reply_in_thread(event, client, notification_text(REFERENCE_IS_NO_RECEIPT),
                            text_sections(REFERENCE_IS_NO_RECEIPT))
            return
        answer_in_thread(event, client)
        if attached:
            reply_in_thread(event, client, notification_text(FILES_LEFT_OUT), text_sections(FILES_LEFT_OUT))

    @app.event("app_home_opened")
    def home_opened(event: dict[str, Any], client: WebClient) -> None:
        if event.get("tab", "home") == "home":
            later(publish_home, core, client, event["user"])
