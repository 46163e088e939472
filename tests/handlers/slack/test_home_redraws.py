"""A handler's App Home, kept open, is redrawn (views.publish) when a case it lists changes: through the outbox, via
slack_sdk's real client against the fake Web API."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from bot.reports import ReplyAddress
from bot.wording import long_date
from tests.handlers.slack.conftest import CHAIR, DEPUTY, DSL, DSL_CHANNEL, HEAD, SlackWorld

pytest.importorskip("bot.reports.service")


def published(slack: SlackWorld, user: str) -> list[str]:
    """Every Home view published for `user` so far, as JSON, oldest first."""
    calls = slack.fake.ok_calls("views.publish")
    return [json.dumps(c.params["view"], ensure_ascii=False) for c in calls if c.params["user_id"] == user]


def test_an_acknowledgement_redraws_the_open_home_tabs_of_those_who_follow_the_case(slack: SlackWorld) -> None:
    reports = slack.core.reports
    slack.sender.app_home_opened(DSL)
    slack.fake.wait_for_call("views.publish")
    assert "No open concerns are with you just now." in published(slack, DSL)[-1]

    ref = reports.submit("other", "A parent posted a class photo.", channel="slack").reference
    slack.dispatch()
    assert f"*{ref}* · Something else\\nNew, not yet acknowledged" in published(slack, DSL)[-1]
    assert ref in published(slack, DEPUTY)[-1]  # never opened: published all the same

    slack.sender.block_action(DEPUTY, "report.ack", ref, channel=DSL_CHANNEL)
    slack.fake.wait_for_call("response_url")
    before = len(published(slack, DSL))
    slack.dispatch()
    assert len(published(slack, DSL)) == before + 1
    assert f"*{ref}* · Something else\\nAcknowledged by Sam Deputy" in published(slack, DSL)[-1]

    reports.close(ref, reports.actor_named("Dana Lead"), "The photo is down.")
    slack.dispatch()
    assert ref not in published(slack, DSL)[-1] and "No open concerns" in published(slack, DSL)[-1]
    assert not any(ref in view for user in (HEAD, CHAIR) for view in published(slack, user))


def test_a_burst_of_changes_publishes_each_home_once(slack: SlackWorld) -> None:
    reports, dana = slack.core.reports, slack.core.reports.actor_named("Dana Lead")
    ref = reports.submit("other", "A parent posted a class photo.", channel="slack").reference
    reports.acknowledge(ref, dana)
    for n in range(8):
        reports.add_note(ref, dana, f"Note {n}.")
    slack.dispatch()
    assert len(published(slack, DSL)) == 1 and len(published(slack, DEPUTY)) == 1
    assert "In progress, acknowledged by Dana Lead" in published(slack, DSL)[0]


def test_nobody_a_case_is_kept_from_gets_a_publish_mentioning_it(slack: SlackWorld) -> None:
    reports = slack.core.reports
    sam = reports.actor_named("Sam Deputy")
    ref = reports.submit("other", "It is about Dana Lead.", channel="slack", named_people=["Dana Lead"]).reference
    reports.acknowledge(ref, sam)
    reports.add_note(ref, sam, "Spoke to the head.")
    slack.dispatch()
    assert ref in published(slack, DEPUTY)[-1]
    assert published(slack, DSL) == []  # not redrawn for it at all
    other = reports.submit("other", "A parent posted a class photo.", channel="slack").reference
    slack.dispatch()
    assert other in published(slack, DSL)[-1]  # redrawn for another case: it does not list the one kept from her
    assert not any(ref in view for view in published(slack, DSL))


def test_a_failed_publish_is_retried_and_holds_up_no_alert(slack: SlackWorld) -> None:
    slack.fake.fail_next("views.publish", "internal_error")
    ref = slack.core.reports.submit("other", "A parent posted a class photo.", channel="slack").reference
    slack.dispatch()
    assert [c.params["channel"] for c in slack.fake.ok_calls("chat.postMessage")] == [DSL_CHANNEL]
    assert slack.core.outbox.pending_count() == 1  # the one refused, waiting for its retry
    slack.core.clock.advance(minutes=1)  # type: ignore[attr-defined]
    slack.dispatch()
    assert ref in published(slack, DSL)[-1] and ref in published(slack, DEPUTY)[-1]
    assert slack.core.outbox.pending_count() == 0


def test_a_home_tab_turned_off_is_not_retried(slack: SlackWorld) -> None:
    slack.fake.fail_next("views.publish", "not_enabled")
    slack.core.reports.submit("other", "A parent posted a class photo.", channel="slack")
    slack.dispatch()
    assert slack.core.outbox.pending_count() == 0


def test_a_dsl_made_away_sees_it_on_their_home_and_so_does_the_deputy_covering(slack: SlackWorld) -> None:
    until = slack.core.today() + dt.timedelta(days=5)
    slack.core.people.set_away("Dana Lead", until)  # `policybot people away "Dana Lead" --until ...`
    slack.dispatch()
    assert f"You are recorded as away until {long_date(until)}" in published(slack, DSL)[-1]
    assert f"Dana Lead (until {long_date(until)}) is away: new reports of" in published(slack, DEPUTY)[-1]
    slack.core.people.set_away("Dana Lead", None)
    slack.dispatch()
    assert "away" not in published(slack, DSL)[-1] and "away" not in published(slack, DEPUTY)[-1]


def test_a_follow_up_naming_a_dsl_takes_the_case_off_their_open_home(slack: SlackWorld) -> None:
    reports = slack.core.reports
    receipt = reports.submit("other", "A parent posted a class photo.", channel="slack",
                             reply_to=ReplyAddress("slack", "D0STAFF001"))
    slack.dispatch()
    assert receipt.reference in published(slack, DSL)[-1]
    reports.sender_reply(receipt.code, "Dana Lead took the photo.", requester="slack:D0STAFF001")
    slack.dispatch()
    assert receipt.reference not in published(slack, DSL)[-1]
    assert receipt.reference in published(slack, DEPUTY)[-1]
