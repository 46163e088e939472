"""A local fake of Slack's Socket Mode WebSocket endpoint, on 127.0.0.1.

Slack's side of Socket Mode: the app calls `apps.connections.open` on the Web API (the fake Web API answers with
this server's ws:// URL), opens a WebSocket, is greeted with "hello", then receives envelopes (slash commands,
events, interactions) and answers each with `{"envelope_id", "payload"?}`. slack_sdk's real built-in Socket Mode
client talks to it; tornado (already installed with python-telegram-bot's webhook extra) serves it.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import threading
import time
from typing import Any

import tornado.httpserver
import tornado.netutil
import tornado.web
import tornado.websocket


class FakeSocketMode:
    def __init__(self) -> None:
        self.acks: dict[str, dict[str, Any]] = {}  # envelope_id -> the app's whole reply
        self._clients: list[tornado.websocket.WebSocketHandler] = []
        self._ids = itertools.count(1)
        self._lock = threading.Lock()
        self._loop = asyncio.new_event_loop()
        self._ready = threading.Event()
        self._server: tornado.httpserver.HTTPServer | None = None
        self.port = 0
        self._thread = threading.Thread(target=self._run, name="fake-socket-mode", daemon=True)

    # --- lifecycle ---
    def start(self) -> FakeSocketMode:
        self._thread.start()
        if not self._ready.wait(5):
            raise RuntimeError("the fake Socket Mode server did not start")
        return self

    def stop(self) -> None:
        async def shut() -> None:
            for client in list(self._clients):
                client.close()
            if self._server is not None:
                self._server.stop()

        asyncio.run_coroutine_threadsafe(shut(), self._loop).result(5)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(5)

    @property
    def url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/link/?ticket=test"

    def _run(self) -> None:
        asyncio.set_event_loop(self._loop)
        fake = self

        class Link(tornado.websocket.WebSocketHandler):
            def open(self) -> None:  # type: ignore[override]
                with fake._lock:
                    fake._clients.append(self)
                self.write_message(json.dumps({"type": "hello", "num_connections": 1,
                                               "connection_info": {"app_id": "A0APP00001"}}))

            def on_message(self, message: str | bytes) -> None:
                reply = json.loads(message)
                if isinstance(reply, dict) and reply.get("envelope_id"):
                    with fake._lock:
                        fake.acks[str(reply["envelope_id"])] = reply

            def on_close(self) -> None:
                with fake._lock:
                    if self in fake._clients:
                        fake._clients.remove(self)

        async def serve() -> None:
            sockets = tornado.netutil.bind_sockets(0, "127.0.0.1")
            self.port = sockets[0].getsockname()[1]
            self._server = tornado.httpserver.HTTPServer(tornado.web.Application([(r"/link/", Link)]))
            self._server.add_sockets(sockets)
            self._ready.set()

        self._loop.run_until_complete(serve())
        self._loop.run_forever()

    # --- what Slack sends ---
    def wait_connected(self, timeout: float = 10.0) -> None:
        deadline = time.monotonic() + timeout
        while not self._clients:
            if time.monotonic() > deadline:
                raise AssertionError("the app did not open a Socket Mode connection")
            time.sleep(0.01)

    def send(self, kind: str, payload: dict[str, Any], accepts_response_payload: bool = True) -> str:
        """Send one envelope (kind: slash_commands, events_api, interactive) to the app; returns its id."""
        envelope_id = f"env-{next(self._ids)}"
        envelope = {"envelope_id": envelope_id, "type": kind, "payload": payload,
                    "accepts_response_payload": accepts_response_payload}

        async def push() -> None:
            self._clients[-1].write_message(json.dumps(envelope))

        asyncio.run_coroutine_threadsafe(push(), self._loop).result(5)
        return envelope_id

    def wait_for_ack(self, envelope_id: str, timeout: float = 5.0) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        while True:
            with self._lock:
                if envelope_id in self.acks:
                    return self.acks[envelope_id]
            if time.monotonic() > deadline:
                raise AssertionError(f"the app did not acknowledge envelope {envelope_id}")
            time.sleep(0.01)
