"""A local fake of the Slack Web API, and a sender of correctly signed requests into the app.

`FakeSlack` is a threaded `http.server` on 127.0.0.1 (an ephemeral port, one per test) that answers the few Web
API methods the bot uses, records every call, and can be told to answer 429 with Retry-After for the next N
calls, or for every Nth call from now on (`rate_limit_every`). slack_sdk's real
`WebClient(base_url=fake.base_url)` talks to it; response_url posts land on it too.

`SignedSender` builds the requests Slack would send (slash command, event_callback, block_actions,
view_submission), signs them the way `slack_sdk.signature.SignatureVerifier` checks, and POSTs them to the app.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import itertools
import json
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

BOT_USER_ID = "U0BOT00001"
TEAM_ID = "T0SCHOOL01"


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 1024  # a burst must queue, not have its connections dropped (a 1 s SYN retry)


@dataclass
class Call:
    method: str  # "chat.postMessage", ..., or "response_url"
    params: dict[str, Any]
    at: float
    status: int = 200
    path: str = ""


@dataclass
class _RateLimit:
    remaining: int
    retry_after: int
    method: str | None


@dataclass
class _PeriodicRateLimit:
    every: int
    retry_after: int
    method: str | None
    seen: int = 0


class FakeSlack:
    def __init__(self) -> None:
        self.calls: list[Call] = []
        self._lock = threading.Lock()
        self._ts = itertools.count(1)
        self._views = itertools.count(1)
        self._rate_limits: list[_RateLimit] = []
        self._every: _PeriodicRateLimit | None = None
        self._errors: dict[str, list[str]] = {}
        self.closed_views: set[str] = set()  # modals the user closed: views.update answers not_found
        self._slow: dict[str, float] = {}  # method -> seconds each call takes to be answered
        self.users: dict[str, dict[str, Any]] = {}
        self.left: set[str] = set()  # channels the bot is not a member of (conversations.info)
        self.archived: set[str] = set()  # channels archived (conversations.info)
        self.messages: dict[tuple[str, str], dict[str, Any]] = {}  # (channel, ts) -> latest params
        self.socket_mode_url: str | None = None  # what apps.connections.open hands out (a FakeSocketMode's url)
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - quiet
                pass

            def do_POST(self) -> None:  # noqa: N802 - http.server's naming
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                status, payload, headers = fake._handle(self.path, self.headers.get("Content-Type", ""), body)
                data = json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json; charset=utf-8")
                self.send_header("Content-Length", str(len(data)))
                for name, value in headers.items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(data)

            do_GET = do_POST  # noqa: N815

        self.server = _Server(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        self._thread = threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, name="fake-slack", daemon=True
        )

    # --- lifecycle ---
    def start(self) -> FakeSlack:
        self._thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/api/"

    def response_url(self, name: str = "r") -> str:
        return f"http://127.0.0.1:{self.port}/response/{name}"

    # --- steering ---
    def rate_limit_next(self, count: int, retry_after: int = 1, method: str | None = None) -> None:
        """The next `count` calls (of `method`, or any) get 429 with Retry-After."""
        with self._lock:
            self._rate_limits.append(_RateLimit(count, retry_after, method))

    def rate_limit_every(self, every: int, retry_after: int = 0, method: str | None = None) -> None:
        """From now on every `every`-th call (of `method`, or any) gets 429 with Retry-After; 0 turns it off."""
        with self._lock:
            self._every = _PeriodicRateLimit(every, retry_after, method) if every > 0 else None

    def slow(self, method: str, seconds: float) -> None:
        """From now on each call of `method` is answered only after `seconds` (a Slack having a bad day)."""
        with self._lock:
            self._slow[method] = seconds

    def fail_next(self, method: str, error: str) -> None:
        with self._lock:
            self._errors.setdefault(method, []).append(error)

    # --- inspection ---
    def rate_limited_calls(self, method: str | None = None) -> list[Call]:
        """The calls answered with 429."""
        with self._lock:
            return [c for c in self.calls if c.status == 429 and (method is None or c.method == method)]

    def ok_calls(self, method: str | None = None) -> list[Call]:
        with self._lock:
            return [c for c in self.calls if c.status == 200 and (method is None or c.method == method)]

    def wait_for(
        self, predicate: Callable[[FakeSlack], Any], timeout: float = 5.0, what: str = "the expected calls"
    ) -> Any:
        """Poll until `predicate(self)` is truthy; return its value."""
        deadline = time.monotonic() + timeout
        while True:
            value = predicate(self)
            if value:
                return value
            if time.monotonic() > deadline:
                raise AssertionError(f"timed out waiting for {what}; calls: {[c.method for c in self.calls]}")
            time.sleep(0.005)

    def wait_for_call(self, method: str, count: int = 1, timeout: float = 5.0) -> list[Call]:
        result: list[Call] = self.wait_for(
            lambda f: (calls := f.ok_calls(method)) and len(calls) >= count and calls,
            timeout,
            f"{count} x {method}",
        )
        return result

    # --- the API ---
    @staticmethod
    def _parse(path: str, content_type: str, body: bytes) -> dict[str, Any]:
        query = urllib.parse.urlsplit(path).query
        params: dict[str, Any] = {k: v[-1] for k, v in urllib.parse.parse_qs(query).items()}
        if body:
            if "json" in content_type:
                params.update(json.loads(body))
            else:
                params.update({k: v[-1] for k, v in urllib.parse.parse_qs(body.decode()).items()})
        for key, value in list(params.items()):
            if isinstance(value, str) and value[:1] in "[{":
                with contextlib.suppress(ValueError):
                    params[key] = json.loads(value)
        return params

    def _handle(self, path: str, content_type: str, body: bytes) -> tuple[int, dict[str, Any], dict[str, str]]:
        url_path = urllib.parse.urlsplit(path).path
        if url_path.startswith("/response/"):
            method = "response_url"
        elif url_path.startswith("/api/"):
            method = url_path.removeprefix("/api/")
        else:
            return 404, {"ok": False, "error": "unknown_path"}, {}
        params = self._parse(path, content_type, body)
        with self._lock:
            delay = self._slow.get(method, 0.0)
        time.sleep(delay)
        with self._lock:
            call = Call(method, params, time.monotonic(), path=url_path)
            self.calls.append(call)
            for limit in self._rate_limits:
                if limit.remaining > 0 and (limit.method is None or limit.method == method):
                    limit.remaining -= 1
                    call.status = 429
                    return 429, {"ok": False, "error": "ratelimited"}, {"Retry-After": str(limit.retry_after)}
            every = self._every
            if every is not None and (every.method is None or every.method == method):
                every.seen += 1
                if every.seen % every.every == 0:
                    call.status = 429
                    return 429, {"ok": False, "error": "ratelimited"}, {"Retry-After": str(every.retry_after)}
            errors = self._errors.get(method)
            if errors:
                call.status = 400
                return 200, {"ok": False, "error": errors.pop(0)}, {}
            return 200, self._answer(method, params), {}

    def _answer(self, method: str, params: dict[str, Any]) -> dict[str, Any]:
        ok: dict[str, Any] = {"ok": True}
        if method == "auth.test":
            return {**ok, "url": "https://school.example/", "team": "School", "user": "policybot",
                    "team_id": TEAM_ID, "user_id": BOT_USER_ID, "bot_id": "B0BOT00001"}
        if method in ("chat.postMessage", "chat.update"):
            channel = str(params.get("channel"))
            ts = str(params.get("ts")) if method == "chat.update" else f"{1700000000 + next(self._ts)}.000100"
            if method == "chat.update" and (channel, ts) not in self.messages:
                return {"ok": False, "error": "message_not_found"}
            self.messages[(channel, ts)] = params
            return {**ok, "channel": channel, "ts": ts, "message": {"text": params.get("text", "")}}
        if method == "chat.postEphemeral":
            return {**ok, "message_ts": f"{1700000000 + next(self._ts)}.000200"}
        if method == "conversations.open":
            users = str(params.get("users", ""))
            return {**ok, "channel": {"id": "D" + users.lstrip("UW")}}
        if method == "views.update" and params.get("view_id") in self.closed_views:
            return {"ok": False, "error": "not_found"}
        if method in ("views.open", "views.publish", "views.update", "views.push"):
            view = dict(params.get("view") or {})
            view_id = params.get("view_id") or f"V{next(self._views):08d}"
            return {**ok, "view": {**view, "id": view_id, "hash": f"h{time.monotonic_ns()}"}}
        if method == "conversations.info":
            channel = str(params.get("channel"))
            return {**ok, "channel": {"id": channel, "is_private": True, "is_member": channel not in self.left,
                                      "is_archived": channel in self.archived}}
        if method == "users.info":
            user = str(params.get("user"))
            return {**ok, "user": self.users.get(user, {"id": user, "name": user.lower(), "real_name": user})}
        if method == "response_url":
            return ok
        if method == "apps.connections.open" and self.socket_mode_url:
            return {**ok, "url": self.socket_mode_url}
        return {"ok": False, "error": "unknown_method"}


def sign(secret: str, timestamp: str, body: bytes) -> str:
    base = b"v0:" + timestamp.encode() + b":" + body
    return "v0=" + hmac.new(secret.encode(), base, hashlib.sha256).hexdigest()


@dataclass
class Sent:
    status: int
    body: str
    elapsed: float
    headers: dict[str, str] = field(default_factory=dict)

    def json(self) -> Any:
        return json.loads(self.body) if self.body else None


class SignedSender:
    """Sends the requests Slack sends, signed with the app's signing secret, to the app's /slack/events URL."""

    def __init__(self, url: str, secret: str, fake: FakeSlack, team_id: str = TEAM_ID) -> None:
        self.url = url
        self.secret = secret
        self.fake = fake
        self.team_id = team_id
        self._ids = itertools.count(1)

    # --- transport ---
    def post(
        self,
        body: bytes,
        content_type: str,
        *,
        timestamp: str | None = None,
        signature: str | None = None,
    ) -> Sent:
        ts = timestamp or str(int(time.time()))
        headers = {
            "Content-Type": content_type,
            "X-Slack-Request-Timestamp": ts,
            "X-Slack-Signature": signature or sign(self.secret, ts, body),
        }
        request = urllib.request.Request(self.url, data=body, headers=headers, method="POST")
        started = time.monotonic()
        try:
            with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310 - loopback
                return Sent(response.status, response.read().decode(), time.monotonic() - started,
                            dict(response.headers))
        except urllib.error.HTTPError as exc:
            return Sent(exc.code, exc.read().decode(), time.monotonic() - started, dict(exc.headers))

    def form(self, fields: dict[str, str], **kwargs: Any) -> Sent:
        return self.post(urllib.parse.urlencode(fields).encode(), "application/x-www-form-urlencoded", **kwargs)

    def json_body(self, payload: dict[str, Any], **kwargs: Any) -> Sent:
        return self.post(json.dumps(payload).encode(), "application/json", **kwargs)

    # --- what Slack sends ---
    def slash_command(self, command: str, text: str, user_id: str, channel_id: str = "C0GENERAL1",
                      **kwargs: Any) -> Sent:
        n = next(self._ids)
        return self.form(self.slash_fields(command, text, user_id, channel_id, n), **kwargs)

    def slash_fields(self, command: str, text: str, user_id: str, channel_id: str, n: int) -> dict[str, str]:
        return {
            "token": "legacy", "team_id": self.team_id, "team_domain": "school", "channel_id": channel_id,
            "channel_name": "general", "user_id": user_id, "user_name": user_id.lower(), "command": command,
            "text": text, "api_app_id": "A0APP00001", "is_enterprise_install": "false",
            "response_url": self.fake.response_url(f"cmd{n}"), "trigger_id": f"trigger.{n}",
        }

    def event(self, event: dict[str, Any], **kwargs: Any) -> Sent:
        return self.json_body(self.event_payload(event), **kwargs)

    def event_payload(self, event: dict[str, Any]) -> dict[str, Any]:
        """The event_callback Slack wraps an event in (over HTTP, or inside a Socket Mode envelope)."""
        n = next(self._ids)
        return {
            "token": "legacy", "team_id": self.team_id, "api_app_id": "A0APP00001", "event": event,
            "type": "event_callback", "event_id": f"Ev{n:08d}", "event_time": int(time.time()),
            "authorizations": [{"team_id": self.team_id, "user_id": BOT_USER_ID, "is_bot": True}],
        }

    def app_mention(self, text: str, user_id: str, channel: str = "C0GENERAL1") -> Sent:
        ts = f"{int(time.time())}.{next(self._ids):06d}"
        return self.event({"type": "app_mention", "user": user_id, "text": text, "ts": ts,
                           "channel": channel, "event_ts": ts})

    def direct_message(self, text: str, user_id: str) -> Sent:
        ts = f"{int(time.time())}.{next(self._ids):06d}"
        return self.event({"type": "message", "channel_type": "im", "user": user_id, "text": text, "ts": ts,
                           "channel": "D" + user_id.lstrip("UW"), "event_ts": ts})

    def app_home_opened(self, user_id: str) -> Sent:
        return self.event({"type": "app_home_opened", "user": user_id, "channel": "D" + user_id.lstrip("UW"),
                           "tab": "home", "event_ts": f"{int(time.time())}.000001"})

    def block_action(
        self,
        user_id: str,
        action_id: str,
        value: str,
        *,
        channel: str | None = "C0DSL00001",
        message_ts: str | None = None,
        message: dict[str, Any] | None = None,
        view: dict[str, Any] | None = None,
        ephemeral: bool = False,
        **kwargs: Any,
    ) -> Sent:
        """A button pressed on a message (or a view). `ephemeral`: on a message only its reader sees (a /policy
        answer), of which Slack sends no copy with the press."""
        n = next(self._ids)
        payload: dict[str, Any] = {
            "type": "block_actions", "team": {"id": self.team_id, "domain": "school"},
            "user": {"id": user_id, "username": user_id.lower(), "team_id": self.team_id},
            "api_app_id": "A0APP00001", "token": "legacy", "trigger_id": f"trigger.{n}",
            "response_url": self.fake.response_url(f"act{n}"),
            "actions": [{"type": "button", "action_id": action_id, "block_id": "b", "value": value,
                         "action_ts": str(time.time())}],
        }
        if view is not None:
            payload["container"] = {"type": "view", "view_id": view.get("id", "V0")}
            payload["view"] = view
        elif channel is not None:
            payload["container"] = {"type": "message", "channel_id": channel, "message_ts": message_ts or "1.0",
                                    "is_ephemeral": ephemeral}
            payload["channel"] = {"id": channel, "name": "dsl"}
            if not ephemeral:
                payload["message"] = message or {"ts": message_ts or "1.0", "text": ""}
        return self.form({"payload": json.dumps(payload)}, **kwargs)

    def view_closed(self, user_id: str, view_id: str, callback_id: str, **kwargs: Any) -> Sent:
        """The user closed a window opened with notify_on_close; the fake refuses to update it from then on."""
        self.fake.closed_views.add(view_id)
        payload = {
            "type": "view_closed", "team": {"id": self.team_id, "domain": "school"},
            "user": {"id": user_id, "username": user_id.lower(), "team_id": self.team_id},
            "api_app_id": "A0APP00001", "token": "legacy", "is_cleared": False,
            "view": {"id": view_id, "type": "modal", "callback_id": callback_id, "private_metadata": "",
                     "hash": "h2", "state": {"values": {}}},
        }
        return self.form({"payload": json.dumps(payload)}, **kwargs)

    def view_submission(
        self, user_id: str, callback_id: str, values: dict[str, dict[str, dict[str, Any]]],
        private_metadata: str = "", view_id: str | None = None, **kwargs: Any
    ) -> Sent:
        n = next(self._ids)
        payload = {
            "type": "view_submission", "team": {"id": self.team_id, "domain": "school"},
            "user": {"id": user_id, "username": user_id.lower(), "team_id": self.team_id},
            "api_app_id": "A0APP00001", "token": "legacy", "trigger_id": f"trigger.{n}",
            "view": {"id": view_id or f"VSUB{n:05d}", "type": "modal", "callback_id": callback_id,
                     "private_metadata": private_metadata, "hash": "h1",
                     "state": {"values": values}},
        }
        return self.form({"payload": json.dumps(payload)}, **kwargs)
