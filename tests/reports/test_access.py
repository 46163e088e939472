"""Access: only people whose role handles a report may see or act on it; every refusal is on the record."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from bot.core import Core
from bot.outbox import OutboxRow
from bot.people import PersonEntry
from bot.ports import ManualClock
from bot.reports import AccessDenied, ReceiptNotFound, ReportError
from bot.reports.domain import NEW
from tests.reports.conftest import actor

TEXT = "A parent posted a pupil's photo with their full name and address."


def attempts(core: Core, code: str, name: str) -> list[tuple[str, object]]:
    who = actor(core, name)
    reports = core.reports
    return [
        ("see", lambda: reports.case(code, who)),
        ("acknowledge", lambda: reports.acknowledge(code, who)),
        ("note", lambda: reports.add_note(code, who, "I had a look")),
        ("ask", lambda: reports.ask_sender(code, who, "Who are you?")),
        ("close", lambda: reports.close(code, who, "Nothing to see")),
        ("export", lambda: reports.export(code, who)),
        ("evidence", lambda: reports.attachment(code, who, 1)),
    ]


@pytest.mark.parametrize("name", ["Jo Teacher", "Pat Office"])
def test_a_non_dsl_cannot_see_acknowledge_or_close(core: Core, name: str) -> None:
    receipt = core.reports.submit("child_at_risk", TEXT, channel="console")
    for what, attempt in attempts(core, receipt.reference, name):
        with pytest.raises(AccessDenied, match="do not have access"):
            attempt()  # type: ignore[operator]
        assert what
    with pytest.raises(AccessDenied):
        core.reports.open_cases(actor(core, name))
    dana = actor(core, "Dana Lead")
    view = core.reports.case(receipt.reference, dana)
    assert view.status == NEW and view.acknowledged_by is None and view.chain_ok
    refused = [e for e in view.events if e.action == "refused"]
    assert len(refused) == 7 and {e.actor for e in refused} == {name}
    assert "Not allowed to close the report" in {e.detail for e in refused}


@pytest.mark.parametrize("text", ["", "   ", "x" * 20_001])
def test_a_forged_empty_or_overlong_form_from_a_non_dsl_is_refused_and_recorded(core: Core, text: str) -> None:
    """Access comes before the text: told "your outcome is empty", the attempt would go unrecorded."""
    receipt = core.reports.submit("child_at_risk", TEXT, channel="console")
    jo = actor(core, "Jo Teacher")
    for attempt in (core.reports.add_note, core.reports.ask_sender, core.reports.close):
        with pytest.raises(AccessDenied, match="do not have access"):
            attempt(receipt.reference, jo, text)
    events = core.reports.case(receipt.reference, actor(core, "Dana Lead")).events
    refused = [e for e in events if e.action == "refused"]
    assert [e.actor for e in refused] == ["Jo Teacher"] * 3


def test_a_non_dsl_learns_nothing_about_unknown_codes(core: Core) -> None:
    with pytest.raises(AccessDenied):
        core.reports.case("ACDE-FGHJ-KMNP-RTWX", actor(core, "Jo Teacher"))
    with pytest.raises(ReceiptNotFound):
        core.reports.case("ACDE-FGHJ-KMNP-RTWX", actor(core, "Dana Lead"))


def test_the_person_named_is_refused_and_the_attempt_recorded(core: Core) -> None:
    receipt = core.reports.submit("online_abuse", TEXT, channel="console", named_people=["Dana Lead"])
    with pytest.raises(AccessDenied):
        core.reports.case(receipt.reference, actor(core, "Dana Lead"))
    events = core.reports.case(receipt.reference, actor(core, "Sam Deputy")).events
    assert any(e.actor == "Dana Lead" and e.action == "refused" for e in events)


def test_the_headteacher_cannot_open_a_report_about_themself(core: Core) -> None:
    receipt = core.reports.submit("headteacher_concern", "Alex Head shouted at a pupil.", channel="console")
    with pytest.raises(AccessDenied):
        core.reports.case(receipt.reference, actor(core, "Alex Head"))
    assert core.reports.case(receipt.reference, actor(core, "Chris Chair")).text == "Alex Head shouted at a pupil."


def test_a_concern_about_the_headteacher_stays_with_the_chair(core: Core) -> None:
    receipt = core.reports.submit("headteacher_concern", "The head teacher grabbed my son's arm.", channel="console")
    assert [c.code for c in core.reports.open_cases(actor(core, "Chris Chair"))] == [receipt.reference]
    for name in ("Alex Head", "Sam Deputy", "Dana Lead"):  # not the head, and not the staff who answer to the head
        assert core.reports.open_cases(actor(core, name)) == []


def test_with_no_chair_a_concern_about_the_headteacher_goes_outside_the_school(core: Core) -> None:
    """Keeping Children Safe in Education: a concern about the head goes to the chair of governors, else straight to
    the LADO; never to the staff the head manages (the deputy DSLs), nor to the head. Nothing is stored or sent."""
    core.people.set_leave_date("Chris Chair", dt.date(2026, 1, 1))
    with pytest.raises(ReportError) as refused:
        core.reports.submit("headteacher_concern", "The head teacher grabbed my son's arm.", channel="console")
    assert str(refused.value) == (
        "A concern about the headteacher goes only to the Chair of Governors, or the Vice-Chair while the Chair is "
        "away or not named, and neither is named in this service, so your report cannot be sent. Nothing has been "
        "sent.\n"
        "Please contact the Local Authority Designated Officer (LADO), 0116 000 0001.\n"
        "If a child is in immediate danger, call 999."
    )
    with core.db.session() as session:
        assert session.query(OutboxRow).count() == 0
    for name in ("Alex Head", "Sam Deputy", "Dana Lead"):
        assert core.reports.open_cases(actor(core, name), include_closed=True) == []


def test_a_concern_about_the_head_that_names_the_chair_too_says_so_when_refused(core: Core) -> None:
    """With no vice-chair, a concern about the head that also names the chair has nobody to go to: the sender was
    told nobody holds the chair's role, which was untrue, and not that naming them was why."""
    with pytest.raises(ReportError) as refused:
        core.reports.submit("headteacher_concern", "The head teacher and Chris Chair both ignored it.",
                            channel="console")
    assert str(refused.value) == (
        "A concern about the headteacher goes only to the Chair of Governors, or the Vice-Chair while the Chair is "
        "away or not named, and your report names, or is about, the Chair of Governors: a report never goes to "
        "anyone it names, so your report cannot be sent. Nothing has been sent.\n"
        "Please contact the Local Authority Designated Officer (LADO), 0116 000 0001.\n"
        "If you named or chose the Chair of Governors only in passing (\"I told ...\"), send the report again "
        "without them.\n"
        "If a child is in immediate danger, call 999."
    )


def test_with_the_chair_away_a_concern_about_the_headteacher_waits_for_them(core: Core, clock: ManualClock) -> None:
    """Not the deputy DSLs meanwhile, neither new concerns nor those the chair already has; the sender is told the
    chair is away, and whom outside the school to contact if it cannot wait."""
    earlier = core.reports.submit("headteacher_concern", "The head teacher grabbed my son's arm.", channel="console")
    today = clock.now().astimezone(core.school.tz).date()
    core.people.set_away("Chris Chair", today + dt.timedelta(days=10))
    assert core.reports.while_away("Chris Chair") == (
        "New reports of a concern about the headteacher still go to Chris Chair: nobody else at work can take them. "
        "A report nobody acknowledges in time goes on to Chris Chair only where nobody else at work holds their role."
    )
    receipt = core.reports.submit("headteacher_concern", "The head teacher shouted at a pupil.", channel="console")
    with core.db.session() as session:
        alerted = {core.outbox.message(row).recipient.address for row in session.query(OutboxRow)}
    assert alerted == {"Chris Chair"}
    assert receipt.sender_text().startswith(
        "Thank you. Your report has arrived safely and has gone to the Chair of Governors.\n"
        "The Chair of Governors is away at the moment. If it cannot wait, please also contact the Local Authority "
        "Designated Officer (LADO), 0116 000 0001.\n\n"
    )
    assert [c.code for c in core.reports.open_cases(actor(core, "Chris Chair"))] == [earlier.reference,
                                                                                     receipt.reference]
    for name in ("Alex Head", "Sam Deputy", "Dana Lead"):
        assert core.reports.open_cases(actor(core, name)) == []
        with pytest.raises(AccessDenied):
            core.reports.case(earlier.reference, actor(core, name))
    # Back at work: the receipt says no more than where it went.
    clock.advance(days=11)
    assert "away" not in core.reports.submit("headteacher_concern", TEXT, channel="console").sender_text()


def _with_a_vice_chair(core: Core, clock: ManualClock) -> dt.date:
    """The school names a vice-chair of governors, Val Vice; today's date at the school."""
    with core.db.session() as session:
        core.people.upsert(session, PersonEntry(name="Val Vice", roles=["vice_chair_of_governors"]))
    return clock.now().astimezone(core.school.tz).date()


def test_a_vice_chair_named_by_the_school_takes_concerns_about_the_head_while_the_chair_cannot(
    core: Core, clock: ManualClock
) -> None:
    """With the chair away (or not named): the vice-chair, never the staff the head manages. The vice-chair may still
    open what they took once the chair is back, as a deputy DSL may open the DSLs' cases."""
    today = _with_a_vice_chair(core, clock)
    core.people.set_away("Chris Chair", today + dt.timedelta(days=10))
    assert (core.reports.while_away("Chris Chair") or "").startswith(
        "New reports of a concern about the headteacher go to Val Vice.")
    receipt = core.reports.submit("headteacher_concern", "The head teacher grabbed my son's arm.", channel="console")
    with core.db.session() as session:
        alerted = {core.outbox.message(row).recipient.address for row in session.query(OutboxRow)}
    assert alerted == {"Val Vice"}
    assert "has gone to the Vice-Chair of Governors.\n\n" in receipt.sender_text()  # no "away" line: it is read
    for name in ("Alex Head", "Sam Deputy", "Dana Lead"):
        with pytest.raises(AccessDenied):
            core.reports.case(receipt.reference, actor(core, name))
    clock.advance(days=11)  # the chair is back: new ones go to them; the vice-chair still has theirs
    later = core.reports.submit("headteacher_concern", "The head teacher shouted at a pupil.", channel="console")
    assert "has gone to the Chair of Governors." in later.sender_text()
    assert [c.code for c in core.reports.cases_to_follow(actor(core, "Val Vice"))] == [receipt.reference]
    core.people.set_leave_date("Chris Chair", today + dt.timedelta(days=12))
    clock.advance(days=1)  # the chair has left: the vice-chair, not a refusal
    assert "has gone to the Vice-Chair of Governors." in core.reports.submit(
        "headteacher_concern", "The head teacher shouted again.", channel="console").sender_text()


def test_recording_the_vice_chair_away_says_where_concerns_about_the_head_go_meanwhile(
    core: Core, clock: ManualClock
) -> None:
    """With the chair away too, they wait for the chair and the sender is given the LADO: whoever records the
    vice-chair away was told only that escalations would pass them by."""
    today = _with_a_vice_chair(core, clock)
    core.people.set_away("Val Vice", today + dt.timedelta(days=10))
    assert (core.reports.while_away("Val Vice") or "").startswith(
        "New reports of a concern about the headteacher go to Chris Chair.")
    core.people.set_away("Chris Chair", today + dt.timedelta(days=10))
    assert (core.reports.while_away("Val Vice") or "").startswith(
        "New reports of a concern about the headteacher go to Chris Chair, who is away too: senders are told so, and "
        "given the Local Authority Designated Officer (LADO), 0116 000 0001.")
    receipt = core.reports.submit("headteacher_concern", "The head teacher grabbed a pupil.", channel="console")
    assert "The Chair of Governors is away at the moment. If it cannot wait, please also contact the Local " \
        "Authority Designated Officer (LADO)" in receipt.sender_text()


def test_a_concern_about_a_member_of_staff_that_is_about_the_head_stays_with_the_governors(
    core: Core, clock: ManualClock
) -> None:
    """'A concern about a member of staff', and the sender says it is about the headteacher they mention (the form
    asks): with the chair away it went to the deputy DSLs, whom the head manages, though the school names a
    vice-chair; as a concern about the headteacher does, it goes to the vice-chair, else waits for the chair (the
    sender given the LADO), and with no chair at all it is not taken."""
    today = clock.now().astimezone(core.school.tz).date()
    core.people.set_away("Chris Chair", today + dt.timedelta(days=10))
    text = "The head teacher shouted at my son in the corridor."
    waits = core.reports.submit("staff_concern", text, channel="console", named_people=["Alex Head"])
    with core.db.session() as session:
        alerted = {core.outbox.message(row).recipient.address for row in session.query(OutboxRow)}
    assert alerted == {"Chris Chair"}
    assert "The Chair of Governors is away at the moment. If it cannot wait, please also contact the Local " \
        "Authority Designated Officer (LADO)" in waits.sender_text()
    for name in ("Alex Head", "Sam Deputy", "Dana Lead"):
        with pytest.raises(AccessDenied):
            core.reports.case(waits.reference, actor(core, name))
    with core.db.session() as session:
        core.people.upsert(session, PersonEntry(name="Val Vice", roles=["vice_chair_of_governors", "staff"]))
    vice = core.reports.submit("staff_concern", text, channel="console", named_people=["Alex Head"])
    assert "has gone to the Vice-Chair of Governors.\n\n" in vice.sender_text()
    with pytest.raises(AccessDenied):
        core.reports.case(vice.reference, actor(core, "Sam Deputy"))
    core.people.set_leave_date("Chris Chair", today)
    core.people.set_leave_date("Val Vice", today)
    clock.advance(days=1)
    with pytest.raises(ReportError, match="A concern about the headteacher goes only to the Chair of Governors, or "
                                          "the Vice-Chair while the Chair is away or not named, and neither is named"):
        core.reports.submit("staff_concern", text, channel="console", named_people=["Alex Head"])
    # Not about the head: a concern about a member of staff still goes to the head
    assert "has gone to the Headteacher." in core.reports.submit("staff_concern", TEXT, channel="console").sender_text()


def test_the_governors_card_of_a_concern_about_staff_says_it_is_about_the_head(core: Core) -> None:
    """The chair (or vice-chair) was sent 'A concern about a member of staff' with nothing saying why it had come to
    the governors and not to the head, as such concerns do."""
    text = "The head teacher shouted at my son in the corridor."
    core.reports.submit("staff_concern", text, channel="console", named_people=["Alex Head"])
    core.reports.submit("staff_concern", TEXT, channel="console")
    with core.db.session() as session:
        cards = {core.outbox.message(row).recipient.address: core.outbox.message(row).text
                 for row in session.query(OutboxRow).filter_by(kind="report_alert")}
    said = "The sender says this concern is about the Headteacher, so it has come to the governors."
    assert said in cards["Chris Chair"].splitlines() and said not in cards["Alex Head"]


def test_a_dsl_who_has_left_has_no_access(core: Core) -> None:
    receipt = core.reports.submit("other", TEXT, channel="console")
    dana = actor(core, "Dana Lead")
    core.people.set_leave_date("Dana Lead", dt.date(2026, 11, 1))
    with pytest.raises(AccessDenied):
        core.reports.case(receipt.reference, dana)
    assert core.reports.actor(name="Dana Lead") is None


def test_acting_by_name_says_why_someone_cannot(core: Core, clock: ManualClock) -> None:
    """The command line's --as: a new starter, a leaver and a slip of the name each hear why, in words."""
    with core.db.session() as session:
        core.people.upsert(session, PersonEntry(name="Nia New", roles=["dsl"], start_date=dt.date(2027, 7, 1)))
    core.people.set_leave_date("Sam Deputy", dt.date(2026, 11, 20))
    with pytest.raises(AccessDenied, match="Nia New starts at the school on Thursday 1 July 2027, and cannot act"):
        core.reports.actor_named("Nia New")
    with pytest.raises(AccessDenied, match="Sam Deputy left the school on Friday 20 November 2026, so can no longer"):
        core.reports.actor_named("Sam Deputy")
    with pytest.raises(AccessDenied, match="nobody called 'Dana'; did you mean Dana Lead?"):
        core.reports.actor_named("Dana")
    assert core.reports.actor_named(" Dana Lead ") == actor(core, "Dana Lead")
    # Her first day by the school's clock: a quarter past midnight in London (BST) is still 30 June in UTC.
    clock.set(dt.datetime(2027, 6, 30, 22, 45, tzinfo=dt.UTC))
    with pytest.raises(AccessDenied, match="starts at the school"):
        core.reports.actor_named("Nia New")
    clock.set(dt.datetime(2027, 6, 30, 23, 15, tzinfo=dt.UTC))
    assert core.reports.actor_named("Nia New").name == "Nia New"


def test_staff_are_recognised_by_slack_id_but_senders_are_not(core: Core) -> None:
    assert core.reports.actor(slack_user_id="U0DSL00001") == actor(core, "Dana Lead")
    assert core.reports.actor(slack_user_id="U0SOMEONE") is None


def _following(core: Core, name: str) -> list[str]:
    return [case.code for case in core.reports.cases_to_follow(actor(core, name))]


def test_the_dsls_follow_every_open_case_they_may_handle_the_head_and_chair_only_those_with_them(
    core: Core, clock: ManualClock
) -> None:
    """What each person's App Home lists: never a case kept from them; the headteacher not every DSL case they could
    open, only one that came to them (on its route, or by escalation)."""
    reports = core.reports
    for_dsls = reports.submit("child_at_risk", TEXT, channel="console")
    about_dana = reports.submit("online_abuse", TEXT, channel="console", named_people=["Dana Lead"])
    for_head = reports.submit("staff_concern", "A teacher shared pupils' photos on a public account.",
                              channel="console")
    about_head = reports.submit("headteacher_concern", "The head teacher grabbed my son's arm.", channel="console")
    closed = reports.submit("other", TEXT, channel="console")
    reports.close(closed.reference, actor(core, "Dana Lead"), "Dealt with.")

    assert _following(core, "Dana Lead") == [for_dsls.reference]
    assert _following(core, "Sam Deputy") == [for_dsls.reference, about_dana.reference]
    # The headteacher may open the DSLs' urgent case (its escalation reaches them) but it has not come to them yet.
    assert for_dsls.reference in [c.code for c in reports.open_cases(actor(core, "Alex Head"))]
    assert _following(core, "Alex Head") == [for_head.reference]
    # The chair may open a case naming a DSL, too; it is with the deputy, not with them.
    assert about_dana.reference in [c.code for c in reports.open_cases(actor(core, "Chris Chair"))]
    assert _following(core, "Chris Chair") == [about_head.reference]

    clock.advance(hours=1)
    reports.escalate_due()  # not acknowledged after an hour: now it is the headteacher's too
    assert _following(core, "Alex Head") == [for_dsls.reference, for_head.reference]
    with pytest.raises(AccessDenied):
        reports.cases_to_follow(actor(core, "Jo Teacher"))


def test_a_case_the_head_acknowledged_stays_theirs_to_follow(core: Core) -> None:
    receipt = core.reports.submit("inappropriate_post", TEXT, channel="console")  # to the headteacher and the DSLs
    assert _following(core, "Alex Head") == [receipt.reference]
    core.reports.acknowledge(receipt.reference, actor(core, "Alex Head"))
    assert _following(core, "Alex Head") == [receipt.reference]
    [case] = core.reports.cases_to_follow(actor(core, "Dana Lead"))
    assert (case.status, case.acknowledged_by) == ("acknowledged", "Alex Head")


def test_a_card_held_back_does_not_reach_a_dsl_who_has_left_meanwhile(slack_core: Core, clock: ManualClock) -> None:
    """Slack is down when an urgent concern comes in on Sam Deputy's last day, with Dana Lead away (so the case is
    Sam's); by the time Slack is back, Sam has left. The card about the case (its text) is withdrawn, not delivered to
    someone who may no longer open it; the DSL channel's still goes, and the case escalates as any unacknowledged
    one."""
    from tests.reports.conftest import deliver_all, notifiers

    core = slack_core
    core.people.set_away("Dana Lead", core.today() + dt.timedelta(days=14))
    core.people.set_leave_date("Sam Deputy", core.today() + dt.timedelta(days=1))
    receipt = core.reports.submit("child_at_risk", TEXT, channel="console")
    down = notifiers(failures=1_000)
    core.outbox.dispatch(down, core.reports.resolve_recipient)  # type: ignore[arg-type]
    with core.db.session() as session:
        queued = session.scalars(select(OutboxRow.key).where(OutboxRow.kind == "report_alert")).all()
    assert any("U0DSL00002" in key for key in queued)  # the case was Sam's
    clock.advance(days=1)
    up = notifiers()
    deliver_all(core, up, clock)
    assert {m.recipient.address for m in up["slack"].delivered if m.kind == "report_alert"} == {"C0DSLCHAN"}
    # (Sam's Home tab may still be redrawn: it is drawn as Sam may see it, without the case)
    assert not [m for m in up["slack"].delivered if m.recipient.address == "U0DSL00002" and m.kind.startswith("report")]
    with core.db.session() as session:
        withdrawn = session.scalars(select(OutboxRow).where(OutboxRow.status == "cancelled")).all()
    assert any("U0DSL00002" in row.key and row.kind == "report_alert" for row in withdrawn)
    assert all(receipt.code not in (row.last_error or "") for row in withdrawn)
