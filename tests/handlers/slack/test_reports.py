"""A staff member reports a concern in Slack; the DSLs get the alert and work the case from its buttons."""

from __future__ import annotations

import datetime as dt
import json
import re
import threading
import time
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.exc import OperationalError

from bot.config import PersonEntry
from bot.outbox import OutboxRow
from bot.ports import ManualClock
from bot.reports.domain import REPLY_ADDED, AccessDenied
from bot.storage import Base
from handlers.slack.listeners import views
from tests.conftest import reference_of
from tests.handlers.slack.conftest import DEPUTY, DSL, DSL_CHANNEL, STAFF, SlackWorld
from tests.handlers.slack.fake_slack_api import Sent

pytest.importorskip("bot.reports.service")

NOBODY = "U0NOBODY99"


def _values(category: str, text: str, anonymous: bool = True) -> dict[str, Any]:
    return {
        "category": {"value": {"type": "static_select", "selected_option": {"value": category}}},
        "description": {"value": {"type": "plain_text_input", "value": text}},
        "anonymous": {"value": {"type": "checkboxes",
                                "selected_options": [{"value": "yes"}] if anonymous else []}},
    }


def _report(slack: SlackWorld, text: str = "A pupil showed me messages from an adult asking to meet.",
            category: str = "online_abuse", anonymous: bool = True, user: str = STAFF) -> str:
    sent = slack.sender.slash_command("/report", "", user)
    assert sent.status == 200
    modal = slack.fake.wait_for_call("views.open")[0].params["view"]
    assert modal["callback_id"] == "report.submit"
    submitted = slack.sender.view_submission(user, "report.submit", _values(category, text, anonymous))
    assert submitted.status == 200
    answer = submitted.json()
    assert answer["response_action"] == "update"
    found = re.search(r"Your receipt code is: ([A-Z0-9-]+)", json.dumps(answer["view"]))
    assert found, answer
    if anonymous:  # the window is the only copy, and it cannot be kept: nothing may tell them to keep it
        assert "keep this message" not in json.dumps(answer["view"])
    return found.group(1)


def _case(slack: SlackWorld, code: str) -> Any:
    actor = slack.core.reports.actor(name="Dana Lead")
    return slack.core.reports.case(reference_of(slack.core, code), actor)


def _case_as(slack: SlackWorld, code: str, name: str) -> Any:
    return slack.core.reports.case(reference_of(slack.core, code), slack.core.reports.actor(name=name))


def _everything_stored(slack: SlackWorld) -> str:
    """Every row of every table (outbox payloads decrypted), except the staff list itself."""
    dump = []
    with slack.core.db.session() as session:
        for table in Base.metadata.sorted_tables:
            if table.name in ("people", "person_roles"):
                continue
            dump += [str(tuple(row)) for row in session.execute(select(table)).all()]
        for row in session.scalars(select(OutboxRow)).all():
            dump.append(json.dumps(slack.core.outbox.message(row).to_json()))
    return "\n".join(dump)


def test_anonymous_staff_report_carries_no_identity_and_alerts_the_dsl_channel(slack: SlackWorld) -> None:
    code = _report(slack)
    stored = _everything_stored(slack)
    assert STAFF not in stored and "Jo Teacher" not in stored and "D0STAFF001" not in stored
    assert slack.fake.ok_calls("chat.postMessage") == []  # no DM ties the receipt to the sender
    slack.dispatch()
    posted = slack.fake.ok_calls("chat.postMessage")
    assert [c.params["channel"] for c in posted] == [DSL_CHANNEL]
    ids = [e["action_id"] for b in posted[0].params["blocks"] if b["type"] == "actions" for e in b["elements"]]
    assert ids == ["report.ack", "report.view", "report.note", "report.ask", "report.close"]
    card = json.dumps(posted[0].params["blocks"])
    assert reference_of(slack.core, code) in card and code not in card  # the DSLs' reference, not the receipt
    assert _case(slack, code).channel == "slack"


def test_a_card_the_dsl_channel_refuses_for_good_goes_to_the_dsls_by_dm(slack: SlackWorld) -> None:
    """The bot was removed from the DSLs' channel: a routine concern must still reach someone."""
    code = _report(slack)
    slack.fake.fail_next("chat.postMessage", "not_in_channel")
    # The channel refused it; the DSL's and the deputy's DMs went in the same round (and their Home tabs were redrawn)
    assert slack.dispatch() == 4
    posted = slack.fake.ok_calls("chat.postMessage")
    dms = {call.params["users"] for call in slack.fake.ok_calls("conversations.open")}
    ref = reference_of(slack.core, code)
    assert dms == {DSL, DEPUTY} and all(ref in json.dumps(p.params["blocks"]) for p in posted)
    assert slack.dispatch() == 0  # once: nothing else was queued


def test_named_report_says_who_and_sends_the_receipt_by_dm(slack: SlackWorld) -> None:
    code = _report(slack, anonymous=False)
    assert "Jo Teacher" in _case(slack, code).text
    dm = slack.fake.wait_for_call("chat.postMessage")[0]
    said = dm.params["text"] + json.dumps(dm.params["blocks"])
    assert dm.params["channel"] == STAFF and code in said
    assert "We do not know who you are" not in said  # they gave their name
    assert f"/checkreport {code} followed by your answer" in said
    # how to answer the school is said once, the Slack way
    lines = [line for block in dm.params["blocks"] for line in block.get("text", {}).get("text", "").splitlines()]
    how_to_answer = [line for line in lines if "/checkreport" in line and "answer" in line]
    assert len(how_to_answer) == 1 and "followed by your answer" in how_to_answer[0]


def test_a_form_that_holds_no_anonymity_choice_stays_anonymous(slack: SlackWorld) -> None:
    """Only an unticked "Stay anonymous" signs a report: a form without the box (another version's) never does."""
    values = _values("online_abuse", "A pupil showed me messages from an adult.")
    del values["anonymous"]
    answer = slack.sender.view_submission(STAFF, "report.submit", values).json()
    found = re.search(r"Your receipt code is: ([A-Z0-9-]+)", json.dumps(answer["view"]))
    assert found, answer
    assert "Jo Teacher" not in _case(slack, found.group(1)).text
    assert STAFF not in _everything_stored(slack)
    assert slack.fake.ok_calls("chat.postMessage") == []  # no receipt by DM to tie it to them


def test_asking_a_sender_who_kept_no_way_to_be_reached_says_so(slack: SlackWorld) -> None:
    code = _report(slack)  # anonymous, from Slack: no reply channel
    ref = reference_of(slack.core, code)
    slack.sender.block_action(DSL, "report.ask", ref, channel=DSL_CHANNEL)
    modal = slack.fake.wait_for_call("views.open", count=2)[1].params["view"]
    # Said on the form, before the question is written; and it is saved, not sent.
    assert "There is no way to reach this sender: they will see a question only if they check" in \
        json.dumps(modal["blocks"])
    assert modal["submit"]["text"] == "Save question"
    values = {"text": {"value": {"type": "plain_text_input", "value": "Which day?"}}}
    slack.sender.view_submission(DSL, "report.ask", values, private_metadata=modal["private_metadata"])
    told = slack.fake.wait_for_call("chat.postMessage")[0].params["text"]
    assert told == (f"Your question is saved with report {ref}. There is no way to reach this sender, so they will see "
                    "it only when they check their report with its receipt code. Their answer will appear in the case.")


def test_empty_report_is_refused_in_the_form(slack: SlackWorld) -> None:
    sent = slack.sender.view_submission(STAFF, "report.submit", _values("online_abuse", "   "))
    body = sent.json()
    assert body["response_action"] == "errors" and body["errors"]["description"]


def test_dsl_acknowledges_and_the_alert_is_updated_in_place(slack: SlackWorld) -> None:
    code = _report(slack)
    ref = reference_of(slack.core, code)
    slack.dispatch()
    alert = slack.fake.ok_calls("chat.postMessage")[0]
    sent = slack.sender.block_action(DSL, "report.ack", ref, channel=DSL_CHANNEL)
    assert sent.status == 200
    reply = slack.fake.wait_for_call("response_url")[0]
    assert "acknowledged" in reply.params["text"]
    assert _case(slack, code).status == "acknowledged"
    slack.dispatch()
    update = slack.fake.wait_for_call("chat.update")[0]
    assert update.params["channel"] == DSL_CHANNEL
    assert len(slack.fake.ok_calls("chat.postMessage")) == 1
    assert alert is not None
    ids = [e["action_id"] for b in update.params["blocks"] if b["type"] == "actions" for e in b["elements"]]
    assert "report.ack" not in ids
    slack.sender.block_action(DEPUTY, "report.ack", ref, channel=DSL_CHANNEL)  # pressed on an older card
    late = slack.fake.wait_for_call("response_url", count=2)[1]
    assert late.params["text"].startswith(f"Dana Lead had already acknowledged report {ref}")


@pytest.mark.parametrize(
    ("action", "words", "status", "event"),
    [
        ("report.note", "Spoke to the class teacher.", "in progress", "note"),
        ("report.ask", "Which day did this happen?", "in progress", "asked the sender"),
        ("report.close", "Parents informed; police not needed.", "closed", "closed"),
    ],
)
def test_dsl_note_ask_and_close_through_modals(
    slack: SlackWorld, action: str, words: str, status: str, event: str
) -> None:
    code = _report(slack)
    slack.sender.block_action(DSL, action, reference_of(slack.core, code), channel=DSL_CHANNEL)
    modal = slack.fake.wait_for_call("views.open", count=2)[1].params["view"]
    assert modal["callback_id"] == action
    values = {"text": {"value": {"type": "plain_text_input", "value": words}}}
    sent = slack.sender.view_submission(DSL, action, values, private_metadata=modal["private_metadata"])
    assert sent.status == 200
    assert "errors" not in (sent.json() or {})
    case = _case(slack, code)
    assert case.status == status
    assert any(e.action == event and e.detail == words for e in case.events)


def test_someone_who_may_not_act_is_refused_at_the_button_not_after_filling_in_the_form(slack: SlackWorld) -> None:
    code = _report(slack)
    ref = reference_of(slack.core, code)
    slack.sender.block_action(STAFF, "report.note", ref, channel=DSL_CHANNEL)
    told = slack.fake.wait_for_call("response_url")[0].params["text"]
    assert "only the people it was sent to can" in told
    assert len(slack.fake.ok_calls("views.open")) == 1  # the report form only: no note form opened
    assert any(e.action == "refused" and e.detail == "Not allowed to add a note" for e in _case(slack, code).events)


def test_staff_member_who_is_not_a_dsl_is_refused_and_recorded(slack: SlackWorld) -> None:
    code = _report(slack)
    ref = reference_of(slack.core, code)
    slack.sender.block_action(STAFF, "report.ack", ref, channel=DSL_CHANNEL)
    reply = slack.fake.wait_for_call("response_url")[0]
    assert reply.params["response_type"] == "ephemeral"
    assert "only the people it was sent to can" in reply.params["text"]  # as Add note, Ask and Close say it
    case = _case(slack, code)
    assert case.status == "new"
    # In the core's own words, as a refusal it records reads: "tried to acknowledge the report (not allowed)".
    refused = [e.as_read()[0] for e in case.events if e.action == "refused" and e.actor == "Jo Teacher"]
    assert refused == ["tried to acknowledge the report (not allowed)"]
    slack.sender.block_action(STAFF, "report.view", ref, channel=DSL_CHANNEL)
    assert "only the people it was sent to can" in slack.fake.wait_for_call("response_url", count=2)[1].params["text"]
    refused = [e.as_read()[0] for e in _case(slack, code).events if e.action == "refused"]
    assert refused[-1] == "tried to open the report (not allowed)"


def test_unknown_slack_user_is_refused_and_recorded(slack: SlackWorld) -> None:
    code = _report(slack)
    ref = reference_of(slack.core, code)
    slack.sender.block_action(NOBODY, "report.close", ref, channel=DSL_CHANNEL)
    reply = slack.fake.wait_for_call("response_url")[0]
    assert "only the people it was sent to can" in reply.params["text"]
    assert len(slack.fake.ok_calls("views.open")) == 1  # only the reporter's form; no modal for the stranger
    assert any(e.action == "refused" for e in _case(slack, code).events)


def test_a_dsl_who_has_left_is_refused_as_a_leaver_and_recorded_by_name(slack: SlackWorld) -> None:
    """Their old card still has its buttons: the chronology names who pressed one, not 'an unrecognised Slack
    account', and they are told why they can no longer act."""
    code = _report(slack)
    ref = reference_of(slack.core, code)
    slack.core.people.set_leave_date("Sam Deputy", slack.core.today())
    slack.sender.block_action(DEPUTY, "report.ack", ref, channel=DSL_CHANNEL)
    told = slack.fake.wait_for_call("response_url")[0].params["text"]
    assert "The school's records say you left on" in told
    refused = [e for e in _case(slack, code).events if e.action == "refused"]
    assert [(e.actor, e.detail) for e in refused] == [("Sam Deputy", "Not allowed to acknowledge the report")]


def test_a_closed_case_refuses_ask_and_close_at_the_button_and_takes_notes(slack: SlackWorld) -> None:
    code = _report(slack)
    ref = reference_of(slack.core, code)
    dsl = slack.core.reports.actor(name="Dana Lead")
    assert dsl is not None
    slack.core.reports.close(ref, dsl, "Dealt with.")
    forms_before = len(slack.fake.ok_calls("views.open"))
    slack.sender.block_action(DSL, "report.ask", ref, channel=DSL_CHANNEL)
    slack.sender.block_action(DSL, "report.close", ref, channel=DSL_CHANNEL)
    said = [c.params["text"] for c in slack.fake.wait_for_call("response_url", count=2)]
    assert set(said) == {f"Report {ref} is closed, so the sender cannot answer questions about it.",
                         f"Report {ref} is already closed."}
    slack.sender.block_action(DSL, "report.note", ref, channel=DSL_CHANNEL)  # a note may still be added
    slack.fake.wait_for_call("views.open", count=forms_before + 1)
    assert len(slack.fake.ok_calls("views.open")) == forms_before + 1


def test_words_typed_after_report_are_already_in_the_form(slack: SlackWorld) -> None:
    slack.sender.slash_command("/report", "  A parent filmed the nativity and posted it  ", STAFF)
    modal = slack.fake.wait_for_call("views.open")[0].params["view"]
    [description] = [b for b in modal["blocks"] if b.get("block_id") == "description"]
    assert description["element"]["initial_value"] == "A parent filmed the nativity and posted it"


def test_words_too_long_for_the_form_say_how_to_add_the_rest(slack: SlackWorld) -> None:
    typed = "The parent's post said: " + "a long account of what happened. " * 120  # ~4,000 characters
    slack.sender.slash_command("/report", typed, STAFF)
    modal = slack.fake.wait_for_call("views.open")[0].params["view"]
    [description] = [b for b in modal["blocks"] if b.get("block_id") == "description"]
    assert len(description["element"]["initial_value"]) == 3000
    told = slack.fake.wait_for_call("response_url")[0].params["text"]
    assert "only the first 3,000" in told and "/checkreport" in told


def test_the_form_asks_whom_the_concern_is_about_and_keeps_it_from_them(slack: SlackWorld) -> None:
    """'The DSL shouted at a pupil' names nobody: the sender can say which of the people reports go to it is about."""
    slack.sender.slash_command("/report", "", STAFF)
    modal = slack.fake.wait_for_call("views.open")[0].params["view"]
    [about] = [b for b in modal["blocks"] if b.get("block_id") == "about"]
    labels = [o["text"]["text"] for o in about["element"]["options"]]
    assert "Dana Lead (Designated Safeguarding Lead)" in labels and "Jo Teacher (Staff)" not in str(labels)
    assert about["optional"] is True
    values = _values("child_at_risk", "The DSL shouted at a pupil and grabbed his arm.")
    values["about"] = {"value": {"type": "multi_static_select", "selected_options": [{"value": "Dana Lead"}]}}
    submitted = slack.sender.view_submission(STAFF, "report.submit", values)
    assert submitted.json()["response_action"] == "update"
    with slack.core.db.session() as session:
        targets = {slack.core.outbox.message(row).recipient.address for row in session.scalars(select(OutboxRow))}
    assert targets == {"U0DSL00002"}  # the deputy, by DM: not Dana, and not the channel she is in
    dana = slack.core.reports.actor(name="Dana Lead")
    assert dana is not None and slack.core.reports.open_cases(dana) == []


def test_the_form_says_which_governors_see_a_concern_about_the_head(slack: SlackWorld) -> None:
    """It said 'the Chair of Governors' whoever the school names: the vice-chair, who takes a concern about the head
    while the chair is away or does not answer in time, or alone with no chair, was never mentioned."""
    def said() -> str:
        opened = len(slack.fake.ok_calls("views.open"))  # counted first: the form may open before the ack returns
        slack.sender.slash_command("/report", "", STAFF)
        calls = slack.fake.wait_for_call("views.open", count=opened + 1)
        return str(calls[-1].params["view"]["blocks"][-1]["elements"][0]["text"])

    staff = "Only the people who deal with concerns see a report: the Designated Safeguarding Leads, the Headteacher"
    assert said() == f"{staff} or, for a concern about the Headteacher, the Chair of Governors."
    with slack.core.db.session() as session:
        slack.core.people.upsert(session, PersonEntry(name="Val Vice", roles=["vice_chair_of_governors"]))
    assert said() == (f"{staff} or, for a concern about the Headteacher, the Chair of Governors (and the Vice-Chair, "
                      "if the Chair is away or does not answer in time).")
    slack.core.people.set_leave_date("Chris Chair", dt.date(2026, 1, 1))
    assert said() == f"{staff} or, for a concern about the Headteacher, the Vice-Chair of Governors."
    slack.core.people.set_leave_date("Val Vice", dt.date(2026, 1, 1))
    assert said() == (f"{staff}. A concern about the Headteacher cannot be sent here, as no Chair of Governors is "
                      "named: please contact the Local Authority Designated Officer (LADO), 0116 000 0001.")


def test_a_report_about_everyone_who_receives_reports_is_explained_over_the_form(slack: SlackWorld) -> None:
    """Too long for a field's error, the refusal opens over the form, which stays (nothing typed is lost)."""
    everyone = ["Dana Lead", "Sam Deputy", "Alex Head", "Chris Chair"]
    values = _values("child_at_risk", "They all knew and did nothing.")
    values["about"] = {"value": {"type": "multi_static_select", "selected_options": [{"value": n} for n in everyone]}}
    answer = slack.sender.view_submission(STAFF, "report.submit", values).json()
    assert answer["response_action"] == "push"
    shown = json.dumps(answer["view"])
    assert "cannot be sent" in shown and "LADO" in shown and "999" in shown
    with slack.core.db.session() as session:
        assert session.scalars(select(OutboxRow)).all() == []


def test_non_dsl_modal_submission_is_refused_in_the_form(slack: SlackWorld) -> None:
    code = _report(slack)
    values = {"text": {"value": {"type": "plain_text_input", "value": "closing it"}}}
    sent = slack.sender.view_submission(STAFF, "report.close", values, private_metadata=json.dumps({"code": code}))
    assert sent.json()["response_action"] == "errors"
    assert _case(slack, code).status == "new"


def test_sender_checks_status_with_the_receipt(slack: SlackWorld) -> None:
    code = _report(slack)
    slack.sender.slash_command("/checkreport", code, STAFF)
    reply = slack.fake.wait_for_call("response_url")[0]
    assert code in reply.params["text"] or code in json.dumps(reply.params["blocks"])
    slack.sender.slash_command("/checkreport", "WRONG-CODE", STAFF)
    wrong = slack.fake.wait_for_call("response_url", count=2)[1]
    assert "Traceback" not in wrong.params["text"]


def test_a_dsl_cannot_answer_as_the_sender_with_the_case_reference_on_the_card(slack: SlackWorld) -> None:
    """The card shows the case reference; /checkreport with it is no receipt code, not the sender's reply."""
    code = _report(slack)
    ref = reference_of(slack.core, code)
    slack.dispatch()
    assert ref in json.dumps(slack.fake.ok_calls("chat.postMessage")[0].params["blocks"])
    slack.sender.slash_command("/checkreport", f"{ref} I withdraw this, it was a misunderstanding.", DSL)
    refused = slack.fake.wait_for_call("response_url")[0].params["text"]
    assert refused.startswith("That is a case reference") and "withdraw" not in refused
    assert "use the receipt code you were given" in refused
    slack.sender.slash_command("/checkreport", ref, DSL)
    assert "is a case reference" in slack.fake.wait_for_call("response_url", count=2)[1].params["text"]
    slack.sender.direct_message(f"{ref} any news?", DSL)  # in a message: about a report, not a policy question
    slack.fake.wait_for(
        lambda f: [c for c in f.ok_calls("chat.postMessage") if "That is a case reference" in json.dumps(c.params)],
        what="the reference to be named as one",
    )
    assert not [e for e in _case(slack, code).events if e.action == "replied"]
    # The sender's receipt does reach it.
    slack.sender.slash_command("/checkreport", f"{code} It was a Year 4 pupil.", STAFF)
    answered = slack.fake.wait_for_call("response_url", count=3)[2].params["text"]
    assert answered.startswith(REPLY_ADDED) and ref not in answered
    assert [e.detail for e in _case(slack, code).events if e.action == "replied"] == ["It was a Year 4 pupil."]


@pytest.mark.parametrize("receipt", [None, "ACDE-FGHJ-KMNP-RTWX"])  # a random one, and one of letters only
def test_status_takes_the_code_as_it_was_read_out_in_lower_case_with_spaces(
    slack: SlackWorld, monkeypatch: pytest.MonkeyPatch, receipt: str | None
) -> None:
    """Read out, a receipt of letters only ("acde fghj kmnp rtwx It was Year 4.") looks like four words: after
    /checkreport it is still the code (about one receipt in sixty has no digit: this test failed that often)."""
    if receipt is not None:
        monkeypatch.setattr("bot.reports.sender.new_code", lambda: receipt)
    code = _report(slack)
    spoken = code.lower().replace("-", " ")
    slack.sender.slash_command("/checkreport", spoken, STAFF)
    reply = slack.fake.wait_for_call("response_url")[0].params["text"]
    assert reply.startswith(f"Report {code}"), reply
    slack.sender.slash_command("/checkreport", f"{spoken} It was Year 4.", STAFF)
    answered = slack.fake.wait_for_call("response_url", count=2)[1].params["text"]
    assert answered.startswith(REPLY_ADDED), answered
    assert any(e.detail == "It was Year 4." for e in _case(slack, code).events)


def test_what_slack_sends_as_amp_lt_and_gt_is_kept_as_the_sender_typed_it(slack: SlackWorld) -> None:
    """Slack sends a typed &, < and > as &amp;, &lt; and &gt;: the report keeps what was typed."""
    code = _report(slack)
    slack.sender.slash_command("/checkreport", f"{code} Year 3 &amp; Year 4, fewer than &lt;10 pupils", STAFF)
    slack.fake.wait_for_call("response_url")
    slack.sender.direct_message(f"{code} It was Sam &amp; Alex", STAFF)
    slack.fake.wait_for(lambda f: len(f.ok_calls("chat.postEphemeral")) >= 1, what="the reply to be confirmed")
    details = [e.detail for e in _case(slack, code).events]
    assert "Year 3 & Year 4, fewer than <10 pupils" in details and "It was Sam & Alex" in details, details
    slack.sender.slash_command("/report", "a post &amp; a photo", STAFF)
    form = slack.fake.wait_for_call("views.open", count=2)[1].params["view"]
    [description] = [b for b in form["blocks"] if b.get("block_id") == "description"]
    assert description["element"]["initial_value"] == "a post & a photo"


def test_a_reply_naming_a_dsl_with_a_slack_mention_keeps_the_case_from_them(slack: SlackWorld) -> None:
    """Slack sends "@Dana Lead" typed in a message as <@U0DSL00001>: the DSLs read her name, and the case is kept
    from her as from a reply naming her in words."""
    code = _report(slack)
    slack.core.reports.acknowledge(reference_of(slack.core, code), slack.core.reports.actor(name="Dana Lead"))
    slack.sender.direct_message(f"{code} it was <@{DSL}> who added him to the group, and <@U0NOBODY9|pat>", STAFF)
    slack.fake.wait_for(lambda f: len(f.ok_calls("chat.postEphemeral")) >= 1, what="the reply to be confirmed")
    sam = slack.core.reports.actor(name="Sam Deputy")
    details = [e.detail for e in slack.core.reports.case(reference_of(slack.core, code), sam).events]
    assert "it was @Dana Lead who added him to the group, and @pat" in details, details
    with pytest.raises(AccessDenied):
        _case(slack, code)  # Dana Lead's
    slack.sender.slash_command("/checkreport", f"{code} and <@{DEPUTY}|sam> saw it", STAFF)
    slack.fake.wait_for_call("response_url")
    assert "and @Sam Deputy saw it" in [e.detail for e in _case_as(slack, code, "Alex Head").events]


def test_urgent_report_also_goes_by_dm_to_the_dsls_and_every_copy_is_updated(slack: SlackWorld) -> None:
    code = _report(slack, category="child_at_risk", text="A child told me they are afraid to go home tonight.")
    ref = reference_of(slack.core, code)
    slack.dispatch()
    channels = sorted(c.params["channel"] for c in slack.fake.ok_calls("chat.postMessage"))
    assert channels == [DSL_CHANNEL, "D0DSL00001"]  # the channel, and the DSL on the route by DM
    slack.sender.block_action(DSL, "report.ack", ref, channel=DSL_CHANNEL)
    slack.fake.wait_for_call("response_url")
    slack.dispatch()
    updated = sorted(c.params["channel"] for c in slack.fake.ok_calls("chat.update"))
    assert updated == channels
    assert len(slack.fake.ok_calls("chat.postMessage")) == len(channels)  # edited in place, nothing new


def test_an_urgent_case_gone_on_to_the_deputy_says_so_on_the_cards_already_posted(
    slack: SlackWorld, clock: ManualClock
) -> None:
    _report(slack, category="child_at_risk", text="A child told me they are afraid to go home tonight.")
    slack.dispatch()
    posted = list(slack.fake.messages)  # (channel, ts) of the channel's card and Dana's
    clock.advance(minutes=15)
    slack.core.reports.escalate_due()
    slack.dispatch()
    # The deputy's own card is new; the channel's and Dana's are the same messages, edited, saying so.
    assert sorted(c.params["channel"] for c in slack.fake.ok_calls("chat.postMessage")) == [
        DSL_CHANNEL, "D0DSL00001", "D0DSL00002"]
    assert len(posted) == 2
    for where in posted:
        card = json.dumps(slack.fake.messages[where]["blocks"])
        assert "Not yet acknowledged: also sent to Sam Deputy at 10:15." in card


def test_dsl_reads_the_whole_report(slack: SlackWorld) -> None:
    code = _report(slack, text="Details. " * 400)
    ref = reference_of(slack.core, code)
    slack.sender.block_action(DSL, "report.view", ref, channel=DSL_CHANNEL)
    view = slack.fake.wait_for_call("views.open", count=2)[1].params["view"]
    assert ref in json.dumps(view) and code not in json.dumps(view) and len(view["blocks"]) <= 100


def test_question_reaches_a_named_reporter_by_dm(slack: SlackWorld) -> None:
    code = _report(slack, anonymous=False)
    ref = reference_of(slack.core, code)
    slack.dispatch()
    slack.sender.block_action(DSL, "report.ask", ref, channel=DSL_CHANNEL)
    modal = slack.fake.wait_for_call("views.open", count=2)[1].params["view"]
    assert "A question reaches the sender where they made the report" in json.dumps(modal["blocks"])
    assert modal["submit"]["text"] == "Send"
    values = {"text": {"value": {"type": "plain_text_input", "value": "Which lesson was it?"}}}
    slack.sender.view_submission(DSL, "report.ask", values, private_metadata=modal["private_metadata"])
    slack.dispatch()
    to_reporter = [c for c in slack.fake.ok_calls("chat.postMessage")
                   if c.params["channel"] == "D0STAFF001" and "Which lesson was it?" in json.dumps(c.params)]
    assert len(to_reporter) == 1
    assert f"/checkreport {code} followed by your answer" in json.dumps(to_reporter[0].params)
    # Answering in the same direct message, with the code, as the question says: it goes into the report.
    slack.sender.direct_message(f"{code} It was Year 4's swimming lesson.", STAFF)
    slack.fake.wait_for(
        lambda f: any(REPLY_ADDED in json.dumps(c.params) for c in f.ok_calls("chat.postMessage")),
        what="the reply to be confirmed",
    )
    dsl = slack.core.reports.actor(name="Dana Lead")
    assert dsl is not None
    events = slack.core.reports.case(reference_of(slack.core, code), dsl).events
    assert any(e.detail == "It was Year 4's swimming lesson." for e in events), [(e.action, e.detail) for e in events]


def test_a_reply_that_slack_sends_again_is_added_once(slack: SlackWorld) -> None:
    """Slack retries an event it thinks was lost, with the same event_id: the reply is in the report once."""
    code = _report(slack, anonymous=False)
    ts = f"{int(time.time())}.000777"
    event = {"type": "message", "channel_type": "im", "user": STAFF, "text": f"{code} It was the swimming lesson.",
             "ts": ts, "channel": "D0STAFF001", "event_ts": ts}
    payload = slack.sender.event_payload(event)
    first = int(time.time())
    assert slack.sender.json_body(payload, timestamp=str(first)).status == 200
    # Signed afresh, as Slack does: a different timestamp (not the first one again should the clock tick meanwhile).
    retried = slack.sender.json_body(payload, timestamp=str(first + 1))
    assert retried.status == 200
    slack.fake.wait_for(
        lambda f: any(REPLY_ADDED in json.dumps(c.params) for c in f.ok_calls("chat.postMessage")),
        what="the reply to be confirmed",
    )
    time.sleep(0.5)
    dsl = slack.core.reports.actor(name="Dana Lead")
    assert dsl is not None
    replies = [e for e in slack.core.reports.case(reference_of(slack.core, code), dsl).events if e.action == "replied"]
    assert len(replies) == 1


def test_a_receipt_code_sent_by_direct_message_for_an_anonymous_report_is_answered_privately(
    slack: SlackWorld,
) -> None:
    """Slack keeps a direct message under its sender's name: the report is shown only to them, not kept beside
    their message, and they are told how to check it without leaving a trace."""
    code = _report(slack)
    slack.sender.direct_message(f"{code} It was in the Year 4 swimming lesson.", STAFF)
    private = slack.fake.wait_for_call("chat.postEphemeral")[0].params
    said = json.dumps(private)
    assert private["user"] == STAFF and REPLY_ADDED in said and f"/checkreport {code}" in said
    assert "you may want to delete it" in said
    assert slack.fake.ok_calls("chat.postMessage") == []  # nothing kept in the conversation
    assert any(e.detail == "It was in the Year 4 swimming lesson." for e in _case(slack, code).events)


def test_a_reply_by_direct_message_refused_for_an_anonymous_report_is_said_privately(slack: SlackWorld) -> None:
    """The same answer sent twice, or one sent after the report was closed: what is said names the sender's report
    ("already in your report", "Your report had been closed"), so Slack must not keep it beside their name either."""
    code = _report(slack)
    answer = f"{code} It was in the Year 4 swimming lesson."
    for n in (1, 2):  # each answered before the next is sent
        slack.sender.direct_message(answer, STAFF)
        slack.fake.wait_for_call("chat.postEphemeral", count=n)
    dana = slack.core.reports.actor(name="Dana Lead")
    slack.core.reports.close(reference_of(slack.core, code), dana, "Dealt with.")  # type: ignore[arg-type]
    slack.sender.direct_message(f"{code} It was also on WhatsApp last night.", STAFF)
    said = [json.dumps(c.params) for c in slack.fake.wait_for_call("chat.postEphemeral", count=3)]
    assert "already in your report" in said[1] and "Your report had been closed" in said[2]
    assert all("you may want to delete it" in s for s in said)
    assert slack.fake.ok_calls("chat.postMessage") == []  # nothing kept in the conversation


@pytest.mark.parametrize("said", ["any news on {code}?", "{code} yes"])
def test_words_with_a_code_that_only_ask_after_it_are_not_added(slack: SlackWorld, said: str) -> None:
    """"Any news on CODE?" shows the report and is not sent to the school as an answer; a short "CODE yes" might be
    one, so the sender is shown how to send it as one."""
    code = _report(slack, anonymous=False)
    slack.sender.direct_message(said.format(code=code), STAFF)
    reply = slack.fake.wait_for(
        lambda f: [c for c in f.ok_calls("chat.postMessage")
                   if c.params.get("channel") == "D0STAFF001" and "waiting to be opened" in json.dumps(c.params)],
        what="the report's status",
    )[0]
    shown = json.dumps(reply.params, ensure_ascii=False)
    if said.endswith("?"):
        assert "I have not added" not in shown
    else:
        assert "I have not added \u201cyes\u201d to your report" in shown and f"/checkreport {code} yes" in shown
    dsl = slack.core.reports.actor(name="Dana Lead")
    assert dsl is not None
    assert not [e for e in slack.core.reports.case(reference_of(slack.core, code), dsl).events if e.action == "replied"]


def _buttons(blocks: list[dict[str, Any]]) -> list[str]:
    return [e["action_id"] for b in blocks if b["type"] == "actions" for e in b["elements"]]


def test_a_case_taken_from_who_acknowledged_it_moves_to_the_deputy_and_leaves_the_channel(slack: SlackWorld) -> None:
    code = _report(slack, category="child_at_risk", text="A child told me an adult at school hurt her.")
    ref = reference_of(slack.core, code)
    slack.dispatch()
    slack.sender.block_action(DSL, "report.ack", ref, channel=DSL_CHANNEL)
    slack.fake.wait_for_call("response_url")
    slack.dispatch()
    slack.core.reports.sender_reply(code, "The adult was Mrs Lead.", requester="r")
    slack.dispatch()
    last = {c.params["channel"]: c.params for c in slack.fake.ok_calls("chat.update")}
    assert "moved to direct messages" in json.dumps(last[DSL_CHANNEL]) and not _buttons(last[DSL_CHANNEL]["blocks"])
    to_sam = [c.params for c in slack.fake.ok_calls("chat.postMessage") if c.params["channel"] == "D0DSL00002"]
    assert len(to_sam) == 1 and "report.ack" in _buttons(to_sam[0]["blocks"])
    said = json.dumps(to_sam[0]["blocks"])
    assert "who had acknowledged this case" in said and "Acknowledged by" not in said
    # Dana's own DM card is edited too: no report text, and no buttons whose presses would only be refused.
    dana = last["D0DSL00001"]
    assert not _buttons(dana["blocks"]) and "hurt her" not in json.dumps(dana)
    assert "now with others at the school who handle concerns" in json.dumps(dana["blocks"])


def test_a_moved_card_the_channel_refuses_is_not_sent_to_the_deputy_in_place_of_the_case(slack: SlackWorld) -> None:
    """The bot is removed from the DSL channel just as a case leaves it: the channel's "moved" card must not be
    rerouted to the deputy by DM, where it took the place of their card asking them to acknowledge the case."""
    code = _report(slack, category="online_abuse", text="Messages from an adult to a pupil.")
    ref = reference_of(slack.core, code)
    slack.dispatch()
    slack.sender.block_action(DSL, "report.ack", ref, channel=DSL_CHANNEL)
    slack.fake.wait_for_call("response_url")
    slack.dispatch()
    slack.core.reports.sender_reply(code, "It was Mrs Lead who sent them.", requester="r")
    slack.fake.fail_next("chat.update", "not_in_channel")
    for _ in range(3):
        slack.dispatch()
    to_sam = [c.params for c in slack.fake.ok_calls() if c.method in ("chat.postMessage", "chat.update")
              and c.params["channel"] == "D0DSL00002"]
    assert to_sam and all("moved to direct messages" not in json.dumps(p) for p in to_sam)
    assert "report.ack" in _buttons(to_sam[-1]["blocks"])
    assert "it is with you: please acknowledge it" in json.dumps(to_sam[-1]["blocks"])


def test_a_closed_card_can_still_be_opened_and_noted_and_shows_the_outcome(slack: SlackWorld) -> None:
    code = _report(slack)
    ref = reference_of(slack.core, code)
    slack.dispatch()
    dsl = slack.core.reports.actor(name="Dana Lead")
    assert dsl is not None
    slack.core.reports.close(reference_of(slack.core, code), dsl, "Parents informed; the messages have stopped.")
    slack.dispatch()
    card = slack.fake.ok_calls("chat.update")[-1].params
    assert _buttons(card["blocks"]) == ["report.view", "report.note", "report.reopen"]
    assert "Outcome (not shared with the sender): Parents informed; the messages have stopped." in json.dumps(
        card["blocks"])
    slack.sender.block_action(DSL, "report.view", ref, channel=DSL_CHANNEL)
    window = json.dumps(slack.fake.wait_for_call("views.open", count=2)[-1].params["view"]["blocks"])
    assert "Status: *closed*" in window and "outcome not shared with the sender" in window


@pytest.mark.parametrize("share", [True, False])
def test_the_close_form_can_share_the_outcome_with_the_sender(slack: SlackWorld, share: bool) -> None:
    code = _report(slack)
    ref = reference_of(slack.core, code)
    slack.sender.block_action(DSL, "report.close", ref, channel=DSL_CHANNEL)
    modal = slack.fake.wait_for_call("views.open", count=2)[1].params["view"]
    assert "Share the outcome with the sender" in json.dumps(modal["blocks"])
    values: dict[str, Any] = {
        "text": {"value": {"type": "plain_text_input", "value": "Spoke to both families; it has stopped."}},
        "share": {"value": {"type": "checkboxes", "selected_options": [{"value": "yes"}] if share else []}},
    }
    sent = slack.sender.view_submission(DSL, "report.close", values, private_metadata=modal["private_metadata"])
    assert "errors" not in (sent.json() or {})
    seen = slack.core.reports.sender_status(code, requester="test").closed_outcome
    assert seen == ("Spoke to both families; it has stopped." if share else None)
    told = slack.fake.wait_for(lambda f: [c.params["text"] for c in f.ok_calls("chat.postMessage")
                                          if f"Report {ref} is closed." in c.params.get("text", "")])
    assert ("they will read the outcome if they check" in told[-1]) == share  # the sender kept no way to be reached
    assert "The sender can read the outcome" not in told[-1]


def test_the_note_form_says_notes_are_private(slack: SlackWorld) -> None:
    code = _report(slack)
    ref = reference_of(slack.core, code)
    slack.sender.block_action(DSL, "report.note", ref, channel=DSL_CHANNEL)
    modal = slack.fake.wait_for_call("views.open", count=2)[1].params["view"]
    assert "Notes are private" in json.dumps(modal["blocks"]) and "share" not in json.dumps(modal["blocks"])


def test_a_closed_case_is_re_opened_from_its_card_with_a_reason(slack: SlackWorld) -> None:
    code = _report(slack)
    ref = reference_of(slack.core, code)
    slack.dispatch()
    slack.sender.block_action(DSL, "report.reopen", ref, channel=DSL_CHANNEL)  # still open: refused at the button
    said = slack.fake.wait_for_call("response_url")[0].params["text"]
    assert said == f"Report {ref} is not closed, so there is nothing to re-open."
    dsl = slack.core.reports.actor(name="Dana Lead")
    assert dsl is not None
    slack.core.reports.close(ref, dsl, "Parents informed.")
    slack.dispatch()
    slack.sender.block_action(STAFF, "report.reopen", ref, channel=DSL_CHANNEL)
    assert "only the people it was sent to can" in slack.fake.wait_for_call("response_url", count=2)[1].params["text"]
    refused = [e.as_read()[0] for e in _case(slack, code).events if e.action == "refused"]
    assert refused == ["tried to re-open the report (not allowed)"]

    slack.sender.block_action(DEPUTY, "report.reopen", ref, channel=DSL_CHANNEL)
    modal = slack.fake.wait_for_call("views.open", count=2)[1].params["view"]
    assert modal["callback_id"] == "report.reopen" and modal["title"]["text"] == "Re-open the case"
    assert "told only that their report is being looked at again, not by whom nor why" in json.dumps(modal["blocks"])
    empty = {"text": {"value": {"type": "plain_text_input", "value": "  "}}}
    sent = slack.sender.view_submission(DEPUTY, "report.reopen", empty, private_metadata=modal["private_metadata"])
    assert sent.json()["errors"]["text"].startswith("Your reason is empty.")
    reason = {"text": {"value": {"type": "plain_text_input", "value": "The adult has written to the pupil again."}}}
    sent = slack.sender.view_submission(DEPUTY, "report.reopen", reason, private_metadata=modal["private_metadata"])
    assert sent.status == 200 and "errors" not in (sent.json() or {})
    told = slack.fake.wait_for(lambda f: [c.params["text"] for c in f.ok_calls("chat.postMessage")
                                          if f"Report {ref} is open again." in c.params.get("text", "")])
    assert "There is no way to reach the sender" in told[-1]  # an anonymous report in Slack keeps no way
    case = _case(slack, code)
    assert (case.status, case.outcome) == ("in progress", None)
    assert [(e.actor, e.detail) for e in case.events if e.action == "re-opened"] == [
        ("Sam Deputy", "The adult has written to the pupil again.")]
    slack.dispatch()
    card = slack.fake.ok_calls("chat.update")[-1].params
    assert _buttons(card["blocks"]) == ["report.view", "report.note", "report.ask", "report.close"]
    assert "Re-opened by Sam Deputy." in json.dumps(card["blocks"])


def _held_write_lock(slack: SlackWorld, seconds: float) -> threading.Thread:
    """Another write holding the reports' write lock for `seconds` (the minute job's, say)."""
    held = threading.Event()

    def hold() -> None:
        with slack.core.reports._write_lock:
            held.set()
            time.sleep(seconds)

    thread = threading.Thread(target=hold, daemon=True)
    thread.start()
    assert held.wait(5)
    return thread


def test_a_report_slow_to_save_is_answered_in_time_and_its_receipt_then_shown_in_the_window(
    slack: SlackWorld, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Slack drops a form's answer after 3 seconds and tells the sender it could not connect: a report saved later
    than that was stored, but its anonymous sender never saw its receipt, and sent it again."""
    monkeypatch.setattr(views, "SUBMIT_WAIT", 0.3)
    holder = _held_write_lock(slack, 1.5)
    started = time.monotonic()
    submitted = slack.sender.view_submission(STAFF, "report.submit", _values("online_abuse", "Slow day. A pupil..."))
    assert submitted.status == 200 and time.monotonic() - started < 1.2
    answer = submitted.json()
    assert answer["response_action"] == "update" and "keep this window open" in json.dumps(answer["view"])
    holder.join()
    [update] = slack.fake.wait_for_call("views.update", timeout=10)
    found = re.search(r"Your receipt code is: ([A-Z0-9-]+)", json.dumps(update.params["view"]))
    assert found and str(update.params["view_id"]).startswith("VSUB")  # the sender's own window
    assert "Slow day" in _case(slack, found.group(1)).text  # the receipt is the stored report's


def _ephemeral_receipt(slack: SlackWorld) -> str:
    """The receipt code told to STAFF in a message only they see, in the Slack they have open."""
    [told] = slack.fake.wait_for(lambda f: f.ok_calls("chat.postEphemeral"), timeout=10)
    assert told.params["user"] == STAFF and told.params["channel"] == "D" + STAFF.lstrip("U")  # our DMs
    found = re.search(r"Your receipt code is: ([A-Z0-9-]+)", told.params["text"] + json.dumps(told.params["blocks"]))
    assert found and "gone once you reload Slack" in json.dumps(told.params["blocks"])
    assert not [c for c in slack.fake.ok_calls("chat.postMessage") if c.params["channel"] in (STAFF, told.params[
        "channel"])]  # no message Slack keeps: nothing ties the sender to the report
    return found.group(1)


def test_a_slow_report_whose_window_is_closed_first_still_gives_its_sender_the_receipt(
    slack: SlackWorld, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The window saying 'keep this window open' closed before the receipt came: the receipt was lost for good."""
    monkeypatch.setattr(views, "SUBMIT_WAIT", 0.3)
    holder = _held_write_lock(slack, 1.5)
    submitted = slack.sender.view_submission(STAFF, "report.submit", _values("online_abuse", "Closed early. A pupil"),
                                             view_id="VCLOSE0001")
    saying = submitted.json()["view"]
    assert saying["notify_on_close"] is True and "If you close it" in json.dumps(saying)
    assert slack.sender.view_closed(STAFF, "VCLOSE0001", saying["callback_id"]).status == 200
    holder.join()
    code = _ephemeral_receipt(slack)
    assert "Closed early" in _case(slack, code).text
    assert not slack.fake.ok_calls("views.update")
    with slack.core.db.session() as session:  # nor anything the bot keeps
        kept = [slack.core.outbox.message(row).recipient.address for row in session.scalars(select(OutboxRow))]
    assert kept and not {STAFF, "D" + STAFF.lstrip("U")} & set(kept)


def test_a_slow_report_whose_window_has_gone_gives_the_receipt_the_same_way(
    slack: SlackWorld, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(views, "SUBMIT_WAIT", 0.3)
    slack.fake.fail_next("views.update", "not_found")  # closed without Slack saying so (the app quit, say)
    holder = _held_write_lock(slack, 1.0)
    slack.sender.view_submission(STAFF, "report.submit", _values("online_abuse", "Gone window. A pupil..."))
    holder.join()
    assert "Gone window" in _case(slack, _ephemeral_receipt(slack)).text


def _slow_then_refused(
    slack: SlackWorld, monkeypatch: pytest.MonkeyPatch, view_id: str | None = None
) -> tuple[Sent, threading.Thread]:
    """A report ("Words to keep.") whose save waits behind another write, then fails (the disk, say); and that write."""
    monkeypatch.setattr(views, "SUBMIT_WAIT", 0.3)
    holder = _held_write_lock(slack, 1.0)

    def broken(*args: Any, **kwargs: Any) -> Any:
        raise OperationalError("INSERT INTO reports", {}, Exception("disk I/O error"))

    monkeypatch.setattr(slack.core.reports.sender, "_write", broken)
    values = _values("online_abuse", "Words to keep.")
    return slack.sender.view_submission(STAFF, "report.submit", values, view_id=view_id), holder


def test_a_slow_report_refused_after_its_window_closed_gives_back_what_was_written(
    slack: SlackWorld, monkeypatch: pytest.MonkeyPatch
) -> None:
    submitted, holder = _slow_then_refused(slack, monkeypatch, view_id="VCLOSE0002")
    slack.sender.view_closed(STAFF, "VCLOSE0002", submitted.json()["view"]["callback_id"])
    holder.join()
    [told] = slack.fake.wait_for(lambda f: f.ok_calls("chat.postEphemeral"), timeout=10)
    assert "has not been sent" in told.params["text"] and "Words to keep." in json.dumps(told.params["blocks"])


def test_a_report_slow_to_save_and_then_refused_gives_the_form_back_with_what_was_written(
    slack: SlackWorld, monkeypatch: pytest.MonkeyPatch
) -> None:
    submitted, holder = _slow_then_refused(slack, monkeypatch)
    assert "keep this window open" in json.dumps(submitted.json()["view"])
    holder.join()
    [update] = slack.fake.wait_for_call("views.update", timeout=10)
    view = update.params["view"]
    assert view["callback_id"] == "report.submit" and "Words to keep." in json.dumps(view)
    assert "went wrong" in json.dumps(view)
    with slack.core.db.session() as session:
        assert not session.scalars(select(OutboxRow)).all()


def test_a_report_sent_while_another_process_holds_the_database_is_answered_in_time(
    slack: SlackWorld, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Another process (a `policybot reports` command, say) holds SQLite's write lock for longer than Slack waits:
    the replay check's own write must not hold the form's answer past Slack's three seconds, or the sender is told it
    could not connect while the report is saved behind their back, its receipt never shown."""
    import sqlite3

    from bot.storage import sqlite_file

    monkeypatch.setattr(views, "SUBMIT_WAIT", 0.3)
    path = sqlite_file(slack.core.settings.resolved_database_url)
    assert path is not None
    other = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    other.execute("BEGIN IMMEDIATE")  # the other process's write
    releaser = threading.Timer(3.5, other.execute, ("COMMIT",))
    releaser.start()
    try:
        started = time.monotonic()
        submitted = slack.sender.view_submission(STAFF, "report.submit", _values("online_abuse", "Held. A pupil..."))
        assert time.monotonic() - started < 2.0
        assert submitted.json()["response_action"] == "update"
        assert "keep this window open" in json.dumps(submitted.json()["view"])
    finally:
        releaser.join()
        other.close()
    [update] = slack.fake.wait_for_call("views.update", timeout=10)
    found = re.search(r"Your receipt code is: ([A-Z0-9-]+)", json.dumps(update.params["view"]))
    assert found and "Held. A pupil" in _case(slack, found.group(1)).text


def test_a_slow_report_whose_window_cannot_be_reached_gives_the_receipt_the_same_way(
    slack: SlackWorld, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Slack not answering the window's update (a timeout, a dropped connection) is no refusal, but the window shows
    nothing all the same: the anonymous sender's receipt was lost for good."""
    monkeypatch.setattr(views, "SUBMIT_WAIT", 0.3)
    slack.app.client.timeout = 1  # (each request's client is made with the app's)
    slack.fake.slow("views.update", 3)
    holder = _held_write_lock(slack, 1.0)
    slack.sender.view_submission(STAFF, "report.submit", _values("online_abuse", "Timed out. A pupil..."))
    holder.join()
    assert "Timed out" in _case(slack, _ephemeral_receipt(slack)).text
