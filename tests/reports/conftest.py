"""Shared helpers for the reports tests: the school's people as actors, and notifiers that record deliveries."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.config import School
from bot.core import Core
from bot.ports import DeliveryError, ManualClock, OutboundMessage
from bot.reports import Actor
from tests.conftest import make_core, make_settings


class RecordingNotifier:
    """Records what it delivers; fails the first `failures` deliveries (a platform outage)."""

    def __init__(self, platform: str, failures: int = 0) -> None:
        self.platform = platform
        self.failures = failures
        self.calls = 0
        self.delivered: list[OutboundMessage] = []

    def deliver(self, message: OutboundMessage) -> None:
        self.calls += 1
        if self.calls <= self.failures:
            raise DeliveryError(f"{self.platform} is down")
        self.delivered.append(message)


def notifiers(failures: int = 0) -> dict[str, RecordingNotifier]:
    return {p: RecordingNotifier(p, failures) for p in ("console", "slack", "telegram")}


def delivered(recorders: dict[str, RecordingNotifier]) -> list[OutboundMessage]:
    return [m for r in recorders.values() for m in r.delivered]


def deliver_all(core: Core, recorders: dict[str, RecordingNotifier], clock: ManualClock, rounds: int = 12) -> None:
    """Run the dispatcher until nothing is due, moving the clock past each backoff."""
    for _ in range(rounds):
        core.outbox.dispatch(recorders, core.reports.resolve_recipient)  # type: ignore[arg-type]
        if core.outbox.pending_count() == 0:
            return
        clock.advance(minutes=16)


def actor(core: Core, name: str) -> Actor:
    found = core.reports.actor(name=name)
    assert found is not None, name
    return found


@pytest.fixture
def slack_core(tmp_path: Path, school: School, clock: ManualClock) -> Iterator[Core]:
    """A core with Slack and Telegram configured, so alerts are addressed to real platform ids."""
    settings = make_settings(
        tmp_path,
        slack_bot_token="xoxb-test",
        slack_signing_secret="secret",
        slack_dsl_channel="C0DSLCHAN",
        telegram_bot_token="123:abc",
    )
    core = make_core(settings, school, clock)
    yield core
    core.db.dispose()
