"""The Telegram bot, wired to a fresh core, run through PTB's real HTTP stack against a fake Bot API server on
127.0.0.1 (one per test, ephemeral port). `TelegramWorld.start()`/`stop()` run and stop the bot in a thread,
so a test can restart it mid-conversation.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from bot.config import School
from bot.core import Core
from bot.ports import ManualClock
from handlers.telegram import TelegramNotifier, create_telegram_app, run_telegram
from handlers.telegram.added import NOTES, AddedNotes
from tests.conftest import make_core, make_settings
from tests.handlers.telegram.fake_telegram import FakeTelegram

TEST_QUIET = 0.5  # seconds: see TelegramWorld.start

PARENT = 424242
OTHER_PARENT = 515151
GROUP = -100777


@dataclass
class TelegramWorld:
    core: Core
    fake: FakeTelegram
    notifier: TelegramNotifier | None = None
    app: Any = None
    _thread: threading.Thread | None = None
    _stop: threading.Event = field(default_factory=threading.Event)
    _errors: list[BaseException] = field(default_factory=list)

    def start(self) -> TelegramWorld:
        ready = threading.Event()
        self._stop = threading.Event()
        app = self.app = create_telegram_app(self.core)
        # A burst of messages is one "Added" note once they stop for this long: 2 s in use, shorter here, where
        # every test that adds a second message would otherwise wait it out (test_platform tests the pacing).
        app.bot_data[NOTES] = AddedNotes(quiet=TEST_QUIET)

        def on_ready(notifier: TelegramNotifier) -> None:
            self.notifier = notifier
            ready.set()

        def run() -> None:
            try:
                run_telegram(app, self.core, on_ready=on_ready, stop=self._stop)
            except BaseException as exc:  # surfaced by stop()
                self._errors.append(exc)
                ready.set()

        self._thread = threading.Thread(target=run, name="telegram-bot", daemon=True)
        self._thread.start()
        assert ready.wait(10), "the bot did not start"
        assert not self._errors, self._errors
        return self

    def stop(self) -> None:
        if self._thread is None:
            return
        self._stop.set()
        self._thread.join(10)
        assert not self._thread.is_alive(), "the bot did not stop"
        self._thread = None
        assert not self._errors, self._errors

    def dispatch(self) -> int:
        """Deliver what the core queued, as the scheduler's dispatcher does."""
        assert self.notifier is not None
        result = self.core.outbox.dispatch({"telegram": self.notifier}, self.core.reports.resolve_recipient)
        return result.delivered

    def say(self, update: dict[str, Any], chat_id: int = PARENT, expect: int = 1) -> list[str]:
        """Inject an update and wait for `expect` more messages to the chat; returns the new texts."""
        before = len(self.fake.sent(chat_id))
        self.fake.inject(update)
        self.fake.wait_for_messages(chat_id, before + expect)
        return self.fake.texts(chat_id)[before:]


@pytest.fixture
def fake() -> Iterator[FakeTelegram]:
    server = FakeTelegram(max_poll=0.2).start()
    yield server
    server.stop()


@pytest.fixture
def telegram(tmp_path: Path, school: School, clock: ManualClock, fake: FakeTelegram) -> Iterator[TelegramWorld]:
    settings = make_settings(tmp_path, telegram_bot_token=fake.token, telegram_base_url=fake.base_url)
    core = make_core(settings, school, clock)
    world = TelegramWorld(core, fake).start()
    yield world
    world.stop()
    core.db.dispose()
