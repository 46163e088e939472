"""The SQLite write queue: first come, first served, re-entrant, and a waiter who gives up does not block others."""

from __future__ import annotations

import threading
import time

from bot.reports.shared import FairLock


def test_waiters_are_served_in_arrival_order_and_it_is_re_entrant() -> None:
    lock, order = FairLock(), []
    with lock, lock:  # re-entrant for the thread holding it
        threads = []
        for n in range(5):
            thread = threading.Thread(target=lambda n=n: _take(lock, order, n))
            thread.start()
            threads.append(thread)
            time.sleep(0.02)  # let each one queue before the next arrives
    for thread in threads:
        thread.join(5)
    assert order == [0, 1, 2, 3, 4]


def test_an_abandoned_turn_is_skipped() -> None:
    lock = FairLock()
    with lock:
        lock._next_ticket += 1  # a waiter queued (ticket 1)...
        lock._abandoned.add(1)  # ...and was interrupted before its turn
        done = threading.Event()
        thread = threading.Thread(target=lambda: _take(lock, [], 0, done))
        thread.start()
    thread.join(5)
    assert done.is_set()


def _take(lock: FairLock, order: list[int], n: int, done: threading.Event | None = None) -> None:
    with lock:
        order.append(n)
    if done is not None:
        done.set()
