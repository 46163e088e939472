"""An acknowledgement campaign for 5,000 staff: computing and queueing every reminder, then delivering them
through the real Slack notifier to a fake Slack Web API that answers 429 (Retry-After: 0) to every 10th call.

    python benchmarks/schedule_bench.py [--staff N] [--database-url URL]   (or ./dev bench schedule)

Delivery goes the production way: the outbox dispatcher hands each reminder to `handlers.slack.SlackNotifier`,
whose slack_sdk `WebClient` (base_url = the fake, no in-place 429 retries) opens the DM (conversations.open) and
posts it (chat.postMessage) over HTTP on 127.0.0.1. The fake (tests/handlers/slack/fake_slack_api.py) runs in a
second process, as Slack would be on another machine, and reports what it answered: every call, the 429s it
served, and the reminders it accepted for each DM channel.

Targets: all reminders computed and queued in under 2 s; each posted exactly once despite the 429s; a second
run the same day queues nothing. Delivery time is printed, not judged (it is loopback HTTP, two calls a reminder).
"""

from __future__ import annotations

import argparse
import datetime as dt
import logging
import multiprocessing as mp
import sys
import tempfile
import time
from collections import Counter
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from pydantic import SecretStr  # noqa: E402
from sqlalchemy import select  # noqa: E402

from bot.config import REPO_ROOT, load_school  # noqa: E402
from bot.core import Core  # noqa: E402
from bot.people import Person, PersonRole  # noqa: E402
from bot.ports import ManualClock  # noqa: E402
from handlers.slack import SlackNotifier  # noqa: E402
from handlers.slack.client import make_web_client  # noqa: E402
from tests.conftest import make_settings  # noqa: E402  (the tests' throw-away bot settings)

POLICY = REPO_ROOT / "policy_data" / "social-media.yaml"
TARGET_QUEUE_SECONDS = 2.0
# Wednesday 25 November 2026, 08:30 in London: a school day at the reminder time.
START = dt.datetime(2026, 11, 25, 8, 30, tzinfo=dt.UTC)
RATE_LIMIT_EVERY = 10  # the fake answers 429 (Retry-After: 0) to every 10th call it receives


# --- Slack's side (a child process) ---
def slack_side(conn: Connection) -> None:
    """Run the fake Slack Web API; answer the parent's requests: ("every", n), ("report",), ("stop",)."""
    from tests.handlers.slack.fake_slack_api import FakeSlack

    fake = FakeSlack().start()
    conn.send(fake.base_url)
    while True:
        request = conn.recv()
        if request[0] == "every":
            fake.rate_limit_every(request[1], retry_after=0)
            conn.send(True)
        elif request[0] == "report":
            posted = Counter(str(c.params.get("channel")) for c in fake.ok_calls("chat.postMessage"))
            conn.send(
                {
                    "calls": len(fake.calls),
                    "served_429": len(fake.rate_limited_calls()),
                    "opened": len(fake.ok_calls("conversations.open")),
                    "posted": posted,  # reminders accepted, by DM channel (a 429'd post was not posted)
                }
            )
        else:
            fake.stop()
            conn.send(True)
            return


class FakeSlackProcess:
    def __init__(self) -> None:
        self.conn, child = mp.Pipe()
        self.process = mp.get_context("spawn").Process(target=slack_side, args=(child,), name="fake-slack")
        self.process.start()
        self.base_url: str = self.conn.recv()

    def ask(self, *request: Any) -> Any:
        self.conn.send(request)
        return self.conn.recv()

    def stop(self) -> None:
        if self.process.is_alive():
            self.ask("stop")
        self.process.join(timeout=10)


def add_staff(core: Core, count: int) -> None:
    with core.db.session() as session:
        for n in range(count):
            person = Person(name=f"Staff Member {n:05d}", slack_user_id=f"UB{n:08d}")
            person.role_rows = [PersonRole(role="staff")]
            session.add(person)


def deliver(core: Core, fake: FakeSlackProcess) -> dict[str, Any]:
    """Dispatch until nothing is left due, through the real Slack notifier to the fake; return the figures."""
    notifier = SlackNotifier(core, make_web_client(core.settings, retry_rate_limits=False))
    fake.ask("every", RATE_LIMIT_EVERY)
    delivered = retried = failed = passes = 0
    started = time.perf_counter()
    while True:
        result = core.outbox.dispatch({"slack": notifier}, limit=500)
        passes += 1
        delivered, retried, failed = delivered + result.delivered, retried + result.retried, failed + result.failed
        if result.delivered + result.retried + result.failed == 0:
            break
    seconds = time.perf_counter() - started
    fake.ask("every", 0)
    return {"seconds": seconds, "passes": passes, "delivered": delivered, "retried": retried, "failed": failed,
            "pending": core.outbox.pending_count()}


def campaign_dm_channels(core: Core) -> set[str]:
    """The DM channel the fake opens for each member of staff in the campaign (it answers D + the user id's tail)."""
    with core.db.session() as session:
        ids = dict(session.execute(select(Person.id, Person.slack_user_id)).all())
    return {"D" + str(ids[row.person_id]).lstrip("UW") for row in core.schedule.acks.compliance()}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--staff", type=int, default=5000)
    parser.add_argument("--database-url", help="default: a fresh SQLite file")
    args = parser.parse_args()
    # Each 429 would log a retry warning (outbox) and a delivery warning (notifier).
    logging.getLogger("bot.outbox").setLevel(logging.ERROR)
    logging.getLogger("handlers.slack.notifier").setLevel(logging.ERROR)

    fake = FakeSlackProcess()
    try:
        with tempfile.TemporaryDirectory() as tmp:
            settings = make_settings(
                Path(tmp),
                database_url=args.database_url,
                slack_bot_token=SecretStr("xoxb-bench-token"),
                slack_api_url=fake.base_url,
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

            recipients = campaign_dm_channels(core)
            sent = deliver(core, fake)
            core.db.dispose()
        seen = fake.ask("report")
    finally:
        fake.stop()

    per_channel: Counter[str] = seen["posted"]
    exactly_once = set(per_channel) == recipients and set(per_channel.values()) == {1}
    posts = sum(per_channel.values())
    served_429, calls, opens = seen["served_429"], seen["calls"], seen["opened"]

    print(f"staff in campaign:           {staff}")
    print(f"reminders queued:            {counts['acks']} in {queue_seconds:.2f} s (target < {TARGET_QUEUE_SECONDS} s)")
    print(f"second run same minute:      {sum(again.values())} queued")
    print(
        f"delivered (outbox):          {sent['delivered']} in {sent['seconds']:.2f} s "
        f"({sent['delivered'] / max(sent['seconds'], 1e-9):.0f}/s), {sent['passes']} dispatch passes, "
        f"{sent['retried']} retried, {sent['failed']} failed, {sent['pending']} left pending"
    )
    print(
        f"at the fake Slack:           {calls} calls, {served_429} answered 429 (every {RATE_LIMIT_EVERY}th), "
        f"{opens} conversations.open ok, {posts} chat.postMessage ok to {len(per_channel)} DM channels"
    )
    print(f"each posted exactly once:    {'yes' if exactly_once else 'NO'}")
    ok = (
        counts["acks"] == staff
        and queue_seconds < TARGET_QUEUE_SECONDS
        and sum(again.values()) == 0
        and exactly_once
        and posts == counts["acks"] == sent["delivered"]
        and served_429 == calls // RATE_LIMIT_EVERY
        and served_429 > 0
        and sent["failed"] == sent["pending"] == 0
    )
    print("PASS" if ok else "FAIL")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
