"""App Home (acknowledgements, sections, report button, headteacher's overview) and the schedule's buttons."""

from __future__ import annotations

import json

import pytest

from tests.handlers.slack.conftest import HEAD, STAFF, SlackWorld

pytest.importorskip("bot.schedule.service")


def _person_id(slack: SlackWorld, name: str) -> int:
    with slack.core.db.session() as session:
        person = slack.core.people.by_name(session, name)
        assert person is not None
        return person.id


def _home(slack: SlackWorld, user: str, count: int = 1) -> dict:
    call = slack.fake.wait_for_call("views.publish", count=count)[count - 1]
    assert call.params["user_id"] == user
    view: dict = call.params["view"]
    assert view["type"] == "home" and len(view["blocks"]) <= 100
    return view


def _buttons(view: dict) -> list[dict]:
    found = []
    for block in view["blocks"]:
        if block.get("accessory", {}).get("type") == "button":
            found.append(block["accessory"])
        found += [e for e in block.get("elements", []) if e.get("type") == "button"]
    return found


def test_staff_home_offers_acknowledgement_and_records_it(slack: SlackWorld) -> None:
    slack.sender.app_home_opened(STAFF)
    view = _home(slack, STAFF)
    accept = [b for b in _buttons(view) if b["action_id"] == "ack.accept"]
    assert accept and accept[0]["text"]["text"].startswith("I have read and accept version ")
    assert any(b["action_id"] == "report.open" for b in _buttons(view))
    assert "Reviews and compliance" not in json.dumps(view)
    assert "Type /photos taken and I will remind you" in json.dumps(view)  # the reminder the policy implies, offered
    slack.sender.block_action(STAFF, "ack.accept", accept[0]["value"], view={"id": "V1", "type": "home"})
    after = _home(slack, STAFF, count=2)
    assert not [b for b in _buttons(after) if b["action_id"] == "ack.accept"]
    statuses = slack.core.schedule.acks.status_for(_person_id(slack, "Jo Teacher"))
    assert all(s.acknowledged_at is not None for s in statuses)


def test_accepting_from_the_reminder_twice_says_it_was_already_recorded(slack: SlackWorld) -> None:
    """The reminder's button stays on the message: a second press must not read as a second acceptance."""
    slack.sender.block_action(STAFF, "ack.accept", "social-media:2022.1", channel="D0STAFF001")
    first = slack.fake.wait_for_call("response_url")[0].params["text"]
    assert first == ("Thank you. You have accepted version 2022.1 of the Social Media Policy; this is recorded with "
                     "the time.")
    slack.sender.block_action(STAFF, "ack.accept", "social-media:2022.1", channel="D0STAFF001")
    second = slack.fake.wait_for_call("response_url", count=2)[1].params["text"]
    assert second == ("You had already accepted version 2022.1 of the Social Media Policy, so there is nothing more "
                      "to do.")


def test_the_chair_is_not_offered_an_acceptance(slack: SlackWorld) -> None:
    """Chairs are never reminded nor counted: their Home shows nothing to accept, and no button."""
    slack.sender.app_home_opened("U0CHAIR001")
    view = _home(slack, "U0CHAIR001")
    assert not [b for b in _buttons(view) if b["action_id"] == "ack.accept"]
    assert "not yet acknowledged" not in json.dumps(view) and "Nothing for you to acknowledge" in json.dumps(view)


def test_report_button_on_home_opens_the_form(slack: SlackWorld) -> None:
    pytest.importorskip("bot.reports.service")
    slack.sender.block_action(STAFF, "report.open", "", view={"id": "V1", "type": "home"})
    view = slack.fake.wait_for_call("views.open")[0].params["view"]
    assert view["callback_id"] == "report.submit"
    anonymous = [b for b in view["blocks"] if b.get("block_id") == "anonymous"][0]
    assert anonymous["element"]["initial_options"]  # anonymous unless they untick it


def test_headteacher_sees_reviews_and_compliance(slack: SlackWorld) -> None:
    slack.sender.app_home_opened(HEAD)
    view = _home(slack, HEAD)
    shown = json.dumps(view)
    assert "Reviews and compliance" in shown
    assert shown.lower().count("overdue by") == 1  # said once, with the date it was due
    assert "0 of 5 staff have accepted it" in shown  # no campaign open: the version staff are asked to accept
    assert "nobody is reminded" in shown  # ... and it has not been published
    # The overdue review's buttons, in the review prompt's order (they were the other way round here).
    reviewed = [(b["action_id"], b["text"]["text"]) for b in _buttons(view) if b["action_id"].startswith("review.")]
    assert reviewed == [("review.done", "Reviewed and updated"), ("review.nochange", "Reviewed: no changes needed")]


def test_unknown_user_still_gets_a_home_with_the_report_button(slack: SlackWorld) -> None:
    slack.sender.app_home_opened("U0VISITOR1")
    view = _home(slack, "U0VISITOR1")
    assert any(b["action_id"] == "report.open" for b in _buttons(view))


def test_a_leaver_and_a_starter_are_told_what_the_records_say_not_to_ask_to_be_added(slack: SlackWorld) -> None:
    import datetime as dt

    from bot.config import PersonEntry

    today = slack.core.clock.now().date()
    slack.core.people.seed([
        PersonEntry(name="Lee Leaver", slack_user_id="U0LEAVER01", leave_date=today - dt.timedelta(days=2)),
        PersonEntry(name="Sky Starter", slack_user_id="U0STARTER1", start_date=today + dt.timedelta(days=5)),
    ])
    slack.sender.app_home_opened("U0LEAVER01")
    home = json.dumps(_home(slack, "U0LEAVER01"))
    assert "The school's records say you left on Monday 23 November 2026." in home and "add you" not in home
    slack.sender.app_home_opened("U0STARTER1")  # they may ask questions already, and whom to ask if the date is wrong
    assert ("The school's records say you start on Monday 30 November 2026. You can read the policy, ask me about it "
            "with /policy and report a concern. If that date is wrong, please ask the school office."
            ) in json.dumps(_home(slack, "U0STARTER1", count=2))
    slack.sender.slash_command("/photos", "trip", "U0STARTER1")
    said = slack.fake.wait_for_call("response_url")[0].params["text"]
    assert said == ("The school's records say you start on Monday 30 November 2026, so I can't do that. If that is "
                    "wrong, please ask the school office.")


def test_photos_then_done(slack: SlackWorld) -> None:
    slack.sender.slash_command("/photos", "sports day", STAFF)
    reply = slack.fake.wait_for_call("response_url")[0]
    assert "noted" in reply.params["text"]
    person = str(_person_id(slack, "Jo Teacher"))
    slack.sender.block_action(STAFF, "photos.done", person, channel="D0STAFF001")
    done = slack.fake.wait_for_call("response_url", count=2)[1]
    assert "No more reminders" in done.params["text"]


def test_photos_done_as_a_command(slack: SlackWorld) -> None:
    slack.sender.slash_command("/photos", "sports day", STAFF)
    slack.fake.wait_for_call("response_url")
    slack.sender.slash_command("/photos", "done", STAFF)
    done = slack.fake.wait_for_call("response_url", count=2)[1]
    assert "No more reminders" in done.params["text"]


def test_photos_alone_says_what_it_does_and_signs_nobody_up(slack: SlackWorld) -> None:
    from sqlalchemy import select

    from bot.schedule.models import PhotoRecord

    slack.sender.slash_command("/photos", "", STAFF)
    reply = json.dumps(slack.fake.wait_for_call("response_url")[0].params["blocks"])
    assert "Send /photos taken" in reply and "/photos done" in reply and "Thank you, noted" not in reply
    with slack.core.db.session() as session:
        assert session.scalar(select(PhotoRecord)) is None


def test_photos_from_someone_unknown_is_refused_kindly(slack: SlackWorld) -> None:
    slack.sender.slash_command("/photos", "", "U0VISITOR1")
    reply = slack.fake.wait_for_call("response_url")[0]
    assert "recognise" in reply.params["text"]


def test_review_no_change_is_recorded(slack: SlackWorld) -> None:
    slack.sender.block_action(HEAD, "review.nochange", "social-media", channel="D0HEAD0001")
    reply = slack.fake.wait_for_call("response_url")[0]
    assert reply.params["text"].startswith("Thank you: the review of the Social Media Policy is recorded.")
    statuses = {s.policy_id: s for s in slack.core.schedule.reviews.status()}
    assert statuses["social-media"].days_overdue == 0
    slack.sender.block_action(HEAD, "review.nochange", "social-media", channel="D0HEAD0001")  # the old prompt, again
    again = slack.fake.wait_for_call("response_url", count=2)[1]
    assert again.params["text"].startswith("Thank you: the review of the Social Media Policy was already recorded.")
    assert len(_reviews(slack)) == 1


@pytest.mark.parametrize("action", ["review.nochange", "review.done"])
def test_review_button_for_a_policy_that_is_not_there_says_so_plainly(slack: SlackWorld, action: str) -> None:
    slack.sender.block_action(HEAD, action, "social_media", channel="D0HEAD0001")  # an old or forged button
    said = slack.fake.wait_for_call("response_url")[0].params["text"]
    assert "can't find that policy" in said and "social_media" not in said
    assert _reviews(slack) == [] and slack.fake.ok_calls("views.open") == []


def test_leaver_done_without_a_leave_date_gets_the_schedules_words(slack: SlackWorld) -> None:
    slack.sender.block_action("U0ADMIN001", "leaver.done", str(_person_id(slack, "Sam Deputy")), channel="D0ADMIN001")
    reply = slack.fake.wait_for_call("response_url")[0]
    assert "is no longer recorded as leaving" in reply.params["text"]


def _review_values(version: str, notes: str) -> dict:
    return {
        "version": {"value": {"type": "plain_text_input", "value": version or None}},
        "notes": {"value": {"type": "plain_text_input", "value": notes or None}},
    }


def _reviews(slack: SlackWorld) -> list:
    from sqlalchemy import select

    from bot.schedule.models import PolicyReview

    with slack.core.db.session() as session:
        rows = session.scalars(select(PolicyReview).where(PolicyReview.policy_id == "social-media")).all()
        return [(r.reviewer, r.new_version, r.notes, r.no_changes) for r in rows]


def test_review_done_asks_for_the_new_version_in_a_modal_then_records_it(slack: SlackWorld) -> None:
    before = _reviews(slack)
    slack.sender.block_action(HEAD, "review.done", "social-media", channel="D0HEAD0001")
    view = slack.fake.wait_for_call("views.open")[0].params["view"]
    assert view["callback_id"] == "review.submit"
    inputs = {b["block_id"]: b for b in view["blocks"] if b["type"] == "input"}
    assert set(inputs) == {"version", "notes"} and inputs["version"]["optional"]
    assert _reviews(slack) == before  # nothing recorded by the press itself

    sent = slack.sender.view_submission(HEAD, view["callback_id"], _review_values("2.1", "Photo rules tightened"),
                                        private_metadata=view["private_metadata"])
    assert sent.status == 200 and "errors" not in sent.body
    assert _reviews(slack)[len(before):] == [("Alex Head", "2.1", "Photo rules tightened", False)]
    status = {s.policy_id: s for s in slack.core.schedule.reviews.status()}["social-media"]
    assert status.version == "2.1" and status.days_overdue == 0
    told = slack.fake.wait_for_call("chat.postMessage")[0]
    assert told.params["channel"] == "D0HEAD0001" and "version 2.1" in json.dumps(told.params["blocks"])
    # The new version is not published yet: said without sending the head to a server command, here and on Home.
    assert "Whoever runs the bot publishes it" in told.params["text"] and "policybot" not in json.dumps(told.params)
    slack.sender.app_home_opened(HEAD)
    home = json.dumps(_home(slack, HEAD))
    assert "Version 2.1 is not published yet" in home and "policybot" not in home


def test_review_done_from_someone_who_may_not_record_it_is_refused_in_the_modal(slack: SlackWorld) -> None:
    before = _reviews(slack)
    slack.sender.block_action(STAFF, "review.done", "social-media", channel="D0STAFF001")
    view = slack.fake.wait_for_call("views.open")[0].params["view"]
    sent = slack.sender.view_submission(STAFF, view["callback_id"], _review_values("9.9", ""),
                                        private_metadata=view["private_metadata"])
    answer = sent.json()
    assert answer["response_action"] == "errors"
    assert "headteacher or the chair of governors" in answer["errors"]["version"]
    assert _reviews(slack) == before


def test_review_done_from_the_home_tab_redraws_it(slack: SlackWorld) -> None:
    slack.sender.block_action(HEAD, "review.done", "social-media", view={"id": "V1", "type": "home"})
    view = slack.fake.wait_for_call("views.open")[0].params["view"]
    sent = slack.sender.view_submission(HEAD, view["callback_id"], _review_values("", ""),
                                        private_metadata=view["private_metadata"])
    assert sent.status == 200 and "errors" not in sent.body
    assert _home(slack, HEAD)  # the Home tab is published again, showing the review
    assert _reviews(slack)[-1] == ("Alex Head", None, "reviewed and updated (Slack)", True)


def test_compliance_names_who_is_not_on_slack() -> None:
    """Someone with no Slack id is never reminded: the headteacher sees why they are still waiting."""
    import datetime as dt

    from bot.schedule.acks import ComplianceRow
    from handlers.slack.home import compliance_lines

    def row(name: str, on_slack: bool = True, accepted: bool = False) -> ComplianceRow:
        when = dt.datetime(2026, 11, 25, 10, tzinfo=dt.UTC) if accepted else None
        return ComplianceRow("social-media", "Social Media Policy", "2022.1", len(name), name,
                             dt.date(2026, 11, 25), when, 0, on_slack=on_slack)

    [line] = compliance_lines([row("Jo Teacher", accepted=True), row("Terry Assistant", on_slack=False),
                               row("Dana Lead")])
    assert line == ("Social Media Policy version 2022.1: 1 of 3 staff have accepted it. "
                    "Not yet: Dana Lead, Terry Assistant (no Slack account).")
    [big] = compliance_lines([row(f"Staff {n:04d}", accepted=n < 1200) for n in range(1500)])
    assert big.startswith("Social Media Policy version 2022.1: 1,200 of 1,500 staff have accepted it. Not yet: ")
    assert big.endswith(" and 290 more.")


def _concerns(view: dict) -> list[str]:
    """The App Home's open concerns, each as its section's text."""
    opens = [b for b in view["blocks"] if b.get("accessory", {}).get("action_id") == "report.view"]
    assert all(b["accessory"]["text"]["text"] == "Open" for b in opens)
    return [b["text"]["text"] for b in opens]


def test_a_dsls_home_lists_the_open_concerns_they_may_see_and_opens_one(slack: SlackWorld) -> None:
    """Each with its reference, category, status, who acknowledged it and how long since it came in and since the
    last step on it; never a case kept from them, nor anything about who sent it, nor a receipt code."""
    from tests.handlers.slack.conftest import DSL

    pytest.importorskip("bot.reports.service")
    reports, clock = slack.core.reports, slack.core.clock
    dana = reports.actor(name="Dana Lead")
    assert dana is not None
    older = reports.submit("other", "A parent posted a class photo.", channel="slack")
    about_dana = reports.submit("other", "It is about Dana Lead.", channel="slack", named_people=["Dana Lead"])
    clock.advance(hours=3)  # type: ignore[attr-defined]
    urgent = reports.submit("child_at_risk", "An adult online asked a pupil to meet.", channel="slack")
    reports.add_note(older.reference, dana, "Spoke to the parent.")
    clock.advance(minutes=20)  # type: ignore[attr-defined]

    slack.sender.app_home_opened(DSL)
    view = _home(slack, DSL)
    assert "Open concerns (2)" in json.dumps(view)
    assert _concerns(view) == [
        f"*{urgent.reference}* · A child at risk · *urgent*\nNew, not yet acknowledged · came in 20 minutes ago",
        f"*{older.reference}* · Something else\nIn progress, acknowledged by Dana Lead · came in 3 hours 20 minutes "
        "ago · last activity 20 minutes ago",
    ]
    shown = json.dumps(view)
    assert about_dana.reference not in shown
    assert not any(r.code in shown for r in (older, urgent, about_dana))  # no receipt code
    assert not any("slack" in line.lower() for line in _concerns(view))  # nor how it was sent

    slack.sender.block_action(DSL, "report.view", urgent.reference, view={"id": "V1", "type": "home"})
    window = slack.fake.wait_for_call("views.open")[0].params["view"]
    assert "An adult online asked a pupil to meet." in json.dumps(window)

    slack.sender.app_home_opened("U0STAFF001")  # staff who handle no reports see no concerns at all
    assert "Open concerns" not in json.dumps(_home(slack, "U0STAFF001", count=2))


def test_the_home_is_current_each_time_it_is_opened_and_caps_its_list(slack: SlackWorld) -> None:
    from tests.handlers.slack.conftest import DEPUTY

    pytest.importorskip("bot.reports.service")
    from handlers.slack.home import HOME_CASES

    reports = slack.core.reports
    slack.sender.app_home_opened(DEPUTY)
    assert "No open concerns are with you just now." in json.dumps(_home(slack, DEPUTY))
    first = reports.submit("other", "A parent posted a class photo.", channel="console")
    for _ in range(HOME_CASES + 1):
        reports.submit("other", "Another post with pupils in it.", channel="console")
    reports.acknowledge(first.reference, reports.actor_named("Dana Lead"))
    slack.sender.app_home_opened(DEPUTY)
    view = _home(slack, DEPUTY, count=2)
    listed = _concerns(view)
    assert len(listed) == HOME_CASES and listed[0].startswith(f"*{first.reference}*")
    assert listed[0] == f"*{first.reference}* · Something else\nAcknowledged by Dana Lead · came in just now"
    assert ('And 2 more. To see them all, run on the bot\'s server (or ask whoever looks after it): policybot reports '
            'list --as "Sam Deputy"') in json.dumps(view).replace('\\"', '"')
