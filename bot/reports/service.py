"""`core.reports`: the one entry point for concern reports, used by every adapter, the CLI and the scheduler.

The sender side (submit, sender_status, sender_reply) knows nobody's identity: a receipt code is the only key, and
only its sender holds it (the database keeps its hash). The DSL side (open_cases, cases_to_follow, case, acknowledge,
add_note, ask_sender, close, reopen, attachment, export) names a report by its case reference, and acts as an `Actor`
whose roles are checked in the core, never in an adapter; a case reference opens nothing on the sender side.

Every change is one transaction that also appends to the tamper-evident chronology and queues its alerts in the
outbox, so a report confirmed to its sender is never lost.

ReportService keeps every public method adapters call, and does little itself (the kinds of concern, who is acting,
the governors' summary, key rotation): everything else is done by one of its parts, each built on the same setup
(shared.py: the settings and stores, one write lock, the helpers every part uses) and reached as an attribute:
- `sender` (sender.py): making a report, and its anonymous sender's view, replies and being forgotten;
- `handling` (handling.py): the actions of those who handle reports, each access-checked, and the sender's news of them;
- `cards` (cards.py): the cards and Slack Home redraws queued for them, who has a case, and the outbox's hooks;
- `escalation` (escalation.py): a report nobody acknowledges in time, sent on to the next people;
- `receivers` (receivers.py): who receives reports today, and who covers for whom, in words.
Beside them, in_words.py is no part but a companion for chats without forms (Telegram): a case, and each step
taken on it, as text, done through this service's methods.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from contextlib import nullcontext

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.config import School, Settings
from bot.crypto import Vault
from bot.outbox import Outbox
from bot.people import People, Person
from bot.ports import Clock, OutboundMessage, Recipient
from bot.reports.cards import Cards
from bot.reports.categories import load_categories
from bot.reports.domain import (
    AccessDenied,
    Actor,
    Attachment,
    CaseSummary,
    CaseView,
    Category,
    Receipt,
    ReplyAddress,
    ReportError,
    SenderView,
)
from bot.reports.escalation import Escalation
from bot.reports.handling import Handling
from bot.reports.models import AttachmentRow, ReplyChannelRow, ReportEventRow, ReportRow
from bot.reports.ratelimit import WrongCodeLimiter
from bot.reports.receivers import Receivers
from bot.reports.routing import allowed_roles, may_handle
from bot.reports.sender import SenderSide
from bot.reports.shared import FairLock, ReportsPart, ReportsSetup
from bot.reports.summary import Counted, ReportsSummary, school_year_start, summarise
from bot.storage import Database
from bot.wording import long_date


class ReportService(ReportsPart):
    """The reports service (see the module's docstring): its own few methods, and each part's, delegated."""

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
        self.handling = Handling(setup, self.cards)
        self.receivers = Receivers(setup)
        outbox.reroutes.append(self.cards.reroute_refused_card)

    # ------------------------------------------------------------------ categories
    def categories(self) -> list[Category]:
        return list(self._categories)

    def unreachable_handlers(self) -> list[str]:
        """Those who handle reports that no platform in use can reach: see Receivers.unreachable_handlers."""
        return self.receivers.unreachable_handlers()

    def unreachable_warnings(self) -> list[str]:
        """The start-up log's lines about whom reports cannot reach: see Receivers.unreachable_warnings."""
        return self.receivers.unreachable_warnings()

    def while_away(self, name: str, *, leaving: dt.date | None = None) -> str | None:
        """Where new reports go while `name` is away, or once they leave: see Receivers.while_away."""
        return self.receivers.while_away(name, leaving=leaving)

    def handlers(self) -> list[tuple[str, str]]:
        """(name, role) of everyone who may be alerted about reports today: see Receivers.handlers."""
        return self.receivers.handlers()

    def who_sees(self) -> str:
        """Who sees a report, as the report form tells its sender: see Receivers.who_sees."""
        return self.receivers.who_sees()

    def mentioned_roles(self, text: str, category_key: str | None = None) -> list[tuple[str, str, list[str]]]:
        """The roles handling reports that `text` names, held by someone today: see Receivers.mentioned_roles."""
        return self.receivers.mentioned_roles(text, category_key)

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

    # ------------------------------------------------------------------ those who handle reports (handling.py)
    def open_cases(self, actor: Actor, *, include_closed: bool = False) -> list[CaseSummary]:
        """Reports this person may handle, urgent first, oldest first: see Handling.open_cases."""
        return self.handling.open_cases(actor, include_closed=include_closed)

    def cases_to_follow(self, actor: Actor) -> list[CaseSummary]:
        """The open cases shown to `actor` where they work (Slack's App Home): see Handling.cases_to_follow."""
        return self.handling.cases_to_follow(actor)

    def case(self, code: str, actor: Actor) -> CaseView:
        """The whole case for a DSL; opening it is recorded: see Handling.case."""
        return self.handling.case(code, actor)

    def check_access(self, code: str, actor: Actor, action: str) -> None:
        """Refuse (and record) unless `actor` may `action` the report: see Handling.check_access."""
        self.handling.check_access(code, actor, action)

    def sender_reachable(self, code: str, actor: Actor) -> bool:
        """Whether a question to the report's sender reaches them: see Handling.sender_reachable."""
        return self.handling.sender_reachable(code, actor)

    def acknowledge(self, code: str, actor: Actor) -> CaseView:
        """See Handling.acknowledge."""
        return self.handling.acknowledge(code, actor)

    def add_note(self, code: str, actor: Actor, text: str) -> CaseView:
        """A note for the record: see Handling.add_note."""
        return self.handling.add_note(code, actor, text)

    def ask_sender(self, code: str, actor: Actor, question: str) -> CaseView:
        """A question for the sender: see Handling.ask_sender."""
        return self.handling.ask_sender(code, actor, question)

    def close(self, code: str, actor: Actor, outcome: str, *, share_with_sender: bool = False) -> CaseView:
        """Close with an outcome for the record: see Handling.close."""
        return self.handling.close(code, actor, outcome, share_with_sender=share_with_sender)

    def reopen(self, code: str, actor: Actor, reason: str) -> CaseView:
        """Open a closed case again, with the reason for the record: see Handling.reopen."""
        return self.handling.reopen(code, actor, reason)

    def attachment(self, code: str, actor: Actor, number: int) -> tuple[str, str, bytes]:
        """Evidence number `number` (from 1): file name, content type and bytes: see Handling.attachment."""
        return self.handling.attachment(code, actor, number)

    def export(self, code: str, actor: Actor) -> str:
        """The whole record as text, for the file: see Handling.export."""
        return self.handling.export(code, actor)

    def record_refused_attempt(self, code: str, who: str, action: str) -> None:
        """Someone tried to do what their role does not allow: see Handling.record_refused_attempt."""
        self.handling.record_refused_attempt(code, who, action)

    # ------------------------------------------------------------------ counts for the governors
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

    # ------------------------------------------------------------------ cards and Home redraws (cards.py)
    @property
    def acts_in_chat(self) -> bool:
        """Whether a case may be read and acted on in a Telegram chat: see Cards.acts_in_chat."""
        return self.cards.acts_in_chat

    def where_to_act(self, telegram_chat_id: int, code: str) -> str:
        """What someone who acknowledged a case from Telegram is told about the rest: see Cards.where_to_act."""
        return self.cards.where_to_act(telegram_chat_id, code)

    def redraw_homes_after(self, session: Session, person: Person, roles: Iterable[str]) -> None:
        """The Slack Homes a change to `person` alters, drawn again (People's hook, see bot.people.HomesChanged): see
        Cards.redraw_homes_after."""
        self.cards.redraw_homes_after(session, person, roles)

    def redraw_homes_for_today(self) -> None:
        """The Homes a new day changes by itself, redrawn once that day: see Cards.redraw_homes_for_today."""
        self.cards.redraw_homes_for_today()

    def away_notes(self, actor: Actor) -> list[str]:
        """What someone being away changes for `actor` today, for their Slack Home: see Receivers.away_notes."""
        return self.receivers.away_notes(actor)
