"""What every part of the reports service shares: the school's settings and stores, one write lock, and the few
helpers that read a report's rows, check a handler and clean what people write.

`ReportService` (service.py) makes one `ReportsSetup`; it and each of its parts is a `ReportsPart` built on it. A
helper used by more than one part lives here, once.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import threading
from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import TypeVar

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import Session

from bot.config import School, Settings
from bot.crypto import Vault
from bot.outbox import Outbox
from bot.people import People, Person
from bot.ports import Clock, Recipient
from bot.reports.domain import MAX_TEXT, AccessDenied, Actor, Category, ReportError
from bot.reports.models import AttachmentRow, ReplyChannelRow, ReportEventRow, ReportRow
from bot.reports.ratelimit import WrongCodeLimiter
from bot.reports.routing import HANDLER_ROLES
from bot.storage import Database

# One logger for the whole service, named as before it was split in parts: its name is in every log line.
log = logging.getLogger("bot.reports.service")

SENDER_UPDATE = "sender_update"  # the outbox kind of a message to a report's anonymous sender
ASKED_SENDER = "asked the sender"  # a DSL's question to the sender, as the chronology reads it
# What a sender of a closed report may still do: add to it (the school sees it, see SenderSide.sender_reply).
AFTER_CLOSING = ("If you think of more about it, you can still add it to this report, and the school will see it. "
                 "If something new happens, please make a new report.")
WRITE_ATTEMPTS = 5  # a busy SQLite file or a clashing chronology append is retried, never half-written

T = TypeVar("T")


@dataclass(frozen=True)
class ReportsSetup:
    """What every part of the service works with, made once by ReportService and shared by all its parts: one write
    lock, one wrong-code limiter, one reading of the school's kinds of concern."""

    settings: Settings
    school: School
    db: Database
    vault: Vault
    outbox: Outbox
    clock: Clock
    limiter: WrongCodeLimiter
    categories: list[Category]
    notice: str
    write_lock: AbstractContextManager[object]


class FairLock:
    """A re-entrant lock served first come, first served, so no submitter waits behind a queue-jumping crowd."""

    def __init__(self) -> None:
        self._cond = threading.Condition(threading.Lock())
        self._next_ticket = 0
        self._serving = 0
        self._owner: int | None = None
        self._depth = 0
        self._abandoned: set[int] = set()

    def __enter__(self) -> FairLock:
        me = threading.get_ident()
        with self._cond:
            if self._owner == me:
                self._depth += 1
                return self
            ticket = self._next_ticket
            self._next_ticket += 1
            try:
                while self._serving != ticket:
                    self._cond.wait()
            except BaseException:  # interrupted while queueing: give the turn up, or everyone behind waits forever
                self._abandoned.add(ticket)
                self._skip_abandoned()
                raise
            self._owner, self._depth = me, 1
        return self

    def __exit__(self, *exc: object) -> None:
        with self._cond:
            self._depth -= 1
            if self._depth == 0:
                self._owner = None
                self._serving += 1
                self._skip_abandoned()

    def _skip_abandoned(self) -> None:
        while self._serving in self._abandoned:
            self._abandoned.discard(self._serving)
            self._serving += 1
        self._cond.notify_all()


# A failed write that trying again will not mend: SQLite's own words, and PostgreSQL's classes of error for
# insufficient resources (53: disk full, out of memory), a broken schema (42) and a read-only transaction (25).
_LASTING_SQLITE_ERRORS = ("disk is full", "disk i/o error", "readonly database", "no such table")
_LASTING_SQLSTATE_CLASSES = ("53", "42", "25")


def _worth_retrying(exc: OperationalError | IntegrityError) -> bool:
    """Whether a failed write met another writer (worth trying again) rather than a lasting fault."""
    if isinstance(exc, IntegrityError):
        return True
    sqlstate = getattr(exc.orig, "sqlstate", None) or ""
    if sqlstate.startswith(_LASTING_SQLSTATE_CLASSES):
        return False
    return not any(words in str(exc.orig).lower() for words in _LASTING_SQLITE_ERRORS)


class ReportsPart:
    """A part of the reports service: the setup it shares with the others, and the helpers they all use."""

    def __init__(self, setup: ReportsSetup) -> None:
        self.settings = setup.settings
        self.school = setup.school
        self.db = setup.db
        self.vault = setup.vault
        self.outbox = setup.outbox
        self.clock = setup.clock
        self.limiter = setup.limiter
        self._categories, self._notice = setup.categories, setup.notice
        self._by_key = {c.key: c for c in self._categories}
        self._write_lock = setup.write_lock

    def category(self, key: str) -> Category:
        found = self._by_key.get(key)
        if found is None:
            choices = ", ".join(c.label for c in self._categories)
            raise ReportError(f"I don't know that kind of concern. Please choose one of: {choices}.")
        return found

    def _write(self, work: Callable[[Session], T]) -> T:
        """Run `work` in its own transaction, retrying when another writer got there first."""
        for attempt in range(1, WRITE_ATTEMPTS + 1):
            try:
                with self._write_lock, self.db.session() as session:
                    return work(session)
            except (OperationalError, IntegrityError) as exc:
                # SQLite "database is locked", or two events for one report at once: nothing was written. A full
                # disk or a read-only database will not clear by trying again at once: the caller reports it.
                if attempt == WRITE_ATTEMPTS or not _worth_retrying(exc):
                    raise
                log.warning("a report write met a concurrent one and is retried (%s)", type(exc.orig).__name__)
        raise AssertionError("unreachable")  # pragma: no cover

    @staticmethod
    def _everyone(session: Session) -> list[Person]:
        """The school's people with their roles, read once per request (a school has a few hundred at most)."""
        return list(People.all(session))

    def _today(self) -> dt.date:
        return self.school.date_at(self.clock.now())

    def _person(self, session: Session, actor: Actor) -> Person | None:
        person = session.get(Person, actor.person_id)
        if person is None or not person.is_current(self._today()):
            return None
        return person

    def _handler(self, session: Session, actor: Actor) -> Person:
        person = self._person(session, actor)
        if person is None or not person.has_role(*HANDLER_ROLES):
            raise AccessDenied("Only the people who handle concern reports can see them.")
        return person

    @staticmethod
    def _locked(session: Session, code: str) -> ReportRow | None:
        # FOR UPDATE on PostgreSQL; SQLite takes the whole file's write lock at the first write instead.
        return session.scalar(select(ReportRow).where(ReportRow.code == code).with_for_update())

    def _conflicts(self, report: ReportRow) -> set[int]:
        return {int(i) for i in json.loads(self.vault.decrypt(report.conflicts))}

    def _category_of(self, report: ReportRow) -> Category:
        # A category later removed from the data still shows, and still goes to the DSLs.
        return self._by_key.get(report.category) or Category(
            key=report.category,
            label=report.category,
            description="",
            urgent=report.urgent,
            emergency_notice=False,
            route=("dsl",),
        )

    def _events(self, session: Session, report: ReportRow) -> list[ReportEventRow]:
        return list(
            session.scalars(
                select(ReportEventRow).where(ReportEventRow.report_id == report.id).order_by(ReportEventRow.seq)
            )
        )

    def _detail(self, event: ReportEventRow) -> str:
        return self.vault.decrypt(event.detail) if event.detail is not None else ""

    @staticmethod
    def _attachment_rows(session: Session, report: ReportRow) -> list[AttachmentRow]:
        if report.id is None:
            return []
        return list(
            session.scalars(
                select(AttachmentRow).where(AttachmentRow.report_id == report.id).order_by(AttachmentRow.id)
            )
        )

    @staticmethod
    def _reply_channel(session: Session, code: str) -> ReplyChannelRow | None:
        """How to reach the sender of report `code`, if they kept a way (the address itself is encrypted)."""
        return session.scalar(select(ReplyChannelRow).where(ReplyChannelRow.code == code))

    def _reply_address(self, row: ReplyChannelRow) -> Recipient:
        data = json.loads(self.vault.decrypt(row.address))
        return Recipient(data["platform"], str(data["address"]))

    @staticmethod
    def _clean_text(text: str, *, what: str, allow_empty: bool = False) -> str:
        body = (text or "").replace("\r\n", "\n").replace("\x00", "").strip()
        from_sender = what in ("report", "reply")  # a note, question or outcome is a DSL's
        if not body and not allow_empty:
            raise ReportError(
                f"Your {what} is empty. "
                + ("Please write a few words about what happened." if from_sender else "Please write it, then retry.")
            )
        if len(body) > MAX_TEXT:
            raise ReportError(
                f"Your {what} is too long ({len(body):,} characters; the limit is {MAX_TEXT:,}). "
                + (
                    "Please shorten it: you can add more afterwards with your receipt code."
                    if from_sender
                    else "Please shorten it, or split it into two."
                )
            )
        return body

    def _outside_contact(self) -> str:
        outside = self.school.contact("local_authority")
        return outside.describe() if outside else ("your local authority's children's services and ask for the Local "
                                                   "Authority Designated Officer (LADO)")


def sender_keys(report: ReportRow) -> str:
    """The outbox key prefix of every message to a report's anonymous sender."""
    return f"report:{report.code}:sender:"


def names_of(people: Sequence[Person]) -> str:
    return ", ".join(p.name for p in people)


def in_a_sentence(label: str) -> str:
    """"A child at risk" as it reads inside a sentence ("a child at risk"); "PREVENT" stays as it is."""
    return label[:1].lower() + label[1:] if label[1:2].islower() or label[1:2] == " " else label


def local_time(at: dt.datetime, school: School) -> str:
    return at.astimezone(school.tz).strftime("%a %d %b %Y %H:%M %Z")
