"""Handling a case in a chat that has no forms (Telegram): the case as text to read, and each step that takes words
(a note, a question to the sender, the outcome, why it is re-opened) asked for in a message naming the case, which
the person answers by replying to it. The reply says which case and which step it is for, so nothing is kept in
the chat meanwhile; who is acting comes from the chat's owner, and the core checks their role as for any button.

A chair of governors on Telegram alone could only acknowledge a concern about the headteacher there, and was sent to
the bot's server for the rest, which a governor does not use. The core decides what each step says and does; an
adapter shows these words, the steps' buttons, and passes the reply back (`act`).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

from bot.reports.domain import (
    ADD_NOTE,
    ASK_SENDER,
    CLOSE_REPORT,
    CLOSED,
    OPEN_REPORT,
    REOPEN_REPORT,
    AccessDenied,
    Actor,
    CaseView,
    ReportError,
    question_reach,
)
from bot.wording import counted, short_date_time

if TYPE_CHECKING:
    from bot.reports.service import ReportService

# The steps, as their buttons name them (the cards' buttons are these, see Cards.queue_card).
NOTE, ASK, CLOSE, REOPEN = "report.note", "report.ask", "report.close", "report.reopen"
KEEP_OUTCOME, SHARE_OUTCOME = "report.close.keep", "report.close.share"  # the two ways of closing, once chosen
VIEW = "report.view"


@dataclass(frozen=True)
class Prompt:
    """What a step asks for, naming its case on the first line (`heading`): a reply to it is the answer."""

    heading: str
    text: str
    placeholder: str  # shown in the empty reply box

    def message(self, code: str, reach: str) -> str:
        return f"{self.heading.format(code=code)}\n{self.text.format(reach=reach)}"


_PROMPTS = {
    NOTE: Prompt("Add a note to report {code}",
                 "Reply to this message with your note. Notes are private: only the people handling the report see "
                 "them, never the sender.", "Your note"),
    ASK: Prompt("Ask the sender of report {code}",
                "Reply to this message with your question. The sender sees it, not your name. {reach}",
                "Your question for the sender"),
    KEEP_OUTCOME: Prompt("Close report {code}, keeping the outcome from the sender",
                         "Reply to this message with the outcome: what was done and why. The sender is told only "
                         "that the report is closed.", "The outcome"),
    SHARE_OUTCOME: Prompt("Close report {code}, sharing the outcome with the sender",
                          "Reply to this message with the outcome: what was done and why. The sender can read it with "
                          "their receipt code, so write it for them to read.", "The outcome, for the sender too"),
    REOPEN: Prompt("Re-open report {code}",
                   "Reply to this message saying why it is being looked at again. The reason is for the record: if "
                   "the sender can still be reached, they are told only that it is being looked at again.",
                   "Why it is being re-opened"),
}
# Closing asks first whether the sender may read the outcome, as the Slack form's box and `reports close --share` do.
CLOSE_CHOICE = ("Close report {code}: may the sender read the outcome? If it is kept from them, they are told only "
                "that the report is closed.")
CLOSE_CHOICES = ((KEEP_OUTCOME, "Keep it from the sender"), (SHARE_OUTCOME, "Share it with the sender"))
# A reply to a step's message changed after it was sent (Telegram allows it): the step was done with the first words.
CHANGED_REPLY = ("Changing your message does not change report {code}: it was recorded as you first sent it. To put "
                 "something right, add a note saying so.")
# A reply to one of the case's other messages (its card, the case as read here): no step's words, and no question.
NOT_ADDED = "Your message is not added to report {code}."
NOT_A_STEP = (NOT_ADDED + " Only a reply to a step's message is: to add it as a note, press Add a note, then reply to "
              "the message that asks for it.")
# A step's words refused because the case changed meanwhile (closed, or re-opened, by someone else): not lost unsaid.
NOT_RECORDED = "What you wrote is not recorded: to keep it with the case, add it as a note."
# The buttons (step, label) offered beside those messages: reading the case, and adding words to it as a note.
OPEN_BUTTON = (VIEW, "Open the report")
NOTE_BUTTON = (NOTE, "Add a note")
_ACTIONS = {VIEW: OPEN_REPORT, NOTE: ADD_NOTE, ASK: ASK_SENDER, CLOSE: CLOSE_REPORT, KEEP_OUTCOME: CLOSE_REPORT,
            SHARE_OUTCOME: CLOSE_REPORT, REOPEN: REOPEN_REPORT}
_HEADING = re.compile(r"^(.+?) report (\S+?)(?:,.*)?$")


def action_of(step: str) -> str:
    """The action a step is checked as (ReportService.check_access), before it is asked for, and recorded as when
    refused."""
    return _ACTIONS[step]


def prompt(step: str, code: str, *, sender_reachable: bool = True) -> tuple[str, str]:
    """(message, placeholder) asking for a step's words about report `code`."""
    found = _PROMPTS[step]
    return found.message(code, question_reach(sender_reachable)), found.placeholder


def replied_to(text: str) -> tuple[str, str] | None:
    """(step, case reference) of the prompt a reply answers, from the prompt's first line; None if it is none."""
    first = (text or "").split("\n", 1)[0].strip()
    matched = _HEADING.match(first)
    if matched is None:
        return None
    code = matched.group(2)
    for step, found in _PROMPTS.items():
        if found.heading.format(code=code) == first:
            return step, code
    return None


class NotRecorded(ReportError):
    """A step's words refused because the case changed meanwhile: its message ends with NOT_RECORDED."""


def act(reports: ReportService, step: str, code: str, actor: Actor, words: str) -> str:
    """Do a step with the words replied, and say what became of it (ReportError, with its own message, if not: for
    words other than a note, NotRecorded, saying they are not recorded and how to keep them, unless the actor may
    not act)."""
    try:
        return _act(reports, step, code, actor, words)
    except AccessDenied:
        raise
    except ReportError as refused:
        if step == NOTE:
            raise
        raise NotRecorded(f"{refused} {NOT_RECORDED}") from refused


def _act(reports: ReportService, step: str, code: str, actor: Actor, words: str) -> str:
    if step == NOTE:
        return f"Your note is added to report {reports.add_note(code, actor, words).code}."
    if step == ASK:
        return reports.ask_sender(code, actor, words).asked_text()
    if step in (KEEP_OUTCOME, SHARE_OUTCOME):
        return reports.close(code, actor, words, share_with_sender=step == SHARE_OUTCOME).closed_text()
    return reports.reopen(code, actor, words).reopened_text()


def steps(status: str) -> list[tuple[str, str]]:
    """(step, label) of what may be done next to a case in `status`, as its card's buttons (Cards.queue_card): a
    closed case takes a note, or is re-opened; an open one also a question to the sender, or closing."""
    if status == CLOSED:
        return [NOTE_BUTTON, (REOPEN, "Re-open")]
    return [NOTE_BUTTON, (ASK, "Ask the sender"), (CLOSE, "Close")]


def pictures_hint(code: str, pictures: int) -> str:
    """Where someone reading a case in a chat, which cannot show its pictures, gets them."""
    them = "it" if pictures == 1 else "them"
    return (f"{counted(pictures, 'picture')} came with this report. To see {them}, ask whoever looks after the bot's "
            f"server to save {them} from report {code}.")


def case_lines(view: CaseView, tz: dt.tzinfo, *, on_server: bool = True) -> list[str]:
    """The whole case as lines of text: its state, the report, its pictures and its chronology, oldest first.
    `on_server`: read where `policybot reports evidence` saves the pictures (else who can, see pictures_hint)."""

    def local(moment: dt.datetime) -> str:
        return short_date_time(moment.astimezone(tz))

    lines = [
        f"Report {view.code}: {view.category.label} ({'urgent' if view.category.urgent else 'routine'})",
        f"Status: {view.status}" + (f", acknowledged by {view.acknowledged_by}" if view.acknowledged_by else ""),
        f"Received: {local(view.created_at)} through {view.received_through}",
    ]
    if view.outcome:
        lines.append(f"{view.outcome_label()}: {view.outcome}")
    if view.status != CLOSED:  # a closed report takes no questions
        lines.append(question_reach(view.can_contact_sender))
    lines += ["", view.text, ""]
    if on_server:
        lines += [f"Picture {number}: {info.filename} ({info.size} bytes, sha256 {info.sha256})"
                  for number, info in enumerate(view.attachments, start=1)]
    elif view.attachments:
        lines.append(pictures_hint(view.code, len(view.attachments)))
    lines.append("Chronology:" if view.chain_ok else f"Chronology (WARNING: {view.extra.get('chain_problem')}):")
    for event in view.events:
        action, detail = event.as_read()
        lines.append(f"  {local(event.at)}  {event.actor} {action}{f': {detail}' if detail else ''}")
    return lines

