"""`policybot run` (the main job) and `policybot chat` (the console chat on its own)."""

from __future__ import annotations

import argparse
from typing import Any


def register(commands: Any) -> None:
    run = commands.add_parser(
        "run",
        help="run the bot: Slack and Telegram when their tokens are set, else the console chat; "
        "with the scheduler and alert delivery",
        description="Run the bot, the scheduler and alert delivery in one process. With SLACK_BOT_TOKEN (and "
        "SLACK_APP_TOKEN or SLACK_SIGNING_SECRET) it serves Slack; with TELEGRAM_BOT_TOKEN, Telegram; with "
        "neither, it is the console chat in this terminal. Settings come from the environment or a .env file: "
        "see the README. Stop it with Ctrl-C.",
    )
    run.set_defaults(handler=_run)
    chat = commands.add_parser(
        "chat",
        help="ask about the policy or report a concern in this terminal",
        description="A conversation in this terminal: ask about the policy in your own words, /report a concern "
        "anonymously, or /status CODE to follow one up. No tokens or server needed. /help lists the commands.",
    )
    chat.set_defaults(handler=_chat)


def _run(args: argparse.Namespace) -> int:
    from handlers.cli.common import make_core, setup_logging
    from handlers.run import run

    core = make_core(prepare=False)
    settings = core.settings
    console = not (settings.slack_enabled or settings.telegram_enabled)
    setup_logging(settings.log_level, settings.data_dir / "policybot.log" if console else None)
    return run(core)


def _chat(args: argparse.Namespace) -> int:
    from handlers.cli.common import make_core
    from handlers.console import chat

    chat(make_core())
    return 0
