"""A report's journey through the core: submitted, routed (around anyone it names), handled, and seen by its sender."""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from pathlib import Path

import pytest
from pydantic import SecretStr
from sqlalchemy import select

from bot.config import PersonEntry, School
from bot.core import Core
from bot.outbox import OutboxRow
from bot.people import People
from bot.ports import REDRAW_HOME, ManualClock, OutboundMessage, Recipient
from bot.reports import ReceiptNotFound, ReplyAddress, ReportError
from bot.reports.domain import ACKNOWLEDGED, CLOSED, IN_PROGRESS, NEW, SENDER
from bot.reports.models import ReplyChannelRow, ReportRow
from bot.reports.receipts import ALPHABET, normalise, normalise_reference
from bot.reports.routing import HANDLER_ROLES
from bot.storage import Base
from tests.conftest import core_with, make_core
from tests.reports.conftest import actor, deliver_all, delivered, notifiers

TEXT = "A boy in Year 4 came in with bruises on his arms again and said his uncle gets angry."


def alerts(core: Core) -> list[OutboundMessage]:
    """Every message queued, but Slack's Home tab redraws (they say nothing: see test_home_redraws)."""
    with core.db.session() as session:
        rows = session.query(OutboxRow).where(OutboxRow.kind != REDRAW_HOME).order_by(OutboxRow.id)
        return [core.outbox.message(row) for row in rows]


def test_categories_come_from_data_with_the_999_notice(core: Core) -> None:
    keys = [c.key for c in core.reports.categories()]
    assert {"child_at_risk", "extremism", "online_abuse", "inappropriate_post", "staff_concern", "other"} <= set(keys)
    assert core.reports.category("child_at_risk").emergency_notice
    assert core.reports.category("child_at_risk").urgent
    assert not core.reports.category("other").urgent
    assert core.reports.emergency_notice().startswith("If a child is in immediate danger, call 999 now.")


def test_receipt_is_readable_and_unguessable(core: Core) -> None:
    receipt = core.reports.submit("other", TEXT, channel="console")
    groups = receipt.code.split("-")
    assert [len(g) for g in groups] == [4, 4, 4, 4]
    assert set("".join(groups)) <= set(ALPHABET)
    assert not set("0O1IL5S8B") & set(receipt.code)
    assert normalise(receipt.code.lower().replace("-", " ")) == receipt.code
    assert receipt.code in receipt.sender_text()
    assert "gone to the Designated Safeguarding Leads" in receipt.sender_text()
    # The case reference the school uses is of another shape, and is not given to the sender.
    assert re.fullmatch(r"R-[" + ALPHABET + "]{6}", receipt.reference)
    assert normalise_reference(receipt.reference.lower().replace("-", " ")) == receipt.reference
    assert normalise(receipt.reference) is None and receipt.reference not in receipt.sender_text()


def test_report_is_stored_encrypted_and_alert_queued_in_the_same_transaction(core: Core) -> None:
    receipt = core.reports.submit("child_at_risk", TEXT, channel="telegram")
    with core.db.session() as session:
        row = session.query(ReportRow).one()
        assert row.code == receipt.reference and row.status == NEW and row.urgent
        assert row.receipt_hash == hashlib.sha256(receipt.code.encode()).hexdigest()
        assert "bruises" not in row.text
    queued = alerts(core)
    assert [m.kind for m in queued] == ["report_alert"]
    alert = queued[0]
    assert alert.recipient == Recipient("console", "Dana Lead")  # no Slack configured: the console
    assert alert.ref == receipt.reference and alert.urgent
    assert TEXT in alert.text  # the school's setting is "full"
    assert alert.fields["Reference"] == receipt.reference and receipt.code not in str(alert)
    # "Open the report" too: the whole case, with notes and the sender's replies, where the DSL is
    actions = [b.action for b in alert.buttons]
    assert actions == ["report.ack", "report.view", "report.note", "report.ask", "report.close"]
    assert {b.value for b in alert.buttons} == {receipt.reference}
    assert alert.key == f"report:{receipt.reference}:alert:console:Dana Lead"


def test_with_slack_an_urgent_alert_goes_to_the_channel_and_each_dsl(slack_core: Core) -> None:
    slack_core.reports.submit("child_at_risk", TEXT, channel="slack")
    targets = {m.recipient for m in alerts(slack_core)}
    assert targets == {Recipient("slack", "C0DSLCHAN"), Recipient("slack", "U0DSL00001")}


def test_a_routine_report_goes_to_the_channel_only(slack_core: Core) -> None:
    receipt = slack_core.reports.submit("online_abuse", TEXT, channel="slack")
    assert {m.recipient for m in alerts(slack_core)} == {Recipient("slack", "C0DSLCHAN")}
    routed = slack_core.reports.case(receipt.reference, actor(slack_core, "Dana Lead")).events[1]
    assert routed.detail == "Alerted: the DSL channel"  # not "Alerted: Dana Lead", who was sent nothing herself


def test_the_chronology_says_who_was_alerted_directly_besides_the_channel(slack_core: Core) -> None:
    receipt = slack_core.reports.submit("child_at_risk", TEXT, channel="slack")
    routed = slack_core.reports.case(receipt.reference, actor(slack_core, "Dana Lead")).events[1]
    assert routed.detail == "Alerted: the DSL channel, and Dana Lead directly"


def test_the_headteacher_on_a_route_hears_by_dm_not_only_in_the_dsls_channel(slack_core: Core) -> None:
    slack_core.reports.submit("inappropriate_post", TEXT, channel="slack")
    expected = {Recipient("slack", "C0DSLCHAN"), Recipient("slack", "U0HEAD0001")}
    assert {m.recipient for m in alerts(slack_core)} == expected


def test_contentless_alerts_carry_no_report_text(core: Core) -> None:
    core.school.alert_contents = "contentless"
    receipt = core.reports.submit("child_at_risk", TEXT, channel="console")
    alert = alerts(core)[0]
    assert "bruises" not in alert.text and "bruises" not in str(alert.fields)
    assert receipt.reference in alert.text and "A child at risk" in alert.text and receipt.code not in alert.text
    assert "report.view" in [b.action for b in alert.buttons]
    # the console has no buttons
    assert f"Open it on the server: policybot reports show {receipt.reference}" in alert.text


def test_a_contentless_alert_in_slack_points_to_its_button_not_the_server(slack_core: Core) -> None:
    slack_core.school.alert_contents = "contentless"
    slack_core.reports.submit("online_abuse", TEXT, channel="slack")
    [alert] = alerts(slack_core)
    assert "Open it with the button below." in alert.text and "policybot" not in alert.text


@pytest.mark.parametrize("on_slack", [True, False])
def test_a_contentless_alert_on_telegram_says_where_to_read_it_not_to_press_a_button(
    slack_core: Core, on_slack: bool
) -> None:
    """Telegram's only button on a card is Acknowledge: its card must say where the report itself can be read."""
    slack_core.school.alert_contents = "contentless"
    name = "Dana Lead" if on_slack else "Kit Lead"  # Kit has no Slack id
    with slack_core.db.session() as session:
        slack_core.people.upsert(session, PersonEntry(name=name, roles=["dsl", "staff"], telegram_chat_id=900001))
    receipt = slack_core.reports.submit("child_at_risk", TEXT, channel="slack")
    slack_core.reports.acknowledge(receipt.reference, actor(slack_core, name))
    cards = [m for m in alerts(slack_core) if m.recipient == Recipient("telegram", "900001")]
    assert [m.kind for m in cards] == ["report_alert", "report_update"]  # the second has no button at all
    alert, update = (card.text for card in cards)
    assert "Acknowledge it with the button below." in alert  # the one button it has, while nobody has pressed it
    assert "button" not in update
    where = (
        "open the report's alert in Slack."
        if on_slack
        else f'type on the bot\'s server: policybot reports show {receipt.reference} --as "{name}" (then reports '
        "note, ask or close, in the same way)."
    )
    assert alert.endswith(where) and update.endswith(where)


@pytest.mark.parametrize("on_slack", [True, False])
def test_a_closed_case_on_telegram_says_what_can_still_be_done_with_it(slack_core: Core, on_slack: bool) -> None:
    """Once closed, a case takes notes and can be re-opened, as its Slack card's buttons say: its Telegram card names
    those, not asking the sender or closing it (both refused now), and says so again once it is re-opened. (Without
    the report's text on cards: with it, the card's own buttons do all of it, see in_words.)"""
    slack_core.school.alert_contents = "contentless"
    name = "Dana Lead" if on_slack else "Kit Lead"  # Kit has no Slack id
    with slack_core.db.session() as session:
        slack_core.people.upsert(session, PersonEntry(name=name, roles=["dsl", "staff"], telegram_chat_id=900001))
    receipt = slack_core.reports.submit("child_at_risk", TEXT, channel="slack")
    slack_core.reports.close(receipt.reference, actor(slack_core, name), "Spoke to the family.")
    slack_core.reports.reopen(receipt.reference, actor(slack_core, "Sam Deputy"), "The family rang again.")
    cards = [m for m in alerts(slack_core) if m.recipient == Recipient("telegram", "900001")]
    closed, reopened = (card.text for card in cards[-2:])
    assert closed.startswith("Closed by") and reopened.startswith("Re-opened by")
    if on_slack:
        assert closed.endswith("To read all of it, add a note or re-open it, open the report's alert in Slack.")
    else:
        assert closed.endswith(
            f'To read all of it, add a note or re-open it, type on the bot\'s server: policybot reports show '
            f'{receipt.reference} --as "{name}" (then reports note or reopen, in the same way).')
    assert "ask the sender a question or close it" in reopened


def test_a_long_report_on_telegram_says_where_to_read_the_rest(slack_core: Core) -> None:
    """A card quoting a long report is cut short: on Telegram its buttons open the rest there (Slack's opens it)."""
    with slack_core.db.session() as session:
        slack_core.people.upsert(session, PersonEntry(name="Kit Lead", roles=["dsl", "staff"], telegram_chat_id=900001))
    slack_core.reports.submit("child_at_risk", TEXT + " And more." * 400, channel="slack")
    cards = {m.recipient.platform: m for m in alerts(slack_core) if m.kind == "report_alert"}
    assert cards["telegram"].text.split("\n\n")[-2:] == [
        "(The report continues.)",
        "Acknowledge it with the first button below; the others open the whole report and act on it, here."]
    assert [b.action for b in cards["telegram"].buttons] == [
        "report.ack", "report.view", "report.note", "report.ask", "report.close"]
    assert cards["slack"].text.endswith("(The report continues: open it to read all of it.)")  # its button opens it


def test_a_closed_contentless_card_keeps_its_button_and_keeps_the_outcome_in_the_report(slack_core: Core) -> None:
    slack_core.school.alert_contents = "contentless"
    receipt = slack_core.reports.submit("online_abuse", TEXT, channel="slack")
    slack_core.reports.close(receipt.reference, actor(slack_core, "Dana Lead"), "Spoke to the parents; it has stopped.")
    card = alerts(slack_core)[-1]
    assert "The outcome (not shared with the sender) is in the report." in card.text and "parents" not in card.text
    assert "Open it with the button below." in card.text
    assert "report.view" in [b.action for b in card.buttons]


def test_a_long_outcome_is_shown_before_the_report_and_cut_short(core: Core) -> None:
    receipt = core.reports.submit("other", "Details. " * 400, channel="console")
    core.reports.close(receipt.reference, actor(core, "Dana Lead"), "Done. " * 300)
    card = alerts(core)[-1].text.splitlines()
    assert card[0] == "Closed by Dana Lead."
    assert card[1].startswith("Outcome (not shared with the sender): Done.")
    assert card[1].endswith("[...] (open the report to read all of it)")
    assert len(card[1]) < 1_100


def test_a_headteacher_reporting_by_name_is_not_taken_for_the_subject(core: Core) -> None:
    receipt = core.reports.submit("staff_concern", TEXT, channel="slack", reported_by="Alex Head")
    assert {m.recipient.address for m in alerts(core)} == {"Alex Head"}  # not passed to the chair as if conflicted
    head = core.reports.actor(name="Alex Head")
    assert head is not None
    case = core.reports.case(receipt.reference, head)  # and the head can open their own report
    assert case.text.endswith("(Reported by Alex Head, who chose not to stay anonymous.)")
    assert "Kept away" not in " ".join(e.detail or "" for e in case.events)


def test_the_sender_of_a_concern_about_the_head_is_not_told_a_dsl_has_it(core: Core) -> None:
    receipt = core.reports.submit("headteacher_concern", TEXT, channel="telegram")
    assert "Chair of Governors" in receipt.sender_text()
    status = core.reports.sender_status(receipt.code, requester="r").text()
    assert "Safeguarding" not in status and "arrived safely" in status


@pytest.mark.parametrize(
    ("category", "expected"),
    [
        ("staff_concern", {"Alex Head"}),
        ("headteacher_concern", {"Chris Chair"}),
        ("inappropriate_post", {"Alex Head", "Dana Lead"}),
        ("extremism", {"Dana Lead"}),
    ],
)
def test_routes_live_in_data(core: Core, category: str, expected: set[str]) -> None:
    core.reports.submit(category, TEXT, channel="console")
    assert {m.recipient.address for m in alerts(core)} == expected


def test_a_report_naming_the_dsl_goes_around_them(core: Core) -> None:
    receipt = core.reports.submit(
        "child_at_risk", "I am worried about how Dana Lead spoke to a child.", channel="console"
    )
    assert {m.recipient.address for m in alerts(core)} == {"Sam Deputy"}
    assert "Deputy" in receipt.sender_text()
    dana, sam = actor(core, "Dana Lead"), actor(core, "Sam Deputy")
    assert [c.code for c in core.reports.open_cases(sam)] == [receipt.reference]
    assert core.reports.open_cases(dana) == []


@pytest.mark.parametrize(
    "text",
    [
        "Mrs Lead (our DSL) was alone with a pupil and locked the door.",
        "Dana, the safeguarding lead, shouted at a pupil and grabbed his arm.",
        "Ms D. Lead follows kids on insta",
        "D. Lead shouted at my son in the playground.",
        "DANA SHOUTED AT MY SON IN THE PLAYGROUND",
    ],
)
def test_a_dsl_named_without_their_full_name_is_kept_away(core: Core, text: str) -> None:
    receipt = core.reports.submit("child_at_risk", text, channel="console")
    assert {m.recipient.address for m in alerts(core)} == {"Sam Deputy"}
    assert core.reports.open_cases(actor(core, "Dana Lead")) == []
    assert "has gone to the Deputy Designated Safeguarding Leads." in receipt.sender_text()


def test_a_reply_naming_a_dsl_keeps_the_case_from_them_from_then_on(core: Core) -> None:
    text = "An adult at school keeps messaging a Year 5 pupil."
    receipt = core.reports.submit("child_at_risk", text, channel="console")
    dana, sam = actor(core, "Dana Lead"), actor(core, "Sam Deputy")
    core.reports.ask_sender(receipt.reference, dana, "Which adult was it?")
    assert [c.code for c in core.reports.open_cases(sam)] == [receipt.reference]
    core.reports.sender_reply(receipt.code, "It was Mr Deputy.", requester="r")
    assert core.reports.open_cases(sam) == []
    with pytest.raises(ReportError):
        core.reports.close(receipt.reference, sam, "Nothing in it.")
    case = core.reports.case(receipt.reference, dana)
    assert any(e.detail == "Kept away (named in a reply): Sam Deputy" for e in case.events)
    updates = [m for m in alerts(core) if m.kind == "report_update"]
    assert updates[-1].recipient.address == "Dana Lead"  # the news of the reply goes to Dana only


def test_a_reply_naming_who_acknowledged_the_case_gives_it_back_to_the_others(core: Core, clock: ManualClock) -> None:
    """Dana acknowledged it, then the sender names her: it must not stay "acknowledged by Dana" with nobody able to
    act on it. It is unacknowledged again, the deputy's card says why it is now theirs, and escalation restarts."""
    receipt = core.reports.submit("child_at_risk", "A child told me an adult at school hurt her.", channel="console")
    dana, sam = actor(core, "Dana Lead"), actor(core, "Sam Deputy")
    clock.advance(minutes=2)
    core.reports.acknowledge(receipt.reference, dana)
    clock.advance(minutes=28)
    core.reports.sender_reply(receipt.code, "The adult was Mrs Lead.", requester="r")
    case = core.reports.case(receipt.reference, sam)
    assert (case.status, case.acknowledged_by) == (NEW, None)
    assert case.events[-2].detail == (
        "Kept away (named in a reply): Dana Lead. Dana Lead had acknowledged it: it is unacknowledged again, and "
        "escalates again from now"
    )
    card = [m for m in alerts(core) if m.kind == "report_update"][-1]
    assert card.recipient.address == "Sam Deputy"
    assert card.text.startswith("The sender has replied, naming Dana Lead, who had acknowledged this case. It is "
                                "kept from them now, so it is with you: please acknowledge it.")
    assert "Acknowledged by" not in card.fields and card.buttons[0].label == "Acknowledge"
    # The escalation clock starts again from the reply: the headteacher has an hour from now, not from the report.
    assert core.reports.escalate_due() == 0
    clock.advance(minutes=59)
    core.reports.escalate_due()
    assert not [m for m in alerts(core) if m.kind == "report_escalation" and m.recipient.address == "Alex Head"]
    clock.advance(minutes=1)
    core.reports.escalate_due()
    assert [m for m in alerts(core) if m.kind == "report_escalation" and m.recipient.address == "Alex Head"]


def test_a_case_named_in_a_reply_leaves_the_dsl_channel_with_a_last_card(slack_core: Core) -> None:
    """The channel's card would otherwise stay "acknowledged", with working buttons, for a case now handled by
    direct message. Its last update says where the case went, not why: a named DSL may be reading the channel."""
    receipt = slack_core.reports.submit("online_abuse", "Messages from an adult to a pupil.", channel="slack")
    slack_core.reports.acknowledge(receipt.reference, actor(slack_core, "Dana Lead"))
    slack_core.reports.sender_reply(receipt.code, "It was Mrs Lead who sent them.", requester="r")
    to_channel = [m for m in alerts(slack_core) if m.recipient == Recipient("slack", "C0DSLCHAN")]
    last = to_channel[-1]
    assert last.kind == "report_update" and last.buttons == ()
    assert "moved to direct messages" in last.text and "Lead" not in last.text
    assert last.slot == to_channel[-2].slot  # it replaces the card there
    slack_core.reports.add_note(receipt.reference, actor(slack_core, "Sam Deputy"), "Called the LADO.")
    assert [m for m in alerts(slack_core) if m.recipient == Recipient("slack", "C0DSLCHAN")][-1] == last


def test_the_card_of_whoever_a_reply_names_loses_the_report_and_its_buttons(slack_core: Core) -> None:
    """Dana's own DM card of an urgent case stayed live after a reply named her: it still showed the report, and
    its buttons only recorded refusals ("tried ... without access: Dana Lead, 3 times"). Its last update says where
    the case is, not why. Someone named who was never sent the case is sent nothing now."""
    text = "A child told me an adult at school hurt her."
    receipt = slack_core.reports.submit("child_at_risk", text, channel="slack")
    slack_core.reports.acknowledge(receipt.reference, actor(slack_core, "Dana Lead"))
    slack_core.reports.sender_reply(receipt.code, "The adult was Mrs Lead, or maybe Mr Head.", requester="r")
    dana = [m for m in alerts(slack_core) if m.recipient == Recipient("slack", "U0DSL00001")]
    last = dana[-1]
    assert last.kind == "report_update" and last.buttons == () and last.slot == dana[-2].slot
    assert "now with others at the school who handle concerns" in last.text
    assert "hurt" not in last.text and "Mrs Lead" not in last.text and "named" not in last.text
    assert not [m for m in alerts(slack_core) if m.recipient.address == "U0HEAD0001"]  # never had it: told nothing
    slack_core.reports.add_note(receipt.reference, actor(slack_core, "Sam Deputy"), "Called the LADO.")
    assert [m for m in alerts(slack_core) if m.recipient == Recipient("slack", "U0DSL00001")][-1] == last


def test_the_sender_is_told_of_the_person_or_the_people_their_report_went_to(core: Core) -> None:
    """A report sent to the headteacher and the DSLs read "waiting to be opened by the person it went to"."""
    to_two = core.reports.submit("inappropriate_post", "A post shows pupils' faces.", channel="console")
    to_one = core.reports.submit("headteacher_concern", "A worry about the head's posts.", channel="console")
    status = core.reports.sender_status
    assert status(to_two.code, requester="r").status_text == (
        "Your report has arrived safely and is waiting to be opened by the people it went to.")
    assert status(to_one.code, requester="r").status_text == (
        "Your report has arrived safely and is waiting to be opened by the person it went to.")
    core.reports.acknowledge(to_two.reference, actor(core, "Alex Head"))
    core.reports.acknowledge(to_one.reference, actor(core, "Chris Chair"))
    view = status(to_two.code, requester="r")
    assert view.status_text == "One of the people your report went to has opened it and is looking at it."
    assert "Alex" not in view.text() and "Head" not in view.text()
    assert status(to_one.code, requester="r").status_text == (
        "The person your report went to has opened it and is looking at it.")


def test_a_sender_whose_reply_gave_the_case_to_others_is_not_told_it_went_backwards(core: Core) -> None:
    receipt = core.reports.submit("child_at_risk", "A child told me an adult at school hurt her.", channel="console")
    core.reports.acknowledge(receipt.reference, actor(core, "Dana Lead"))
    assert "opened it" in core.reports.sender_status(receipt.code, requester="r").status_text
    view = core.reports.sender_reply(receipt.code, "The adult was Mrs Lead.", requester="r")
    assert view.status_text == "Your report is with someone else at the school now, and is waiting for them to open it."
    assert "Lead" not in view.text() and "named" not in view.text()
    core.reports.acknowledge(receipt.reference, actor(core, "Sam Deputy"))
    assert "opened it" in core.reports.sender_status(receipt.code, requester="r").status_text


def test_the_same_reply_sent_again_moments_later_is_not_added_twice(core: Core, clock: ManualClock) -> None:
    """A sender whose confirmation never arrived sends their reply again: the report must not hold it twice, nor
    everyone handling it be told twice. The same words later on are a new reply."""
    receipt = core.reports.submit("child_at_risk", "A child told me an adult at school hurt her.", channel="console")
    core.reports.sender_reply(receipt.code, "It happened on Tuesday.", requester="r")
    told = len(alerts(core))
    clock.advance(minutes=3)
    with pytest.raises(ReportError, match="That reply is already in your report"):
        core.reports.sender_reply(receipt.code, " It happened on Tuesday. ", requester="r")
    assert len(alerts(core)) == told
    clock.advance(minutes=11)
    core.reports.sender_reply(receipt.code, "It happened on Tuesday.", requester="r")
    events = core.reports.case(receipt.reference, actor(core, "Dana Lead")).events
    assert [e.detail for e in events if e.action == "replied"] == ["It happened on Tuesday."] * 2


def test_the_same_words_answering_a_new_question_are_a_new_reply(core: Core, clock: ManualClock) -> None:
    receipt = core.reports.submit("child_at_risk", "A child told me an adult at school hurt her.", channel="console")
    sam = actor(core, "Sam Deputy")
    core.reports.ask_sender(receipt.reference, sam, "Was it at school?")
    core.reports.sender_reply(receipt.code, "Yes", requester="r")
    clock.advance(minutes=2)
    core.reports.ask_sender(receipt.reference, sam, "Did anyone else see it?")
    core.reports.sender_reply(receipt.code, "Yes", requester="r")
    events = core.reports.case(receipt.reference, actor(core, "Dana Lead")).events
    assert [e.detail for e in events if e.action == "replied"] == ["Yes", "Yes"]


def test_a_report_naming_the_headteacher_goes_to_the_chair_not_the_head(core: Core) -> None:
    core.reports.submit("inappropriate_post", TEXT, channel="console", named_people=["Alex Head"])
    assert {m.recipient.address for m in alerts(core)} == {"Dana Lead", "Chris Chair"}
    assert core.reports.open_cases(actor(core, "Alex Head")) == []
    assert len(core.reports.open_cases(actor(core, "Chris Chair"))) == 1


def _stored(core: Core) -> int:
    with core.db.session() as session:
        return session.query(ReportRow).count() + session.query(OutboxRow).count()


@pytest.mark.parametrize(("text", "named"), [
    ("I told Dana, Sam, Mr Head and Chris Chair and nobody did anything.", []),
    ("Someone at school is posting pictures of pupils.", ["Dana Lead", "Sam Deputy", "Alex Head", "Chris Chair"]),
])
def test_a_report_naming_everyone_who_receives_reports_is_refused_with_where_to_go(
    core: Core, text: str, named: list[str]
) -> None:
    """Stored, it would reach nobody and nobody could open it, with a receipt saying it had gone to the DSLs."""
    with pytest.raises(ReportError) as refused:
        core.reports.submit("child_at_risk", text, channel="console", named_people=named)
    said = str(refused.value)
    assert "cannot be sent" in said and "Nothing has been sent" in said and "999" in said
    assert "Local Authority Designated Officer (LADO), 0116 000 0001" in said  # the school file's outside contact
    assert "Dana" not in said  # roles, not names
    assert _stored(core) == 0


def test_a_report_with_nobody_set_up_to_receive_it_is_refused_with_the_office(core: Core) -> None:
    for name in ("Dana Lead", "Sam Deputy", "Alex Head", "Chris Chair"):
        core.people.set_roles(name, ["staff"])
    with pytest.raises(ReportError, match="(?s)has not yet set up who receives reports.*0116 000 0000"):
        core.reports.submit("other", TEXT, channel="console")
    assert _stored(core) == 0


def test_a_conflicted_report_never_uses_the_shared_channel(slack_core: Core) -> None:
    slack_core.reports.submit("online_abuse", "Dana Lead ignored my complaint.", channel="slack")
    assert {m.recipient for m in alerts(slack_core)} == {Recipient("slack", "U0DSL00002")}


def test_a_closed_reports_sender_is_forgotten_once_the_news_of_its_closing_has_gone(
    core: Core, clock: ManualClock
) -> None:
    reports, dana = core.reports, actor(core, "Dana Lead")
    closing = reports.submit("other", TEXT, channel="telegram", reply_to=ReplyAddress("telegram", "4242"))
    still_open = reports.submit("other", TEXT, channel="telegram", reply_to=ReplyAddress("telegram", "4343"))
    reports.close(closing.reference, dana, "Spoken to the family.", share_with_sender=True)
    core.schedule.run_due()  # the news of the closing has not gone yet: the address is still needed for it
    assert reports.resolve_recipient(Recipient("telegram", f"reply:{closing.reference}")) == Recipient(
        "telegram", "4242")

    recorders = notifiers()
    deliver_all(core, recorders, clock)
    assert any("Spoken to the family." in m.text for m in delivered(recorders))
    core.schedule.run_due()
    assert reports.resolve_recipient(Recipient("telegram", f"reply:{closing.reference}")) is None
    assert reports.resolve_recipient(Recipient("telegram", f"reply:{still_open.reference}")) == Recipient(
        "telegram", "4343")
    assert reports.sender_status(closing.code, requester="r").closed_outcome == "Spoken to the family."
    case = reports.case(closing.reference, dana)
    assert case.chain_ok and not case.can_contact_sender
    assert [(e.actor, e.detail) for e in case.events if e.action == "reply channel removed"] == [
        ("System", "The report is closed.")
    ]
    assert _receipts_kept_in_the_outbox(core, closing.code) == 0  # what it was told named the receipt
    assert _receipts_kept_in_the_outbox(core, still_open.code) == 0  # it was never sent anything


def _receipts_kept_in_the_outbox(core: Core, receipt: str) -> int:
    """How many stored outbox messages still name a receipt code (in their text or fields)."""
    with core.db.session() as session:
        rows = session.scalars(select(OutboxRow).where(OutboxRow.payload != "")).all()
        return sum(receipt in repr(core.outbox.message(row).to_json()) for row in rows)


def test_dsl_journey_and_the_sender_follows_it_anonymously(core: Core, clock: ManualClock) -> None:
    reports = core.reports
    receipt = reports.submit("child_at_risk", TEXT, channel="telegram", reply_to=ReplyAddress("telegram", "4242"))
    dana = actor(core, "Dana Lead")
    assert reports.sender_status(receipt.code, requester="r").status == "received"

    assert reports.acknowledge(receipt.reference, dana).status == ACKNOWLEDGED
    assert reports.acknowledge(receipt.reference, dana).acknowledged_by == "Dana Lead"  # twice is harmless
    assert reports.sender_status(receipt.code, requester="r").status == "being looked at"

    reports.ask_sender(receipt.reference, dana, "Which class is he in?")
    view = reports.sender_status(receipt.code.lower(), requester="r")
    assert "The school asks: Which class is he in?" in view.text()
    assert "Dana" not in view.text()  # the sender is not told who is handling it

    reports.sender_reply(receipt.code, "Class 4B", requester="r")
    assert all(q.answered for q in reports.sender_status(receipt.code, requester="r").questions)
    case = reports.case(receipt.reference, dana)
    assert case.status == IN_PROGRESS and case.text == TEXT and case.can_contact_sender
    assert any(e.action == "replied" and e.detail == "Class 4B" for e in case.events)

    reports.add_note(receipt.reference, dana, "Spoke to the class teacher.")
    closed = reports.close(receipt.reference, dana, "Referred to children's social care.")
    assert closed.status == CLOSED and closed.outcome == "Referred to children's social care."
    sender_view = reports.sender_status(receipt.code, requester="r")
    assert sender_view.status == "closed" and sender_view.closed_outcome is None  # not shared unless chosen
    assert sender_view.can_reply  # what they add goes to the closed case (see the test of writing after closing)

    # The sender hears each step at the address kept for them, resolved only at delivery.
    recorders = notifiers()
    deliver_all(core, recorders, clock)
    to_sender = [m for m in delivered(recorders) if m.kind == "sender_update"]
    assert {m.recipient for m in to_sender} == {Recipient("telegram", "4242")}
    # Each names the sender's receipt (how they check and answer), never the school's case reference.
    assert all(receipt.code in m.text and receipt.reference not in m.text for m in to_sender)
    assert any("Which class is he in?" in m.text for m in to_sender)
    assert any("finished looking into your report" in m.text and "please make a new report" in m.text
               for m in to_sender)  # what to do if something new happens
    assert "please make a new report" in reports.sender_status(receipt.code, requester="r").text()
    assert "referred" not in " ".join(m.text.lower() for m in to_sender)
    updates = [m for m in delivered(recorders) if m.kind == "report_update"]
    assert updates and all(m.ref == receipt.reference and receipt.code not in str(m) for m in updates)
    # A closed case can still be read and noted where the DSL is, and its card says how it ended.
    # ... and re-opened, should something new come to light.
    assert [b.action for b in updates[-1].buttons] == ["report.view", "report.note", "report.reopen"]
    assert "Outcome (not shared with the sender): Referred to children's social care." in updates[-1].text


def test_only_news_from_the_sender_notifies_those_handling_the_case(core: Core) -> None:
    """A DSL's own step edits the card quietly; the sender's reply is news, said so the DSLs are notified."""
    receipt = core.reports.submit("other", TEXT, channel="console")
    dana = actor(core, "Dana Lead")
    core.reports.acknowledge(receipt.reference, dana)
    core.reports.ask_sender(receipt.reference, dana, "Which class?")
    assert [m.ping for m in alerts(core) if m.kind == "report_update"] == [None, None]
    core.reports.sender_reply(receipt.code, "4B", requester="r")
    news = [m.ping for m in alerts(core) if m.kind == "report_update"][2:]
    said = f"The sender has replied (report {receipt.reference}). Open the report to read it."
    assert news and all(p == said for p in news)
    assert "4B" not in str(news)  # the words themselves stay in the case


def test_a_shared_outcome_reaches_the_sender(core: Core) -> None:
    receipt = core.reports.submit("other", TEXT, channel="console")
    core.reports.close(receipt.reference, actor(core, "Dana Lead"), "We spoke to the family.", share_with_sender=True)
    assert core.reports.sender_status(receipt.code, requester="r").closed_outcome == "We spoke to the family."
    # Those handling it see that the sender was told.
    assert "Outcome (shared with the sender): We spoke to the family." in alerts(core)[-1].text
    assert core.reports.case(receipt.reference, actor(core, "Sam Deputy")).outcome_label() == (
        "Outcome (shared with the sender)")


@pytest.mark.parametrize(
    ("reachable", "share", "said"),
    [
        (True, True, "The sender has been sent the outcome, and can read it again with their receipt code."),
        (True, False, "The sender has been told it is closed, without the outcome."),
        (False, True, "There is no way to reach the sender: they will read the outcome if they check their report "
                      "with its receipt code."),
        (False, False, "There is no way to reach the sender: they will see it is closed, without the outcome, if "
                       "they check their report with its receipt code."),
    ],
)
def test_whoever_closes_a_case_is_told_exactly_what_its_sender_gets(
    core: Core, reachable: bool, share: bool, said: str
) -> None:
    """Slack said "The sender can read the outcome with their receipt code" to a DSL whose outcome had also been sent
    to the sender; `reports close --share` said only "is closed". Both now say this."""
    reply_to = ReplyAddress("telegram", "4242") if reachable else None
    receipt = core.reports.submit("other", TEXT, channel="telegram", reply_to=reply_to)
    view = core.reports.close(receipt.reference, actor(core, "Dana Lead"), "We spoke to the family.",
                              share_with_sender=share)
    assert view.closed_text() == f"Report {receipt.reference} is closed. {said}"
    sent = [m.text for m in alerts(core) if m.kind == "sender_update"]
    assert len(sent) == reachable and all(("We spoke to the family." in m) == share for m in sent)


@pytest.mark.parametrize(
    ("reachable", "said"),
    [
        (True, "Your question has been sent to the sender of report {ref}. Their answer will appear in the case."),
        (False, "Your question is saved with report {ref}. There is no way to reach this sender, so they will see it "
                "only when they check their report with its receipt code. Their answer will appear in the case."),
    ],
)
def test_whoever_asks_the_sender_a_question_is_told_whether_it_reached_them(
    core: Core, reachable: bool, said: str
) -> None:
    """Slack said "Your question has been sent to the sender ... (Open the report)", `reports ask` "Question added to
    report ... It has been sent to them too.": one meaning in two wordings. Both now say this."""
    reply_to = ReplyAddress("telegram", "4242") if reachable else None
    receipt = core.reports.submit("other", TEXT, channel="telegram", reply_to=reply_to)
    view = core.reports.ask_sender(receipt.reference, actor(core, "Dana Lead"), "Which class?")
    assert view.asked_text() == said.format(ref=receipt.reference)
    assert len([m for m in alerts(core) if m.kind == "sender_update"]) == reachable


def test_a_question_on_a_case_nobody_had_opened_is_one_message_saying_it_has_been_opened(core: Core) -> None:
    """Asking acknowledges the case too: a sender with a reply channel got "has been opened" and the question at
    once. The question says it has been opened; a question on an opened case, or an acknowledgement, is as before."""
    dana = actor(core, "Dana Lead")
    first = core.reports.submit("other", TEXT, channel="telegram", reply_to=ReplyAddress("telegram", "4242"))
    core.reports.ask_sender(first.reference, dana, "Which class?")
    [asked] = [m for m in alerts(core) if m.kind == "sender_update"]
    assert asked.asks and asked.text.startswith(
        f"Your report {first.code} has been opened, and the school has a question about it:\n\nWhich class?")
    assert core.reports.case(first.reference, dana).acknowledged_by == "Dana Lead"
    second = core.reports.submit("other", TEXT, channel="telegram", reply_to=ReplyAddress("telegram", "4343"))
    core.reports.acknowledge(second.reference, dana)
    core.reports.ask_sender(second.reference, dana, "Which day?")
    news = [m.text for m in alerts(core) if m.kind == "sender_update"][1:]
    assert news[0] == f"Your report {second.code} has been opened and is being looked at."
    assert news[1].startswith(f"The school has a question about your report {second.code}:\n\nWhich day?")


def test_a_sender_who_keeps_nothing_gets_no_messages(core: Core, clock: ManualClock) -> None:
    receipt = core.reports.submit("other", TEXT, channel="console")
    core.reports.ask_sender(receipt.reference, actor(core, "Dana Lead"), "Which class?")
    assert not any(m.kind == "sender_update" for m in alerts(core))
    assert "Which class?" in core.reports.sender_status(receipt.code, requester="r").text()


def test_the_sender_can_remove_their_reply_channel(core: Core, clock: ManualClock) -> None:
    receipt = core.reports.submit("other", TEXT, channel="telegram", reply_to=ReplyAddress("telegram", "4242"))
    dana = actor(core, "Dana Lead")
    core.reports.acknowledge(receipt.reference, dana)
    deliver_all(core, notifiers(), clock)  # "your report has been opened", naming the receipt, has gone
    core.reports.ask_sender(receipt.reference, dana, "Which class?")  # still waiting to go
    reply = Recipient("telegram", f"reply:{receipt.reference}")
    assert core.reports.resolve_recipient(reply) == Recipient("telegram", "4242")
    assert core.reports.sender_status(receipt.code, requester="r").keeps_reply_channel
    with pytest.raises(ReportError, match="another chat"):  # someone else with the code cannot cut the sender off
        core.reports.forget_reply_channel(receipt.code, requester="r", asked_from=ReplyAddress("telegram", "99"))
    assert core.reports.forget_reply_channel(receipt.code, requester="r", asked_from=ReplyAddress("telegram", "4242"))
    assert core.reports.resolve_recipient(Recipient("telegram", f"reply:{receipt.reference}")) is None
    assert not core.reports.sender_status(receipt.code, requester="r").keeps_reply_channel
    assert not core.reports.forget_reply_channel(receipt.code, requester="r")  # nothing left to forget
    with core.db.session() as session:
        assert session.query(ReplyChannelRow).count() == 0
    assert _receipts_kept_in_the_outbox(core, receipt.code) == 0
    recorders = notifiers()
    deliver_all(core, recorders, clock)
    assert [m for m in delivered(recorders) if m.kind == "sender_update"] == []  # the question waiting is not sent


def test_a_case_reference_opens_nothing_on_the_senders_side(core: Core) -> None:
    """The DSLs see the case reference everywhere: typed as a receipt ("/checkreport R-... I withdraw this"), it is
    no receipt code, and nobody can read the sender's view or speak as the sender with it."""
    receipt = core.reports.submit("other", TEXT, channel="telegram", reply_to=ReplyAddress("telegram", "4242"))
    for typed in (receipt.reference, receipt.reference.lower().replace("-", "")):
        # Said what it is, by its shape alone (so the same for a reference that names no case); nothing is looked
        # up, so it is not counted as a guess at a receipt.
        with pytest.raises(ReceiptNotFound, match="^That is a case reference, which the people handling a report use"):
            core.reports.sender_status(typed, requester="dsl")
        with pytest.raises(ReceiptNotFound):
            core.reports.sender_reply(typed, "I withdraw this report.", requester="dsl")
    with pytest.raises(ReceiptNotFound):
        core.reports.forget_reply_channel(receipt.reference, requester="dsl")
    for _ in range(6):  # not counted: the receipt still opens the report at once after many
        with pytest.raises(ReceiptNotFound, match="use the receipt code you were given when you sent it"):
            core.reports.sender_status("R-ACDEFG", requester="dsl")
    assert core.reports.sender_status(receipt.code, requester="dsl").code == receipt.code
    with pytest.raises(ReceiptNotFound, match="^I could not find a report with that receipt code"):
        core.reports.sender_status("ACDE-FGHJ-KMNP-RTWX", requester="other")
    events = core.reports.case(receipt.reference, actor(core, "Dana Lead")).events
    assert not [e for e in events if e.actor == "Sender" and e.action != "reported"]
    # The sender's receipt still opens it.
    assert core.reports.sender_reply(receipt.code, "It was Year 4.", requester="r").code == receipt.code
    assert core.reports.sender_status(receipt.code, requester="r").keeps_reply_channel


def test_no_table_holds_the_receipt_in_plain_text(core: Core, clock: ManualClock) -> None:
    """A database backup without the key gives nobody a sender's receipt: every row of every table, as stored, after
    a report kept with a reply channel, a DSL's question, the sender's answer, the close and the news of each."""
    receipt = core.reports.submit("child_at_risk", TEXT, channel="telegram", reply_to=ReplyAddress("telegram", "4242"))
    dana = actor(core, "Dana Lead")
    core.reports.ask_sender(receipt.reference, dana, "Which class is he in?")
    core.reports.sender_reply(receipt.code, "Class 4B.", requester="r")
    core.reports.close(receipt.reference, dana, "Referred.", share_with_sender=True)
    recorders = notifiers()
    deliver_all(core, recorders, clock)
    news = [m for m in delivered(recorders) if m.kind == "sender_update"]
    assert len(news) == 2 and all(receipt.code in m.text for m in news)  # the sender is told it, each time
    with core.db.session() as session:
        assert session.query(ReplyChannelRow).count() == 1  # kept until the minute job forgets it
        stored = "\n".join(
            str(tuple(row)) for table in Base.metadata.sorted_tables for row in session.execute(select(table)).all()
        )
    assert receipt.reference in stored and "Class 4B" not in stored  # (the dump does hold the rows)
    for form in (receipt.code, receipt.code.replace("-", ""), receipt.code.lower()):
        assert form not in stored


def test_closing_twice_and_asking_after_closing_are_refused_kindly(core: Core) -> None:
    receipt = core.reports.submit("other", TEXT, channel="console")
    dana = actor(core, "Dana Lead")
    core.reports.close(receipt.reference, dana, "Resolved with the class teacher.")
    with pytest.raises(ReportError, match="already closed"):
        core.reports.close(receipt.reference, dana, "again")
    with pytest.raises(ReportError, match="closed"):
        core.reports.ask_sender(receipt.reference, dana, "More?")
    core.reports.add_note(receipt.reference, dana, "Correction: it was Year 5.")  # the record can still grow


def test_key_rotation_re_encrypts_everything_and_keeps_the_chain(core: Core) -> None:
    from cryptography.fernet import Fernet

    from bot.crypto import Vault

    receipt = core.reports.submit("other", TEXT, channel="telegram", reply_to=ReplyAddress("telegram", "4242"))
    dana = actor(core, "Dana Lead")
    core.reports.close(receipt.reference, dana, "Done.")
    old_key = core.settings.encryption_keys.get_secret_value().encode()  # type: ignore[union-attr]
    new_key = Fernet.generate_key()
    assert core.reports.rotate(Vault([new_key, old_key])) > 5
    # Only the new key is needed from now on.
    core.__dict__["vault"] = Vault([new_key])
    for name in ("reports", "outbox"):
        core.__dict__.pop(name, None)
    view = core.reports.case(receipt.reference, dana)
    assert view.text == TEXT and view.chain_ok and view.outcome == "Done."
    reply = Recipient("telegram", f"reply:{receipt.reference}")
    assert core.reports.resolve_recipient(reply) == Recipient("telegram", "4242")


@pytest.mark.postgres
def test_the_journey_on_postgres(pg_core: Core, clock: ManualClock) -> None:
    receipt = pg_core.reports.submit("child_at_risk", TEXT, channel="slack", reply_to=ReplyAddress("slack", "U9"))
    dana = actor(pg_core, "Dana Lead")
    pg_core.reports.acknowledge(receipt.reference, dana)
    pg_core.reports.ask_sender(receipt.reference, dana, "Which class?")
    pg_core.reports.sender_reply(receipt.code, "4B", requester="r")
    clock.advance(hours=2)
    assert pg_core.reports.escalate_due() == 0
    export = pg_core.reports.export(receipt.reference, dana)
    assert "the hash chain is intact" in export


def test_an_alert_reaches_a_dsl_on_telegram_alone_and_nobody_reachable_is_named(
    tmp_path: Path, school: School, clock: ManualClock
) -> None:
    """With Telegram only, a DSL with a Telegram chat gets every alert there (not only urgent ones); one with neither
    Slack nor Telegram is addressed on the console, and named at start-up as someone who cannot be alerted."""
    with core_with(tmp_path, school, clock, telegram_bot_token="123:abc") as core:
        with core.db.session() as session:
            core.people.upsert(session, PersonEntry(name="Dana Lead", roles=["dsl", "staff"], telegram_chat_id=777))
        core.reports.submit("other", TEXT, channel="telegram")
        assert {m.recipient for m in alerts(core)} == {Recipient("telegram", "777")}
        assert "Dana Lead" not in core.reports.unreachable_handlers()
        assert "Alex Head" in core.reports.unreachable_handlers()


@pytest.mark.parametrize(
    ("platform", "name", "said", "not_said"),
    [
        # Slack not set up: Alex Head's Slack id (from the school file) is named as such, not said to be missing.
        ({"telegram_bot_token": "123:abc"}, "Alex Head", "they have no Telegram chat, and Slack, where they have an "
         'id, is not set up here. To alert them, add one with `policybot people add "Alex Head" --telegram CHAT_ID`, '
         "or set up Slack.", "--slack"),
        ({"slack_bot_token": "xoxb-1", "slack_app_token": "xapp-1"}, "Robin Cover", "they have no Slack id. To alert "
         'them, add one with `policybot people add "Robin Cover" --slack U...`.', "Telegram"),
    ],
)
def test_the_start_up_warning_for_someone_unreachable_says_what_they_lack_on_the_platforms_in_use(
    tmp_path: Path, school: School, clock: ManualClock, platform: dict[str, str], name: str, said: str, not_said: str
) -> None:
    with core_with(tmp_path, school, clock, **platform) as core:
        with core.db.session() as session:
            core.people.upsert(session, PersonEntry(name="Robin Cover", roles=["deputy_dsl"]))  # no Slack, no Telegram
        [warning] = [w for w in core.reports.unreachable_warnings() if w.startswith(name)]
        assert warning == f"{name} handles concern reports but cannot be alerted: {said}"
        assert not_said not in warning


def test_alerts_queued_before_slack_was_set_up_go_out_on_slack_once_it_is(
    core: Core, tmp_path: Path, school: School, clock: ManualClock
) -> None:
    """A report made in the console chat while trying the bot out: its alerts wait for the console, and must reach the
    DSLs when the bot next runs with Slack (they were failed for good as undeliverable)."""
    receipt = core.reports.submit("child_at_risk", TEXT, channel="console")
    assert {m.recipient for m in alerts(core)} == {Recipient("console", "Dana Lead")}
    core.db.dispose()
    with_slack = core.settings.model_copy(
        update={"slack_bot_token": SecretStr("xoxb-test"), "slack_app_token": SecretStr("xapp-test")}
    )
    later = make_core(with_slack, school, clock)
    try:
        recorders = notifiers()
        del recorders["console"]  # as under `policybot run` with Slack: the console reaches nobody
        deliver_all(later, recorders, clock)
        assert [m.recipient for m in delivered(recorders)] == [Recipient("slack", "U0DSL00001")]
        assert receipt.reference in delivered(recorders)[0].text
    finally:
        later.db.dispose()


def test_a_refused_look_at_a_code_that_does_not_exist_is_still_recorded(
    core: Core, caplog: pytest.LogCaptureFixture
) -> None:
    """The refusal says the attempt is recorded, and does not say whether the report exists: the log records it."""
    with pytest.raises(ReportError, match="has been recorded"):
        core.reports.case("ACDE-FGHJ-KMNP-RTWX", actor(core, "Jo Teacher"))
    assert "Jo Teacher was refused when trying to open the report (report ACDE-…: there is no such report)" in (
        caplog.text
    )
    # A receipt typed in lower case with words after it (a button's value, a command) is no reference either: the
    # log still keeps only its first group.
    core.reports.record_refused_attempt("acde-fghj-kmnp-rtwx please", "Jo Teacher", "open the report")
    assert "fghj" not in caplog.text and "(report 'acde…': there is no such report)" in caplog.text


def test_receipt_codes_never_reach_the_log_whole(
    core: Core, clock: ManualClock, caplog: pytest.LogCaptureFixture
) -> None:
    """A receipt is its sender's only key: the logs name the case by its reference, never by the receipt."""
    caplog.set_level("DEBUG")
    receipt = core.reports.submit("child_at_risk", TEXT, channel="console")
    core.reports.sender_reply(receipt.code, "More detail.", requester="r")
    deliver_all(core, notifiers(failures=1), clock)
    core.reports.close(receipt.reference, actor(core, "Dana Lead"), "Done.")
    assert receipt.reference in caplog.text and receipt.code not in caplog.text


@pytest.mark.parametrize(
    ("text", "roles"),
    [
        ("The headteacher grabbed my son by the arm.", ["headteacher"]),
        ("I told the deputy DSL and the head, nothing happened", ["deputy_dsl", "headteacher"]),
        ("The designated safeguarding lead shouted at a pupil", ["dsl"]),
        ("The chair of governors ignored my email", ["chair_of_governors"]),
        ("The head of year 6 posted a photo of my child", []),  # not the headteacher
        ("An older boy hit my son on the head in the playground.", []),
        ("The assistant headteacher ignored it.", []),
        ("A boy in Year 4 has bruises", []),
    ],
)
def test_roles_named_in_a_report_are_found_to_ask_about(core: Core, text: str, roles: list[str]) -> None:
    from bot.reports.routing import roles_mentioned

    assert roles_mentioned(text) == roles
    labels = [label for _, label, names in core.reports.mentioned_roles(text) if names]
    assert len(labels) == len(roles)


def test_a_dsl_away_is_not_alerted_while_a_deputy_can_be(core: Core, clock: ManualClock) -> None:
    today = clock.now().astimezone(core.school.tz).date()
    core.people.set_away("Dana Lead", today + dt.timedelta(days=3))
    assert core.reports.while_away("Dana Lead") == (
        "New reports of a child at risk, extremism or radicalisation, online abuse or cyber-bullying and something "
        "else go to Sam Deputy. New reports of an inappropriate post about the school go to Alex Head."
    )
    receipt = core.reports.submit("child_at_risk", TEXT, channel="console")
    assert {m.recipient.address for m in alerts(core)} == {"Sam Deputy"}
    assert "Deputy Designated Safeguarding Leads" in receipt.sender_text()  # where it went, exactly
    assert [c.code for c in core.reports.open_cases(actor(core, "Dana Lead"))] == [receipt.reference]  # still theirs
    clock.advance(days=4)  # back: alerted again
    core.reports.submit("extremism", TEXT, channel="console")
    assert "Dana Lead" in {m.recipient.address for m in alerts(core)[1:]}


def test_when_everyone_who_could_take_a_report_is_away_it_still_reaches_them(core: Core, clock: ManualClock) -> None:
    today = clock.now().astimezone(core.school.tz).date()
    for name in ("Dana Lead", "Sam Deputy", "Alex Head", "Chris Chair"):
        core.people.set_away(name, today)
    assert "still go to Dana Lead: nobody else at work can take them" in (core.reports.while_away("Dana Lead") or "")
    core.reports.submit("child_at_risk", TEXT, channel="console")
    assert {m.recipient.address for m in alerts(core)} == {"Dana Lead"}
    assert core.reports.while_away("Jo Teacher") is None


def test_a_deputy_away_while_the_dsl_is_says_where_the_dsls_reports_go_next(core: Core, clock: ManualClock) -> None:
    """With the DSL away, the deputy takes the DSLs' new reports: the deputy away too sends them on to the head, as
    the head's Home says (routing.passed_over). Recording it said nothing of them, the deputy not being on their
    route."""
    today = clock.now().astimezone(core.school.tz).date()
    core.people.set_away("Dana Lead", today + dt.timedelta(days=3))
    core.people.set_away("Sam Deputy", today + dt.timedelta(days=3))
    assert (core.reports.while_away("Sam Deputy") or "").startswith(
        "New reports of a child at risk, extremism or radicalisation, online abuse or cyber-bullying and something "
        "else go to Alex Head.")
    core.reports.submit("child_at_risk", TEXT, channel="console")
    assert {m.recipient.address for m in alerts(core)} == {"Alex Head"}


def test_a_deputy_leaving_while_the_dsl_is_away_says_where_the_dsls_reports_go_then(
    core: Core, clock: ManualClock
) -> None:
    """The deputy takes the DSLs' new reports while the DSL is away: the day the deputy leaves, with the DSL still
    away, they go to the head. The leave-day message said nothing of them, the deputy getting them only as a
    fallback (it said where they go for an absence)."""
    today = clock.now().astimezone(core.school.tz).date()
    leaving = today + dt.timedelta(days=2)
    core.people.set_away("Dana Lead", today + dt.timedelta(days=5))
    core.people.set_leave_date("Sam Deputy", leaving)
    going = core.reports.while_away("Sam Deputy", leaving=leaving) or ""
    assert going.startswith(
        "New reports of a child at risk, extremism or radicalisation, online abuse or cyber-bullying and something "
        "else go to Alex Head."), going
    clock.advance(days=2)
    core.reports.submit("child_at_risk", TEXT, channel="console")
    assert {m.recipient.address for m in alerts(core)} == {"Alex Head"}
    core.people.set_away("Dana Lead", None)  # back by the day the deputy leaves: the DSLs' reports are hers
    assert "child at risk" not in (core.reports.while_away("Sam Deputy", leaving=leaving) or "")


def test_whoever_a_report_goes_to_while_its_own_people_are_away_can_open_it(core: Core, clock: ManualClock) -> None:
    """A concern about a member of staff while the head is away goes to the deputy DSLs (routing's fallback), and is
    theirs to acknowledge: they were refused ('You do not have access to this report'), the kind being the head's and
    the chair's, so nobody at work could take it in hand."""
    today = clock.now().astimezone(core.school.tz).date()
    core.people.set_away("Alex Head", today + dt.timedelta(days=2))
    receipt = core.reports.submit("staff_concern", "Mr Jones shouts at the children.", channel="console")
    assert {m.recipient.address for m in alerts(core)} == {"Sam Deputy"}
    deputy = actor(core, "Sam Deputy")
    assert [c.code for c in core.reports.open_cases(deputy)] == [receipt.reference]
    assert core.reports.acknowledge(receipt.reference, deputy).acknowledged_by == "Sam Deputy"


def test_being_away_is_explained_for_escalations_too(core: Core, clock: ManualClock) -> None:
    today = clock.now().astimezone(core.school.tz).date()
    core.people.set_away("Sam Deputy", today)
    assert core.reports.while_away("Sam Deputy") == (
        "A report nobody acknowledges in time goes on to Sam Deputy only where nobody else at work holds their role."
    )
    core.people.set_away("Chris Chair", today)  # with the deputy away too: still the chair, never the head
    assert (core.reports.while_away("Chris Chair") or "").startswith(
        "New reports of a concern about the headteacher still go to Chris Chair: nobody else at work can take them.")
    core.reports.submit("headteacher_concern", TEXT, channel="console")
    assert {m.recipient.address for m in alerts(core)} == {"Chris Chair"}


@pytest.mark.parametrize(
    ("typed", "code", "rest"),
    [
        ("acde fghj kmnp rtwx It was Year 4.", "ACDE-FGHJ-KMNP-RTWX", "It was Year 4."),
        ("ACDE-FGHJ-KMNP-RTWX", "ACDE-FGHJ-KMNP-RTWX", ""),
        ("acdefghj kmnprtwx\nOn Tuesday.", "ACDE-FGHJ-KMNP-RTWX", "On Tuesday."),
        ("Your receipt code is: D3YT-9KCG-WMCD-7DE4", "D3YT-9KCG-WMCD-7DE4", "Your receipt code is:"),
        ("hello there", None, "hello there"),
        # copied from paper with spaces around the dashes (or a phone's en dash): the code, not a policy question
        ("ACDE - FGHJ - KMNP - RTWX", "ACDE-FGHJ-KMNP-RTWX", ""),
        ("acde \u2013 fghj \u2013 kmnp \u2013 rtwx It was Year 4.", "ACDE-FGHJ-KMNP-RTWX", "It was Year 4."),
        ("ACDE -FGHJ- KMNP - RTWX", "ACDE-FGHJ-KMNP-RTWX", ""),
        ("any news on ACDE - FGHJ - KMNP - RTWX?", "ACDE-FGHJ-KMNP-RTWX", "any news on ?"),
    ],
)
def test_a_code_after_a_command_is_read_as_typed_or_read_out(typed: str, code: str | None, rest: str) -> None:
    from bot.reports.receipts import code_first

    assert code_first(typed) == (code, rest)


@pytest.mark.parametrize(
    ("text", "named"),
    [
        ("R-7K3M9T any news?", True),
        ("what about r-7k3m9t", True),
        ("I retched at the photo", False),  # an ordinary word, however its letters look
        ("R-7K3M9T9", False),
        ("Year R-ish", False),
    ],
)
def test_a_case_reference_in_running_text_is_known_by_its_dash(text: str, named: bool) -> None:
    from bot.reports.receipts import mentions_reference

    assert mentions_reference(text) is named


def test_the_example_reference_shown_to_people_is_a_possible_one() -> None:
    """Messages say "like R-7K3M9T": it was R-7K3M9Q, which no reference can be (Q is never in one)."""
    from bot.reports.receipts import REFERENCE_EXAMPLE, is_reference, mentions_reference

    assert is_reference(REFERENCE_EXAMPLE) and mentions_reference(f"what about {REFERENCE_EXAMPLE}?")


def test_a_cases_last_activity_is_the_last_step_taken_on_it_not_a_reading_nor_the_bots_own(
    core: Core, clock: ManualClock
) -> None:
    """How long a case has been left, as the App Home says it: opening or exporting it, an escalation and the
    pictures stored with it are no step on it; a note or the sender's reply is."""
    from bot.reports import Attachment
    from tests.reports.test_evidence import phone_photo

    dana = actor(core, "Dana Lead")
    receipt = core.reports.submit("child_at_risk", TEXT, channel="console",
                                  attachments=[Attachment("p.jpg", "image/jpeg", phone_photo())])

    def last() -> dt.datetime | None:
        [case] = core.reports.cases_to_follow(dana)
        return case.last_activity

    assert last() is None
    clock.advance(hours=2)
    core.reports.escalate_due()
    core.reports.case(receipt.reference, dana)
    core.reports.export(receipt.reference, dana)
    assert last() is None
    core.reports.add_note(receipt.reference, dana, "Rang the parents.")
    noted = clock.now()
    clock.advance(minutes=30)
    core.reports.case(receipt.reference, dana)
    assert last() == noted
    clock.advance(minutes=5)
    core.reports.sender_reply(receipt.code, "It happened again last night.", requester="r")
    assert last() == clock.now()


def test_a_closed_case_is_re_opened_with_its_reason_and_a_sender_still_reachable_hears_it(core: Core) -> None:
    """Something new after closing: the same case again, not a second record. It is in the hands of whoever had it,
    its earlier outcome only in the chronology; the sender is told it is being looked at again, by nobody named,
    and may add to it again."""
    reports, dana = core.reports, actor(core, "Dana Lead")
    receipt = reports.submit("other", TEXT, channel="telegram", reply_to=ReplyAddress("telegram", "4242"))
    reports.acknowledge(receipt.reference, dana)
    reports.close(receipt.reference, dana, "Spoke to the family.", share_with_sender=True)

    # Sam, who could have closed it too, re-opens it before the news of the closing has gone: the sender still has
    # a way to be reached.
    view = reports.reopen(receipt.reference, actor(core, "Sam Deputy"), "  The uncle was seen at the gate today. ")
    assert view.reopened_text() == (f"Report {receipt.reference} is open again. The sender has been told it is being "
                                    "looked at again.")
    assert (view.status, view.acknowledged_by, view.outcome) == (IN_PROGRESS, "Dana Lead", None)
    assert [(e.actor, e.action, e.detail) for e in view.events][-1] == (
        "Sam Deputy", "re-opened", "The uncle was seen at the gate today.")
    assert [e.action for e in view.events].count("closed") == 1  # the earlier outcome stays on the record

    news = [m for m in alerts(core) if m.kind == "sender_update"][-1]
    assert news.text == (f"The school is looking into your report {receipt.code} again. If you have more to tell us, "
                         "you can add it to this report. Press \u201cReply to the school\u201d below.")
    assert [b.action for b in news.buttons] == ["sender.status", "sender.reply"]
    seen = reports.sender_status(receipt.code, requester="r")
    assert (seen.status, seen.closed_outcome, seen.can_reply) == ("being looked at", None, True)
    assert "make a new report" not in seen.text()
    reports.sender_reply(receipt.code, "He came again this morning.", requester="r")

    cards = [m for m in alerts(core) if m.kind == "report_update"]
    reopened = [m for m in cards if m.ping == f"Re-opened by Sam Deputy (report {receipt.reference}). Open the "
                "report to read it."]
    assert reopened and all([b.action for b in m.buttons] == ["report.view", "report.note", "report.ask",
                                                              "report.close"] for m in reopened)
    assert "Outcome" not in reopened[-1].text


def test_a_re_opened_case_whose_sender_was_forgotten_tells_nobody_and_says_so(core: Core, clock: ManualClock) -> None:
    reports, dana = core.reports, actor(core, "Dana Lead")
    receipt = reports.submit("other", TEXT, channel="telegram", reply_to=ReplyAddress("telegram", "4242"))
    reports.close(receipt.reference, dana, "Spoke to the family.")
    deliver_all(core, notifiers(), clock)
    reports.forget_closed_reply_channels()  # the news of the closing has gone: their address with it
    def to_senders() -> int:
        with core.db.session() as session:
            return len(session.scalars(select(OutboxRow.id).where(OutboxRow.kind == "sender_update")).all())

    sent = to_senders()
    view = reports.reopen(receipt.reference, dana, "The family rang again.")
    assert view.reopened_text() == (
        f"Report {receipt.reference} is open again. There is no way to reach the sender: they will see it is being "
        "looked at again if they check their report with its receipt code.")
    assert sent and to_senders() == sent
    assert reports.sender_status(receipt.code, requester="r").status == "being looked at"


def test_a_case_closed_unacknowledged_and_re_opened_is_in_hand_so_it_does_not_escalate(
    core: Core, clock: ManualClock
) -> None:
    """Escalation chases a case nobody has in hand: whoever re-opens one nobody had acknowledged has it now."""
    reports = core.reports
    receipt = reports.submit("child_at_risk", TEXT, channel="console")
    reports.close(receipt.reference, actor(core, "Dana Lead"), "Already known to social care.")
    view = reports.reopen(receipt.reference, actor(core, "Sam Deputy"), "A second pupil said the same.")
    assert (view.status, view.acknowledged_by) == (IN_PROGRESS, "Sam Deputy")
    assert [(e.actor, e.action) for e in view.events][-2:] == [("Sam Deputy", "re-opened"), ("Sam Deputy",
                                                                                               "acknowledged")]
    cards = [m for m in alerts(core) if m.kind == "report_update"]
    assert cards[-1].ping == f"Re-opened by Sam Deputy (report {receipt.reference}). Open the report to read it."
    clock.advance(days=3)
    assert reports.escalate_due() == 0
    assert [c.escalation_level for c in reports.cases_to_follow(actor(core, "Sam Deputy"))] == [0]


def test_a_case_re_opened_after_its_acknowledger_left_is_in_the_hands_of_whoever_re_opened_it(
    core: Core, clock: ManualClock
) -> None:
    reports = core.reports
    receipt = reports.submit("child_at_risk", TEXT, channel="console")
    reports.acknowledge(receipt.reference, actor(core, "Dana Lead"))
    reports.close(receipt.reference, actor(core, "Dana Lead"), "Already known to social care.")
    core.people.set_leave_date("Dana Lead", core.today())
    clock.advance(days=1)
    view = reports.reopen(receipt.reference, actor(core, "Sam Deputy"), "A second pupil said the same.")
    assert view.acknowledged_by == "Sam Deputy"  # not Dana, who is no longer here to follow it


def test_a_case_re_opened_while_its_acknowledger_is_away_is_in_the_hands_of_whoever_re_opened_it(
    core: Core, clock: ManualClock
) -> None:
    """Left 'acknowledged by' Dana while she is on leave, it would be followed by nobody at work, and chased by
    nothing: escalation only chases a case nobody has in hand."""
    reports = core.reports
    receipt = reports.submit("child_at_risk", TEXT, channel="console")
    reports.acknowledge(receipt.reference, actor(core, "Dana Lead"))
    reports.close(receipt.reference, actor(core, "Dana Lead"), "Already known to social care.")
    core.people.set_away("Dana Lead", core.today() + dt.timedelta(days=14))
    view = reports.reopen(receipt.reference, actor(core, "Sam Deputy"), "A second pupil said the same.")
    assert view.acknowledged_by == "Sam Deputy"
    assert [(e.actor, e.action) for e in view.events][-2:] == [("Sam Deputy", "re-opened"), ("Sam Deputy",
                                                                                               "acknowledged")]
    core.people.set_away("Dana Lead", None)  # back: a case re-opened with her at work stays hers
    reports.close(receipt.reference, actor(core, "Sam Deputy"), "Dealt with.")
    assert reports.reopen(receipt.reference, actor(core, "Dana Lead"), "Again.").acknowledged_by == "Sam Deputy"


def test_a_question_left_unanswered_when_the_case_closed_is_not_asked_again_when_it_is_re_opened(core: Core) -> None:
    reports, dana = core.reports, actor(core, "Dana Lead")
    receipt = reports.submit("other", TEXT, channel="console")
    reports.ask_sender(receipt.reference, dana, "Which class?")
    reports.close(receipt.reference, dana, "Dealt with.")
    assert "Which class?" not in reports.sender_status(receipt.code, requester="r").text()  # nothing to answer it with
    reports.reopen(receipt.reference, dana, "The same again.")
    view = reports.sender_status(receipt.code, requester="r")
    assert "Which class?" not in view.text() and not any(not q.answered for q in view.questions)


def test_a_case_re_opened_after_its_acknowledger_stopped_handling_reports_is_in_the_re_openers_hands(
    core: Core,
) -> None:
    """Dana acknowledged and closed it, then stopped being a DSL (still at the school): she can no longer open it, so
    re-opened it must not be 'acknowledged by' her, with nobody following it and nothing chasing it."""
    reports = core.reports
    receipt = reports.submit("child_at_risk", TEXT, channel="console")
    reports.acknowledge(receipt.reference, actor(core, "Dana Lead"))
    reports.close(receipt.reference, actor(core, "Dana Lead"), "Already known to social care.")
    core.people.set_roles("Dana Lead", ["staff"])
    view = reports.reopen(receipt.reference, actor(core, "Sam Deputy"), "A second pupil said the same.")
    assert view.acknowledged_by == "Sam Deputy"


def test_re_opening_is_refused_kindly_when_open_without_a_reason_or_to_someone_kept_from_it(core: Core) -> None:
    from bot.reports import AccessDenied

    reports, dana = core.reports, actor(core, "Dana Lead")
    receipt = reports.submit("other", TEXT, channel="console")
    with pytest.raises(ReportError, match=f"Report {receipt.reference} is not closed, so there is nothing to re-open"):
        reports.reopen(receipt.reference, dana, "Why not.")
    reports.close(receipt.reference, dana, "Done.")
    with pytest.raises(ReportError, match="Your reason is empty"):
        reports.reopen(receipt.reference, dana, "   ")
    with pytest.raises(AccessDenied):
        reports.reopen(receipt.reference, actor(core, "Jo Teacher"), "I want to see it.")
    about_dana = reports.submit("other", "Dana Lead shared a pupil's photo.", channel="console")
    reports.close(about_dana.reference, actor(core, "Sam Deputy"), "Spoken to.")
    with pytest.raises(AccessDenied):
        reports.reopen(about_dana.reference, dana, "Reconsidering.")
    refused = [e.as_read()[0] for e in reports.case(receipt.reference, actor(core, "Sam Deputy")).events
               if e.action == "refused"]
    assert refused == ["tried to re-open the report (not allowed)"]
    assert reports.case(receipt.reference, dana).status == CLOSED


def test_a_case_acknowledged_by_someone_since_renamed_stays_in_their_hands(core: Core) -> None:
    """A name corrected with `people rename` is the same person: the cases they acknowledged are still theirs (not
    taken as a leaver's on re-opening, nor 'already acknowledged by' their old name to themselves)."""
    reports = core.reports
    receipt = reports.submit("other", TEXT, channel="console")
    reports.acknowledge(receipt.reference, actor(core, "Dana Lead"))
    core.people.rename("Dana Lead", "Dana Leigh")
    dana = actor(core, "Dana Leigh")
    assert reports.acknowledge(receipt.reference, dana).acknowledged_text(dana) == (
        f"You have acknowledged report {receipt.reference}.")
    reports.close(receipt.reference, dana, "Spoke to the family.")
    view = reports.reopen(receipt.reference, actor(core, "Sam Deputy"), "The family rang again.")
    assert view.acknowledged_by == "Dana Leigh"
    assert [e.action for e in view.events][-1] == "re-opened"  # nobody else took it in hand


def test_a_renamed_dsl_named_in_a_reply_is_taken_off_the_case_they_had_acknowledged(core: Core) -> None:
    """Dana acknowledged the case as 'Dana Lead', then her name was corrected to 'Dana Leed'. A reply naming her keeps
    it from her: it must not stay acknowledged by her (under her old name), with nobody else told to act on it."""
    receipt = core.reports.submit("child_at_risk", "A child told me an adult at school hurt her.", channel="console")
    core.reports.acknowledge(receipt.reference, actor(core, "Dana Lead"))
    core.people.rename("Dana Lead", "Dana Leed")
    assert core.reports.case(receipt.reference, actor(core, "Sam Deputy")).acknowledged_by == "Dana Leed"
    core.reports.sender_reply(receipt.code, "The adult was Mrs Leed.", requester="r")
    case = core.reports.case(receipt.reference, actor(core, "Sam Deputy"))
    assert (case.status, case.acknowledged_by) == (NEW, None)
    with pytest.raises(ReportError):
        core.reports.case(receipt.reference, actor(core, "Dana Leed"))


def test_a_report_about_someone_renamed_while_it_was_written_is_still_kept_from_them(core: Core) -> None:
    """The parent said the report is about the headteacher, who was 'Alex Head' then; their name was corrected before
    the report was sent (a Telegram draft keeps the names it was shown for days). It must still not reach them."""
    text = "The headteacher shouted at my son in the corridor."
    [(role, _, names)] = core.reports.mentioned_roles(text)
    assert (role, names) == ("headteacher", ["Alex Head"])
    core.people.rename("Alex Head", "Alex Heade")
    receipt = core.reports.submit("staff_concern", text, channel="console", named_people=names)
    with pytest.raises(ReportError):
        core.reports.case(receipt.reference, actor(core, "Alex Heade"))
    assert "Alex Heade" not in {m.recipient.address for m in alerts(core)}


def test_what_the_sender_writes_after_closing_goes_into_the_closed_case_and_its_handlers_are_told(
    core: Core, clock: ManualClock
) -> None:
    """Not 'please make a new report', which would split the record: the words go into the case's chronology as the
    sender's reply, the case stays closed, its cards say to re-open it if needed, and the sender is told the school
    will see it, that it had been closed, and where to turn in an emergency (the full notice for an urgent kind)."""
    reports, dana = core.reports, actor(core, "Dana Lead")
    receipt = reports.submit("child_at_risk", TEXT, channel="telegram", reply_to=ReplyAddress("telegram", "4242"))
    reports.acknowledge(receipt.reference, dana)
    reports.close(receipt.reference, dana, "Referred to children's social care.")
    closed = reports.sender_status(receipt.code, requester="r")
    assert closed.can_reply and "you can still add it to this report" in closed.text()
    clock.advance(days=3)
    view = reports.sender_reply(receipt.code, "His uncle was at the gate again today.", requester="r")
    assert view.status == "closed" and view.after_reply is not None
    assert view.text().splitlines()[1] == (
        "Your report had been closed, so the people who handle reports have been told that you wrote again. They will "
        "read what you sent and decide whether to look into it again, but it may not be read straight away. "
        + reports.emergency_notice()
    )
    case = reports.case(receipt.reference, dana)
    assert case.status == CLOSED
    assert [(e.actor, e.action, e.detail) for e in case.events if e.action == "replied"] == [
        (SENDER, "replied", "His uncle was at the gate again today.")]
    card = [m for m in alerts(core) if m.kind == "report_update"][-1]
    assert card.ping == ("The sender wrote after the case was closed: re-open it if needed (report "
                         f"{receipt.reference}). Open the report to read it.")
    assert receipt.code not in str(card)
    assert not [m for m in alerts(core) if m.kind == "sender_update" and "gate" in m.text]  # nothing echoed back

    other = reports.submit("other", "A parent posted a photo of the nativity.", channel="console")
    reports.close(other.reference, dana, "Asked them to take it down.")
    said = reports.sender_reply(other.code, "It is back up.", requester="r").text()
    assert "call 999 now." in said and reports.emergency_notice() not in said  # not an urgent kind: 999 alone
    with pytest.raises(ReportError, match="already in your report"):  # the same words again at once are not added twice
        reports.sender_reply(other.code, "It is back up.", requester="r")


def test_a_sender_writing_on_to_a_closed_case_pings_its_handlers_once_until_someone_opens_it(
    slack_core: Core, clock: ManualClock
) -> None:
    """A sender who keeps writing to a closed case: each message is in the case, but those handling it are pinged by
    the first only. The rest keep Slack's cards current, quietly, saying how many wait (Telegram, where each update is
    a new message, hears nothing more), until someone opens the case; the next message then pings again."""
    reports, dana = slack_core.reports, actor(slack_core, "Dana Lead")
    receipt = reports.submit("other", "A parent posted a photo of the nativity.", channel="slack")
    reports.acknowledge(receipt.reference, dana)
    reports.close(receipt.reference, dana, "Asked them to take it down.")

    def updates_for(words: str) -> list[OutboundMessage]:
        before = len(alerts(slack_core))
        clock.advance(hours=1)
        reports.sender_reply(receipt.code, words, requester="r")
        slack_core.outbox.dispatch(notifiers(), reports.resolve_recipient)  # type: ignore[arg-type]
        return [m for m in alerts(slack_core)[before:] if m.kind == "report_update"]

    first = updates_for("It is back up.")
    told = "The sender wrote after the case was closed: re-open it if needed"
    assert first and all(m.ping and m.ping.startswith(told) for m in first)
    updates_for("And it was shared again today.")
    quiet = updates_for("Now in another group too.")
    assert quiet and all(m.ping is None and m.recipient.platform == "slack" for m in quiet)
    assert quiet[0].text.startswith("The sender has written 3 messages since the case was closed or last opened: "
                                    "re-open it if needed.")
    case = reports.case(receipt.reference, dana)
    assert [e.detail for e in case.events if e.action == "replied"] == [
        "It is back up.", "And it was shared again today.", "Now in another group too."]
    after_opening = updates_for("Someone else has seen it now.")
    assert after_opening and all(m.ping for m in after_opening)


def test_news_being_sent_when_its_sender_asks_to_be_forgotten_is_blanked_once_sent(
    core: Core, clock: ManualClock
) -> None:
    """The sender stops news while a message to them is on its way: it is still being sent, so it cannot be blanked
    then; once it has gone, the next minute's job blanks it, as it names their receipt."""
    receipt = core.reports.submit("other", TEXT, channel="telegram", reply_to=ReplyAddress("telegram", "4242"))
    core.reports.acknowledge(receipt.reference, actor(core, "Dana Lead"))  # "your report has been opened"
    recorders = notifiers()
    telegram = recorders["telegram"]
    deliver = telegram.deliver

    def stopped_meanwhile(message: OutboundMessage) -> None:
        if message.kind == "sender_update":
            assert core.reports.forget_reply_channel(receipt.code, requester="r")
        deliver(message)

    telegram.deliver = stopped_meanwhile  # type: ignore[method-assign]
    deliver_all(core, recorders, clock)
    assert [m.kind for m in delivered(recorders)].count("sender_update") == 1
    core.schedule.run_due()
    assert _receipts_kept_in_the_outbox(core, receipt.code) == 0


def test_a_concern_about_staff_shows_those_handling_it_the_schools_lado_contact(core: Core) -> None:
    """The school file's own contact, on the card (full or contentless): the policy names no LADO, the school file
    does. Other kinds of concern, and a school file without the contact, have no such line."""
    lado = "From the school's contacts: the Local Authority Designated Officer (LADO), 0116 000 0001."
    staff = core.reports.submit("staff_concern", "Mr Jones shakes the children hard.", channel="console")
    core.reports.submit("online_abuse", TEXT, channel="console")
    cards = {m.fields["Category"]: m for m in alerts(core)}
    assert cards["A concern about a member of staff"].recipient.address == "Alex Head"
    assert lado in cards["A concern about a member of staff"].text.splitlines()
    assert "LADO" not in cards["Online abuse or cyber-bullying"].text
    core.reports.submit("headteacher_concern", "The head teacher shakes the children hard.", channel="console")
    assert lado in alerts(core)[-1].text.splitlines()

    core.school.alert_contents = "contentless"
    core.reports.submit("staff_concern", "Mr Jones shakes the children hard.", channel="console")
    assert lado in alerts(core)[-1].text.splitlines() and "Jones" not in alerts(core)[-1].text
    core.school.contacts.pop("local_authority")
    core.reports.submit("staff_concern", "Mr Jones shakes the children hard.", channel="console")
    assert "contacts" not in alerts(core)[-1].text
    assert staff.reference in cards["A concern about a member of staff"].text


def test_the_start_up_log_warns_when_concerns_about_the_headteacher_cannot_be_sent(core: Core) -> None:
    assert not [w for w in core.reports.unreachable_warnings() if w.startswith("New reports")]
    core.people.set_leave_date("Chris Chair", dt.date(2026, 1, 1))
    assert [w for w in core.reports.unreachable_warnings() if w.startswith("New reports")] == [
        "New reports of a concern about the headteacher cannot be sent: they go only to the Chair of Governors, or "
        "the Vice-Chair while the Chair is away or not named, and nobody holds either role, so senders are told so "
        "and given the Local Authority Designated Officer (LADO), 0116 000 0001. To name one: "
        '`policybot people add "NAME" --role chair_of_governors` (or --role vice_chair_of_governors).'
    ]
    with core.db.session() as session:  # a vice-chair takes them
        core.people.upsert(session, PersonEntry(name="Val Vice", roles=["vice_chair_of_governors"]))
    assert not [w for w in core.reports.unreachable_warnings() if w.startswith("New reports")]


def test_the_start_up_log_says_once_that_nobody_receives_reports_on_a_fresh_install(core: Core) -> None:
    """Not "New reports of ... go only to the Designated Safeguarding Lead" for each kind: they would go to any of
    several roles, and nobody holds one."""
    with core.db.session() as session:
        handlers = [p.name for p in People.all(session) if p.has_role(*HANDLER_ROLES)]
    for name in handlers:
        core.people.set_leave_date(name, dt.date(2026, 1, 1))
    warnings = core.reports.unreachable_warnings()
    assert not [w for w in warnings if w.startswith("New reports") or "only to" in w]
    [warning] = [w for w in warnings if w.startswith("Nobody who receives reports")]
    assert warning.startswith("Nobody who receives reports is set up yet, so no report can be sent: senders are told "
                              "so and given ")
    assert "(for a concern about the headteacher, the Local Authority Designated Officer (LADO), 0116 000 0001)" \
        in warning
    assert warning.endswith('`policybot people add "NAME" --role dsl`, and likewise --role deputy_dsl, headteacher '
                            "and chair_of_governors.")


def test_the_vice_chair_of_governors_is_not_taken_for_the_chair() -> None:
    from bot.reports.routing import roles_mentioned

    assert roles_mentioned("The vice-chair of governors ignored my email") == ["vice_chair_of_governors"]
    assert roles_mentioned("The vice chair of the governing body and the chair of governors") == [
        "chair_of_governors", "vice_chair_of_governors"]
    assert roles_mentioned("The vice chair of the PTA posted it") == []
