"""Telegram for parents and carers: policy questions, anonymous reports and their follow-up (python-telegram-bot).

    create_telegram_app(core) -> Application   the wired bot (app.py)
    run_telegram(app, core, on_ready, stop)    long polling, or a webhook with a secret token (runner.py)
    TelegramNotifier(core)                     the outbox's deliverer on Telegram (notifier.py)

Exports are imported lazily, so importing `handlers.telegram.models` (for the schema) does not load PTB.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from handlers.telegram.app import create_telegram_app
    from handlers.telegram.notifier import TelegramNotifier
    from handlers.telegram.runner import run_telegram

__all__ = ["TelegramNotifier", "create_telegram_app", "run_telegram"]


def __getattr__(name: str) -> Any:
    if name == "create_telegram_app":
        from handlers.telegram.app import create_telegram_app

        return create_telegram_app
    if name == "run_telegram":
        from handlers.telegram.runner import run_telegram

        return run_telegram
    if name == "TelegramNotifier":
        from handlers.telegram.notifier import TelegramNotifier

        return TelegramNotifier
    raise AttributeError(name)
