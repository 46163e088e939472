"""Escalation of unacknowledged reports, timed with a manual clock: urgent at +15 min and +1 h, others after
one school day (weekends and holidays do not count). Quiet hours do not apply. Running it twice changes nothing.
"""

from __future__ import annotations

import datetime as dt

import pytest

from bot.core import Core
from bot.outbox import OutboxRow
from bot.people import PersonEntry
from bot.ports import ManualClock, OutboundMessage, Recipient
from bot.reports.domain import duration
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
    events = core.reports.case(receipt.reference, actor(core, "Dana Lead")).events
    assert [e.detail for e in events if e.action == "escalated"] == [
        "Not acknowledged after 15 minutes. Alerted: Sam Deputy",
        "Not acknowledged after 1 hour. Alerted: Alex Head",
    ]


def test_acknowledged_reports_do_not_escalate(core: Core, clock: ManualClock) -> None:
    receipt = core.reports.submit("child_at_risk", "A pupil is afraid to go home.", channel="console")
    clock.advance(minutes=10)
    core.reports.acknowledge(receipt.reference, actor(core, "Dana Lead"))
    clock.advance(hours=5)
    assert core.reports.escalate_due() == 0 and escalations(core) == []


def test_a_late_scheduler_catches_up_in_one_run(core: Core, clock: ManualClock) -> None:
    receipt = core.reports.submit("extremism", "Worrying leaflets in the playground.", channel="console")
    clock.advance(hours=1, minutes=10)
    assert core.reports.escalate_due() == 2
    # Both steps say how long it really waited, not each its own time ("after 60 minutes", twice).
    events = core.reports.case(receipt.reference, actor(core, "Dana Lead")).events
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
    events = core.reports.case(receipt.reference, actor(core, "Sam Deputy")).events
    assert [e.detail for e in events if e.action == "escalated"] == [
        "Not acknowledged after 15 minutes. Alerted: nobody new (Sam Deputy already has it, and was reminded)",
        "Not acknowledged after 1 hour. Alerted: Alex Head",
    ]
    # Reminded on the card they have, not sent a second one: the step still chases someone.
    reminders = [m for m in updates(core) if m.ping and "still not acknowledged" in m.ping]
    assert [m.recipient.address for m in reminders] == ["Sam Deputy"] and reminders[0].buttons[0].label == "Acknowledge"


def updates(core: Core) -> list[OutboundMessage]:
    with core.db.session() as session:
        rows = session.query(OutboxRow).filter_by(kind="report_update").order_by(OutboxRow.id).all()
        return [core.outbox.message(r) for r in rows]


def test_a_case_given_back_after_a_late_acknowledgement_chases_everyone_again(core: Core, clock: ManualClock) -> None:
    """Dana acknowledged only after both steps had run; then the sender names her. Escalation restarts from its
    first step: those who have the case already are reminded at each step's time, not sent it again, and the
    chronology says so."""
    receipt = core.reports.submit("child_at_risk", "A child told me an adult at school hurt her.", channel="console")
    clock.advance(minutes=90)
    core.reports.escalate_due()
    core.reports.acknowledge(receipt.reference, actor(core, "Dana Lead"))
    clock.advance(minutes=10)
    core.reports.sender_reply(receipt.code, "The adult was Mrs Lead.", requester="r")
    # Both who had it are told it is theirs now.
    assert {m.recipient.address for m in updates(core) if "please acknowledge it" in m.text} == {
        "Sam Deputy", "Alex Head"}
    before = len(updates(core))
    clock.advance(minutes=14)
    assert core.reports.escalate_due() == 0
    clock.advance(minutes=1)
    assert core.reports.escalate_due() == 1
    clock.advance(minutes=45)
    assert core.reports.escalate_due() == 1
    clock.advance(days=2)
    assert core.reports.escalate_due() == 0
    assert escalations(core) == [("Sam Deputy", "1"), ("Alex Head", "2")]  # no second card for anyone
    reminders = updates(core)[before:]
    assert [m.recipient.address for m in reminders] == ["Sam Deputy", "Alex Head"]
    assert all(m.ping and "still not acknowledged" in m.ping and m.buttons[0].label == "Acknowledge"
               for m in reminders)
    events = core.reports.case(receipt.reference, actor(core, "Sam Deputy")).events
    assert [e.detail for e in events if e.action == "escalated"][2:] == [
        "Not acknowledged after 15 minutes since it was passed on. Alerted: nobody new (Sam Deputy already has it, "
        "and was reminded)",
        "Not acknowledged after 1 hour since it was passed on. Alerted: nobody new (Alex Head already has it, and "
        "was reminded)",
    ]


def test_a_routine_case_given_back_the_next_day_is_chased_again_a_school_day_later(
    core: Core, clock: ManualClock
) -> None:
    clock.set(dt.datetime(2026, 11, 23, 10, 0, tzinfo=dt.UTC))  # a Monday
    receipt = core.reports.submit("online_abuse", "Messages from an adult to a pupil.", channel="console")
    clock.advance(hours=26)
    core.reports.escalate_due()
    core.reports.acknowledge(receipt.reference, actor(core, "Dana Lead"))
    core.reports.sender_reply(receipt.code, "It was Mrs Lead who sent them.", requester="r")
    before = len(updates(core))
    clock.advance(hours=23)
    assert core.reports.escalate_due() == 0
    clock.advance(hours=1)
    assert core.reports.escalate_due() == 1
    assert {m.recipient.address for m in updates(core)[before:]} == {"Sam Deputy", "Alex Head"}
    assert len(escalations(core)) == 2  # the first run's cards only


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


@pytest.mark.parametrize(
    ("made", "due"),
    [
        # the school is closed: counted from the start of the next school day, so chased when that day ends
        (dt.datetime(2026, 11, 28, 0, 30, tzinfo=dt.UTC), dt.datetime(2026, 12, 1, 0, 0, tzinfo=dt.UTC)),  # Saturday
        (dt.datetime(2026, 11, 29, 23, 0, tzinfo=dt.UTC), dt.datetime(2026, 12, 1, 0, 0, tzinfo=dt.UTC)),  # Sunday
        (dt.datetime(2027, 1, 2, 0, 30, tzinfo=dt.UTC), dt.datetime(2027, 1, 5, 0, 0, tzinfo=dt.UTC)),  # holidays
        # the early May bank holiday (Monday, BST): Tuesday is its first school day, so midnight after it
        (dt.datetime(2027, 5, 3, 0, 0, tzinfo=dt.UTC), dt.datetime(2027, 5, 4, 23, 0, tzinfo=dt.UTC)),
        # a school day, however late: the same time on the next school day, as before
        (dt.datetime(2026, 11, 27, 23, 0, tzinfo=dt.UTC), dt.datetime(2026, 11, 30, 23, 0, tzinfo=dt.UTC)),  # Friday
    ],
)
def test_a_report_made_when_the_school_is_closed_waits_a_whole_school_day(
    core: Core, clock: ManualClock, made: dt.datetime, due: dt.datetime
) -> None:
    """'1 working day' from a Saturday 00:30 report was Monday 00:30: chased before anyone had an hour of Monday for
    it, and nearly a day before a report made on the Friday evening."""
    clock.set(made)
    core.reports.submit("online_abuse", "Mean group chat messages.", channel="console")
    clock.set(due - dt.timedelta(seconds=1))
    assert core.reports.escalate_due() == 0
    clock.set(due)
    assert core.reports.escalate_due() == 1


def test_escalation_avoids_a_named_deputy(core: Core, clock: ManualClock) -> None:
    core.reports.submit("child_at_risk", "Sam Deputy was rough with a child.", channel="console")
    clock.advance(minutes=15)
    core.reports.escalate_due()
    assert escalations(core) == []  # the only deputy is named: nobody new to alert at this step
    clock.advance(minutes=45)
    core.reports.escalate_due()
    assert escalations(core) == [("Alex Head", "2")]


@pytest.mark.parametrize(
    ("minutes", "said"),
    [(15, "15 minutes"), (60, "1 hour"), (70, "1 hour 10 minutes"), (47 * 60 + 59, "47 hours 59 minutes"),
     (48 * 60, "2 days"), (70 * 60 + 5, "2 days 22 hours"), (73 * 60, "3 days 1 hour")],
)
def test_a_long_wait_is_said_in_days(minutes: int, said: str) -> None:
    assert duration(minutes) == said


def test_a_case_waiting_for_days_says_so_in_days(core: Core, clock: ManualClock) -> None:
    receipt = core.reports.submit("child_at_risk", "A child is scared to go home.", channel="console")
    clock.advance(hours=70)
    core.reports.escalate_due()
    events = core.reports.case(receipt.reference, actor(core, "Dana Lead")).events
    assert [e.detail for e in events if e.action == "escalated"][0] == (
        "Not acknowledged after 2 days 22 hours. Alerted: Sam Deputy")


def _today(core: Core, clock: ManualClock) -> dt.date:
    return clock.now().astimezone(core.school.tz).date()


def test_who_has_a_case_is_who_was_sent_it_not_who_the_route_picks_today(core: Core, clock: ManualClock) -> None:
    # Dana away when it arrives: Sam is sent it. Dana back, the first step (the deputies) reminds Sam on his card,
    # rather than sending him the case a second time.
    core.people.set_away("Dana Lead", _today(core, clock))
    receipt = core.reports.submit("child_at_risk", "A pupil is afraid to go home.", channel="console")
    clock.advance(days=1)
    assert core.reports.escalate_due() == 2 and escalations(core) == [("Alex Head", "2")]
    events = core.reports.case(receipt.reference, actor(core, "Sam Deputy")).events
    first = next(e.detail or "" for e in events if e.action == "escalated")
    assert first.endswith("Alerted: nobody new (Sam Deputy already has it, and was reminded)")


def test_a_dsl_away_after_the_alert_leaves_the_deputy_to_be_sent_the_case(core: Core, clock: ManualClock) -> None:
    core.reports.submit("child_at_risk", "A pupil is afraid to go home.", channel="console")
    core.people.set_away("Dana Lead", _today(core, clock) + dt.timedelta(days=5))
    clock.advance(minutes=15)
    assert core.reports.escalate_due() == 1
    assert escalations(core) == [("Sam Deputy", "1")]  # a card of his own, not a reminder of one he never had


def test_an_update_reaches_the_card_of_whoever_was_sent_the_case(core: Core, clock: ManualClock) -> None:
    core.people.set_away("Dana Lead", _today(core, clock))
    receipt = core.reports.submit("child_at_risk", "A pupil is afraid to go home.", channel="console")
    clock.advance(days=1)  # Dana is back; Sam, who was sent it, acknowledges
    core.reports.acknowledge(receipt.reference, actor(core, "Sam Deputy"))
    with core.db.session() as session:
        rows = session.query(OutboxRow).filter_by(kind="report_update").all()
        updated = {core.outbox.message(r).recipient.address for r in rows}
    assert "Sam Deputy" in updated


def test_a_step_whose_roles_the_report_names_still_chases_whoever_has_the_case(core: Core, clock: ManualClock) -> None:
    core.people.set_away("Dana Lead", _today(core, clock))
    receipt = core.reports.submit("child_at_risk", "Sam Deputy shouted at a pupil.", channel="console")
    clock.advance(minutes=15)  # the deputies' step: Sam is named, so nobody new; Alex, who has it, is reminded
    assert core.reports.escalate_due() == 1
    events = core.reports.case(receipt.reference, actor(core, "Alex Head")).events
    step = next(e.detail or "" for e in events if e.action == "escalated")
    assert step.endswith("nobody else: the report names whoever holds those roles (Alex Head already has it, and was "
                         "reminded)")
    with core.db.session() as session:
        reminders = [core.outbox.message(r) for r in session.query(OutboxRow).filter_by(kind="report_update")]
    assert [m.recipient.address for m in reminders] == ["Alex Head"] and "please acknowledge it" in (
        reminders[0].ping or "")


def test_a_reminder_still_waiting_when_the_case_is_acknowledged_is_withdrawn(core: Core, clock: ManualClock) -> None:
    core.people.set_away("Dana Lead", _today(core, clock))
    receipt = core.reports.submit("child_at_risk", "A pupil is afraid to go home.", channel="console")
    clock.advance(minutes=15)
    core.reports.escalate_due()  # Sam, who has it, is reminded; nothing is delivered yet (Slack down, say)
    core.reports.acknowledge(receipt.reference, actor(core, "Sam Deputy"))
    with core.db.session() as session:
        rows = session.query(OutboxRow).filter_by(kind="report_update").order_by(OutboxRow.id).all()
        sams = [(row.status, core.outbox.message(row)) for row in rows
                if core.outbox.message(row).recipient.address == "Sam Deputy"]
    assert [status for status, _ in sams] == ["cancelled", "pending"]
    acknowledged = sams[-1][1]
    assert "Acknowledged by Sam Deputy" in acknowledged.text and not acknowledged.ping  # no "please acknowledge it"


def test_a_step_whose_role_holders_are_all_away_chases_whoever_has_the_case_at_work(
    core: Core, clock: ManualClock
) -> None:
    today = _today(core, clock)
    for name in ("Dana Lead", "Sam Deputy"):
        core.people.set_away(name, today + dt.timedelta(days=2))
    receipt = core.reports.submit("child_at_risk", "A pupil is afraid to go home.", channel="console")  # to Alex
    clock.advance(minutes=15)  # the deputies' step: Sam is away, Alex has it at work
    assert core.reports.escalate_due() == 1
    assert escalations(core) == []  # no card to Sam, who is away
    events = core.reports.case(receipt.reference, actor(core, "Alex Head")).events
    step = next(e.detail or "" for e in events if e.action == "escalated")
    assert step.endswith("nobody else: whoever holds those roles is away (Alex Head already has it, and was reminded)")


def test_a_report_that_cannot_be_escalated_holds_up_none_after_it(
    core: Core, clock: ManualClock, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """A fault in one report (bad data, a bug) is logged and retried; the urgent report after it still escalates,
    and the run says it failed, as a reminder rule that fails does."""
    broken = core.reports.submit("child_at_risk", "The first pupil is afraid to go home.", channel="console")
    core.reports.submit("child_at_risk", "A second pupil is afraid to go home.", channel="console")
    escalate_one = core.reports.escalation._escalate_one

    def fails_for_the_first(session: object, *, code: str, now: dt.datetime) -> int:
        if code == broken.reference:
            raise ValueError(f"a fault quoting {broken.code}")
        return escalate_one(session, code=code, now=now)  # type: ignore[arg-type]

    monkeypatch.setattr(core.reports.escalation, "_escalate_one", fails_for_the_first)
    clock.advance(minutes=15)
    counts = core.schedule.run_due()
    assert counts["escalations"] == 1 and core.schedule.failed == ["escalations"]
    assert escalations(core) == [("Sam Deputy", "1")]  # the second report's
    assert "could not be escalated (ValueError)" in caplog.text and broken.code not in caplog.text

    monkeypatch.undo()  # fixed: the next run escalates the first one too
    assert core.schedule.run_due()["escalations"] == 1 and core.schedule.failed == []
    assert escalations(core) == [("Sam Deputy", "1"), ("Sam Deputy", "1")]


def test_the_cards_already_sent_say_who_an_unacknowledged_case_went_on_to(slack_core: Core, clock: ManualClock) -> None:
    """The DSL channel's card and Dana's own (Slack) are edited in place to say it went to the deputy, then to the
    headteacher, and when; silently. Her Telegram card is not: there each update would be a new message."""
    with slack_core.db.session() as session:
        slack_core.people.upsert(session, PersonEntry(name="Dana Lead", roles=["dsl", "staff"],
                                                      slack_user_id="U0DSL00001", telegram_chat_id=900001))
    receipt = slack_core.reports.submit("child_at_risk", "A pupil is afraid to go home.", channel="slack")
    clock.advance(minutes=15)
    slack_core.reports.escalate_due()
    sent_on = "Not yet acknowledged: also sent to Sam Deputy at 10:15."  # 10:15 in London, the school's time
    edited = [m for m in updates(slack_core) if sent_on in m.text]
    assert {m.recipient for m in edited} == {Recipient("slack", "C0DSLCHAN"), Recipient("slack", "U0DSL00001")}
    assert all(m.ping is None and m.text.startswith(sent_on) for m in edited)
    clock.advance(minutes=45)
    slack_core.reports.escalate_due()
    both = "Not yet acknowledged: also sent to Sam Deputy at 10:15, then to Alex Head at 11:00."
    assert {m.recipient for m in updates(slack_core) if both in m.text} == {
        Recipient("slack", "C0DSLCHAN"), Recipient("slack", "U0DSL00001")}
    # Sam's own card is kept up to date too, without naming him to himself.
    assert [m.text.splitlines()[0] for m in updates(slack_core) if m.recipient == Recipient("slack", "U0DSL00002")] \
        == ["Not yet acknowledged: also sent to Alex Head at 11:00."]
    assert not [m for m in updates(slack_core) if m.recipient.platform == "telegram"]
    # Once acknowledged, the cards say so instead.
    slack_core.reports.acknowledge(receipt.reference, actor(slack_core, "Sam Deputy"))
    assert "also sent to" not in updates(slack_core)[-1].text


def test_a_concern_about_the_head_nobody_acknowledges_goes_on_to_the_vice_chair(core: Core, clock: ManualClock) -> None:
    """The chair has it and has not acknowledged it after a school day: the vice-chair, whom the school names to stand
    in for the chair, is alerted too, never the staff the head manages."""
    with core.db.session() as session:
        core.people.upsert(session, PersonEntry(name="Val Vice", roles=["vice_chair_of_governors"]))
    core.reports.submit("headteacher_concern", "The head teacher grabbed a pupil's arm.", channel="console")
    clock.advance(days=4)  # a school day has passed, whatever day of the week it started
    assert core.reports.escalate_due() == 1
    assert {address for address, _ in escalations(core)} == {"Val Vice"}


def test_a_concern_about_staff_that_is_about_the_head_goes_on_to_the_vice_chair_too(
    core: Core, clock: ManualClock
) -> None:
    """'A concern about a member of staff' that the sender says is about the headteacher went to the chair, and its
    own step (a school day, to the chair) only reminded the chair: a chair who had missed it was the only one chased.
    It escalates as a concern about the head does: to the vice-chair too, after the same wait."""
    with core.db.session() as session:
        core.people.upsert(session, PersonEntry(name="Val Vice", roles=["vice_chair_of_governors"]))
    text = "The head teacher shouted at my son in the corridor."
    receipt = core.reports.submit("staff_concern", text, channel="console", named_people=["Alex Head"])
    clock.advance(hours=20)
    assert core.reports.escalate_due() == 0  # not before a school day, as for a concern about the head
    clock.advance(days=4)
    assert core.reports.escalate_due() == 1
    assert {address for address, _ in escalations(core)} == {"Val Vice"}
    events = core.reports.case(receipt.reference, actor(core, "Val Vice")).events
    assert [e.detail for e in events if e.action == "escalated"] == [
        "Not acknowledged after 1 working day. Alerted: Val Vice (Chris Chair already has it, and was reminded)"
    ]


def test_the_line_saying_whom_a_case_went_on_to_comes_first_on_a_card_with_a_contact(
    slack_core: Core, clock: ManualClock
) -> None:
    """A concern about staff, whose cards name the LADO: the line came between the case's first line and the LADO's,
    where a card without a contact has it first."""
    slack_core.reports.submit("staff_concern", "Mr Jones shakes the children hard.", channel="slack")
    clock.advance(days=4)
    assert slack_core.reports.escalate_due() == 1
    [card] = [m for m in updates(slack_core) if m.recipient == Recipient("slack", "U0HEAD0001")]
    assert card.text.startswith("Not yet acknowledged: also sent to Chris Chair on ")


def test_someone_who_no_longer_handles_reports_is_not_chased_for_a_case_they_were_sent(
    core: Core, clock: ManualClock
) -> None:
    """The DSL sent the case is made a teacher again (or leaves) before anyone acknowledges it, and the deputy the
    next step chases is away: the step chases the deputy, away or not, rather than reminding someone who can no
    longer open the case (their Acknowledge would only be refused), and says so."""
    today = _today(core, clock)
    receipt = core.reports.submit("child_at_risk", "A pupil is afraid to go home.", channel="console")  # to Dana
    core.people.set_roles("Dana Lead", ["staff"])
    core.people.set_away("Sam Deputy", today + dt.timedelta(days=2))
    clock.advance(minutes=15)
    assert core.reports.escalate_due() == 1
    with core.db.session() as session:
        reminded = [core.outbox.message(r).recipient.address
                    for r in session.query(OutboxRow).filter(OutboxRow.key.like("%reminder%")).all()]
    assert "Dana Lead" not in reminded
    events = core.reports.case(receipt.reference, actor(core, "Alex Head")).events
    step = next(e.detail or "" for e in events if e.action == "escalated")
    assert "Dana Lead" not in step
