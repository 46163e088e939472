"""Images of pupils on a personal phone: the policy wants them moved to the school system and deleted.

`/photos` records that someone has such images; at the end of each school day they are reminded, once a day,
until they confirm the images are transferred and deleted. Only the fact is stored, never the images.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.people import Person
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
from bot.schedule.models import PhotoRecord
from bot.schedule.quiet import QuietHours

if TYPE_CHECKING:
    from bot.core import Core

END_OF_DAY = dt.time(15, 30)  # after the children have gone home, inside the staff messaging hours
POLICY_CLAUSE = "swp-transfer-delete"
FALLBACK_RULE = (
    "The image or recording should then be transferred to the school's system at the earliest convenience and "
    "deleted from the staff's equipment."
)


class Photos:
    def __init__(self, core: Core) -> None:
        self.core = core
        self.quiet = QuietHours(core.school)

    def _rule(self) -> str:
        return policy_words(self.core.policies, POLICY_CLAUSE, FALLBACK_RULE)

    def record(self, person_id: int, note: str = "") -> str:
        """Someone has images on a personal phone. `note` is not stored: it could describe pupils."""
        now = self.core.clock.now()
        with self.core.db.session() as session:
            if session.get(Person, person_id) is None:
                raise ScheduleError("I could not find you among the school's staff; please ask the school office")
            session.add(PhotoRecord(person_id=person_id, recorded_at=now, recorded_on=self.quiet.today(now)))
        return (
            f"Thank you, noted. The policy says: “{self._rule()}” "
            "I will remind you at the end of each school day until you tell me it is done "
            "(press “Done” on the reminder)."
        )

    def confirm(self, person_id: int, by_person_id: int | None = None) -> str:
        """`person_id` has transferred and deleted their images. Only they can say so (`by_person_id`)."""
        if by_person_id is not None and by_person_id != person_id:
            raise ScheduleError("Only the member of staff who took the images can confirm they are transferred.")
        now = self.core.clock.now()
        with self.core.db.session() as session:
            open_records = session.scalars(
                select(PhotoRecord).where(PhotoRecord.person_id == person_id, PhotoRecord.confirmed_at.is_(None))
            ).all()
            for record in open_records:
                record.confirmed_at = now
            cancel_pending(session, [f"photos:{person_id}:"])
        if not open_records:
            return "Thank you. There were no images waiting to be transferred, so there is nothing more to do."
        return "Thank you for transferring the images to the school system and deleting them. No more reminders."

    def run_due(self, session: Session, now: dt.datetime) -> int:
        """Each school day from the end of the day: one reminder per person with images still on their phone."""
        if not self.quiet.reached(now, END_OF_DAY):
            return 0
        today = self.quiet.today(now)
        rows = session.execute(
            select(PhotoRecord.person_id, PhotoRecord.recorded_on)
            .where(PhotoRecord.confirmed_at.is_(None), PhotoRecord.recorded_at <= now)
            .order_by(PhotoRecord.recorded_on)
        ).all()
        first_day: dict[int, dt.date] = {}
        for person_id, recorded_on in rows:
            first_day.setdefault(person_id, recorded_on)
        queued = 0
        for person_id, since in first_day.items():
            person = session.get(Person, person_id)
            if person is None or not person.is_current(today):
                continue
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
