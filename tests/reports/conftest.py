"""Shared helpers for the reports tests: the school's people as actors, and notifiers that record deliveries."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.config import School, Settings
from bot.core import Core
from bot.people import People
from bot.ports import DeliveryError, ManualClock, OutboundMessage
from bot.reports import Actor
from bot.storage import Database
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


@pytest.fixture(scope="session")
def migrated_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One migrated and seeded SQLite file, copied for each test: migrating afresh each time dominated the run."""
    from bot.config import REPO_ROOT, load_school

    path = tmp_path_factory.mktemp("template") / "policybot.db"
    db = Database(f"sqlite:///{path}")
    db.upgrade()
    People(db).seed(load_school(REPO_ROOT / "school.example.yaml").people)
    db.dispose()  # the last connection checkpoints the WAL into the file
    return path


def core_from_template(settings: Settings, school: School, clock: ManualClock, template: Path) -> Core:
    target = Path(settings.resolved_database_url.split("///", 1)[1])
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(template, target)
    return make_core(settings, school, clock)  # prepare() still runs: a no-op upgrade and seed


@pytest.fixture
def core(settings: Settings, school: School, clock: ManualClock, migrated_template: Path) -> Iterator[Core]:
    c = core_from_template(settings, school, clock, migrated_template)
    yield c
    c.db.dispose()


@pytest.fixture
def slack_core(tmp_path: Path, school: School, clock: ManualClock, migrated_template: Path) -> Iterator[Core]:
    """A core with Slack and Telegram configured, so alerts are addressed to real platform ids."""
    settings = make_settings(
        tmp_path,
        slack_bot_token="xoxb-test",
        slack_signing_secret="secret",
        slack_dsl_channel="C0DSLCHAN",
        telegram_bot_token="123:abc",
    )
    core = core_from_template(settings, school, clock, migrated_template)
    yield core
    core.db.dispose()
