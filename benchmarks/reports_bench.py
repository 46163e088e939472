"""Reports: 1,000 reports submitted at once from many threads; every one stored, every alert delivered once.

    python benchmarks/reports_bench.py [--reports N] [--threads N] [--database-url URL]

A fresh SQLite file in a temporary directory (or the PostgreSQL URL given), the school's example people, and the
real core: validation, encryption, conflict routing, the chronology and the outbox, each report in its own
transaction. Then the dispatcher (four threads at once, as after a restart) delivers the queue through a counting
notifier. Prints submit p50/p99 and throughput. Fails if anything is lost or delivered twice.
Target: submit p99 <= 1 s on SQLite with 32 senders at once (each waits for the others: one writer).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sqlalchemy import func, select  # noqa: E402

from bot.config import load_school  # noqa: E402
from bot.core import Core  # noqa: E402
from bot.outbox import DELIVERED, OutboxRow  # noqa: E402
from bot.ports import OutboundMessage  # noqa: E402
from bot.reports.models import ReportRow  # noqa: E402
from tests.conftest import make_settings  # noqa: E402  (the tests' throw-away bot settings)

TARGET_P99_MS = 1000.0  # 32 senders at once queue for one SQLite writer: p99 is about 32 x one submit
CATEGORIES = ["child_at_risk", "extremism", "online_abuse", "inappropriate_post", "staff_concern", "other"]


class CountingNotifier:
    def __init__(self, platform: str) -> None:
        self.platform = platform
        self.keys: Counter[str] = Counter()
        self._lock = threading.Lock()

    def deliver(self, message: OutboundMessage) -> None:
        with self._lock:
            self.keys[message.key] += 1


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reports", type=int, default=1000)
    parser.add_argument("--threads", type=int, default=32)
    parser.add_argument("--database-url")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        settings = make_settings(
            Path(tmp),
            database_url=args.database_url,
        )
        core = Core(settings, school=load_school(settings.resolved_school_file))
        core.prepare()
        reports = core.reports
        timings: list[float] = []
        codes: list[str] = []
        lock = threading.Lock()

        def submit(n: int) -> None:
            text = f"Concern number {n}: a pupil in Year {n % 6 + 1} said something worrying at lunchtime."
            start = time.perf_counter()
            receipt = reports.submit(CATEGORIES[n % len(CATEGORIES)], text, channel="telegram")
            elapsed = time.perf_counter() - start
            with lock:
                timings.append(elapsed)
                codes.append(receipt.code)

        began = time.perf_counter()
        with ThreadPoolExecutor(args.threads) as pool:
            list(pool.map(submit, range(args.reports)))
        wall = time.perf_counter() - began

        with core.db.session() as session:
            stored = session.scalar(select(func.count()).select_from(ReportRow))
            queued = session.scalar(select(func.count()).select_from(OutboxRow))

        console = CountingNotifier("console")
        notifiers: dict[str, Any] = {"console": console}
        dispatch_began = time.perf_counter()
        while True:
            with ThreadPoolExecutor(4) as pool:
                results = list(
                    pool.map(lambda _: core.outbox.dispatch(notifiers, reports.resolve_recipient, 200), range(4))
                )
            if not any(r.delivered or r.retried for r in results):
                break
        dispatch_wall = time.perf_counter() - dispatch_began
        with core.db.session() as session:
            delivered_rows = session.scalar(
                select(func.count()).select_from(OutboxRow).where(OutboxRow.status == DELIVERED)
            )
        core.db.dispose()

    ms = sorted(t * 1000 for t in timings)
    p50 = statistics.median(ms)
    p99 = ms[min(len(ms) - 1, int(len(ms) * 0.99))]
    twice = [k for k, n in console.keys.items() if n > 1]
    print(f"reports submitted:   {len(codes)} from {args.threads} threads in {wall:.2f} s ({len(codes) / wall:.0f}/s)")
    print(
        f"submit latency:      p50 {p50:.1f} ms, p99 {p99:.1f} ms, max {ms[-1]:.1f} ms "
        f"(target p99 <= {TARGET_P99_MS:.0f} ms)"
    )
    print(f"stored:              {stored} reports, {len(set(codes))} distinct receipt codes")
    print(
        f"alerts:              {queued} queued, {sum(console.keys.values())} delivered in {dispatch_wall:.2f} s, "
        f"{len(twice)} delivered twice, {delivered_rows} marked delivered"
    )
    problems = []
    if stored != args.reports or len(set(codes)) != args.reports:
        problems.append("not every report was stored")
    if twice or sum(console.keys.values()) != queued or delivered_rows != queued:
        problems.append("alerts were not delivered exactly once")
    if p99 > TARGET_P99_MS and not args.database_url:  # the target is set for the default SQLite file
        problems.append(f"submit p99 {p99:.1f} ms is over the target")
    for problem in problems:
        print(f"FAIL: {problem}")
    if not problems:
        print("OK: all stored, all alerts delivered once")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
