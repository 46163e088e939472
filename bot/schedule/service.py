"""`core.schedule`: the scheduled rules of the policy, decided from the database at the current time.

`run_due()` is what the scheduler calls every minute. Each rule runs in its own transaction, recording every
reminder (series, number) together with its outbox message; a second run, or a second process, finds it sent or
fails on the unique constraint and queues nothing. So a run can be repeated, missed or crashed safely.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from functools import cached_property
from typing import TYPE_CHECKING

from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import Session

from bot.schedule.acks import Acks
from bot.schedule.leavers import Leavers
from bot.schedule.photos import Photos
from bot.schedule.quiet import QuietHours
from bot.schedule.reviews import Reviews
from bot.schedule.term import TermDates
from bot.wording import long_date

if TYPE_CHECKING:
    from bot.core import Core

log = logging.getLogger(__name__)


class ScheduleService:
    def __init__(self, core: Core) -> None:
        self.core = core
        self.quiet = QuietHours(core.school)
        self.failed: list[str] = []  # the rules (and "escalations") that failed in the last run_due, logged

    @cached_property
    def reviews(self) -> Reviews:
        return Reviews(self.core)

    @cached_property
    def acks(self) -> Acks:
        return Acks(self.core)

    @cached_property
    def photos(self) -> Photos:
        return Photos(self.core)

    @cached_property
    def leavers(self) -> Leavers:
        return Leavers(self.core)

    @cached_property
    def term(self) -> TermDates:
        return TermDates(self.core)

    def run_due(self) -> dict[str, int]:
        """Queue everything due now; returns messages queued per rule (and report escalations). Escalations come
        first, and a rule that fails is logged and skipped: a fault in a reminder never holds up a safeguarding
        escalation, nor the other reminders (each is tried again a minute later)."""
        now = self.core.clock.now()
        self.failed = []
        escalations = self._escalate_reports()
        self._redraw_homes_for_today()
        rules: dict[str, Callable[[Session, dt.datetime], int]] = {
            "reviews": self.reviews.run_due,
            "acks": self.acks.run_due,
            "photos": self.photos.run_due,
            "leavers": self.leavers.run_due,
            "holidays": self.term.run_due,
        }
        counts: dict[str, int] = dict.fromkeys(rules, 0)
        # Every rule here is a staff reminder: outside school hours there is nothing to decide (and no query).
        if self.quiet.staff_may_be_messaged(now):
            for name, rule in rules.items():
                counts[name] = self._run_rule(name, rule, now)
        counts["escalations"] = escalations
        return counts

    def not_now(self) -> str | None:
        """Why no staff reminder can go out at this moment (None: they can), for whoever runs the schedule by hand:
        "Queued: reviews 0, acks 0..." on a Saturday, or at 07:45, reads as if nothing were due."""
        school = self.core.school
        local = self.quiet.local(self.core.clock.now())
        today, now = local.date(), local.time().replace(tzinfo=None)
        window = school.quiet_hours
        times = f"{school.reminder_time:%H:%M} (pictures on phones at {school.end_of_day:%H:%M})"
        if self.quiet.is_school_day(today) and now < school.reminder_time:
            return f"Staff reminders go out on school days from {times}: today's have not started yet."
        if self.quiet.is_school_day(today) and now < window.end:
            return None
        following = long_date(self.quiet.next_school_day(today + dt.timedelta(days=1)))
        if self.quiet.is_school_day(today):
            why = f"it is after {window.end:%H:%M}, when staff are no longer sent reminders"
        else:
            holiday = next((h.name for h in school.holidays if h.start <= today <= h.end), None)
            why = f"{long_date(today)} is not a school day ({holiday or 'a weekend'})"
        return f"No staff reminders now: {why}. They next go out on {following}, from {times}."

    def _run_rule(self, name: str, rule: Callable[[Session, dt.datetime], int], now: dt.datetime) -> int:
        try:
            with self.core.db.session() as session:
                return rule(session, now)
        except IntegrityError:
            # Another scheduler recorded the same reminders first; the whole batch rolled back, nothing doubled.
            log.info("%s: another scheduler sent these reminders first", name)
            return 0
        except OperationalError as exc:  # e.g. SQLite busy; the next run (a minute later) picks it up
            log.warning("%s reminders postponed: %s", name, exc.__class__.__name__)
            return 0
        except Exception:  # a fault in one rule (bad data, a bug): the others, and escalations, still run
            log.exception("%s reminders failed; they are tried again at the next run", name)
            self.failed.append(name)
            return 0

    def _redraw_homes_for_today(self) -> None:
        """Slack Homes a new day changes (someone back from time away, leaving or starting): never in the way of
        the escalations before it or the reminders after it."""
        try:
            self.core.reports.redraw_homes_for_today()
        except Exception:  # logged; the next run, a minute later, tries again
            log.exception("Home redraws for the day failed")

    def _escalate_reports(self) -> int:
        """Safeguarding escalations (the reports service's own timers; they ignore quiet hours)."""
        try:
            reports = self.core.reports
        except (AttributeError, ImportError):
            return 0  # the reports service is not part of this build yet
        from bot.reports.domain import EscalationFailed

        try:
            escalated = int(reports.escalate_due() or 0)
        except EscalationFailed as exc:  # each report that failed is logged; the others were escalated
            log.error("%s", exc)
            self.failed.append("escalations")
            escalated = exc.escalated
        except Exception:  # logged; the next run (a minute later) retries the escalations, then the reminders run
            log.exception("report escalations failed")
            self.failed.append("escalations")
            escalated = 0
        try:
            reports.forget_closed_reply_channels()
        except Exception:  # logged; tried again a minute later
            log.exception("forgetting the senders of closed reports failed")
            self.failed.append("reply channels")
        return escalated
