"""SlackNotifier: alerts posted to the DSL channel, DMs to user ids, updates in place, and 429s honoured."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest

from bot.ports import Button, ManualClock, OutboundMessage, Recipient
from handlers.slack.blocks import ALERT_PREVIEW
from tests.handlers.slack.conftest import DSL, DSL_CHANNEL, SlackWorld


def _alert(kind: str = "report_alert", *, to: str = DSL_CHANNEL, text: str = "Report text", key: str = "") -> \
        OutboundMessage:
    return OutboundMessage(
        key=key or f"report:ABCD-EFGH:{kind}:{to}",
        recipient=Recipient("slack", to),
        kind=kind,
        text=text,
        title="New report: online safety",
        fields={"Receipt": "ABCD-EFGH", "Urgency": "urgent"},
        buttons=(Button("report.ack", "Acknowledge", "ABCD-EFGH", "primary"), Button("report.close", "Close",
                                                                                   "ABCD-EFGH")),
        ref="ABCD-EFGH",
        urgent=True,
    )


def _queue(slack: SlackWorld, message: OutboundMessage) -> None:
    with slack.core.db.session() as session:
        slack.core.outbox.enqueue(session, message)


def test_alert_then_update_edits_the_same_message(slack: SlackWorld) -> None:
    _queue(slack, _alert())
    assert slack.dispatch() == 1
    posted = slack.fake.ok_calls("chat.postMessage")
    assert len(posted) == 1 and posted[0].params["channel"] == DSL_CHANNEL
    _queue(slack, _alert("report_update", text="Acknowledged by Dana Lead", key="report:ABCD-EFGH:update:1"))
    assert slack.dispatch() == 1
    assert len(slack.fake.ok_calls("chat.postMessage")) == 1
    update = slack.fake.ok_calls("chat.update")[0]
    assert list(slack.fake.messages) == [(DSL_CHANNEL, update.params["ts"])]  # the one card posted, edited


def test_an_update_held_back_by_a_retry_never_overwrites_a_newer_one(slack: SlackWorld, clock: ManualClock) -> None:
    """Each update is the whole card: the acknowledged card must not come back over the closed one."""
    _queue(slack, _alert())
    slack.dispatch()
    slot = f"card:ABCD-EFGH:slack:{DSL_CHANNEL}"
    acknowledged = dataclasses.replace(
        _alert("report_update", text="Acknowledged", key="report:ABCD-EFGH:update:1"), slot=slot
    )
    closed = dataclasses.replace(_alert("report_update", text="Closed", key="report:ABCD-EFGH:update:2"), slot=slot)
    _queue(slack, acknowledged)
    slack.fake.rate_limit_next(1, retry_after=1, method="chat.update")
    assert slack.dispatch() == 0  # the first update waits for its retry...
    _queue(slack, closed)  # ...while a newer one is queued
    clock.advance(dt.timedelta(seconds=5))
    slack.dispatch()
    clock.advance(dt.timedelta(minutes=5))
    slack.dispatch()
    [card] = slack.fake.messages.values()
    assert "Closed" in str(card["blocks"]) and "Acknowledged" not in str(card["blocks"])
    assert slack.core.outbox.pending_count() == 0


def test_an_update_to_a_deleted_alert_posts_it_again(slack: SlackWorld) -> None:
    _queue(slack, _alert())
    slack.dispatch()
    slack.fake.messages.clear()  # someone deleted the alert in Slack
    _queue(slack, _alert("report_update", text="Acknowledged by Dana Lead", key="report:ABCD-EFGH:update:1"))
    assert slack.dispatch() == 1
    assert len(slack.fake.ok_calls("chat.postMessage")) == 2
    _queue(slack, _alert("report_update", text="Closed", key="report:ABCD-EFGH:update:2"))
    assert slack.dispatch() == 1  # and the fresh card is the one kept up to date
    assert len(slack.fake.ok_calls("chat.postMessage")) == 2 and slack.fake.ok_calls("chat.update")


def test_urgent_dm_to_a_dsl_opens_the_dm(slack: SlackWorld) -> None:
    _queue(slack, _alert(to=DSL))
    assert slack.dispatch() == 1
    assert slack.fake.ok_calls("conversations.open")[0].params["users"] == DSL
    assert slack.fake.ok_calls("chat.postMessage")[0].params["channel"] == "D0DSL00001"


def test_rate_limited_then_delivered_once(slack: SlackWorld, clock: ManualClock) -> None:
    slack.fake.rate_limit_next(1, retry_after=7, method="chat.postMessage")
    _queue(slack, _alert())
    assert slack.dispatch() == 0  # 429: rescheduled after Retry-After, not lost
    assert slack.dispatch() == 0  # not yet due
    clock.advance(dt.timedelta(seconds=8))
    assert slack.dispatch() == 1
    assert len(slack.fake.ok_calls("chat.postMessage")) == 1
    clock.advance(dt.timedelta(minutes=5))
    assert slack.dispatch() == 0
    assert len(slack.fake.ok_calls("chat.postMessage")) == 1


def test_listener_client_retries_429_in_place(slack: SlackWorld) -> None:
    slack.fake.rate_limit_next(1, retry_after=0, method="response_url")
    slack.sender.slash_command("/checkreport", "", "U0STAFF001")  # answered later, on the response_url
    assert "receipt code" in slack.fake.wait_for_call("response_url")[0].params["text"]


def test_long_report_text_is_cut_with_a_way_to_read_the_rest(slack: SlackWorld) -> None:
    _queue(slack, _alert(text="word " * 3000))
    slack.dispatch()
    blocks = slack.fake.ok_calls("chat.postMessage")[0].params["blocks"]
    assert len(blocks) <= 50
    assert all(len(b.get("text", {}).get("text", "")) <= 3000 for b in blocks)
    assert sum(len(b.get("text", {}).get("text", "")) for b in blocks if b["type"] == "section") <= ALERT_PREVIEW + 100
    ids = [e["action_id"] for b in blocks if b["type"] == "actions" for e in b["elements"]]
    assert "report.view" in ids and "report.ack" in ids


def test_channel_not_found_is_permanent(slack: SlackWorld) -> None:
    slack.fake.fail_next("chat.postMessage", "channel_not_found")
    _queue(slack, _alert())
    result = slack.core.outbox.dispatch({"slack": slack.notifier})
    assert result.failed == 1


def test_a_revoked_token_says_what_to_do_and_the_alert_waits(
    slack: SlackWorld, caplog: pytest.LogCaptureFixture
) -> None:
    slack.fake.fail_next("chat.postMessage", "account_inactive")  # the app's token, not the addressee
    _queue(slack, _alert())
    result = slack.core.outbox.dispatch({"slack": slack.notifier})
    assert result.failed == 0 and result.delivered == 0
    assert "Slack no longer accepts the bot token (account_inactive)" in caplog.text
    assert "SLACK_BOT_TOKEN" in caplog.text


def test_news_in_an_update_is_said_under_the_card_and_in_the_channel(slack: SlackWorld) -> None:
    """Editing a card notifies nobody: a sender's reply must reach the DSLs as a message they are notified of."""
    _queue(slack, _alert())
    slack.dispatch()
    [card_ts] = [ts for (channel, ts) in slack.fake.messages if channel == DSL_CHANNEL]
    _queue(slack, _alert("report_update", text="Acknowledged by Dana Lead", key="report:ABCD-EFGH:update:1"))
    slack.dispatch()
    assert len(slack.fake.ok_calls("chat.postMessage")) == 1  # a quiet update only edits
    news = dataclasses.replace(
        _alert("report_update", text="The sender has replied.", key="report:ABCD-EFGH:update:2"),
        ping="The sender has replied (report ABCD-EFGH). Open the report to read it.",
    )
    _queue(slack, news)
    assert slack.dispatch() == 1
    [_, said] = slack.fake.ok_calls("chat.postMessage")
    assert said.params["thread_ts"] == card_ts and said.params["reply_broadcast"] in (True, "true", "1")
    assert said.params["text"] == news.ping and said.params["channel"] == DSL_CHANNEL
    assert len(slack.fake.ok_calls("chat.update")) == 2


def test_an_alert_held_back_never_posts_a_second_card_under_a_newer_one(slack: SlackWorld, clock: ManualClock) -> None:
    _queue(slack, _alert())
    slack.fake.rate_limit_next(1, retry_after=30, method="chat.postMessage")
    assert slack.dispatch() == 0  # the alert waits for its retry...
    _queue(slack, _alert("report_update", text="Acknowledged by Dana Lead", key="report:ABCD-EFGH:update:1"))
    assert slack.dispatch() == 1  # ...while the acknowledged card is posted
    clock.advance(dt.timedelta(seconds=60))
    assert slack.dispatch() == 1  # the alert is settled, not posted
    [card] = [params for (channel, _), params in slack.fake.messages.items() if channel == DSL_CHANNEL]
    assert "Acknowledged by Dana Lead" in str(card["blocks"])
    assert slack.core.outbox.pending_count() == 0


def test_start_up_says_when_the_bot_is_not_in_the_dsl_channel(slack: SlackWorld) -> None:
    assert slack.notifier.dsl_channel_problem() is None
    slack.fake.left.add(DSL_CHANNEL)
    problem = slack.notifier.dsl_channel_problem()
    assert problem is not None and "/invite @policybot" in problem and DSL_CHANNEL in problem
    slack.fake.fail_next("conversations.info", "channel_not_found")
    problem = slack.notifier.dsl_channel_problem()
    assert problem is not None and "channel_not_found" in problem and "SLACK_DSL_CHANNEL" in problem
    slack.fake.left.clear()
    slack.fake.archived.add(DSL_CHANNEL)  # an archived channel keeps its members
    problem = slack.notifier.dsl_channel_problem()
    assert problem is not None and "archived" in problem
    slack.fake.fail_next("conversations.info", "ratelimited")
    assert slack.notifier.dsl_channel_problem() is None  # nothing known about the channel: no wrong advice


def test_a_long_reports_card_still_says_the_report_goes_on(slack: SlackWorld) -> None:
    """The core's card quotes the start of a long report and says it continues; Slack's own cut must not drop that."""
    text = "The boy in Year 6 has been sending messages every night. " * 300
    slack.core.reports.submit("online_abuse", text, channel="console")
    slack.dispatch()
    blocks = slack.fake.ok_calls("chat.postMessage")[0].params["blocks"]
    sections = [b["text"]["text"] for b in blocks if b["type"] == "section" and "text" in b]
    assert sections[-1].endswith("(The report continues: open it to read all of it.)")
    assert sum(len(s) for s in sections) <= ALERT_PREVIEW + 100
