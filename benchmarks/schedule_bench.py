"""An acknowledgement campaign for 5,000 staff: computing and queueing every reminder, then delivering them
through a notifier that is rate limited (a 429, retry after 0 s) on every 10th call.

    python benchmarks/schedule_bench.py [--staff N] [--database-url URL]   (or ./dev bench schedule)

Targets: all reminders computed and queued in under 2 s; each delivered exactly once despite the 429s; a second
run the same day queues nothing.
"""

from __future__ import annotations

import argparse
import datetime as dt
import logging
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from cryptography.fernet import Fernet  # noqa: E402

from bot.config import REPO_ROOT, Settings, load_school  # noqa: E402
from bot.core import Core  # noqa: E402
from bot.people import Person, PersonRole  # noqa: E402
from bot.ports import DeliveryError, ManualClock, OutboundMessage  # noqa: E402

POLICY = REPO_ROOT / "policy_data" / "social-media.yaml"
TARGET_QUEUE_SECONDS = 2.0
# Wednesday 25 November 2026, 08:30 in London: a school day at the reminder time.
START = dt.datetime(2026, 11, 25, 8, 30, tzinfo=dt.UTC)


class RateLimitedSlack:
    """Every 10th call is refused as Slack does under load (429 with Retry-After: 0)."""

    platform = "slack"

    def __init__(self) -> None:
        self.calls = 0
        self.refused = 0
        self.delivered: Counter[str] = Counter()

    def deliver(self, message: OutboundMessage) -> None:
        self.calls += 1
        if self.calls % 10 == 0:
            self.refused += 1
            raise DeliveryError("ratelimited", retry_after=0)
        self.delivered[message.key] += 1


def add_staff(core: Core, count: int) -> None:
    with core.db.session() as session:
        for n in range(count):
            person = Person(name=f"Staff Member {n:05d}", slack_user_id=f"UB{n:08d}")
            person.role_rows = [PersonRole(role="staff")]
            session.add(person)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--staff", type=int, default=5000)
    parser.add_argument("--database-url", help="default: a fresh SQLite file")
    args = parser.parse_args()
    logging.getLogger("bot.outbox").setLevel(logging.ERROR)  # each 429 would log a retry warning

    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(
            _env_file=None,  # type: ignore[call-arg]
            data_dir=Path(tmp),
            database_url=args.database_url,
            school_file=REPO_ROOT / "school.example.yaml",
            POLICYBOT_ENCRYPTION_KEYS=Fernet.generate_key().decode(),
        )
        clock = ManualClock(START)
        core = Core(settings, school=load_school(settings.resolved_school_file), clock=clock)
        core.prepare()
        add_staff(core, args.staff)
        core.schedule.acks.publish(POLICY)
        core.schedule.reviews.mark_reviewed("social-media", reviewer="Bench")  # only the campaign, please
        staff = len(core.schedule.acks.compliance())

        started = time.perf_counter()
        counts = core.schedule.run_due()
        queue_seconds = time.perf_counter() - started
        again = core.schedule.run_due()

        slack = RateLimitedSlack()
        notifiers = {"slack": slack}
        started = time.perf_counter()
        passes = 0
        while True:
            result = core.outbox.dispatch(notifiers, limit=500)  # type: ignore[arg-type]
            passes += 1
            if result.delivered + result.retried + result.failed == 0:
                break
        deliver_seconds = time.perf_counter() - started
        core.db.dispose()

    exactly_once = len(slack.delivered) == counts["acks"] and set(slack.delivered.values()) == {1}
    print(f"staff in campaign:          {staff}")
    print(f"reminders queued:           {counts['acks']} in {queue_seconds:.2f} s (target < {TARGET_QUEUE_SECONDS} s)")
    print(f"second run same minute:     {sum(again.values())} queued")
    print(
        f"delivered:                  {sum(slack.delivered.values())} in {deliver_seconds:.2f} s, "
        f"{passes} dispatch passes, {slack.refused} refused with 429 and retried"
    )
    print(f"each delivered exactly once: {'yes' if exactly_once else 'NO'}")
    ok = counts["acks"] == staff and queue_seconds < TARGET_QUEUE_SECONDS and sum(again.values()) == 0 and exactly_once
    print("PASS" if ok else "FAIL")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
