"""The reports' vocabulary: categories, receipts, what a sender may see, what a DSL sees, and the errors.

Every error's message is written for the person who will read it: short, kind, and saying what to do next.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field

# Report statuses as stored, and as the anonymous sender hears them.
NEW, ACKNOWLEDGED, IN_PROGRESS, CLOSED = "new", "acknowledged", "in progress", "closed"
SENDER_STATUS = {NEW: "received", ACKNOWLEDGED: "being looked at", IN_PROGRESS: "being looked at", CLOSED: "closed"}

SENDER = "Sender"  # the actor name of the anonymous sender in a chronology
MAX_TEXT = 20_000  # characters in a report, reply, note, question or outcome
REPLIED = "replied"  # the sender's reply, as a chronology reads it: "Sender replied"
SYSTEM = "System"
# The last line of a long report's card in Slack, cut short: its buttons open the rest.
CUT_SHORT = "(The report continues: open it to read all of it.)"
REFUSED = "refused"  # the action of an attempt someone's role did not allow; its detail: "Not allowed to ..."


@dataclass(frozen=True)
class EscalationStep:
    """While a report is unacknowledged: after `minutes` (or `school_days`), alert these roles."""

    to: tuple[str, ...]
    minutes: int = 0
    school_days: int = 0

    def describe(self) -> str:
        if self.school_days:
            return f"{self.school_days} working day{'s' if self.school_days != 1 else ''}"
        return duration(self.minutes)


def duration(minutes: int) -> str:
    """A wait as people say it: "15 minutes", "1 hour", "1 hour 10 minutes", "2 hours"; a wait of two days or more
    in days and hours ("2 days 22 hours"), its minutes left out: nobody reads "70 hours" as nearly three days."""
    hours, rest = divmod(minutes, 60)
    if hours >= 48:
        days, hours = divmod(hours, 24)
        return " ".join([f"{days} days", *([f"{hours} hour{'s' if hours != 1 else ''}"] if hours else [])])
    parts = [f"{hours} hour{'s' if hours != 1 else ''}"] if hours else []
    if rest or not hours:
        parts.append(f"{rest} minute{'s' if rest != 1 else ''}")
    return " ".join(parts)


@dataclass(frozen=True)
class Actor:
    """A member of staff acting on reports (a DSL, the headteacher...): who they are and their roles now."""

    person_id: int
    name: str
    roles: frozenset[str]


@dataclass(frozen=True)
class Category:
    key: str
    label: str
    description: str
    urgent: bool
    emergency_notice: bool
    route: tuple[str, ...]
    escalation: tuple[EscalationStep, ...] = ()
    # The roles a concern of this kind is about (a concern about the headteacher): whoever holds them is kept away
    # from it, as if the report named them, even when nobody else on the route is left to take it.
    about: tuple[str, ...] = ()
    # A contact from the school file (`contacts`) shown on this kind of concern's cards to those handling it: the LADO
    # for a concern about a member of staff. None (or a contact the school file lacks): no line.
    contact: str | None = None


@dataclass(frozen=True)
class Attachment:
    """Evidence from the sender. Images only; their metadata is stripped before storage."""

    filename: str
    content_type: str
    data: bytes


@dataclass(frozen=True)
class ReplyAddress:
    """How to reach an anonymous sender. Stored only encrypted, in a table of its own keyed by case reference."""

    platform: str
    address: str


CHANNEL_NAMES = {"slack": "Slack", "telegram": "Telegram", "console": "the console chat"}  # where reports come from

FOLLOW_UP = "To see news about your report, or to answer a question from the school, send: /status {code}"


@dataclass(frozen=True)
class Receipt:
    """A stored report, as its sender is told: `code` is the receipt, their key, shown to them alone. `reference` is
    the case reference the people handling it use: never shown to the sender, to keep the two apart."""

    code: str
    reference: str
    category: Category
    created_at: dt.datetime
    keeps_reply_channel: bool
    sent_to: str = "the Designated Safeguarding Leads"
    # Said after where it went, when the sender should know more: e.g. that it went to someone away at the moment.
    also: str = ""

    def sender_text(self, *, named: bool = False, kept: bool = True, follow_up: str | None = None) -> str:
        """The receipt as the sender reads it. `named`: they chose to give their name (a member of staff).
        `kept`: the sender can keep the message it is shown in (not Slack's receipt window, which closes for good).
        `follow_up`: how to check the report and answer the school on this platform, where that differs from the
        plain "/status CODE"; `{code}` is filled in."""
        key = (
            "Please keep this code: it is how you follow your report up."
            if named
            else "This code is the only key to your report. We do not know who you are, so nobody can look it "
            "up for you: please write it down" + (" or keep this message." if kept else " now.")
        )
        lines = [
            f"Thank you. Your report has arrived safely and has gone to {self.sent_to}.",
            *([self.also] if self.also else []),
            "",
            f"Your receipt code is: {self.code}",
            "",
            key,
            (follow_up or FOLLOW_UP).format(code=self.code),
        ]
        if self.keeps_reply_channel:
            lines.append("If the school has a question for you, it will also come to you here.")
        return "\n".join(lines)


@dataclass(frozen=True)
class QuestionForSender:
    id: int
    text: str
    asked_at: dt.datetime
    answered: bool


@dataclass(frozen=True)
class SenderView:
    code: str  # the receipt the sender gave
    category_label: str
    status: str  # "received" | "being looked at" | "closed"
    status_text: str
    questions: list[QuestionForSender]
    closed_outcome: str | None
    can_reply: bool
    keeps_reply_channel: bool = False  # the school can send news (to the chat asking, when the asker gave it)
    # Said about the words the sender has just added, when the report was already closed (see sender_reply)
    after_reply: str | None = None

    def text(self) -> str:
        """The whole view as one message for the sender."""
        lines = [f"Report {self.code} ({self.category_label})", self.after_reply or self.status_text]
        open_questions = [q for q in self.questions if not q.answered]
        for question in open_questions:
            lines += ["", f"The school asks: {question.text}"]
        if self.closed_outcome:
            lines += ["", f"Outcome: {self.closed_outcome}"]
        if self.can_reply and self.status != "closed":  # (a closed report's status says what may still be done)
            lines += ["", "You can reply with more information at any time."]
        return "\n".join(lines)


@dataclass(frozen=True)
class AttachmentInfo:
    id: int
    filename: str
    content_type: str
    size: int
    sha256: str


@dataclass(frozen=True)
class CaseEvent:
    seq: int
    at: dt.datetime
    actor: str
    action: str
    detail: str | None

    def as_read(self) -> tuple[str, str | None]:
        """The action and detail as they read after the actor's name. A refused attempt reads "tried to open the
        report (not allowed)": as stored ("refused: Not allowed to ...") it reads as if the actor refused."""
        if self.action == REFUSED and (self.detail or "").startswith("Not allowed to "):
            return f"tried to {(self.detail or '').removeprefix('Not allowed to ')} (not allowed)", None
        return self.action, self.detail


@dataclass(frozen=True)
class CaseSummary:
    code: str
    category: Category
    status: str
    created_at: dt.datetime
    acknowledged_by: str | None
    escalation_level: int
    # The newest step anyone took on it (the sender or those handling it; not a mere reading, nor the bot's own):
    # None when nothing has happened since it came in.
    last_activity: dt.datetime | None = None


def ago(moment: dt.datetime, now: dt.datetime) -> str:
    """How long ago `moment` was, as people say it: "just now", "20 minutes ago", "2 days 3 hours ago"."""
    minutes = int((now - moment).total_seconds() // 60)
    return "just now" if minutes < 1 else f"{duration(minutes)} ago"


@dataclass(frozen=True)
class CaseView:
    code: str
    category: Category
    status: str
    created_at: dt.datetime
    text: str
    attachments: list[AttachmentInfo]
    events: list[CaseEvent]
    acknowledged_by: str | None
    outcome: str | None
    can_contact_sender: bool = False
    outcome_shared: bool = False  # the closing DSL let the sender read the outcome
    chain_ok: bool = True
    channel: str = "console"
    extra: dict[str, str] = field(default_factory=dict)

    def outcome_label(self) -> str:
        return outcome_label(self.outcome_shared)

    @property
    def received_through(self) -> str:
        """Where the sender made the report, as people name it: "Slack", "Telegram", "the console chat"."""
        return CHANNEL_NAMES.get(self.channel, self.channel)

    def closed_text(self) -> str:
        """What the person who closed the case is told: that it is closed, and exactly what its sender gets (the news
        comes to them only if they kept a way to be reached; the outcome only if it was shared)."""
        if self.can_contact_sender:
            told = ("The sender has been sent the outcome, and can read it again with their receipt code."
                    if self.outcome_shared else "The sender has been told it is closed, without the outcome.")
        else:
            told = ("There is no way to reach the sender: they will read the outcome if they check their report with "
                    "its receipt code." if self.outcome_shared else "There is no way to reach the sender: they will "
                    "see it is closed, without the outcome, if they check their report with its receipt code.")
        return f"Report {self.code} is closed. {told}"

    def asked_text(self) -> str:
        """What the person who asked the sender a question is told: whether it went to them or waits for them."""
        if self.can_contact_sender:
            return (f"Your question has been sent to the sender of report {self.code}. Their answer will appear in "
                    "the case.")
        return (f"Your question is saved with report {self.code}. {UNREACHABLE}, so they will see it only when they "
                "check their report with its receipt code. Their answer will appear in the case.")

    def reopened_text(self) -> str:
        """What the person who re-opened the case is told: that it is open again, and what its sender gets."""
        told = ("The sender has been told it is being looked at again." if self.can_contact_sender else
                "There is no way to reach the sender: they will see it is being looked at again if they check their "
                "report with its receipt code.")
        return f"Report {self.code} is open again. {told}"

    def acknowledged_text(self, actor: Actor) -> str:
        """What `actor` is told after pressing Acknowledge: they did it, or who had already."""
        if self.acknowledged_by in (None, actor.name):
            return f"You have acknowledged report {self.code}."
        return f"{self.acknowledged_by} had already acknowledged report {self.code}, so nothing more is needed."


# What a sender is told once their reply (an answer, or more to add) is in their report: the same on every platform.
REPLY_ADDED = "Thank you. Your reply has been added to your report, and the school has been told."
UNREACHABLE = "There is no way to reach this sender"  # they kept no reply channel (or later asked to keep none)


def question_reach(can_contact_sender: bool) -> str:
    """Where a question to the sender goes, said before it is written (on the asking form, and with the case): the
    sender of a report who kept no way to be reached sees it only if they check the report."""
    if can_contact_sender:
        return "A question reaches the sender where they made the report, without your name."
    return (f"{UNREACHABLE}: they will see a question only if they check their report with its receipt code, and "
            "may never do so.")


def outcome_sharing(shared: bool) -> str:
    """Whether the sender may read a closed case's outcome, said wherever the outcome is shown to those handling
    it: they need to know what the sender was told."""
    return f"{'shared' if shared else 'not shared'} with the sender"


def outcome_label(shared: bool) -> str:
    return f"Outcome ({outcome_sharing(shared)})"


# What a DSL does to a case, as the chronology names it (adapters name a refused attempt the same way).
ADD_NOTE, ASK_SENDER, CLOSE_REPORT = "add a note", "ask the sender a question", "close the report"
ACKNOWLEDGE, OPEN_REPORT = "acknowledge the report", "open the report"
REOPEN_REPORT = "re-open the report"


class ReportError(Exception):
    """A problem with a report request; str(exc) is a kind message saying what to do next."""


class PicturesRefused(ReportError):
    """Pictures that cannot be kept as evidence (not a picture, too large...): `numbers` are their places, from 1, in
    the attachments given, so an adapter can leave them out and send the rest. str(exc) is the first one's problem."""

    def __init__(self, message: str, numbers: tuple[int, ...]) -> None:
        super().__init__(message)
        self.numbers = numbers


class AccessDenied(ReportError):
    pass


class ReceiptNotFound(ReportError):
    pass


class NotAReceiptCode(ReceiptNotFound):
    """What was typed cannot be a receipt code ("hello", a case reference): said so, and not counted as a wrong guess,
    since nothing was looked up."""


class TooManyAttempts(ReportError):
    pass


class EscalationFailed(Exception):
    """Some due reports could not be escalated (each logged); `escalated` steps were taken for the others."""

    def __init__(self, failed: int, escalated: int) -> None:
        super().__init__(f"{failed} report(s) could not be escalated; they are tried again at the next run")
        self.failed, self.escalated = failed, escalated


def about_question(labels: Sequence[str]) -> str:
    """Asked when a report names a role that handles reports (ReportService.mentioned_roles): a concern about
    someone never goes to them, and only the sender knows whether "the headteacher" is who it is about."""
    named = " and ".join(f"the {label}" for label in labels)
    if len(labels) == 1:
        return (f"Your report mentions {named}. Is your concern about them? If it is, your report will not go to "
                "them: it goes to others at the school who handle concerns.")
    return (f"Your report mentions {named}. Is your concern about one of them? If it is, your report will not go to "
            "the one you choose: it goes to others at the school who handle concerns.")
