"""The sender's side of a report: making it (submit: checked, routed, stored and its alerts queued in one
transaction, before there is a receipt to show), and what its anonymous sender does after: see it (sender_status),
add to it (sender_reply), and have the school forget how to reach them (forget_reply_channel; closed reports' senders
are forgotten by the minute job, forget_closed_reply_channels).

It knows nobody's identity: a receipt code is the only key, and only its sender holds it (the database keeps its
hash). A reply that names someone handling reports keeps the case from them from then on (_keep_away_named).
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Sequence
from dataclasses import dataclass, replace
from functools import partial

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from bot.outbox import PENDING, SENDING, OutboxRow, blank_finished, withdraw_pending
from bot.people import Person
from bot.ports import Recipient
from bot.reports import chronology
from bot.reports.cards import Cards
from bot.reports.domain import (
    ACKNOWLEDGED,
    CLOSED,
    IN_PROGRESS,
    NEW,
    REPLIED,
    SENDER,
    SENDER_STATUS,
    SYSTEM,
    Attachment,
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
from bot.reports.evidence import MAX_FILES, CleanFile, strip_metadata
from bot.reports.models import AttachmentRow, ReplyChannelRow, ReportEventRow, ReportRow
from bot.reports.receipts import (
    ALPHABET,
    LENGTH,
    REFERENCE_IS_NO_RECEIPT,
    is_reference,
    new_code,
    new_reference,
    normalise,
    receipt_hash,
    redact,
)
from bot.reports.routing import (
    GOVERNORS,
    GOVERNORS_PHRASE,
    ROUTE_NAMES,
    about_the_head,
    at_work,
    find_conflicts,
    recipients,
    route_people,
    sent_to,
    uses_shared_channel,
    with_role,
)
from bot.reports.shared import (
    AFTER_CLOSING,
    ASKED_SENDER,
    SENDER_UPDATE,
    ReportsPart,
    ReportsSetup,
    in_a_sentence,
    log,
    names_of,
    sender_keys,
)
from bot.wording import and_list, counted, upper_first

CHANNELS = ("telegram", "slack", "console")
SAME_REPLY_WINDOW = dt.timedelta(minutes=10)  # the same reply again within this is taken as sent twice
# A case given back to the others after its acknowledger was named: the chronology says so, and escalation runs
# its steps again from there (those who already have the case are reminded, see Cards.holders).
ESCALATES_AGAIN = "escalates again from now"


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


class SenderSide(ReportsPart):
    """The sender's side of reports (see the module's docstring)."""

    def __init__(self, setup: ReportsSetup, cards: Cards) -> None:
        super().__init__(setup)
        self.cards = cards

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
        have it are reminded, see escalation.py). Returns that person's name, for the others' card. A case shown in
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
