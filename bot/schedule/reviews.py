"""Annual (or other cycle) policy reviews: when each policy is due, prompts to its owner, and recording a review.

The due date is the last review (or the adoption date) plus the policy's cycle. The owner (the headteacher) is
prompted 30 and 7 days before, on the day, then weekly while overdue (an owner recorded as away is prompted on
their first school day back), a week after the last prompt (not in weeks
from the due date, which put a prompt found overdue on a Wednesday and the next on the Monday); from four weeks
overdue the Chair of Governors gets each prompt too (counted from the first school day on or after the due date, so
a review due in a holiday gives the owner four weeks of term, as any other), and every prompt while nobody holds the
owner's role (the head has left). With no chair named, the Vice-Chair of Governors gets the chair's prompts (and may
record the review). Prompts are staff messages: school
days only, at the school's reminder time: one before the due date whose day falls in a weekend or holiday goes out
on the last school day before it (a review due in the summer holiday is prompted before the school breaks up), the
due day's and the overdue ones on the first school day after it (missed ones are not stacked up).
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.outbox import CANCELLED, OutboxRow
from bot.people import People, Person, role_label
from bot.policy.models import MAX_VERSION_CHARS
from bot.ports import Button, OutboundMessage
from bot.schedule.common import (
    ScheduleError,
    acting_as,
    cancel_pending,
    governors_on,
    is_older,
    last_sent,
    mark_sent,
    recipient_for,
)
from bot.schedule.models import PolicyReview, PolicyVersion
from bot.schedule.quiet import QuietHours
from bot.wording import and_list, counted, long_date, upper_first

if TYPE_CHECKING:
    from bot.core import Core
    from bot.policy.models import Policy

log = logging.getLogger(__name__)

CYCLE_YEARS = {"annual": 1, "biennial": 2, "triennial": 3}  # "as required" has no due date
BEFORE_DAYS = (30, 7)  # prompts this many days before the due date
CHAIR_AFTER = dt.timedelta(weeks=4)  # overdue this long: the Chair of Governors is told too
MAX_GAPS_LISTED = 15


def review_buttons(policy_id: str) -> tuple[Button, ...]:
    """How a review is recorded in a chat, in this order wherever it is offered (the prompt, Slack's App Home)."""
    return (
        Button("review.done", "Reviewed and updated", policy_id, "primary"),
        Button("review.nochange", "Reviewed: no changes needed", policy_id),
    )


@dataclass(frozen=True)
class ReviewStatus:
    policy_id: str
    title: str
    version: str
    last_reviewed: dt.date  # the adoption date when it has never been reviewed
    next_due: dt.date | None  # None: reviewed "as required"
    days_overdue: int  # 0 when not overdue
    state: str  # one line for a person, e.g. "overdue by 1,334 days (due Saturday 1 April 2023)"
    new_version: str | None = None  # from mark_reviewed: the new version the review recorded (None: no changes)
    unpublished: bool = False  # `version` (named by a review) is not published: staff have not been asked to read it
    # From mark_reviewed: the review this recording was added to, e.g. "Alex Head recorded on Monday 23 November 2026"
    joined: str | None = None
    # From mark_reviewed: the day this same reviewer had already recorded this review (a repeat records nothing new)
    already_on: dt.date | None = None
    recorded_by: str = ""  # From mark_reviewed: the reviewer's name as recorded (as the list of people spells it)

    @property
    def overdue(self) -> bool:
        return self.days_overdue > 0


def add_years(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February in a year that has none
        return day.replace(year=day.year + years, day=28)


Before = tuple[dt.date, dt.date]  # the days the 30-days-before and 7-days-before prompts go


def prompt_index(due: dt.date, day: dt.date, before: Before | None = None) -> int | None:
    """Which prompt `day` belongs to: 0 = 30 days before, 1 = 7 days before, 2 = the due day or after it."""
    before = before or (due - dt.timedelta(days=BEFORE_DAYS[0]), due - dt.timedelta(days=BEFORE_DAYS[1]))
    if day < before[0]:
        return None
    if day < before[1]:
        return 0
    if day < due:
        return 1
    return 2


def prompt_due(due: dt.date, day: dt.date, last: dt.date | None, before: Before | None = None) -> bool:
    """Whether a prompt is due on `day`, the last one having gone on `last` (None: none yet): the first of each
    stage (30 days before, 7 days before, due), then, once due, a week after the last prompt."""
    index = prompt_index(due, day, before)
    if index is None:
        return False
    if last is None or index > (prompt_index(due, last, before) or 0):
        return True
    return index == 2 and (day - last).days >= 7


class Reviews:
    def __init__(self, core: Core) -> None:
        self.core = core
        self.quiet = QuietHours(core.school)

    # --- reading ---
    def _policies(self) -> list[Policy]:
        return list(self.core.policies.policies.values())

    def _policy(self, policy_id: str) -> Policy:
        try:
            return self.core.policies.policy(policy_id)
        except KeyError:
            known = ", ".join(sorted(self.core.policies.policies)) or "none"
            raise ScheduleError(f"there is no policy {policy_id!r}; the policies are: {known}") from None

    @staticmethod
    def _last_review(session: Session, policy_id: str) -> PolicyReview | None:
        return session.scalar(
            select(PolicyReview)
            .where(PolicyReview.policy_id == policy_id)
            .order_by(PolicyReview.reviewed_on.desc(), PolicyReview.id.desc())
            .limit(1)
        )

    @staticmethod
    def last_named(session: Session, policy_id: str) -> PolicyReview | None:
        """The last review that named a new version."""
        return session.scalar(
            select(PolicyReview)
            .where(PolicyReview.policy_id == policy_id, PolicyReview.new_version.is_not(None))
            .order_by(PolicyReview.recorded_at.desc(), PolicyReview.id.desc())
            .limit(1)
        )

    @classmethod
    def current_version(cls, session: Session, policy: Policy) -> str:
        """The newest of: the version in the policy file, the last one published, the last one a review named. An
        older version published after the review (an old file, published with a warning) does not undo the review's:
        that version is still to be published."""
        candidates: list[tuple[dt.datetime, str]] = []
        published = session.scalar(
            select(PolicyVersion)
            .where(PolicyVersion.policy_id == policy.id)
            .order_by(PolicyVersion.published_at.desc(), PolicyVersion.id.desc())
            .limit(1)
        )
        if published is not None:
            candidates.append((published.published_at, published.version))
        reviewed = cls.last_named(session, policy.id)
        if reviewed is not None and reviewed.new_version:
            if published is not None and is_older(published.version, reviewed.new_version):
                return reviewed.new_version
            candidates.append((reviewed.recorded_at, reviewed.new_version))
        return max(candidates)[1] if candidates else policy.version

    @staticmethod
    def _unpublished(session: Session, policy: Policy, version: str) -> bool:
        """A version a review named that was never published: staff have not been asked to read it, and the bot
        still quotes the policy file's text."""
        if version == policy.version:
            return False
        published = session.scalar(
            select(PolicyVersion.id).where(PolicyVersion.policy_id == policy.id, PolicyVersion.version == version)
        )
        return published is None

    def _status(self, session: Session, policy: Policy, today: dt.date) -> ReviewStatus:
        review = self._last_review(session, policy.id)
        last = review.reviewed_on if review else policy.adopted
        years = CYCLE_YEARS.get(policy.review_cycle)
        due = add_years(last, years) if years else None
        overdue = max(0, (today - due).days) if due else 0
        if due is None:
            state = "reviewed as required (no fixed date)"
        elif overdue:
            state = f"OVERDUE by {counted(overdue, 'day')} (was due {long_date(due)})"
        elif due == today:
            state = "due for review today"
        else:
            days = (due - today).days
            state = f"up to date; next review due {long_date(due)} (in {counted(days, 'day')})"
        version = self.current_version(session, policy)
        unpublished = self._unpublished(session, policy, version)
        if unpublished:
            # Read in Slack as well as at the server: the command itself is the command line's to add.
            state += (f". Version {version} is not published yet: staff have not been asked to read it. Whoever "
                      "runs the bot publishes it once its text is in the policy file")
        return ReviewStatus(
            policy_id=policy.id,
            title=policy.title,
            version=version,
            last_reviewed=last,
            next_due=due,
            days_overdue=overdue,
            state=state,
            unpublished=unpublished,
        )

    def status(self) -> list[ReviewStatus]:
        today = self.quiet.today(self.core.clock.now())
        with self.core.db.session() as session:
            return [self._status(session, p, today) for p in self._policies()]

    def overdue_warnings(self) -> list[str]:
        """One line per overdue policy, for the start-up log and App Home."""
        return [
            f"{s.title} (version {s.version}) is overdue for review: due {long_date(s.next_due)}, "
            f"{counted(s.days_overdue, 'day')} ago. When reviewed, run "
            f"`policybot policy reviewed {s.policy_id} --by NAME`."
            for s in self.status()
            if s.overdue and s.next_due is not None
        ]

    # --- who looks after reviews ---
    def may_oversee(self, person: Person) -> bool:
        """Who sees every policy's review state and staff compliance: its owners and the chair of governors."""
        owners = {policy.owner for policy in self._policies()}
        with self.core.db.session() as session:
            governor = governors_on(session, self.quiet.today(self.core.clock.now()))[1]
        return person.has_role(*owners, "chair_of_governors", governor)

    # --- recording a review ---
    def mark_reviewed(
        self,
        policy_id: str,
        *,
        reviewer: str,
        notes: str = "",
        new_version: str | None = None,
        by_person_id: int | None = None,
    ) -> ReviewStatus:
        """Record a review (today); "no changes needed" is a review without a new version. Stops the prompts.

        `by_person_id` is who pressed a button in chat: only the policy's owner or the chair of governors (with no
        chair, the vice-chair) may record its review. (The server command line is for whoever runs the server, so it
        passes None.)
        """
        policy = self._policy(policy_id)
        if by_person_id is not None:
            with self.core.db.session() as session:
                person = session.get(Person, by_person_id)
                governor = governors_on(session, self.quiet.today(self.core.clock.now()))[1]
                if person is None or not person.has_role(policy.owner, "chair_of_governors", governor):
                    # The one taking the chair's part today (see governors_on): with no chair, the vice-chair.
                    chair = "or the chair of governors" if governor == "chair_of_governors" else (
                        "or, as no chair of governors is recorded, the vice-chair of governors")
                    raise ScheduleError(
                        f"Only the {policy.owner.replace('_', ' ')} {chair} can record a review of the {policy.title}."
                    )
        reviewer = reviewer.strip()
        if not reviewer:
            raise ScheduleError("please say who reviewed the policy (for example --by 'Alex Head')")
        with self.core.db.session() as session:
            reviewer = People.who_records(session, reviewer)  # "Alex Hed" is refused: "did you mean Alex Head?"
        new_version = (new_version or "").strip() or None
        if new_version is not None and len(new_version) > MAX_VERSION_CHARS:
            raise ScheduleError(
                f"that version is too long: write it as the policy file does, in at most {MAX_VERSION_CHARS} "
                "characters (for example --version 2026.1), and put anything else in --notes"
            )
        now = self.core.clock.now()
        today = self.quiet.today(now)
        with self.core.db.session() as session:
            again = self._same_review(session, policy, new_version, today)
            if again is None and new_version == self._status(session, policy, today).version:
                new_version = None  # "updated" to the version it already is: no change of version
                again = self._same_review(session, policy, None, today)
            if again is not None:
                # The same review pressed twice, or recorded by both people asked (head and chair): one review, which
                # keeps each reviewer's name and notes (the governors' minute must not be lost).
                names = [n.strip() for n in again.reviewer.split(";")]
                joined = None
                if reviewer not in names:
                    joined = f"{and_list(names)} recorded on {long_date(again.reviewed_on)}"
                    again.reviewer = "; ".join([*names, reviewer])[:200]
                added_notes = bool(notes.strip()) and notes.strip() not in again.notes
                if added_notes:
                    again.notes = "\n".join(n for n in (again.notes, notes.strip()) if n)
                already_on = again.reviewed_on if not joined and not added_notes else None
                status = replace(self._status(session, policy, today), already_on=already_on)
                if joined:  # read in the chat reply, "It is now {state}."
                    status = replace(status, state=f"{status.state}. This was added to the review {joined}: one "
                                                   "review, with both names")
                return replace(status, new_version=again.new_version, joined=joined, recorded_by=reviewer)
            session.add(
                PolicyReview(
                    policy_id=policy.id,
                    reviewed_on=today,
                    reviewer=reviewer[:200],
                    notes=notes.strip(),
                    new_version=new_version,
                    no_changes=new_version is None,
                    recorded_at=now,
                )
            )
            session.flush()
            # Prompts already queued but not yet delivered are about a review that is now done.
            cancel_pending(session, [f"review:{policy.id}:"])
            return replace(self._status(session, policy, today), new_version=new_version, recorded_by=reviewer)

    def _same_review(
        self, session: Session, policy: Policy, new_version: str | None, today: dt.date
    ) -> PolicyReview | None:
        """The review already recorded that this recording is part of: one with the same outcome today, or the last
        review in the first half of its cycle, before the next review's prompts begin, when this names the same new
        version or none ("no changes needed": the chair co-signing at the governors' meeting what the head
        recorded). One review, not a second one that would also move the next due date. A new version after a "no
        changes" review is a new one."""
        same = PolicyReview.no_changes if new_version is None else PolicyReview.new_version == new_version
        today_review = session.scalar(
            select(PolicyReview).where(PolicyReview.policy_id == policy.id, PolicyReview.reviewed_on == today, same)
        )
        if today_review is not None:
            return today_review
        last = self._last_review(session, policy.id)
        if last is None or (new_version is not None and last.new_version != new_version):
            return None
        years = CYCLE_YEARS.get(policy.review_cycle)
        if not years:
            return last
        # Co-signing comes within a term or so; later in the cycle it is the next review done early (at the June
        # governors' meeting for one due in August): recorded as a new review, not "already recorded" last year.
        next_prompt = add_years(last.reviewed_on, years) - dt.timedelta(days=BEFORE_DAYS[0])
        halfway = last.reviewed_on + (add_years(last.reviewed_on, years) - last.reviewed_on) / 2
        return last if today < min(next_prompt, halfway) else None

    # --- prompts ---
    def run_due(self, session: Session, now: dt.datetime) -> int:
        """Queue the review prompts due now; returns how many messages were queued."""
        if not self.quiet.reached(now, self.core.school.reminder_time):
            return 0
        today = self.quiet.today(now)
        queued = 0
        for policy in self._policies():
            status = self._status(session, policy, today)
            due = status.next_due
            if due is None:
                continue
            series = f"review:{policy.id}:{due.isoformat()}"
            previous = last_sent(session, series)
            # A prompt before the due date that falls in a holiday goes on the last school day before it: after the
            # holiday it would come too late, or a day before the next one (a review due on 10 September was
            # prompted "in 8 days" on the first day back and "in 7 days" the next morning).
            before = (
                self.quiet.previous_school_day(due - dt.timedelta(days=BEFORE_DAYS[0])),
                self.quiet.previous_school_day(due - dt.timedelta(days=BEFORE_DAYS[1])),
            )
            # An owner away (leave, illness) is prompted on their first school day back; the chair's prompts go on.
            holders = People.with_role(session, policy.owner, on=today)
            owners = [p for p in holders if not p.is_away(today)]
            if not prompt_due(due, today, previous.sent_on if previous else None, before):
                if previous is not None:  # not yet, or this prompt already went out: to whoever was at work then
                    queued += self._missed(session, policy, status, today, series, previous.seq, owners, holders)
                continue
            seq = previous.seq + 1 if previous else 0
            # Four weeks from the first school day the owner could be told it is overdue: a review due in the summer
            # holiday is not the chair's on the first day back, when the owner hears it is overdue for the first time.
            # With nobody holding the owner's role (the head has left, say), every prompt is the chair's.
            chair_from = self.quiet.next_school_day(due) + CHAIR_AFTER
            chairs, governor = governors_on(session, today)
            if not (today >= chair_from or not holders):
                chairs = []
            if not owners and not chairs:
                if not holders:
                    log.warning("no one holds the role %r to prompt about reviewing %s", policy.owner, policy.id)
                continue  # (or they are away: the prompt waits for them)
            gaps = self._gaps(session, status.last_reviewed)
            told = self._owner_prompts_since(session, series, due, holders) if chairs else {}
            mark_sent(session, series, seq, now, today)
            for person, as_chair in [(p, False) for p in owners] + [(p, True) for p in chairs]:
                key = f"{series}:{seq}:{person.id}"
                message = self._prompt(policy, status, today, gaps, key=key, person=person,
                                       as_chair=governor if as_chair else None, holders=holders, told=told)
                queued += self.core.outbox.enqueue(session, message)
        return queued

    def _missed(
        self,
        session: Session,
        policy: Policy,
        status: ReviewStatus,
        today: dt.date,
        series: str,
        seq: int,
        owners: list[Person],
        holders: list[Person],
    ) -> int:
        """The latest prompt, to an owner at work who was not sent it (away when it went to the chair, or new in the
        role): on their first school day back, not at the next week's prompt."""
        missed = [
            person for person in owners
            if session.scalar(select(OutboxRow.id).where(OutboxRow.key == f"{series}:{seq}:{person.id}")) is None
        ]
        if not missed:
            return 0
        gaps = self._gaps(session, status.last_reviewed)
        return sum(
            self.core.outbox.enqueue(session, self._prompt(
                policy, status, today, gaps, key=f"{series}:{seq}:{person.id}", person=person, as_chair=None,
                holders=holders, told={},
            ))
            for person in missed
        )

    def _owner_prompts_since(
        self, session: Session, series: str, due: dt.date, holders: list[Person]
    ) -> dict[int, int]:
        """By owner, the prompts of this series they were sent on or after the due date (before this one): what the
        chair is told of them, as counted, not assumed (the bot first started with the review long overdue, a head
        new in post or back from leave, had none or few)."""
        since = self.quiet.at_local(due, dt.time(0, 0))
        counts: dict[int, int] = {}
        for person in holders:
            counts[person.id] = session.scalar(
                select(func.count()).where(
                    OutboxRow.key.startswith(f"{series}:", autoescape=True),
                    OutboxRow.key.endswith(f":{person.id}", autoescape=True),
                    OutboxRow.created_at >= since,
                    OutboxRow.status != CANCELLED,
                )
            ) or 0
        return counts

    @staticmethod
    def _why_the_chair(
        policy: Policy, holders: list[Person], today: dt.date, governor: str, told: dict[int, int]
    ) -> str:
        """Why the chair of governors (or the vice-chair, with no chair) is prompted: nobody holds the policy's owner
        role, or the review is four weeks overdue."""
        owner = role_label(policy.owner)
        acting = acting_as(governor)
        if not holders:
            return (f"You are receiving this as {acting} because nobody is recorded as the {owner}, who owns "
                    "the policy.")
        lines = [f"You are receiving this as {acting} because the review is four weeks or more overdue."]
        # Whom to speak to: the chair is told who owns it and that they have been reminded (or why not lately).
        for person in holders:
            if person.is_away(today) and person.away_until is not None:
                lines.append(f"The {owner}, {person.name}, owns the policy and is away until "
                             f"{long_date(person.away_until)}: they are reminded again when back.")
            elif not told.get(person.id):
                lines.append(f"The {owner}, {person.name}, owns the policy and is sent this prompt too, the first "
                             "since it was due.")
            else:
                before = "once" if told[person.id] == 1 else f"{told[person.id]:,} times"
                lines.append(f"The {owner}, {person.name}, owns the policy and is sent this prompt too; they were "
                             f"reminded {before} before, since it was due.")
        return " ".join(lines)

    def _gaps(self, session: Session, since_day: dt.date) -> list[str]:
        """Questions the bot could not answer since the last review (the lead's module; optional until it lands)."""
        try:
            from bot.qa.gaps import gaps_since
        except ImportError:
            return []
        since = dt.datetime.combine(since_day, dt.time(0, 0), tzinfo=self.quiet.tz).astimezone(dt.UTC)
        try:
            return list(gaps_since(self.core, since))
        except Exception:  # a prompt without its gap list is better than no prompt
            log.exception("could not list knowledge gaps for the review prompt")
            return []

    def _prompt(
        self,
        policy: Policy,
        status: ReviewStatus,
        today: dt.date,
        gaps: list[str],
        *,
        key: str,
        person: Person,
        as_chair: str | None,
        holders: list[Person],
        told: dict[int, int],
    ) -> OutboundMessage:
        due = status.next_due
        assert due is not None
        cycle = policy.review_cycle
        name = f"the {policy.title} (version {status.version})"
        if today < due:
            days = (due - today).days
            when = f"{name} is due for its {cycle} review on {long_date(due)}, in {counted(days, 'day')}."
        elif today == due:
            when = f"{name} is due for its {cycle} review today, {long_date(due)}."
        else:
            late = counted(status.days_overdue, "day")
            when = f"{name} was due for its {cycle} review on {long_date(due)} and is now {late} overdue."
        lines = [upper_first(when)]
        if policy.reviewed_with:
            lines.append(f"The policy says it is reviewed with the {policy.reviewed_with}.")
        lines.append(f"Last reviewed: {long_date(status.last_reviewed)}.")
        if as_chair:  # the role prompted in the chair's part (chair or vice-chair of governors)
            lines.append(self._why_the_chair(policy, holders, today, as_chair, told))
        recipient = recipient_for(person)
        if gaps:
            lines.append(f"Questions the bot could not answer since the last review ({len(gaps)}):")
            lines += [f"• {q}" for q in gaps[:MAX_GAPS_LISTED]]
            if len(gaps) > MAX_GAPS_LISTED:
                more = f"…and {len(gaps) - MAX_GAPS_LISTED} more"
                lines.append(f"{more}." if recipient.has_buttons else f"{more} (`policybot policy gaps`).")
        else:
            lines.append("The bot has no unanswered questions to report since the last review.")
        if recipient.has_buttons:  # a headteacher in Slack is never sent to a server command
            lines.append("When the review is done, press one of the buttons below.")
        else:
            lines.append(
                f"When the review is done, run `policybot policy reviewed {policy.id} --by NAME [--version V]`."
            )
        return OutboundMessage(
            key=key,
            recipient=recipient,
            kind="review_prompt",
            title=f"Policy review: {policy.title}",
            text="\n".join(lines),
            fields={"Policy": policy.title, "Version": status.version, "Due": long_date(due)},
            buttons=review_buttons(policy.id),
            ref=f"review:{policy.id}",
            slot=f"review:{policy.id}:{person.id}",  # held back (Slack down): only the newest prompt goes out
        )
