"""Wrong receipt codes are rate-limited per requester, in memory only.

The requester string (e.g. "telegram:<chat id>") is replaced at once by a keyed hash and never stored anywhere:
the limiter holds hashes and times, nothing else, and forgets them when the window passes.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections import deque
from collections.abc import Callable

from bot.ports import Clock


class WrongCodeLimiter:
    def __init__(
        self,
        clock: Clock,
        mac: Callable[[str], str],
        max_failures: int = 5,
        window: dt.timedelta = dt.timedelta(minutes=15),
    ) -> None:
        self.clock = clock
        self.mac = mac
        self.max_failures = max_failures
        self.window = window
        self._failures: dict[str, deque[dt.datetime]] = {}
        self._lock = threading.Lock()

    def _recent(self, bucket: str, now: dt.datetime) -> deque[dt.datetime]:
        times = self._failures.get(bucket, deque())
        while times and now - times[0] >= self.window:
            times.popleft()
        if not times:
            self._failures.pop(bucket, None)
        return times

    def blocked_for(self, requester: str) -> dt.timedelta | None:
        """How long this requester must wait before trying a code again, or None."""
        bucket, now = self.mac(requester), self.clock.now()
        with self._lock:
            times = self._recent(bucket, now)
            if len(times) < self.max_failures:
                return None
            return times[0] + self.window - now

    def failed(self, requester: str) -> None:
        bucket, now = self.mac(requester), self.clock.now()
        with self._lock:
            times = self._recent(bucket, now)
            times.append(now)
            self._failures[bucket] = times
            # Keep memory bounded under a flood of distinct requesters: drop whole buckets that have expired.
            if len(self._failures) > 10_000:
                for key in [k for k, v in self._failures.items() if v and now - v[-1] >= self.window]:
                    del self._failures[key]
