"""The outbox: every message the bot sends is first a row here, written in the same transaction as the thing
that caused it (a report, a reminder). A dispatcher delivers due rows through the notifiers, retrying with
backoff until delivered, so a confirmed report's alerts survive Slack outages and process restarts.

Payloads are encrypted at rest: an alert may carry report text. Each row has a unique idempotency key, so the
same message is queued, and delivered, once.

Routine staff reminders are delivered only inside the school's messaging hours (`MessagingHours`): one held back
by a Slack outage or by retries waits for the next school morning rather than arriving late on a Saturday night.
Everything else, safeguarding alerts above all, goes out day and night, and before any routine message waiting.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import traceback
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Protocol

from sqlalchemy import Select, String, Text, case, func, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, Session, mapped_column

from bot.crypto import Vault, VaultError
from bot.ports import Clock, DeliveryError, Notifier, OutboundMessage, Recipient
from bot.reports.receipts import redact  # receipt codes in message keys never reach the log
from bot.storage import Base, Database

log = logging.getLogger(__name__)


class NotConfigured(DeliveryError):
    """The message's platform has no connection yet: it stays queued until one is configured."""

PENDING, SENDING, DELIVERED, FAILED = "pending", "sending", "delivered", "failed"
CANCELLED = "cancelled"  # an outbox row no longer worth sending (e.g. the reminder was already acted on)
SUPERSEDED = "superseded"  # a newer version of the message (same slot) was queued: this one is not sent
LEASE = dt.timedelta(minutes=2)  # a row claimed by a process that then died is retried after this
CLAIM_BATCH = 10  # rows claimed at a time by one dispatcher
MAX_BACKOFF = dt.timedelta(minutes=15)


class OutboxRow(Base):
    __tablename__ = "outbox"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(200), unique=True)
    platform: Mapped[str] = mapped_column(String(16))
    kind: Mapped[str] = mapped_column(String(40))
    ref: Mapped[str | None] = mapped_column(String(64), index=True)
    slot: Mapped[str | None] = mapped_column(String(200), index=True)  # see OutboundMessage.slot
    payload: Mapped[str] = mapped_column(Text)  # encrypted JSON of the OutboundMessage
    status: Mapped[str] = mapped_column(String(12), default=PENDING, index=True)
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[dt.datetime]
    last_error: Mapped[str | None] = mapped_column(String(300))
    created_at: Mapped[dt.datetime]
    delivered_at: Mapped[dt.datetime | None]


# Turns a recipient the outbox may not hold in the clear (an anonymous reply channel) into a real address,
# at the moment of delivery. None means "no longer deliverable" (e.g. the sender chose to keep nothing).
Resolver = Callable[[Recipient], Recipient | None]
# Told of a message that failed for good, in the transaction that marks it failed: may queue others in its place
# (a card the DSLs' channel refused goes to each DSL directly). Returns how many it queued.
Reroute = Callable[[Session, OutboundMessage, str], int]
# Asked, as a message held back (outside the messaging hours, by an outage) is about to be delivered, whether it is
# still for its recipient: why not (it is then withdrawn, not sent), or None.
Withhold = Callable[[Session, OutboundMessage], str | None]


class MessagingHours(Protocol):
    """When routine messages may be delivered: the school's messaging hours (bot.schedule.quiet.QuietHours)."""

    routine_kinds: frozenset[str]  # kinds of message that wait for the messaging hours (never safeguarding alerts)

    def staff_may_be_messaged(self, now: dt.datetime) -> bool: ...


@dataclass
class DispatchResult:
    delivered: int = 0
    retried: int = 0
    failed: int = 0


def backoff(attempts: int, retry_after: float | None = None) -> dt.timedelta:
    if retry_after is not None:
        return dt.timedelta(seconds=max(0.0, retry_after))
    return min(dt.timedelta(seconds=2 ** min(attempts, 12)), MAX_BACKOFF)


def withdraw_pending(session: Session, key_prefixes: Iterable[str]) -> int:
    """Stop queued, not yet sent messages that are no longer needed (the reminder was acted on)."""
    cancelled = 0
    for prefix in key_prefixes:
        result = session.execute(
            update(OutboxRow)
            .where(OutboxRow.key.startswith(prefix, autoescape=True), OutboxRow.status == PENDING)
            .values(status=CANCELLED, last_error="no longer needed")
        )
        cancelled += result.rowcount  # type: ignore[attr-defined]
    return cancelled


def _readdressed(key: str, old: Recipient, new: Recipient) -> str:
    """A key or slot naming the recipient at its end, naming `new` instead (within the column's 200 characters)."""
    ending = f":{old.platform}:{old.address}"
    if not key.endswith(ending):
        return key
    return (key.removesuffix(ending) + f":{new.platform}:{new.address}")[:200]


def blank_finished(session: Session, key_prefix: str) -> int:
    """Blank the stored copy of messages under `key_prefix` that are done with (sent, failed for good, withdrawn):
    what a sender was told names their receipt, which is kept no longer than their way of being reached. The rows
    stay, so the same message is still never queued twice."""
    result = session.execute(
        update(OutboxRow)
        .where(OutboxRow.key.startswith(key_prefix, autoescape=True), OutboxRow.status.not_in((PENDING, SENDING)))
        .values(payload="")
    )
    return result.rowcount  # type: ignore[attr-defined]


class Outbox:
    def __init__(self, db: Database, vault: Vault, clock: Clock, hours: MessagingHours | None = None) -> None:
        self.db = db
        self.vault = vault
        self.clock = clock
        self.hours = hours  # None: every message goes out at any hour
        self._said_unconfigured: set[str] = set()  # platforms already logged as not configured
        self.reroutes: list[Reroute] = []  # see Reroute: the report service registers its own
        self.withholds: list[Withhold] = []  # see Withhold: the core registers the schedule's (staff who have left)

    def release_claims(self) -> int:
        """Every message claimed for sending made due again now; for a process that knows it is the only one that
        delivers (see Core.free_dead_claims). Returns how many."""
        with self.db.session() as session:
            result = session.execute(
                update(OutboxRow)
                .where(OutboxRow.status == SENDING)
                .values(status=PENDING, next_attempt_at=self.clock.now())
            )
            return result.rowcount  # type: ignore[attr-defined]

    def enqueue(self, session: Session, message: OutboundMessage, *, not_before: dt.datetime | None = None) -> bool:
        """Queue a message in the caller's transaction. False when its key was already queued."""
        if session.scalar(select(OutboxRow.id).where(OutboxRow.key == message.key)) is not None:
            return False
        if message.slot and message.ping is None:
            message = replace(message, ping=self._undelivered_ping(session, message.slot))
        now = self.clock.now()
        row = OutboxRow(
            key=message.key,
            platform=message.recipient.platform,
            kind=message.kind,
            ref=message.ref,
            slot=message.slot,
            payload=self.vault.encrypt(json.dumps(message.to_json())),
            status=PENDING,
            attempts=0,
            next_attempt_at=not_before or now,
            created_at=now,
        )
        try:
            with session.begin_nested():
                session.add(row)
        except IntegrityError:
            return False  # another process queued the same key a moment ago
        return True

    def enqueue_redraw(self, session: Session, message: OutboundMessage) -> bool:
        """Queue a message drawn only when it is delivered (a Home tab, REDRAW_HOME), unless one for its slot is
        still waiting to be sent: that one will show this change too, so a burst of changes sends it once. One being
        sent already may have been drawn before this change: another is queued after it. False when none is queued.

        The waiting one is locked until the caller's transaction ends (PostgreSQL), so a dispatcher cannot claim
        and draw it between this look and the change being committed."""
        if not message.slot:
            raise ValueError("a message drawn when delivered needs a slot: its recipient's")
        waiting = session.scalar(
            select(OutboxRow.id).where(OutboxRow.slot == message.slot, OutboxRow.status == PENDING)
            .limit(1).with_for_update()
        )
        return waiting is None and self.enqueue(session, message)

    def enqueue_many(
        self, session: Session, messages: Sequence[OutboundMessage], *, not_before: dt.datetime | None = None
    ) -> int:
        """Queue many messages in the caller's transaction with one insert (a campaign to thousands of staff).

        Keys already queued are skipped. Unlike `enqueue`, a key queued by another process at the same moment
        makes the whole insert fail (IntegrityError), rolling back the caller's transaction: callers use this
        where a unique record of their own already decides who sends (e.g. the scheduler's reminder log).
        """
        if not messages:
            return 0
        existing: set[str] = set()
        keys = [m.key for m in messages]
        for start in range(0, len(keys), 500):
            existing.update(session.scalars(select(OutboxRow.key).where(OutboxRow.key.in_(keys[start : start + 500]))))
        now = self.clock.now()
        rows = []
        for message in messages:
            if message.key in existing:
                continue
            existing.add(message.key)
            rows.append(
                {
                    "key": message.key,
                    "platform": message.recipient.platform,
                    "kind": message.kind,
                    "ref": message.ref,
                    "slot": message.slot,
                    "payload": self.vault.encrypt(json.dumps(message.to_json())),
                    "status": PENDING,
                    "attempts": 0,
                    "next_attempt_at": not_before or now,
                    "created_at": now,
                }
            )
        if rows:
            session.execute(insert(OutboxRow), rows)
        return len(rows)

    def message(self, row: OutboxRow) -> OutboundMessage:
        return OutboundMessage.from_json(json.loads(self.vault.decrypt(row.payload)))

    def readdress(self, session: Session, old: Recipient, new: Recipient) -> int:
        """Messages for `old` are for `new`, in the caller's transaction: someone reached by name on the console was
        renamed. Those waiting are delivered to the new address; those sent are counted as sent there, as who has a
        case is read from the cards it was sent (so later versions go to the new address too, not the old one as
        well). Keys and slots that end with the address ("...:console:NAME", a case's card) end with the new one, so
        a newer version still replaces one waiting and a message is still queued once. Returns how many moved."""
        rows = session.scalars(
            select(OutboxRow).where(OutboxRow.platform == old.platform, OutboxRow.payload != "")
        ).all()
        moved = 0
        for row in rows:
            try:
                message = self.message(row)
            except VaultError:  # kept for a process with the right key (see _to_deliver): its address is unknown here
                continue
            if message.recipient != old:
                continue
            key = _readdressed(message.key, old, new)
            slot = _readdressed(message.slot, old, new) if message.slot else message.slot
            if key != row.key and session.scalar(select(OutboxRow.id).where(OutboxRow.key == key)) is not None:
                key = row.key  # (that key is taken: keep this one, so both are still sent, each once)
            message = replace(message, recipient=new, key=key, slot=slot)
            row.key, row.slot = key, slot
            row.payload = self.vault.encrypt(json.dumps(message.to_json()))
            moved += 1
        return moved

    def _claim(self, limit: int) -> list[int]:
        """Mark up to `limit` due rows as being sent by us; a lease lets a dead process's rows be retried.

        Routine messages come after all others (a backlog of reminders released at 07:00 never holds up an alert),
        and outside the messaging hours they are not claimed at all: they stay queued, unchanged, until then."""
        now = self.clock.now()
        claimed: list[int] = []
        with self.db.session() as session:
            due = session.scalars(self._due(now).limit(limit)).all()
            for row_id in due:
                taken = session.execute(
                    update(OutboxRow)
                    .where(
                        OutboxRow.id == row_id,
                        OutboxRow.status.in_((PENDING, SENDING)),
                        OutboxRow.next_attempt_at <= now,
                    )
                    .values(status=SENDING, next_attempt_at=now + LEASE)
                )
                if taken.rowcount:  # type: ignore[attr-defined]
                    claimed.append(row_id)
        return claimed

    def _due(self, now: dt.datetime) -> Select[int]:
        """The rows that may be sent now, in the order to send them."""
        query = select(OutboxRow.id).where(OutboxRow.status.in_((PENDING, SENDING)), OutboxRow.next_attempt_at <= now)
        if self.hours is None:
            return query.order_by(OutboxRow.next_attempt_at, OutboxRow.id)
        routine = self.hours.routine_kinds
        if not self.hours.staff_may_be_messaged(now):
            query = query.where(OutboxRow.kind.not_in(routine))
        return query.order_by(case((OutboxRow.kind.in_(routine), 1), else_=0), OutboxRow.next_attempt_at, OutboxRow.id)

    def dispatch(
        self, notifiers: Mapping[str, Notifier], resolve: Resolver | None = None, limit: int = 100
    ) -> DispatchResult:
        """Deliver what is due (up to `limit` messages). Safe to run from several threads or processes at once.

        Rows are claimed CLAIM_BATCH at a time, not all at once: a process that dies holds back only the few it had
        claimed (until their lease ends), not an urgent alert it never got to."""
        result = DispatchResult()
        done = 0
        while done < limit:
            batch = self._claim(min(CLAIM_BATCH, limit - done))
            if not batch:
                break
            done += len(batch)
            self._deliver_batch(batch, notifiers, resolve, result)
        return result

    def _deliver_batch(
        self, batch: list[int], notifiers: Mapping[str, Notifier], resolve: Resolver | None, result: DispatchResult
    ) -> None:
        for row_id in batch:
            message = self._to_deliver(row_id, result)
            if message is None:
                continue
            # No session (nor its connection and transaction) is held while a platform is called: Slack or Telegram
            # can take seconds, and the notifier writes to the database itself. The row's lease keeps it ours.
            outcome = self._deliver_one(message, notifiers, resolve)
            with self.db.session() as session:
                row = session.get(OutboxRow, row_id)
                if row is not None:
                    self._record(session, row, message, outcome, result)

    def _to_deliver(self, row_id: int, result: DispatchResult) -> OutboundMessage | None:
        """The message of a row claimed for delivery, or None when it is not to be sent (now)."""
        with self.db.session() as session:
            row = session.get(OutboxRow, row_id)
            if row is None or row.status != SENDING:
                return None
            if row.slot and self._newer_in_slot(session, row):
                # An older version (e.g. a card update held back by a retry): never send it over a newer one
                row.status, row.last_error = SUPERSEDED, "a newer version was queued"
                return None
            try:
                message = self.message(row)
            except VaultError:
                # Encrypted under a key this process does not have (the key was rotated while it ran): kept, to
                # be sent once the bot restarts with the new key, and never in the way of the messages after it.
                row.status, row.last_error = PENDING, "cannot decrypt: wrong or missing key"
                row.next_attempt_at = self.clock.now() + MAX_BACKOFF
                log.error("message %s (%s) cannot be decrypted with this process's keys; restart the bot if "
                          "the key was changed", redact(row.key), row.kind)
                result.retried += 1
                return None
            why = next((why for withhold in self.withholds if (why := withhold(session, message))), None)
            if why is not None:
                row.status, row.last_error = CANCELLED, why[:300]
                return None
            return message

    def _record(
        self,
        session: Session,
        row: OutboxRow,
        message: OutboundMessage,
        outcome: DeliveryError | None,
        result: DispatchResult,
    ) -> None:
        """What came of a delivery, in the row (and any reroute, in the same transaction)."""
        now = self.clock.now()
        row.attempts += 1
        if outcome is None:
            row.status, row.delivered_at, row.last_error = DELIVERED, now, None
            result.delivered += 1
        elif outcome.permanent:
            row.status, row.last_error = FAILED, str(outcome)[:300]
            result.failed += 1
            log.error("message %s (%s) could not be delivered: %s", redact(row.key), row.kind, outcome)
            for reroute in self.reroutes:
                reroute(session, message, str(outcome))
        else:
            row.status = PENDING
            row.next_attempt_at = now + backoff(row.attempts, outcome.retry_after)
            row.last_error = str(outcome)[:300]
            result.retried += 1
            self._log_retry(row, outcome)

    def _undelivered_ping(self, session: Session, slot: str) -> str | None:
        """The ping of an earlier version of a message that has not been delivered yet: the newer version, which
        supersedes it, must still notify."""
        waiting = session.scalars(
            select(OutboxRow).where(OutboxRow.slot == slot, OutboxRow.status.in_((PENDING, SENDING)))
            .order_by(OutboxRow.id.desc())
        )
        for row in waiting:
            ping = self.message(row).ping
            if ping:
                return ping
        return None

    @staticmethod
    def _newer_in_slot(session: Session, row: OutboxRow) -> bool:
        newer = select(OutboxRow.id).where(OutboxRow.slot == row.slot, OutboxRow.id > row.id).limit(1)
        return session.scalar(newer) is not None

    def _log_retry(self, row: OutboxRow, outcome: DeliveryError) -> None:
        if not isinstance(outcome, NotConfigured):
            log.warning("message %s (%s) will be retried: %s", redact(row.key), row.kind, outcome)
        elif row.platform not in self._said_unconfigured:
            # Expected while a school runs on the console only: say it once, not on every retry.
            self._said_unconfigured.add(row.platform)
            log.warning("messages for %s wait until it is configured (first: %s)", row.platform, row.kind)
        else:
            log.debug("message %s (%s) waits: %s", redact(row.key), row.kind, outcome)

    @staticmethod
    def _deliver_one(
        message: OutboundMessage, notifiers: Mapping[str, Notifier], resolve: Resolver | None
    ) -> DeliveryError | None:
        # The resolver turns an address into the one to use now ("reply:CODE" into the sender's chat); None: nowhere.
        target = resolve(message.recipient) if resolve else message.recipient
        if target is None or target.address.startswith("reply:"):
            return DeliveryError("the sender keeps no reply channel", permanent=True)
        if target != message.recipient:
            message = OutboundMessage(**{**message.__dict__, "recipient": target})
        notifier = notifiers.get(message.recipient.platform)
        if notifier is None:
            # Not configured yet: keep it queued, so it goes out once the platform is set up.
            return NotConfigured(f"no {message.recipient.platform} connection is configured", retry_after=300)
        try:
            notifier.deliver(message)
        except DeliveryError as exc:
            return exc
        except Exception as exc:  # a notifier bug must not lose the message: retry it
            # Type and place only: an exception's message could quote the text or the address.
            where = "".join(traceback.format_tb(exc.__traceback__)[-3:])
            log.error("notifier %s raised %s\n%s", message.recipient.platform, type(exc).__name__, where)
            return DeliveryError(f"{type(exc).__name__}")
        return None

    def pending_count(self) -> int:
        """Messages still to be delivered (queued, or being sent): not those failed for good or withdrawn."""
        with self.db.session() as session:
            waiting = select(func.count()).where(OutboxRow.status.in_((PENDING, SENDING)))
            return session.scalar(waiting) or 0
