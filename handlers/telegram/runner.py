"""`run_telegram`: long polling by default, a webhook when TELEGRAM_WEBHOOK_URL is set (requests without the
right X-Telegram-Bot-Api-Secret-Token are refused by PTB's webhook server with 403).

`on_ready(notifier)` is called once the bot is taking updates, so the dispatcher can start delivering on
Telegram. Stops on SIGINT/SIGTERM (main thread) or when `stop` is set (tests, other threads).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
import threading
import urllib.parse
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from telegram import Update
from telegram.error import BadRequest, InvalidToken, NetworkError
from telegram.ext import Application

from bot.config import ConfigError, cannot_listen
from handlers.telegram.awaiting import AWAITING
from handlers.telegram.notifier import TelegramNotifier

if TYPE_CHECKING:
    from bot.core import Core

log = logging.getLogger(__name__)

POLL_TIMEOUT = 10  # seconds of Telegram long polling
STOP_CHECK = 0.1  # seconds between looks at the stop flag


def webhook_secret(core: Core) -> str:
    """TELEGRAM_WEBHOOK_SECRET, or one derived from our key so it survives restarts without being configured."""
    configured = core.settings.telegram_webhook_secret
    if configured is not None:
        return configured.get_secret_value()
    return core.vault.mac("telegram-webhook-secret")[:64]


def run_telegram(
    app: Application[Any, Any, Any, Any, Any, Any],
    core: Core,
    on_ready: Callable[[TelegramNotifier], None] | None = None,
    stop: threading.Event | None = None,
) -> str | None:
    """Run until stopped. Blocks; owns an event loop of its own. Returns the signal that stopped it ("SIGTERM",
    "SIGINT"), or None when `stop` was set."""
    return asyncio.run(serve(app, core, on_ready, stop or threading.Event()))


async def serve(
    app: Application[Any, Any, Any, Any, Any, Any],
    core: Core,
    on_ready: Callable[[TelegramNotifier], None] | None,
    stop: threading.Event,
) -> str | None:
    stopping = asyncio.Event()
    stopped_by: list[str] = []

    def on_signal(sig: signal.Signals) -> None:
        stopped_by.append(sig.name)
        stopping.set()

    loop = asyncio.get_running_loop()
    awaiting = app.bot_data.get(AWAITING)
    if awaiting is not None:
        awaiting.bind(loop)  # the outbox's thread records news on this loop, where the chats' data lives
    if threading.current_thread() is threading.main_thread():
        for sig in (signal.SIGINT, signal.SIGTERM):
            with contextlib.suppress(NotImplementedError, RuntimeError):
                loop.add_signal_handler(sig, on_signal, sig)
    updater = app.updater
    assert updater is not None
    try:
        await app.initialize()
    except InvalidToken as exc:
        raise ConfigError(
            "Telegram did not accept the bot token (TELEGRAM_BOT_TOKEN). Copy it again from @BotFather "
            "(/mybots, API Token), then start the bot again."
        ) from exc
    except NetworkError as exc:  # no connection, DNS, a firewall, a wrong TELEGRAM_BASE_URL (a timeout too)
        where = core.settings.telegram_base_url or "api.telegram.org"
        raise ConfigError(
            f"Telegram cannot be reached at {where} ({exc.message}). Check this computer's internet connection, "
            "and that a firewall or web proxy lets it reach that address"
            + (" (or correct TELEGRAM_BASE_URL)" if core.settings.telegram_base_url else "")
            + ", then start the bot again."
        ) from exc
    try:
        settings = core.settings
        if settings.telegram_webhook_url:
            path = urllib.parse.urlsplit(settings.telegram_webhook_url).path.lstrip("/")
            try:
                await updater.start_webhook(
                    listen="0.0.0.0",
                    port=settings.telegram_webhook_port,
                    url_path=path,
                    webhook_url=settings.telegram_webhook_url,
                    secret_token=webhook_secret(core),
                    allowed_updates=Update.ALL_TYPES,
                )
            except OSError as exc:
                raise cannot_listen(
                    exc, settings.telegram_webhook_port, "TELEGRAM_WEBHOOK_PORT", "Telegram (webhook mode)"
                ) from exc
            except BadRequest as exc:  # "bad webhook: ... only on ports 80, 88, 443 or 8443", an http:// address
                raise ConfigError(
                    f"Telegram refused the webhook address TELEGRAM_WEBHOOK_URL ({exc.message}). It must be an "
                    "https:// address, on port 443, 80, 88 or 8443, that reaches this computer through a web server "
                    "with a certificate (see the README, Telegram webhook). Correct it, or leave it out to use "
                    "polling, then start the bot again."
                ) from exc
            log.info("Telegram webhook listening on port %d", settings.telegram_webhook_port)
        else:
            await updater.start_polling(timeout=POLL_TIMEOUT, allowed_updates=Update.ALL_TYPES)
        await app.start()
        notifier = TelegramNotifier(core, awaiting=awaiting)
        if on_ready is not None:
            on_ready(notifier)
        while not stopping.is_set() and not stop.is_set():
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stopping.wait(), STOP_CHECK)
        if updater.running:
            await updater.stop()
        if app.running:
            await app.stop()
        notifier.close()
    finally:
        await app.shutdown()
    return stopped_by[0] if stopped_by else None
