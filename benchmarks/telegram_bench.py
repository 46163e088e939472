"""Telegram: 1,000 updates from 200 chats through the real bot (PTB's HTTP stack, long polling) against the
local fake Bot API server, with every update answered.

    python benchmarks/telegram_bench.py          (or python -m benchmarks telegram)

The bot runs in this process as `policybot run` runs it (the Application, its persistence on SQLite, the question
answerer, the knowledge-gap store). The fake Telegram runs in a second process, as Telegram would be elsewhere;
it stamps when each update was injected and when each reply arrived, on its own clock, so latency is measured
from "update available" to "reply received by Telegram".

Two runs of 1,000 updates (200 chats x 5: policy questions, /start, /help):
- "paced": injected over 20 seconds (50 a second), a busy evening after a newsletter;
- "burst": all 1,000 injected at once (latency there is mostly queueing).
Targets (issue 4): every update answered and p99 update->reply <= 200 ms, for the burst; RSS of `policybot run`
<= 150 MB, measured on a real `policybot run` process started afterwards against the same fake (this process's own
RSS, which carries the test fakes' and pytest's imports too, is printed beside it). Both runs are judged against
the latency target and the exit status says whether all were met.
On a 2-CPU machine with the fake sharing it, throughput is ~150-260 updates/s, so the paced run meets the
target and the all-at-once burst does not (its latency is queueing: the last update waits for 999 others).
"""

from __future__ import annotations

import multiprocessing as mp
import statistics
import sys
import tempfile
import threading
import time
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.common import questions as bench_questions  # noqa: E402
from tests.conftest import make_settings  # noqa: E402  (the tests' throw-away bot settings)

UPDATES = 1000
CHATS = 200
PACED_SECONDS = 20.0
BATCH_EVERY = 0.05  # seconds between injections in the paced run
TARGET_P99_MS = 200.0
TARGET_RSS_MB = 150.0
TOKEN = "123456:BENCH-TOKEN"
FALLBACK_QUESTIONS = ["can I post photos of the school play on facebook?", "can I film sports day?"]


def questions() -> list[str]:
    return bench_questions((None, "parent")) or FALLBACK_QUESTIONS


def serve_fake(conn: Connection) -> None:
    """The second process: the fake Bot API server until told to stop."""
    sys.path.insert(0, str(ROOT))
    from tests.handlers.telegram.fake_telegram import FakeTelegram

    fake = FakeTelegram(token=TOKEN, max_poll=1.0).start()
    conn.send(fake.port)
    conn.recv()
    fake.stop()


def rss_mb(pid: int | str = "self") -> tuple[float, float]:
    """(current, peak) resident set size of a process (this one by default), in MB."""
    values: dict[str, float] = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        name, _, rest = line.partition(":")
        if name in ("VmRSS", "VmHWM"):
            values[name] = int(rest.split()[0]) / 1024
    return values.get("VmRSS", 0.0), values.get("VmHWM", 0.0)


def real_run_peak_rss(client: Any, base: str, data_dir: Path, texts: list[str]) -> float:
    """The issue's memory figure: `policybot run` itself, as a school runs it (its own process, on a database
    migrated beforehand, as after the first start), answering a burst of 1,000 updates; its peak RSS in MB."""
    import os
    import subprocess

    env = dict(os.environ, DATA_DIR=str(data_dir), TELEGRAM_BOT_TOKEN=TOKEN, TELEGRAM_BASE_URL=f"{base}/bot",
               LOG_LEVEL="ERROR", PYTHONPATH=str(ROOT),
               SCHOOL_FILE=str(ROOT / "school.example.yaml"))
    for name in ("SLACK_BOT_TOKEN", "SLACK_APP_TOKEN", "SLACK_SIGNING_SECRET", "DATABASE_URL", "TELEGRAM_WEBHOOK_URL"):
        env.pop(name, None)
    policybot = [sys.executable, "-m", "handlers.cli"]
    subprocess.run([*policybot, "db", "upgrade"], env=env, cwd=ROOT, check=True, stdout=subprocess.DEVNULL)
    polls = len(client.get(f"{base}/_control/calls?method=getUpdates&brief=1").json()["result"]["calls"])
    bot = subprocess.Popen([*policybot, "run"], env=env, cwd=ROOT)
    try:
        while len(client.get(f"{base}/_control/calls?method=getUpdates&brief=1").json()["result"]["calls"]) <= polls:
            if bot.poll() is not None:
                raise RuntimeError("policybot run stopped before it started polling")
            time.sleep(0.1)
        run_once(client, base, "real run", make_updates(30_000, texts), paced=False)
        return rss_mb(bot.pid)[1]
    finally:
        bot.terminate()
        bot.wait(20)


def make_updates(first_chat: int, texts: list[str]) -> list[dict[str, Any]]:
    from tests.handlers.telegram.fake_telegram import message

    updates = []
    for n in range(UPDATES):
        chat = first_chat + n % CHATS
        kind = n % 10
        text = "/start" if kind == 0 else "/help" if kind == 5 else texts[n % len(texts)]
        updates.append(message(chat, text))
    return updates


def run_once(client: Any, base: str, label: str, updates: list[dict[str, Any]], paced: bool) -> bool:
    chats = {u["message"]["chat"]["id"] for u in updates}
    started = time.monotonic()
    ids: list[int] = []
    if paced:
        batches = int(PACED_SECONDS / BATCH_EVERY)
        size = -(-len(updates) // batches)
        for i in range(0, len(updates), size):
            due = started + (i // size) * BATCH_EVERY
            time.sleep(max(0.0, due - time.monotonic()))
            ids += client.post(f"{base}/_control/inject", json={"updates": updates[i : i + size]}).json()["result"]
    else:
        ids = client.post(f"{base}/_control/inject", json={"updates": updates}).json()["result"]
    chat_of = {uid: u["message"]["chat"]["id"] for uid, u in zip(ids, updates, strict=True)}
    deadline = time.monotonic() + 120
    replies: list[dict[str, Any]] = []
    offset = 0
    while True:
        page = client.get(
            f"{base}/_control/calls?method=sendMessage&brief=1&injected=0&since={offset}"
        ).json()["result"]["calls"]
        offset += len(page)
        replies += [c for c in page if int(c["params"]["chat_id"]) in chats]
        if len(replies) >= len(updates) or time.monotonic() > deadline:
            break
        time.sleep(0.25)
    data = client.get(f"{base}/_control/calls?method=none").json()["result"]
    elapsed = time.monotonic() - started
    injected = {int(k): v for k, v in data["injected_at"].items()}
    # Within a chat updates are answered in order (one reply each), so the k-th reply answers the k-th update.
    by_chat: dict[int, list[float]] = {}
    for call in replies:
        by_chat.setdefault(int(call["params"]["chat_id"]), []).append(call["at"])
    latencies = []
    pending: dict[int, list[int]] = {}
    for uid in ids:
        pending.setdefault(chat_of[uid], []).append(uid)
    for chat, uids in pending.items():
        for uid, at in zip(uids, by_chat.get(chat, []), strict=False):
            latencies.append((at - injected[uid]) * 1000)
    latencies.sort()
    answered = len(latencies)
    slow = [r for r in replies if "very quickly" in str(r["params"].get("text", ""))]
    if not latencies:
        print(f"{label:>6}: no replies at all")
        return False

    def p(q: float) -> float:
        return latencies[min(len(latencies) - 1, int(q * len(latencies)))]

    print(
        f"{label:>6}: {answered}/{len(updates)} answered in {elapsed:.2f} s ({answered / elapsed:.0f}/s); "
        f"update->reply ms p50 {p(0.50):.0f}, p95 {p(0.95):.0f}, p99 {p(0.99):.0f}, max {latencies[-1]:.0f}; "
        f"mean {statistics.fmean(latencies):.0f}; rate-limited replies {len(slow)}"
    )
    met = answered == len(updates) and not slow and p(0.99) <= TARGET_P99_MS
    print(f"        all answered, p99 <= {TARGET_P99_MS:.0f} ms: {'met' if met else 'NOT MET'}")
    return met


def main() -> int:
    import httpx

    from bot.core import Core
    from handlers.telegram import TelegramNotifier, create_telegram_app, run_telegram

    parent, child = mp.get_context("spawn").Pipe()
    fake_process = mp.get_context("spawn").Process(target=serve_fake, args=(child,), daemon=True)
    fake_process.start()
    port = parent.recv()
    base = f"http://127.0.0.1:{port}"
    with tempfile.TemporaryDirectory() as tmp:
        settings = make_settings(
            Path(tmp),
            telegram_bot_token=TOKEN,
            telegram_base_url=f"{base}/bot",
        )
        core = Core(settings)
        core.prepare()
        stop, ready = threading.Event(), threading.Event()

        def on_ready(_: TelegramNotifier) -> None:
            ready.set()

        app = create_telegram_app(core)
        thread = threading.Thread(target=run_telegram, args=(app, core, on_ready, stop), daemon=True)
        thread.start()
        if not ready.wait(30):
            print("the bot did not start")
            return 1
        texts = questions()
        ok = True
        with httpx.Client(timeout=30) as client:
            run_once(client, base, "warmup", make_updates(1, texts)[:200], paced=False)
            paced_ok = run_once(client, base, "paced", make_updates(10_000, texts), paced=True)
            ok &= run_once(client, base, "burst", make_updates(20_000, texts), paced=False)  # the target
            ok &= paced_ok
        rss, peak = rss_mb()
        print(f"   rss of this process (the bot, the test fakes' code and pytest's imports): {rss:.0f} MB now, "
              f"{peak:.0f} MB peak")
        stop.set()
        thread.join(15)
        core.db.dispose()
    with tempfile.TemporaryDirectory() as tmp, httpx.Client(timeout=30) as client:
        peak = real_run_peak_rss(client, base, Path(tmp), questions())
        print(f"   rss of a real `policybot run` (Telegram only, database up to date) through a burst of 1,000: "
              f"{peak:.0f} MB peak (target <= {TARGET_RSS_MB:.0f} MB)")
        ok &= peak <= TARGET_RSS_MB
    parent.send("stop")
    fake_process.join(5)
    print("PASS" if ok else "FAIL (see figures above)")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
