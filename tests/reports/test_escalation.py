"""Escalation of unacknowledged reports, timed with a manual clock: urgent at +15 min and +1 h, others after
one school day (weekends and holidays do not count). Quiet hours do not apply. Running it twice changes nothing.
"""

from __future__ import annotations

import datetime as dt

from bot.core import Core
from bot.outbox import OutboxRow
from bot.ports import ManualClock
from tests.reports.conftest import actor


def escalations(core: Core) -> list[tuple[str, str]]:
    with core.db.session() as session:
        rows = session.query(OutboxRow).filter_by(kind="report_escalation").order_by(OutboxRow.id).all()
        return [(core.outbox.message(r).recipient.address, r.key.split(":")[3]) for r in rows]


def test_urgent_escalates_to_deputies_then_headteacher(core: Core, clock: ManualClock) -> None:
    receipt = core.reports.submit("child_at_risk", "A pupil is afraid to go home.", channel="console")
    clock.advance(minutes=14, seconds=59)
    assert core.reports.escalate_due() == 0
    clock.advance(seconds=1)
    assert core.reports.escalate_due() == 1
    assert core.reports.escalate_due() == 0  # idempotent
    assert escalations(core) == [("Sam Deputy", "1")]
    clock.advance(minutes=45)
    assert core.reports.escalate_due() == 1
    assert escalations(core) == [("Sam Deputy", "1"), ("Alex Head", "2")]
    clock.advance(days=3)
    assert core.reports.escalate_due() == 0
    events = core.reports.case(receipt.code, actor(core, "Dana Lead")).events
    assert [e.detail for e in events if e.action == "escalated"] == [
        "Not acknowledged after 15 minutes. Alerted: Sam Deputy",
        "Not acknowledged after 1 hour. Alerted: Alex Head",
    ]


def test_acknowledged_reports_do_not_escalate(core: Core, clock: ManualClock) -> None:
    receipt = core.reports.submit("child_at_risk", "A pupil is afraid to go home.", channel="console")
    clock.advance(minutes=10)
    core.reports.acknowledge(receipt.code, actor(core, "Dana Lead"))
    clock.advance(hours=5)
    assert core.reports.escalate_due() == 0 and escalations(core) == []


def test_a_late_scheduler_catches_up_in_one_run(core: Core, clock: ManualClock) -> None:
    receipt = core.reports.submit("extremism", "Worrying leaflets in the playground.", channel="console")
    clock.advance(hours=1, minutes=10)
    assert core.reports.escalate_due() == 2
    # Both steps say how long it really waited, not each its own time ("after 60 minutes", twice).
    events = core.reports.case(receipt.code, actor(core, "Dana Lead")).events
    assert [e.detail for e in events if e.action == "escalated"] == [
        "Not acknowledged after 1 hour 10 minutes. Alerted: Sam Deputy",
        "Not acknowledged after 1 hour 10 minutes. Alerted: Alex Head",
    ]


def test_a_deputy_who_already_has_the_case_gets_no_second_card(core: Core, clock: ManualClock) -> None:
    """A report naming the DSL falls back to the deputy: the deputies' step must not send them the same case again."""
    receipt = core.reports.submit("child_at_risk", "Dana Lead grabbed a pupil hard.", channel="console")
    clock.advance(minutes=15)
    assert core.reports.escalate_due() == 1
    assert escalations(core) == []
    clock.advance(minutes=45)
    core.reports.escalate_due()
    assert escalations(core) == [("Alex Head", "2")]
    events = core.reports.case(receipt.code, actor(core, "Sam Deputy")).events
    assert [e.detail for e in events if e.action == "escalated"] == [
        "Not acknowledged after 15 minutes. Alerted: nobody new (Sam Deputy already has it)",
        "Not acknowledged after 1 hour. Alerted: Alex Head",
    ]


def test_urgent_escalation_ignores_quiet_hours(core: Core, clock: ManualClock) -> None:
    clock.set(dt.datetime(2026, 11, 28, 23, 0, tzinfo=dt.UTC))  # Saturday night
    core.reports.submit("child_at_risk", "A child is out alone at night.", channel="telegram")
    clock.advance(minutes=15)
    assert core.reports.escalate_due() == 1


def test_routine_reports_wait_one_school_day_skipping_weekends(core: Core, clock: ManualClock) -> None:
    clock.set(dt.datetime(2026, 11, 27, 16, 0, tzinfo=dt.UTC))  # Friday 4 pm in London
    core.reports.submit("online_abuse", "Mean group chat messages.", channel="console")
    clock.set(dt.datetime(2026, 11, 30, 15, 59, tzinfo=dt.UTC))  # Monday, a minute early
    assert core.reports.escalate_due() == 0
    clock.advance(minutes=1)
    assert core.reports.escalate_due() == 1
    assert {a for a, _ in escalations(core)} == {"Sam Deputy", "Alex Head"}


def test_routine_reports_skip_holidays(core: Core, clock: ManualClock) -> None:
    clock.set(dt.datetime(2026, 12, 18, 12, 0, tzinfo=dt.UTC))  # last Friday of term
    core.reports.submit("other", "Something else.", channel="console")
    clock.set(dt.datetime(2027, 1, 1, 12, 0, tzinfo=dt.UTC))
    assert core.reports.escalate_due() == 0
    clock.set(dt.datetime(2027, 1, 4, 12, 0, tzinfo=dt.UTC))  # first Monday of term
    assert core.reports.escalate_due() == 1


def test_escalation_avoids_a_named_deputy(core: Core, clock: ManualClock) -> None:
    core.reports.submit("child_at_risk", "Sam Deputy was rough with a child.", channel="console")
    clock.advance(minutes=15)
    core.reports.escalate_due()
    assert escalations(core) == []  # the only deputy is named: nobody new to alert at this step
    clock.advance(minutes=45)
    core.reports.escalate_due()
    assert escalations(core) == [("Alex Head", "2")]
