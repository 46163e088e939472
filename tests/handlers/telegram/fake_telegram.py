"""A local fake of the Telegram Bot API, for tests and benchmarks: a threaded `http.server` on 127.0.0.1:0.

python-telegram-bot talks to it through its real HTTP stack (`ApplicationBuilder().base_url(server.base_url)`).
It implements the methods the bot uses (getMe, getUpdates with long polling, sendMessage, editMessageText,
editMessageReplyMarkup, answerCallbackQuery, getFile and file download, setWebhook/deleteWebhook, and a few that
just answer true), records every call, and can be told to fail the next calls (429 with retry_after, 403, 400).

Updates are injected with `inject(...)` and the `message/command/photo/callback/...` builders below; command
updates carry their `bot_command` entity, as Telegram's do. Assert by polling: `wait_for_messages(chat_id, n)`.

A control API lets another process drive it (the benchmark): POST /_control/inject (a JSON list of updates),
GET /_control/calls (optionally ?method=sendMessage&since=N&brief=1&injected=0).
"""

from __future__ import annotations

import contextlib
import json
import threading
import time
import urllib.parse
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from email.parser import BytesParser
from email.policy import HTTP
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

BOT_ID = 7000000001
BOT_USERNAME = "stokeswood_test_bot"
JSON_PARAMS = {"reply_markup", "entities", "allowed_updates", "link_preview_options", "reply_parameters"}
TRUE_METHODS = {
    "answerCallbackQuery",
    "setMyCommands",
    "deleteMyCommands",
    "setChatMenuButton",
    "sendChatAction",
    "close",
    "logOut",
}


@dataclass
class Call:
    method: str
    params: dict[str, Any]
    at: float  # time.monotonic() when the call arrived


@dataclass
class Failure:
    method: str | None  # None: any method
    code: int
    description: str
    retry_after: int | None = None


@dataclass
class FakeState:
    updates: list[dict[str, Any]] = field(default_factory=list)
    injected_at: dict[int, float] = field(default_factory=dict)  # update_id -> monotonic time
    next_update_id: int = 1
    next_message_id: int = 1000
    calls: list[Call] = field(default_factory=list)
    files: dict[str, tuple[str, bytes]] = field(default_factory=dict)  # file_id -> (file_path, data)
    failures: list[Failure] = field(default_factory=list)
    webhook_url: str = ""
    webhook_secret: str | None = None
    forbidden_chats: set[int] = field(default_factory=set)
    missing_chats: set[int] = field(default_factory=set)


class FakeTelegram:
    """One fake Bot API server. Start with `start()` (or use as a context manager); one per test."""

    def __init__(self, token: str = "123456:TEST-TOKEN", max_poll: float = 1.0) -> None:
        self.token = token
        self.max_poll = max_poll  # cap on a getUpdates long poll, so a stopping bot is never held long
        self.state = FakeState()
        self.lock = threading.Condition()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self._closed = False

    # --- lifecycle ---
    def start(self) -> FakeTelegram:
        fake = self

        class Handler(_Handler):
            server_fake = fake

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, name="fake-telegram", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        with self.lock:
            self._closed = True
            self.lock.notify_all()
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()

    def __enter__(self) -> FakeTelegram:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def port(self) -> int:
        assert self._server is not None, "start() the fake first"
        return int(self._server.server_address[1])

    @property
    def base_url(self) -> str:
        """What goes in TELEGRAM_BASE_URL (python-telegram-bot appends the token)."""
        return f"http://127.0.0.1:{self.port}/bot"

    @property
    def base_file_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/file/bot"

    # --- driving it ---
    def inject(self, *updates: dict[str, Any]) -> list[int]:
        """Queue updates for getUpdates; returns their update ids."""
        ids = []
        with self.lock:
            now = time.monotonic()
            for update in updates:
                update = dict(update)
                update["update_id"] = self.state.next_update_id
                self.state.next_update_id += 1
                self.state.updates.append(update)
                self.state.injected_at[update["update_id"]] = now
                ids.append(update["update_id"])
            self.lock.notify_all()
        return ids

    def add_file(self, data: bytes, file_path: str = "photos/file_1.jpg") -> str:
        with self.lock:
            file_id = f"FILE{len(self.state.files) + 1:04d}"
            self.state.files[file_id] = (file_path, data)
        return file_id

    def fail_next(
        self, n: int = 1, *, method: str | None = None, code: int = 429, description: str | None = None,
        retry_after: int | None = None,
    ) -> None:
        if description is None:
            description = {
                429: f"Too Many Requests: retry after {retry_after or 1}",
                403: "Forbidden: bot was blocked by the user",
                400: "Bad Request: chat not found",
            }.get(code, "Internal Server Error")
        if code == 429 and retry_after is None:
            retry_after = 1
        with self.lock:
            self.state.failures.extend(Failure(method, code, description, retry_after) for _ in range(n))

    # --- inspecting it ---
    def calls(self, method: str | None = None) -> list[Call]:
        with self.lock:
            return [c for c in self.state.calls if method is None or c.method == method]

    def sent(self, chat_id: int | None = None) -> list[dict[str, Any]]:
        """sendMessage calls (params), optionally only those to one chat, in order."""
        return [
            c.params
            for c in self.calls("sendMessage")
            if chat_id is None or int(c.params.get("chat_id", 0)) == chat_id
        ]

    def texts(self, chat_id: int) -> list[str]:
        return [str(p.get("text", "")) for p in self.sent(chat_id)]

    def wait_for(self, predicate: Callable[[], Any], timeout: float = 10.0, what: str = "condition") -> Any:
        deadline = time.monotonic() + timeout
        while True:
            value = predicate()
            if value:
                return value
            if time.monotonic() > deadline:
                raise AssertionError(f"timed out after {timeout}s waiting for {what}")
            time.sleep(0.01)

    def wait_for_messages(self, chat_id: int, count: int, timeout: float = 10.0) -> list[dict[str, Any]]:
        """Wait until at least `count` messages went to the chat; return them all."""
        return self.wait_for(
            lambda: (lambda msgs: msgs if len(msgs) >= count else None)(self.sent(chat_id)),
            timeout,
            f"{count} message(s) to chat {chat_id} (have {len(self.sent(chat_id))})",
        )

    def wait_for_call(self, method: str, count: int = 1, timeout: float = 10.0) -> list[Call]:
        return self.wait_for(
            lambda: (lambda calls: calls if len(calls) >= count else None)(self.calls(method)),
            timeout,
            f"{count} {method} call(s)",
        )

    def pending_updates(self) -> int:
        with self.lock:
            return len(self.state.updates)

    # --- the API itself (called from the handler threads) ---
    def handle(self, method: str, params: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        with self.lock:
            self.state.calls.append(Call(method, params, time.monotonic()))
            failure = self._take_failure(method)
        if failure is not None:
            body: dict[str, Any] = {"ok": False, "error_code": failure.code, "description": failure.description}
            if failure.retry_after is not None:
                body["parameters"] = {"retry_after": failure.retry_after}
            return failure.code, body
        if method == "getUpdates":
            return 200, {"ok": True, "result": self._get_updates(params)}
        handler = getattr(self, f"_api_{method}", None)
        if handler is not None:
            return handler(params)
        if method in TRUE_METHODS:
            return 200, {"ok": True, "result": True}
        return 404, {"ok": False, "error_code": 404, "description": f"Not Found: method {method} not found"}

    def _take_failure(self, method: str) -> Failure | None:
        if method == "getUpdates":
            return None
        for i, failure in enumerate(self.state.failures):
            if failure.method in (None, method):
                return self.state.failures.pop(i)
        return None

    def _get_updates(self, params: dict[str, Any]) -> list[dict[str, Any]]:
        offset = int(params.get("offset") or 0)
        limit = int(params.get("limit") or 100)
        timeout = min(float(params.get("timeout") or 0), self.max_poll)
        deadline = time.monotonic() + timeout
        with self.lock:
            # An offset confirms every update before it.
            self.state.updates = [u for u in self.state.updates if u["update_id"] >= offset]
            while not self.state.updates and not self._closed:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    break
                self.lock.wait(remaining)
            return [dict(u) for u in self.state.updates[:limit]]

    def _bot_user(self) -> dict[str, Any]:
        return {
            "id": BOT_ID,
            "is_bot": True,
            "first_name": "Stokes Wood Policy",
            "username": BOT_USERNAME,
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
        }

    def _api_getMe(self, params: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        return 200, {"ok": True, "result": self._bot_user()}

    def _chat_error(self, params: dict[str, Any]) -> tuple[int, dict[str, Any]] | None:
        chat_id = int(params.get("chat_id", 0))
        if chat_id in self.state.forbidden_chats:
            return 403, {"ok": False, "error_code": 403, "description": "Forbidden: bot was blocked by the user"}
        if chat_id in self.state.missing_chats:
            return 400, {"ok": False, "error_code": 400, "description": "Bad Request: chat not found"}
        return None

    def _message_result(self, params: dict[str, Any], message_id: int | None = None) -> dict[str, Any]:
        chat_id = int(params.get("chat_id", 0))
        with self.lock:
            if message_id is None:
                message_id = self.state.next_message_id
                self.state.next_message_id += 1
        result: dict[str, Any] = {
            "message_id": message_id,
            "date": int(time.time()),
            "chat": {"id": chat_id, "type": "private" if chat_id > 0 else "group"},
            "from": self._bot_user(),
            "text": params.get("text", ""),
        }
        # As Telegram: a sent message carries its inline keyboard; a reply box asked for (force_reply) is not kept.
        if isinstance(params.get("reply_markup"), dict) and "inline_keyboard" in params["reply_markup"]:
            result["reply_markup"] = params["reply_markup"]
        return result

    def _api_sendMessage(self, params: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        error = self._chat_error(params)
        if error:
            return error
        text = str(params.get("text", ""))
        if not text.strip():
            return 400, {"ok": False, "error_code": 400, "description": "Bad Request: message text is empty"}
        if len(text) > 4096:
            return 400, {"ok": False, "error_code": 400, "description": "Bad Request: message is too long"}
        return 200, {"ok": True, "result": self._message_result(params)}

    def _api_editMessageText(self, params: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        error = self._chat_error(params)
        if error:
            return error
        return 200, {"ok": True, "result": self._message_result(params, int(params.get("message_id", 1)))}

    def _api_editMessageReplyMarkup(self, params: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        return 200, {"ok": True, "result": self._message_result(params, int(params.get("message_id", 1)))}

    def _api_getFile(self, params: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        file_id = str(params.get("file_id", ""))
        with self.lock:
            found = self.state.files.get(file_id)
        if found is None:
            return 400, {"ok": False, "error_code": 400, "description": "Bad Request: invalid file_id"}
        path, data = found
        return 200, {
            "ok": True,
            "result": {"file_id": file_id, "file_unique_id": "U" + file_id, "file_size": len(data), "file_path": path},
        }

    def _api_setWebhook(self, params: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        with self.lock:
            self.state.webhook_url = str(params.get("url", ""))
            self.state.webhook_secret = params.get("secret_token")
        return 200, {"ok": True, "result": True}

    def _api_deleteWebhook(self, params: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        with self.lock:
            self.state.webhook_url = ""
            self.state.webhook_secret = None
        return 200, {"ok": True, "result": True}

    def _api_getWebhookInfo(self, params: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        with self.lock:
            url = self.state.webhook_url
        return 200, {"ok": True, "result": {"url": url, "has_custom_certificate": False, "pending_update_count": 0}}

    def file_data(self, path: str) -> bytes | None:
        with self.lock:
            for file_path, data in self.state.files.values():
                if file_path == path:
                    return data
        return None


class _Handler(BaseHTTPRequestHandler):
    server_fake: FakeTelegram
    protocol_version = "HTTP/1.1"
    # Headers and body go out as two writes; with Nagle on, each reply on a kept-alive connection can wait
    # for the client's delayed ACK (~40 ms). Real Telegram does not add that, so neither should the fake.
    disable_nagle_algorithm = True

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - quiet: tests read calls, not logs
        pass

    def _reply(self, code: int, body: dict[str, Any] | bytes, content_type: str = "application/json") -> None:
        raw = body if isinstance(body, bytes) else json.dumps(body).encode()
        self.send_response(code)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(raw)))
        self.end_headers()
        # The bot may stop while a long poll is open: then there is nobody to tell.
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):
            self.wfile.write(raw)

    def _params(self) -> dict[str, Any]:
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        query = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(self.path).query))
        content_type = self.headers.get("Content-Type", "")
        params: dict[str, Any] = dict(query)
        if raw and "json" in content_type:
            params.update(json.loads(raw))
        elif raw and "multipart/form-data" in content_type:
            message = BytesParser(policy=HTTP).parsebytes(
                b"Content-Type: " + content_type.encode() + b"\r\n\r\n" + raw
            )
            for part in message.iter_parts():
                name = part.get_param("name", header="content-disposition")
                if name:
                    payload = part.get_payload(decode=True) or b""
                    params[str(name)] = payload.decode("utf-8", "replace")
        elif raw:
            params.update(dict(urllib.parse.parse_qsl(raw.decode(), keep_blank_values=True)))
        for key in JSON_PARAMS & params.keys():
            if isinstance(params[key], str):
                with contextlib.suppress(ValueError):
                    params[key] = json.loads(params[key])
        return params

    def _route(self) -> None:
        fake = self.server_fake
        path = urllib.parse.urlsplit(self.path).path
        if path.startswith("/_control/"):
            self._control(path.removeprefix("/_control/"))
            return
        file_prefix = f"/file/bot{fake.token}/"
        file_path = urllib.parse.unquote(path)  # PTB percent-encodes the path, the token's ':' included
        if file_path.startswith(file_prefix):
            data = fake.file_data(file_path.removeprefix(file_prefix))
            if data is None:
                self._reply(404, {"ok": False, "error_code": 404, "description": "Not Found"})
            else:
                self._reply(200, data, "application/octet-stream")
            return
        prefix = f"/bot{fake.token}/"
        if not path.startswith(prefix):
            self._params()
            self._reply(401, {"ok": False, "error_code": 401, "description": "Unauthorized"})
            return
        method = path.removeprefix(prefix)
        code, body = fake.handle(method, self._params())
        self._reply(code, body)

    def _control(self, action: str) -> None:
        fake = self.server_fake
        params = self._params() if self.command == "POST" else {}
        if action == "inject":
            ids = fake.inject(*params["updates"])
            self._reply(200, {"ok": True, "result": ids})
        elif action == "calls":
            # ?method=sendMessage&since=N: only that method's calls from the N-th on (a poller's next page),
            # without their text, so a benchmark's polling costs the server little.
            query = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(self.path).query))
            method, since, brief = query.get("method"), int(query.get("since") or 0), query.get("brief") == "1"
            with fake.lock:
                selected = [c for c in fake.state.calls if method is None or c.method == method][since:]
                injected = dict(fake.state.injected_at) if query.get("injected", "1") == "1" else {}
            calls = [
                {
                    "method": c.method,
                    "params": {"chat_id": c.params.get("chat_id"), "text": str(c.params.get("text", ""))[:40]}
                    if brief
                    else c.params,
                    "at": c.at,
                }
                for c in selected
            ]
            self._reply(200, {"ok": True, "result": {"calls": calls, "injected_at": injected}})
        else:
            self._reply(404, {"ok": False})

    def do_POST(self) -> None:  # noqa: N802 - http.server's naming
        self._route()

    def do_GET(self) -> None:  # noqa: N802
        self._route()


# --- update builders: the shapes Telegram sends ---
_counter = iter(range(1, 10**9))


def _user(chat_id: int, first_name: str = "Parent", username: str | None = None) -> dict[str, Any]:
    user: dict[str, Any] = {"id": abs(chat_id), "is_bot": False, "first_name": first_name, "language_code": "en"}
    if username:
        user["username"] = username
    return user


def _chat(chat_id: int, chat_type: str = "private", first_name: str = "Parent",
          username: str | None = None) -> dict[str, Any]:
    if chat_type == "private":
        chat: dict[str, Any] = {"id": chat_id, "type": "private", "first_name": first_name}
        if username:
            chat["username"] = username
        return chat
    if chat_type == "channel":
        return {"id": chat_id, "type": "channel", "title": "School news"}
    return {"id": chat_id, "type": chat_type, "title": "Year 3 parents"}


def _base_message(chat_id: int, chat_type: str = "private", from_id: int | None = None,
                  first_name: str = "Parent", username: str | None = None) -> dict[str, Any]:
    message: dict[str, Any] = {
        "message_id": next(_counter),
        "date": int(time.time()),
        "chat": _chat(chat_id, chat_type, first_name, username),
    }
    if chat_type != "channel":
        message["from"] = _user(from_id if from_id is not None else chat_id, first_name, username)
    return message


def message(chat_id: int, text: str, *, chat_type: str = "private", from_id: int | None = None,
            first_name: str = "Parent", username: str | None = None) -> dict[str, Any]:
    """A text message; a leading /command gets its bot_command entity, as Telegram sends it."""
    msg = _base_message(chat_id, chat_type, from_id, first_name, username)
    msg["text"] = text
    if text.startswith("/"):
        command = text.split()[0]
        msg["entities"] = [{"type": "bot_command", "offset": 0, "length": len(command)}]
    return {"message": msg}


command = message  # readability: command(chat, "/start")


def photo(chat_id: int, file_id: str, *, caption: str | None = None, size: int = 1000) -> dict[str, Any]:
    msg = _base_message(chat_id)
    msg["photo"] = [
        {"file_id": file_id + "s", "file_unique_id": "small" + file_id, "width": 90, "height": 90, "file_size": 100},
        {"file_id": file_id, "file_unique_id": "big" + file_id, "width": 1280, "height": 960, "file_size": size},
    ]
    if caption:
        msg["caption"] = caption
    return {"message": msg}


def document(chat_id: int, file_id: str, *, file_name: str = "screenshot.png", mime_type: str = "image/png",
             size: int = 1000) -> dict[str, Any]:
    msg = _base_message(chat_id)
    msg["document"] = {
        "file_id": file_id, "file_unique_id": "doc" + file_id, "file_name": file_name, "mime_type": mime_type,
        "file_size": size,
    }
    return {"message": msg}


def callback(chat_id: int, data: str, *, message_id: int = 1, chat_type: str = "private") -> dict[str, Any]:
    return {
        "callback_query": {
            "id": f"cb{next(_counter)}",
            "from": _user(chat_id),
            "chat_instance": f"ci{chat_id}",
            "data": data,
            "message": {
                "message_id": message_id,
                "date": int(time.time()),
                "chat": _chat(chat_id, chat_type),
                "from": {"id": BOT_ID, "is_bot": True, "first_name": "Stokes Wood Policy"},
                "text": "an earlier message",
            },
        }
    }


def edited_message(chat_id: int, text: str, *, message_id: int | None = None) -> dict[str, Any]:
    """A message changed after it was sent: `message_id`, the one it was sent as (a new id if not given)."""
    msg = _base_message(chat_id)
    if message_id is not None:
        msg["message_id"] = message_id
    msg["text"] = text
    msg["edit_date"] = int(time.time())
    return {"edited_message": msg}


def sticker(chat_id: int) -> dict[str, Any]:
    msg = _base_message(chat_id)
    msg["sticker"] = {
        "file_id": "STICKER1", "file_unique_id": "st1", "type": "regular", "width": 512, "height": 512,
        "is_animated": False, "is_video": False,
    }
    return {"message": msg}


def voice(chat_id: int) -> dict[str, Any]:
    msg = _base_message(chat_id)
    msg["voice"] = {"file_id": "VOICE1", "file_unique_id": "v1", "duration": 3}
    return {"message": msg}


def channel_post(chat_id: int, text: str) -> dict[str, Any]:
    msg = _base_message(chat_id, "channel")
    msg["text"] = text
    return {"channel_post": msg}


def iter_replies(fake: FakeTelegram, chat_id: int) -> Iterator[str]:
    yield from fake.texts(chat_id)
