"""The report conversation in the console: the same steps a Telegram or Slack sender goes through.

    START -> (999 notice) -> CHOOSE category -> DESCRIBE (lines until a blank line) -> REVIEW
    REVIEW --yes--> SEND -> receipt          REVIEW --edit--> DESCRIBE          any step --/cancel--> nothing sent

The console asks for no identity and keeps no reply channel: the sender follows the report with its receipt.
All rules (validation, routing, storage) are the core's; this file only talks.
"""

from __future__ import annotations

import logging
from enum import Enum, auto
from typing import TYPE_CHECKING

from bot.reports import Category, Receipt, ReportError
from bot.reports.domain import REPLY_ADDED
from handlers.console.io import ConsoleIO

if TYPE_CHECKING:
    from bot.core import Core

INTRO = (
    "You can tell the school about a worry here. I will not ask who you are, and the report does not record it.\n"
    "Nothing is sent until you confirm. Type /cancel at any time to stop."
)
log = logging.getLogger(__name__)

CANCELLED = "Cancelled. Nothing was sent."
NOT_SENT = "Sorry, something went wrong on our side and your {what} was not sent. It is kept here to send again."
YES = {"y", "yes", "send", "ok", "confirm"}
NO = {"n", "no", "stop"}
EDIT = {"e", "edit", "change", "again"}


class Step(Enum):
    CHOOSE = auto()
    DESCRIBE = auto()
    REVIEW = auto()
    SEND = auto()


def console_requester(core: Core) -> str:
    """The rate-limit bucket for wrong receipt codes typed at this terminal (a keyed hash, never stored)."""
    return core.vault.mac("console:local")


def read_lines(io: ConsoleIO, prompt: str = "> ", *, may_be_empty: bool = False) -> str | None:
    """Several lines of text, ended by an empty line. None when the person cancels. `may_be_empty`: lines added to a
    text already begun, so an empty line at once ends them (with none); otherwise it is skipped."""
    lines: list[str] = []
    while True:
        line = io.ask(prompt)
        if line is None:
            return None
        if not line.strip():
            if lines or may_be_empty:
                return "\n".join(lines)
            continue
        lines.append(line.rstrip())


def choose_category(core: Core, io: ConsoleIO) -> Category | None:
    categories = core.reports.categories()
    menu = "\n".join(f"  {n}. {c.label}: {c.description}" for n, c in enumerate(categories, start=1))
    io.say(f"What is your worry about?\n{menu}")
    while True:
        reply = io.ask(f"Type a number from 1 to {len(categories)}: ")
        if reply is None:
            return None
        choice = reply.strip().rstrip(".")
        if choice.isdigit() and 1 <= int(choice) <= len(categories):
            return categories[int(choice) - 1]
        io.say(f"Please type just the number, from 1 to {len(categories)}.")


def ask_whom_about(core: Core, io: ConsoleIO, text: str, category: Category) -> list[str] | None:
    """When the report names roles that handle reports ("the headteacher grabbed..."), which of them it is about: the
    names to keep it from ([] when none); None if the person stopped."""
    from bot.reports.domain import about_question

    mentioned = core.reports.mentioned_roles(text, category.key)
    if not mentioned:
        return []
    count = len(mentioned)
    choices = [f"  {n}. Yes, about the {label}" for n, (_, label, _) in enumerate(mentioned, start=1)]
    io.say("\n".join([about_question([label for _, label, _ in mentioned]), *choices, f"  {count + 1}. No"]))
    hint = "Type 1 or 2" if count == 1 else f"Type the numbers of all it is about (for example 1 3), or {count + 1}"
    while True:
        reply = io.ask(f"{hint}: ")
        if reply is None:
            return None
        answer = reply.strip().lower().rstrip(".")
        if answer in {"stop", "cancel", "/cancel"}:
            return None
        if answer in NO - {"stop"} or answer == str(count + 1):
            return []
        if count == 1 and (answer in YES or answer.startswith("yes")):
            return mentioned[0][2]
        numbers = answer.replace(",", " ").replace("and", " ").split()
        if answer == "all":
            numbers = [str(n) for n in range(1, count + 1)]
        if numbers and all(n.isdigit() and 1 <= int(n) <= count for n in numbers):
            return [name for n in sorted(set(numbers)) for name in mentioned[int(n) - 1][2]]
        io.say(f"Please type {'1 or 2' if count == 1 else f'numbers from 1 to {count + 1}'}.")


def run_report_flow(core: Core, io: ConsoleIO) -> Receipt | None:
    """Make a report from the console; returns the receipt, or None if the person stopped."""
    reports = core.reports
    io.say(INTRO)
    io.say(reports.emergency_notice())
    step, category, text = Step.CHOOSE, None, ""
    kept_from: list[str] = []
    while True:
        if step is Step.CHOOSE:
            category = choose_category(core, io)
            if category is None:
                break
            if category.emergency_notice:
                io.say(reports.emergency_reminder())
            step = Step.DESCRIBE
        elif step is Step.DESCRIBE:
            io.say(
                "Please describe what happened: what you saw or heard, when and where, and who is involved.\n"
                "Write as many lines as you like, then press Enter on an empty line to finish."
            )
            described = read_lines(io)
            if described is None:
                break
            problem = reports.text_problem(described)
            if problem:  # said now, not after the sender has read it all back and confirmed
                io.say(problem)
                continue
            assert category is not None  # (chosen before describing)
            chosen = ask_whom_about(core, io, described, category)
            if chosen is None:
                break
            kept_from = chosen
            text, step = described, Step.REVIEW
        elif step is Step.REVIEW:
            assert category is not None
            about = f"\n  It will not be sent to: {', '.join(kept_from)}" if kept_from else ""
            io.say(f"Here is your report.\n  Kind of concern: {category.label}{about}\n\n{text}")
            reply = io.ask("Send it to the school? Type yes to send, edit to write it again, or no to stop: ")
            if reply is None:
                break
            answer = reply.strip().lower()
            if answer in YES:
                step = Step.SEND
            elif answer in EDIT:
                step = Step.DESCRIBE
            elif answer in NO:
                break
            else:
                io.say("Please type yes, edit or no.")
        else:
            assert category is not None
            try:
                receipt = reports.submit(category.key, text, channel="console", named_people=kept_from)
            except ReportError as exc:
                io.say(str(exc))
                step = Step.DESCRIBE
                continue
            except Exception as exc:  # e.g. the database busy or unreachable: the report is kept to send again
                _not_sent(io, exc, "report")
                step = Step.REVIEW
                continue
            io.say(receipt.sender_text())
            return receipt
    io.say(CANCELLED)
    return None


def run_status_flow(core: Core, io: ConsoleIO, code: str = "") -> None:
    """Check a report by its receipt code; answer the school's question or add more if the report is open."""
    reports = core.reports
    if not code.strip():
        asked = io.ask("What is your receipt code? ")
        if asked is None or not asked.strip():
            return
        code = asked
    requester = console_requester(core)
    try:
        view = reports.sender_status(code, requester=requester)
    except ReportError as exc:
        io.say(str(exc))
        return
    io.say(view.text())
    if not view.can_reply:
        return
    open_question = any(not q.answered for q in view.questions)
    offer = "Would you like to answer the school's question" if open_question else "Would you like to add anything"
    started = ""  # the reply itself, typed straight after the offer instead of yes: kept, not dropped
    while True:
        reply = io.ask(f"{offer}? Type yes or no: ")
        if reply is None or reply.strip().lower() in NO:
            return
        if reply.strip().lower() in YES:
            break
        if len(reply.split()) > 1 and not reply.strip().startswith("/"):
            started = reply.strip()
            break
        io.say("Please type yes or no.")
    if started:
        io.say("I have kept that as the start of your reply. Add more lines if you like, then press Enter on an empty "
               "line to send it. Type /cancel to stop.")
    else:
        io.say("Write your reply, then press Enter on an empty line to send it. Type /cancel to stop.")
    more = read_lines(io, may_be_empty=bool(started))
    if more is None:
        io.say(CANCELLED)
        return
    text = "\n".join(part for part in (started, more) if part)
    while True:
        try:
            added = reports.sender_reply(view.code, text, requester=requester)
            break
        except ReportError as exc:
            io.say(str(exc))
            return
        except Exception as exc:  # e.g. the database busy or unreachable: the reply is kept to send again
            _not_sent(io, exc, "reply")
            again = io.ask("Try again? Type yes or no: ")
            if again is None or again.strip().lower() not in YES:
                io.say(CANCELLED)
                return
    io.say(REPLY_ADDED)
    if added.after_reply:  # the report had been closed: the core says what that means for them
        io.say(added.after_reply)


def _not_sent(io: ConsoleIO, exc: Exception, what: str) -> None:
    # The kind of fault only: its message could quote what was typed.
    log.error("a console %s could not be sent (%s)", what, type(exc).__name__)
    io.say(NOT_SENT.format(what=what))
