"""Leavers: on a member of staff's leave date the admin is asked to change the passwords of the school accounts
they could use, every school day until someone confirms it is done (the policy says "immediately").

A leave date that is not a school day (a weekend, the first day of the summer holiday) is asked about on the last
school day before it: no reminder goes out in a holiday, and six weeks later would be far from "immediately".
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.people import People, Person
from bot.ports import Button, OutboundMessage
from bot.schedule.common import (
    ScheduleError,
    cancel_pending,
    last_sent,
    long_date,
    mark_sent,
    policy_words,
    recipient_for,
)
from bot.schedule.models import LeaverCheck, PhotoRecord
from bot.schedule.quiet import QuietHours

if TYPE_CHECKING:
    from bot.core import Core

POLICY_CLAUSE = "leavers-passwords"
FALLBACK_RULE = (
    "When a member of staff leaves the school's employment, any passwords for accounts that they had access to "
    "will be changed immediately."
)


class Leavers:
    def __init__(self, core: Core) -> None:
        self.core = core
        self.quiet = QuietHours(core.school)

    def _rule(self) -> str:
        return policy_words(self.core.policies, POLICY_CLAUSE, FALLBACK_RULE)

    @staticmethod
    def _find(session: Session, person_name_or_id: str | int) -> Person:
        person: Person | None = None
        if isinstance(person_name_or_id, int) or str(person_name_or_id).strip().isdigit():
            person = session.get(Person, int(person_name_or_id))
        if person is None:
            person = People.by_name(session, str(person_name_or_id).strip())
        if person is None:
            raise ScheduleError(f"nobody called {person_name_or_id!r}; `policybot people list` shows everyone")
        return person

    def confirm(self, person_name_or_id: str | int, actor_name: str, by_person_id: int | None = None) -> str:
        """Someone (usually the admin) changed the leaver's passwords: record who and when, stop the prompts.

        `by_person_id` is who pressed a button in chat: an admin or the headteacher, the people prompted.
        """
        now = self.core.clock.now()
        with self.core.db.session() as session:
            if by_person_id is not None:
                actor = session.get(Person, by_person_id)
                if actor is None or not actor.has_role("admin", "headteacher"):
                    raise ScheduleError(
                        "Only the school's admin or the headteacher can confirm passwords were changed."
                    )
            person = self._find(session, person_name_or_id)
            if person.leave_date is None:
                raise ScheduleError(
                    f"{person.name} has no leave date; record it first with "
                    f"`policybot people leave {person.name!r} --on YYYY-MM-DD`"
                )
            check = session.get(LeaverCheck, person.id)
            if check is None:
                check = LeaverCheck(person_id=person.id, leave_date=person.leave_date)
                session.add(check)
            elif check.confirmed_at is not None and check.leave_date == person.leave_date:
                return f"The passwords {person.name} could use were already confirmed changed by {check.confirmed_by}."
            check.leave_date = person.leave_date
            check.confirmed_at = now
            check.confirmed_by = actor_name.strip()[:200] or "unknown"
            cancel_pending(session, [f"leaver:{person.id}:"])
            name = person.name
        return f"Thank you, {actor_name}. Recorded that the passwords {name} could use have been changed."

    def first_prompt_day(self, leave_date: dt.date) -> dt.date:
        """The day the admin is first asked about someone leaving on `leave_date`: the last school day on or before
        it, or, when that has passed (a date recorded late), the next day reminders go out."""
        now = self.core.clock.now()
        day = leave_date
        for _ in range(400):  # a school year never has more than a few weeks off in a row
            if self.quiet.is_school_day(day):
                break
            day -= dt.timedelta(days=1)
        today = self.quiet.today(now)
        if day > today:
            return day
        window_closed = self.quiet.local(now).time().replace(tzinfo=None) >= self.core.school.quiet_hours.end
        return self.quiet.next_school_day(today + dt.timedelta(days=1) if window_closed else today)

    def run_due(self, session: Session, now: dt.datetime) -> int:
        """From the last school day on or before each leave date, every school day at reminder time, until
        confirmed."""
        if not self.quiet.reached(now, self.core.school.reminder_time):
            return 0
        today = self.quiet.today(now)
        # A leave date before the next school day is today's to ask about: today is the last school day before it.
        before = self.quiet.next_school_day(today + dt.timedelta(days=1))
        leavers = session.scalars(
            select(Person).where(Person.leave_date.is_not(None), Person.leave_date < before).order_by(Person.id)
        ).all()
        queued = 0
        for leaver in leavers:
            assert leaver.leave_date is not None
            check = session.get(LeaverCheck, leaver.id)
            if check is None:
                check = LeaverCheck(person_id=leaver.id, leave_date=leaver.leave_date)
                session.add(check)
            elif check.leave_date != leaver.leave_date:  # a new leave date: a new round of password changes
                check.leave_date, check.confirmed_at, check.confirmed_by = leaver.leave_date, None, None
            if check.confirmed_at is not None:
                continue
            series = f"leaver:{leaver.id}:{leaver.leave_date.isoformat()}"
            previous = last_sent(session, series)
            if previous is not None and previous.sent_on >= today:
                continue
            admins = [p for p in People.with_role(session, "admin", on=today) if p.id != leaver.id]
            if not admins:  # someone must change them: the headteacher, failing an admin
                admins = [p for p in People.with_role(session, "headteacher", on=today) if p.id != leaver.id]
            if not admins:
                continue
            seq = previous.seq + 1 if previous else 0
            mark_sent(session, series, seq, now, today)
            text = (
                f"{leaver.name} {self._leaves(leaver.leave_date, today)} "
                "Please change the passwords of the school accounts they had access to"
                f"{' as they go' if leaver.leave_date > today else ''}. "
                f"The policy says: “{self._rule()}” "
                "Press “Done” once they are changed; until then I will remind you each school day."
            )
            photos = session.scalars(
                select(PhotoRecord.recorded_on).where(
                    PhotoRecord.person_id == leaver.id, PhotoRecord.confirmed_at.is_(None)
                )
            ).all()
            buttons = [Button("leaver.done", "Done: passwords changed", str(leaver.id), "primary")]
            if photos:  # their own reminders stop when they leave: the pictures must not leave with them
                text += (
                    f"\n\nAlso: {leaver.name} has not confirmed that the pictures of pupils on their own phone or "
                    f"camera (recorded on {long_date(min(photos))}) were moved to the school's system and deleted. "
                    f"Please make sure that is done{' before they go' if leaver.leave_date >= today else ''}, "
                    "then press “Done: pictures deleted”."
                )
                # Once they have left they can no longer confirm it themselves (see Photos.confirm).
                buttons.append(Button("photos.done", "Done: pictures deleted", str(leaver.id)))
            for admin in admins:
                queued += self.core.outbox.enqueue(
                    session,
                    OutboundMessage(
                        key=f"{series}:{seq}:{admin.id}",
                        recipient=recipient_for(admin),
                        kind="leaver_passwords",
                        title=f"Leaver: change passwords for {leaver.name}",
                        text=text,
                        fields={"Leaver": leaver.name, "Leave date": long_date(leaver.leave_date)},
                        buttons=tuple(buttons),
                        ref=f"leaver:{leaver.id}",
                        slot=f"leaver:{leaver.id}:{admin.id}",  # held back (Slack down): only the newest goes out
                    ),
                )
        return queued

    @staticmethod
    def _leaves(leave_date: dt.date, today: dt.date) -> str:
        """When they leave, as the admin reads it today: asked before a leave date that is no school day, it says so."""
        if leave_date == today:
            return "leaves today."
        if leave_date < today:
            return f"left on {long_date(leave_date)}."
        return f"leaves on {long_date(leave_date)}, before the next school day, so I am asking you now."
