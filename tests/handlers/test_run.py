"""`policybot run` (handlers/run.py): what it says and refuses at start-up and when it stops."""

from __future__ import annotations

import contextlib
import io
import logging
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from cryptography.fernet import Fernet

import handlers.console
from bot.config import REPO_ROOT, ConfigError, School
from bot.core import Core
from bot.ports import ManualClock
from handlers.run import NO_TERMINAL, _wait_for_stop, run
from tests.conftest import make_settings


@pytest.fixture
def signals_kept() -> Iterator[None]:
    """run() and _wait_for_stop set the process's SIGINT and SIGTERM handlers: put pytest's back."""
    kept = {sig: signal.getsignal(sig) for sig in (signal.SIGINT, signal.SIGTERM)}
    signal.signal(signal.SIGTERM, _unhandled)  # not pytest's end, should run() leave SIGTERM as it found it
    yield
    for sig, handler in kept.items():
        signal.signal(sig, handler)


def _unhandled(*_: object) -> None:
    raise RuntimeError("SIGTERM reached the test, not run()")


def _sigterm(_core: Core) -> None:
    os.kill(os.getpid(), signal.SIGTERM)


def _ctrl_c(_core: Core) -> None:
    raise KeyboardInterrupt


def _broken(_core: Core) -> None:
    raise ConfigError("the school file changed under us")


def _crashed(_core: Core) -> None:
    raise ZeroDivisionError


@pytest.mark.parametrize(
    ("chat", "why"),
    [
        (lambda _core: None, "the console chat ended"),
        (_sigterm, "asked to stop (SIGTERM: `systemctl stop`, a restart, or the computer shutting down)"),
        (_ctrl_c, "Ctrl-C (SIGINT)"),
        (_broken, "error: the school file changed under us"),
        (_crashed, "an unexpected error (ZeroDivisionError); details above"),
    ],
)
def test_the_log_says_when_the_bot_stops_and_why(
    tmp_path: Path, school: School, clock: ManualClock, monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture, signals_kept: None, chat: Callable[[Core], None], why: str,
) -> None:
    """An admin reading the log after the bot went quiet: it stopped, and why."""
    core = Core(make_settings(tmp_path), school=school, clock=clock)
    monkeypatch.setattr(handlers.console, "chat", chat)
    with caplog.at_level(logging.INFO, logger="handlers.run"), contextlib.suppress(KeyboardInterrupt, Exception):
        run(core)
    core.db.dispose()
    assert caplog.records[-1].message == f"policybot stopped: {why}"


@pytest.mark.parametrize("terminal", [True, False])
def test_with_no_tokens_and_no_terminal_the_log_says_how_to_run_it_as_a_service(
    tmp_path: Path, school: School, clock: ManualClock, monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture, signals_kept: None, terminal: bool,
) -> None:
    """A systemd unit started before the tokens were put in .env: the chat reads nothing and ends, over and over;
    the log (and the journal) says why and what to set."""

    class Input(io.StringIO):
        def isatty(self) -> bool:
            return terminal

    core = Core(make_settings(tmp_path), school=school, clock=clock)
    monkeypatch.setattr(handlers.console, "chat", lambda _core: None)
    monkeypatch.setattr(sys, "stdin", Input(""))
    with caplog.at_level(logging.INFO, logger="handlers.run"):
        assert run(core) == 0
    core.db.dispose()
    warned = [r.message for r in caplog.records if r.levelno == logging.WARNING and "not a terminal" in r.message]
    assert warned == ([] if terminal else [NO_TERMINAL])
    assert "set SLACK_* or TELEGRAM_BOT_TOKEN in .env" in NO_TERMINAL


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM])
def test_slack_alone_waits_for_a_signal_and_says_which(signals_kept: None, sig: signal.Signals) -> None:
    threading.Thread(target=_send_once_handled, args=(sig,), daemon=True).start()
    assert _wait_for_stop() == sig.name


def _send_once_handled(sig: signal.Signals) -> None:
    """Send `sig` to this process once _wait_for_stop has set its handler for it. A timer's 50 ms could run out first
    on a loaded machine: Ctrl-C then stopped the whole test run, and SIGTERM reached the test."""
    kept, deadline = signal.getsignal(sig), time.monotonic() + 10
    while signal.getsignal(sig) is kept and time.monotonic() < deadline:
        time.sleep(0.005)
    os.kill(os.getpid(), sig)


def test_a_second_run_on_one_sqlite_database_refuses_to_start_and_says_which_is_running(
    tmp_path: Path, school: School, clock: ManualClock
) -> None:
    """Both would deliver every queued message, and both would take Telegram's updates."""
    settings = make_settings(tmp_path)
    first = Core(settings, school=school, clock=clock)
    first.claim_run()
    second = Core(settings, school=school, clock=clock)
    try:
        with pytest.raises(ConfigError, match="already running on this database") as refused:
            run(second)
        said = str(refused.value)
        assert f"process {os.getpid()}, started 25 November 2026 at 10:00" in said
        assert "Stop that one first (`systemctl stop policybot`" in said
    finally:
        first.release_run()
    second.claim_run()  # the first has stopped: the next one starts
    second.release_run()
    for core in (first, second):
        core.db.dispose()


@pytest.mark.postgres
def test_with_the_scheduler_off_a_second_process_on_postgres_only_answers_people_and_says_so(
    tmp_path: Path, pg_url: str, school: School, clock: ManualClock, monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture, signals_kept: None,
) -> None:
    """SCHEDULER_ENABLED=false: a process that serves chat beside the one sending alerts and reminders."""
    import scheduler

    core = Core(make_settings(tmp_path, database_url=pg_url, scheduler_enabled=False), school=school, clock=clock)
    built: list[scheduler.PolicyScheduler] = []
    build = scheduler.build_scheduler
    monkeypatch.setattr(scheduler, "build_scheduler", lambda *a, **k: built.append(build(*a, **k)) or built[-1])
    during: list[list[str]] = []
    monkeypatch.setattr(handlers.console, "chat", lambda _core: during.append([j.id for j in built[0].get_jobs()]))
    with caplog.at_level(logging.INFO):
        assert run(core) == 0
    core.db.dispose()
    # No reminders, escalations or deliveries were running while the chat was; only taking up edited policy files,
    # as this process answers questions too.
    assert during == [["main.policy.reload"]]
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]  # shown in the terminal too
    assert any(w.startswith("the scheduler is off (SCHEDULER_ENABLED=false)") for w in warnings), warnings


def test_the_scheduler_off_on_sqlite_refuses_to_start_as_no_alert_would_be_sent(
    tmp_path: Path, school: School, clock: ManualClock, monkeypatch: pytest.MonkeyPatch, signals_kept: None,
) -> None:
    """One process only on SQLite: with its scheduler off, a report's alert would wait in the queue for ever."""
    core = Core(make_settings(tmp_path, scheduler_enabled=False), school=school, clock=clock)
    monkeypatch.setattr(handlers.console, "chat", lambda _core: None)
    with pytest.raises(ConfigError, match="no alert of a report would reach the DSLs") as refused:
        run(core)
    core.db.dispose()
    assert "Remove SCHEDULER_ENABLED from .env (or set it to true)" in str(refused.value)


def test_the_scheduler_runs_by_default(
    tmp_path: Path, school: School, clock: ManualClock, monkeypatch: pytest.MonkeyPatch, signals_kept: None,
) -> None:
    import scheduler

    core = Core(make_settings(tmp_path), school=school, clock=clock)
    during: list[list[str]] = []
    monkeypatch.setattr(handlers.console, "chat", lambda _core: during.append(list(scheduler._runtimes)))
    assert run(core) == 0
    core.db.dispose()
    assert during == [["main"]]


def test_a_telegram_run_loads_neither_alembic_when_up_to_date_nor_pillow_nor_slack(tmp_path: Path) -> None:
    """Memory kept for the whole run: Alembic (11 MB) when there is no migration to run, Pillow and its HEIC plugin
    (7 MB) before the first picture, and Slack's libraries when only Telegram is set up, are not loaded."""
    start = (
        "import sys; from pathlib import Path; from tests.conftest import make_settings; from bot.core import Core;"
        "settings = make_settings(Path(sys.argv[1]), telegram_bot_token='1:x', POLICYBOT_ENCRYPTION_KEYS=sys.argv[2]);"
        "core = Core(settings);"
        "core.prepare();"
    )
    loaded = (
        "import handlers.run, scheduler; from handlers.telegram import create_telegram_app;"
        "create_telegram_app(core); scheduler.build_scheduler(core, {}, core.reports.resolve_recipient);"
        "print(sorted({m.split('.')[0] for m in sys.modules} & {'alembic', 'PIL', 'pillow_heif', 'slack_bolt', "
        "'slack_sdk'}))"
    )
    key = Fernet.generate_key().decode()
    env = {**os.environ, "PYTHONPATH": str(REPO_ROOT)}
    subprocess.run([sys.executable, "-c", start, str(tmp_path), key], env=env, check=True)  # makes the database
    again = subprocess.run(
        [sys.executable, "-c", start + loaded, str(tmp_path), key], env=env, check=True, capture_output=True, text=True
    )
    assert again.stdout.strip() == "[]"
