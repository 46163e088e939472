"""Only genuine, fresh, first-time requests from Slack are processed."""

from __future__ import annotations

import time

from tests.handlers.slack.conftest import STAFF, SlackWorld
from tests.handlers.slack.fake_slack_api import sign


def test_forged_signature_is_refused(slack: SlackWorld) -> None:
    sent = slack.sender.slash_command("/policy", "photos?", STAFF, signature="v0=" + "0" * 64)
    assert sent.status == 401
    time.sleep(0.1)
    assert slack.fake.calls == [] or all(c.method == "auth.test" for c in slack.fake.calls)


def test_stale_timestamp_is_refused(slack: SlackWorld) -> None:
    old = str(int(time.time()) - 10 * 60)
    sent = slack.sender.slash_command("/policy", "photos?", STAFF, timestamp=old)
    assert sent.status == 401


def test_replayed_request_is_refused(slack: SlackWorld) -> None:
    ts = str(int(time.time()))
    body = b"command=%2Fpolicy&text=photos&user_id=" + STAFF.encode() + b"&response_url=" + \
        slack.fake.response_url("x").encode() + b"&trigger_id=t.1&team_id=T0SCHOOL01&channel_id=C1"
    signature = sign(slack.sender.secret, ts, body)
    first = slack.sender.post(body, "application/x-www-form-urlencoded", timestamp=ts, signature=signature)
    second = slack.sender.post(body, "application/x-www-form-urlencoded", timestamp=ts, signature=signature)
    assert first.status == 200
    assert "Social Media Policy" in first.body  # answered once, in the acknowledgement
    assert second.status == 401
    assert "Social Media Policy" not in second.body


def test_unknown_path_is_not_found(slack: SlackWorld) -> None:
    import urllib.error
    import urllib.request

    url = slack.runner.url.replace("/slack/events", "/other")  # type: ignore[union-attr]
    try:
        urllib.request.urlopen(urllib.request.Request(url, data=b"x", method="POST"), timeout=5)  # noqa: S310
    except urllib.error.HTTPError as exc:
        assert exc.code == 404


def test_a_button_this_version_does_not_know_is_said_to_be_out_of_date(slack: SlackWorld) -> None:
    from handlers.slack.listeners.actions import UNKNOWN_BUTTON

    sent = slack.sender.block_action(STAFF, "retired.button", "x", channel="C0GENERAL1")
    assert sent.status == 200  # not Slack's bare warning sign
    assert slack.fake.wait_for_call("response_url")[0].params["text"] == UNKNOWN_BUTTON
