"""Slash commands: /policy QUESTION, /report, /photos [taken | note | done], /checkreport CODE.

Each acks at once (Slack's 3-second limit); every answer goes only to the asker. A policy question is answered
in the acknowledgement itself (answering takes a millisecond or two and needs no network), so the answer arrives
with no second request; the other commands ack first and hand their slower work to `later`.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from slack_bolt import Ack, App, Respond
from slack_sdk import WebClient

from bot.reports.receipts import code_first
from handlers.slack.answers import answer_for, note_gap
from handlers.slack.blocks import clip, text_sections
from handlers.slack.common import (
    UNAVAILABLE,
    kind_error,
    not_staff,
    service,
    staff_member,
    typed_text,
)
from handlers.slack.report_views import DESCRIPTION_LIMIT, SLACK_REPLY_HOW, STATUS_COMMAND, report_form

if TYPE_CHECKING:
    from bot.core import Core
    from bot.reports.domain import ReplyAddress
    from handlers.slack.app import Later

log = logging.getLogger(__name__)


def _private(respond: Respond, text: str) -> None:
    respond(text=text[:300], blocks=text_sections(text), response_type="ephemeral")


def open_report_modal(core: Core, client: WebClient, trigger_id: str, description: str = "") -> str | None:
    """Open the report modal (with `description` already written in it); returns a message for the person when it
    cannot be opened."""
    reports = service(core, "reports")
    if reports is None:
        return UNAVAILABLE
    view = report_form(reports, description)
    client.views_open(trigger_id=trigger_id, view=view)
    return None


def register(app: App, core: Core, later: Later) -> None:
    @app.command("/policy")
    def policy(ack: Ack, command: dict[str, Any]) -> None:
        question = command.get("text") or ""
        text, blocks, answer = answer_for(core, question)
        ack(text=text, blocks=blocks, response_type="ephemeral")
        later(note_gap, core, question, answer)  # a database write the asker need not wait for

    @app.command("/report")
    def report(ack: Ack, command: dict[str, Any], client: WebClient, respond: Respond) -> None:
        ack()
        later(open_report_form, client, respond, command)

    def open_report_form(client: WebClient, respond: Respond, command: dict[str, Any]) -> None:
        typed = typed_text(core, command.get("text") or "").strip()
        try:
            problem = open_report_modal(core, client, command["trigger_id"], typed)
        except Exception as exc:  # logged by kind and place only: what was typed after /report is report text
            problem = kind_error(exc)
        if problem:
            _private(respond, problem)
        elif len(typed) > DESCRIPTION_LIMIT:  # the form holds the first part only: nothing is dropped unsaid
            _private(respond, FORM_HOLDS_PART.format(limit=DESCRIPTION_LIMIT, command=STATUS_COMMAND))

    @app.command("/photos")
    def photos(ack: Ack, command: dict[str, Any], respond: Respond) -> None:
        ack()
        later(record_photos, respond, command)

    def record_photos(respond: Respond, command: dict[str, Any]) -> None:
        schedule = service(core, "schedule")
        person = staff_member(core, command.get("user_id"))
        if person is None:
            _private(respond, not_staff(core, command.get("user_id")))
            return
        if schedule is None:
            _private(respond, UNAVAILABLE)
            return
        try:
            reply = schedule.photos.command(person.id, (command.get("text") or "").strip())
        except Exception as exc:
            reply = kind_error(exc)
        _private(respond, reply)

    @app.command(STATUS_COMMAND)
    def status(ack: Ack, command: dict[str, Any], respond: Respond) -> None:
        ack()
        later(report_status, respond, command)

    def report_status(respond: Respond, command: dict[str, Any]) -> None:
        reports = service(core, "reports")
        if reports is None:
            _private(respond, UNAVAILABLE)
            return
        code, reply = code_and_reply(typed_text(core, command.get("text") or "").strip())
        if not code:
            _private(respond, f"Please add your receipt code, for example: {STATUS_COMMAND} ACDE-FGHJ-KMNP-RTWX")
            return
        _private(respond, checked_report(core, code, reply, str(command.get("user_id", "")))[0])


FORM_HOLDS_PART = (
    "The report form holds {limit:,} characters, so it has only the first {limit:,} of what you typed. Send the "
    "report, then add the rest with {command} and your receipt code, followed by the rest."
)
NOT_ADDED = (f"I have not added \u201c{{words}}\u201d to your report. If it is your answer to the school, send: "
             f"{STATUS_COMMAND} {{code}} {{words}}")


def code_and_reply(text: str) -> tuple[str, str]:
    """/checkreport's receipt code and any answer after it. The code may be typed as it was read out, in lower case or
    with spaces ("drty 9kcg wmcd 7de4"); whatever cannot be a code is passed on as typed, to be said unknown."""
    found, rest = code_first(text)
    if found is not None:
        return found, rest
    code, _, reply = text.partition(" ")
    return code, reply


def checked_report(
    core: Core, code: str, reply: str, user_id: str, *, not_added: str = ""
) -> tuple[str, bool | None]:
    """/checkreport CODE: the report's status; /checkreport CODE ANSWER (or a direct message holding the code): the
    answer goes into the report first. `not_added`: words sent with the code that were not taken for an answer (they
    asked after the report, or were too few to tell): the sender is told how to add them if they were one.

    Returns the text, and whether the report's news comes to this Slack user (they gave their name: only then is the
    report already tied to them in Slack); None when no report was shown (a wrong code, say)."""
    from bot.reports.domain import REPLY_ADDED, ReplyAddress

    reports = core.reports
    # A keyed hash of the Slack user: a rate-limit bucket for wrong codes, never stored.
    requester = core.vault.mac(f"slack:{user_id}")
    here = ReplyAddress("slack", user_id)
    try:
        if reply.strip():
            view = reports.sender_reply(code, reply.strip(), requester=requester, asked_from=here)
            text = f"{REPLY_ADDED}\n\n{view.text()}"
        else:
            view = reports.sender_status(code, requester=requester, asked_from=here)
            text = view.text()
        if view.can_reply and not_added.strip():
            text += "\n" + NOT_ADDED.format(words=clip(not_added.strip(), 200), code=view.code)
        elif view.can_reply:
            text += "\n" + SLACK_REPLY_HOW.format(code=view.code)
    except Exception as exc:
        return kind_error(exc), _refused_reply_tied_here(core, exc, code, requester, here)
    return text, view.keeps_reply_channel


def _refused_reply_tied_here(
    core: Core, exc: Exception, code: str, requester: str, here: ReplyAddress
) -> bool | None:
    """After a reply was refused ("This report has been closed", "already in your report"), whether the report's
    news comes to this user, as for a report shown: the refusal names a real report, and is said privately unless
    they gave it their name. None when the code found no report (then nothing ties anyone to one)."""
    from bot.reports.domain import ReceiptNotFound, ReportError, TooManyAttempts

    if not isinstance(exc, ReportError) or isinstance(exc, (ReceiptNotFound, TooManyAttempts)):
        return None
    try:
        return core.reports.sender_status(code, requester=requester, asked_from=here).keeps_reply_channel
    except Exception:  # said privately all the same
        return False
