"""The actions of those who handle reports (DSLs, deputies, the headteacher, the chair and vice-chair of
governors): their list of cases, opening a case, acknowledging, a note, a question to the sender, closing and
re-opening, the evidence and the export; and each step's news to the anonymous sender, if they kept a way to be
reached (_queue_sender).

A case is named by its case reference, and the person acting is an `Actor` whose roles are checked here, never in an
adapter (_for_handler): an attempt they may not make is refused, and recorded in the case's chronology in a
transaction of its own (_acting, record_refused_attempt). Each action is one transaction that appends to the
chronology; one that changes the case also queues its cards there (Cards.queue_update).
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Callable, Sequence
from functools import partial
from typing import TypeVar

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.outbox import withdraw_pending
from bot.people import People, Person
from bot.ports import Button, OutboundMessage, Recipient
from bot.reports import chronology
from bot.reports.cards import REMINDER, Cards, follows
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
    AttachmentInfo,
    CaseSummary,
    CaseView,
    Category,
    ReceiptNotFound,
    ReportError,
)
from bot.reports.models import ReplyChannelRow, ReportEventRow, ReportRow
from bot.reports.receipts import REFERENCE_EXAMPLE, normalise, normalise_reference, receipt_hash, redact
from bot.reports.routing import HANDLER_ROLES, may_handle
from bot.reports.shared import (
    AFTER_CLOSING,
    ASKED_SENDER,
    SENDER_UPDATE,
    ReportsPart,
    ReportsSetup,
    local_time,
    log,
    sender_keys,
)
from bot.wording import counted

_CLOSED_REFUSALS = {  # what may be done to a case only while it is open, refused at the button once it is closed
    ASK_SENDER: "Report {code} is closed, so the sender cannot answer questions about it.",
    CLOSE_REPORT: "Report {code} is already closed.",
}
# Reading a case, and its sender's way of being reached forgotten, are no step taken on it: not its last activity.
_NOT_ACTIVITY = ("opened", "opened evidence", "exported", REFUSED, "reply channel removed")

T = TypeVar("T")


class _Refused(Exception):
    """Raised inside a transaction to roll it back; the refusal is then recorded in a transaction of its own."""

    def __init__(self, code: str | None, who: str, action: str) -> None:
        super().__init__(action)
        self.code, self.who, self.action = code, who, action


class Handling(ReportsPart):
    """What those who handle reports do with a case (see the module's docstring)."""

    def __init__(self, setup: ReportsSetup, cards: Cards) -> None:
        super().__init__(setup)
        self.cards = cards

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
