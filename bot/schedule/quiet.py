"""When staff may be sent a reminder: school days only, inside the school's quiet-hours window.

Everything here is local school time (Europe/London by default), so 08:30 stays 08:30 across the March and
October clock changes. Safeguarding escalations do not come through here: they ignore quiet hours.
"""

from __future__ import annotations

import datetime as dt

from bot.config import School

# What the scheduled rules queue: routine staff messages. The outbox delivers these only inside the messaging hours,
# so one held back (Slack down, retries) waits for the next school day's window instead of arriving at night.
ROUTINE_KINDS = frozenset(
    {"ack_reminder", "ack_outstanding", "ack_not_asked", "review_prompt", "photos_reminder", "leaver_passwords",
     "term_dates"}
)


class QuietHours:
    """The school's rules for when staff reminders may go out (queued, and delivered: see bot.outbox)."""

    routine_kinds = ROUTINE_KINDS

    def __init__(self, school: School) -> None:
        self.school = school
        self.tz = school.tz

    def local(self, now: dt.datetime) -> dt.datetime:
        return now.astimezone(self.tz)

    def today(self, now: dt.datetime) -> dt.date:
        return self.school.date_at(now)

    def is_school_day(self, day: dt.date) -> bool:
        return self.school.is_school_day(day)

    def staff_may_be_messaged(self, now: dt.datetime) -> bool:
        """True on a school day between the start and end of the school's messaging hours."""
        local = self.local(now)
        window = self.school.quiet_hours
        return self.is_school_day(local.date()) and window.start <= local.time().replace(tzinfo=None) < window.end

    def reached(self, now: dt.datetime, at: dt.time) -> bool:
        """True when a reminder set for `at` today may go out now (it is `at` or later, inside the window)."""
        return self.staff_may_be_messaged(now) and self.local(now).time().replace(tzinfo=None) >= at

    def next_school_day(self, day: dt.date) -> dt.date:
        """`day` itself when it is a school day, else the first school day after it."""
        return self._school_day_from(day, dt.timedelta(days=1))

    def previous_school_day(self, day: dt.date) -> dt.date:
        """`day` itself when it is a school day, else the last school day before it."""
        return self._school_day_from(day, dt.timedelta(days=-1))

    def _school_day_from(self, day: dt.date, step: dt.timedelta) -> dt.date:
        for _ in range(400):  # a school year never has more than a few weeks off in a row
            if self.is_school_day(day):
                return day
            day += step
        return day

    def at_local(self, day: dt.date, at: dt.time) -> dt.datetime:
        """The UTC moment of `at` o'clock school time on `day` (handles the clock changes)."""
        return dt.datetime.combine(day, at, tzinfo=self.tz).astimezone(dt.UTC)
