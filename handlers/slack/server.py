"""Starting the Slack app: Socket Mode when SLACK_APP_TOKEN is set (no public URL), else HTTP on PORT.

HTTP mode serves POST /slack/events from a threaded `http.server` in a background thread. Bolt checks each
request's signature and that its timestamp is within five minutes; on top of that a request whose
(timestamp, signature) pair was already seen in that window is refused, so a captured request cannot be
replayed: not after a restart either (a crashed bot is back within seconds), nor to another process on the same
PostgreSQL database, as the pairs seen are kept in the database too. Bolt answers once the listener has called
ack() (within 3 seconds); the slow work carries on after.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import threading
import time
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import TYPE_CHECKING, Any

from slack_bolt import App
from slack_bolt.request import BoltRequest
from slack_sdk.errors import SlackApiError
from slack_sdk.signature import SignatureVerifier
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError, SQLAlchemyError

from bot.config import ConfigError, cannot_listen
from handlers.slack.models import REPLAY_WINDOW, SlackRequestSeen, forget_requests_out_of_window

if TYPE_CHECKING:
    from collections.abc import Callable

    from bot.core import Core
    from bot.storage import Database

log = logging.getLogger(__name__)

EVENTS_PATH = "/slack/events"
MAX_BODY = 1_000_000
# The longest the replay check waits for another writer's hold on the database (SQLite's one write lock) before it
# does without: Slack wants its answer within 3 seconds, and a report slow to save needs 2 of them to say so in time.
CHECK_WAIT_MS = 250


@dataclass
class _Sighting:
    key: str  # a hash of the timestamp and signature: nothing of what the request said
    sent_at: dt.datetime
    first: bool = True
    done: bool = False


class ReplayGuard:
    """Remembers (timestamp, signature) pairs for the replay window; a second sighting is a replay. In memory (a
    replay to this process costs no database write), and in the database when there is one (a replay after a
    restart, or to another process). `now` is the wall clock, in seconds: Slack's timestamps are.

    The database is written in groups: while one request's thread writes, those arriving wait, and the next of them
    writes them all in one transaction. A burst of slash commands then costs a few commits, not one each (on
    SQLite, 50 requests in flight each committing alone tripled the slowest answers)."""

    def __init__(self, window: float = REPLAY_WINDOW, max_entries: int = 200_000, db: Database | None = None,
                 now: Callable[[], float] = time.time) -> None:
        self.window = window
        self.max_entries = max_entries
        self._seen: OrderedDict[tuple[str, str], float] = OrderedDict()
        self._lock = threading.Lock()
        self._db = db
        self._now = now
        self._pruned = 0.0
        self._waiting: list[_Sighting] = []
        self._writing = False
        self._written = threading.Condition()

    def first_sighting(self, timestamp: str, signature: str) -> bool:
        now = self._now()
        if not self._first_in_memory((timestamp, signature), now):
            return False
        if self._db is None:
            return True
        try:
            sent_at = dt.datetime.fromtimestamp(int(timestamp), dt.UTC)
        except (ValueError, OverflowError, OSError):  # the signature check has refused such a request already
            return False
        key = hashlib.sha256(f"{timestamp}:{signature}".encode()).hexdigest()
        return self._first_in_database(_Sighting(key, sent_at), now)

    def _first_in_memory(self, key: tuple[str, str], now: float) -> bool:
        with self._lock:
            while self._seen and (
                next(iter(self._seen.values())) < now - self.window or len(self._seen) > self.max_entries
            ):
                self._seen.popitem(last=False)
            if key in self._seen:
                return False
            self._seen[key] = now
            return True

    def _first_in_database(self, sighting: _Sighting, now: float) -> bool:
        """Waits while another thread writes; then either that thread has written this sighting in its group, or this
        one writes every sighting waiting (see the class's docstring)."""
        with self._written:
            self._waiting.append(sighting)
            while self._writing and not sighting.done:
                self._written.wait()
            if sighting.done:
                return sighting.first
            self._writing = True
            group, self._waiting = self._waiting, []
        try:
            self._write(group, now)
        finally:
            with self._written:
                for each in group:
                    each.done = True
                self._writing = False
                self._written.notify_all()
        return sighting.first

    def _write(self, group: list[_Sighting], now: float) -> None:
        assert self._db is not None
        try:
            try:
                with self._db.brief_session(CHECK_WAIT_MS) as session:
                    if now - self._pruned > 60:  # once a minute, the pairs out of the window go
                        self._pruned = now
                        forget_requests_out_of_window(session, now, self.window)
                    keys = [each.key for each in group]
                    seen = set(session.scalars(select(SlackRequestSeen.key).where(SlackRequestSeen.key.in_(keys))))
                    for each in group:
                        each.first = each.key not in seen
                        if each.first:
                            session.add(SlackRequestSeen(key=each.key, sent_at=each.sent_at))
            except IntegrityError:  # another process took one of them meanwhile: which, one at a time
                for each in group:
                    try:
                        with self._db.brief_session(CHECK_WAIT_MS) as session:
                            session.add(SlackRequestSeen(key=each.key, sent_at=each.sent_at))
                        each.first = True
                    except IntegrityError:
                        each.first = False
        except SQLAlchemyError as exc:  # the database held by another writer, or out of reach: memory still guards
            log.warning("Slack replay check: the database was busy or out of reach (%s); checked in memory only",
                        type(exc).__name__)


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 1024  # a burst of slash commands must queue, not be refused


class SlackRunner:
    """What `start_slack` returns: call it to stop. `url` is the events URL in HTTP mode."""

    def __init__(self, mode: str, stop: Any, url: str | None = None, port: int | None = None) -> None:
        self.mode = mode
        self._stop = stop
        self.url = url
        self.port = port

    def __call__(self) -> None:
        self._stop()


def _handler_class(app: App, guard: ReplayGuard, signing_secret: str) -> type[BaseHTTPRequestHandler]:
    verifier = SignatureVerifier(signing_secret)

    class SlackEventsHandler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        server_version = "policybot"

        def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - http.server's signature
            pass  # access logs would add nothing but noise; errors are logged below without bodies

        def _reply(self, status: int, body: bytes = b"", headers: dict[str, Any] | None = None) -> None:
            self.send_response(status)
            content_type = "text/plain; charset=utf-8"
            for name, values in (headers or {}).items():
                for value in values if isinstance(values, list | tuple) else [values]:
                    if name.lower() == "content-type":
                        content_type = str(value)
                    elif name.lower() != "content-length":
                        self.send_header(name, str(value))
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def do_GET(self) -> None:  # noqa: N802
            self._reply(404, b"Not Found")

        def do_POST(self) -> None:  # noqa: N802
            if self.path.split("?", 1)[0] != EVENTS_PATH:
                self._reply(404, b"Not Found")
                return
            length = int(self.headers.get("Content-Length") or 0)
            if length > MAX_BODY:
                self._reply(413, b"Too large")
                return
            body = self.rfile.read(length).decode("utf-8", errors="replace")
            timestamp = self.headers.get("X-Slack-Request-Timestamp", "")
            signature = self.headers.get("X-Slack-Signature", "")
            # Signature and timestamp first (bolt checks them again), then the replay guard: only a genuine
            # request is remembered, and a replay of it is refused before anything runs.
            if not verifier.is_valid(body, timestamp, signature):
                self._reply(401, b'{"error":"invalid request"}', {"Content-Type": "application/json"})
                return
            if not guard.first_sighting(timestamp, signature):
                self._reply(401, b'{"error":"replayed request"}', {"Content-Type": "application/json"})
                return
            headers: dict[str, str | Sequence[str]] = {k.lower(): [v] for k, v in self.headers.items()}
            query = self.path.split("?", 1)[1] if "?" in self.path else ""
            response = app.dispatch(BoltRequest(body=body, query=query, headers=headers))
            self._reply(response.status, response.body.encode("utf-8"), response.headers)

    return SlackEventsHandler


def start_http(
    app: App, port: int, signing_secret: str, host: str = "0.0.0.0",  # noqa: S104 - Slack must reach it
    db: Database | None = None,
) -> SlackRunner:
    guard = ReplayGuard(db=db)
    try:
        server = _Server((host, port), _handler_class(app, guard, signing_secret))
    except OSError as exc:
        raise cannot_listen(exc, port, "PORT", "Slack (HTTP mode)") from exc
    # A short poll interval: stopping (tests, restarts) then takes milliseconds rather than half a second.
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, name="slack-http",
                              daemon=True)
    thread.start()
    bound = server.server_address[1]
    log.info("Slack (HTTP mode) listening on port %d, path %s", bound, EVENTS_PATH)

    def stop() -> None:
        server.shutdown()
        server.server_close()

    return SlackRunner("http", stop, url=f"http://127.0.0.1:{bound}{EVENTS_PATH}", port=bound)


def start_slack(app: App, core: Core) -> SlackRunner:
    """Start receiving from Slack without blocking; returns a function that stops it."""
    settings = core.settings
    if settings.slack_app_token is not None:
        from slack_bolt.adapter.socket_mode import SocketModeHandler

        handler = SocketModeHandler(app, settings.slack_app_token.get_secret_value())
        try:
            handler.connect()
        except SlackApiError as exc:
            handler.close()
            raise ConfigError(
                "Slack refused to open a Socket Mode connection with SLACK_APP_TOKEN "
                f"({exc.response.get('error', 'error')}). Make an app-level token with the connections:write scope "
                "on the app's Basic Information page (it starts with xapp-), then start the bot again."
            ) from exc
        log.info("Slack connected (Socket Mode)")
        return SlackRunner("socket", handler.close)
    if settings.slack_signing_secret is None:
        raise RuntimeError("Slack needs SLACK_APP_TOKEN (Socket Mode) or SLACK_SIGNING_SECRET (HTTP mode)")
    return start_http(app, settings.port, settings.slack_signing_secret.get_secret_value(), db=core.db)
