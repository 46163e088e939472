"""`core.reports`: the one entry point for concern reports, used by every adapter, the CLI and the scheduler.

The sender side (submit, sender_status, sender_reply) knows nobody's identity: a receipt code is the only key, and
only its sender holds it (the database keeps its hash). The DSL side (open_cases, cases_to_follow, case, acknowledge,
add_note, ask_sender, close, reopen, attachment, export) names a report by its case reference, and acts as an `Actor`
whose roles are checked here, never in an adapter; a case reference opens nothing on the sender side.

Every change is one transaction that also appends to the tamper-evident chronology and queues its alerts in the
outbox, so a report confirmed to its sender is never lost.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Callable, Iterable, Sequence
from contextlib import nullcontext
from dataclasses import dataclass, replace
from functools import partial
from typing import TypeVar

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from bot.config import School, Settings
from bot.crypto import Vault
from bot.outbox import PENDING, SENDING, Outbox, OutboxRow, blank_finished, withdraw_pending
from bot.people import People, Person
from bot.ports import Button, Clock, OutboundMessage, Recipient
from bot.reports import chronology
from bot.reports.cards import REMINDER, Cards, follows
from bot.reports.categories import load_categories
from bot.reports.domain import (
    ACKNOWLEDGE,
    ACKNOWLEDGED,
    ADD_NOTE,
    ASK_SENDER,
    CLOSE_REPORT,
    CLOSED,
    IN_PROGRESS,
    NEW,
    OPEN_REPORT,
    REFUSED,
    REOPEN_REPORT,
    REPLIED,
    SENDER,
    SENDER_STATUS,
    SYSTEM,
    AccessDenied,
    Actor,
    Attachment,
    AttachmentInfo,
    CaseSummary,
    CaseView,
    Category,
    NotAReceiptCode,
    PicturesRefused,
    QuestionForSender,
    Receipt,
    ReceiptNotFound,
    ReplyAddress,
    ReportError,
    SenderView,
    TooManyAttempts,
)
from bot.reports.escalation import Escalation
from bot.reports.evidence import MAX_FILES, CleanFile, strip_metadata
from bot.reports.models import AttachmentRow, ReplyChannelRow, ReportEventRow, ReportRow
from bot.reports.ratelimit import WrongCodeLimiter
from bot.reports.receipts import (
    ALPHABET,
    LENGTH,
    REFERENCE_EXAMPLE,
    REFERENCE_IS_NO_RECEIPT,
    is_reference,
    new_code,
    new_reference,
    normalise,
    normalise_reference,
    receipt_hash,
    redact,
)
from bot.reports.routing import (
    GOVERNORS,
    GOVERNORS_PHRASE,
    HANDLER_ROLES,
    ROUTE_NAMES,
    about_the_head,
    allowed_roles,
    at_work,
    find_conflicts,
    may_handle,
    passed_over,
    reachable_on,
    recipients,
    roles_mentioned,
    route_people,
    sent_to,
    unreachable_warning,
    uses_shared_channel,
    with_role,
)
from bot.reports.shared import (
    AFTER_CLOSING,
    ASKED_SENDER,
    SENDER_UPDATE,
    FairLock,
    ReportsPart,
    ReportsSetup,
    in_a_sentence,
    local_time,
    log,
    names_of,
    sender_keys,
)
from bot.reports.summary import Counted, ReportsSummary, school_year_start, summarise
from bot.storage import Database
from bot.wording import and_list, counted, long_date, upper_first

_CLOSED_REFUSALS = {  # what may be done to a case only while it is open, refused at the button once it is closed
    ASK_SENDER: "Report {code} is closed, so the sender cannot answer questions about it.",
    CLOSE_REPORT: "Report {code} is already closed.",
}
ROUTE_ROLE_LABELS = {
    "dsl": "Designated Safeguarding Lead",
    "deputy_dsl": "Deputy DSL",
    "headteacher": "Headteacher",
    "chair_of_governors": "Chair of Governors",
    "vice_chair_of_governors": "Vice-Chair of Governors",
}
CHANNELS = ("telegram", "slack", "console")
# A case given back to the others after its acknowledger was named: the chronology says so, and escalation runs
# its steps again from there (those who already have the case are reminded, see Cards.holders).
ESCALATES_AGAIN = "escalates again from now"
SAME_REPLY_WINDOW = dt.timedelta(minutes=10)  # the same reply again within this is taken as sent twice
# Reading a case, and its sender's way of being reached forgotten, are no step taken on it: not its last activity.
_NOT_ACTIVITY = ("opened", "opened evidence", "exported", REFUSED, "reply channel removed")

T = TypeVar("T")


@dataclass(frozen=True)
class _Plan:
    """A report ready to store: checked, routed and encrypted before the (short) write transaction."""

    category: Category
    body: str
    sealed_body: str
    sealed_conflicts: str
    sealed_reply: str | None
    channel: str
    files: list[CleanFile]
    routed: str
    targets: list[Recipient]
    sent_to: str
    also: str = ""


class _Refused(Exception):
    """Raised inside a transaction to roll it back; the refusal is then recorded in a transaction of its own."""

    def __init__(self, code: str | None, who: str, action: str) -> None:
        super().__init__(action)
        self.code, self.who, self.action = code, who, action



class ReportService(ReportsPart):
    def __init__(
        self,
        *,
        settings: Settings,
        school: School,
        db: Database,
        vault: Vault,
        outbox: Outbox,
        clock: Clock,
        limiter: WrongCodeLimiter | None = None,
    ) -> None:
        categories, notice = load_categories(getattr(school, "report_categories", None))
        setup = ReportsSetup(
            settings=settings,
            school=school,
            db=db,
            vault=vault,
            outbox=outbox,
            clock=clock,
            limiter=limiter or WrongCodeLimiter(clock, vault.mac),
            categories=categories,
            notice=notice,
            # SQLite has one writer at a time and its busy-wait is unfair under many threads (a few waiters starve
            # for seconds); queueing our own writers on a lock keeps every submit's wait short and fair enough.
            write_lock=FairLock() if db.url.startswith("sqlite") else nullcontext(),
        )
        super().__init__(setup)
        self.cards = Cards(setup)
        self.escalation = Escalation(setup, self.cards)
        outbox.reroutes.append(self.cards.reroute_refused_card)

    # ------------------------------------------------------------------ categories
    def categories(self) -> list[Category]:
        return list(self._categories)

    def unreachable_handlers(self) -> list[str]:
        """The names of people who handle reports (DSLs, deputies, headteacher, chair) that no platform in use can
        reach: alerts meant for them could only go to the console."""
        return [person.name for person in self._unreachable()]

    def unreachable_warnings(self) -> list[str]:
        """For each of `unreachable_handlers`, why and what to do, and for each kind of concern that nobody could be
        sent (a concern about the headteacher, with no chair of governors): one line each, for the start-up log. With
        nobody at all set up to receive reports, one line saying so."""
        lines = [unreachable_warning(self.settings, person) for person in self._unreachable()]
        with self.db.session() as session:
            everyone = self._everyone(session)
        today = self._today()
        if not with_role(everyone, *HANDLER_ROLES, on=today):  # a fresh install: not one kind "only to" a role
            office = self.school.contact("office")
            lines.append(
                "Nobody who receives reports is set up yet, so no report can be sent: senders are told so and given "
                f"{office.describe() if office else 'the school office'} (for a concern about the headteacher, "
                f"{self._outside_contact()}). To name them: `policybot people add \"NAME\" --role dsl`, and likewise "
                "--role deputy_dsl, headteacher and chair_of_governors."
            )
            return lines
        for category in self._categories:
            about = [p for p in everyone if p.has_role(*category.about)]
            if route_people(everyone, category, {p.id for p in about}, today):
                continue
            # A concern about the headteacher: the vice-chair would take it too (see routing's rules).
            governors = about_the_head(category, about)
            lines.append(f"New reports of {in_a_sentence(category.label)} cannot be sent: they go only to "
                         f"{GOVERNORS_PHRASE if governors else sent_to(category)}, and nobody holds "
                         f"{'either role' if governors else 'that role'}, so senders are told so and given "
                         f"{self._outside_contact()}. To name one: "
                         f"`policybot people add \"NAME\" --role {category.route[0]}`"
                         + (" (or --role vice_chair_of_governors)." if governors else "."))
        return lines

    def _unreachable(self) -> list[Person]:
        with self.db.session() as session:
            people = with_role(self._everyone(session), *HANDLER_ROLES)
            return [p for p in people if not any(reachable_on(self.settings, p))]

    def while_away(self, name: str, *, leaving: dt.date | None = None) -> str | None:
        """Where new reports go while `name` is away (see routing's rules), or from `leaving`, the day they leave, for
        whoever records it; None when they handle no reports."""
        with self.db.session() as session:
            everyone, today = self._everyone(session), leaving or self._today()
            person = next((p for p in everyone if p.name == name), None)
            if person is None or not person.has_role(*HANDLER_ROLES):
                return None
            # (names, whether they are all away too, whether the sender is then given the LADO): kinds of concern
            going: dict[tuple[tuple[str, ...], bool, bool], list[str]] = {}
            escalated = False
            for category in self._categories:
                about = [p for p in everyone if p.has_role(*category.about)]  # never the people it is about
                head = about_the_head(category, about)
                # The vice-chair stands in for the chair on a concern about the headteacher (see routing's rules).
                if person.has_role(*category.route) or (head and person.has_role("vice_chair_of_governors")):
                    alerted = route_people(everyone, category, {p.id for p in about}, today)
                    names = tuple(p.name for p in alerted)
                    away_too = bool(alerted) and name not in names and not at_work(alerted, today)
                    going.setdefault((names, away_too, head), []).append(in_a_sentence(category.label))
                escalated |= any(person.has_role(*step.to) for step in category.escalation)
        lines = []
        for (names, away_too, head), labels in going.items():
            what = f"new reports of {and_list(labels)}"
            if name in names:
                lines.append(f"{what} still go to {and_list(list(names))}: nobody else at work can take them.")
            elif away_too:  # as the sender is told (see _while_all_away)
                told = f": senders are told so, and given {self._outside_contact()}" if head else ""
                lines.append(f"{what} go to {and_list(list(names))}, who {'is' if len(names) == 1 else 'are'} away "
                             f"too{told}.")
            elif names:
                lines.append(f"{what} go to {and_list(list(names))}.")
            else:  # as the sender is told (see _nobody_to_receive)
                office = self.school.contact("office")
                to = self._outside_contact() if head else office.describe() if office else "the school office"
                lines.append(f"{what} cannot be sent to anyone at the school: senders are told so, and given {to}.")
        if escalated and leaving is None:
            lines.append(f"a report nobody acknowledges in time goes on to {name} only where nobody else at work "
                         "holds their role.")
        return " ".join(upper_first(line) for line in lines) or None

    def handlers(self) -> list[tuple[str, str]]:
        """(name, role) of everyone who may be alerted about reports today: for a form to ask whether the concern is
        about one of them (then passed to `submit` as `named_people`, so it is kept from them)."""
        with self.db.session() as session:
            people = with_role(self._everyone(session), *HANDLER_ROLES, on=self._today())
            return [(p.name, ROUTE_ROLE_LABELS[next(r for r in HANDLER_ROLES if p.has_role(r))]) for p in people]

    def who_sees(self) -> str:
        """Who sees a report, as the report form tells its sender: the governors who take a concern about the
        headteacher as the school names them today (see routing's rules), or, with none, that it cannot be sent here
        and whom to contact instead."""
        with self.db.session() as session:
            everyone = self._everyone(session)
        today = self._today()
        chair = with_role(everyone, "chair_of_governors", on=today)
        vice = with_role(everyone, "vice_chair_of_governors", on=today)
        staff = ("Only the people who deal with concerns see a report: the Designated Safeguarding Leads, the "
                 "Headteacher")
        if not chair and not vice:
            return (f"{staff}. A concern about the Headteacher cannot be sent here, as no Chair of Governors is named: "
                    f"please contact {self._outside_contact()}.")
        if chair and vice:
            governors = "the Chair of Governors (and the Vice-Chair, if the Chair is away or does not answer in time)"
        else:
            governors = "the Chair of Governors" if chair else "the Vice-Chair of Governors"
        return f"{staff} or, for a concern about the Headteacher, {governors}."

    def mentioned_roles(self, text: str, category_key: str | None = None) -> list[tuple[str, str, list[str]]]:
        """(role, label, names) for each role handling reports that `text` names by role ("the headteacher grabbed
        my son"), held by someone today: a form asks whether the concern is about them, as a mention of a role alone
        cannot say ("I told the DSL" is not about the DSL). Names chosen are passed to `submit` as `named_people`.
        Not a role the chosen kind of concern is about (`category_key`): "the head" in a concern about the headteacher
        is kept from them whatever the sender says, and asking would suggest it might not be."""
        about = self._by_key[category_key].about if category_key in self._by_key else ()
        roles = [role for role in roles_mentioned(text) if role not in about]
        if not roles:
            return []
        with self.db.session() as session:
            everyone = self._everyone(session)
        today = self._today()
        found = [(role, [p.name for p in with_role(everyone, role, on=today)]) for role in roles]
        return [(role, ROUTE_ROLE_LABELS[role], names) for role, names in found if names]

    def emergency_notice(self) -> str:
        return self._notice

    def emergency_reminder(self) -> str:
        """The notice's first sentence, said again once an urgent category is chosen (the whole notice came just
        before, with the categories)."""
        return "Before you go on: " + self._notice.split(". ")[0].rstrip(".") + "."

    # ------------------------------------------------------------------ who is acting
    def actor(
        self,
        *,
        slack_user_id: str | None = None,
        name: str | None = None,
        telegram_chat_id: int | None = None,
    ) -> Actor | None:
        """The member of staff behind a platform identity, if they are one of the school's current people."""
        with self.db.session() as session:
            person: Person | None = None
            if slack_user_id:
                person = People.by_slack_id(session, slack_user_id)
            elif telegram_chat_id is not None:
                person = People.by_telegram_chat(session, telegram_chat_id)
            elif name:
                person = People.by_name(session, name.strip())
            if person is None or not person.is_current(self._today()):
                return None
            return Actor(person_id=person.id, name=person.name, roles=person.roles)

    def refused_name(self, *, slack_user_id: str | None = None, telegram_chat_id: int | None = None) -> str:
        """How a refused attempt by someone who is not an `actor` is recorded: the school's name for the account when
        it has one (a DSL who has left, pressing their old card), else what kind of account it was."""
        with self.db.session() as session:
            if slack_user_id:
                person = People.by_slack_id(session, slack_user_id)
            else:
                person = People.by_telegram_chat(session, telegram_chat_id) if telegram_chat_id is not None else None
            if person is not None:
                return person.name
        return f"an unrecognised {'Slack' if slack_user_id else 'Telegram'} account"

    def actor_named(self, name: str) -> Actor:
        """The current member of staff called `name` (the command line's --as). AccessDenied says why not, worded
        for them: nobody of that name (and whom they may have meant), not started yet, or left."""
        actor = self.actor(name=name)
        if actor is not None:
            return actor
        with self.db.session() as session:
            person = People.by_name(session, name.strip())
            if person is None:
                raise AccessDenied(People.not_found(session, name.strip()))
            if person.start_date is not None and person.start_date > self._today():
                raise AccessDenied(f"{person.name} starts at the school on {long_date(person.start_date)}, and "
                                   "cannot act on reports before then")
            left = f" on {long_date(person.leave_date)}" if person.leave_date else ""
            raise AccessDenied(f"{person.name} left the school{left}, so can no longer act on reports")

    # ------------------------------------------------------------------ the sender's side
    def submit(
        self,
        category_key: str,
        text: str,
        *,
        channel: str,
        attachments: Sequence[Attachment] = (),
        reply_to: ReplyAddress | None = None,
        named_people: Sequence[str] = (),
        reported_by: str | None = None,
    ) -> Receipt:
        """Store a report and queue its alerts in one transaction; only then is there a receipt to show.

        `reported_by`: the sender's name, when they chose to give it (staff in Slack). It is added to the report for
        the DSLs to read, but never makes the sender someone the report is about: a DSL or headteacher who reports
        by name still has their report routed as anyone else's, and can open it."""
        category = self.category(category_key)
        if channel not in CHANNELS:
            raise ReportError("Reports can only arrive through Telegram, Slack or the console.")
        body = self._clean_text(text, what="report")
        files = self._clean_files(attachments, first=1)
        signed = f"\n\n(Reported by {reported_by}, who chose not to stay anonymous.)" if reported_by else ""
        with self._write_lock:
            receipt = self._submit(category, body, signed, channel, files, reply_to, named_people)
        log.info("report %s received (%s, %d attachment(s))", receipt.reference, category.key, len(files))
        return receipt

    def _submit(
        self,
        category: Category,
        body: str,
        signed: str,
        channel: str,
        files: list[CleanFile],
        reply_to: ReplyAddress | None,
        named_people: Sequence[str],
    ) -> Receipt:
        # Everything that only reads, or only computes, happens before the write transaction, to keep it short.
        with self.db.session() as session:
            everyone = self._everyone(session)
        today = self._today()
        conflicts = find_conflicts(everyone, body, named_people)  # whom the report names, not who signed it
        conflicts |= {p.id for p in with_role(everyone, *category.about)} if category.about else set()
        body += signed
        alerted = route_people(everyone, category, conflicts, today)
        named = [p for p in everyone if p.id in conflicts]
        if not alerted:
            # Stored, it would be a report nobody can read, with a receipt saying it had gone to someone.
            log.error("a %s report was refused: %s", category.key,
                      "it names everyone who handles reports" if named else "nobody holds a role that handles reports")
            raise ReportError(self._nobody_to_receive(named, category))
        targets = recipients(
            self.settings, alerted, urgent=category.urgent, shared_channel=uses_shared_channel(category, conflicts)
        )
        routed = "Alerted: " + self._alerted_where(alerted, targets, urgent=category.urgent)
        if named:
            routed += f". Kept away (named in the report): {names_of(named)}"
        plan = _Plan(
            category=category,
            body=body,
            sealed_body=self.vault.encrypt(body),
            sealed_conflicts=self.vault.encrypt(json.dumps(sorted(conflicts))),
            sealed_reply=self.vault.encrypt(json.dumps({"platform": reply_to.platform, "address": reply_to.address}))
            if reply_to is not None
            else None,
            channel=channel,
            files=files,
            routed=routed,
            targets=targets,
            # Told by role: the route's, unless it went around someone (named in it, or away) to others.
            sent_to=sent_to(category) if alerted == with_role(everyone, *category.route, on=today)
            else _roles_phrase(alerted),
            also=self._while_all_away(category, named, alerted, today),
        )
        return self._write(partial(self._store, plan=plan))

    def _while_all_away(
        self, category: Category, named: Sequence[Person], alerted: Sequence[Person], today: dt.date
    ) -> str:
        """For the sender of a concern about the headteacher whose chair of governors is away (it goes to nobody
        else: see routing): that it will wait for them, and who outside the school takes it meanwhile."""
        if not about_the_head(category, named) or at_work(alerted, today):
            return ""
        return (f"{upper_first(_roles_phrase(alerted))} {'is' if len(alerted) == 1 else 'are'} away at the moment. "
                f"If it cannot wait, please also contact {self._outside_contact()}.")

    def _alerted_where(self, alerted: Sequence[Person], targets: Sequence[Recipient], *, urgent: bool) -> str:
        """Who was alerted, as the chronology says it: an alert posted in the DSL channel is said to be, not put
        down to the DSLs by name as if each had been sent it; those also sent it themselves are named."""
        channel = Recipient("slack", self.settings.slack_dsl_channel or "")
        if channel not in targets:
            return names_of(alerted)
        direct = [p for p in alerted
                  if set(recipients(self.settings, [p], urgent=urgent, shared_channel=True)) - {channel}]
        return "the DSL channel" + (f", and {names_of(direct)} directly" if direct else "")

    def _store(self, session: Session, *, plan: _Plan) -> Receipt:
        now, category = self.clock.now(), plan.category
        code, receipt = self._new_reference(session), self._new_receipt(session)
        report = ReportRow(
            code=code,
            receipt_hash=receipt_hash(receipt),
            category=category.key,
            urgent=category.urgent,
            status=NEW,
            channel=plan.channel,
            text=plan.sealed_body,
            conflicts=plan.sealed_conflicts,
            created_at=now,
            outcome_shared=False,
            escalation_level=0,
            head_hash=chronology.GENESIS,
        )
        session.add(report)
        session.flush()
        chronology.append(
            session,
            self.vault,
            report,
            at=now,
            actor=SENDER,
            action="reported",
            detail=f"{category.label}{' (urgent)' if category.urgent else ''}",
        )
        self._add_files(session, report, plan.files, now)
        if plan.sealed_reply is not None:
            session.add(ReplyChannelRow(
                code=code, address=plan.sealed_reply, receipt=self.vault.encrypt(receipt), created_at=now
            ))
        chronology.append(session, self.vault, report, at=now, actor=SYSTEM, action="routed", detail=plan.routed)
        self.cards.queue_card(
            session,
            report,
            category,
            plan.targets,
            kind="report_alert",
            key_part="alert",
            body=plan.body,
            files=len(plan.files),
        )
        self.cards.queue_home(session, report, category)
        return Receipt(
            code=receipt,
            reference=code,
            category=category,
            created_at=now,
            keeps_reply_channel=plan.sealed_reply is not None,
            sent_to=plan.sent_to,
            also=plan.also,
        )

    def _nobody_to_receive(self, named: Sequence[Person], category: Category) -> str:
        """Why a report cannot be sent to anyone at the school, and whom to contact instead."""
        office = self.school.contact("office")
        if about_the_head(category, named):  # a concern about the headteacher, with no governor left to take it
            what = category.label if category.about else "A concern about the headteacher"
            governors = [p for p in named if p.has_role(*GOVERNORS)]
            why = (f"your report names, or is about, {_roles_phrase(governors)}: a report never goes to anyone it "
                   "names" if governors else "neither is named in this service")
            lines = [
                f"{upper_first(in_a_sentence(what))} goes only to {GOVERNORS_PHRASE}, and {why}, so your report "
                "cannot be sent. Nothing has been sent.",
                f"Please contact {self._outside_contact()}.",
                *([f"If you named or chose {_roles_phrase(governors)} only in passing (\"I told ...\"), send the "
                   "report again without them."] if governors else []),
            ]
        elif named:
            lines = [
                f"Your report names, or is about, everyone at the school who receives reports ({_roles_phrase(named)})."
                " A report never goes to anyone it names, so this one cannot be sent to any of them. Nothing has been "
                "sent.",
                f"Please contact {self._outside_contact()}.",
                "If you named or chose some of them only in passing (\"I told ...\"), send the report again "
                "without them.",
            ]
        else:
            lines = [
                "The school has not yet set up who receives reports, so this report cannot be sent. Nothing has been "
                "sent.",
                "Please contact " + (office.describe() if office else "the school office") + ".",
            ]
        lines.append("If a child is in immediate danger, call 999.")
        return "\n".join(lines)

    def sender_status(self, code: str, *, requester: str, asked_from: ReplyAddress | None = None) -> SenderView:
        """What the anonymous sender may see: status, questions from the school, outcome if shared. `asked_from`:
        the chat asking, so the view says whether the school's news comes to it (see SenderView)."""
        with self.db.session() as session:
            report = self._sender_report(session, code, requester)
            return self._sender_view(session, report, normalise(code) or "", asked_from)

    def sender_reply(
        self,
        code: str,
        text: str,
        *,
        requester: str,
        attachments: Sequence[Attachment] = (),
        asked_from: ReplyAddress | None = None,
    ) -> SenderView:
        """More information from the sender, perhaps answering a question. A closed report takes it too (one record,
        not a second report begun for the same worry): it stays closed, those who handle it are told the sender wrote
        after it was closed, to re-open it if needed, and the sender is told so (SenderView.after_reply). Told once:
        until someone opens the case, more from the sender only keeps Slack's cards current (_unopened_after_closing).
        """
        with self.db.session() as session:
            report = self._sender_report(session, code, requester)
            count = len(session.scalars(select(AttachmentRow.id).where(AttachmentRow.report_id == report.id)).all())
        body = self._clean_text(text, what="reply", allow_empty=bool(attachments))
        files = self._clean_files(attachments, first=count + 1)
        canonical, receipt = report.code, normalise(code) or ""

        def reply(session: Session) -> SenderView:
            row = self._locked(session, canonical)
            if row is None:  # pragma: no cover - reports are never deleted
                raise ReceiptNotFound(_NOT_FOUND)
            now = self.clock.now()
            if not files and self._just_replied(session, row, body, now):
                raise ReportError(_ALREADY_REPLIED)
            closed = row.status == CLOSED
            unopened = self._unopened_after_closing(session, row) if closed else 0  # (before this one)
            chronology.append(session, self.vault, row, at=now, actor=SENDER, action=REPLIED, detail=body)
            self._add_files(session, row, files, now)
            category = self._category_of(row)
            everyone = self._everyone(session)
            taken_from = self._keep_away_named(session, row, category, body, now, everyone)
            note = ("The sender wrote after the case was closed" if closed else "The sender has replied") + (
                f" with {len(files)} picture(s)" if files else "")
            # Once told, those handling a closed case are not told again each time the sender writes, until one of
            # them has opened it: its cards in Slack say how many messages wait, quietly.
            again = bool(unopened) and not taken_from
            if again:
                written = counted(unopened + 1, "message")
                note = f"The sender has written {written} since the case was closed or last opened"
            if taken_from:
                note += (f", naming {taken_from}, who had acknowledged this case. It is kept from them now, so it is "
                         "with you: please acknowledge it")
            if closed:
                note += ": re-open it if needed"
            self.cards.queue_update(
                session, row, category, note, news=not again, in_place_only=again, everyone=everyone
            )
            view = self._sender_view(session, row, receipt, asked_from)
            return replace(view, after_reply=self._added_after_closing(category)) if closed else view

        view = self._write(reply)
        log.info("report %s: the sender replied", redact(canonical))  # (an older report's code is its receipt)
        return view

    def _added_after_closing(self, category: Category) -> str:
        """What the sender is told when their words went into a report already closed: that the school will see them,
        that the case had been closed, and, as nobody may read them soon, where to turn in an emergency."""
        urgent = self._notice if category.emergency_notice or category.urgent else _CALL_999
        return f"{_ADDED_AFTER_CLOSING} {urgent}"

    @staticmethod
    def _unopened_after_closing(session: Session, report: ReportRow) -> int:
        """How many messages the sender has written to this closed case since it was closed or last opened (only those
        handling it open a case). The first of them tells them; the rest wait for someone to open it, so a sender who
        writes every day does not ping them every day, while every word is still in the case."""
        steps = session.execute(
            select(ReportEventRow.actor, ReportEventRow.action)
            .where(ReportEventRow.report_id == report.id)
            .order_by(ReportEventRow.seq)
        ).all()
        count = 0
        for actor, action in steps:
            if action in ("closed", "opened"):
                count = 0
            elif actor == SENDER and action == REPLIED:
                count += 1
        return count

    def _just_replied(self, session: Session, report: ReportRow, body: str, now: dt.datetime) -> bool:
        """Whether the sender's newest reply is this same text, sent moments ago: sent again because its
        confirmation never reached them, it would be in the report twice, and everyone told of it twice."""
        # The newest exchange with the sender: after a question from the school, the same words ("Yes") answer it.
        last = session.scalar(
            select(ReportEventRow)
            .where(ReportEventRow.report_id == report.id, ReportEventRow.action.in_((REPLIED, ASKED_SENDER)))
            .order_by(ReportEventRow.seq.desc())
            .limit(1)
        )
        if last is None or last.action != REPLIED or now - last.at > SAME_REPLY_WINDOW:
            return False
        return self._detail(last) == body

    def forget_reply_channel(self, code: str, *, requester: str, asked_from: ReplyAddress | None = None) -> bool:
        """The sender asks the school to forget how to reach them; their report stays. False when it kept no way.
        `asked_from`: the chat asking; only the chat the news goes to may stop it (ReportError otherwise)."""

        def forget(session: Session) -> bool:
            report = self._sender_report(session, code, requester)
            channel = self._reply_channel(session, report.code)
            if channel is None:
                return False
            if asked_from is not None:
                stored = self._reply_address(channel)
                if (stored.platform, stored.address) != (asked_from.platform, asked_from.address):
                    raise ReportError(
                        "News about this report goes to another chat, so it can only be stopped from there."
                    )
            session.delete(channel)
            withdraw_pending(session, [sender_keys(report)])
            blank_finished(session, sender_keys(report))
            chronology.append(
                session, self.vault, report, at=self.clock.now(), actor=SENDER, action="reply channel removed"
            )
            return True

        return self._write(forget)

    def forget_closed_reply_channels(self) -> int:
        """Forget how to reach the senders of closed reports once the news of the closing has gone (or failed for
        good): nothing more is ever sent to them, and a sender's chat address is kept no longer than it is used.
        Blanks, too, news that was still being sent when its sender asked to be forgotten. Run by the minute job;
        returns how many were forgotten."""

        def forget(session: Session) -> int:
            closed = session.execute(
                select(ReplyChannelRow, ReportRow)
                .join(ReportRow, ReportRow.code == ReplyChannelRow.code)
                .where(ReportRow.status == CLOSED)
            ).all()
            forgotten = 0
            for channel, report in closed:
                waiting = session.scalar(
                    select(OutboxRow.id)
                    .where(
                        OutboxRow.key.startswith(sender_keys(report), autoescape=True),
                        OutboxRow.status.in_((PENDING, SENDING)),
                    )
                    .limit(1)
                )
                if waiting is not None:
                    continue
                session.delete(channel)
                chronology.append(session, self.vault, report, at=self.clock.now(), actor=SYSTEM,
                                  action="reply channel removed", detail="The report is closed.")
                forgotten += 1
            # What senders no longer reachable were told, naming their receipt, is blanked once it is done with: the
            # channels forgotten just now (flushed before this runs), and news that was still being sent when its
            # sender asked to be forgotten (it could not be blanked then).
            session.execute(
                update(OutboxRow)
                .where(
                    OutboxRow.kind == SENDER_UPDATE,
                    OutboxRow.status.not_in((PENDING, SENDING)),
                    OutboxRow.payload != "",
                    OutboxRow.ref.not_in(select(ReplyChannelRow.code)),
                )
                .values(payload="")
            )
            return forgotten

        forgotten = self._write(forget)
        if forgotten:
            log.info("forgot how to reach the senders of %d closed report(s)", forgotten)
        return forgotten

    def _sender_report(self, session: Session, code: str, requester: str) -> ReportRow:
        # What cannot be a receipt ("hello", a case reference) looks nothing up, so it is no guess to count: the
        # sender is told what a receipt code looks like instead, on every platform alike.
        canonical = normalise(code or "")
        if canonical is None:
            raise NotAReceiptCode(not_a_code(code or ""))
        wait = self.limiter.blocked_for(requester)
        if wait is not None:
            minutes = max(1, int(wait.total_seconds() // 60) + (1 if wait.total_seconds() % 60 else 0))
            raise TooManyAttempts(
                "Too many receipt codes did not match, so I have paused checking for a while. "
                f"Please try again in {minutes} minute{'s' if minutes != 1 else ''}."
            )
        # By the receipt's hash only.
        report = session.scalar(select(ReportRow).where(ReportRow.receipt_hash == receipt_hash(canonical)))
        if report is None:
            self.limiter.failed(requester)
            raise ReceiptNotFound(_NOT_FOUND)
        return report

    def _sender_view(
        self, session: Session, report: ReportRow, receipt: str, asked_from: ReplyAddress | None = None
    ) -> SenderView:
        """The report as its sender sees it, named by the `receipt` they gave (never by its case reference)."""
        events = self._events(session, report)
        questions: list[QuestionForSender] = []
        for event in events:
            if event.action == ASKED_SENDER:
                questions.append(QuestionForSender(event.seq, self._detail(event), event.at, answered=False))
            # Answered; or the case was closed, which ends its questions: re-opened, it does not ask them again (what
            # the sender writes then is no answer to a question from before).  ("sender replied": an older wording.)
            elif event.action in (REPLIED, "sender replied", "closed"):
                questions = [QuestionForSender(q.id, q.text, q.asked_at, answered=True) for q in questions]
        category = self._category_of(report)
        status = SENDER_STATUS.get(report.status, "received")
        outcome = self.vault.decrypt(report.outcome) if report.outcome and report.outcome_shared else None
        # Given back after its reply named who had it: not "waiting to be opened by the person it went to", a step
        # back from "opened" for a sender who was told so. Never who has it now, nor why.
        passed_on = report.status == NEW and report.escalation_start is not None
        status_text = _PASSED_ON if passed_on else _SENDER_TEXT[report.status]
        # "The person it went to", or "the people" when several have it: by how many, never who.
        if report.status in _SEVERAL and len(
            self.cards.holders(session, report, category, self._conflicts(report), self._everyone(session))
        ) > 1:
            status_text = _SEVERAL[report.status][passed_on]
        return SenderView(
            code=receipt,
            category_label=category.label,
            status=status,
            status_text=status_text,
            questions=questions,
            closed_outcome=outcome,
            can_reply=True,  # a closed report too: the sender's words are added, and those handling it told
            keeps_reply_channel=self._news_goes_to(session, report.code, asked_from),
        )

    def _news_goes_to(self, session: Session, code: str, asked_from: ReplyAddress | None) -> bool:
        """Whether the school can send the sender news: at all, or (given the chat asking) to that chat."""
        channel = self._reply_channel(session, code)
        if channel is None or asked_from is None:
            return channel is not None
        stored = self._reply_address(channel)
        return (stored.platform, stored.address) == (asked_from.platform, asked_from.address)

    # ------------------------------------------------------------------ the DSLs' side
    def open_cases(self, actor: Actor, *, include_closed: bool = False) -> list[CaseSummary]:
        """Reports this person may handle: urgent first, oldest first."""
        with self.db.session() as session:
            return self._summaries(session, self._handler(session, actor), include_closed=include_closed)

    def cases_to_follow(self, actor: Actor) -> list[CaseSummary]:
        """The open cases shown to `actor` where they work (Slack's App Home), in open_cases' order. A DSL or deputy
        DSL sees every case they may handle; the headteacher and the chair of governors only those they hold (sent
        to them, or reached them by escalation, or acknowledged by them): a case the DSLs have in hand is not theirs
        to follow until it comes to them. AccessDenied for anyone who does not handle reports."""
        with self.db.session() as session:
            person = self._handler(session, actor)
            return self._summaries(session, person, followed=True)

    def summary(self, actor: Actor, *, since: dt.date | None = None, until: dt.date | None = None) -> ReportsSummary:
        """Counts of the reports received from `since` (default: the start of the school year) to `until` (default:
        today), both days included, for governors (see bot/reports/summary.py). Anyone who handles reports may ask.
        A report about someone who handles reports (naming them, or a concern about the headteacher) is counted only
        for those who may open it, and a kind of concern about someone is listed only for those who may open it:
        a DSL close to the head is not told that concerns about the head came in."""
        today = self._today()
        until = until or today
        since = since or school_year_start(until)
        if since > until:
            raise ReportError(f"The summary would start on {long_date(since)}, after it ends on {long_date(until)}. "
                              "Please give a start date before the end date.")
        start = dt.datetime.combine(since, dt.time(0, 0), tzinfo=self.school.tz).astimezone(dt.UTC)
        end = dt.datetime.combine(until + dt.timedelta(days=1), dt.time(0, 0), tzinfo=self.school.tz).astimezone(dt.UTC)
        with self.db.session() as session:
            person = self._handler(session, actor)
            everyone = self._everyone(session)
            counted_reports = []
            for report in session.scalars(
                select(ReportRow).where(ReportRow.created_at >= start, ReportRow.created_at < end)
            ):
                category, conflicts = self._category_of(report), self._conflicts(report)
                if person.id in conflicts or person.has_role(*category.about):
                    continue  # kept from them: not even a count
                if (conflicts or category.about) and not may_handle(person, category, conflicts, everyone, today):
                    continue
                counted_reports.append(Counted(
                    category=category,
                    received_on=self.school.date_at(report.created_at),
                    status=report.status,
                    urgent=report.urgent,
                    escalated=report.escalation_level > 0,
                ))
        kinds = [c for c in self._categories if not c.about or (
            not person.has_role(*c.about) and person.has_role(*allowed_roles(c, set())))]
        return summarise(counted_reports, kinds, since, until)

    def _summaries(
        self, session: Session, person: Person, *, include_closed: bool = False, followed: bool = False
    ) -> list[CaseSummary]:
        query = select(ReportRow).order_by(ReportRow.urgent.desc(), ReportRow.created_at, ReportRow.id)
        if not include_closed:
            query = query.where(ReportRow.status != CLOSED)
        everyone, today = self._everyone(session), self._today()
        shown: list[tuple[ReportRow, Category]] = []
        for report in session.scalars(query):
            category, conflicts = self._category_of(report), self._conflicts(report)
            if not may_handle(person, category, conflicts, everyone, today):
                continue
            if followed and not follows(
                person, report, partial(self.cards.holders, session, report, category, conflicts, everyone)
            ):
                continue
            shown.append((report, category))
        last = self._last_activity(session, [report.id for report, _ in shown])
        return [
            CaseSummary(
                code=report.code,
                category=category,
                status=report.status,
                created_at=report.created_at,
                acknowledged_by=report.acknowledged_by,
                escalation_level=report.escalation_level,
                # Pictures that came with the report are stored a moment after it: no step since it came in.
                last_activity=at if (at := last.get(report.id)) and at > report.created_at else None,
            )
            for report, category in shown
        ]

    @staticmethod
    def _last_activity(session: Session, report_ids: Sequence[int]) -> dict[int, dt.datetime]:
        """Each report's newest step taken by someone (see CaseSummary.last_activity), if any since it came in."""
        if not report_ids:
            return {}
        rows = session.execute(
            select(ReportEventRow.report_id, func.max(ReportEventRow.at))
            .where(
                ReportEventRow.report_id.in_(report_ids),
                ReportEventRow.actor != SYSTEM,
                ReportEventRow.action.not_in(_NOT_ACTIVITY),
            )
            .group_by(ReportEventRow.report_id)
        ).all()
        return {report_id: at for report_id, at in rows}

    def case(self, code: str, actor: Actor) -> CaseView:
        """The whole case for a DSL: decrypted text, evidence list, chronology. Opening it is recorded."""

        def view(session: Session) -> CaseView:
            report, category, person = self._for_handler(session, code, actor, OPEN_REPORT)
            chronology.append(session, self.vault, report, at=self.clock.now(), actor=person.name, action="opened")
            return self._case_view(session, report, category)

        return self._acting(view)

    def check_access(self, code: str, actor: Actor, action: str) -> None:
        """Raise AccessDenied (the attempt recorded in the chronology) or ReceiptNotFound unless `actor` may `action`
        the report: for adapters to refuse at the button, before someone fills in a form they may not send."""

        self._acting(partial(self._checked, code=code, actor=actor, action=action))

    def sender_reachable(self, code: str, actor: Actor) -> bool:
        """Whether a question to the report's sender reaches them (they kept a way to be reached), checked as
        check_access(ASK_SENDER) is: for the asking form to say so before the question is written."""

        def check(session: Session) -> bool:
            report = self._checked(session, code=code, actor=actor, action=ASK_SENDER)
            return self._reply_channel(session, report.code) is not None

        return self._acting(check)

    def _checked(self, session: Session, *, code: str, actor: Actor, action: str) -> ReportRow:
        report, _, _ = self._for_handler(session, code, actor, action)
        if report.status == CLOSED and action in _CLOSED_REFUSALS:
            raise ReportError(_CLOSED_REFUSALS[action].format(code=report.code))
        if report.status != CLOSED and action == REOPEN_REPORT:
            raise ReportError(_NOT_CLOSED.format(code=report.code))
        return report

    def acknowledge(self, code: str, actor: Actor) -> CaseView:
        def ack(session: Session) -> CaseView:
            report, category, person = self._for_handler(session, code, actor, ACKNOWLEDGE)
            if report.status == CLOSED:
                raise ReportError(f"Report {report.code} is already closed.")
            if report.status == NEW:
                self._mark_acknowledged(session, report, category, person)
            return self._case_view(session, report, category)

        return self._acting(ack)

    def add_note(self, code: str, actor: Actor, text: str) -> CaseView:
        """A note for the record (also how a correction is made: a new note, never an edit). Access is checked
        before the text, here as in ask_sender and close: a refused attempt is recorded whatever the form held."""

        def add(session: Session) -> CaseView:
            report, category, person = self._for_handler(session, code, actor, ADD_NOTE)
            note = self._clean_text(text, what="note")
            if report.status == NEW:  # writing about it means someone has it in hand
                self._mark_acknowledged(session, report, category, person)
            if report.status == ACKNOWLEDGED:
                report.status = IN_PROGRESS
            chronology.append(
                session, self.vault, report, at=self.clock.now(), actor=person.name, action="note", detail=note
            )
            self.cards.queue_update(session, report, category, f"{person.name} added a note")
            return self._case_view(session, report, category)

        return self._acting(add)

    def ask_sender(self, code: str, actor: Actor, question: str) -> CaseView:
        """A question the sender sees with /status CODE, and is sent if they kept a reply channel."""

        def ask(session: Session) -> CaseView:
            report, category, person = self._for_handler(session, code, actor, ASK_SENDER)
            if report.status == CLOSED:
                raise ReportError(_CLOSED_REFUSALS[ASK_SENDER].format(code=report.code))
            text = self._clean_text(question, what="question")
            opened = report.status == NEW
            if opened:  # the question itself says the report has been opened: one message, not two at once
                self._mark_acknowledged(session, report, category, person, tell_sender=False)
            report.status = IN_PROGRESS
            event = chronology.append(
                session,
                self.vault,
                report,
                at=self.clock.now(),
                actor=person.name,
                action=ASKED_SENDER,
                detail=text,
            )
            how = _HOW_TO_ANSWER.get(report.channel, _HOW_TO_ANSWER["console"])
            self._queue_sender(
                session,
                report,
                event.seq,
                lambda receipt: (f"Your report {receipt} has been opened, and the school has a question about it:"
                                 if opened else f"The school has a question about your report {receipt}:")
                + f"\n\n{text}\n\n" + how.format(code=receipt),
                asks=True,
            )
            self.cards.queue_update(session, report, category, f"{person.name} asked the sender a question")
            return self._case_view(session, report, category)

        return self._acting(ask)

    def close(self, code: str, actor: Actor, outcome: str, *, share_with_sender: bool = False) -> CaseView:
        """Close with an outcome for the record. The sender hears only that it is closed, unless shared."""

        def close(session: Session) -> CaseView:
            report, category, person = self._for_handler(session, code, actor, CLOSE_REPORT)
            if report.status == CLOSED:
                raise ReportError(_CLOSED_REFUSALS[CLOSE_REPORT].format(code=report.code))
            text = self._clean_text(outcome, what="outcome")
            now = self.clock.now()
            report.status, report.closed_at = CLOSED, now
            report.outcome, report.outcome_shared = self.vault.encrypt(text), share_with_sender
            event = chronology.append(
                session, self.vault, report, at=now, actor=person.name, action="closed", detail=text
            )
            shared = f"\n\nOutcome: {text}" if share_with_sender else ""
            self._queue_sender(
                session,
                report,
                event.seq,
                lambda receipt: f"The school has finished looking into your report {receipt}. Thank you for telling "
                f"us.{shared}\n\n{AFTER_CLOSING}",
            )
            self.cards.queue_update(session, report, category, f"Closed by {person.name}")
            return self._case_view(session, report, category)

        view = self._acting(close)
        log.info("report %s closed", redact(view.code))
        return view

    def reopen(self, code: str, actor: Actor, reason: str) -> CaseView:
        """Open a closed case again (something new has come to light), for whoever could close it, with the reason
        for the record; the earlier outcome stays in the chronology, and is the case's outcome no more.

        It is in progress again, in the hands of whoever had acknowledged it (or of whoever re-opens it, if nobody
        had, or they have left or are recorded as away), so its escalation does not start again: escalation chases a
        case nobody has in hand, and this one is in the hands of someone at work, as any acknowledged case is. The
        sender, if their way of being reached still exists (it is forgotten once the news of the closing has gone), is
        told it is being looked at again, by nobody named, and can add to it again."""

        def reopen(session: Session) -> CaseView:
            report, category, person = self._for_handler(session, code, actor, REOPEN_REPORT)
            if report.status != CLOSED:
                raise ReportError(_NOT_CLOSED.format(code=report.code))
            text = self._clean_text(reason, what="reason")
            now = self.clock.now()
            report.status, report.closed_at = IN_PROGRESS, None
            report.outcome, report.outcome_shared = None, False
            event = chronology.append(
                session, self.vault, report, at=now, actor=person.name, action="re-opened", detail=text
            )
            holder = People.by_name(session, report.acknowledged_by) if report.acknowledged_by else None
            today, conflicts = self._today(), self._conflicts(report)
            if holder is None or not holder.is_current(today) or holder.is_away(today) or not may_handle(
                holder, category, conflicts, self._everyone(session), today
            ):
                # Closed unacknowledged, or by someone who has since left, is away (nobody would chase it while they
                # are) or may no longer handle it (no longer a DSL, or kept from it since): whoever re-opens it has it
                # in hand now.
                report.acknowledged_at, report.acknowledged_by = now, person.name
                chronology.append(session, self.vault, report, at=now, actor=person.name, action="acknowledged")
            how = _HOW_TO_ADD.get(report.channel, _HOW_TO_ADD["console"])
            self._queue_sender(
                session,
                report,
                event.seq,
                lambda receipt: f"The school is looking into your report {receipt} again. If you have more to tell "
                f"us, you can add it to this report. {how.format(code=receipt)}",
            )
            self.cards.queue_update(session, report, category, f"Re-opened by {person.name}", news=True)
            return self._case_view(session, report, category)

        view = self._acting(reopen)
        log.info("report %s re-opened", redact(view.code))
        return view

    def attachment(self, code: str, actor: Actor, number: int) -> tuple[str, str, bytes]:
        """Evidence number `number` (from 1): file name, content type and the cleaned bytes."""

        def fetch(session: Session) -> tuple[str, str, bytes]:
            report, _category, person = self._for_handler(session, code, actor, "open the evidence")
            rows = self._attachment_rows(session, report)
            if not 1 <= number <= len(rows):
                raise ReportError(
                    f"Report {report.code} has {len(rows)} attached file(s); there is no number {number}."
                )
            row = rows[number - 1]
            chronology.append(
                session,
                self.vault,
                report,
                at=self.clock.now(),
                actor=person.name,
                action="opened evidence",
                detail=row.filename,
            )
            return row.filename, row.content_type, self.vault.decrypt_bytes(row.data)

        return self._acting(fetch)

    def export(self, code: str, actor: Actor) -> str:
        """The whole record as text, for the file: report, evidence hashes, every event, chain verified."""

        def build(session: Session) -> str:
            report, category, person = self._for_handler(session, code, actor, "export the report")
            now = self.clock.now()
            chronology.append(session, self.vault, report, at=now, actor=person.name, action="exported")
            return self._export_text(session, report, category, person, now)

        return self._acting(build)

    def record_refused_attempt(self, code: str, who: str, action: str) -> None:
        """Someone tried to do what their role does not allow: it goes in the report's chronology, and in the log
        (the only record when there is no such report: they are not told whether there is)."""
        canonical = normalise_reference(code or "")

        def record(session: Session) -> bool:
            report = self._locked(session, canonical) if canonical is not None else None
            if report is not None:
                chronology.append(
                    session,
                    self.vault,
                    report,
                    at=self.clock.now(),
                    actor=who[:200],
                    action=REFUSED,
                    detail=f"Not allowed to {action}",
                )
            return report is not None

        found = self._write(record)
        # Never more than a code's first group: what was typed may be a receipt (any case, words after it).
        which = redact(canonical) if canonical else repr((code or "").strip()[:4] + "…")
        log.warning("%s was refused when trying to %s (report %s%s)", who[:200], action, which,
                    "" if found else ": there is no such report")

    # ------------------------------------------------------------------ scheduler (escalation.py)
    def escalate_due(self) -> int:
        """Alert the next people for every unacknowledged report whose time has come: see Escalation.escalate_due."""
        return self.escalation.escalate_due()

    # ------------------------------------------------------------------ outbox hooks (cards.py)
    def resolve_recipient(self, recipient: Recipient) -> Recipient | None:
        """The outbox's resolver, at delivery time: see Cards.resolve_recipient."""
        return self.cards.resolve_recipient(recipient)

    def reroute_refused_card(self, session: Session, message: OutboundMessage, error: str) -> int:
        """A card the DSL channel refused for good goes to the DSLs directly: see Cards.reroute_refused_card."""
        return self.cards.reroute_refused_card(session, message, error)

    # ------------------------------------------------------------------ key rotation
    def rotate(self, vault: Vault) -> int:
        """Re-encrypt every report secret under `vault`'s newest key. Returns how many values were rewritten."""
        count = 0
        with self.db.session() as session:
            for report in session.scalars(select(ReportRow)):
                report.text = vault.rotate(report.text)
                report.conflicts = vault.rotate(report.conflicts)
                count += 2
                if report.outcome:
                    report.outcome = vault.rotate(report.outcome)
                    count += 1
            for event in session.scalars(select(ReportEventRow).where(ReportEventRow.detail.is_not(None))):
                event.detail = vault.rotate(event.detail or "")
                count += 1
            for channel in session.scalars(select(ReplyChannelRow)):
                channel.address = vault.rotate(channel.address)
                count += 1
                if channel.receipt is not None:
                    channel.receipt = vault.rotate(channel.receipt)
                    count += 1
            for attachment in session.scalars(select(AttachmentRow)):
                attachment.data = vault.rotate_bytes(attachment.data)
                count += 1
        return count

    # ------------------------------------------------------------------ helpers: transactions and access

    def _acting(self, work: Callable[[Session], T]) -> T:
        try:
            return self._write(work)
        except _Refused as refused:
            if refused.code is not None:
                self.record_refused_attempt(refused.code, refused.who, refused.action)
            raise AccessDenied(_NO_ACCESS) from None

    def _for_handler(
        self, session: Session, code: str, actor: Actor, action: str
    ) -> tuple[ReportRow, Category, Person]:
        person = self._person(session, actor)
        if person is None or not person.has_role(*HANDLER_ROLES):
            # Somebody without a handling role learns nothing, not even whether the code exists.
            raise _Refused(normalise_reference(code or ""), actor.name, action)
        canonical = normalise_reference(code or "")
        report = self._locked(session, canonical) if canonical else None
        if report is None:
            # A receipt's shape (an older report's code has it too): perhaps the sender's own, given to a DSL.
            receipt = (f" If it is a sender's receipt code, it cannot open the case: please use the case reference on "
                       f"the report's alert (like {REFERENCE_EXAMPLE}).") if normalise(canonical or "") else ""
            raise ReceiptNotFound(
                f"There is no report with the reference {canonical}.{receipt}" if canonical
                else f"That is not a report's reference: they look like {REFERENCE_EXAMPLE}. Please check it and "
                "try again."
            )
        category = self._category_of(report)
        if not may_handle(person, category, self._conflicts(report), self._everyone(session), self._today()):
            raise _Refused(report.code, person.name, action)
        return report, category, person

    def _mark_acknowledged(
        self, session: Session, report: ReportRow, category: Category, person: Person, *, tell_sender: bool = True
    ) -> None:
        """`tell_sender`: send the sender the news that it has been opened (not when a message to them says so)."""
        # A reminder to acknowledge it, still waiting (Slack down), is not sent, nor carried by the next card.
        withdraw_pending(session, [f"report:{report.code}:{REMINDER}:"])
        now = self.clock.now()
        report.status, report.acknowledged_at, report.acknowledged_by = ACKNOWLEDGED, now, person.name
        event = chronology.append(session, self.vault, report, at=now, actor=person.name, action="acknowledged")
        if tell_sender:
            self._queue_sender(
                session, report, event.seq,
                lambda receipt: f"Your report {receipt} has been opened and is being looked at.",
            )
        self.cards.queue_update(session, report, category, f"Acknowledged by {person.name}")

    # ------------------------------------------------------------------ cards and Home redraws (cards.py)
    @property
    def acts_in_chat(self) -> bool:
        """Whether a case may be read and acted on in a Telegram chat: see Cards.acts_in_chat."""
        return self.cards.acts_in_chat

    def where_to_act(self, telegram_chat_id: int, code: str) -> str:
        """What someone who acknowledged a case from Telegram is told about the rest: see Cards.where_to_act."""
        return self.cards.where_to_act(telegram_chat_id, code)

    def redraw_homes_after(self, session: Session, person: Person, roles: Iterable[str], *, change: str | None = None,
                           everyone: Sequence[Person] | None = None) -> None:
        """The Slack Homes a change to `person` alters, drawn again: see Cards.redraw_homes_after."""
        self.cards.redraw_homes_after(session, person, roles, change=change, everyone=everyone)

    def redraw_homes_for_today(self) -> None:
        """The Homes a new day changes by itself, redrawn once that day: see Cards.redraw_homes_for_today."""
        self.cards.redraw_homes_for_today()

    def away_notes(self, actor: Actor) -> list[str]:
        """What someone being away changes for `actor` today, for where they work (Slack's Home): that they are
        recorded as away themselves, and which new reports come to them because those they usually go to are away
        (routing's rules). Empty when nobody's absence changes anything for them."""
        with self.db.session() as session:
            person = self._handler(session, actor)
            everyone, today = self._everyone(session), self._today()
            notes = []
            if person.is_away(today) and person.away_until is not None:
                notes.append(f"You are recorded as away until {long_date(person.away_until)}, that day included: new "
                             "reports go to others at work meanwhile. Cases already with you are still yours to open.")
            covering: dict[tuple[str, ...], list[str]] = {}
            for category in self._categories:
                about = {p.id for p in with_role(everyone, *category.about)}  # never the people it is about
                if person not in route_people(everyone, category, about, today):
                    continue
                away = tuple(f"{p.name} (until {long_date(p.away_until)})"
                             for p in sorted(passed_over(everyone, category, about, today), key=lambda p: p.name)
                             if p.away_until is not None)
                if away:
                    covering.setdefault(away, []).append(in_a_sentence(category.label))
        for away, labels in covering.items():
            notes.append(f"{and_list(list(away))} {'is' if len(away) == 1 else 'are'} away: new reports of "
                         f"{and_list(labels)} come to you meanwhile.")
        return notes

    def _queue_sender(
        self, session: Session, report: ReportRow, seq: int, text: Callable[[str], str], *, asks: bool = False
    ) -> None:
        """A message to the anonymous sender, addressed by case reference; only if they kept a way to reach them.
        `text` is given their receipt, which the message names: it is how they check the report and answer (and is
        only in the outbox's encrypted payload). `asks`: it is the school's question, so what the sender types next
        may be the answer."""
        channel = self._reply_channel(session, report.code)
        receipt = self._sender_receipt(report, channel) if channel is not None else None
        if receipt is None:
            return
        self.outbox.enqueue(
            session,
            OutboundMessage(
                key=f"{sender_keys(report)}{seq}",
                recipient=Recipient(report.channel, f"reply:{report.code}"),  # type: ignore[arg-type]
                kind=SENDER_UPDATE,
                text=text(receipt),
                title="News about your report",
                fields={"Receipt": receipt},
                # Where the platform has buttons: see the report, and answer the school while it is open.
                buttons=(
                    Button("sender.status", "See my report", receipt),
                    *((Button("sender.reply", "Reply to the school", receipt),) if report.status != CLOSED else ()),
                ),
                ref=report.code,
                asks=asks,
            ),
        )

    # ------------------------------------------------------------------ helpers: data

    @staticmethod
    def _new_reference(session: Session) -> str:
        while True:
            reference = new_reference()
            if session.scalar(select(ReportRow.id).where(ReportRow.code == reference)) is None:
                return reference

    @staticmethod
    def _new_receipt(session: Session) -> str:
        while True:
            code = new_code()
            if session.scalar(select(ReportRow.id).where(ReportRow.receipt_hash == receipt_hash(code))) is None:
                return code

    def _sender_receipt(self, report: ReportRow, channel: ReplyChannelRow) -> str | None:
        """The receipt of a sender who kept a reply channel: stored with it, encrypted; for a report from before case
        references, its code (which is then its receipt). None if neither (not expected)."""
        if channel.receipt is not None:
            return self.vault.decrypt(channel.receipt)
        return report.code if receipt_hash(report.code) == report.receipt_hash else None

    def _keep_away_named(
        self,
        session: Session,
        report: ReportRow,
        category: Category,
        text: str,
        now: dt.datetime,
        everyone: Sequence[Person],
    ) -> str | None:
        """A reply that names someone handling reports ("it was Mrs Lead") keeps the case from them from now on, as
        if the report had named them: they are no longer told of it and can no longer open it.

        If they had acknowledged it, nobody left has it in hand: it is unacknowledged again, and its escalation
        starts again from its first step, from now, so the others are chased as for a new report (those who already
        have it are reminded, see _escalate_one). Returns that person's name, for the others' card. A case shown in
        the DSL channel is shown there no more (a named DSL may be reading it), and the named people's own cards get
        a last update without the report or its buttons, and their Slack Home is drawn again without it."""
        before = self._conflicts(report)
        added = find_conflicts(everyone, text, ()) - before
        if not added:
            return None
        report.conflicts = self.vault.encrypt(json.dumps(sorted(before | added)))
        named = [p for p in everyone if p.id in added]
        detail = f"Kept away (named in a reply): {names_of(named)}"
        taken_from = report.acknowledged_by if report.status != CLOSED else None
        if taken_from not in {p.name for p in named}:
            taken_from = None
        if taken_from:
            report.status, report.acknowledged_at, report.acknowledged_by = NEW, None, None
            report.escalation_start, report.escalation_level = now, 0
            detail += f". {taken_from} had acknowledged it: it is unacknowledged again, and {ESCALATES_AGAIN}"
        chronology.append(session, self.vault, report, at=now, actor=SYSTEM, action="routed", detail=detail)
        if uses_shared_channel(category, before) and not uses_shared_channel(category, before | added):
            self.cards.queue_moved_card(session, report, category)
        self.cards.queue_kept_away_cards(session, report, category, named)
        if self.settings.slack_enabled:  # a Home listing the case lists it no more (it says nothing of why)
            seq = chronology.last_seq(session, report)
            for person in named:
                if person.slack_user_id:
                    self.cards.queue_redraw(session, person.slack_user_id, f"{report.code}:{seq}")
        return taken_from

    def _add_files(self, session: Session, report: ReportRow, files: Sequence[CleanFile], now: dt.datetime) -> None:
        for clean in files:
            session.add(
                AttachmentRow(
                    report_id=report.id,
                    filename=clean.filename,
                    content_type=clean.content_type,
                    size=len(clean.data),
                    sha256=clean.sha256,
                    data=self.vault.encrypt_bytes(clean.data),
                    added_at=now,
                )
            )
            chronology.append(
                session,
                self.vault,
                report,
                at=now,
                actor=SENDER,
                action="evidence added",
                detail=f"{clean.filename} ({clean.content_type}, {len(clean.data)} bytes, sha256 {clean.sha256})",
            )

    def text_problem(self, text: str, *, what: str = "report") -> str | None:
        """What is wrong with `text` as a report (or a reply: `what`), in words for its writer; None if nothing.
        For adapters to check a description while the sender is still writing it, not only when they send it."""
        try:
            self._clean_text(text, what=what)
        except ReportError as exc:
            return str(exc)
        return None

    def refused_pictures(self, attachments: Sequence[Attachment]) -> tuple[int, ...]:
        """The places (from 1) of the pictures a report could not keep, found without storing anything, so a sender
        can be told of them all at once."""
        try:
            self._clean_files(attachments, first=1)
        except PicturesRefused as exc:
            return exc.numbers
        return ()

    @staticmethod
    def _clean_files(attachments: Sequence[Attachment], *, first: int) -> list[CleanFile]:
        if len(attachments) > MAX_FILES:
            raise ReportError(f"Please send at most {MAX_FILES} pictures with a report.")
        cleaned, refused, problem = [], [], ""
        for i, attachment in enumerate(attachments):
            try:
                cleaned.append(strip_metadata(attachment, first + i))
            except ReportError as exc:
                refused.append(i + 1)
                problem = problem or str(exc)
        if refused:
            raise PicturesRefused(problem, tuple(refused))
        return cleaned

    def _case_view(self, session: Session, report: ReportRow, category: Category) -> CaseView:
        session.flush()
        rows = self._events(session, report)
        check = chronology.verify(self.vault, report, rows)
        files = [
            AttachmentInfo(a.id, a.filename, a.content_type, a.size, a.sha256)
            for a in self._attachment_rows(session, report)
        ]
        has_channel = self._reply_channel(session, report.code)
        extra = {} if check.ok else {"chain_problem": check.problem or ""}
        return CaseView(
            code=report.code,
            category=category,
            status=report.status,
            created_at=report.created_at,
            text=self.vault.decrypt(report.text),
            attachments=files,
            events=check.events,
            acknowledged_by=report.acknowledged_by,
            outcome=self.vault.decrypt(report.outcome) if report.outcome else None,
            can_contact_sender=has_channel is not None,
            outcome_shared=report.outcome_shared,
            chain_ok=check.ok,
            channel=report.channel,
            extra=extra,
        )

    def _export_text(
        self, session: Session, report: ReportRow, category: Category, person: Person, now: dt.datetime
    ) -> str:
        view = self._case_view(session, report, category)
        rows = {r.seq: r for r in self._events(session, report)}
        tz = self.school
        lines = [
            f"Concern report {report.code}",
            f"{self.school.name}. Exported {local_time(now, tz)} by {person.name}.",
            "",
            f"Category:      {category.label} ({'urgent' if category.urgent else 'routine'})",
            f"Received:      {local_time(report.created_at, tz)} through {view.received_through}",
            f"Status:        {report.status}",
        ]
        if report.acknowledged_at:
            lines.append(f"Acknowledged:  {local_time(report.acknowledged_at, tz)} by {report.acknowledged_by}")
        if report.closed_at:
            closer = next((e.actor for e in reversed(view.events) if e.action == "closed"), None)
            lines.append(f"Closed:        {local_time(report.closed_at, tz)}" + (f" by {closer}" if closer else ""))
            lines.append(f"Outcome:       {view.outcome}")
            lines.append(f"Outcome shared with the sender: {'yes' if report.outcome_shared else 'no'}")
        lines += ["", "Report, as the sender wrote it:", *("    " + line for line in view.text.splitlines()), ""]
        if view.attachments:
            lines.append(f"Evidence: {counted(len(view.attachments), 'picture')}, their metadata removed on arrival:")
        else:
            lines.append("No pictures or files came with it.")
        for number, row in enumerate(self._attachment_rows(session, report), start=1):
            actual = hashlib.sha256(self.vault.decrypt_bytes(row.data)).hexdigest()
            state = "matches" if actual == row.sha256 else "DOES NOT MATCH the stored file"
            lines.append(
                f"  {number}. {row.filename} {row.content_type} {row.size} bytes sha256 {row.sha256} ({state})"
            )
        verdict = "intact" if view.chain_ok else f"BROKEN: {view.extra.get('chain_problem')}"
        lines += ["", f"Chronology ({len(view.events)} events; the hash chain is {verdict}):"]
        for event in view.events:
            stored = rows.get(event.seq)
            action, detail = event.as_read()  # a refused attempt reads "tried to ... (not allowed)"
            lines.append(f"  {event.seq:>3}. {local_time(event.at, tz)}  {event.actor}: {action}")
            if detail:
                lines += ["       " + line for line in detail.splitlines()]
            if stored is not None:
                lines.append(f"       hash {stored.hash}")
        lines += ["", f"Head hash: {report.head_hash}", ""]
        return "\n".join(lines)


# ---------------------------------------------------------------------- wording
_NOT_FOUND = (
    "I could not find a report with that receipt code. Please check it: it is four groups of four letters "
    "and numbers, like ACDE-FGHJ-KMNP-RTWX."
)
NOT_A_CODE = (
    "That does not look like a receipt code. A receipt code is four groups of four letters and numbers, like "
    "ACDE-FGHJ-KMNP-RTWX."
)


def not_a_code(typed: str) -> str:
    """Why what was typed cannot be a receipt code. A case reference is said to be one (by its shape alone, so it
    tells nobody whether such a case exists). Sixteen letters and numbers is a code with a character misread (an
    O for a D, say): the sender needs to hear which characters a code never has, not how long a code is."""
    words = typed.split()
    if is_reference(typed) or (words and is_reference(words[0])):  # a DSL's case reference, from an alert
        return REFERENCE_IS_NO_RECEIPT
    symbols = [ch for ch in typed.upper() if ch.isascii() and ch.isalnum()]
    never = sorted({ch for ch in symbols if ch not in ALPHABET})
    if len(symbols) != LENGTH or not never:
        return NOT_A_CODE
    which = " or ".join([", ".join(never[:-1]), never[-1]] if len(never) > 1 else never)
    return (f"That is not quite a receipt code: receipt codes never have {which} in them, so a letter or number may "
            "have been misread. Please check it against your receipt.")


_ALREADY_REPLIED = (
    "That reply is already in your report: it arrived a moment ago, so there is no need to send it again."
)
_NO_ACCESS = "You do not have access to this report. The attempt has been recorded."
# How a sender answers the school's question, where their news arrives (Telegram's message has the buttons).
_HOW_TO_ANSWER = {
    "telegram": "To answer, press \u201cReply to the school\u201d below, or reply to this message.",
    "slack": "To answer, send: /checkreport {code} followed by your answer.",  # Slack's /status is its own
    "console": "To answer, send: /status {code}",
}
# How a sender adds to a report the school is looking into again, where that news arrives.
_HOW_TO_ADD = {
    "telegram": "Press \u201cReply to the school\u201d below.",
    "slack": "Send: /checkreport {code} followed by what you want to add.",
    "console": "Send: /status {code}",
}
_NOT_CLOSED = "Report {code} is not closed, so there is nothing to re-open."
# Said after the sender's words went into a closed report, followed by the emergency advice.
_ADDED_AFTER_CLOSING = ("Your report had been closed, so the people who handle reports have been told that you wrote "
                        "again. They will read what you sent and decide whether to look into it again, but it may not "
                        "be read straight away.")
_CALL_999 = "If a child is in immediate danger, call 999 now."
_SENDER_TEXT = {
    # Neutral about who: a concern about the headteacher goes to the Chair of Governors, not to a DSL.
    NEW: "Your report has arrived safely and is waiting to be opened by the person it went to.",
    ACKNOWLEDGED: "The person your report went to has opened it and is looking at it.",
    IN_PROGRESS: "The school is looking into your report.",
    CLOSED: f"The school has finished looking into your report. Thank you for telling us. {AFTER_CLOSING}",
}
_PASSED_ON = "Your report is with someone else at the school now, and is waiting for them to open it."
# The same, for a report several people have (several DSLs, or the headteacher and the DSLs): (as sent, passed on).
_SEVERAL: dict[str, tuple[str, str]] = {
    NEW: (
        "Your report has arrived safely and is waiting to be opened by the people it went to.",
        "Your report is with other people at the school now, and is waiting for one of them to open it.",
    ),
    ACKNOWLEDGED: ("One of the people your report went to has opened it and is looking at it.",) * 2,
}


def _roles_phrase(people: Sequence[Person]) -> str:
    """Who a report routed around a named person went to, by role (the sender is told roles, never names)."""
    names = [phrase for role, phrase in ROUTE_NAMES.items() if any(p.has_role(role) for p in people)]
    if not names:
        return "the school's safeguarding team"
    return and_list(names)

