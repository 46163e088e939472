"""The modals of the report flow: raising a concern (staff), and a DSL's note, question to the sender, close and
re-open.

Raising a concern: category, what happened, and "stay anonymous" (ticked by default). An anonymous report
carries nothing about who sent it; its receipt is shown in the modal itself, which Slack does not keep, rather
than in a DM that would tie the receipt to the sender in Slack's own history.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from bot.reports.domain import REFUSED, outcome_sharing, question_reach
from bot.wording import counted
from handlers.slack.blocks import (
    SECTION_LIMIT,
    VIEW_BLOCKS,
    Block,
    checkbox,
    context,
    divider,
    escape,
    header,
    metadata,
    modal,
    mrkdwn_section,
    plain,
    text_input,
    text_sections,
    when,
)

if TYPE_CHECKING:
    from bot.reports.service import ReportService

REPORT_CALLBACK = "report.submit"
NOTE_CALLBACK = "report.note"
ASK_CALLBACK = "report.ask"
CLOSE_CALLBACK = "report.close"
REOPEN_CALLBACK = "report.reopen"
TEXT_BLOCK = "text"
CATEGORY_BLOCK = "category"
DESCRIPTION_BLOCK = "description"
ANONYMOUS_BLOCK = "anonymous"
DESCRIPTION_LIMIT = 3000  # Slack's own limit for a text input


def report_form(reports: ReportService, description: str = "") -> dict[str, Any]:
    """The report form as the core has it today (its kinds of concern, and who receives them)."""
    return report_modal(reports.categories(), reports.emergency_notice(), description, reports.handlers(),
                        who_sees=reports.who_sees())


def report_modal(
    categories: Sequence[Any],
    emergency_notice: str,
    description: str = "",
    handlers: Sequence[tuple[str, str]] = (),
    *,
    who_sees: str,
) -> dict[str, Any]:
    """The report form; `description`: what was typed after /report, so it need not be typed again; `handlers`:
    (name, role) of the people reports go to, so the sender can say the concern is about one of them; `who_sees`:
    the core's words for who will see the report."""
    options = [
        {
            "text": plain(category.label, 75),
            "value": category.key[:150],
            **({"description": plain(category.description, 75)} if category.description else {}),
        }
        for category in list(categories)[:100]
    ]
    blocks: list[Block] = [
        mrkdwn_section(f":rotating_light: *{escape(emergency_notice)}*"),
        {
            "type": "input",
            "block_id": CATEGORY_BLOCK,
            "label": plain("What is it about?"),
            "element": {"type": "static_select", "action_id": "value", "options": options,
                        "placeholder": plain("Choose one")},
        },
        text_input(DESCRIPTION_BLOCK, "What happened?", max_length=DESCRIPTION_LIMIT,
                   placeholder="Say what you saw or heard, when and where. Facts, not opinions.",
                   initial=description.strip()[:DESCRIPTION_LIMIT] or None),
        *([about_block(handlers)] if handlers else []),
        checkbox(ANONYMOUS_BLOCK, "Stay anonymous",
                 "Nothing about who you are goes with the report. Untick to give your name.", checked=True),
        context(escape(who_sees)),
    ]
    return modal("Report a concern", blocks, callback_id=REPORT_CALLBACK, submit="Send", close="Cancel")


ABOUT_BLOCK = "about"


def about_block(handlers: Sequence[tuple[str, str]]) -> Block:
    """"Is it about one of these people?": those chosen never see the report (see ReportService.submit)."""
    options = [
        {"text": plain(f"{name} ({role})", 75), "value": name[:150]} for name, role in list(handlers)[:100]
    ]
    return {
        "type": "input",
        "block_id": ABOUT_BLOCK,
        "optional": True,
        "label": plain("Is it about one of these people?"),
        "hint": plain("Anyone you choose here will not see your report or hear about it."),
        "element": {"type": "multi_static_select", "action_id": "value", "options": options,
                    "placeholder": plain("Leave empty if not")},
    }


# Not /status: that is Slack's own command, which would set the sender's Slack status, for all to see, to the code.
STATUS_COMMAND = "/checkreport"
SLACK_REPLY_HOW = f"In Slack, answer with {STATUS_COMMAND} {{code}} followed by your answer."
# The receipt says it once: how to check the report, and how to answer in Slack.
SLACK_FOLLOW_UP = (f"To see news about your report, send: {STATUS_COMMAND} {{code}}\n"
                   f"To answer a question from the school, send {STATUS_COMMAND} {{code}} followed by your answer.")


def receipt_modal(sender_text: str, keeps_copy: bool = False) -> dict[str, Any]:
    """The receipt. `keeps_copy`: it is also sent by direct message (a named report); else this window is the
    only place it is shown, and Slack keeps no copy of it."""
    tail = [] if keeps_copy else [context("Slack keeps no copy of this window: please write the code down before "
                                          "you close it.")]
    return modal("Report sent", [mrkdwn_section(":white_check_mark: *Your report has arrived safely.*"),
                                 *text_sections(sender_text), *tail])


def message_modal(title: str, text: str) -> dict[str, Any]:
    return modal(title, text_sections(text))


SHARE_BLOCK = "share"


def case_action_modal(callback_id: str, code: str, *, sender_reachable: bool = True) -> dict[str, Any]:
    """A DSL's note, question to the sender, or closing outcome. Who will read it is said on each form: a note is
    never the sender's; an outcome is theirs only if the DSL ticks the box (as `policybot reports close --share`); a
    question reaches the sender only if they kept a way to be reached (`sender_reachable`), said before it is
    written, and then it is saved, not sent."""
    titles = {
        NOTE_CALLBACK: ("Add a note", "Note for the record", "Add note"),
        ASK_CALLBACK: ("Ask the sender", "Your question (the sender sees this, not your name)",
                       "Send" if sender_reachable else "Save question"),
        CLOSE_CALLBACK: ("Close the case", "Outcome: what was done and why", "Close case"),
        REOPEN_CALLBACK: ("Re-open the case", "Why is it being looked at again?", "Re-open"),
    }
    title, label, submit = titles[callback_id]
    blocks: list[Block] = [context(f"Report *{escape(code)}*")]
    if callback_id == ASK_CALLBACK:
        blocks.append(mrkdwn_section(escape(question_reach(sender_reachable))))
    blocks.append(text_input(TEXT_BLOCK, label, max_length=DESCRIPTION_LIMIT))
    if callback_id == NOTE_CALLBACK:
        blocks.append(context("Notes are private: only the people handling this report see them, never the sender."))
    elif callback_id == CLOSE_CALLBACK:
        blocks.append(checkbox(SHARE_BLOCK, "Share the outcome with the sender",
                               "They can then read it with their receipt code. If not ticked, they are told only "
                               "that the report is closed.", checked=False))
    elif callback_id == REOPEN_CALLBACK:
        blocks.append(context("The reason is for the record. If the sender can still be reached, they are told only "
                              "that their report is being looked at again, not by whom nor why."))
    return modal(title, blocks, callback_id=callback_id, submit=submit, close="Cancel",
                 private_metadata=metadata(code=code))


def case_modal(case: Any, tz: Any) -> dict[str, Any]:
    """A DSL's view of a whole case: the report text, then the chronology, newest last. Each entry is shown whole
    (a long reply in as many sections as it needs); when the window cannot hold them all, the oldest give way.
    Who has opened the case, and who tried to act on it without access, are counted rather than listed, so that
    neither pushes the newest entries, such as the reply a DSL was told of, out of the window.
    """
    blocks: list[Block] = [
        header(f"{case.category.label}: {case.code}"),
        context(f"Status: *{escape(case.status)}* · received {escape(when(case.created_at, tz))}"
                + (f" · outcome {outcome_sharing(case.outcome_shared)}" if case.outcome is not None else "")),
        *text_sections(case.text),
        *([context(_pictures(case))] if case.attachments else []),
        divider(),
        mrkdwn_section("*Chronology*"),
    ]
    entries: list[list[Block]] = []
    opened = 0
    refused: dict[str, int] = {}
    for event in case.events:
        if event.action == "opened":
            opened += 1
            continue
        if event.action == REFUSED:
            refused[event.actor] = refused.get(event.actor, 0) + 1
            continue
        line = f"{escape(when(event.at, tz))} · *{escape(event.actor)}* {escape(event.action)}"
        detail = event.detail or ""
        whole = line + (f": {escape(detail)}" if detail else "")
        if len(whole) <= SECTION_LIMIT:  # measured escaped: "&" becomes "&amp;", and a context line is cut, silently
            entries.append([context(whole)])
        else:
            entries.append([context(line + ":"), *text_sections(detail)])
    tail: list[Block] = []
    if opened:
        tail.append(context(f"Opened {_times(opened)} in all."))
    if refused:
        tried = "; ".join(f"{escape(who)}, {_times(count)}" for who, count in refused.items())
        tail.append(context(f"Tried to open it or act on it without access (each attempt is recorded): {tried}."))
    if not case.chain_ok:
        tail.append(mrkdwn_section(":warning: *The chronology's integrity check failed. Tell the Headteacher.*"))
    room = VIEW_BLOCKS - len(blocks) - len(tail) - 1
    shown: list[Block] = []
    for count, entry in enumerate(reversed(entries)):
        if len(shown) + len(entry) > room:
            earlier = len(entries) - count
            # A DSL in Slack cannot run server commands: the whole record is exported by whoever runs the server.
            shown.insert(0, context(f"_{earlier} earlier entr{'ies are' if earlier != 1 else 'y is'} not shown "
                                    "here. For the whole record, ask whoever looks after the bot's server for an "
                                    f"export of report {case.code}._"))
            break
        shown[:0] = entry
    return modal("Report", blocks + shown + tail)


def _pictures(case: Any) -> str:
    """The pictures that came with a case, which Slack cannot show: who can save them for the DSL (a DSL in Slack
    cannot run server commands)."""
    them = "it" if len(case.attachments) == 1 else "them"
    return (f"{counted(len(case.attachments), 'picture')} came with this report. Slack cannot show {them} here: to "
            f"see {them}, ask whoever looks after the bot's server to save {them} from report {escape(case.code)}.")


def _times(count: int) -> str:
    return {1: "once", 2: "twice"}.get(count, f"{count} times")
