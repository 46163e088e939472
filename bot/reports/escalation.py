"""Escalation: a report nobody acknowledges in time goes on to the next people, step by step, as its kind of
concern says (categories.yaml; routing's rules say who holds each step's roles). Run often by the scheduler
(escalate_due); each report's steps are taken in a transaction of their own, so one report's fault holds up no other.
Those who have the case already are reminded on their card rather than sent a second one (Cards.holders).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from functools import partial

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.people import Person
from bot.reports import chronology
from bot.reports.cards import REMINDER, Cards, own_addresses
from bot.reports.domain import NEW, SYSTEM, EscalationFailed, EscalationStep, duration
from bot.reports.models import ReportRow
from bot.reports.receipts import redact
from bot.reports.routing import add_school_days, at_work, escalation_people, recipients, step_roles
from bot.reports.shared import ReportsPart, ReportsSetup, log, names_of


class Escalation(ReportsPart):
    """The scheduler's escalation of unacknowledged reports (see the module's docstring)."""

    def __init__(self, setup: ReportsSetup, cards: Cards) -> None:
        super().__init__(setup)
        self.cards = cards

    def escalate_due(self) -> int:
        """Alert the next people for every unacknowledged report whose time has come. Safe to run often."""
        now = self.clock.now()
        with self.db.session() as session:
            waiting = session.execute(
                select(
                    ReportRow.code,
                    ReportRow.category,
                    ReportRow.created_at,
                    ReportRow.escalation_start,
                    ReportRow.escalation_level,
                ).where(ReportRow.status == NEW).order_by(ReportRow.id)  # the longest waiting first
            ).all()
        total, failed = 0, 0
        for code, key, created_at, start, level in waiting:
            # Decide from plain columns first: the write (and its lock) is only for a report whose step is due.
            steps = self._by_key[key].escalation if key in self._by_key else ()
            since = start or created_at
            if level >= len(steps) or now < self._due_at(since, steps[level].minutes, steps[level].school_days):
                continue
            try:
                total += self._write(partial(self._escalate_one, code=code, now=now))
            except Exception as exc:  # one report's fault must not hold up the escalation of every report after it
                failed += 1
                # The type only, and the code cut short: an exception's message may quote the report.
                log.error("report %s could not be escalated (%s); it is tried again at the next run",
                          redact(code), type(exc).__name__)
        if failed:
            raise EscalationFailed(failed, total)
        return total

    def _escalate_one(self, session: Session, *, code: str, now: dt.datetime) -> int:
        report = self._locked(session, code)
        if report is None or report.status != NEW:
            return 0
        category = self._category_of(report)
        conflicts, everyone, today = self._conflicts(report), self._everyone(session), self._today()
        start = report.escalation_start or report.created_at
        # Who has the case already (those it went to, those earlier steps reached, in this run or one before it was
        # given back) gets no second card: their card is kept up to date, and a deputy it fell back to is on the
        # deputies' step too. They are reminded on it instead, so each step still chases someone.
        has_it = self.cards.holders(session, report, category, conflicts, everyone)
        done = 0
        while report.escalation_level < len(category.escalation):
            step = category.escalation[report.escalation_level]
            if now < self._due_at(start, step.minutes, step.school_days):
                break
            report.escalation_level += 1
            roles = step_roles(category, step, [p for p in everyone if p.id in conflicts])
            reached = escalation_people(everyone, roles, conflicts, today)
            holders_at_work = [p for p in at_work(everyone, today) if p.id in has_it]
            # Those who hold the step's roles are all away, and someone at work has the case: chase them instead.
            away = bool(reached) and not at_work(reached, today) and bool(holders_at_work)
            if away:
                reached = []
            people = [p for p in reached if p.id not in has_it]
            reminded = [p for p in reached if p.id in has_it]
            named = not reached and not away and bool(escalation_people(everyone, roles, set(), today))
            if not reached:  # the step's roles are held by nobody, only by people it names, or only by people away
                reminded = holders_at_work or [p for p in everyone if p.id in has_it]
            has_it |= {p.id for p in reached}
            waited = self._waited(step, start, now) + (" since it was passed on" if report.escalation_start else "")
            alerted = _alerted_on_escalation(people, reminded, named=named, away=away)
            detail = f"Not acknowledged after {waited}. Alerted: {alerted}"
            event = chronology.append(
                session, self.vault, report, at=now, actor=SYSTEM, action="escalated", detail=detail
            )
            self.cards.queue_card(
                session,
                report,
                category,
                recipients(self.settings, people, urgent=category.urgent, shared_channel=False),
                kind="report_escalation",
                # A run after the case was given back has keys of its own: a key is queued only once.
                key_part=f"escalation:{report.escalation_level}"
                + (f":{event.seq}" if report.escalation_start else ""),
                status_line=f"Not yet acknowledged after {waited}.",
            )
            self.cards.queue_card(
                session,
                report,
                category,
                recipients(self.settings, reminded, urgent=category.urgent, shared_channel=False) if reminded else [],
                kind="report_update",
                key_part=f"{REMINDER}:{event.seq}",  # withdrawn, if still waiting, once the case is acknowledged
                status_line=f"Still not acknowledged after {waited}.",
                ping=f"Report {report.code} is still not acknowledged after {waited}: please acknowledge it.",
            )
            # The cards others have already (the DSL channel's, the first DSLs'), where they are kept up to date in
            # place, say it has gone on and to whom: silently, as it is no news to act on. Elsewhere (Telegram)
            # each update is a new message, which this is not worth.
            if people:
                stepped = {address for p in reached for address in own_addresses(p)}
                kept = self.cards.kept_addresses(report, category, conflicts, everyone)
                self.cards.queue_card(
                    session,
                    report,
                    category,
                    [target for target in self.cards.carded(session, report)
                     if target.edits_in_place and target not in stepped and target not in kept],
                    kind="report_update",
                    key_part=f"escalated:{event.seq}",
                )
            done += 1
        if done:
            self.cards.queue_home(session, report, category)  # the headteacher's list, say, now has it
            log.info("report %s escalated to level %d", redact(report.code), report.escalation_level)
        return done

    @staticmethod
    def _waited(step: EscalationStep, start: dt.datetime, now: dt.datetime) -> str:
        """How long the case has waited, as the chronology says it: the real wait, so that steps a late check runs
        together do not each claim their own time (school days are said as such)."""
        if step.school_days:
            return step.describe()
        return duration(max(step.minutes, int((now - start).total_seconds() // 60)))

    def _due_at(self, created: dt.datetime, minutes: int, school_days: int) -> dt.datetime:
        if school_days:
            return add_school_days(created, school_days, self.school) + dt.timedelta(minutes=minutes)
        return created + dt.timedelta(minutes=minutes)


def _alerted_on_escalation(
    people: Sequence[Person], reminded: Sequence[Person], *, named: bool = False, away: bool = False
) -> str:
    """Who an escalation step sent the case to, and who it reminded because they had it already. `named`: the
    step's roles are held only by people the report names; `away`: only by people away."""
    if people:
        said = names_of(people)
    elif named:
        said = "nobody else: the report names whoever holds those roles"
    elif away:
        said = "nobody else: whoever holds those roles is away"
    elif reminded:
        said = "nobody new"
    else:
        return "nobody holds those roles"
    if reminded:
        one = len(reminded) == 1
        said += (f" ({names_of(reminded)} already {'has' if one else 'have'} it, and {'was' if one else 'were'} "
                 "reminded)")
    return said
