"""What the scheduling rules share: where a person's reminders go, the log of reminders sent, and errors.

A reminder series is a string naming what it is about ("ack:<campaign>:<person>", "review:<policy>:<due>",
"photos:<person>", "leaver:<person>"); its reminders are numbered 0, 1, 2... Recording number n in
`reminders_sent` and queueing the message happen in one transaction, and (series, n) is unique, so two runs
(or two processes) never queue the same reminder twice: the second one's insert fails and it queues nothing.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from sqlalchemy import func, insert, select
from sqlalchemy.orm import Session

from bot.outbox import withdraw_pending
from bot.people import ROLE_LABELS, People, Person, PersonRole
from bot.ports import OutboundMessage, Recipient
from bot.schedule.models import SentReminder
from bot.schedule.quiet import ROUTINE_KINDS

if TYPE_CHECKING:
    from bot.policy.loader import PolicyLibrary



cancel_pending = withdraw_pending  # the rules' name for it: a reminder acted on is not sent


class ScheduleError(Exception):
    """A problem worded for the person who will read it: what is wrong and what to do next."""


@dataclass(frozen=True)
class StaffMember:
    """The few columns of a person a reminder needs: loading full people rows for 5,000 staff is too slow."""

    id: int
    name: str
    slack_user_id: str | None
    start_date: dt.date | None
    away_until: dt.date | None = None  # on leave (`policybot people away`) up to and including this day

    def is_away(self, day: dt.date) -> bool:
        return self.away_until is not None and day <= self.away_until


def staff_on(session: Session, day: dt.date, role: str = "staff") -> list[StaffMember]:
    """Everyone holding `role` who has started and not left on `day`, by name (one light query)."""
    rows = session.execute(
        select(Person.id, Person.name, Person.slack_user_id, Person.start_date, Person.away_until)
        .join(PersonRole, PersonRole.person_id == Person.id)
        .where(
            PersonRole.role == role,
            (Person.start_date.is_(None)) | (Person.start_date <= day),
            (Person.leave_date.is_(None)) | (Person.leave_date > day),
        )
        .order_by(Person.name)
    ).all()
    return [StaffMember(*row) for row in rows]


def governors_on(session: Session, today: dt.date) -> tuple[list[Person], str]:
    """Who takes the chair's part in the policy's upkeep (reviews, the lists of who has not accepted), and their role:
    the chair of governors, or with none named the vice-chair (as for concerns about the head), so what is the
    chair's does not go to nobody."""
    chairs = People.with_role(session, "chair_of_governors", on=today)
    if chairs:
        return chairs, "chair_of_governors"
    return People.with_role(session, "vice_chair_of_governors", on=today), "vice_chair_of_governors"


def acting_as(governor: str) -> str:
    """The role a governor of `governors_on` is sent something in, as they are told it ("You are receiving this as
    ... because ...")."""
    acting = ROLE_LABELS[governor]
    return acting if governor == "chair_of_governors" else f"{acting}, as no Chair of Governors is recorded,"


def find_person(session: Session, name_or_id: str | int) -> Person:
    """Someone named on the command line (or by a button's value): by id, else by name."""
    person: Person | None = None
    if isinstance(name_or_id, int) or str(name_or_id).strip().isdigit():
        person = session.get(Person, int(name_or_id))
    if person is None:
        person = People.by_name(session, str(name_or_id).strip())
    if person is None:
        raise ScheduleError(People.not_found(session, str(name_or_id)))
    return person


def recipient_for(person: Person | StaffMember) -> Recipient:
    """Staff are reached on Slack; someone without a Slack account sees it in the console."""
    if person.slack_user_id:
        return Recipient("slack", person.slack_user_id)
    return Recipient("console", person.name)


def no_longer_theirs(session: Session, message: OutboundMessage, today: dt.date) -> str | None:
    """Why a staff reminder held back (outside the messaging hours, Slack down) is not delivered on `today`: its
    recipient has left (their leave date has come) or is no longer listed (an outbox Withhold). None: deliver it.
    What the policy asks about a leaver (their passwords, their pictures) goes to the admin, and goes on."""
    if message.kind not in ROUTINE_KINDS or message.recipient.platform not in ("slack", "console"):
        return None
    person = People.reached_at(session, message.recipient)
    if person is None:
        return "its recipient is no longer listed"
    if person.has_left(today):
        return "its recipient has left"
    return None


@dataclass(frozen=True)
class LastSent:
    seq: int
    sent_on: dt.date


def last_sent(session: Session, series: str) -> LastSent | None:
    row = session.execute(
        select(SentReminder.seq, SentReminder.sent_on)
        .where(SentReminder.series == series)
        .order_by(SentReminder.seq.desc())
        .limit(1)
    ).first()
    return LastSent(row.seq, row.sent_on) if row else None


def last_sent_by_prefix(session: Session, prefix: str) -> dict[str, LastSent]:
    """The last reminder of every series starting with `prefix`, in one query (thousands of staff)."""
    newest = (
        select(SentReminder.series, func.max(SentReminder.seq).label("seq"))
        .where(SentReminder.series.startswith(prefix, autoescape=True))
        .group_by(SentReminder.series)
        .subquery()
    )
    rows = session.execute(
        select(SentReminder.series, SentReminder.seq, SentReminder.sent_on).join(
            newest, (SentReminder.series == newest.c.series) & (SentReminder.seq == newest.c.seq)
        )
    ).all()
    return {row.series: LastSent(row.seq, row.sent_on) for row in rows}


def count_sent(session: Session, series: str) -> int:
    return session.scalar(select(func.count()).where(SentReminder.series == series)) or 0


def mark_sent(session: Session, series: str, seq: int, now: dt.datetime, today: dt.date) -> None:
    """Record reminder `seq` of `series` in the caller's transaction (unique: a second run fails on commit)."""
    session.add(SentReminder(series=series, seq=seq, sent_on=today, sent_at=now))


def mark_sent_many(session: Session, series_seqs: Iterable[tuple[str, int]], now: dt.datetime, today: dt.date) -> None:
    """`mark_sent` for many series at once, in one insert (a campaign's day-0 reminders to every member of staff)."""
    rows = [{"series": series, "seq": seq, "sent_on": today, "sent_at": now} for series, seq in series_seqs]
    if rows:
        session.execute(insert(SentReminder), rows)


def is_older(version: str, than: str) -> bool:
    """Whether `version` comes before `than` as dotted numbers ("2021.1" < "2026.1", "2026.2" < "2026.10"). Versions
    that are not dotted numbers ("Spring 2026") cannot be ordered: never older by this test."""
    try:
        return tuple(int(part) for part in version.split(".")) < tuple(int(part) for part in than.split("."))
    except ValueError:
        return False


def policy_words(policies: PolicyLibrary, clause_id: str, fallback: str) -> str:
    """A reminder quotes the policy's own words (never a paraphrase): the clause's text when the library has it,
    else the same words kept beside the reminder, so a renamed clause never stops a reminder going out."""
    try:
        return " ".join(policies.clause(clause_id).clause.text.split())
    except KeyError:
        return fallback
