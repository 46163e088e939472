"""`create_slack_app`: builds the bolt App from the core and registers the listeners. No work at import time.

Listeners are grouped by kind in `handlers/slack/listeners/` (commands, events, actions, views), each with a
`register(app, core)`. Bolt answers Slack as soon as a listener calls ack(); the slow work (answering a
question, posting a reply) carries on afterwards in bolt's thread pool, so every request is acked within 3 s.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING, Any

from slack_bolt import App, BoltResponse
from slack_bolt.error import BoltError
from slack_sdk import WebClient

from bot.config import ConfigError
from handlers.slack.client import (
    make_web_client,
    quiet_logger,
    retrying_respond_middleware,
    with_rate_limit_retries,
)

if TYPE_CHECKING:
    from bot.core import Core

# Enough threads that a burst of slash commands is answered in parallel; the work is short and mostly I/O.
LISTENER_THREADS = 16
EVENTS_REMEMBERED = 10_000  # event ids kept to recognise Slack's retries (it retries for up to about an hour)


class SeenEvents:
    """Slack sends an event again when it thinks the first delivery failed (X-Slack-Retry-Num): the same event_id.
    Acting on it twice would, for instance, add a sender's reply to a report twice and ping the DSLs twice."""

    def __init__(self, size: int = EVENTS_REMEMBERED) -> None:
        self._size = size
        self._seen: OrderedDict[str, None] = OrderedDict()
        self._lock = threading.Lock()

    def first_time(self, event_id: str) -> bool:
        with self._lock:
            if event_id in self._seen:
                return False
            self._seen[event_id] = None
            if len(self._seen) > self._size:
                self._seen.popitem(last=False)
            return True

    def middleware(self, body: dict[str, Any], next: Callable[[], Any]) -> BoltResponse | None:  # noqa: A002
        event_id = body.get("event_id") if body.get("type") == "event_callback" else None
        if isinstance(event_id, str) and not self.first_time(event_id):
            return BoltResponse(status=200, body="")  # acknowledged again, and not acted on again
        next()
        return None


def create_slack_app(core: Core, client: WebClient | None = None) -> App:
    """The Slack app for this school. `client` (a WebClient) is for tests and other Slack hosts."""
    from handlers.slack.listeners import register_listeners

    settings = core.settings
    web = with_rate_limit_retries(client) if client is not None else make_web_client(settings)
    secret = settings.slack_signing_secret.get_secret_value() if settings.slack_signing_secret else ""
    try:
        app = App(
            client=web,
            signing_secret=secret,
            # Socket Mode requests are not signed; HTTP requests are checked (by bolt, and by our server first).
            request_verification_enabled=bool(secret),
            process_before_response=False,
            logger=quiet_logger("handlers.slack.bolt"),
            listener_executor=ThreadPoolExecutor(max_workers=LISTENER_THREADS, thread_name_prefix="slack-listener"),
        )
    except BoltError as exc:  # bolt checks the token with auth.test as it starts
        raise ConfigError(
            "Slack did not accept the bot token (SLACK_BOT_TOKEN). Copy the Bot User OAuth Token again from the "
            "app's OAuth & Permissions page (it starts with xoxb-), then start the bot again."
        ) from exc
    app.middleware(SeenEvents().middleware)
    app.middleware(retrying_respond_middleware)
    register_listeners(app, core)
    return app
