"""A whole school year on a manual clock: every review prompt, acknowledgement reminder, leaver prompt and photo
reminder, with its exact day and local time, across the March and October clock changes, weekends and holidays.

The clock steps through a few moments of each day (before the window, the reminder time, the end of the day,
evening) and the day's events happen at their moments (each followed by a run, as the minute job would). The
first half of the year is also run with a restart in the middle (a new Core on the same database, running the
same minute again): nothing is lost, nothing repeated.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from collections.abc import Callable
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import select

from bot.config import Holiday, PersonEntry, School, Settings
from bot.core import Core
from bot.outbox import DELIVERED, OutboxRow
from bot.people import People
from bot.ports import ManualClock, OutboundMessage
from tests.conftest import make_core, make_settings

LONDON = ZoneInfo("Europe/London")
TICKS = (dt.time(6, 59), dt.time(8, 30), dt.time(15, 30), dt.time(18, 30))
FIRST = dt.date(2026, 11, 25)  # a Wednesday; the policy (adopted April 2022) is years overdue for review
LAST = dt.date(2028, 1, 18)


def local(day: str, at: str) -> dt.datetime:
    return dt.datetime.combine(dt.date.fromisoformat(day), dt.time.fromisoformat(at), tzinfo=LONDON)


class RecordingNotifier:
    """Stands in for Slack and the console: every delivery, in order."""

    def __init__(self, platform: str) -> None:
        self.platform = platform
        self.delivered: list[OutboundMessage] = []

    def deliver(self, message: OutboundMessage) -> None:
        self.delivered.append(message)


Event = Callable[[Core], None]


def person_id(core: Core, name: str) -> int:
    with core.db.session() as session:
        person = People.by_name(session, name)
        assert person is not None
        return person.id


def events() -> dict[dt.datetime, Event]:
    policy = Path(__file__).resolve().parents[2] / "policy_data" / "social-media.yaml"

    def add_kim(core: Core) -> None:
        with core.db.session() as session:
            core.people.upsert(
                session,
                PersonEntry(
                    name="Kim New", roles=["staff"], slack_user_id="U0KIM0001", start_date=dt.date(2027, 3, 22)
                ),
            )

    def ack(name: str) -> Event:
        return lambda core: core.schedule.acks.acknowledge(person_id(core, name), "social-media", "2022.1") and None

    return {
        # The head finally reviews the policy: the weekly overdue prompts stop, next review due 16 Dec 2027.
        local("2026-12-16", "14:00"): lambda core: (
            core.schedule.reviews.mark_reviewed("social-media", reviewer="Alex Head", notes="no changes needed")
            and None
        ),
        local("2027-03-01", "09:00"): add_kim,  # a new starter, starting Monday 22 March
        local("2027-03-02", "09:00"): lambda core: (
            core.people.set_leave_date("Sam Deputy", dt.date(2027, 3, 19)) and None
        ),
        # A campaign starts before the reminder time on Wednesday 10 March (GMT).
        local("2027-03-10", "07:30"): lambda core: core.schedule.acks.publish(policy) and None,
        local("2027-03-10", "12:00"): ack("Dana Lead"),
        local("2027-03-16", "12:00"): ack("Jo Teacher"),
        local("2027-03-23", "12:00"): lambda core: core.schedule.leavers.confirm("Sam Deputy", "Pat Office") and None,
        local("2027-04-13", "12:00"): ack("Pat Office"),
        local("2027-04-27", "12:00"): ack("Kim New"),
        local("2027-05-06", "12:00"): ack("Alex Head"),
        local("2027-10-20", "11:00"): lambda core: core.schedule.photos.record(person_id(core, "Jo Teacher")) and None,
        local("2027-11-02", "09:00"): lambda core: core.schedule.photos.confirm(person_id(core, "Jo Teacher")) and None,
    }


def moments(last: dt.date = LAST) -> list[dt.datetime]:
    ticks = []
    day = FIRST
    while day <= last:
        ticks += [dt.datetime.combine(day, t, tzinfo=LONDON) for t in TICKS]
        day += dt.timedelta(days=1)
    first_run = local("2026-11-25", "10:00")  # the bot is first started mid-morning
    happenings = {t for t in events() if t.date() <= last}
    return sorted({*ticks, *happenings, first_run} - {t for t in ticks if t < first_run})


def school_with_christmas_2027(school: School) -> School:
    holidays = [
        *school.holidays,
        Holiday(name="Christmas holiday", start=dt.date(2027, 12, 20), end=dt.date(2028, 1, 3)),
    ]
    return school.model_copy(update={"holidays": holidays})


def simulate(
    tmp_path: Path, school: School, restart_at: dt.datetime | None = None, last: dt.date = LAST
) -> tuple[Core, list[str]]:
    settings: Settings = make_settings(tmp_path)
    school = school_with_christmas_2027(school)
    clock = ManualClock(local("2026-11-25", "10:00"))
    core = make_core(settings, school, clock)
    notifiers = {"slack": RecordingNotifier("slack"), "console": RecordingNotifier("console")}
    scheduled = events()
    delivered: list[str] = []
    for moment in moments(last):
        clock.set(moment)
        if restart_at is not None and moment == restart_at:
            core.schedule.run_due()  # the old process ran this minute, then died before its next run
            core.db.dispose()
            core = make_core(settings, school, clock)
        if moment in scheduled:
            scheduled[moment](core)
        if sum(core.schedule.run_due().values()) or moment in scheduled:
            core.outbox.dispatch(notifiers)  # type: ignore[arg-type]
    for notifier in notifiers.values():
        delivered += [m.key for m in notifier.delivered]
    return core, delivered


def sent(core: Core) -> dict[str, list[str]]:
    """Messages queued, as 'YYYY-MM-DD HH:MM' local, grouped by kind and recipient name."""
    with core.db.session() as session:
        names = {p.slack_user_id: p.name for p in People.all(session)}
        rows = session.scalars(select(OutboxRow).where(OutboxRow.status != "cancelled").order_by(OutboxRow.id)).all()
        grouped: dict[str, list[str]] = defaultdict(list)
        for row in rows:
            message = core.outbox.message(row)
            when = f"{row.created_at.astimezone(LONDON):%Y-%m-%d %H:%M}"
            grouped[f"{message.kind} {names.get(message.recipient.address, message.recipient.address)}"].append(when)
    return dict(grouped)


def at(time: str, *days: str) -> list[str]:
    return [f"{day} {time}" for day in days]


# Years overdue when the bot first starts (Wednesday 25 November): a prompt then, and weekly from it (Wednesdays)
# until the review is recorded on 16 December, after that morning's prompt.
OVERDUE_2026 = ["2026-11-25 10:00", *at("08:30", "2026-12-02", "2026-12-09", "2026-12-16")]
# Due 16 Dec 2027: 30 days before (Tue), 7 days before (Thu), on the day (Thu); weekly after, but 23 and 30
# December are holidays, so Tuesday 4 January (first school day) carries the missed one, then weekly from it
# (Tuesdays); Tuesday 18 January is the first prompt from four weeks overdue: the Chair of Governors is told too.
DUE_2027 = at("08:30", "2027-11-16", "2027-12-09", "2027-12-16", "2028-01-04", "2028-01-11", "2028-01-18")

# Campaign from Wednesday 10 March: day 0; day 3 is a Saturday -> Monday 15th; day 7 (Wed 17th) is only 2 school
# days after that, so Thu 18th; day 14 Wed 24th (GMT). Clocks go forward on 28 March; Easter holiday 26 Mar-9 Apr.
# The missed reminder goes on the first day back (Mon 12 Apr); Wed 14th would be 2 school days later, so Thu 15th;
# then the weekly Wednesdays resume (BST, still 08:30 local).
CAMPAIGN = at("08:30", "2027-03-10", "2027-03-15", "2027-03-18", "2027-03-24", "2027-04-12", "2027-04-15")

EXPECTED: dict[str, list[str]] = {
    "review_prompt Alex Head": OVERDUE_2026 + DUE_2027,
    "review_prompt Chris Chair": OVERDUE_2026 + at("08:30", "2028-01-18"),
    "ack_reminder Dana Lead": CAMPAIGN[:1],  # accepted at noon on day 0
    "ack_reminder Jo Teacher": CAMPAIGN[:2],
    "ack_reminder Sam Deputy": CAMPAIGN[:3],  # left on Friday 19 March: no more reminders
    "ack_reminder Pat Office": CAMPAIGN[:5],
    "ack_reminder Alex Head": CAMPAIGN + at("08:30", "2027-04-21", "2027-04-28", "2027-05-05"),
    # Kim starts Monday 22 March: day 0, day 3 (Thu), day 7 is in the holiday -> Mon 12 Apr, then Mondays.
    "ack_reminder Kim New": at("08:30", "2027-03-22", "2027-03-25", "2027-04-12", "2027-04-19", "2027-04-26"),
    # After someone's fourth reminder the headteacher gets the outstanding list.
    "ack_outstanding Alex Head": at("08:30", "2027-03-24", "2027-04-19"),
    # Sam's leave date is Friday 19 March, their first day away: the admin is asked on Thursday 18th, their last
    # school day, and each school day until Pat confirms on Tuesday.
    "leaver_passwords Pat Office": at("08:30", "2027-03-18", "2027-03-19", "2027-03-22", "2027-03-23"),
    # Images recorded Wed 20 Oct: end of each school day; half term 25-29 Oct; clocks go back 31 Oct (GMT).
    "photos_reminder Jo Teacher": at("15:30", "2027-10-20", "2027-10-21", "2027-10-22", "2027-11-01"),
    # The last holiday listed is Christmas 2027 (from Monday 20 December): from four weeks before it the admin is
    # asked each week to have the next ones added, and it goes on after it, when every weekday counts as a school day.
    "term_dates Pat Office": at("08:30", "2027-11-22", "2027-11-29", "2027-12-06", "2027-12-13", "2028-01-04",
                                "2028-01-11", "2028-01-18"),
}


def test_a_year_of_reminders_exact_dates(tmp_path: Path, school: School) -> None:
    core, delivered = simulate(tmp_path, school)
    assert sent(core) == EXPECTED
    # Every queued message was delivered, exactly once.
    assert len(delivered) == len(set(delivered)) == sum(len(v) for v in EXPECTED.values())
    with core.db.session() as session:
        statuses = Counter(session.scalars(select(OutboxRow.status)).all())
    assert statuses == {DELIVERED: len(delivered)}
    # 08:30 in London is 08:30 UTC in March before the clocks change and 07:30 UTC after.
    with core.db.session() as session:
        utc_times = {
            f"{row.created_at:%Y-%m-%d %H:%M}"
            for row in session.scalars(select(OutboxRow).where(OutboxRow.kind == "ack_reminder")).all()
        }
    assert {"2027-03-24 08:30", "2027-04-15 07:30"} <= utc_times
    # The headteacher's lists name exactly who has had four or more reminders and not accepted.
    with core.db.session() as session:
        lists = [
            core.outbox.message(row).text
            for row in session.scalars(
                select(OutboxRow).where(OutboxRow.kind == "ack_outstanding").order_by(OutboxRow.id)
            )
        ]
    assert [[line[2:] for line in text.splitlines() if line.startswith("• ")] for text in lists] == [
        ["Alex Head (you)", "Pat Office"],  # the list goes to Alex, the headteacher
        ["Alex Head (you)", "Kim New"],
    ]
    assert all("Home tab in Slack" in text and "policybot" not in text for text in lists)  # the head is on Slack
    # Nothing at a weekend or in a holiday, nothing outside 07:00-18:00.
    term = school_with_christmas_2027(school)
    for when in (w for days in EXPECTED.values() for w in days):
        moment = dt.datetime.fromisoformat(when)
        assert term.is_school_day(moment.date()) and dt.time(7) <= moment.time() < dt.time(18), when
    core.db.dispose()


def test_restart_mid_year_loses_and_repeats_nothing(tmp_path: Path, school: School) -> None:
    # Restart on the morning of the campaign's fourth reminder (a headteacher list is due the same minute);
    # the simulation runs to mid-May, past the end of the campaign, to keep the suite fast.
    last = dt.date(2027, 5, 10)
    core, delivered = simulate(tmp_path, school, restart_at=local("2027-03-24", "08:30"), last=last)
    expected = {
        kind: kept
        for kind, days in EXPECTED.items()
        if (kept := [d for d in days if dt.date.fromisoformat(d[:10]) <= last])
    }
    assert sent(core) == expected
    assert len(delivered) == len(set(delivered)) == sum(len(v) for v in expected.values())
    core.db.dispose()
