"""The console chat: the same core flows as Slack and Telegram, in a terminal (and in tests).

`policybot chat` (and `policybot run` with no tokens configured) runs `chat(core, io)`.
"""

from __future__ import annotations

import logging
import textwrap
from typing import TYPE_CHECKING, Literal

from bot.ports import DeliveryError, OutboundMessage
from bot.reports.receipts import REFERENCE_IS_NO_RECEIPT, find_code
from bot.typed import about_the_asker
from handlers.console.io import ConsoleIO

if TYPE_CHECKING:
    from bot.core import Core
    from bot.qa import Answer
    from bot.typed import AboutTheAsker

log = logging.getLogger(__name__)
Audience = Literal["parent", "staff"]

HELP = """\
Type a question about the policy in your own words, for example "can I post photos from sports day?".
  /report        tell the school about a concern, anonymously
  /status CODE   check a concern you reported, with its receipt code
  /audience      switch between parent or carer and staff
  /help          this help
  /quit          leave"""
# What someone new to the chat types without the slash: "quit" is not a question about staff leaving (the policy's
# passwords clause), nor "status" one about comments on the school.
PLAIN_COMMANDS = {"quit": "/quit", "exit": "/quit", "bye": "/quit", "goodbye": "/quit", "help": "/help",
                  "report": "/report", "status": "/status", "cancel": "/cancel", "stop": "/cancel"}
# What the words of bot.typed.about_the_asker do here (those not answered by a flow): never answered from the policy.
FORGET_ME = (
    "I do not know who you are: this chat asks for no name and keeps none with your questions or reports, and the "
    "school has no way to reach you through it. A report you sent stays with the school, without your name."
)
HOW_TO_CHECK = (
    "To see news about your report, type /status followed by its receipt code. The code was shown when you sent "
    "your report. News does not come to this chat by itself."
)


def render_answer(answer: Answer, report_how: str = "Type /report to tell the school about a concern.") -> str:
    """An answer as plain text: the short answer, then each quoted clause with its section. `report_how`: how a
    concern is reported from where the answer is read (the chat's /report, or `policybot chat` from `ask`)."""
    lines = [answer.text.strip()]
    for citation, words in answer.to_be_quoted(3):
        quote = textwrap.fill(words, width=88, initial_indent="    ", subsequent_indent="    ")
        lines.append(f'\n  From "{citation.section}" ({citation.policy}):\n{quote}')
    if answer.report:
        lines.append("\n" + report_how)
    return "\n".join(lines)


AUDIENCE_NAMES: dict[Audience, str] = {"parent": "parents and carers", "staff": "staff"}


def choose_audience(io: ConsoleIO, held: list[str] | None = None) -> Audience | None:
    """Parent or staff. A question typed before choosing is kept in `held`, to be answered once we know who asks."""
    while True:
        reply = io.ask("Are you a parent or carer (p), or a member of staff (s)? ")
        if reply is None:
            return None
        choice = reply.strip().lower()
        if choice in {"p", "parent", "carer", "parent or carer"}:
            return "parent"
        if choice in {"s", "staff", "member of staff", "teacher"}:
            return "staff"
        if held is not None and len(choice.split()) > 1 and not choice.startswith("/"):
            held.append(reply.strip())
            io.say("I will answer that in a moment: the policy says different things to parents and to staff. "
                   "Please type p for parent or carer, or s for staff.")
        else:
            io.say("Please type p for parent or carer, or s for staff.")


def chat(core: Core, io: ConsoleIO | None = None) -> None:
    io = io or ConsoleIO()
    io.say(f"Hello! I answer questions about {core.school.name}'s Social Media Policy, quoting it word for word.")
    held: list[str] = []
    audience = choose_audience(io, held)
    if audience is None:
        io.say("Goodbye.")
        return
    io.say(HELP)
    if held:
        _answer(core, io, held[-1], audience)
    while True:
        line = io.ask("\nYou: ", cancellable=False)
        text = (line or "").strip()
        command, _, rest = text.partition(" ")
        command = command.lower()
        if not rest:
            command = PLAIN_COMMANDS.get(command.rstrip(".!?"), command)
        if line is None or command in ("/quit", "/exit"):
            io.say("Goodbye.")
            return
        if command == "/cancel":
            io.say("There is nothing to cancel. Ask a question, or type /quit to leave.")
        elif command == "/help":
            io.say(HELP)
        elif command == "/audience":
            audience = choose_audience(io) or audience
            io.say(f"From now on I answer as the policy speaks to {AUDIENCE_NAMES[audience]}.")
        elif command == "/report":
            from handlers.console.report import run_report_flow

            run_report_flow(core, io)
        elif command == "/status":
            from handlers.console.report import run_status_flow

            run_status_flow(core, io, rest.strip())
        elif command.startswith("/"):
            io.say("I don't know that command. Type /help to see what I can do.")
        elif code := find_code(text):  # a receipt code typed without /status: that report, as on Telegram
            from handlers.console.report import run_status_flow

            run_status_flow(core, io, code)
        elif kind := about_the_asker(text):  # no policy question: "any news??", "forget me", "I want to report"
            _about_the_asker(core, io, kind)
        else:
            _answer(core, io, line, audience)


def _about_the_asker(core: Core, io: ConsoleIO, kind: AboutTheAsker) -> None:
    if kind == "help":
        io.say(HELP)
    elif kind == "report":
        from handlers.console.report import run_report_flow

        run_report_flow(core, io)
    elif kind == "status":
        from handlers.console.report import run_status_flow

        run_status_flow(core, io, "")
    elif kind == "forget_me":
        io.say(FORGET_ME)
    elif kind == "report_news":
        io.say(HOW_TO_CHECK)
    else:  # a DSL's case reference
        io.say(REFERENCE_IS_NO_RECEIPT)


def _answer(core: Core, io: ConsoleIO, question: str, audience: Audience) -> None:
    from bot.qa.gaps import ask

    io.say(render_answer(ask(core, question, audience, "console")))


class ConsoleNotifier:
    """Delivers messages meant for the console (alerts when no Slack is set up, replies to console senders)."""

    platform: Literal["console"] = "console"

    def __init__(self, io: ConsoleIO | None = None) -> None:
        self.io = io or ConsoleIO()

    def deliver(self, message: OutboundMessage) -> None:
        try:
            heading = message.title or message.kind.replace("_", " ")
            details = "".join(f"\n  {name}: {value}" for name, value in message.fields.items())
            self.io.say(f"\n[{heading} for {message.recipient.address}]{details}\n{message.text}")
        except OSError as exc:
            raise DeliveryError(f"console not writable: {exc}") from exc


class UnreachableNotifier:
    """Where messages for the console go while the bot runs on Slack or Telegram: they are meant for someone with no
    Slack id or Telegram chat. Printing them would put report text in the service's log (the terminal is the journal
    there), so each is logged by kind and name only, with what to do, and not retried."""

    platform: Literal["console"] = "console"

    def deliver(self, message: OutboundMessage) -> None:
        log.warning(
            "a %s for %s could not be delivered: they have no Slack id or Telegram chat here. Add one with "
            "`policybot people add NAME --slack U...`; a report can still be read with `policybot reports show`",
            message.kind.replace("_", " "),
            message.recipient.address,
        )
        raise DeliveryError("nobody to deliver to: no Slack id or Telegram chat", permanent=True)

