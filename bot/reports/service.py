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
from collections.abc import Callable, Iterable, Sequence
from contextlib import nullcontext
from functools import partial
from typing import TypeVar

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.config import School, Settings
from bot.crypto import Vault
from bot.outbox import Outbox, withdraw_pending
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
    SYSTEM,
    AccessDenied,
    Actor,
    Attachment,
    AttachmentInfo,
    CaseSummary,
    CaseView,
    Category,
    Receipt,
    ReceiptNotFound,
    ReplyAddress,
    ReportError,
    SenderView,
)
from bot.reports.escalation import Escalation
from bot.reports.models import AttachmentRow, ReplyChannelRow, ReportEventRow, ReportRow
from bot.reports.ratelimit import WrongCodeLimiter
from bot.reports.receipts import (
    REFERENCE_EXAMPLE,
    normalise,
    normalise_reference,
    receipt_hash,
    redact,
)
from bot.reports.routing import (
    GOVERNORS_PHRASE,
    HANDLER_ROLES,
    about_the_head,
    allowed_roles,
    at_work,
    may_handle,
    passed_over,
    reachable_on,
    roles_mentioned,
    route_people,
    sent_to,
    unreachable_warning,
    with_role,
)
from bot.reports.sender import SenderSide
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
# Reading a case, and its sender's way of being reached forgotten, are no step taken on it: not its last activity.
_NOT_ACTIVITY = ("opened", "opened evidence", "exported", REFUSED, "reply channel removed")

T = TypeVar("T")


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
        self.sender = SenderSide(setup, self.cards)
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

    # ------------------------------------------------------------------ the sender's side (sender.py)
    def submit(self, category_key: str, text: str, *, channel: str, attachments: Sequence[Attachment] = (),
               reply_to: ReplyAddress | None = None, named_people: Sequence[str] = (),
               reported_by: str | None = None) -> Receipt:
        """Store a report and queue its alerts in one transaction, then give its receipt: see SenderSide.submit."""
        return self.sender.submit(category_key, text, channel=channel, attachments=attachments, reply_to=reply_to,
                                  named_people=named_people, reported_by=reported_by)

    def sender_status(self, code: str, *, requester: str, asked_from: ReplyAddress | None = None) -> SenderView:
        """What the anonymous sender may see: see SenderSide.sender_status."""
        return self.sender.sender_status(code, requester=requester, asked_from=asked_from)

    def sender_reply(self, code: str, text: str, *, requester: str, attachments: Sequence[Attachment] = (),
                     asked_from: ReplyAddress | None = None) -> SenderView:
        """More information from the sender, perhaps answering a question: see SenderSide.sender_reply."""
        return self.sender.sender_reply(code, text, requester=requester, attachments=attachments, asked_from=asked_from)

    def forget_reply_channel(self, code: str, *, requester: str, asked_from: ReplyAddress | None = None) -> bool:
        """The sender asks the school to forget how to reach them: see SenderSide.forget_reply_channel."""
        return self.sender.forget_reply_channel(code, requester=requester, asked_from=asked_from)

    def forget_closed_reply_channels(self) -> int:
        """How to reach the senders of closed reports, forgotten: see SenderSide.forget_closed_reply_channels."""
        return self.sender.forget_closed_reply_channels()

    def text_problem(self, text: str, *, what: str = "report") -> str | None:
        """What is wrong with `text` as a report (or a reply), for its writer: see SenderSide.text_problem."""
        return self.sender.text_problem(text, what=what)

    def refused_pictures(self, attachments: Sequence[Attachment]) -> tuple[int, ...]:
        """The places (from 1) of the pictures a report could not keep: see SenderSide.refused_pictures."""
        return self.sender.refused_pictures(attachments)

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

    def _sender_receipt(self, report: ReportRow, channel: ReplyChannelRow) -> str | None:
        """The receipt of a sender who kept a reply channel: stored with it, encrypted; for a report from before case
        references, its code (which is then its receipt). None if neither (not expected)."""
        if channel.receipt is not None:
            return self.vault.decrypt(channel.receipt)
        return report.code if receipt_hash(report.code) == report.receipt_hash else None

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

