"""The main job: one process running every configured adapter, the scheduler and the alert dispatcher (the scheduler
and dispatcher not with SCHEDULER_ENABLED=false, for a second process on PostgreSQL that only answers people).

With no tokens it is the console chat (alerts for DSLs print in the same terminal, so the whole journey can be
seen; the log goes to data/policybot.log, keeping the conversation readable); with SLACK_* and/or
TELEGRAM_BOT_TOKEN set, the real adapters start. Telegram, when configured, owns the main thread (its
library handles signals there); otherwise the console chat or a wait for Ctrl-C does.
"""

from __future__ import annotations

import logging
import signal
import sys
import threading
from collections.abc import Callable
from typing import TYPE_CHECKING

from bot.config import unknown_env_settings
from bot.ports import Notifier

if TYPE_CHECKING:
    from bot.core import Core

log = logging.getLogger(__name__)


# Why the bot stopped, for the log line that says so: by signal name, as run_telegram and _wait_for_stop give it.
SIGNALS = {
    "SIGINT": "Ctrl-C (SIGINT)",
    "SIGTERM": "asked to stop (SIGTERM: `systemctl stop`, a restart, or the computer shutting down)",
}


class Terminated(BaseException):
    """SIGTERM during the console chat (a BaseException: nothing on the way may take it for a failure to handle)."""


NO_TERMINAL = (
    "no Slack or Telegram tokens are set, and the console chat's input is not a terminal: it answers what is piped "
    "in and stops at its end. To run the bot as a service, set SLACK_* or TELEGRAM_BOT_TOKEN in .env (see the README)"
)
SCHEDULER_OFF = (
    "the scheduler is off (SCHEDULER_ENABLED=false): this process answers people but sends no alerts or reminders; "
    "another `policybot run` on this database, with the scheduler on, must send them"
)


def run(core: Core) -> int:
    _check_scheduler_setting(core)
    core.claim_run()  # before anything else, the schema upgrade included
    why = "an unexpected error"
    try:
        why = _run(core)
        return 0
    except Terminated:
        why = SIGNALS["SIGTERM"]
        return 0
    except KeyboardInterrupt:
        why = SIGNALS["SIGINT"]
        raise
    except Exception as exc:
        from handlers.cli.common import known_errors

        if isinstance(exc, known_errors()):  # worded for whoever runs the bot, and never holds a report's words
            why = f"error: {exc}"
        else:  # the details are for whoever looks after the bot; the terminal says only "something went wrong"
            log.info("the error that stopped policybot", exc_info=True)
            why = f"an unexpected error ({type(exc).__name__}); details above"
        raise
    finally:
        core.release_run()
        log.info("policybot stopped: %s", why)


def _run(core: Core) -> str:
    """Run until stopped; returns why it stopped."""
    core.prepare()
    core.free_dead_claims()
    # Build the question index now (~0.5 s), not inside the first person's question, and once, not in several
    # listener threads at the same moment.
    core.qa  # noqa: B018
    settings = core.settings
    notifiers: dict[str, Notifier] = {}
    stops: list[Callable[[], None]] = []

    from handlers.console import ConsoleNotifier, UnreachableNotifier

    adapters = settings.slack_enabled or settings.telegram_enabled
    notifiers["console"] = UnreachableNotifier() if adapters else ConsoleNotifier()
    if adapters:
        _warn_if_unreachable(core)

    if settings.slack_enabled:
        from handlers.slack import SlackNotifier, create_slack_app, start_slack

        slack_app = create_slack_app(core)
        # Its own client: a 429 becomes a DeliveryError with Retry-After, so the outbox reschedules the alert.
        notifiers["slack"] = slack_notifier = SlackNotifier(core)
        stops.append(start_slack(slack_app, core))
        log.info("Slack is connected")
        if problem := slack_notifier.dsl_channel_problem():
            log.warning(problem)

    from scheduler import build_scheduler

    # With the scheduler off, the process still takes up edited policy files (it answers questions).
    scheduler = build_scheduler(core, notifiers, core.reports.resolve_recipient, shared=settings.scheduler_enabled)
    scheduler.start()
    if not settings.scheduler_enabled:
        log.warning(SCHEDULER_OFF)
    _warn_if_overdue(core)
    _warn_if_school_file_differs(core)
    for line in core.unused_contacts() + unknown_env_settings():
        log.warning(line)
    try:
        if settings.telegram_enabled:
            from handlers.telegram import TelegramNotifier, create_telegram_app, run_telegram

            telegram_app = create_telegram_app(core)

            def on_ready(notifier: TelegramNotifier) -> None:
                notifiers["telegram"] = notifier
                log.info("Telegram is connected")

            stopped_by = run_telegram(telegram_app, core, on_ready=on_ready)
            return SIGNALS.get(stopped_by or "", "Telegram stopped")
        if settings.slack_enabled:
            return SIGNALS[_wait_for_stop()]
        from handlers.console import chat

        log.info("No Slack or Telegram tokens set: running the console chat")
        if not sys.stdin.isatty():  # a service (systemd) with no tokens: the chat ends at once, and is restarted
            log.warning(NO_TERMINAL)
        if threading.current_thread() is threading.main_thread():
            signal.signal(signal.SIGTERM, _terminate)
        chat(core)  # Ctrl-C there ends the chat, as /quit does
        return "the console chat ended"
    finally:
        scheduler.shutdown(wait=False)
        for stop in stops:
            stop()


def _check_scheduler_setting(core: Core) -> None:
    """The scheduler delivers the alerts of every report. Without it, SQLite (one process only) would leave every alert
    waiting in the queue: only on PostgreSQL can another process send them."""
    if core.settings.scheduler_enabled or core.db.engine.dialect.name == "postgresql":
        return
    from bot.config import ConfigError

    raise ConfigError(
        "SCHEDULER_ENABLED=false is for a second `policybot run` on a PostgreSQL database, one that only answers "
        "people. On SQLite only one process can run, so with the scheduler off no alert of a report would reach the "
        "DSLs. Remove SCHEDULER_ENABLED from .env (or set it to true), then start again."
    )


def _terminate(*_: object) -> None:
    raise Terminated


def _wait_for_stop() -> str:
    """Wait for Ctrl-C or SIGTERM; returns which came."""
    stopped = threading.Event()
    came: list[str] = []

    def on_signal(sig: int, _frame: object) -> None:
        came.append(signal.Signals(sig).name)
        stopped.set()

    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, on_signal)
    stopped.wait()
    return came[0]


def _warn_if_unreachable(core: Core) -> None:
    """Someone who handles reports but can be reached on no platform here would never hear of one: say so now."""
    for line in core.reports.unreachable_warnings():
        log.warning(line)


def _warn_if_school_file_differs(core: Core) -> None:
    differing = core.people.differing_from(core.school.people)
    if differing:
        log.warning(
            "the school file's entries for %s differ from the people table and have not taken effect (the file only "
            "adds new people): make the change with `policybot people add|rename|role|leave`",
            ", ".join(differing),
        )


def _warn_if_overdue(core: Core) -> None:
    try:
        for line in core.schedule.reviews.overdue_warnings():
            log.warning(line)
    except Exception:  # a start-up warning must never stop the bot
        log.exception("could not check policy review dates")
