"""Slack's Home tab, which lists the cases a handler follows, is redrawn for each of them when a case changes: the core
decides whose (cases_to_follow's rule, never anyone a case is kept from) and queues one redraw per person at a time."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import update

from bot.core import Core
from bot.outbox import SENDING, OutboxRow
from bot.people import person_entry
from bot.ports import REDRAW_HOME, ManualClock, OutboundMessage, Recipient
from bot.reports import ReplyAddress
from bot.wording import long_date
from tests.reports.conftest import actor, deliver_all, notifiers

DSL, DEPUTY, HEAD, CHAIR = "U0DSL00001", "U0DSL00002", "U0HEAD0001", "U0CHAIR001"


def redraws(core: Core, *, waiting: bool = False) -> list[str]:
    """The Slack users whose Home tab a redraw was queued for (only those still waiting, if `waiting`)."""
    with core.db.session() as session:
        query = session.query(OutboxRow).where(OutboxRow.kind == REDRAW_HOME).order_by(OutboxRow.id)
        if waiting:
            query = query.where(OutboxRow.status == "pending")
        return [core.outbox.message(row).recipient.address for row in query]


def delivered_all(core: Core) -> None:
    """Every redraw queued so far marked delivered: what a test asserts next is only what comes after."""
    with core.db.session() as session:
        session.execute(update(OutboxRow).where(OutboxRow.kind == REDRAW_HOME).values(status="delivered"))


def test_a_new_report_redraws_the_home_of_whoever_follows_it_and_says_nothing_of_it(slack_core: Core) -> None:
    receipt = slack_core.reports.submit("other", "A parent posted a class photo.", channel="slack")
    # The DSL and the deputy follow every case they may handle; the headteacher and the chair only those they hold.
    assert sorted(redraws(slack_core)) == [DSL, DEPUTY]
    with slack_core.db.session() as session:
        for row in session.query(OutboxRow).where(OutboxRow.kind == REDRAW_HOME):
            message = slack_core.outbox.message(row)
            assert message.text == "" and message.ref is None and not message.fields and not message.buttons
            assert receipt.code not in row.key and message.slot == f"home:slack:{message.recipient.address}"


def test_a_burst_of_changes_waits_as_one_redraw_per_person_and_the_next_change_after_it_queues_another(
    slack_core: Core, clock: ManualClock
) -> None:
    reports, dana = slack_core.reports, actor(slack_core, "Dana Lead")
    code = reports.submit("other", "A parent posted a class photo.", channel="slack").reference
    reports.acknowledge(code, dana)
    for n in range(5):
        reports.add_note(code, dana, f"Note {n}.")
    reports.close(code, dana, "Spoken to the parent; the photo is down.")
    assert sorted(redraws(slack_core, waiting=True)) == [DSL, DEPUTY]  # one each, drawn when it is sent

    recorders = notifiers()
    deliver_all(slack_core, recorders, clock)
    assert sorted(m.recipient.address for m in recorders["slack"].delivered if m.kind == REDRAW_HOME) == [DSL, DEPUTY]
    reports.reopen(code, dana, "The parent posted it again.")
    assert sorted(redraws(slack_core, waiting=True)) == [DSL, DEPUTY]
    assert len(redraws(slack_core)) == 4


def test_a_redraw_already_being_sent_does_not_stand_for_a_later_change(slack_core: Core) -> None:
    """It may have been drawn before the change: another is queued after it."""
    reports = slack_core.reports
    code = reports.submit("other", "A parent posted a class photo.", channel="slack").reference
    with slack_core.db.session() as session:
        session.execute(update(OutboxRow).where(OutboxRow.kind == REDRAW_HOME).values(status=SENDING))
    reports.acknowledge(code, actor(slack_core, "Dana Lead"))
    assert sorted(redraws(slack_core, waiting=True)) == [DSL, DEPUTY]


def test_nobody_a_case_is_kept_from_has_their_home_redrawn_for_it(slack_core: Core) -> None:
    reports, sam = slack_core.reports, actor(slack_core, "Sam Deputy")
    code = reports.submit("other", "It is about Dana Lead.", channel="slack", named_people=["Dana Lead"]).reference
    reports.acknowledge(code, sam)
    reports.add_note(code, sam, "Spoke to the head.")
    reports.close(code, sam, "Dealt with.")
    reports.reopen(code, sam, "More came in.")
    assert DSL not in redraws(slack_core)
    assert DEPUTY in redraws(slack_core)


def test_a_reply_naming_the_acknowledger_stops_their_redraws_from_then_on(slack_core: Core) -> None:
    reports = slack_core.reports
    receipt = reports.submit("other", "A parent posted a class photo.", channel="slack",
                             reply_to=ReplyAddress("slack", "D0STAFF001"))
    reports.acknowledge(receipt.reference, actor(slack_core, "Dana Lead"))
    delivered_all(slack_core)
    before = len(redraws(slack_core))
    reports.sender_reply(receipt.code, "It was Dana Lead who took the photo.", requester="t")
    # Hers once more, which no longer lists it (and says nothing of why), then never again for it
    assert sorted(redraws(slack_core)[before:]) == [DSL, DEPUTY]
    assert reports.cases_to_follow(actor(slack_core, "Dana Lead")) == []
    delivered_all(slack_core)
    before = len(redraws(slack_core))
    reports.add_note(receipt.reference, actor(slack_core, "Sam Deputy"), "Spoke to the parent.")
    assert redraws(slack_core)[before:] == [DEPUTY]


def test_a_follow_up_naming_the_headteacher_redraws_their_home_without_the_case(slack_core: Core) -> None:
    reports = slack_core.reports
    receipt = reports.submit("inappropriate_post", "A parent posted about the school trip.", channel="slack",
                             reply_to=ReplyAddress("slack", "D0STAFF001"))
    assert [c.code for c in reports.cases_to_follow(actor(slack_core, "Alex Head"))] == [receipt.reference]
    delivered_all(slack_core)
    before = len(redraws(slack_core))
    reports.sender_reply(receipt.code, "Mr Head saw it and laughed.", requester="t")
    assert HEAD in redraws(slack_core)[before:]
    assert reports.cases_to_follow(actor(slack_core, "Alex Head")) == []


def test_a_card_update_and_its_home_redraws_read_the_people_once(
    slack_core: Core, monkeypatch: pytest.MonkeyPatch
) -> None:
    from bot.reports.cards import Cards

    reports, dana = slack_core.reports, actor(slack_core, "Dana Lead")
    receipt = reports.submit("other", "A parent posted a class photo.", channel="slack",
                             reply_to=ReplyAddress("slack", "D0STAFF001"))
    reads: list[int] = []
    updating: list[bool] = []  # while a card update (and its Home redraws) is queued
    everyone, update_cards = Cards._everyone, Cards.queue_update

    def read(session: object) -> object:
        reads.extend([1] if updating else [])
        return everyone(session)  # type: ignore[arg-type]

    def counted_update(self: Cards, *args: object, **kwargs: object) -> None:
        updating.append(True)
        try:
            update_cards(self, *args, **kwargs)  # type: ignore[arg-type]
        finally:
            updating.clear()

    monkeypatch.setattr(Cards, "_everyone", staticmethod(read))
    monkeypatch.setattr(Cards, "queue_update", counted_update)
    # Unacknowledged, the cards say who else it went to: the people read once before, to find names in the reply
    reports.sender_reply(receipt.code, "The photo is still up.", requester="t")
    assert reads == [] and sorted(redraws(slack_core, waiting=True)) == [DSL, DEPUTY]
    reports.acknowledge(receipt.reference, dana)
    assert reads == [1]


def test_a_change_of_role_redraws_the_home_of_everyone_who_handles_reports(slack_core: Core) -> None:
    people = slack_core.people
    with slack_core.db.session() as session:
        people.upsert(session, person_entry(name="Pat Teacher", roles=["staff"], slack_user_id="U0STAFF009"))
    assert redraws(slack_core) == ["U0STAFF009"]  # a member of staff's change: their own Home only
    delivered_all(slack_core)
    people.set_roles("Pat Teacher", ["staff", "deputy_dsl"])  # a new deputy: their Home lists the cases now
    assert sorted(redraws(slack_core, waiting=True)) == sorted([DSL, DEPUTY, HEAD, CHAIR, "U0STAFF009"])
    delivered_all(slack_core)
    people.set_roles("Sam Deputy", ["staff"])  # no longer a deputy: their Home lists no cases
    assert DEPUTY in redraws(slack_core, waiting=True)
    delivered_all(slack_core)
    people.rename("Dana Lead", "Dana Leader")  # the others' lists name whoever acknowledged a case
    assert sorted(redraws(slack_core, waiting=True)) == sorted([DSL, HEAD, CHAIR, "U0STAFF009"])


def test_away_back_and_leaving_redraw_the_homes_they_change(slack_core: Core, clock: ManualClock) -> None:
    today = slack_core.today()
    slack_core.people.set_away("Dana Lead", today + dt.timedelta(days=7))
    assert sorted(redraws(slack_core, waiting=True)) == sorted([DSL, DEPUTY, HEAD, CHAIR])
    delivered_all(slack_core)
    slack_core.people.set_away("Dana Lead", None)
    assert sorted(redraws(slack_core, waiting=True)) == sorted([DSL, DEPUTY, HEAD, CHAIR])
    delivered_all(slack_core)
    slack_core.schedule.leavers.set_leave_date("Sam Deputy", today)
    assert sorted(redraws(slack_core, waiting=True)) == sorted([DSL, DEPUTY, HEAD, CHAIR])


def test_the_home_says_who_is_away_to_them_and_to_whoever_covers_for_them(slack_core: Core) -> None:
    reports = slack_core.reports
    until = slack_core.today() + dt.timedelta(days=7)
    assert reports.away_notes(actor(slack_core, "Sam Deputy")) == []
    slack_core.people.set_away("Dana Lead", until)
    [hers] = reports.away_notes(actor(slack_core, "Dana Lead"))
    assert hers.startswith(f"You are recorded as away until {long_date(until)}, that day included")
    [his] = reports.away_notes(actor(slack_core, "Sam Deputy"))
    assert his == (f"Dana Lead (until {long_date(until)}) is away: new reports of a child at risk, extremism or "
                   "radicalisation, online abuse or cyber-bullying and something else come to you meanwhile.")
    assert reports.away_notes(actor(slack_core, "Alex Head")) == []  # an inappropriate post is still theirs alone
    slack_core.people.set_away("Sam Deputy", until)  # the deputy too: the headteacher covers for both
    [heads] = reports.away_notes(actor(slack_core, "Alex Head"))
    assert heads.startswith(f"Dana Lead (until {long_date(until)}) and Sam Deputy (until {long_date(until)}) are away")
    slack_core.people.set_away("Dana Lead", None)
    slack_core.people.set_away("Sam Deputy", None)
    assert reports.away_notes(actor(slack_core, "Sam Deputy")) == []


def test_without_slack_a_change_to_people_queues_nothing(core: Core) -> None:
    core.people.set_roles("Sam Deputy", ["staff", "dsl"])
    core.people.set_away("Dana Lead", core.today() + dt.timedelta(days=3))
    assert redraws(core) == []


def test_escalation_redraws_the_home_of_the_headteacher_it_reaches(slack_core: Core, clock: ManualClock) -> None:
    reports = slack_core.reports
    reports.submit("child_at_risk", "A pupil is afraid to go home.", channel="slack")
    assert HEAD not in redraws(slack_core)
    clock.advance(hours=1)
    assert reports.escalate_due() == 2
    assert HEAD in redraws(slack_core, waiting=True) and CHAIR not in redraws(slack_core)


def test_without_slack_no_redraw_is_queued(core: Core) -> None:
    code = core.reports.submit("other", "A parent posted a class photo.", channel="console").reference
    core.reports.acknowledge(code, actor(core, "Dana Lead"))
    assert redraws(core) == []


def test_a_redraw_needs_a_slot(core: Core) -> None:
    message = OutboundMessage(key="k", recipient=Recipient("slack", DSL), kind=REDRAW_HOME, text="")
    with core.db.session() as session, pytest.raises(ValueError):
        core.outbox.enqueue_redraw(session, message)


def test_the_day_someone_is_back_or_leaves_redraws_the_homes_it_changes_once(
    slack_core: Core, clock: ManualClock
) -> None:
    today = slack_core.today()
    slack_core.people.set_away("Dana Lead", today)  # away today only
    slack_core.schedule.leavers.set_leave_date("Alex Head", today + dt.timedelta(days=2))
    delivered_all(slack_core)
    slack_core.schedule.run_due()
    assert redraws(slack_core, waiting=True) == []  # nothing has changed by itself yet
    clock.advance(days=1)
    slack_core.schedule.run_due()  # back today: her Home, and those of everyone who covered for her
    assert sorted(redraws(slack_core, waiting=True)) == sorted([DSL, DEPUTY, HEAD, CHAIR])
    assert slack_core.reports.away_notes(actor(slack_core, "Sam Deputy")) == []
    delivered_all(slack_core)
    slack_core.schedule.run_due()
    assert redraws(slack_core, waiting=True) == []  # once a day, not once a minute
    clock.advance(days=1)
    slack_core.schedule.run_due()  # the headteacher's leave date
    assert sorted(redraws(slack_core, waiting=True)) == sorted([DSL, DEPUTY, HEAD, CHAIR])


def test_the_minute_job_reads_the_people_for_the_days_redraws_once_a_day(
    slack_core: Core, clock: ManualClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Run every minute, it went through everyone every minute for what changes once a day."""
    cards = slack_core.reports.cards
    reads: list[int] = []
    real = cards._everyone

    def counted(session):  # type: ignore[no-untyped-def]
        reads.append(1)
        return real(session)

    monkeypatch.setattr(cards, "_everyone", counted)
    for _ in range(3):
        cards.redraw_homes_for_today()
    assert len(reads) == 1
    clock.advance(days=1)
    cards.redraw_homes_for_today()
    assert len(reads) == 2
