"""start_slack: HTTP mode with a signing secret (Socket Mode needs Slack itself, so it is not started here)."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.config import School
from bot.ports import ManualClock
from handlers.slack import create_slack_app, start_slack
from tests.conftest import make_core, make_settings
from tests.handlers.slack.conftest import SECRET, STAFF
from tests.handlers.slack.fake_slack_api import FakeSlack, SignedSender


def test_http_mode_serves_signed_requests(tmp_path: Path, school: School, clock: ManualClock, fake: FakeSlack) -> None:
    settings = make_settings(tmp_path, slack_bot_token="xoxb-t", slack_signing_secret=SECRET,
                             slack_api_url=fake.base_url, port=0)
    core = make_core(settings, school, clock)
    stop = start_slack(create_slack_app(core), core)
    try:
        assert stop.mode == "http" and stop.port
        url = f"http://127.0.0.1:{stop.port}/slack/events"
        assert SignedSender(url, SECRET, fake).slash_command("/policy", "photos?", STAFF).status == 200
        fake.wait_for_call("response_url")
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
