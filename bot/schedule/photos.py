"""Images of pupils on a personal phone: the policy wants them moved to the school system and deleted.

`/photos taken` (or any note) records that someone has such images; `/photos` alone only says what it is for and
whether any are noted, so someone trying the command is not signed up for reminders. At the end of each school day
they are reminded, once a day,
until they confirm the images are transferred and deleted (the reminder's button, or `/photos done`); not while they
are recorded as away (long leave), as with the acknowledgement reminders. Only the fact
is stored, never the images. Once someone is leaving, the admin or the headteacher may confirm it for them (the
prompt's button, or `policybot people pictures-deleted`): the leaver's own reminders stop on their leave date, and
the admin's leaver prompt asks about the pictures until they are confirmed.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import TYPE_CHECKING

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.people import Person
from bot.ports import Button, OutboundMessage
from bot.schedule.common import (
    ScheduleError,
    cancel_pending,
    find_person,
    last_sent,
    mark_sent,
    policy_words,
    recipient_for,
)
from bot.schedule.models import LeaverCheck, PhotoRecord
from bot.schedule.quiet import QuietHours
from bot.wording import long_date

if TYPE_CHECKING:
    from bot.core import Core

POLICY_CLAUSE = "swp-transfer-delete"
FALLBACK_RULE = (
    "The image or recording should then be transferred to the school's system at the earliest convenience and "
    "deleted from the staff's equipment."
)


# `/photos done`, `/photos moved to OneDrive and deleted`, `/photos yes done, thanks`: the note says the images are
# dealt with. People say it in many ways, so any done word will do, unless the note also has a word saying there are
# images still to deal with (a number, "took", "some", "will", "tomorrow", "not"...): "sports day photos, will move
# them tomorrow" and "not deleted yet" record new images.
DONE_WORDS = frozenset(
    "done deleted moved transferred uploaded removed finished cleared wiped erased gone sorted".split()
)
STILL_TO_DO_WORDS = frozenset(
    "took taken take taking some few more new another several lots couple will i'll going gonna tomorrow later "
    "tonight soon next need needs yet not still until when never cannot dont didnt havent hasnt cant wont "
    "almost nearly partly partially half most except apart but left remaining rest how what mean".split()
)

# `/photos` alone, or asking what it is: explained, nothing recorded (a new member of staff trying the command).
ASKS_WHAT_IT_DOES = frozenset({"", "help", "info", "what", "how"})


def says_done(note: str) -> bool:
    """True for 'done, thanks', 'moved to OneDrive and deleted', 'have been deleted'; False for a note about
    images still to deal with, such as 'took 12 at sports day' or 'sports day, will be moved tomorrow'."""
    if re.search(r"[\d?]", note):  # "3 photos", "took 12": a count is new images; "done?" is a question
        return False
    words = re.findall(r"[a-z']+", note.lower().replace("’", "'"))
    if any(w in STILL_TO_DO_WORDS or w.endswith("n't") for w in words):
        return False
    return any(w in DONE_WORDS for w in words)


class Photos:
    def __init__(self, core: Core) -> None:
        self.core = core
        self.quiet = QuietHours(core.school)

    def _rule(self) -> str:
        return policy_words(self.core.policies, POLICY_CLAUSE, FALLBACK_RULE)

    def command(self, person_id: int, note: str = "") -> str:
        """`/photos NOTE`: nothing (or 'help', '?') says what it does and where the person stands, recording nothing;
        'done' (or 'deleted', 'moved'...) confirms the person's open entries; anything else ('taken', 'sports day')
        records new images."""
        if note.strip(" ?!.").lower() in ASKS_WHAT_IT_DOES:
            return self.explain(person_id)
        if says_done(note):
            return self.confirm(person_id, by_person_id=person_id)
        reply = self.record(person_id, note=note)
        if any(w in DONE_WORDS for w in re.findall(r"[a-z']+", note.lower())):  # "moved" among words of new images
            reply += " If you meant that your images are already moved and deleted, send /photos done."
        return reply

    def explain(self, person_id: int) -> str:
        """What `/photos` is for, and whether the person has images noted (since when): how to say they took some,
        and how to say they are done."""
        with self.core.db.session() as session:
            if session.get(Person, person_id) is None:
                raise ScheduleError("I could not find you among the school's staff; please ask the school office")
            since = session.scalar(
                select(PhotoRecord.recorded_on)
                .where(PhotoRecord.person_id == person_id, PhotoRecord.confirmed_at.is_(None))
                .order_by(PhotoRecord.recorded_on)
                .limit(1)
            )
        if since is None:
            return (
                "Taken pictures or recordings of pupils on your own phone or other equipment? The policy says: "
                f"“{self._rule()}” Send /photos taken and I will remind you at the end of each school day until you "
                "send /photos done. Nothing is noted for you now."
            )
        return (
            f"You noted on {long_date(since)} that you have pictures or recordings of pupils on your own equipment, so "
            f"I remind you at the end of each school day. The policy says: “{self._rule()}” Once they are moved and "
            "deleted, send /photos done (or press “Done” on the reminder)."
        )

    def record(self, person_id: int, note: str = "") -> str:
        """Someone has images on a personal phone. `note` is not stored: it could describe pupils."""
        now = self.core.clock.now()
        with self.core.db.session() as session:
            person = session.get(Person, person_id)
            if person is None:
                raise ScheduleError("I could not find you among the school's staff; please ask the school office")
            session.add(PhotoRecord(person_id=person_id, recorded_at=now, recorded_on=self.quiet.today(now)))
            away_until, leave_date = person.away_until, person.leave_date
        first = self.first_reminder_day(now)
        if leave_date is not None and first >= leave_date:  # their reminders stop when they leave: none would come
            last = self.quiet.previous_school_day(leave_date - dt.timedelta(days=1))
            going = (
                "Today is your last school day before you leave"
                if last == self.quiet.today(now)
                else f"You leave on {long_date(leave_date)}, before my next reminder"
            )
            return (
                f"Thank you, noted. The policy says: “{self._rule()}” {going}, so please move them to the school's "
                "system and delete them before you go, then send /photos done. Until that is done, the school's "
                "admin is asked to check with you."
            )
        back = ""
        if away_until is not None and first <= away_until:  # not reminded while away (run_due): said as it will be
            first = self.quiet.next_school_day(away_until + dt.timedelta(days=1))
            back = ", your first school day back"
        when = "today" if first == self.quiet.today(now) else long_date(first) + back
        return (
            f"Thank you, noted. The policy says: “{self._rule()}” "
            f"I will remind you at the end of each school day, from {when}, until you tell me it is done "
            "(press “Done” on the reminder, or send /photos done)."
        )

    def first_reminder_day(self, recorded_at: dt.datetime) -> dt.date:
        """Images recorded before today's end-of-day reminder are reminded about today; later, the next school day."""
        day = self.quiet.today(recorded_at)
        if recorded_at >= self.quiet.at_local(day, self.core.school.end_of_day):
            day += dt.timedelta(days=1)
        return self.quiet.next_school_day(day)

    def confirm(self, person_id: int, by_person_id: int | None = None) -> str:
        """`person_id` has transferred and deleted their images. Only they can say so (`by_person_id`), or, once
        they are leaving, the admin or the headteacher (whom the leaver's password prompt asks about them)."""
        now = self.core.clock.now()
        with self.core.db.session() as session:
            owner = session.get(Person, person_id)
            for_someone_else = by_person_id is not None and by_person_id != person_id
            if for_someone_else and not self._may_confirm_for(session, owner, by_person_id):
                raise ScheduleError(
                    "Only the member of staff who took the images can confirm they are transferred "
                    "(or, once they are leaving, the school's admin or the headteacher)."
                )
            actor = session.get(Person, by_person_id) if by_person_id is not None else owner
            open_records = self._close(session, person_id, now, actor.name if actor else "unknown")
            name = owner.name if owner else "they"
        if not open_records:
            return "Thank you. There were no images waiting to be transferred, so there is nothing more to do."
        if for_someone_else:
            return f"Thank you. Recorded that the pictures on {name}'s own equipment were moved and deleted."
        return "Thank you for transferring the images to the school system and deleting them. No more reminders."

    def confirm_for_leaver(self, person_name_or_id: str | int, actor_name: str) -> str:
        """`policybot people pictures-deleted NAME --by NAME`: the admin (or headteacher) confirms a leaver's pictures
        without Slack. Only for someone leaving: anyone else confirms their own (their reminder, or /photos done)."""
        now = self.core.clock.now()
        actor_name = actor_name.strip()[:200]
        if not actor_name:
            raise ScheduleError("please say who checked the pictures were deleted (for example --by 'Pat Office')")
        with self.core.db.session() as session:
            owner = find_person(session, person_name_or_id)
            if owner.leave_date is None:
                raise ScheduleError(
                    f"{owner.name} is not recorded as leaving, so only they can confirm their pictures were moved and "
                    "deleted (the “Done” button on their reminder, or /photos done in Slack)."
                )
            open_records = self._close(session, owner.id, now, actor_name)
            name = owner.name
        if not open_records:
            return f"There were no pictures of pupils waiting to be deleted from {name}'s own equipment: nothing to do."
        return (
            f"Thank you, {actor_name}. Recorded that the pictures on {name}'s own equipment were moved to the school's "
            "system and deleted. No more reminders about them."
        )

    @staticmethod
    def _close(session: Session, person_id: int, now: dt.datetime, by: str) -> list[PhotoRecord]:
        """Confirm the person's open entries and withdraw reminders about them not yet delivered."""
        open_records = list(
            session.scalars(
                select(PhotoRecord).where(PhotoRecord.person_id == person_id, PhotoRecord.confirmed_at.is_(None))
            ).all()
        )
        for record in open_records:
            record.confirmed_at, record.confirmed_by = now, by[:200]
        cancel_pending(session, [f"photos:{person_id}:"])
        check = session.get(LeaverCheck, person_id)
        if check is not None and check.confirmed_at is not None:
            # The passwords are done too: a leaver prompt still queued is about these pictures alone.
            cancel_pending(session, [f"leaver:{person_id}:"])
        return open_records

    @staticmethod
    def _may_confirm_for(session: Session, owner: Person | None, by_person_id: int | None) -> bool:
        """The admin or the headteacher, for someone with a leave date: after it, they can no longer say so."""
        actor = session.get(Person, by_person_id) if by_person_id is not None else None
        return (
            owner is not None
            and owner.leave_date is not None
            and actor is not None
            and actor.has_role("admin", "headteacher")
        )

    def run_due(self, session: Session, now: dt.datetime) -> int:
        """Each school day from the end of the day: one reminder per person with images still on their phone."""
        end_of_day = self.core.school.end_of_day
        if not self.quiet.reached(now, end_of_day):
            return 0
        today = self.quiet.today(now)
        # Recorded after today's reminder time (at 15:45, say): first reminded the next school day, not a minute later.
        rows = session.execute(
            select(PhotoRecord.person_id, PhotoRecord.recorded_on)
            .where(PhotoRecord.confirmed_at.is_(None), PhotoRecord.recorded_at < self.quiet.at_local(today, end_of_day))
            .order_by(PhotoRecord.recorded_on)
        ).all()
        first_day: dict[int, dt.date] = {}
        for person_id, recorded_on in rows:
            first_day.setdefault(person_id, recorded_on)
        queued = 0
        for person_id, since in first_day.items():
            person = session.get(Person, person_id)
            if person is None or not person.is_current(today) or person.is_away(today):
                continue  # away (long leave): reminded again from their first school day back, not every day meanwhile
            series = f"photos:{person_id}"
            previous = last_sent(session, series)
            if previous is not None and previous.sent_on >= today:
                continue
            seq = previous.seq + 1 if previous else 0
            mark_sent(session, series, seq, now, today)
            queued += self.core.outbox.enqueue(
                session,
                OutboundMessage(
                    key=f"{series}:{seq}",
                    recipient=recipient_for(person),
                    kind="photos_reminder",
                    title="Images on your phone",
                    text=(
                        f"You noted on {long_date(since)} that you have images or recordings of pupils on personal "
                        f"equipment. The policy says: “{self._rule()}” Once they are transferred and deleted, "
                        "press “Done” and the reminders stop."
                    ),
                    buttons=(Button("photos.done", "Done: transferred and deleted", str(person_id), "primary"),),
                    ref=f"photos:{person_id}",
                    slot=series,  # held back (Slack down): one reminder, not one per day missed
                ),
            )
        return queued
