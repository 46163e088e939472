"""`create_slack_app`: builds the bolt App from the core and registers the listeners. No work at import time.

Listeners are grouped by kind in `handlers/slack/listeners/` (commands, events, actions, views), each with a
`register(app, core, later)`. A listener runs in the thread that received the request and calls ack() first;
Slack's answer goes back as soon as the listener returns, so whatever needs Slack's Web API or can wait (posting a
reply, opening a form, redrawing the Home tab) is handed to `later`, a small pool of threads. Every request is thus
acked within 3 s, and at once: with bolt's other mode (process_before_response=False) each request waited, in
steps of 10 ms, for its listener to run in a pool, and under a burst those waits alone kept the CPU busy.
"""

from __future__ import annotations

import logging
import threading
from collections import OrderedDict, deque
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from functools import partial
from typing import TYPE_CHECKING, Any, ParamSpec

from slack_bolt import App, BoltResponse
from slack_bolt.error import BoltError
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.config import ConfigError
from handlers.slack.client import (
    make_web_client,
    out_of_reach,
    quiet_logger,
    retrying_respond_middleware,
    with_rate_limit_retries,
)

if TYPE_CHECKING:
    from bot.core import Core

log = logging.getLogger(__name__)
P = ParamSpec("P")

# Enough threads for the work after ack() of a burst of requests; the work is short and mostly Slack's Web API.
LATER_THREADS = 16
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


class Later:
    """Runs a listener's work after its ack() on a small pool of threads; a failure there is logged (the kind of
    error, never the request) and goes no further, as Slack has had its answer.

    `in_turn` keeps the work of one conversation in the order it came: someone's second quick message is answered
    after their first, even when the first takes longer, while other people's are answered meanwhile."""

    def __init__(self, threads: int = LATER_THREADS) -> None:
        self._pool = ThreadPoolExecutor(max_workers=threads, thread_name_prefix="slack-later")
        self._lock = threading.Lock()
        self._turns: dict[str, deque[Callable[[], object]]] = {}  # conversation -> its work not yet started

    def __call__(self, work: Callable[P, object], /, *args: P.args, **kwargs: P.kwargs) -> None:
        self._pool.submit(self._run, partial(work, *args, **kwargs))

    def in_turn(self, key: str, work: Callable[P, object], /, *args: P.args, **kwargs: P.kwargs) -> None:
        """As calling it, but after the work handed in earlier with the same `key` (a conversation) has finished."""
        job = partial(work, *args, **kwargs)
        with self._lock:
            waiting = self._turns.get(key)
            if waiting is not None:  # that conversation's earlier work is under way: this follows it, on its thread
                waiting.append(job)
                return
            self._turns[key] = deque([job])
        self._pool.submit(self._run_in_turn, key)

    def _run_in_turn(self, key: str) -> None:
        while True:
            with self._lock:
                waiting = self._turns[key]
                if not waiting:
                    del self._turns[key]
                    return
                job = waiting.popleft()
            self._run(job)

    @staticmethod
    def _run(work: Callable[[], object]) -> None:
        try:
            work()
        except Exception as exc:
            log.error("Slack work after an acknowledgement failed (%s)", type(exc).__name__,
                      exc_info=not isinstance(exc, SlackApiError))


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
            process_before_response=True,  # listeners ack first and hand slow work to `later`
            logger=quiet_logger("handlers.slack.bolt"),
        )
    except BoltError as exc:  # bolt checks the token with auth.test as it starts
        raise ConfigError(
            "Slack did not accept the bot token (SLACK_BOT_TOKEN). Copy the Bot User OAuth Token again from the "
            "app's OAuth & Permissions page (it starts with xoxb-), then start the bot again."
        ) from exc
    except OSError as exc:  # that auth.test found no Slack (urllib's URLError, a timeout)
        raise out_of_reach(settings, exc) from exc
    app.middleware(SeenEvents().middleware)
    app.middleware(retrying_respond_middleware)
    register_listeners(app, core, Later())
    return app
