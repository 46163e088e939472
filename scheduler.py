"""The clock that drives the bot: APScheduler runs three jobs against the core, nothing more.

- every minute, `core.schedule.run_due()`: the core decides from the database what is due now (reviews,
  acknowledgement reminders, photos, leavers, report escalations), so a job run twice or late is harmless;
  then it forgets the Slack requests seen that are out of the replay window (handlers.slack.server.ReplayGuard);
- every few seconds, `core.outbox.dispatch(...)`: delivers queued messages, retrying with backoff;
- every minute, `core.reload_policies()`: takes up policy files edited since they were loaded (every process does,
  as every process answers questions: this job is kept in memory, not in the database the processes share).

Jobs live in a SQLAlchemy job store on the project database (Europe/London time), so they survive a restart;
missed runs are coalesced into one. With PostgreSQL several `policybot run` processes may share the database:
only the one holding a PostgreSQL advisory lock (on a connection of its own) does the work; if it dies, its
connection closes, the lock is freed and another process takes over at its next tick. With SQLite there is one
process. The job store pickles references to the job functions, so they are module-level and find the core
(and notifiers) in a module-level registry.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.jobstores.memory import MemoryJobStore
from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
from apscheduler.schedulers.background import BackgroundScheduler
from sqlalchemy import Connection, Engine, text

if TYPE_CHECKING:
    from bot.core import Core
    from bot.outbox import Resolver
    from bot.ports import Notifier

log = logging.getLogger(__name__)

RUN_DUE_EVERY = dt.timedelta(minutes=1)
DISPATCH_EVERY = dt.timedelta(seconds=5)
RELOAD_POLICIES_EVERY = dt.timedelta(minutes=1)
JOBS_TABLE = "scheduler_jobs"
PRUNE_WAIT_MS = 100  # the longest the minute job's housekeeping waits for another writer (SQLite) before leaving it
# Whoever holds this advisory lock leads. Its number is taken from the schema policybot's tables are in, so two
# installations in different schemas of one database (a trial beside the real one, say) each have their own lead.
LOCK_KEY = "hashtext('policybot.scheduler.leader:' || current_schema())"


class Leadership:
    """Who does the scheduled work. SQLite: this process. PostgreSQL: the holder of the advisory lock."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.shared = engine.dialect.name == "postgresql"
        self._connection: Connection | None = None
        self._lock = threading.Lock()
        self._following = False  # said once that another process leads, not at every tick

    def is_leader(self) -> bool:
        """Check (and if free, take) the lead. Cheap enough to call on every tick."""
        if not self.shared:
            return True
        with self._lock:
            if self._connection is not None:
                try:
                    self._connection.execute(text("SELECT 1"))
                    return True
                except Exception:  # the connection (and with it the lock) is gone: try to lead again below
                    log.warning("lost the scheduler lock's database connection")
                    self._close()
            connection = self.engine.connect().execution_options(isolation_level="AUTOCOMMIT")
            try:
                taken = bool(connection.execute(text(f"SELECT pg_try_advisory_lock({LOCK_KEY})")).scalar())
            except Exception:
                connection.close()
                raise
            if not taken:
                connection.close()
                if not self._following:
                    log.info("another policybot process on this database runs the scheduled jobs (reminders and "
                             "message delivery); this one answers people and takes over if that one stops")
                    self._following = True
                return False
            self._connection = connection
            self._following = False
            log.info("this process now runs the scheduled jobs")
            return True

    def release(self) -> None:
        with self._lock:
            if self._connection is not None:
                try:
                    self._connection.execute(text(f"SELECT pg_advisory_unlock({LOCK_KEY})"))
                except Exception:  # closing the connection frees the lock anyway
                    log.debug("advisory unlock failed", exc_info=True)
                self._close()

    def _close(self) -> None:
        if self._connection is not None:
            try:
                self._connection.invalidate()  # never hand a lock-holding connection back to the pool
                self._connection.close()
            except Exception:
                log.debug("closing the leader connection failed", exc_info=True)
            self._connection = None


@dataclass
class Runtime:
    core: Core
    notifiers: Mapping[str, Notifier]  # the caller's dict: a platform connected later (Telegram) is seen
    resolver: Resolver | None
    leadership: Leadership


_runtimes: dict[str, Runtime] = {}


def run_due(name: str = "main") -> dict[str, int]:
    """The minute job: queue whatever the policy says is due now (only on the leading process)."""
    runtime = _runtimes.get(name)
    if runtime is None or not runtime.leadership.is_leader():
        return {}
    counts = runtime.core.schedule.run_due()
    if any(counts.values()):
        log.info("queued: %s", ", ".join(f"{k} {v}" for k, v in counts.items() if v))
        dispatch(name)  # deliver now rather than at the dispatcher's next tick (safe alongside it)
    _forget_slack_requests(runtime.core)
    return counts


def _forget_slack_requests(core: Core) -> None:
    """The Slack requests seen (the replay guard's) that are out of its window: pruned otherwise only when a request
    arrives, after a quiet evening the last few would stay overnight. After the due work, and giving way at once to
    any other writer: it can wait for the next minute."""
    from sqlalchemy.exc import SQLAlchemyError

    from handlers.slack.models import forget_requests_out_of_window

    try:
        with core.db.brief_session(PRUNE_WAIT_MS) as session:
            forget_requests_out_of_window(session, time.time())
    except SQLAlchemyError as exc:
        log.debug("pruning the Slack requests seen waits for the next minute (%s)", type(exc).__name__)


def dispatch(name: str = "main") -> int:
    """The few-seconds job: deliver queued messages (only on the leading process)."""
    runtime = _runtimes.get(name)
    if runtime is None or not runtime.leadership.is_leader():
        return 0
    result = runtime.core.outbox.dispatch(runtime.notifiers, runtime.resolver)
    return result.delivered


def reload_policies(name: str = "main") -> bool:
    """The policy job, in every process (a follower answers questions too): take up changed policy files."""
    runtime = _runtimes.get(name)
    return runtime is not None and runtime.core.reload_policies()


class PolicyScheduler(BackgroundScheduler):
    """A BackgroundScheduler that adds its jobs on start (keeping persisted ones) and frees the lead on stop."""

    def __init__(self, name: str, runtime: Runtime, *, shared: bool = True, **options: Any) -> None:
        super().__init__(**options)
        self.name = name
        self.runtime = runtime
        self.shared = shared

    def start(self, paused: bool = False) -> None:
        super().start(paused=True)
        now = dt.datetime.now(self.timezone)
        jobs = {
            f"{self.name}.schedule.run_due": (run_due, RUN_DUE_EVERY),
            f"{self.name}.outbox.dispatch": (dispatch, DISPATCH_EVERY),
        } if self.shared else {}
        for job_id, (func, every) in jobs.items():
            # A job kept from the last run keeps its next run time: if that has passed, it runs once now.
            try:
                kept = self.get_job(job_id)
            except Exception:  # stored by an older version whose reference no longer loads: start afresh
                log.warning("replacing the stored job %s, which could not be loaded", job_id)
                self.remove_job(job_id)
                kept = None
            if kept is None:
                self.add_job(
                    func,
                    "interval",
                    seconds=every.total_seconds(),
                    args=[self.name],
                    id=job_id,
                    name=job_id,
                    next_run_time=now,
                )
        # This process's own, in memory: in the shared job store one process would run it for all of them.
        self.add_job(
            reload_policies,
            "interval",
            seconds=RELOAD_POLICIES_EVERY.total_seconds(),
            args=[self.name],
            id=f"{self.name}.policy.reload",
            name=f"{self.name}.policy.reload",
            jobstore="process",
            replace_existing=True,
        )
        if not paused:
            self.resume()

    def shutdown(self, wait: bool = True) -> None:
        try:
            if self.running:
                super().shutdown(wait=wait)
        finally:
            self.runtime.leadership.release()
            if _runtimes.get(self.name) is self.runtime:
                del _runtimes[self.name]


def build_scheduler(
    core: Core,
    notifiers: Mapping[str, Notifier],
    resolver: Resolver | None = None,
    *,
    name: str = "main",
    shared: bool = True,
) -> PolicyScheduler:
    """The process's scheduler (not yet started). `name` tells apart schedulers sharing a process (tests).
    `shared=False` (SCHEDULER_ENABLED=false): only this process's own job, taking up edited policy files; the
    reminders, escalations and deliveries are left to another process."""
    runtime = Runtime(core, notifiers, resolver, Leadership(core.db.engine))
    _runtimes[name] = runtime
    return PolicyScheduler(
        name,
        runtime,
        shared=shared,
        jobstores={
            "default": SQLAlchemyJobStore(engine=core.db.engine, tablename=JOBS_TABLE) if shared else MemoryJobStore(),
            "process": MemoryJobStore(),
        },
        executors={"default": ThreadPoolExecutor(max_workers=2)},
        job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": 300},
        timezone=core.school.timezone,
    )
