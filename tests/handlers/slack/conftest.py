"""A Slack app wired to a fresh core, served over HTTP on 127.0.0.1, talking to a fake Web API on 127.0.0.1.

One fake and one app server per test, each on an ephemeral port. Requests are signed as Slack signs them.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from slack_bolt import App

from bot.config import School
from bot.core import Core
from bot.ports import ManualClock
from handlers.slack import SlackNotifier, create_slack_app
from handlers.slack.client import make_web_client
from handlers.slack.server import SlackRunner, start_http
from tests.conftest import make_core, make_settings
from tests.handlers.slack.fake_slack_api import FakeSlack, SignedSender

SECRET = "test-signing-secret"
DSL_CHANNEL = "C0DSL00001"
HEAD, DSL, DEPUTY, STAFF, CHAIR = "U0HEAD0001", "U0DSL00001", "U0DSL00002", "U0STAFF001", "U0CHAIR001"


@dataclass
class SlackWorld:
    core: Core
    fake: FakeSlack
    app: App
    runner: SlackRunner
    sender: SignedSender
    notifier: SlackNotifier

    def dispatch(self) -> int:
        """Deliver what the core queued, as the scheduler's dispatcher does."""
        reports = getattr(self.core, "reports", None)
        resolve = reports.resolve_recipient if reports is not None else None
        return self.core.outbox.dispatch({"slack": self.notifier}, resolve).delivered


@pytest.fixture
def fake() -> Iterator[FakeSlack]:
    server = FakeSlack().start()
    yield server
    server.stop()


@pytest.fixture
def slack(tmp_path: Path, school: School, clock: ManualClock, fake: FakeSlack) -> Iterator[SlackWorld]:
    settings = make_settings(
        tmp_path,
        slack_bot_token="xoxb-test-token",
        slack_signing_secret=SECRET,
        slack_api_url=fake.base_url,
        slack_dsl_channel=DSL_CHANNEL,
    )
    core = make_core(settings, school, clock)
    core.qa  # noqa: B018 - built before serving, as `policybot run` does: the first question must not pay for it
    app = create_slack_app(core, make_web_client(settings))
    runner = start_http(app, 0, SECRET, host="127.0.0.1", db=core.db)  # as start_slack does
    assert runner.url is not None
    notifier = SlackNotifier(core, make_web_client(settings, retry_rate_limits=False))
    yield SlackWorld(core, fake, app, runner, SignedSender(runner.url, SECRET, fake), notifier)
    runner()
    core.db.dispose()
