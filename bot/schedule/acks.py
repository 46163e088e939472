"""Acknowledgement campaigns: every member of staff reads and accepts the version of a policy in force.

Publishing a version whose clause texts differ from the last published one starts a campaign (the first
publication always does). A version with the same clause texts (say only the review date moved) needs no new
acknowledgement: an acknowledgement counts for every version with the same clause hash.

Reminders are DMs on school days at the school's reminder time. The first goes on the first school day someone is
in the campaign (its start, or their start date for a new starter); the next ones 3 and 7 days after that first
one, then weekly. A day that falls in a weekend or holiday moves to the next school day, missed ones are not
stacked up, and two reminders are at least 3 school days (or a week) apart: a campaign published on a Saturday
does not remind on Monday and again on Tuesday. Someone recorded as away (long leave, `policybot people away`) is
not reminded meanwhile; their reminders go on from their first school day back. After someone's fourth reminder
the headteacher gets the list of who is still outstanding (with no headteacher recorded, the policy's owner, else the
chair of governors, each told why). Leavers drop out on their leave date; everything stops once accepted. A
headteacher recorded as away gets their lists (this one, and who cannot be asked, below) on their first school day
back, as review prompts wait for an owner who is away: the school has no deputy head role.

Someone with no Slack id cannot be reminded: the reminder's button is the way to accept, and the console has none
(while the bot runs on Slack it cannot even be delivered). So they get no reminders; the headteacher is told once
per campaign that they cannot be asked, and their acceptance is recorded on paper (`policybot acks record`).
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import json
import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import case, func, or_, select
from sqlalchemy.orm import Session

from bot.people import ROLE_LABELS, People, Person, role_label
from bot.ports import Button, OutboundMessage
from bot.schedule.common import (
    LastSent,
    ScheduleError,
    StaffMember,
    acting_as,
    cancel_pending,
    governors_on,
    is_older,
    last_sent,
    last_sent_by_prefix,
    mark_sent,
    mark_sent_many,
    recipient_for,
    staff_on,
)
from bot.schedule.models import AckCampaign, Acknowledgement, PolicyVersion, SentReminder
from bot.schedule.quiet import QuietHours
from bot.wording import and_list, counted, long_date

if TYPE_CHECKING:
    from bot.core import Core
    from bot.policy.models import Policy

log = logging.getLogger(__name__)

HEAD_AFTER = 4  # after this many reminders to someone, the headteacher hears who is outstanding
MIN_GAP_SCHOOL_DAYS = 3  # a reminder follows the last one to the same person by at least this many school days
EVERYONE_ON_HOME = "The bot's Home tab in Slack keeps the count up to date."
EVERYONE_ON_CLI = "`policybot acks report` shows the full table."
MAX_CHANGES_LISTED = 12


def reminder_index(days: int) -> int:
    """Which reminder `days` after someone's first one belongs to: day 0 -> 0, day 3 -> 1, day 7 -> 2, then one a
    week."""
    if days < 3:
        return 0
    if days < 7:
        return 1
    return 1 + days // 7


def reminder_due(first: dt.date, last: dt.date, today: dt.date, school_days_since: Callable[[dt.date], int]) -> bool:
    """Whether someone whose first reminder went on `first` and latest on `last` is due another today: today
    belongs to a later reminder than `last` did (counted from their own first one, not from the campaign's start,
    which for someone who joined late or a campaign published at a weekend bunched them up), and it is at least
    MIN_GAP_SCHOOL_DAYS school days after `last` (or a week: the first day back after a holiday is no bunching)."""
    if reminder_index((today - first).days) <= reminder_index((last - first).days):
        return False
    return (today - last).days >= 7 or school_days_since(last) >= MIN_GAP_SCHOOL_DAYS


def no_slack_lines(names: list[str], what: str, *, on_slack: bool) -> list[str]:
    """Who cannot be asked to accept `what` (no Slack id), and how their acceptance gets recorded instead.
    `on_slack`: the reader is in Slack, so the server commands are for whoever runs the bot, not for them."""
    them = f"{and_list(names)} {'has' if len(names) == 1 else 'have'} no Slack account known to the bot"
    lines = [f"{them}, so the bot cannot ask them to read and accept {what}."]
    if on_slack:
        lines.append(
            "When they have read it (on paper, say), whoever runs the bot records it (`policybot acks record`). "
            "If they do use Slack, their Slack id can be added instead (`policybot people add NAME --slack U...`) "
            "and the bot will ask them."
        )
    else:
        lines.append(
            "When they have read it (on paper, say), record it with `policybot acks record NAME --by YOUR NAME`. "
            "If they do use Slack, add their Slack id instead with `policybot people add NAME --slack U...` and the "
            "bot will ask them."
        )
    return lines


def spreadsheet_text(cell: str) -> str:
    """A typed text (a name) for a CSV cell, with a leading apostrophe when it starts as a formula would (= + - @, or a
    tab or carriage return): a spreadsheet opening the file shows it as text instead of running it."""
    return f"'{cell}" if cell.startswith(("=", "+", "-", "@", "\t", "\r")) else cell


def clause_texts(policy: Policy) -> dict[str, str]:
    return {clause.id: " ".join(clause.text.split()) for _, clause in policy.clauses()}


def clause_hash(texts: Mapping[str, str]) -> str:
    return hashlib.sha256(json.dumps(dict(sorted(texts.items())), ensure_ascii=False).encode()).hexdigest()


def describe_changes(policy: Policy, old: Mapping[str, str], new: Mapping[str, str]) -> list[str]:
    """What changed between two versions, one line per clause, for the reminder (so staff read just that)."""
    sections = {clause.id: section.title for section, clause in policy.clauses()}
    lines: list[str] = []
    for clause_id, text in new.items():
        where = f"“{sections.get(clause_id, '')}”"
        if clause_id not in old:
            lines.append(f"New in {where}: {_shorten(text)}")
        elif old[clause_id] != text:
            lines.append(f"Changed in {where}: {_changed_part(old[clause_id], text)}")
    lines += [f"Removed: {_shorten(text)}" for clause_id, text in old.items() if clause_id not in new]
    return lines


def _shorten(text: str, limit: int = 140) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _changed_part(before: str, after: str, limit: int = 140, around: int = 6) -> str:
    """The new wording where it differs from the old, with a few words either side: a long clause cut from its
    start would hide a change at its end."""
    if len(after) <= limit:
        return after
    old, new = before.split(), after.split()
    start = 0
    while start < min(len(old), len(new)) and old[start] == new[start]:
        start += 1
    end = 0
    while end < min(len(old), len(new)) - start and old[-1 - end] == new[-1 - end]:
        end += 1
    first, last = max(0, start - around), min(len(new), len(new) - end + around)
    part = " ".join(new[first:last])
    part = ("…" if first > 0 else "") + part + ("…" if last < len(new) else "")
    return _shorten(part, limit)


@dataclass(frozen=True)
class PublishResult:
    policy_id: str
    title: str
    version: str
    campaign_started: bool
    changes: list[str]
    staff_count: int  # members of staff asked to acknowledge, by Slack DM (0 when no campaign started)
    message: str
    not_asked: list[str] = field(default_factory=list)  # staff with no Slack id: accepted on paper instead
    recorded: bool = True  # False: this version was already published, nothing was recorded
    warnings: list[str] = field(default_factory=list)  # published all the same, but someone should look


@dataclass(frozen=True)
class AckStatus:
    policy_id: str
    title: str
    version: str
    acknowledged_at: dt.datetime | None
    changes: list[str]


@dataclass(frozen=True)
class ComplianceRow:
    policy_id: str
    title: str
    version: str
    person_id: int
    name: str
    joined_on: dt.date
    acknowledged_at: dt.datetime | None
    reminders_sent: int
    reminded: bool = True  # staff are reminded until they accept (a campaign is open: the version was published)
    recorded_by: str | None = None  # who recorded the acceptance for them (on paper); None: they did it themselves
    on_slack: bool = True  # False: no Slack id, so never reminded; their acceptance is recorded on paper


@dataclass(frozen=True)
class HistoryRow:
    """One acceptance of one version, as recorded: by whom, when, and who recorded it for them."""

    policy_id: str
    title: str
    version: str
    published_at: dt.datetime | None  # None: accepted before it was published (from the policy file)
    name: str
    acknowledged_at: dt.datetime
    recorded_by: str | None  # None: they accepted it themselves
    left_on: dt.date | None  # the day they left, if they have


class Acks:
    def __init__(self, core: Core) -> None:
        self.core = core
        self.quiet = QuietHours(core.school)

    # --- publishing ---
    def _day(self, version: PolicyVersion) -> str:
        return long_date(self.quiet.today(version.published_at))

    def publish(self, path: Path) -> PublishResult:
        """Record a new version from a policy YAML file; start a campaign unless its clause texts are unchanged."""
        from bot.policy.loader import _parse_file

        policy, problems = _parse_file(path)
        if policy is None:
            raise ScheduleError("\n".join(problems) or f"{path}: not a policy file")
        loaded = self.core.policies.policies
        if policy.id not in loaded:
            # A mistyped id would start a campaign for a policy the bot does not know, which nothing could end.
            known = ", ".join(sorted(loaded)) or "none"
            raise ScheduleError(
                f"{path.name} is for a policy with the id {policy.id!r}, which the bot does not have (it has: "
                f"{known}). If the id is mistyped, correct it in the file. If this is a new policy, first put the "
                f"file in {self.core.settings.policy_dir} (a running bot picks it up within a minute or so), then "
                "publish it."
            )
        texts = clause_texts(policy)
        digest = clause_hash(texts)
        now = self.core.clock.now()
        today = self.quiet.today(now)
        with self.core.db.session() as session:
            previous = session.scalar(
                select(PolicyVersion)
                .where(PolicyVersion.policy_id == policy.id)
                .order_by(PolicyVersion.published_at.desc(), PolicyVersion.id.desc())
                .limit(1)
            )
            same = session.scalar(
                select(PolicyVersion).where(
                    PolicyVersion.policy_id == policy.id, PolicyVersion.version == policy.version
                )
            )
            # An old file published by mistake would ask every member of staff to accept the old text again.
            if previous is not None and same is not None and same.id != previous.id:
                raise ScheduleError(
                    f"Version {policy.version} of the {policy.title} was published on {self._day(same)}, before "
                    f"version {previous.version} (published on {self._day(previous)}). Nothing was published. Check "
                    "you have the newest policy file; if this text is meant to replace version "
                    f"{previous.version}, give it a new version number in the file."
                )
            if previous is not None and is_older(policy.version, previous.version):
                raise ScheduleError(
                    f"Version {policy.version} of the {policy.title} is older than version {previous.version}, "
                    f"which was published on {self._day(previous)}. Nothing was published. Check you have the "
                    "newest policy file."
                )
            warnings = self._behind_review(session, policy)
            if same is not None:
                if same.clause_hash != digest:
                    raise ScheduleError(
                        f"version {policy.version} of {policy.title} was already published with different "
                        "text; give the new text a new version number in the file"
                    )
                return PublishResult(
                    policy.id, policy.title, policy.version, False, [], 0,
                    f"Version {policy.version} of the {policy.title} was already published; nothing to do.",
                    recorded=False, warnings=warnings,
                )  # fmt: skip
            session.add(
                PolicyVersion(
                    policy_id=policy.id,
                    version=policy.version,
                    title=policy.title,
                    clause_hash=digest,
                    clauses=json.dumps(texts, ensure_ascii=False),
                    published_at=now,
                )
            )
            if previous is not None and previous.clause_hash == digest:
                return PublishResult(
                    policy.id, policy.title, policy.version, False, [], 0,
                    f"Published version {policy.version} of the {policy.title}. Its clauses are word for word "
                    f"those of version {previous.version}, so staff need not acknowledge it again.",
                    warnings=warnings,
                )  # fmt: skip
            changes = describe_changes(policy, json.loads(previous.clauses), texts) if previous else []
            for campaign in self._open_campaigns(session, policy.id):
                campaign.closed_at = now
                # Everything still queued about the old version: reminders, and the head's held-back lists.
                cancel_pending(session, [f"{kind}:{campaign.id}:" for kind in ("ack", "ack-head", "ack-noslack")])
            session.add(
                AckCampaign(
                    policy_id=policy.id,
                    version=policy.version,
                    clause_hash=digest,
                    previous_version=previous.version if previous else None,
                    changes=json.dumps(changes, ensure_ascii=False),
                    started_on=today,
                    started_at=now,
                )
            )
            accepted = self._acknowledged(session, policy.id, digest)  # on paper, before it was published
            # Counted on the day the first reminders go: published in the summer holiday, someone leaving before the
            # first day back is never asked (and a starter from that day is).
            first = self.first_reminder_day(now)
            waiting = [person for person in staff_on(session, first) if person.id not in accepted]
        asked = sum(1 for person in waiting if person.slack_user_id)
        not_asked = [person.name for person in waiting if not person.slack_user_id]
        what = counted(len(changes), "clause change") if previous else "first publication"
        start = "" if first == today else f" from {long_date(first)}"
        message = (
            f"Published version {policy.version} of the {policy.title} ({what}). {counted(asked, 'member')} of "
            f"staff will be asked to read and accept it, by direct message on school days{start} until they do."
        )
        if not_asked:
            message += " " + " ".join(no_slack_lines(not_asked, "it", on_slack=False))
        return PublishResult(
            policy.id, policy.title, policy.version, True, changes, asked, message, not_asked, warnings=warnings
        )  # fmt: skip

    @staticmethod
    def _behind_review(session: Session, policy: Policy) -> list[str]:
        """A warning when the version being published is older than the one the last review named: an old file, or a
        review given the wrong --version. Not a refusal, since the review may be what is wrong."""
        from bot.schedule.reviews import Reviews

        review = Reviews.last_named(session, policy.id)
        named = review.new_version if review is not None else None
        if review is None or named is None or not is_older(policy.version, named):
            return []
        names = and_list([name.strip() for name in review.reviewer.split(";")])
        return [
            f"Warning: the review recorded by {names} on {long_date(review.reviewed_on)} named version {named}, and "
            f"this file is the older version {policy.version}, so `policybot policy status` still says version "
            f"{named} is not published. If this file is out of date, put version {named}'s text in it (with "
            f'version: "{named}") and publish it. If the review named the wrong version, record the review again '
            f"with the right one: `policybot policy reviewed {policy.id} --by NAME --version {policy.version}`."
        ]

    def first_reminder_day(self, published_at: dt.datetime) -> dt.date:
        """The day the first reminders of a campaign published at `published_at` go out: that day when it is a school
        day whose messaging hours have not ended, else the next school day."""
        today = self.quiet.today(published_at)
        ended = self.quiet.local(published_at).time().replace(tzinfo=None) >= self.core.school.quiet_hours.end
        return self.quiet.next_school_day(today + dt.timedelta(days=1) if ended else today)

    @staticmethod
    def _open_campaigns(session: Session, policy_id: str | None = None) -> list[AckCampaign]:
        query = select(AckCampaign).where(AckCampaign.closed_at.is_(None)).order_by(AckCampaign.id)
        if policy_id is not None:
            query = query.where(AckCampaign.policy_id == policy_id)
        return list(session.scalars(query).all())

    def _policy_title(self, policy_id: str) -> str:
        policy = self.core.policies.policies.get(policy_id)
        return policy.title if policy else policy_id

    # --- acknowledging ---
    @staticmethod
    def _not_staff(person: Person, today: dt.date) -> str | None:
        """Why `person` is not asked to accept the policies (None: they are): acceptance is asked of current staff
        only, the same people the reminders and the compliance table count. (A starter who has not started yet
        may accept early.)"""
        if not person.has_role("staff"):
            return "is not a member of staff"
        if person.leave_date is not None and person.leave_date <= today:
            return f"left on {long_date(person.leave_date)}"
        return None

    def _current(self, session: Session, policy_id: str) -> tuple[str, str, list[str]] | None:
        """(version, clause hash, changes) staff must accept now: the open campaign, else the policy file."""
        campaigns = self._open_campaigns(session, policy_id)
        if campaigns:
            campaign = campaigns[-1]
            return campaign.version, campaign.clause_hash, json.loads(campaign.changes)
        published = session.scalar(
            select(PolicyVersion)
            .where(PolicyVersion.policy_id == policy_id)
            .order_by(PolicyVersion.published_at.desc(), PolicyVersion.id.desc())
            .limit(1)
        )
        if published is not None:
            return published.version, published.clause_hash, []
        policy = self.core.policies.policies.get(policy_id)
        if policy is None:
            return None
        return policy.version, clause_hash(clause_texts(policy)), []

    def acknowledge(self, person_id: int, policy_id: str, version: str, recorded_by: str | None = None) -> bool:
        """Record that a member of staff read and accepts `version`. False when they already had. `recorded_by`:
        who recorded it for them (an acceptance on paper), kept with it."""
        now = self.core.clock.now()
        with self.core.db.session() as session:
            person = session.get(Person, person_id)
            if person is None:
                raise ScheduleError("I could not find you among the school's staff. Please ask the school office.")
            if self._not_staff(person, self.quiet.today(now)) is not None:  # e.g. a leaver pressing an old button
                raise ScheduleError(
                    "Only current members of staff are asked to accept the policies, so there is nothing to record "
                    "for you. If you are on the staff, please ask the school office to add you."
                )
            current = self._current(session, policy_id)
            if current is None:
                raise ScheduleError("That button is out of date: please open the App Home again for the current one.")
            current_version, digest, _ = current
            if version != current_version:
                known = session.scalar(
                    select(PolicyVersion.clause_hash).where(
                        PolicyVersion.policy_id == policy_id, PolicyVersion.version == version
                    )
                )
                if known != digest:
                    raise ScheduleError(
                        f"Version {version[:20]} of the {self._policy_title(policy_id)} has been replaced by version "
                        f"{current_version}. Please read and accept that one instead: it is on the App Home."
                    )
            exists = session.scalar(
                select(Acknowledgement.id).where(
                    Acknowledgement.person_id == person_id,
                    Acknowledgement.policy_id == policy_id,
                    Acknowledgement.version == version,
                )
            )
            if exists is not None:
                return False
            session.add(
                Acknowledgement(
                    person_id=person_id, policy_id=policy_id, version=version, clause_hash=digest, acknowledged_at=now,
                    recorded_by=recorded_by,
                )
            )
            for campaign in self._open_campaigns(session, policy_id):
                if campaign.clause_hash == digest:
                    cancel_pending(session, [f"ack:{campaign.id}:{person_id}:"])
        return True

    def record_for(self, name: str, policy_id: str | None = None, *, by: str) -> str:
        """Record, for someone who cannot use the buttons (no Slack account), that they read and accepted the current
        version, e.g. on paper; said back in words. `by`: who records it, kept with it. `policy_id` may be left out
        while there is one policy."""
        by = by.strip()
        if not by:
            raise ScheduleError("please say who is recording it (for example --by 'Pat Office')")
        with self.core.db.session() as session:
            by = People.who_records(session, by)
        policies = self.core.policies.policies
        if policy_id is None:
            if len(policies) != 1:
                raise ScheduleError(f"please say which policy with --policy ({', '.join(sorted(policies))})")
            policy_id = next(iter(policies))
        if policy_id not in policies:
            raise ScheduleError(f"there is no policy {policy_id!r}; the policies are: {', '.join(sorted(policies))}")
        with self.core.db.session() as session:
            person = People.by_name(session, name)
            if person is None:
                raise ScheduleError(People.not_found(session, name))
            person_id, person_name = person.id, person.name
            why = self._not_staff(person, self.quiet.today(self.core.clock.now()))
            if why is not None:
                if person.has_role("staff"):  # a leaver: the fix is their leave date, not their roles
                    fix = (f"If they have not left after all, `policybot people leave \"{person_name}\" --cancel` "
                           "keeps them on the staff.")
                else:
                    fix = ("If they are on the staff, `policybot people role NAME staff ...` gives them the staff "
                           "role (with their other roles).")
                raise ScheduleError(
                    f"{person_name} {why}, and only current staff are asked to accept the policies, so there is "
                    f"nothing to record. {fix}"
                )
            current = self._current(session, policy_id)
        if current is None:
            raise ScheduleError(f"the {self._policy_title(policy_id)} has no version for staff to accept yet")
        version = current[0]
        title = self._policy_title(policy_id)
        if not self.acknowledge(person_id, policy_id, version, recorded_by=by[:200]):
            return f"{person_name} had already accepted version {version} of the {title}."
        return f"Recorded that {person_name} has read and accepts version {version} of the {title}."

    @staticmethod
    def _acceptances(session: Session, policy_id: str, digest: str) -> dict[int, tuple[dt.datetime, str | None]]:
        """By person, their earliest acceptance of this text: when, and who recorded it for them (None: they did)."""
        rows = session.execute(
            select(Acknowledgement.person_id, Acknowledgement.acknowledged_at, Acknowledgement.recorded_by)
            .where(Acknowledgement.policy_id == policy_id, Acknowledgement.clause_hash == digest)
            .order_by(Acknowledgement.acknowledged_at.desc())
        ).all()
        return {person_id: (when, by) for person_id, when, by in rows}  # the earliest is written last

    @staticmethod
    def _acknowledged(session: Session, policy_id: str, digest: str) -> dict[int, dt.datetime]:
        rows = session.execute(
            select(Acknowledgement.person_id, func.min(Acknowledgement.acknowledged_at))
            .where(Acknowledgement.policy_id == policy_id, Acknowledgement.clause_hash == digest)
            .group_by(Acknowledgement.person_id)
        ).all()
        return {person_id: when for person_id, when in rows}

    def status_for(self, person_id: int) -> list[AckStatus]:
        """Every policy, the version this person must accept, and whether (when) they have. Nothing for someone who
        is not current staff (the chair of governors, a leaver): they are never asked to accept."""
        result: list[AckStatus] = []
        with self.core.db.session() as session:
            person = session.get(Person, person_id)
            if person is None or self._not_staff(person, self.quiet.today(self.core.clock.now())) is not None:
                return []
            for policy_id in self._policy_ids(session):
                current = self._current(session, policy_id)
                if current is None:
                    continue
                version, digest, changes = current
                when = self._acknowledged(session, policy_id, digest).get(person_id)
                result.append(AckStatus(policy_id, self._policy_title(policy_id), version, when, changes))
        return result

    def _policy_ids(self, session: Session) -> list[str]:
        published = session.scalars(select(PolicyVersion.policy_id).distinct()).all()
        return sorted(set(self.core.policies.policies) | set(published))

    # --- compliance ---
    def compliance(self, policy_id: str | None = None) -> list[ComplianceRow]:
        """For every open campaign, every member of staff in it today: accepted when, reminders sent. A policy with
        no campaign open shows the same for the version staff are asked to accept anyway (in Slack's App Home), so
        what the headteacher sees agrees with what staff see."""
        today = self.quiet.today(self.core.clock.now())
        rows: list[ComplianceRow] = []
        with self.core.db.session() as session:
            known = self._policy_ids(session)
            if policy_id is not None and policy_id not in known:  # else "nobody to list", which misleads
                raise ScheduleError(f"there is no policy {policy_id!r}; the policies are: {', '.join(known)}")
            staff = staff_on(session, today)
            campaigns = self._open_campaigns(session, policy_id)
            in_campaign = {c.policy_id for c in campaigns}
            for other in self._policy_ids(session):
                current = self._current(session, other) if other not in in_campaign else None
                if current is None or (policy_id is not None and other != policy_id):
                    continue
                version, digest, _ = current
                accepted = self._acceptances(session, other, digest)
                rows += [
                    ComplianceRow(
                        policy_id=other,
                        title=self._policy_title(other),
                        version=version,
                        person_id=person.id,
                        name=person.name,
                        joined_on=person.start_date or today,
                        acknowledged_at=accepted.get(person.id, (None, None))[0],
                        reminders_sent=0,
                        reminded=False,
                        recorded_by=accepted.get(person.id, (None, None))[1],
                        on_slack=bool(person.slack_user_id),
                    )
                    for person in staff
                ]
            for campaign in campaigns:
                accepted = self._acceptances(session, campaign.policy_id, campaign.clause_hash)
                counts = dict(
                    session.execute(
                        select(SentReminder.series, func.count())
                        .where(SentReminder.series.startswith(f"ack:{campaign.id}:", autoescape=True))
                        .group_by(SentReminder.series)
                    ).all()
                )
                for person in staff:
                    rows.append(
                        ComplianceRow(
                            policy_id=campaign.policy_id,
                            title=self._policy_title(campaign.policy_id),
                            version=campaign.version,
                            person_id=person.id,
                            name=person.name,
                            joined_on=max(campaign.started_on, person.start_date or campaign.started_on),
                            acknowledged_at=accepted.get(person.id, (None, None))[0],
                            reminders_sent=counts.get(f"ack:{campaign.id}:{person.id}", 0),
                            recorded_by=accepted.get(person.id, (None, None))[1],
                            on_slack=bool(person.slack_user_id),
                        )
                    )
        return rows

    def write_csv(self, path: Path, policy_id: str | None = None) -> int:
        """The compliance table as CSV: dates ISO, times ISO in the school's time zone (as the table shows them),
        and names kept from being read as spreadsheet formulas."""
        rows = self.compliance(policy_id)
        header = ["policy", "version", "name", "joined", "acknowledged_at", "reminders_sent", "recorded_by"]
        cells: list[list[str | int]] = [
            [row.policy_id, row.version, row.name, row.joined_on.isoformat(), self._iso(row.acknowledged_at),
             row.reminders_sent, row.recorded_by or ""]
            for row in rows
        ]  # fmt: skip
        self._write(path, header, cells)
        return len(rows)

    def _iso(self, moment: dt.datetime | None) -> str:
        return moment.astimezone(self.core.school.tz).isoformat(timespec="seconds") if moment else ""

    @staticmethod
    def _write(path: Path, header: list[str], rows: list[list[str | int]]) -> None:
        with path.open("w", newline="", encoding="utf-8") as handle:
            writer = csv.writer(handle)
            writer.writerow(header)
            writer.writerows([spreadsheet_text(c) if isinstance(c, str) else c for c in row] for row in rows)

    # --- history ---
    def history(self, name: str | None = None, policy_id: str | None = None) -> list[HistoryRow]:
        """Every acceptance recorded, of every version (leavers' too), or one person's: by policy, then version in the
        order they were published, then when."""
        with self.core.db.session() as session:
            known = self._policy_ids(session)
            if policy_id is not None and policy_id not in known:
                raise ScheduleError(f"there is no policy {policy_id!r}; the policies are: {', '.join(known)}")
            query = (
                select(Acknowledgement, Person, PolicyVersion)
                .join(Person, Person.id == Acknowledgement.person_id)
                .outerjoin(
                    PolicyVersion,
                    (PolicyVersion.policy_id == Acknowledgement.policy_id)
                    & (PolicyVersion.version == Acknowledgement.version),
                )
            )
            if name is not None:
                person = People.by_name(session, name)
                if person is None:
                    raise ScheduleError(People.not_found(session, name))
                query = query.where(Acknowledgement.person_id == person.id)
            if policy_id is not None:
                query = query.where(Acknowledgement.policy_id == policy_id)
            today = self.quiet.today(self.core.clock.now())
            rows = [
                HistoryRow(
                    policy_id=ack.policy_id,
                    title=published.title if published is not None else self._policy_title(ack.policy_id),
                    version=ack.version,
                    published_at=published.published_at if published is not None else None,
                    name=person.name,
                    acknowledged_at=ack.acknowledged_at,
                    recorded_by=ack.recorded_by,
                    left_on=person.leave_date if person.has_left(today) else None,
                )
                for ack, person, published in session.execute(query).all()
            ]
        # A version accepted before it was published (on paper, from the file) comes where it was first accepted.
        first: dict[tuple[str, str], dt.datetime] = {}
        for row in rows:
            key = (row.policy_id, row.version)
            first[key] = min(first.get(key, row.acknowledged_at), row.published_at or row.acknowledged_at)
        return sorted(rows, key=lambda r: (r.title, r.policy_id, first[(r.policy_id, r.version)], r.version,
                                           r.acknowledged_at, r.name))

    def write_history_csv(self, path: Path, rows: list[HistoryRow]) -> None:
        """The history as CSV, in the shape of the compliance table's."""
        header = ["policy", "version", "published", "name", "acknowledged_at", "recorded_by", "left"]
        self._write(path, header, [
            [row.policy_id, row.version, self._iso(row.published_at), row.name, self._iso(row.acknowledged_at),
             row.recorded_by or "", row.left_on.isoformat() if row.left_on else ""]
            for row in rows
        ])  # fmt: skip

    # --- reminders ---
    def run_due(self, session: Session, now: dt.datetime) -> int:
        """Queue the acknowledgement reminders (and headteacher lists) due now; returns messages queued."""
        if not self.quiet.reached(now, self.core.school.reminder_time):
            return 0
        campaigns = self._open_campaigns(session)
        if not campaigns:
            return 0
        today = self.quiet.today(now)
        staff = staff_on(session, today)
        school_days_since = self._school_days_counter(today)
        queued = 0
        for campaign in campaigns:
            acked = self._acknowledged(session, campaign.policy_id, campaign.clause_hash)
            sent = last_sent_by_prefix(session, f"ack:{campaign.id}:")
            firsts = self._first_reminders(session, campaign.id)
            changes: list[str] = json.loads(campaign.changes)
            reached_head_after: list[StaffMember] = []
            not_on_slack: list[StaffMember] = []
            marks: list[tuple[str, int]] = []
            messages: list[OutboundMessage] = []
            published = long_date(campaign.started_on)
            for person in staff:
                if person.id in acked:
                    continue
                joined = max(campaign.started_on, person.start_date or campaign.started_on)
                if joined > today:
                    continue
                if not person.slack_user_id:
                    not_on_slack.append(person)  # a reminder would reach nobody: the headteacher hears instead
                    continue
                if person.is_away(today):
                    continue  # on leave: reminded again from their first school day back, not nagged meanwhile
                series = f"ack:{campaign.id}:{person.id}"
                previous = sent.get(series)
                if previous is not None and not reminder_due(
                    firsts.get(series, previous.sent_on), previous.sent_on, today, school_days_since
                ):
                    continue
                seq = previous.seq + 1 if previous else 0
                marks.append((series, seq))
                messages.append(self._reminder(campaign, person, seq, changes, published, key=f"{series}:{seq}"))
                if seq + 1 == HEAD_AFTER:
                    reached_head_after.append(person)
            # One insert each for thousands of staff; the unique (series, seq) still stops a second sender.
            mark_sent_many(session, marks, now, today)
            queued += self.core.outbox.enqueue_many(session, messages)
            if reached_head_after or self._head_list_owed(session, campaign.id):
                queued += self._tell_headteacher(session, campaign, staff, acked, sent, reached_head_after, now)
            if not_on_slack:
                queued += self._tell_headteacher_not_asked(session, campaign, not_on_slack, now)
        return queued

    @staticmethod
    def _head_list_owed(session: Session, campaign_id: int) -> bool:
        """Whether someone has had their fourth reminder since the headteacher's last list (held back while the head
        was away): the list goes on their first school day back. Asked every minute of the school day, so in one
        query: the newest fourth reminder and the newest list side by side."""
        head = f"ack-head:{campaign_id}"
        is_head = SentReminder.series == head
        fourth, told = session.execute(
            select(
                func.max(case((is_head, None), else_=SentReminder.sent_at)),
                func.max(case((is_head, SentReminder.sent_at))),
            ).where(
                or_(
                    SentReminder.series.startswith(f"ack:{campaign_id}:", autoescape=True)
                    & (SentReminder.seq == HEAD_AFTER - 1),
                    is_head,
                )
            )
        ).one()
        if fourth is None:
            return False
        return told is None or fourth > told

    @staticmethod
    def _first_reminders(session: Session, campaign_id: int) -> dict[str, dt.date]:
        """The day of each person's first reminder in a campaign, by series (one query for thousands of staff)."""
        rows = session.execute(
            select(SentReminder.series, SentReminder.sent_on).where(
                SentReminder.series.startswith(f"ack:{campaign_id}:", autoescape=True), SentReminder.seq == 0
            )
        ).all()
        return {series: sent_on for series, sent_on in rows}

    def _school_days_counter(self, today: dt.date) -> Callable[[dt.date], int]:
        """School days after a day, up to and including today; remembered per day, as thousands of staff share a
        few days of last reminder."""
        known: dict[dt.date, int] = {}

        def since(day: dt.date) -> int:
            if day not in known:
                span = range(1, max(0, (today - day).days) + 1)
                known[day] = sum(1 for n in span if self.quiet.is_school_day(day + dt.timedelta(days=n)))
            return known[day]

        return since

    def _reminder(
        self, campaign: AckCampaign, person: StaffMember, seq: int, changes: list[str], published: str, *, key: str
    ) -> OutboundMessage:
        title = self._policy_title(campaign.policy_id)
        lines = [
            f"Please read and accept the {title}, version {campaign.version}.",
            f"Why: every member of staff at {self.core.school.name} is asked to confirm they have read the policy "
            f"in force{' and its changes' if changes else ''}. This is reminder {seq + 1}; "
            "they stop as soon as you accept.",
        ]
        if changes:
            lines.append(f"What changed since version {campaign.previous_version}:")
            lines += [f"• {line}" for line in changes[:MAX_CHANGES_LISTED]]
            if len(changes) > MAX_CHANGES_LISTED:
                lines.append(f"…and {len(changes) - MAX_CHANGES_LISTED} more changes.")
        # Said where to read it: the reminder itself holds none of the policy.
        lines.append("To read it, open my Home tab: every section is there, word for word. You can ask me any "
                     "question about the policy, then press the button when you have read it.")
        return OutboundMessage(
            key=key,
            recipient=recipient_for(person),
            kind="ack_reminder",
            title=f"Please read: {title} (version {campaign.version})",
            text="\n".join(lines),
            fields={"Policy": title, "Version": campaign.version, "Published": published},
            buttons=(
                Button(
                    "ack.accept",
                    f"I have read and accept version {campaign.version}",
                    f"{campaign.policy_id}:{campaign.version}",
                    "primary",
                ),
            ),
            ref=f"ack:{campaign.policy_id}",
            slot=f"ack:{campaign.id}:{person.id}",  # held back (Slack down): only the newest reminder goes out
        )

    def _tell_headteacher(
        self,
        session: Session,
        campaign: AckCampaign,
        staff: list[StaffMember],
        acked: Mapping[int, dt.datetime],
        sent: Mapping[str, LastSent],
        newly: list[StaffMember],
        now: dt.datetime,
    ) -> int:
        """The list of staff who have had four or more reminders and not yet accepted. A headteacher recorded as away
        gets it on their first school day back (`newly` is then empty: those reminded while they were away)."""
        today = self.quiet.today(now)
        newly_ids = {p.id for p in newly}
        outstanding = [
            p
            for p in staff
            if p.id not in acked and (p.id in newly_ids or _count(sent.get(f"ack:{campaign.id}:{p.id}")) >= HEAD_AFTER)
        ]
        if not outstanding:  # all who were held back for an away head have accepted since
            return 0
        joined = [p for p in staff if max(campaign.started_on, p.start_date or campaign.started_on) <= today]
        not_asked = [p.name for p in joined if p.id not in acked and not p.slack_user_id]
        heads, why = self._told_instead_of_head(session, campaign.policy_id, today)
        if not heads:
            if newly:  # said when it happens, not every school day after
                log.warning("nobody to tell about outstanding acknowledgements of %s (no headteacher, policy owner "
                            "or chair of governors)", campaign.policy_id)
            return 0
        heads = [head for head in heads if not head.is_away(today)]
        if not heads:
            return 0  # away (leave, illness): the list waits for their first school day back, as review prompts do
        series = f"ack-head:{campaign.id}"
        previous = last_sent(session, series)
        seq = previous.seq + 1 if previous else 0
        mark_sent(session, series, seq, now, today)
        title = self._policy_title(campaign.policy_id)
        done = sum(1 for p in joined if p.id in acked)
        many = len(outstanding) != 1
        heading = (
            f"{counted(len(outstanding), 'member')} of staff {'have' if many else 'has'} not accepted "
            f"the {title}, version {campaign.version}, after {HEAD_AFTER} or more reminders:"
        )
        tail = f"Accepted so far: {done:,} of {len(joined):,}. Reminders continue weekly until each has accepted."
        queued = 0
        for head in heads:
            # The headteacher is staff too, and may be on their own list: said to them as "you".
            lines = [heading, *[f"• {p.name}{' (you)' if p.id == head.id else ''}" for p in outstanding], tail,
                     *([why] if why else [])]
            recipient = recipient_for(head)
            where = EVERYONE_ON_HOME if recipient.has_buttons else EVERYONE_ON_CLI
            paper = no_slack_lines(not_asked, "it", on_slack=recipient.has_buttons) if not_asked else []
            queued += self.core.outbox.enqueue(
                session,
                OutboundMessage(
                    key=f"{series}:{seq}:{head.id}",
                    recipient=recipient,
                    kind="ack_outstanding",
                    title=f"Not yet accepted: {title} (version {campaign.version})",
                    text="\n".join([*lines, *paper, where]),
                    fields={"Outstanding": f"{len(outstanding):,}", "Accepted": f"{done:,} of {len(joined):,}"},
                    ref=f"ack:{campaign.policy_id}",
                    slot=f"{series}:{head.id}",  # a newer list replaces one not yet delivered
                ),
            )
        return queued

    def _told_instead_of_head(self, session: Session, policy_id: str, today: dt.date) -> tuple[list[Person], str]:
        """Who is sent the lists of who has not accepted a version (and who cannot be asked), and why them ("" for the
        headteacher, who chases staff). With no headteacher recorded (they have left, no successor yet), the policy's
        owner if another role, else the chair of governors (the vice-chair, with no chair), who answer for it: the
        lists went to nobody, so nobody chased those who had not accepted."""
        heads = People.with_role(session, "headteacher", on=today)
        if heads:
            return heads, ""
        because = f"because nobody is recorded as the {ROLE_LABELS['headteacher']}."
        policy = self.core.policies.policies.get(policy_id)
        if policy is not None and policy.owner != "headteacher":
            owners = People.with_role(session, policy.owner, on=today)
            if owners:
                owner = role_label(policy.owner)
                return owners, f"You are receiving this as the {owner}, who owns the policy, {because}"
        governors, governor = governors_on(session, today)
        return governors, f"You are receiving this as {acting_as(governor)} {because}"

    def _tell_headteacher_not_asked(
        self, session: Session, campaign: AckCampaign, not_on_slack: list[StaffMember], now: dt.datetime
    ) -> int:
        """Tell the headteacher, once per person and campaign, who cannot be asked to accept (no Slack id)."""
        told = last_sent_by_prefix(session, f"ack-noslack:{campaign.id}:")
        new = [p for p in not_on_slack if f"ack-noslack:{campaign.id}:{p.id}" not in told]
        if not new:
            return 0
        today = self.quiet.today(now)
        heads, why = self._told_instead_of_head(session, campaign.policy_id, today)
        if not heads:
            log.warning("nobody to tell who cannot be asked to accept %s (no headteacher, policy owner or chair of "
                        "governors)", campaign.policy_id)
            return 0
        heads = [head for head in heads if not head.is_away(today)]
        if not heads:
            return 0  # away: told on their first school day back (nobody is marked as told meanwhile)
        mark_sent_many(session, [(f"ack-noslack:{campaign.id}:{p.id}", 0) for p in new], now, today)
        series = f"ack-noslack:{campaign.id}"
        previous = last_sent(session, series)
        seq = previous.seq + 1 if previous else 0
        mark_sent(session, series, seq, now, today)
        title = self._policy_title(campaign.policy_id)
        queued = 0
        for head in heads:
            recipient = recipient_for(head)
            lines = no_slack_lines(
                [p.name for p in new], f"the {title}, version {campaign.version}", on_slack=recipient.has_buttons
            ) + ([why] if why else [])
            queued += self.core.outbox.enqueue(
                session,
                OutboundMessage(
                    key=f"{series}:{seq}:{head.id}",
                    recipient=recipient,
                    kind="ack_not_asked",
                    title=f"Cannot be asked in Slack: {title} (version {campaign.version})",
                    text="\n".join(lines),
                    fields={"Policy": title, "Version": campaign.version},
                    ref=f"ack:{campaign.policy_id}",
                ),
            )
        return queued


def _count(last: LastSent | None) -> int:
    """Reminders sent in a series, from its last one (numbers run 0, 1, 2...)."""
    return last.seq + 1 if last else 0
