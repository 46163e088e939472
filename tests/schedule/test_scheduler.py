"""The APScheduler wiring: jobs persisted in the project database, run at start, deliver through the notifiers;
and against PostgreSQL, two schedulers on one database send each message once (leader lock + unique keys).
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, func, select

import scheduler
from bot.config import REPO_ROOT, School
from bot.core import Core
from bot.outbox import DELIVERED, OutboxRow
from bot.ports import ManualClock, OutboundMessage
from tests.conftest import make_core, make_settings, pg_schema

POLICY = REPO_ROOT / "policy_data" / "social-media.yaml"


class RecordingNotifier:
    def __init__(self, platform: str = "slack") -> None:
        self.platform = platform
        self.delivered: list[OutboundMessage] = []
        self._lock = threading.Lock()

    def deliver(self, message: OutboundMessage) -> None:
        with self._lock:
            self.delivered.append(message)


def wait_for(condition: Callable[[], bool], timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("condition not met in time")
        time.sleep(0.05)


def outbox_count(core: Core) -> int:
    with core.db.session() as session:
        return session.scalar(select(func.count()).select_from(OutboxRow)) or 0


@pytest.fixture
def sqlite_core(tmp_path: Path, school: School, clock: ManualClock) -> Iterator[Core]:
    core = make_core(make_settings(tmp_path), school, clock)
    yield core
    core.db.dispose()


def test_jobs_run_at_start_deliver_and_survive_a_restart(sqlite_core: Core) -> None:
    core = sqlite_core
    core.schedule.acks.publish(POLICY)  # Wednesday 10:00: day 0 reminders are due at once
    slack = RecordingNotifier("slack")
    notifiers = {"slack": slack, "console": RecordingNotifier("console")}
    first = scheduler.build_scheduler(core, notifiers, None, name="first")
    first.start()
    try:
        # 5 staff reminders + the overdue review prompt to the headteacher and the chair.
        wait_for(lambda: len(slack.delivered) == 7)
        assert {job.id for job in first.get_jobs("default")} == {"first.schedule.run_due", "first.outbox.dispatch"}
        assert [job.id for job in first.get_jobs("process")] == ["first.policy.reload"]  # this process's own
    finally:
        first.shutdown(wait=True)
    # A new process: its jobs come back from the database (not re-created) and running them again adds nothing.
    second = scheduler.build_scheduler(core, notifiers, None, name="first")
    second.start(paused=True)
    try:
        assert {job.id for job in second.get_jobs("default")} == {"first.schedule.run_due", "first.outbox.dispatch"}
        assert scheduler.run_due("first") == {"reviews": 0, "acks": 0, "photos": 0, "leavers": 0, "holidays": 0,
                                               "escalations": 0}
    finally:
        second.shutdown(wait=True)
    assert outbox_count(core) == 7 and len(slack.delivered) == 7


def test_a_job_for_a_stopped_scheduler_does_nothing(sqlite_core: Core) -> None:
    assert scheduler.run_due("nobody") == {} and scheduler.dispatch("nobody") == 0


def test_the_minute_job_forgets_the_slack_requests_seen_once_out_of_the_replay_window(sqlite_core: Core) -> None:
    """They were pruned only when a request arrived: after a quiet evening the last five minutes' stayed overnight
    (and went into the night's backup)."""
    from handlers.slack.models import REPLAY_WINDOW, SlackRequestSeen

    now = dt.datetime.now(dt.UTC)
    with sqlite_core.db.session() as session:
        session.add(SlackRequestSeen(key="old" * 10, sent_at=now - dt.timedelta(seconds=REPLAY_WINDOW + 60)))
        session.add(SlackRequestSeen(key="new" * 10, sent_at=now))
    minute = scheduler.build_scheduler(sqlite_core, {}, None, name="prune")
    try:
        scheduler.run_due("prune")
    finally:
        minute.shutdown()
    with sqlite_core.db.session() as session:
        assert list(session.scalars(select(SlackRequestSeen.key))) == ["new" * 10]  # still in the window: kept


@pytest.mark.postgres
def test_each_schema_of_a_postgres_database_has_its_own_lead(pg_url: str) -> None:
    """Two processes on one installation share one lead; a second installation in another schema of the same
    database (a trial beside the real one) leads its own, instead of never running its reminders."""
    with pg_schema() as other_url:
        engines = [create_engine(url) for url in (pg_url, pg_url, other_url)]
        first, same_schema, other_schema = (scheduler.Leadership(engine) for engine in engines)
        try:
            assert first.is_leader()
            assert not same_schema.is_leader()
            assert other_schema.is_leader()
            first.release()
            assert same_schema.is_leader()  # the lead is free again once its holder lets go
        finally:
            for leadership in (first, same_schema, other_schema):
                leadership.release()
            for engine in engines:
                engine.dispose()


@pytest.mark.postgres
def test_a_second_process_on_postgres_says_once_that_another_leads(
    pg_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    """Two processes are allowed on PostgreSQL: the one that does not lead says so, once, not at every tick."""
    engines = [create_engine(pg_url) for _ in range(2)]
    leader, follower = (scheduler.Leadership(engine) for engine in engines)
    try:
        assert leader.is_leader()
        with caplog.at_level(logging.INFO, logger="scheduler"):
            assert not any(follower.is_leader() for _ in range(3))
        said = [r for r in caplog.records if r.levelno == logging.INFO and "another policybot process" in r.message]
        assert len(said) == 1 and "runs the scheduled jobs" in said[0].message
    finally:
        for leadership in (leader, follower):
            leadership.release()
        for engine in engines:
            engine.dispose()


@pytest.mark.postgres
def test_two_schedulers_on_postgres_send_each_message_once(
    tmp_path: Path, pg_url: str, school: School, clock: ManualClock
) -> None:
    settings = make_settings(tmp_path, database_url=pg_url)
    core_a = make_core(settings, school, clock)
    core_b = make_core(settings, school, clock)  # a second process: its own engine, same database
    core_a.schedule.acks.publish(POLICY)
    slack = RecordingNotifier("slack")
    notifiers = {"slack": slack}
    a = scheduler.build_scheduler(core_a, notifiers, None, name="a")
    b = scheduler.build_scheduler(core_b, notifiers, None, name="b")
    try:
        # One leads: the other's ticks do nothing, however often they come.
        results = [scheduler.run_due("a"), scheduler.run_due("b"), scheduler.run_due("b"), scheduler.run_due("a")]
        assert results[0] and results[0]["acks"] == 5 and results[0]["reviews"] == 2
        assert results[1] == {} and results[2] == {}
        assert sum(results[3].values()) == 0
        assert scheduler.dispatch("b") == 0
        assert len(slack.delivered) == 7  # the leader delivers what it queued straight away

        # The leader stops: the other takes over at its next tick, and repeats nothing already sent.
        a.shutdown(wait=False)
        taken_over = scheduler.run_due("b")
        assert taken_over and sum(taken_over.values()) == 0

        # Without the lock (both think they lead), the unique keys still let each reminder through once:
        # both processes run the rules at the same moment, days later, in parallel.
        clock.advance(days=7)  # Wednesday 2 December: the day-7 reminders and the weekly review prompt are due
        barrier = threading.Barrier(2)
        counts: list[dict[str, int]] = []

        def run(core: Core) -> None:
            barrier.wait()
            counts.append(core.schedule.run_due())

        threads = [threading.Thread(target=run, args=(c,)) for c in (core_a, core_b)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(30)
        assert sum(c["acks"] for c in counts) == 5
        assert sum(c["reviews"] for c in counts) == 2
        core_a.outbox.dispatch(notifiers)
        core_b.outbox.dispatch(notifiers)
        keys = [m.key for m in slack.delivered]
        assert len(keys) == len(set(keys)) == 14
        with core_a.db.session() as session:
            assert set(session.scalars(select(OutboxRow.status)).all()) == {DELIVERED}
    finally:
        for s in (a, b):
            s.shutdown(wait=False)
        core_a.db.dispose()
        core_b.db.dispose()
