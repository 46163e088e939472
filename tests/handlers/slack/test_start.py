"""start_slack: HTTP mode with a signing secret, and Socket Mode with an app token (against a local fake link)."""

from __future__ import annotations

import json
import socket
from pathlib import Path

import pytest

from bot.config import ConfigError, School
from bot.ports import ManualClock
from handlers.slack import create_slack_app, start_slack
from tests.conftest import core_with, free_port, make_core, make_settings
from tests.handlers.slack.conftest import SECRET, STAFF
from tests.handlers.slack.fake_slack_api import FakeSlack, SignedSender
from tests.handlers.slack.fake_socket_mode import FakeSocketMode


def test_http_mode_serves_signed_requests(tmp_path: Path, school: School, clock: ManualClock, fake: FakeSlack) -> None:
    settings = make_settings(tmp_path, slack_bot_token="xoxb-t", slack_signing_secret=SECRET,
                             slack_api_url=fake.base_url, port=0)
    core = make_core(settings, school, clock)
    stop = start_slack(create_slack_app(core), core)
    try:
        assert stop.mode == "http" and stop.port
        url = f"http://127.0.0.1:{stop.port}/slack/events"
        sent = SignedSender(url, SECRET, fake).slash_command("/policy", "photos?", STAFF)
        assert sent.status == 200
        assert "Social Media Policy" in sent.body
    finally:
        stop()
        core.db.dispose()


def test_without_app_token_or_signing_secret_it_says_what_is_missing(
    tmp_path: Path, school: School, clock: ManualClock, fake: FakeSlack
) -> None:
    settings = make_settings(tmp_path, slack_bot_token="xoxb-t", slack_api_url=fake.base_url)
    core = make_core(settings, school, clock)
    with pytest.raises(RuntimeError, match="SLACK_APP_TOKEN"):
        start_slack(create_slack_app(core), core)
    core.db.dispose()


def test_socket_mode_answers_over_the_websocket(
    tmp_path: Path, school: School, clock: ManualClock, fake: FakeSlack
) -> None:
    link = FakeSocketMode().start()
    fake.socket_mode_url = link.url
    settings = make_settings(tmp_path, slack_bot_token="xoxb-t", slack_app_token="xapp-1-test",
                             slack_api_url=fake.base_url)
    core = make_core(settings, school, clock)
    stop = start_slack(create_slack_app(core), core)
    try:
        assert stop.mode == "socket"
        assert fake.ok_calls("apps.connections.open")[0].params.get("app_token") is None  # sent as a header
        link.wait_connected()
        sender = SignedSender("http://unused", SECRET, fake)

        # A slash command: the answer comes back in the envelope's acknowledgement.
        envelope = link.send("slash_commands", sender.slash_fields("/policy", "photos?", STAFF, "C0GENERAL1", 1))
        reply = link.wait_for_ack(envelope)
        assert reply["payload"]["response_type"] == "ephemeral"
        assert "Social Media Policy" in json.dumps(reply["payload"]["blocks"])

        # An @mention: acknowledged at once, answered in the thread through the Web API.
        mention = {"type": "app_mention", "user": STAFF, "text": "<@U0BOT00001> photos?", "ts": "1.000001",
                   "channel": "C0STAFFRM1", "event_ts": "1.000001"}
        link.wait_for_ack(link.send("events_api", sender.event_payload(mention), accepts_response_payload=False))
        posted = fake.wait_for_call("chat.postMessage")[0]
        assert posted.params["channel"] == "C0STAFFRM1" and posted.params["thread_ts"] == "1.000001"
    finally:
        stop()
        link.stop()
        core.db.dispose()


def test_a_wrong_bot_token_says_what_to_do(tmp_path: Path, school: School, clock: ManualClock, fake: FakeSlack) -> None:
    fake.fail_next("auth.test", "invalid_auth")
    with core_with(tmp_path, school, clock, slack_bot_token="xoxb-wrong", slack_signing_secret=SECRET,
                   slack_api_url=fake.base_url) as core, pytest.raises(ConfigError, match="SLACK_BOT_TOKEN"):
        create_slack_app(core)


def test_slack_out_of_reach_at_start_up_says_where_and_what_to_check(
    tmp_path: Path, school: School, clock: ManualClock
) -> None:
    """No network at boot, or a mistyped SLACK_API_URL: it stopped with "something went wrong (URLError)"."""
    url = f"http://127.0.0.1:{free_port()}/api/"  # a port nothing listens on
    with core_with(tmp_path, school, clock, slack_bot_token="xoxb-t", slack_signing_secret=SECRET,
                   slack_api_url=url) as core, pytest.raises(ConfigError) as stopped:
        create_slack_app(core)
    said = str(stopped.value)
    assert said.startswith(f"Slack cannot be reached at {url} (")
    assert "Check this computer's internet connection" in said and "(or correct SLACK_API_URL)" in said


def test_a_wrong_app_token_says_what_to_do(tmp_path: Path, school: School, clock: ManualClock, fake: FakeSlack) -> None:
    fake.fail_next("apps.connections.open", "invalid_auth")
    tokens = {"slack_bot_token": "xoxb-t", "slack_app_token": "xapp-wrong", "slack_api_url": fake.base_url}
    with core_with(tmp_path, school, clock, **tokens) as core, pytest.raises(ConfigError, match="SLACK_APP_TOKEN"):
        start_slack(create_slack_app(core), core)


def test_a_port_already_in_use_says_so(tmp_path: Path, school: School, clock: ManualClock, fake: FakeSlack) -> None:
    with socket.socket() as taken:
        taken.bind(("0.0.0.0", 0))
        taken.listen()
        port = taken.getsockname()[1]
        with core_with(tmp_path, school, clock, slack_bot_token="xoxb-t", slack_signing_secret=SECRET,
                       slack_api_url=fake.base_url, port=port) as core, \
                pytest.raises(ConfigError, match=f"port {port} \\(PORT\\): another program is already using it"):
            start_slack(create_slack_app(core), core)
