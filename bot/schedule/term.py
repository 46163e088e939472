"""The school's holidays running out: the admin is asked to have the next ones added to the school file.

Every staff reminder waits for a school day, and a school day is any weekday the school file does not list as a
holiday. Once the listed holidays run out, every weekday counts as a school day: staff would be reminded through the
next half term, Christmas and bank holidays. So from four weeks before the last listed holiday starts (before the
school breaks up, while people are at work to see to it), the admin (failing one at work, the headteacher) is told
once a week until the file lists later holidays.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from sqlalchemy.orm import Session

from bot.ports import OutboundMessage
from bot.schedule.common import last_sent, mark_sent, recipient_for
from bot.schedule.leavers import Leavers
from bot.schedule.quiet import QuietHours
from bot.wording import long_date

if TYPE_CHECKING:
    from bot.core import Core

NOTICE = dt.timedelta(weeks=4)  # told this long before the last listed holiday starts
EVERY = dt.timedelta(weeks=1)


class TermDates:
    def __init__(self, core: Core) -> None:
        self.core = core
        self.quiet = QuietHours(core.school)

    def run_due(self, session: Session, now: dt.datetime) -> int:
        if not self.quiet.reached(now, self.core.school.reminder_time):
            return 0
        today = self.quiet.today(now)
        holidays = self.core.school.holidays
        last = max(holidays, key=lambda h: h.end) if holidays else None
        if last is not None and today < last.start - NOTICE:
            return 0
        series = f"holidays:{last.end.isoformat() if last else 'none'}"
        previous = last_sent(session, series)
        if previous is not None and today - previous.sent_on < EVERY:
            return 0
        asked = Leavers.asked_to_act(session, today)
        if not asked:
            return 0
        seq = previous.seq + 1 if previous else 0
        mark_sent(session, series, seq, now, today)
        listed = (
            f"The school's settings list its holidays only up to {long_date(last.end)} (the {last.name})."
            if last is not None
            else "The school's settings list none of its holidays."
        )
        text = (
            f"{listed} On any weekday not listed I take the school to be open, so after that staff would be sent "
            "reminders in the holidays and on bank holidays. Please ask whoever runs the bot to add the next "
            "holidays (half terms, Christmas, Easter, bank holidays in term time) under holidays: in the school's "
            "settings file (school.yaml), then restart the bot. I will remind you each week until then."
        )
        queued = 0
        for person in asked:
            queued += self.core.outbox.enqueue(
                session,
                OutboundMessage(
                    key=f"{series}:{seq}:{person.id}",
                    recipient=recipient_for(person),
                    kind="term_dates",
                    title="School holidays: please add the next ones",
                    text=text,
                    fields={"Holidays listed up to": long_date(last.end) if last else "none"},
                    ref="holidays",
                    slot=f"holidays:{person.id}",
                ),
            )
        return queued
