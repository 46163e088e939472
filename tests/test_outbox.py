"""The outbox delivers every queued message exactly once, through failures, 429s and restarts."""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import logging

import pytest
from cryptography.fernet import Fernet
from sqlalchemy import select

from bot.core import Core
from bot.crypto import Vault
from bot.outbox import DELIVERED, FAILED, PENDING, Outbox, OutboxRow
from bot.ports import DeliveryError, ManualClock, OutboundMessage, Recipient


class FlakyNotifier:
    """Fails the first `failures` deliveries, then records each message it delivers."""

    platform = "slack"

    def __init__(self, failures: int = 0, error: DeliveryError | None = None) -> None:
        self.failures = failures
        self.error = error or DeliveryError("slack is down")
        self.delivered: list[OutboundMessage] = []
        self.calls = 0

    def deliver(self, message: OutboundMessage) -> None:
        self.calls += 1
        if self.calls <= self.failures:
            raise self.error
        self.delivered.append(message)


def message(key: str = "alert:1", address: str = "C0DSL") -> OutboundMessage:
    return OutboundMessage(key=key, recipient=Recipient("slack", address), kind="report_alert", text="secret words")


def run_until_quiet(outbox: Outbox, clock: ManualClock, notifier: FlakyNotifier, rounds: int = 20) -> None:
    for _ in range(rounds):
        outbox.dispatch({"slack": notifier})
        clock.advance(minutes=16)


def test_delivers_once_after_five_failures(core: Core, clock: ManualClock) -> None:
    with core.db.session() as session:
        assert core.outbox.enqueue(session, message())
    notifier = FlakyNotifier(failures=5)
    run_until_quiet(core.outbox, clock, notifier)
    assert [m.key for m in notifier.delivered] == ["alert:1"]
    assert notifier.calls == 6
    with core.db.session() as session:
        row = session.query(OutboxRow).one()
        assert (row.status, row.attempts) == (DELIVERED, 6)


def test_a_message_this_process_cannot_decrypt_waits_and_holds_up_nothing(core: Core, clock: ManualClock) -> None:
    with core.db.session() as session:
        assert core.outbox.enqueue(session, message("alert:1"))
        assert core.outbox.enqueue(session, message("alert:2"))
        first = session.scalars(select(OutboxRow).where(OutboxRow.key == "alert:1")).one()
        first.payload = Vault([Fernet.generate_key()]).encrypt("{}")  # re-encrypted under a key it does not have
    notifier = FlakyNotifier()
    core.outbox.dispatch({"slack": notifier})
    assert [m.key for m in notifier.delivered] == ["alert:2"]
    with core.db.session() as session:
        row = session.scalars(select(OutboxRow).where(OutboxRow.key == "alert:1")).one()
        assert row.status == PENDING and "cannot decrypt" in (row.last_error or "")


def test_same_key_is_queued_once(core: Core) -> None:
    with core.db.session() as session:
        assert core.outbox.enqueue(session, message())
        assert not core.outbox.enqueue(session, message())
    with core.db.session() as session:
        assert not core.outbox.enqueue(session, message())
        assert session.query(OutboxRow).count() == 1


def test_retry_after_is_honoured(core: Core, clock: ManualClock) -> None:
    with core.db.session() as session:
        core.outbox.enqueue(session, message())
    notifier = FlakyNotifier(failures=1, error=DeliveryError("rate limited", retry_after=30))
    assert core.outbox.dispatch({"slack": notifier}).retried == 1
    clock.advance(seconds=29)
    assert core.outbox.dispatch({"slack": notifier}).delivered == 0
    clock.advance(seconds=1)
    assert core.outbox.dispatch({"slack": notifier}).delivered == 1


def test_payload_is_encrypted_at_rest(core: Core) -> None:
    with core.db.session() as session:
        core.outbox.enqueue(session, message())
    with core.db.session() as session:
        row = session.query(OutboxRow).one()
        assert "secret words" not in row.payload
        assert core.outbox.message(row).text == "secret words"


def test_no_database_connection_is_held_while_a_platform_is_called(any_core: Core, clock: ManualClock) -> None:
    """Slack or Telegram can take seconds: meanwhile no connection (on PostgreSQL a transaction left open) is held
    from the pool for the dispatcher, for each of a delivered, a retried and a refused message."""
    held: list[int] = []

    class Watching(FlakyNotifier):
        def deliver(self, message: OutboundMessage) -> None:
            held.append(any_core.db.engine.pool.checkedout())  # type: ignore[attr-defined]
            super().deliver(message)

    with any_core.db.session() as session:
        for n in (1, 2, 3):
            any_core.outbox.enqueue(session, message(f"alert:{n}"))
    assert any_core.outbox.dispatch({"slack": Watching(failures=1)}).delivered == 2
    clock.advance(minutes=1)  # past the retried one's backoff
    refusing = Watching(failures=1, error=DeliveryError("refused", permanent=True))
    assert any_core.outbox.dispatch({"slack": refusing}).failed == 1
    assert held == [0, 0, 0, 0]


def test_unconfigured_platform_keeps_the_message(core: Core, clock: ManualClock) -> None:
    with core.db.session() as session:
        core.outbox.enqueue(session, message())
    assert core.outbox.dispatch({}).retried == 1
    clock.advance(minutes=10)
    notifier = FlakyNotifier()
    core.outbox.dispatch({"slack": notifier})
    assert len(notifier.delivered) == 1


def test_an_unconfigured_platform_is_logged_once_not_on_every_retry(
    core: Core, clock: ManualClock, caplog: pytest.LogCaptureFixture
) -> None:
    with core.db.session() as session:
        core.outbox.enqueue(session, message("a"))
        core.outbox.enqueue(session, message("b"))
    caplog.set_level(logging.DEBUG, logger="bot.outbox")
    for _ in range(3):
        assert core.outbox.dispatch({}).retried == 2
        clock.advance(minutes=10)
    warnings = [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert len(warnings) == 1 and "slack" in warnings[0].getMessage()


def test_permanent_failure_stops_retrying(core: Core, clock: ManualClock) -> None:
    with core.db.session() as session:
        core.outbox.enqueue(session, message())
    notifier = FlakyNotifier(failures=99, error=DeliveryError("channel_not_found", permanent=True))
    run_until_quiet(core.outbox, clock, notifier, rounds=3)
    assert notifier.calls == 1
    with core.db.session() as session:
        assert session.query(OutboxRow).one().status == FAILED
    assert core.outbox.pending_count() == 0  # nothing left to deliver: dispatching until 0 no longer spins


def test_pending_counts_only_what_is_still_to_be_delivered(core: Core) -> None:
    from bot.outbox import withdraw_pending

    with core.db.session() as session:
        for key in ("alert:1", "reminder:2", "alert:3"):
            core.outbox.enqueue(session, message(key))
    assert core.outbox.pending_count() == 3
    with core.db.session() as session:
        withdraw_pending(session, ["reminder:"])  # acted on: never to be sent
    assert core.outbox.pending_count() == 2
    core.outbox.dispatch({"slack": FlakyNotifier(failures=1, error=DeliveryError("gone", permanent=True))})
    assert core.outbox.pending_count() == 0


def test_a_claim_by_a_dead_process_is_retried_after_its_lease(core: Core, clock: ManualClock) -> None:
    with core.db.session() as session:
        core.outbox.enqueue(session, message())
    assert core.outbox._claim(10)  # claimed, then the process "dies" before delivering
    notifier = FlakyNotifier()
    assert core.outbox.dispatch({"slack": notifier}).delivered == 0
    clock.advance(minutes=3)
    assert core.outbox.dispatch({"slack": notifier}).delivered == 1


def test_a_dispatcher_that_dies_holds_back_only_the_few_it_claimed(core: Core) -> None:
    """Claimed in small batches: a process that dies mid-round leaves the rest (an urgent alert among them) to the
    next dispatcher at once, not after the lease."""
    from bot.outbox import CLAIM_BATCH

    with core.db.session() as session:
        for n in range(CLAIM_BATCH * 3):
            core.outbox.enqueue(session, message(key=f"m{n}"))

    class Dies:
        platform = "slack"
        calls = 0

        def deliver(self, msg: OutboundMessage) -> None:
            Dies.calls += 1
            raise KeyboardInterrupt  # the process stops in the middle of its first delivery

    with contextlib.suppress(KeyboardInterrupt):
        core.outbox.dispatch({"slack": Dies()})
    assert core.outbox.dispatch({"slack": FlakyNotifier()}).delivered == CLAIM_BATCH * 2


def test_reply_recipients_are_resolved_only_at_delivery(core: Core) -> None:
    reply = OutboundMessage(
        key="update:1", recipient=Recipient("telegram", "reply:ABCD"), kind="sender_update", text="hi"
    )
    with core.db.session() as session:
        core.outbox.enqueue(session, reply)
    seen: list[OutboundMessage] = []

    class Telegram:
        platform = "telegram"

        def deliver(self, msg: OutboundMessage) -> None:
            seen.append(msg)

    core.outbox.dispatch({"telegram": Telegram()}, resolve=lambda r: Recipient("telegram", "42"))
    assert [m.recipient.address for m in seen] == ["42"]


@pytest.mark.postgres
def test_two_dispatchers_deliver_once_on_postgres(pg_core: Core, clock: ManualClock) -> None:
    from concurrent.futures import ThreadPoolExecutor

    with pg_core.db.session() as session:
        for n in range(50):
            pg_core.outbox.enqueue(session, message(key=f"alert:{n}"))
    notifier = FlakyNotifier()
    with ThreadPoolExecutor(4) as pool:
        list(pool.map(lambda _: pg_core.outbox.dispatch({"slack": notifier}, limit=20), range(8)))
    pg_core.outbox.dispatch({"slack": notifier})
    assert sorted(m.key for m in notifier.delivered) == sorted(f"alert:{n}" for n in range(50))


def test_backoff_grows_and_is_capped() -> None:
    from bot.outbox import MAX_BACKOFF, backoff

    assert backoff(1) < backoff(3) < backoff(6)
    assert backoff(40) == MAX_BACKOFF
    assert backoff(3, retry_after=7) == dt.timedelta(seconds=7)


def test_a_newer_version_carries_on_the_news_of_one_it_supersedes(core: Core, clock: ManualClock) -> None:
    """A card update saying 'the sender replied' must still notify when a quieter update replaced it unsent."""
    slot = "card:ABCD:slack:C0DSL"
    replied = dataclasses.replace(message("update:1"), kind="report_update", slot=slot, ping="The sender replied.")
    acknowledged = dataclasses.replace(message("update:2"), kind="report_update", slot=slot)
    with core.db.session() as session:
        core.outbox.enqueue(session, replied)
        core.outbox.enqueue(session, acknowledged)
    notifier = FlakyNotifier()
    run_until_quiet(core.outbox, clock, notifier)
    assert [(m.key, m.ping) for m in notifier.delivered] == [("update:2", "The sender replied.")]
    with core.db.session() as session:
        core.outbox.enqueue(session, dataclasses.replace(message("update:3"), kind="report_update", slot=slot))
    run_until_quiet(core.outbox, clock, notifier)
    assert notifier.delivered[-1].ping is None  # news already delivered is not said again


class Hours:
    """The school's messaging hours, as the outbox sees them: open or not, and which kinds wait for them."""

    routine_kinds = frozenset({"ack_reminder"})

    def __init__(self) -> None:
        self.open = False

    def staff_may_be_messaged(self, now: dt.datetime) -> bool:
        return self.open


def test_routine_reminders_wait_for_the_messaging_hours_but_alerts_never_do(core: Core, clock: ManualClock) -> None:
    hours = Hours()
    outbox = Outbox(core.db, core.vault, clock, hours=hours)
    reminder = dataclasses.replace(message("ack:1:1:0", "U0STAFF"), kind="ack_reminder")
    with core.db.session() as session:
        outbox.enqueue(session, reminder)
        outbox.enqueue(session, message())
    notifier = FlakyNotifier()
    outbox.dispatch({"slack": notifier})
    assert [m.kind for m in notifier.delivered] == ["report_alert"]
    clock.advance(hours=10)
    outbox.dispatch({"slack": notifier})
    assert len(notifier.delivered) == 1  # still outside the hours: it waits, without using up attempts
    hours.open = True
    outbox.dispatch({"slack": notifier})
    assert [m.kind for m in notifier.delivered] == ["report_alert", "ack_reminder"]
    with core.db.session() as session:
        assert session.scalars(select(OutboxRow.attempts).where(OutboxRow.kind == "ack_reminder")).one() == 1


def test_an_alert_goes_before_a_backlog_of_reminders(core: Core, clock: ManualClock) -> None:
    """At 07:00 a weekend's held-back reminders become due at once: an alert queued then does not wait behind them."""
    hours = Hours()
    hours.open = True
    outbox = Outbox(core.db, core.vault, clock, hours=hours)
    with core.db.session() as session:
        for n in range(30):
            outbox.enqueue(session, dataclasses.replace(message(f"ack:1:{n}:0", "U0STAFF"), kind="ack_reminder"))
    clock.advance(days=2)
    with core.db.session() as session:
        outbox.enqueue(session, message())
    notifier = FlakyNotifier()
    outbox.dispatch({"slack": notifier}, limit=1)
    assert [m.kind for m in notifier.delivered] == ["report_alert"]

