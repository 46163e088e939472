"""Leavers: on a member of staff's last school day the admin is asked to change the passwords of the school accounts
they could use, every school day until someone confirms it is done (the policy says "immediately").

The leave date is their first day away, so the admin is asked on the last school day before it: the day they go,
while they can still confirm their own pictures (see Photos), and never six weeks later across a holiday. Pictures
of pupils still on their own phone are asked about with the passwords, and on their own once the passwords are done,
until someone confirms them: the leaver's own reminders stop on their leave date.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from typing import TYPE_CHECKING

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.people import People, Person
from bot.ports import Button, OutboundMessage, Recipient
from bot.schedule.common import (
    ScheduleError,
    cancel_pending,
    find_person,
    last_sent,
    mark_sent,
    policy_words,
    recipient_for,
)
from bot.schedule.models import AckCampaign, LeaverCheck, PhotoRecord
from bot.schedule.photos import FALLBACK_RULE as PHOTOS_RULE
from bot.schedule.photos import POLICY_CLAUSE as PHOTOS_CLAUSE
from bot.schedule.quiet import QuietHours
from bot.wording import long_date

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

    def _photos_rule(self) -> str:
        return policy_words(self.core.policies, PHOTOS_CLAUSE, PHOTOS_RULE)

    @staticmethod
    def open_photos_since(session: Session, person_id: int) -> dt.date | None:
        """The day of the oldest pictures of pupils the person has not confirmed moved and deleted (None: none)."""
        return session.scalar(
            select(func.min(PhotoRecord.recorded_on)).where(
                PhotoRecord.person_id == person_id, PhotoRecord.confirmed_at.is_(None)
            )
        )

    def set_leave_date(self, name: str, day: dt.date | None) -> Person:
        """Record the day someone leaves (their first day away), or None: they are not leaving after all. What is
        queued and no longer true is withdrawn: the admin's prompts about another leave date (or none), and, once
        they have left, their reminders to accept a policy (held back, they would reach someone who has gone)."""
        today = self.quiet.today(self.core.clock.now())
        with self.core.db.session() as session:
            person = find_person(session, name)
            stale = [f"leaver:{person.id}:"] if person.leave_date != day else []
            if day is not None and day <= today:
                campaigns = session.scalars(select(AckCampaign.id)).all()
                stale += [f"ack:{campaign}:{person.id}:" for campaign in campaigns]
            person.leave_date = day
            cancel_pending(session, stale)
            self.core.people.changed(session, person, person.roles)
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
            person = find_person(session, person_name_or_id)
            if person.leave_date is None and by_person_id is not None:  # a prompt's button, the date since undone
                raise ScheduleError(
                    f"{person.name} is no longer recorded as leaving, so there are no passwords to change for them "
                    "and nothing to record. If they are leaving after all, ask whoever runs the bot to record the "
                    "day: you will then be asked again."
                )
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
                return (
                    f"The passwords {person.name} could use were already confirmed changed by {check.confirmed_by}."
                    + self._pictures_outstanding(session, person, in_chat=by_person_id is not None)
                )
            check.leave_date = person.leave_date
            check.confirmed_at = now
            check.confirmed_by = actor_name.strip()[:200] or "unknown"
            cancel_pending(session, [f"leaver:{person.id}:"])
            return (
                f"Thank you, {actor_name}. Recorded that the passwords {person.name} could use have been changed."
                + self._pictures_outstanding(session, person, in_chat=by_person_id is not None)
            )

    def _pictures_outstanding(self, session: Session, person: Person, *, in_chat: bool) -> str:
        """Said with the passwords' confirmation: the pictures are a separate thing, still to be done."""
        since = self.open_photos_since(session, person.id)
        if since is None:
            return ""
        how = (
            "press “Done: pictures deleted” on my reminder"
            if in_chat
            else f"run `policybot people pictures-deleted \"{person.name}\" --by YOUR NAME`"
        )
        return (
            f" Still outstanding: the pictures of pupils on {person.name}'s own phone or camera (recorded on "
            f"{long_date(since)}) are not yet confirmed moved to the school's system and deleted. I will keep "
            f"reminding you each school day; once that is done, {how}."
        )

    def last_school_day(self, leave_date: dt.date) -> dt.date:
        """Their last day at work: the last school day before their leave date (their first day away)."""
        return self.quiet.previous_school_day(leave_date - dt.timedelta(days=1))

    def first_prompt_day(self, leave_date: dt.date) -> dt.date:
        """The day the admin is first asked about someone leaving on `leave_date`: their last school day, or, when
        that has passed (a date recorded late), the next day reminders go out."""
        now = self.core.clock.now()
        day = self.last_school_day(leave_date)
        today = self.quiet.today(now)
        if day > today:
            return day
        window_closed = self.quiet.local(now).time().replace(tzinfo=None) >= self.core.school.quiet_hours.end
        return self.quiet.next_school_day(today + dt.timedelta(days=1) if window_closed else today)

    @staticmethod
    def _asked(session: Session, leaver: Person, day: dt.date) -> list[Person]:
        """Who is asked to change a leaver's passwords: the admin, or, failing one at work (the admin is the leaver,
        or away), the headteacher: "immediately" cannot wait for someone on leave. With both away, they are asked
        all the same."""
        return Leavers.asked_to_act(session, day, besides=leaver.id)

    @staticmethod
    def asked_to_act(session: Session, day: dt.date, besides: int | None = None) -> list[Person]:
        """The admin at work on `day`, failing one the headteacher; with both away, whichever holds a role (never
        the person `besides`, the leaver)."""
        roles = ("admin", "headteacher")
        holders = [[p for p in People.with_role(session, role, on=day) if p.id != besides] for role in roles]
        for people in holders:
            at_work = [p for p in people if not p.is_away(day)]
            if at_work:
                return at_work
        return next((people for people in holders if people), [])

    def who_is_asked(self, name: str, day: dt.date) -> str:
        """How the command line names who will be asked on `day`: "the admin", "the headteacher", or nobody."""
        with self.core.db.session() as session:
            leaver = find_person(session, name)
            asked = self._asked(session, leaver, day)
            if not asked:
                return "nobody (there is no admin or headteacher to ask)"
            return "the admin" if asked[0].has_role("admin") else "the headteacher"

    def run_due(self, session: Session, now: dt.datetime) -> int:
        """From each leaver's last school day, every school day at reminder time: the passwords until confirmed,
        and the pictures still on their own phone until confirmed (on their own once the passwords are done)."""
        if not self.quiet.reached(now, self.core.school.reminder_time):
            return 0
        today = self.quiet.today(now)
        # A leave date up to the next school day is today's to ask about: today is their last school day.
        before = self.quiet.next_school_day(today + dt.timedelta(days=1))
        leavers = session.scalars(
            select(Person).where(Person.leave_date.is_not(None), Person.leave_date <= before).order_by(Person.id)
        ).all()
        queued = 0
        for leaver in leavers:
            assert leaver.leave_date is not None
            check = session.get(LeaverCheck, leaver.id)
            if check is None:
                check = LeaverCheck(person_id=leaver.id, leave_date=leaver.leave_date)
                session.add(check)
            elif check.leave_date != leaver.leave_date:
                # A new leave date: a new round of password changes if they stayed on after the passwords were
                # changed (they may have learnt the new ones); not when they were changed as or after the leaver
                # went (the date corrected to the day they really left).
                changed_on = self.quiet.today(check.confirmed_at) if check.confirmed_at is not None else None
                if changed_on is None or changed_on < self.last_school_day(leaver.leave_date):
                    check.confirmed_at, check.confirmed_by = None, None
                check.leave_date = leaver.leave_date
            passwords_done = check.confirmed_at is not None
            photos_since = self.open_photos_since(session, leaver.id)
            if passwords_done and photos_since is None:
                continue
            series = f"leaver:{leaver.id}:{leaver.leave_date.isoformat()}"
            previous = last_sent(session, series)
            if previous is not None and previous.sent_on >= today:
                continue
            admins = self._asked(session, leaver, today)
            if not admins:
                continue
            seq = previous.seq + 1 if previous else 0
            mark_sent(session, series, seq, now, today)
            for admin in admins:
                message = self._prompt(
                    leaver, today, passwords_done, photos_since,
                    recipient=recipient_for(admin),
                    key=f"{series}:{seq}:{admin.id}",
                    slot=f"leaver:{leaver.id}:{admin.id}",  # held back (Slack down): only the newest goes out
                )  # fmt: skip
                queued += self.core.outbox.enqueue(session, message)
        return queued

    def _prompt(
        self,
        leaver: Person,
        today: dt.date,
        passwords_done: bool,
        photos_since: dt.date | None,
        *,
        recipient: Recipient,
        key: str,
        slot: str,
    ) -> OutboundMessage:
        """The admin's prompt: the passwords (and the pictures, if any), or the pictures alone once the passwords are
        done. An admin on the console has no buttons: they are given the command that does the same."""
        assert leaver.leave_date is not None
        name, leave_date = leaver.name, leaver.leave_date
        going = leave_date > today
        buttons: list[Button] = []
        if not passwords_done:
            done = (
                "Press “Done: passwords changed” once they are changed"
                if recipient.has_buttons
                else f"Once they are changed, run `policybot people passwords-changed \"{name}\" --by YOUR NAME`"
            )
            text = (
                f"{name} {self._leaves(leave_date, today)} "
                "Please change the passwords of the school accounts they had access to"
                f"{' as they go' if going else ''}. The policy says: “{self._rule()}” "
                f"{done}; until then I will remind you each school day."
            )
            title = f"Leaver: change passwords for {name}"
            buttons.append(Button("leaver.done", "Done: passwords changed", str(leaver.id), "primary"))
        else:
            text = f"{name} {self._leaves(leave_date, today)} The passwords are done, thank you."
            title = f"Leaver: pictures on {name}'s own phone"
        if photos_since is not None:  # their own reminders stop when they leave: the pictures must not leave with them
            # Once they have left they can no longer confirm it themselves (see Photos.confirm).
            check = (
                "Please make sure that is done before they go"
                if going
                else "They can no longer confirm it themselves: please check with them that it is done"
            )
            done = (
                "then press “Done: pictures deleted”"
                if recipient.has_buttons
                else f"then run `policybot people pictures-deleted \"{name}\" --by YOUR NAME`"
            )
            text += (
                f"\n\n{'Also: ' if not passwords_done else ''}{name} has not confirmed that the pictures of pupils on "
                f"their own phone or camera (recorded on {long_date(photos_since)}) were moved to the school's system "
                f"and deleted. The policy says: “{self._photos_rule()}” {check}, {done}"
                f"{'' if not passwords_done else '; until then I will remind you each school day'}."
            )
            button = Button("photos.done", "Done: pictures deleted", str(leaver.id))
            buttons.append(button if buttons else replace(button, style="primary"))
        return OutboundMessage(
            key=key,
            recipient=recipient,
            kind="leaver_passwords",
            title=title,
            text=text,
            fields={"Leaver": name, "Leave date": long_date(leave_date)},
            buttons=tuple(buttons),
            ref=f"leaver:{leaver.id}",
            slot=slot,
        )

    def _leaves(self, leave_date: dt.date, today: dt.date) -> str:
        """When they leave, as the admin reads it today: asked on their last school day, or after they have gone."""
        if leave_date > today:
            return f"leaves after today: it is their last school day (their leave date is {long_date(leave_date)})."
        return f"left on {long_date(leave_date)}."
