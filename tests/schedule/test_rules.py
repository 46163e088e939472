"""The scheduled rules one at a time: reviews, publishing and acknowledging versions, photos and leavers."""

from __future__ import annotations

import datetime as dt
import functools
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import yaml
from sqlalchemy import select, update

from bot.config import REPO_ROOT, Holiday, PersonEntry, School
from bot.core import Core
from bot.outbox import CANCELLED, OutboxRow
from bot.people import People
from bot.ports import ManualClock, OutboundMessage
from bot.schedule.common import ScheduleError
from bot.schedule.models import AckCampaign, PhotoRecord
from bot.schedule.quiet import ROUTINE_KINDS
from bot.wording import long_date
from tests.conftest import core_with
from tests.reports.conftest import RecordingNotifier

POLICY = REPO_ROOT / "policy_data" / "social-media.yaml"
LONDON = ZoneInfo("Europe/London")


def pid(core: Core, name: str) -> int:
    with core.db.session() as session:
        person = People.by_name(session, name)
        assert person is not None
        return person.id


def run_each_morning(core: Core, clock: ManualClock, first: dt.date, last: dt.date) -> None:
    """Run the schedule at 08:30 London time (the school's reminder time) each day from `first` to `last`."""
    day = first
    while day <= last:
        clock.set(dt.datetime.combine(day, dt.time(8, 30), tzinfo=LONDON))
        core.schedule.run_due()
        day += dt.timedelta(days=1)


def queued(core: Core, kind: str | None = None) -> list[OutboundMessage]:
    with core.db.session() as session:
        rows = session.scalars(select(OutboxRow).where(OutboxRow.status != CANCELLED).order_by(OutboxRow.id)).all()
        messages = [core.outbox.message(r) for r in rows]
    return [m for m in messages if kind is None or m.kind == kind]


@functools.cache
def _policy_data() -> str:
    return POLICY.read_text(encoding="utf-8")


# libyaml's loader and dumper when present: the policy file holds thousands of example questions.
_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_Dumper = getattr(yaml, "CSafeDumper", yaml.SafeDumper)


def new_version(tmp_path: Path, version: str, change: dict[str, str] | None = None) -> Path:
    """A copy of the policy file with another version number and, optionally, some clause texts changed."""
    data = yaml.load(_policy_data(), Loader=_Loader)  # noqa: S506 - a safe loader
    data["version"] = version
    for section in data["sections"]:
        for clause in section["clauses"]:
            if change and clause["id"] in change:
                clause["text"] = change[clause["id"]]
    path = tmp_path / f"social-media-{version}.yaml"
    path.write_text(yaml.dump(data, Dumper=_Dumper, allow_unicode=True), encoding="utf-8")
    return path


# --- reviews ---
def test_overdue_policy_is_flagged_and_prompt_lists_what_to_do(core: Core) -> None:
    [status] = core.schedule.reviews.status()
    assert status.overdue and status.next_due == dt.date(2023, 4, 1) and status.version == "2022.1"
    [warning] = core.schedule.reviews.overdue_warnings()
    assert "Social Media Policy" in warning and "policybot policy reviewed social-media" in warning
    assert "due Saturday 1 April 2023, 1,334 days ago." in warning
    core.schedule.run_due()
    prompts = queued(core, "review_prompt")
    assert [m.recipient.address for m in prompts] == ["U0HEAD0001", "U0CHAIR001"]
    assert "Health and Safety policies" in prompts[0].text
    assert [b.action for b in prompts[0].buttons] == ["review.done", "review.nochange"]
    # The same words as the App Home's buttons; and "1 day", never "1 days".
    assert [b.label for b in prompts[0].buttons] == ["Reviewed and updated", "Reviewed: no changes needed"]
    assert all(b.value == "social-media" for b in prompts[0].buttons)
    assert "press one of the buttons below" in prompts[0].text and "policybot" not in prompts[0].text


def test_a_headteacher_without_slack_is_given_the_command_instead_of_buttons(core: Core) -> None:
    from bot.people import Person

    with core.db.session() as session:
        session.execute(update(Person).where(Person.name == "Alex Head").values(slack_user_id=None))
    core.schedule.run_due()
    [prompt] = [m for m in queued(core, "review_prompt") if m.recipient.platform == "console"]
    assert "run `policybot policy reviewed social-media --by NAME" in prompt.text and "button" not in prompt.text


def test_marking_reviewed_stops_prompts_and_sets_next_due(core: Core, clock: ManualClock) -> None:
    core.schedule.run_due()
    status = core.schedule.reviews.mark_reviewed("social-media", reviewer="Alex Head", notes="fine")
    assert not status.overdue and status.next_due == dt.date(2027, 11, 25) and status.version == "2022.1"
    assert core.schedule.reviews.overdue_warnings() == []
    assert queued(core, "review_prompt") == []  # the undelivered prompts were withdrawn
    status = core.schedule.reviews.mark_reviewed("social-media", reviewer="Alex Head", new_version="2026.1")
    assert status.version == "2026.1"
    clock.advance(days=7)
    assert core.schedule.run_due()["reviews"] == 0


def test_no_changes_pressed_twice_is_one_review(core: Core) -> None:
    from bot.schedule.models import PolicyReview

    for _ in range(2):
        core.schedule.reviews.mark_reviewed("social-media", reviewer="Alex Head", notes="no changes needed")
    # The chair, asked too, records the same review from their own card, "updating" it to the version it is.
    core.schedule.reviews.mark_reviewed(
        "social-media", reviewer="Chris Chair", new_version="2022.1", notes="Approved by governors, minute 12/26"
    )
    with core.db.session() as session:
        [review] = session.query(PolicyReview).all()
        assert review.reviewer == "Alex Head; Chris Chair"  # one review, and nobody's name or minute lost
        assert review.notes == "no changes needed\nApproved by governors, minute 12/26"
    core.schedule.reviews.mark_reviewed("social-media", reviewer="Chris Chair", new_version="2026.1")
    core.schedule.reviews.mark_reviewed("social-media", reviewer="Alex Head", new_version="2026.1")
    with core.db.session() as session:
        assert session.query(PolicyReview).count() == 2


def test_overdue_review_prompts_are_a_week_after_the_last_one(core: Core, clock: ManualClock) -> None:
    """Found years overdue on a Wednesday: the next prompt is the next Wednesday, not the Monday (the due date,
    1 April 2023, was a Saturday)."""
    from bot.schedule.reviews import prompt_due

    days = []
    for offset in range(15):
        clock.set(dt.datetime(2026, 11, 25, 10, 0, tzinfo=dt.UTC) + dt.timedelta(days=offset))
        if core.schedule.run_due()["reviews"]:
            days.append(f"{clock.now():%a %d}")
    assert days == ["Wed 25", "Wed 02", "Wed 09"]
    due = dt.date(2027, 12, 16)
    thirty_before = dt.date(2027, 11, 16)
    assert prompt_due(due, thirty_before, None) and not prompt_due(due, dt.date(2027, 11, 17), thirty_before)
    assert prompt_due(due, due, dt.date(2027, 12, 9))  # the due day follows the 7-days-before prompt
    assert not prompt_due(due, dt.date(2028, 1, 6), dt.date(2028, 1, 4))  # back from a holiday: a week from it
    assert prompt_due(due, dt.date(2028, 1, 11), dt.date(2028, 1, 4))


def test_a_review_due_in_the_summer_holiday_reaches_the_chair_four_weeks_into_term(
    core: Core, clock: ManualClock
) -> None:
    """Reviewed on Wednesday 5 August 2026, due Thursday 5 August 2027, in the summer holiday (22 July-1 September).
    The head first hears it is overdue on the first day back, Thursday 2 September; the chair was told the same
    morning (28 days after the due date), before the head had any chance to do it. Now four weeks into term."""
    clock.set(dt.datetime(2026, 8, 5, 10, 0, tzinfo=LONDON))
    core.schedule.reviews.mark_reviewed("social-media", reviewer="Alex Head")
    run_each_morning(core, clock, dt.date(2027, 8, 30), dt.date(2027, 10, 8))
    with core.db.session() as session:
        rows = session.scalars(select(OutboxRow).where(OutboxRow.kind == "review_prompt").order_by(OutboxRow.id))
        sent = [(core.outbox.message(row).recipient.address, row.created_at.astimezone(LONDON)) for row in rows]
    head = [f"{when:%a %d %b}" for who, when in sent if who == "U0HEAD0001"]
    chair = [f"{when:%a %d %b}" for who, when in sent if who == "U0CHAIR001"]
    assert head == ["Thu 02 Sep", "Thu 09 Sep", "Thu 16 Sep", "Thu 23 Sep", "Thu 30 Sep", "Thu 07 Oct"]
    assert chair == ["Thu 30 Sep", "Thu 07 Oct"]
    assert "because the review is four weeks or more overdue. The Headteacher, Alex Head, owns the policy and is " \
        "sent this prompt too; they were reminded 5 times before, since it was due." \
        in queued(core, "review_prompt")[-1].text


def test_the_chair_is_not_told_the_head_was_reminded_each_week_when_this_is_the_heads_first_prompt(
    core: Core, clock: ManualClock
) -> None:
    """The bot is first started with the policy years overdue: the head and the chair are prompted the same morning.
    The chair was told the head 'has been reminded each week since it was due', which nobody had done."""
    core.schedule.run_due()
    head, chair = queued(core, "review_prompt")
    assert (head.recipient.address, chair.recipient.address) == ("U0HEAD0001", "U0CHAIR001")
    assert "The Headteacher, Alex Head, owns the policy and is sent this prompt too, the first since it was due." \
        in chair.text
    assert "each week since" not in chair.text
    clock.advance(days=7)
    core.schedule.run_due()
    assert "is sent this prompt too; they were reminded once before, since it was due." \
        in queued(core, "review_prompt")[-1].text


@pytest.mark.parametrize(
    ("reviewed", "expected"),
    [
        # Due Thursday 5 August, in the summer holiday (22 July-1 September): 7 days before is in it, so the head is
        # told on the last day of term, not first "28 days overdue" on the first day back.
        ("2026-08-05", ["Tue 06 Jul: in 30 days", "Wed 21 Jul: in 15 days", "Thu 02 Sep: 28 days overdue",
                        "Thu 09 Sep: 35 days overdue"]),
        # Due Friday 10 September: 30 days before is in the holiday. It went on the first day back ("in 8 days"),
        # and the 7-days-before prompt the next morning.
        ("2026-09-10", ["Wed 21 Jul: in 51 days", "Fri 03 Sep: in 7 days", "Fri 10 Sep: today"]),
    ],
)
def test_prompts_before_a_review_due_around_the_summer_holiday_go_before_it(
    core: Core, clock: ManualClock, reviewed: str, expected: list[str]
) -> None:
    import re

    clock.set(dt.datetime.combine(dt.date.fromisoformat(reviewed), dt.time(10), tzinfo=LONDON))
    core.schedule.reviews.mark_reviewed("social-media", reviewer="Alex Head")
    run_each_morning(core, clock, dt.date(2027, 7, 1), dt.date(2027, 9, 10))
    with core.db.session() as session:
        rows = session.scalars(select(OutboxRow).where(OutboxRow.kind == "review_prompt").order_by(OutboxRow.id))
        sent = [(row.created_at.astimezone(LONDON), core.outbox.message(row).text) for row in rows]
    said = [re.search(r"in \d+ days|today|\d+ days overdue", text) for _, text in sent]
    assert [f"{when:%a %d %b}: {m.group() if m else ''}" for (when, _), m in zip(sent, said, strict=True)] == expected


def test_a_head_away_is_prompted_to_review_on_their_first_day_back(core: Core, clock: ManualClock) -> None:
    """Due Thursday 5 August 2027: the 30-days-before prompt (Tuesday 6 July) found the head away until Friday 9 July,
    and was the only prompt before the summer holiday. It now waits for Monday 12 July, their first day back."""
    clock.set(dt.datetime(2026, 8, 5, 10, 0, tzinfo=LONDON))
    core.schedule.reviews.mark_reviewed("social-media", reviewer="Alex Head")
    core.people.set_away("Alex Head", dt.date(2027, 7, 9))
    run_each_morning(core, clock, dt.date(2027, 7, 1), dt.date(2027, 7, 21))
    with core.db.session() as session:
        rows = session.scalars(select(OutboxRow).where(OutboxRow.kind == "review_prompt"))
        sent = [f"{row.created_at.astimezone(LONDON):%a %d %b}" for row in rows]
    assert sent == ["Mon 12 Jul", "Wed 21 Jul"]  # (then the 7-days-before prompt, on the last day of term)
    prompt = queued(core, "review_prompt")[0]
    assert "is due for its annual review on Thursday 5 August 2027, in 24 days." in prompt.text


def test_the_chair_recording_the_heads_new_version_joins_the_heads_review(core: Core, clock: ManualClock) -> None:
    """The head records "reviewed and updated" to 2027.1; the chair, co-signing, records 2027.1 too (the same day,
    or at the governors' meeting weeks later): one review with both names and notes, not a second one marked "no
    changes needed" that also moves the next due date."""
    from bot.schedule.models import PolicyReview

    reviews = core.schedule.reviews
    reviews.mark_reviewed("social-media", reviewer="Alex Head", new_version="2027.1", notes="rewrote section 3")
    status = reviews.mark_reviewed("social-media", reviewer="Chris Chair", new_version="2027.1", notes="agreed at FGB")
    assert status.new_version == "2027.1" and status.next_due == dt.date(2027, 11, 25)
    clock.advance(days=20)
    reviews.mark_reviewed("social-media", reviewer="Dana Lead", new_version="2027.1", notes="minute 4/26")
    with core.db.session() as session:
        [review] = session.query(PolicyReview).all()
        assert (review.reviewer, review.new_version, review.no_changes) == (
            "Alex Head; Chris Chair; Dana Lead", "2027.1", False
        )
        assert review.notes == "rewrote section 3\nagreed at FGB\nminute 4/26"
    clock.set(dt.datetime(2027, 11, 1, 10, tzinfo=dt.UTC))  # the next review's prompts have begun
    status = reviews.mark_reviewed("social-media", reviewer="Alex Head", new_version="2027.1")
    assert status.new_version is None and status.next_due == dt.date(2028, 11, 1)  # a new review: no changes
    with core.db.session() as session:
        assert [r.no_changes for r in session.query(PolicyReview).order_by(PolicyReview.id)] == [False, True]


def test_a_review_done_early_late_in_the_cycle_is_a_new_review(core: Core, clock: ManualClock) -> None:
    """Reviewed on 5 August 2026, due 5 August 2027; the head reviews it early, at the governors' meeting on Monday
    28 June 2027. It was said to be 'Already recorded ... on Wednesday 5 August 2026; nothing more to do', the due
    date stayed in August and the prompts came in July all the same."""
    from bot.schedule.models import PolicyReview

    reviews = core.schedule.reviews
    clock.set(dt.datetime(2026, 8, 5, 10, 0, tzinfo=LONDON))
    reviews.mark_reviewed("social-media", reviewer="Alex Head")
    clock.set(dt.datetime(2027, 6, 28, 18, 0, tzinfo=LONDON))
    status = reviews.mark_reviewed("social-media", reviewer="Alex Head")
    assert status.already_on is None and status.joined is None
    assert status.next_due == dt.date(2028, 6, 28)
    with core.db.session() as session:
        assert session.query(PolicyReview).count() == 2


@pytest.mark.parametrize("head_version", ["2027.1", None])
def test_the_chair_saying_no_changes_later_joins_the_heads_review(
    core: Core, clock: ManualClock, head_version: str | None
) -> None:
    """The head records the review (a new version, or no changes) on 23 November; the chair presses "no changes
    needed" on their card on 3 December: one review with both names and notes, the next due date unmoved."""
    from bot.schedule.models import PolicyReview

    reviews = core.schedule.reviews
    clock.set(dt.datetime(2026, 11, 23, 10, 0, tzinfo=LONDON))
    reviews.mark_reviewed("social-media", reviewer="Alex Head", new_version=head_version, notes="rewrote s3",
                          by_person_id=pid(core, "Alex Head"))
    clock.set(dt.datetime(2026, 12, 3, 18, 30, tzinfo=LONDON))
    status = reviews.mark_reviewed("social-media", reviewer="Chris Chair", notes="no changes needed",
                                   by_person_id=pid(core, "Chris Chair"))
    assert status.next_due == dt.date(2027, 11, 23) and status.new_version == head_version
    assert status.joined == "Alex Head recorded on Monday 23 November 2026"
    assert status.state.endswith("This was added to the review Alex Head recorded on Monday 23 November 2026: one "
                                 "review, with both names")
    with core.db.session() as session:
        [review] = session.query(PolicyReview).all()
        assert (review.reviewer, review.new_version) == ("Alex Head; Chris Chair", head_version)
        assert review.notes == "rewrote s3\nno changes needed"


def test_a_prompt_one_day_overdue_says_1_day(core: Core, clock: ManualClock) -> None:
    core.schedule.reviews.mark_reviewed("social-media", reviewer="Alex Head")  # next due Thursday 25 November 2027
    clock.set(dt.datetime(2027, 11, 26, 8, 30, tzinfo=dt.UTC))
    core.schedule.run_due()
    assert "and is now 1 day overdue." in queued(core, "review_prompt")[-1].text
    assert core.schedule.reviews.status()[0].state.startswith("OVERDUE by 1 day (")


def test_review_of_unknown_policy_or_without_reviewer_is_refused(core: Core) -> None:
    with pytest.raises(ScheduleError, match="no policy 'nope'"):
        core.schedule.reviews.mark_reviewed("nope", reviewer="Alex Head")
    with pytest.raises(ScheduleError, match="who reviewed"):
        core.schedule.reviews.mark_reviewed("social-media", reviewer=" ")


def test_a_new_version_longer_than_the_database_holds_is_refused_in_plain_words(any_core: Core) -> None:
    with pytest.raises(ScheduleError, match="that version is too long: .* at most 40 characters"):
        any_core.schedule.reviews.mark_reviewed(
            "social-media", reviewer="Alex Head", new_version="2026.1 - revised after the governors' spring meeting"
        )
    assert any_core.schedule.reviews.mark_reviewed("social-media", reviewer="Alex Head", new_version="2" * 40)


def test_review_prompt_lists_knowledge_gaps(core: Core, monkeypatch: pytest.MonkeyPatch) -> None:
    import bot.qa.gaps as gaps  # the lead's module

    monkeypatch.setattr(gaps, "gaps_since", lambda _core, _since: ["can I use tiktok live in class"])
    core.schedule.run_due()
    assert "can I use tiktok live in class" in queued(core, "review_prompt")[0].text


# --- acknowledgements ---
def test_unchanged_clauses_need_no_new_acknowledgement(core: Core, tmp_path: Path, clock: ManualClock) -> None:
    first = core.schedule.acks.publish(POLICY)
    assert first.campaign_started and first.staff_count == 5
    assert core.schedule.acks.acknowledge(pid(core, "Jo Teacher"), "social-media", "2022.1") is True
    assert core.schedule.acks.acknowledge(pid(core, "Jo Teacher"), "social-media", "2022.1") is False
    clock.advance(days=1)
    same = core.schedule.acks.publish(new_version(tmp_path, "2022.2"))
    assert not same.campaign_started and "need not acknowledge" in same.message
    [jo] = [s for s in core.schedule.acks.status_for(pid(core, "Jo Teacher")) if s.policy_id == "social-media"]
    assert jo.version == "2022.1" and jo.acknowledged_at is not None
    again = core.schedule.acks.publish(new_version(tmp_path, "2022.2"))
    assert not again.campaign_started and "already published" in again.message


def test_changed_clauses_start_a_campaign_whose_reminder_shows_the_change(
    core: Core, tmp_path: Path, clock: ManualClock
) -> None:
    core.schedule.acks.publish(POLICY)
    jo = pid(core, "Jo Teacher")
    core.schedule.acks.acknowledge(jo, "social-media", "2022.1")
    core.schedule.run_due()
    clock.advance(days=1)
    changed = "Staff must not use personal phones to photograph pupils."
    result = core.schedule.acks.publish(new_version(tmp_path, "2026.1", {"leavers-passwords": changed}))
    assert result.campaign_started and len(result.changes) == 1 and changed in result.changes[0]
    assert queued(core, "ack_reminder") == []  # last campaign's undelivered reminders are withdrawn
    core.schedule.run_due()
    reminders = queued(core, "ack_reminder")
    assert len(reminders) == 5  # Jo accepted the old text: she must accept the new one too
    text = next(m for m in reminders if m.recipient.address == "U0STAFF001").text
    assert "What changed since version 2022.1" in text and changed in text
    assert "To read it, open my Home tab: every section is there, word for word." in text  # where to read it
    assert reminders[0].buttons[0].value == "social-media:2026.1"
    with pytest.raises(ScheduleError, match=r"replaced by version 2026\.1\. .* it is on the App Home\.$"):
        core.schedule.acks.acknowledge(jo, "social-media", "2022.1")
    assert core.schedule.acks.acknowledge(jo, "social-media", "2026.1")
    rows = {r.name: r for r in core.schedule.acks.compliance("social-media")}
    assert rows["Jo Teacher"].acknowledged_at is not None and rows["Jo Teacher"].reminders_sent == 1
    assert rows["Alex Head"].acknowledged_at is None and rows["Alex Head"].version == "2026.1"
    assert "Chris Chair" not in rows  # not staff


def test_an_older_version_is_refused_and_staff_are_not_asked_to_accept_it(
    core: Core, tmp_path: Path, clock: ManualClock
) -> None:
    acks = core.schedule.acks
    acks.publish(POLICY)  # 2022.1
    clock.advance(days=1)
    assert acks.publish(new_version(tmp_path, "2026.1", {"leavers-passwords": "Changed."})).campaign_started
    on = long_date(clock.now().date())
    clock.advance(days=1)
    with pytest.raises(ScheduleError) as refused:
        acks.publish(new_version(tmp_path, "2021.1", {"leavers-passwords": "Old."}))
    assert str(refused.value) == (
        f"Version 2021.1 of the Social Media Policy is older than version 2026.1, which was published on {on}. "
        "Nothing was published. Check you have the newest policy file."
    )
    with pytest.raises(ScheduleError, match=r"^Version 2022\.1 .* was published on .*, before version 2026\.1 "):
        acks.publish(POLICY)  # published before, now replaced: its text is not asked for again
    with pytest.raises(ScheduleError, match="older than version 2026.1"):
        acks.publish(new_version(tmp_path, "2026.0.9", {"leavers-passwords": "Old."}))
    current = new_version(tmp_path, "2026.1", {"leavers-passwords": "Changed."})
    assert "already published" in acks.publish(current).message  # the current one: as before
    newer = new_version(tmp_path, "2026.10", {"leavers-passwords": "Newer."})  # after 2026.1, as numbers
    assert acks.publish(newer).campaign_started
    with core.db.session() as session:
        assert session.scalars(select(AckCampaign.version).order_by(AckCampaign.id)).all() == [
            "2022.1", "2026.1", "2026.10"
        ]


def test_versions_that_are_not_numbers_are_refused_only_when_published_before(core: Core, tmp_path: Path) -> None:
    acks = core.schedule.acks
    assert acks.publish(new_version(tmp_path, "Spring 2026", {"leavers-passwords": "Spring."})).campaign_started
    assert acks.publish(new_version(tmp_path, "Autumn 2025", {"leavers-passwords": "Autumn."})).campaign_started
    with pytest.raises(ScheduleError, match="before version Autumn 2025"):
        acks.publish(new_version(tmp_path, "Spring 2026", {"leavers-passwords": "Spring."}))


def add_staff(core: Core, name: str, slack_user_id: str | None = None, start: dt.date | None = None) -> int:
    from bot.config import PersonEntry

    with core.db.session() as session:
        core.people.upsert(
            session, PersonEntry(name=name, roles=["staff"], slack_user_id=slack_user_id, start_date=start)
        )
    return pid(core, name)


def test_staff_without_slack_are_not_reminded_into_the_void_and_the_head_is_told_once(
    core: Core, clock: ManualClock
) -> None:
    """A reminder to someone with no Slack id reaches nobody (and has no button they could press): none is sent,
    nothing counts as a reminder, and the headteacher is told plainly how their acceptance gets recorded."""
    add_staff(core, "Terry Assistant")
    result = core.schedule.acks.publish(POLICY)
    assert result.staff_count == 5 and result.not_asked == ["Terry Assistant"]
    assert "5 members of staff will be asked" in result.message
    assert "Terry Assistant has no Slack account known to the bot" in result.message
    assert "`policybot acks record NAME --by YOUR NAME`" in result.message
    for _ in range(30):  # six weeks of school days
        core.schedule.run_due()
        clock.advance(days=1)
    assert [m for m in queued(core) if m.recipient.platform == "console"] == []
    [told] = queued(core, "ack_not_asked")
    assert told.recipient.address == "U0HEAD0001"
    assert told.text.startswith("Terry Assistant has no Slack account known to the bot, so the bot cannot ask them")
    assert "whoever runs the bot records it (`policybot acks record`)" in told.text
    outstanding = queued(core, "ack_outstanding")[0].text
    assert "• Terry Assistant" not in outstanding  # not among those who ignored four reminders
    assert "Terry Assistant has no Slack account known to the bot" in outstanding
    rows = {r.name: r for r in core.schedule.acks.compliance()}
    assert rows["Terry Assistant"].reminders_sent == 0 and not rows["Terry Assistant"].on_slack
    assert rows["Jo Teacher"].reminders_sent >= 4 and rows["Jo Teacher"].on_slack


def test_a_new_version_withdraws_everything_still_queued_about_the_old_one(
    core: Core, clock: ManualClock, tmp_path: Path
) -> None:
    """Held back (Slack down), the head's lists about the old version would arrive after the new one is published."""
    add_staff(core, "Terry Assistant")
    core.schedule.acks.publish(POLICY)
    for _ in range(30):  # six weeks, nothing delivered
        core.schedule.run_due()
        clock.advance(days=1)
    assert queued(core, "ack_not_asked") and queued(core, "ack_outstanding")
    core.schedule.acks.publish(new_version(tmp_path, "2026.1", {"leavers-passwords": "Changed."}))
    assert [m.kind for m in queued(core) if m.kind.startswith("ack")] == []


def test_leaving_or_not_leaving_withdraws_what_is_queued_and_no_longer_true(core: Core, clock: ManualClock) -> None:
    leavers = core.schedule.leavers
    core.schedule.acks.publish(POLICY)
    core.schedule.run_due()
    assert [m.recipient.address for m in queued(core, "ack_reminder")].count("U0STAFF001") == 1
    leavers.set_leave_date("Jo Teacher", dt.date(2026, 12, 11))  # still here: still asked to accept it
    assert [m.recipient.address for m in queued(core, "ack_reminder")].count("U0STAFF001") == 1
    leavers.set_leave_date("Jo Teacher", dt.date(2026, 11, 25))  # today: gone, so not reminded
    assert "U0STAFF001" not in [m.recipient.address for m in queued(core, "ack_reminder")]
    core.schedule.run_due()
    assert len(queued(core, "leaver_passwords")) == 1
    leavers.set_leave_date("Jo Teacher", dt.date(2026, 11, 25))  # the same date again: the prompt stands
    assert len(queued(core, "leaver_passwords")) == 1
    person = leavers.set_leave_date("jo teacher", None)  # not leaving after all
    assert person.leave_date is None and queued(core, "leaver_passwords") == []


def reminder_days(core: Core, clock: ManualClock, first: dt.date, last: dt.date, address: str) -> list[str]:
    """Run the schedule each morning from `first` to `last`; the days `address` was reminded, as 'Mon 30 Nov'."""
    run_each_morning(core, clock, first, last)
    with core.db.session() as session:
        rows = session.scalars(select(OutboxRow).where(OutboxRow.kind == "ack_reminder").order_by(OutboxRow.id))
        return [
            f"{row.created_at:%a} {row.created_at.day} {row.created_at:%b}"
            for row in rows
            if core.outbox.message(row).recipient.address == address
        ]


def test_a_campaign_published_at_a_weekend_does_not_remind_on_consecutive_days(
    core: Core, clock: ManualClock
) -> None:
    clock.set(dt.datetime(2026, 11, 28, 10, 0, tzinfo=dt.UTC))  # Saturday
    core.schedule.acks.publish(POLICY)
    # Counted from Monday's first reminder: day 3 Thursday; day 7 (Monday) is only 2 school days after Thursday.
    days = reminder_days(core, clock, dt.date(2026, 11, 28), dt.date(2026, 12, 18), "U0STAFF001")
    assert days == ["Mon 30 Nov", "Thu 3 Dec", "Tue 8 Dec", "Mon 14 Dec"]


def test_someone_added_to_an_open_campaign_is_reminded_from_their_own_first_reminder(
    core: Core, clock: ManualClock
) -> None:
    """Kim (no start date) joins twenty days into a campaign: her reminders are spaced from her first one, and the
    headteacher hears of her after her fourth, not four school days after she was added."""
    core.schedule.acks.publish(POLICY)
    for name in ("Alex Head", "Dana Lead", "Jo Teacher", "Pat Office", "Sam Deputy"):
        core.schedule.acks.acknowledge(pid(core, name), "social-media", "2022.1")
    clock.set(dt.datetime(2026, 12, 15, 8, 0, tzinfo=dt.UTC))
    add_staff(core, "Kim New", "U0KIM0001")
    days = reminder_days(core, clock, dt.date(2026, 12, 15), dt.date(2027, 1, 13), "U0KIM0001")
    # Christmas holiday 21 Dec-1 Jan: the first day back is two weeks after the last reminder, so no bunching.
    assert days == ["Tue 15 Dec", "Fri 18 Dec", "Mon 4 Jan", "Thu 7 Jan", "Tue 12 Jan"]
    [told] = queued(core, "ack_outstanding")
    with core.db.session() as session:
        row = session.scalars(select(OutboxRow).where(OutboxRow.kind == "ack_outstanding")).one()
        assert row.created_at.date() == dt.date(2027, 1, 7)
    assert "• Kim New" in told.text


def test_staff_on_long_leave_are_not_reminded_until_they_are_back(core: Core, clock: ManualClock) -> None:
    """Jo goes on leave after her first reminder, until Friday 11 December: no reminders meanwhile (each one said
    'reminder 5, 6...' to someone on maternity leave), then one on her first school day back, and on from it."""
    core.schedule.acks.publish(POLICY)
    core.schedule.run_due()  # Wednesday 25 November: everyone's first reminder
    core.people.set_away("Jo Teacher", dt.date(2026, 12, 11))
    days = reminder_days(core, clock, dt.date(2026, 11, 26), dt.date(2026, 12, 18), "U0STAFF001")
    assert days == ["Wed 25 Nov", "Mon 14 Dec", "Thu 17 Dec"]
    jo = [m.text for m in queued(core, "ack_reminder") if m.recipient.address == "U0STAFF001"]
    assert "This is reminder 2;" in jo[1]
    # Everyone else is reminded as before.
    sam = reminder_days(core, clock, dt.date(2026, 12, 19), dt.date(2026, 12, 18), "U0DSL00002")
    assert sam == ["Wed 25 Nov", "Mon 30 Nov", "Thu 3 Dec", "Wed 9 Dec", "Wed 16 Dec"]


def test_a_headteacher_away_gets_the_lists_of_who_has_not_accepted_on_their_first_day_back(
    core: Core, clock: ManualClock
) -> None:
    """Alex is away until Friday 11 December. Staff had their fourth reminder on Wednesday 9 December, and Terry (no
    Slack) could not be asked from the start: both lists went to Alex while away, and never again. They now wait for
    Monday 14 December."""
    add_staff(core, "Terry Assistant")
    core.people.set_away("Alex Head", dt.date(2026, 12, 11))
    core.schedule.acks.publish(POLICY)
    reminder_days(core, clock, dt.date(2026, 11, 25), dt.date(2026, 12, 18), "U0STAFF001")
    with core.db.session() as session:
        rows = session.scalars(select(OutboxRow).where(OutboxRow.kind.in_(("ack_outstanding", "ack_not_asked"))))
        sent = sorted(f"{row.kind} {row.created_at:%a} {row.created_at.day} {row.created_at:%b}" for row in rows)
    assert sent == ["ack_not_asked Mon 14 Dec", "ack_outstanding Mon 14 Dec"]
    [told] = queued(core, "ack_outstanding")
    assert told.recipient.address == "U0HEAD0001"
    assert "• Jo Teacher" in told.text and "• Terry Assistant" not in told.text
    assert "Terry Assistant has no Slack account known to the bot" in queued(core, "ack_not_asked")[0].text


def test_with_no_headteacher_the_lists_of_who_has_not_accepted_go_to_the_chair_saying_why(
    core: Core, clock: ManualClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Alex has left and no new head is recorded: the lists of who has not accepted (after four reminders) and of who
    cannot be asked (no Slack) went to nobody, a warning in the log only, so nobody chased them. They go to the
    policy's owner (when that is not the head), else to the chair of governors, each told why it came to them."""
    add_staff(core, "Terry Assistant")
    core.people.set_leave_date("Alex Head", dt.date(2026, 11, 25))
    core.schedule.acks.publish(POLICY)
    reminder_days(core, clock, dt.date(2026, 11, 25), dt.date(2026, 12, 9), "U0STAFF001")  # 9 Dec: the fourth
    [told] = queued(core, "ack_outstanding")
    [not_asked] = queued(core, "ack_not_asked")
    assert told.recipient.address == not_asked.recipient.address == "U0CHAIR001"
    why = "You are receiving this as Chair of Governors because nobody is recorded as the Headteacher."
    assert "• Jo Teacher" in told.text and why in told.text
    assert "Terry Assistant has no Slack account known to the bot" in not_asked.text and why in not_asked.text
    # A policy owned by another role (the DSL, say): its owners hear first, as the ones who chase it.
    policies = core.policies.policies
    monkeypatch.setitem(policies, "social-media", policies["social-media"].model_copy(update={"owner": "dsl"}))
    add_staff(core, "Kim New", "U0KIM0001")
    reminder_days(core, clock, dt.date(2026, 12, 10), dt.date(2027, 1, 13), "U0KIM0001")
    lists = [m for m in queued(core) if m.kind in ("ack_outstanding", "ack_not_asked")][2:]
    assert [(m.kind, m.recipient.address) for m in lists] == [("ack_outstanding", "U0DSL00001")]
    assert "• Kim New" in lists[0].text
    assert ("You are receiving this as the Designated Safeguarding Lead, who owns the policy, because nobody is "
            "recorded as the Headteacher.") in lists[0].text


def test_reminders_are_counted_from_the_first_and_kept_apart() -> None:
    from bot.schedule.acks import reminder_due

    def school_days(n: int) -> Callable[[dt.date], int]:
        return lambda _day: n

    monday = dt.date(2026, 11, 30)
    assert not reminder_due(monday, monday, monday + dt.timedelta(days=2), school_days(2))
    assert reminder_due(monday, monday, monday + dt.timedelta(days=3), school_days(3))
    thursday = monday + dt.timedelta(days=3)
    assert not reminder_due(monday, thursday, monday + dt.timedelta(days=7), school_days(2))  # too close
    assert reminder_due(monday, thursday, monday + dt.timedelta(days=8), school_days(3))
    assert reminder_due(monday, thursday, monday + dt.timedelta(days=21), school_days(1))  # back from a holiday


def test_acceptance_is_for_current_staff_only(core: Core) -> None:
    """The chair and leavers are never reminded nor counted: recording an acceptance for them would vanish from
    every report, so it is refused, saying why; they have nothing to accept in Slack either."""
    acks = core.schedule.acks
    acks.publish(POLICY)
    with pytest.raises(ScheduleError, match="Chris Chair is not a member of staff, and only current staff") as chair:
        acks.record_for("Chris Chair", by="Pat Office")
    assert "`policybot people role NAME staff ...`" in str(chair.value)
    core.people.set_leave_date("Jo Teacher", dt.date(2026, 11, 20))
    with pytest.raises(ScheduleError, match="Jo Teacher left on Friday 20 November 2026") as leaver:
        acks.record_for("Jo Teacher", by="Pat Office")
    assert str(leaver.value).endswith(  # the fix for a leaver is their leave date, not their roles
        'If they have not left after all, `policybot people leave "Jo Teacher" --cancel` keeps them on the staff.'
    )
    assert acks.status_for(pid(core, "Chris Chair")) == [] and acks.status_for(pid(core, "Jo Teacher")) == []
    with pytest.raises(ScheduleError, match="Only current members of staff"):
        acks.acknowledge(pid(core, "Chris Chair"), "social-media", "2022.1")
    assert [s.policy_id for s in acks.status_for(pid(core, "Dana Lead"))] == ["social-media"]
    assert "Recorded that Dana Lead" in acks.record_for("Dana Lead", by="Pat Office")


def test_publishing_to_one_member_of_staff_says_member(core: Core) -> None:
    for name in ("Alex Head", "Dana Lead", "Jo Teacher", "Pat Office"):
        core.schedule.acks.record_for(name, by="Pat Office")  # on paper, before it was published
    result = core.schedule.acks.publish(POLICY)
    assert "(first publication). 1 member of staff will be asked to read and accept it" in result.message


def test_a_version_published_in_the_summer_holiday_counts_only_staff_asked_on_the_first_day_back(
    core: Core, clock: ManualClock
) -> None:
    """Published on Wednesday 28 July 2027: Jo and Pat leave at the end of August, before the first day back
    (Thursday 2 September), so are never asked; Kim starts on 1 September and is asked that day. It said 5 (counting
    Jo and Pat, not Kim)."""
    core.people.set_leave_date("Jo Teacher", dt.date(2027, 9, 1))
    core.people.set_leave_date("Pat Office", dt.date(2027, 8, 31))
    add_staff(core, "Kim New", "U0KIM0001", start=dt.date(2027, 9, 1))
    clock.set(dt.datetime(2027, 7, 28, 10, 0, tzinfo=LONDON))
    result = core.schedule.acks.publish(POLICY)
    assert result.staff_count == 4
    assert ("4 members of staff will be asked to read and accept it, by direct message on school days from Thursday "
            "2 September 2027 until they do.") in result.message
    clock.set(dt.datetime(2027, 9, 2, 8, 30, tzinfo=LONDON))
    core.schedule.run_due()
    asked = {m.recipient.address for m in queued(core, "ack_reminder")}
    assert len(asked) == result.staff_count and "U0KIM0001" in asked and "U0STAFF001" not in asked


def test_compliance_csv(core: Core, tmp_path: Path) -> None:
    core.schedule.acks.publish(POLICY)
    core.schedule.acks.acknowledge(pid(core, "Dana Lead"), "social-media", "2022.1")
    out = tmp_path / "acks.csv"
    assert core.schedule.acks.write_csv(out) == 5
    lines = out.read_text(encoding="utf-8").splitlines()
    assert lines[0] == "policy,version,name,joined,acknowledged_at,reminders_sent,recorded_by"
    assert any(line.startswith("social-media,2022.1,Dana Lead,2026-11-25,2026-11-25T10:00:00") for line in lines)


def test_compliance_csv_is_in_school_time_and_names_are_never_formulas(core: Core, clock: ManualClock,
                                                                       tmp_path: Path) -> None:
    """The table said 17:48 BST where the file said 16:48+00:00; and a name typed as a formula ran in Excel."""
    add_staff(core, "=HYPERLINK(\"http://x.example\",\"Kim\")", "U0KIM0001")
    add_staff(core, "@Lee", "U0LEE0001")
    clock.set(dt.datetime(2027, 6, 10, 16, 48, tzinfo=dt.UTC))  # 17:48 in London (BST)
    core.schedule.acks.publish(POLICY)
    core.schedule.acks.acknowledge(pid(core, "Dana Lead"), "social-media", "2022.1")
    core.schedule.acks.record_for("@Lee", by="-Pat")
    out = tmp_path / "acks.csv"
    core.schedule.acks.write_csv(out)
    import csv

    rows = {row["name"]: row for row in csv.DictReader(out.open(encoding="utf-8"))}
    assert rows["Dana Lead"]["acknowledged_at"] == "2027-06-10T17:48:00+01:00"
    assert rows["'@Lee"]["recorded_by"] == "'-Pat"
    assert "'=HYPERLINK(\"http://x.example\",\"Kim\")" in rows


def test_acceptance_history_across_versions_in_school_time(core: Core, clock: ManualClock, tmp_path: Path,
                                                          monkeypatch: pytest.MonkeyPatch,
                                                          capsys: pytest.CaptureFixture[str]) -> None:
    """`acks report` shows only the version in force: who accepted the earlier ones, and when, was in the database
    with no way to see it. `acks history [NAME]` lists every acceptance (a leaver's too), by version."""
    from handlers.cli import main

    monkeypatch.setattr("handlers.cli.common.make_core", lambda prepare=True: core)
    acks = core.schedule.acks
    add_staff(core, "=Kim", None)
    clock.set(dt.datetime(2027, 6, 10, 16, 48, tzinfo=dt.UTC))  # 17:48 in London (BST)
    acks.publish(POLICY)
    acks.acknowledge(pid(core, "Dana Lead"), "social-media", "2022.1")
    acks.record_for("=Kim", by="Pat Office")
    clock.advance(dt.timedelta(days=1))
    newer = tmp_path / "social-media.yaml"
    newer.write_text(POLICY.read_text(encoding="utf-8").replace('version: "2022.1"', 'version: "2027.1"', 1).replace(
        "prevention, protection and support.", "prevention, protection and support, online too.", 1))
    acks.publish(newer)
    clock.advance(dt.timedelta(hours=1))
    acks.acknowledge(pid(core, "Dana Lead"), "social-media", "2027.1")
    acks.acknowledge(pid(core, "Jo Teacher"), "social-media", "2027.1")
    assert main(["people", "leave", "Jo Teacher", "--on", "2027-06-11"]) == 0
    capsys.readouterr()

    assert main(["acks", "history"]) == 0
    assert capsys.readouterr().out.splitlines() == [
        "Social Media Policy version 2022.1 (published Thursday 10 June 2027): 2 acceptances",
        "  =Kim                           accepted Thursday 10 June 2027 at 17:48       recorded by Pat Office",
        "  Dana Lead                      accepted Thursday 10 June 2027 at 17:48",
        "Social Media Policy version 2027.1 (published Friday 11 June 2027): 2 acceptances",
        "  Dana Lead                      accepted Friday 11 June 2027 at 18:48",
        "  Jo Teacher                     accepted Friday 11 June 2027 at 18:48         left Friday 11 June 2027",
    ]
    out = tmp_path / "history.csv"
    assert main(["acks", "history", "dana lead", "--csv", str(out)]) == 0
    said = capsys.readouterr().out
    assert "version 2022.1" in said and "version 2027.1" in said and "Kim" not in said and "Wrote 2 rows" in said
    assert out.read_text(encoding="utf-8").splitlines() == [
        "policy,version,published,name,acknowledged_at,recorded_by,left",
        "social-media,2022.1,2027-06-10T17:48:00+01:00,Dana Lead,2027-06-10T17:48:00+01:00,,",
        "social-media,2027.1,2027-06-11T17:48:00+01:00,Dana Lead,2027-06-11T18:48:00+01:00,,",
    ]
    assert main(["acks", "history", "Sam Deputy"]) == 0
    assert capsys.readouterr().out.startswith("No acceptances recorded for Sam Deputy yet")
    assert main(["acks", "history", "Dana Led"]) == 1
    assert "did you mean Dana Lead?" in capsys.readouterr().err


def test_history_of_a_version_accepted_before_it_was_published(core: Core) -> None:
    """Staff can accept the file's version from the App Home before it is published: it is in the history too."""
    assert core.schedule.acks.acknowledge(pid(core, "Jo Teacher"), "social-media", "2022.1")
    [row] = core.schedule.acks.history("Jo Teacher")
    assert (row.version, row.published_at, row.title) == ("2022.1", None, "Social Media Policy")
    assert core.schedule.acks.history("Dana Lead") == []
    with pytest.raises(ScheduleError, match="there is no policy 'nope'"):
        core.schedule.acks.history(policy_id="nope")


def test_compliance_without_a_campaign_shows_the_version_staff_are_asked_to_accept(core: Core) -> None:
    """Staff can accept the current version from Slack's App Home before any campaign: the headteacher sees it."""
    assert core.schedule.acks.acknowledge(pid(core, "Jo Teacher"), "social-media", "2022.1")
    rows = {r.name: r for r in core.schedule.acks.compliance()}
    assert len(rows) == 5 and {r.version for r in rows.values()} == {"2022.1"}
    assert rows["Jo Teacher"].acknowledged_at is not None and rows["Dana Lead"].acknowledged_at is None


def test_publishing_a_broken_file_says_what_is_wrong(core: Core, tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("id: x\ntitle: [", encoding="utf-8")
    with pytest.raises(ScheduleError, match="bad.yaml"):
        core.schedule.acks.publish(bad)


def test_publishing_a_policy_the_bot_does_not_have_starts_nothing(core: Core, tmp_path: Path) -> None:
    mistyped = tmp_path / "mistyped.yaml"
    mistyped.write_text(POLICY.read_text(encoding="utf-8").replace("id: social-media", "id: social-meda", 1),
                        encoding="utf-8")
    with pytest.raises(ScheduleError, match="'social-meda'.*it has: social-media"):
        core.schedule.acks.publish(mistyped)
    core.schedule.acks.publish(POLICY)
    with core.db.session() as session:
        assert session.scalars(select(AckCampaign.policy_id)).all() == ["social-media"]


def test_the_admin_is_asked_to_have_the_next_holidays_added_before_the_listed_ones_run_out(
    tmp_path: Path, school: School, clock: ManualClock
) -> None:
    """The school file lists holidays up to the October half term 2027. After it every weekday counted as a school
    day, so staff were sent reminders through Christmas and on bank holidays, and nobody was told. Now from four
    weeks before the last listed holiday starts, the admin is asked each week to have the next ones added."""
    with core_with(tmp_path / "a", school, clock) as core:
        run_each_morning(core, clock, dt.date(2027, 9, 20), dt.date(2027, 10, 8))
        with core.db.session() as session:
            rows = session.scalars(select(OutboxRow).where(OutboxRow.kind == "term_dates").order_by(OutboxRow.id))
            sent = [(f"{row.created_at.astimezone(LONDON):%a %d %b}", core.outbox.message(row)) for row in rows]
    assert [(day, message.recipient.address) for day, message in sent] == [
        ("Mon 27 Sep", "U0ADMIN001"), ("Mon 04 Oct", "U0ADMIN001")
    ]
    assert sent[0][1].text.startswith(
        "The school's settings list its holidays only up to Friday 29 October 2027 (the October half term). On any "
        "weekday not listed I take the school to be open, so after that staff would be sent reminders in the "
        "holidays and on bank holidays. Please ask whoever runs the bot to add the next holidays"
    )
    later = [*school.holidays, Holiday(name="Christmas holiday", start=dt.date(2027, 12, 20), end=dt.date(2028, 1, 3))]
    with core_with(tmp_path / "b", school.model_copy(update={"holidays": later}), clock) as core:
        run_each_morning(core, clock, dt.date(2027, 10, 11), dt.date(2027, 10, 22))
        assert queued(core, "term_dates") == []  # listed further ahead: nothing until four weeks before Christmas
    with core_with(tmp_path / "c", school.model_copy(update={"holidays": []}), clock) as core:
        core.people.set_away("Pat Office", dt.date(2027, 10, 29))
        run_each_morning(core, clock, dt.date(2027, 10, 11), dt.date(2027, 10, 11))
        [none_listed] = queued(core, "term_dates")  # none at all: said at once, to the head while the admin is away
    assert none_listed.recipient.address == "U0HEAD0001"
    assert none_listed.text.startswith("The school's settings list none of its holidays.")


def test_no_staff_reminders_outside_hours_or_at_weekends(core: Core, clock: ManualClock) -> None:
    clock.set(dt.datetime(2026, 11, 28, 10, 0, tzinfo=dt.UTC))  # Saturday
    core.schedule.acks.publish(POLICY)
    assert sum(core.schedule.run_due().values()) == 0
    clock.set(dt.datetime(2026, 11, 30, 6, 0, tzinfo=dt.UTC))  # Monday, before 07:00
    assert sum(core.schedule.run_due().values()) == 0
    clock.set(dt.datetime(2026, 11, 30, 8, 30, tzinfo=dt.UTC))
    assert core.schedule.run_due()["acks"] == 5


# --- photos and leavers ---
def test_running_the_schedule_by_hand_says_why_no_reminders_go_out_now(core: Core, clock: ManualClock) -> None:
    """`policybot schedule run-due` on a Saturday said only "Queued: reviews 0, acks 0, ...", as if nothing were due."""
    said = {}
    for when in ("2026-11-28 10:00", "2026-11-30 07:45", "2026-11-30 10:00", "2026-11-30 18:30", "2026-12-24 09:00"):
        clock.set(dt.datetime.fromisoformat(when).replace(tzinfo=LONDON))
        said[when] = core.schedule.not_now()
    assert said == {
        "2026-11-28 10:00": "No staff reminders now: Saturday 28 November 2026 is not a school day (a weekend). They "
        "next go out on Monday 30 November 2026, from 08:30 (pictures on phones at 15:30).",
        "2026-11-30 07:45": "Staff reminders go out on school days from 08:30 (pictures on phones at 15:30): today's "
        "have not started yet.",
        "2026-11-30 10:00": None,
        "2026-11-30 18:30": "No staff reminders now: it is after 18:00, when staff are no longer sent reminders. They "
        "next go out on Tuesday 1 December 2026, from 08:30 (pictures on phones at 15:30).",
        "2026-12-24 09:00": "No staff reminders now: Thursday 24 December 2026 is not a school day (Christmas "
        "holiday). They next go out on Monday 4 January 2027, from 08:30 (pictures on phones at 15:30).",
    }


def test_photos_reminded_at_end_of_day_until_confirmed(core: Core, clock: ManualClock) -> None:
    jo = pid(core, "Jo Teacher")
    reply = core.schedule.photos.record(jo, note="sports day")
    assert "transferred to the school's system" in reply
    assert core.schedule.run_due()["photos"] == 0  # 10:00: not the end of the day yet
    clock.set(dt.datetime(2026, 11, 25, 15, 30, tzinfo=dt.UTC))
    assert core.schedule.run_due()["photos"] == 1
    assert core.schedule.run_due()["photos"] == 0
    [reminder] = queued(core, "photos_reminder")
    assert reminder.buttons[0].action == "photos.done" and reminder.buttons[0].value == str(jo)
    assert "sports day" not in reminder.text  # the note could describe pupils: never stored
    assert "No more reminders" in core.schedule.photos.confirm(jo)
    assert queued(core, "photos_reminder") == []
    clock.advance(days=1)
    assert core.schedule.run_due()["photos"] == 0


def test_photos_are_not_reminded_while_someone_is_away(core: Core, clock: ManualClock) -> None:
    """Jo goes on long leave until Friday 4 December with images still on her phone: no reminder each school day
    meanwhile; they go on from her first school day back."""
    core.schedule.photos.record(pid(core, "Jo Teacher"), note="sports day")
    core.people.set_away("Jo Teacher", dt.date(2026, 12, 4))
    day, reminded = dt.date(2026, 11, 25), []
    while day <= dt.date(2026, 12, 8):
        clock.set(dt.datetime.combine(day, dt.time(15, 30), tzinfo=LONDON))
        if core.schedule.run_due()["photos"]:
            reminded.append(f"{day:%a} {day.day}")
        day += dt.timedelta(days=1)
    assert reminded == ["Mon 7", "Tue 8"]


def test_photos_recorded_while_away_say_the_reminders_start_on_the_first_school_day_back(
    core: Core, clock: ManualClock
) -> None:
    """Jo, recorded as away until Friday 4 December, notes images on her phone: she is not reminded while away, so
    she is not told she will be 'from today'."""
    core.people.set_away("Jo Teacher", dt.date(2026, 12, 4))
    reply = core.schedule.photos.record(pid(core, "Jo Teacher"), note="sports day")
    assert "from Monday 7 December 2026, your first school day back, until you tell me" in reply
    core.people.set_away("Jo Teacher", None)  # back after all: from today, as for anyone
    assert "from today, until you tell me" in core.schedule.photos.record(pid(core, "Jo Teacher"), note="trip")


def test_photos_noted_after_the_last_reminder_before_someone_leaves_are_not_promised_reminders(
    core: Core, clock: ManualClock
) -> None:
    """Jo leaves on Friday 27 November (her first day away) and notes images at 16:00 on Thursday, her last day,
    after the end-of-day reminder: she was told 'I will remind you at the end of each school day, from Friday 27
    November', but her reminders stop when she leaves, so none ever came, and she went with the pictures."""
    core.schedule.leavers.set_leave_date("Jo Teacher", dt.date(2026, 11, 27))
    clock.set(dt.datetime(2026, 11, 26, 16, 0, tzinfo=LONDON))
    reply = core.schedule.photos.record(pid(core, "Jo Teacher"), note="sports day")
    assert "I will remind you" not in reply
    assert reply.endswith(
        "Today is your last school day before you leave, so please move them to the school's system and delete them "
        "before you go, then send /photos done. Until that is done, the school's admin is asked to check with you."
    )
    run_each_morning(core, clock, dt.date(2026, 11, 27), dt.date(2026, 11, 30))
    clock.set(dt.datetime(2026, 11, 30, 15, 30, tzinfo=LONDON))
    core.schedule.run_due()
    assert queued(core, "photos_reminder") == []
    assert "pictures of pupils" in queued(core, "leaver_passwords")[-1].text  # the admin asks instead
    clock.set(dt.datetime(2026, 11, 21, 11, 0, tzinfo=LONDON))  # a Saturday, leaving on Monday 23rd
    core.schedule.leavers.set_leave_date("Jo Teacher", dt.date(2026, 11, 23))
    assert "You leave on Monday 23 November 2026, before my next reminder, so please move them" in \
        core.schedule.photos.record(pid(core, "Jo Teacher"), note="trip")
    core.schedule.leavers.set_leave_date("Jo Teacher", dt.date(2026, 11, 27))
    clock.set(dt.datetime(2026, 11, 26, 11, 0, tzinfo=LONDON))  # before the end of her last day: reminded today
    assert "from today, until you tell me" in core.schedule.photos.record(pid(core, "Jo Teacher"), note="trip")


def test_photos_done_confirms_instead_of_recording_new_images(core: Core, clock: ManualClock) -> None:
    jo = pid(core, "Jo Teacher")
    core.schedule.photos.command(jo, "sports day")
    assert "No more reminders" in core.schedule.photos.command(jo, "done")
    for note in ("Deleted", "moved to the school drive and deleted", "all done!"):
        assert "nothing more to do" in core.schedule.photos.command(jo, note)
    clock.set(dt.datetime(2026, 11, 25, 15, 30, tzinfo=LONDON))
    assert core.schedule.run_due()["photos"] == 0  # nothing open: 'done' recorded nothing new
    assert "noted" in core.schedule.photos.command(jo, "sports day, will be moved tomorrow")
    assert "noted" in core.schedule.photos.command(jo, "not deleted yet")


@pytest.mark.parametrize("note", ["", "  ", "help", "?", "what?"])
def test_photos_alone_explains_and_records_nothing(core: Core, clock: ManualClock, note: str) -> None:
    """A new member of staff trying /photos is told what it does, how to say they took some and how to say done; they
    are not signed up for reminders."""
    jo = pid(core, "Jo Teacher")
    reply = core.schedule.photos.command(jo, note)
    assert "Send /photos taken" in reply and "/photos done" in reply and "Nothing is noted for you now." in reply
    assert "transferred to the school's system" in reply  # the policy's own words
    with core.db.session() as session:
        assert session.scalar(select(PhotoRecord)) is None
    assert "noted" in core.schedule.photos.command(jo, "taken")
    clock.set(dt.datetime(2026, 11, 25, 15, 30, tzinfo=LONDON))
    assert core.schedule.run_due()["photos"] == 1  # (only the images said to be taken are reminded about)
    said = core.schedule.photos.command(jo, note)  # where they stand now, still recording nothing new
    assert "You noted on Wednesday 25 November 2026" in said and "send /photos done" in said
    with core.db.session() as session:
        assert len(session.scalars(select(PhotoRecord)).all()) == 1


DONE_NOTES = [
    "done, thanks", "yes done", "ok done", "moved to OneDrive and deleted", "moved to the school server and deleted",
    "deleted from my personal phone", "have been deleted", "photos deleted from my iPad",
    "transferred to the shared drive", "I’ve deleted them",
]
NEW_IMAGES_NOTES = [
    "sports day photos, will move them tomorrow", "took 12 at the swimming gala", "haven't deleted them yet",
    "have some more from the trip, deleted the blurry ones", "new photos from the nativity",
]


@pytest.mark.parametrize("note", DONE_NOTES)
def test_the_ways_people_say_their_images_are_done_confirm_them(core: Core, note: str) -> None:
    jo = pid(core, "Jo Teacher")
    core.schedule.photos.record(jo)
    assert "No more reminders" in core.schedule.photos.command(jo, note)
    assert "nothing more to do" in core.schedule.photos.command(jo, note)  # nothing open: nothing new recorded


@pytest.mark.parametrize(
    "note", ["almost done", "done except the video", "deleted most of them", "uploaded the photos, videos remaining",
             "done?", "how do I mark these done"],
)
def test_half_done_or_a_question_does_not_stop_the_reminders(core: Core, note: str) -> None:
    jo = pid(core, "Jo Teacher")
    core.schedule.photos.record(jo)
    assert "No more reminders" not in core.schedule.photos.command(jo, note)
    with core.db.session() as session:
        assert session.scalar(select(PhotoRecord).where(PhotoRecord.confirmed_at.is_not(None))) is None


@pytest.mark.parametrize("note", NEW_IMAGES_NOTES)
def test_a_note_about_images_still_to_deal_with_records_them(core: Core, note: str) -> None:
    reply = core.schedule.photos.command(pid(core, "Jo Teacher"), note)
    assert reply.startswith("Thank you, noted.")
    assert ("If you meant" in reply) == ("delete" in note)  # a done word among them: how to say done instead


def test_images_recorded_after_the_end_of_day_reminder_are_reminded_the_next_school_day(
    core: Core, clock: ManualClock
) -> None:
    jo = pid(core, "Jo Teacher")
    clock.set(dt.datetime(2026, 11, 27, 15, 45, tzinfo=LONDON))  # a Friday, after the 15:30 reminder
    reply = core.schedule.photos.record(jo)
    assert "at the end of each school day, from Monday 30 November 2026, until" in reply
    clock.set(dt.datetime(2026, 11, 27, 15, 46, tzinfo=LONDON))
    assert core.schedule.run_due()["photos"] == 0
    clock.set(dt.datetime(2026, 11, 30, 15, 30, tzinfo=LONDON))
    assert core.schedule.run_due()["photos"] == 1
    clock.set(dt.datetime(2026, 12, 1, 10, 0, tzinfo=LONDON))
    assert "from today, until" in core.schedule.photos.record(jo)


def test_photos_are_reminded_at_the_schools_end_of_day(
    tmp_path: Path, school: School, clock: ManualClock
) -> None:
    late = school.model_copy(update={"end_of_day": dt.time(16, 15)})
    with core_with(tmp_path, late, clock) as core:
        core.schedule.photos.record(pid(core, "Jo Teacher"))
        clock.set(dt.datetime(2026, 11, 25, 15, 30, tzinfo=LONDON))
        assert core.schedule.run_due()["photos"] == 0
        clock.set(dt.datetime(2026, 11, 25, 16, 15, tzinfo=LONDON))
        assert core.schedule.run_due()["photos"] == 1


def test_a_leavers_pictures_can_be_confirmed_by_the_admin_from_the_password_prompt(
    core: Core, clock: ManualClock
) -> None:
    jo, office = pid(core, "Jo Teacher"), pid(core, "Pat Office")
    core.schedule.photos.record(jo)
    with pytest.raises(ScheduleError, match="Only the member of staff"):
        core.schedule.photos.confirm(jo, by_person_id=office)  # not leaving: only Jo may say so
    core.people.set_leave_date("Jo Teacher", dt.date(2026, 11, 26))
    clock.set(dt.datetime(2026, 11, 26, 8, 30, tzinfo=LONDON))
    core.schedule.run_due()
    [prompt] = queued(core, "leaver_passwords")
    [_, photos] = prompt.buttons
    assert (photos.action, photos.value) == ("photos.done", str(jo)) and "“Done: pictures deleted”" in prompt.text
    with pytest.raises(ScheduleError, match="admin or the headteacher"):
        core.schedule.photos.confirm(jo, by_person_id=pid(core, "Dana Lead"))
    reply = core.schedule.photos.confirm(int(photos.value), by_person_id=office)
    assert reply == "Thank you. Recorded that the pictures on Jo Teacher's own equipment were moved and deleted."
    clock.set(dt.datetime(2026, 11, 27, 8, 30, tzinfo=LONDON))
    core.schedule.run_due()
    assert "pictures of pupils" not in queued(core, "leaver_passwords")[-1].text


def test_leaver_prompt_to_admin_until_confirmed(core: Core, clock: ManualClock) -> None:
    core.people.set_leave_date("Jo Teacher", dt.date(2026, 11, 25))
    assert core.schedule.run_due()["leavers"] == 1
    [prompt] = queued(core, "leaver_passwords")
    assert prompt.recipient.address == "U0ADMIN001" and "Jo Teacher" in prompt.text
    assert "pictures of pupils" not in prompt.text  # none were recorded
    assert prompt.buttons[0].action == "leaver.done"
    clock.advance(days=1)
    assert core.schedule.run_due()["leavers"] == 1
    reply = core.schedule.leavers.confirm(prompt.buttons[0].value, "Pat Office")
    assert "Jo Teacher" in reply and "Pat Office" in reply
    clock.advance(days=1)
    assert core.schedule.run_due()["leavers"] == 0
    with pytest.raises(ScheduleError, match="nobody called"):
        core.schedule.leavers.confirm("Nobody Here", "Pat Office")


def test_a_leave_date_corrected_after_the_passwords_were_changed_asks_again_only_if_they_stayed_on(
    core: Core, clock: ManualClock
) -> None:
    """Jo's leave date was Friday 4 December; Pat changed the passwords on Thursday 3rd, their last day. On Monday the
    office corrects the date to Thursday 3rd (Jo in fact left a day early): Pat was asked all over again, each school
    day, to change passwords already changed after Jo went. Moved later instead (Jo stays on to Friday 11th), the
    passwords changed on the 3rd are known to Jo again: asked on Jo's new last day."""
    leavers, slack = core.schedule.leavers, RecordingNotifier("slack")
    leavers.set_leave_date("Jo Teacher", dt.date(2026, 12, 4))
    run_each_morning(core, clock, dt.date(2026, 12, 3), dt.date(2026, 12, 3))
    core.outbox.dispatch({"slack": slack})  # type: ignore[dict-item]
    assert len(queued(core, "leaver_passwords")) == 1
    leavers.confirm("Jo Teacher", "Pat Office")
    clock.set(dt.datetime(2026, 12, 7, 10, 0, tzinfo=LONDON))
    leavers.set_leave_date("Jo Teacher", dt.date(2026, 12, 3))  # the day they really went
    run_each_morning(core, clock, dt.date(2026, 12, 7), dt.date(2026, 12, 9))
    assert len(queued(core, "leaver_passwords")) == 1  # nothing more: changed as they went
    assert "already confirmed changed by Pat Office" in leavers.confirm("Jo Teacher", "Pat Office")
    leavers.set_leave_date("Jo Teacher", dt.date(2026, 12, 14))  # not gone after all: staying to Friday 11th
    run_each_morning(core, clock, dt.date(2026, 12, 9), dt.date(2026, 12, 11))
    [_, again] = queued(core, "leaver_passwords")
    assert "leaves after today: it is their last school day (their leave date is Monday 14 December 2026)" in again.text


def test_the_password_button_after_a_leave_date_was_undone_says_there_is_nothing_to_do(core: Core) -> None:
    """Pat has the prompt about Jo leaving; the office then records that Jo is not leaving after all. Pat pressing
    "Done: passwords changed" in Slack was told to run a server command recording a leave date Jo does not have."""
    leavers = core.schedule.leavers
    leavers.set_leave_date("Jo Teacher", dt.date(2026, 11, 25))
    core.schedule.run_due()
    [prompt] = queued(core, "leaver_passwords")
    leavers.set_leave_date("Jo Teacher", None)
    with pytest.raises(ScheduleError) as refused:
        leavers.confirm(prompt.buttons[0].value, "Pat Office", by_person_id=pid(core, "Pat Office"))
    assert str(refused.value) == (
        "Jo Teacher is no longer recorded as leaving, so there are no passwords to change for them and nothing to "
        "record. If they are leaving after all, ask whoever runs the bot to record the day: you will then be asked "
        "again."
    )
    with pytest.raises(ScheduleError, match="record it first with `policybot people leave"):
        leavers.confirm("Jo Teacher", "Pat Office")  # on the server: the command is the next step


def test_with_the_admin_away_the_headteacher_is_asked_about_a_leavers_passwords(core: Core, clock: ManualClock) -> None:
    """The policy says "immediately": a prompt to an admin on leave waited for weeks. The head is asked instead, and
    the admin again once back."""
    core.people.set_away("Pat Office", dt.date(2026, 11, 26))
    core.people.set_leave_date("Jo Teacher", dt.date(2026, 11, 25))
    assert core.schedule.leavers.who_is_asked("Jo Teacher", dt.date(2026, 11, 25)) == "the headteacher"
    core.schedule.run_due()
    clock.advance(days=2)  # Friday 27 November: Pat is back
    core.schedule.run_due()
    assert [m.recipient.address for m in queued(core, "leaver_passwords")] == ["U0HEAD0001", "U0ADMIN001"]
    core.people.set_away("Alex Head", dt.date(2026, 12, 31))
    core.people.set_away("Pat Office", dt.date(2026, 12, 31))  # both away: asked all the same, not nobody
    assert core.schedule.leavers.who_is_asked("Jo Teacher", dt.date(2026, 11, 30)) == "the admin"


def test_a_leave_date_in_the_holiday_is_asked_about_on_the_last_school_day_before(
    core: Core, clock: ManualClock
) -> None:
    """Leaving on the first day of the summer holiday: the admin is asked on the last day of term, not six weeks
    later on the first day back, and told when they leave."""
    core.people.set_leave_date("Jo Teacher", dt.date(2027, 7, 22))
    clock.set(dt.datetime(2027, 7, 1, 9, 0, tzinfo=LONDON))
    assert core.schedule.leavers.first_prompt_day(dt.date(2027, 7, 22)) == dt.date(2027, 7, 21)
    clock.set(dt.datetime(2027, 7, 20, 8, 30, tzinfo=LONDON))
    assert core.schedule.run_due()["leavers"] == 0
    clock.set(dt.datetime(2027, 7, 21, 8, 30, tzinfo=LONDON))
    assert core.schedule.run_due()["leavers"] == 1
    [prompt] = queued(core, "leaver_passwords")
    assert prompt.text.startswith(
        "Jo Teacher leaves after today: it is their last school day (their leave date is Thursday 22 July 2027). "
        "Please change the passwords of the school accounts they had access to as they go."
    )
    clock.set(dt.datetime(2027, 9, 2, 8, 30, tzinfo=LONDON))  # first day back, not yet confirmed
    core.schedule.run_due()
    assert queued(core, "leaver_passwords")[-1].text.startswith("Jo Teacher left on Thursday 22 July 2027.")


@pytest.mark.parametrize(
    ("leave_date", "last_day"),
    [
        (dt.date(2026, 11, 27), dt.date(2026, 11, 26)),  # a Friday: their last day is the Thursday
        (dt.date(2026, 11, 28), dt.date(2026, 11, 27)),  # a Saturday: the Friday
        (dt.date(2026, 11, 30), dt.date(2026, 11, 27)),  # a Monday: the same Friday, as for the Saturday
    ],
)
def test_the_admin_is_first_asked_on_the_leavers_last_school_day(
    core: Core, clock: ManualClock, leave_date: dt.date, last_day: dt.date
) -> None:
    """The leave date is their first day away: asked the day before it they are still there, so they can still
    confirm their own pictures, and the prompt never says "before they go" once they have gone."""
    jo = pid(core, "Jo Teacher")
    core.schedule.photos.record(jo)
    core.people.set_leave_date("Jo Teacher", leave_date)
    assert core.schedule.leavers.first_prompt_day(leave_date) == last_day
    clock.set(dt.datetime.combine(last_day - dt.timedelta(days=1), dt.time(8, 30), tzinfo=LONDON))
    assert core.schedule.run_due()["leavers"] == 0
    clock.set(dt.datetime.combine(last_day, dt.time(8, 30), tzinfo=LONDON))
    assert core.schedule.run_due()["leavers"] == 1
    [prompt] = queued(core, "leaver_passwords")
    assert prompt.text.startswith(f"Jo Teacher leaves after today: it is their last school day (their leave date is "
                                  f"{long_date(leave_date)}).")
    assert "before they go" in prompt.text
    assert "No more reminders" in core.schedule.photos.confirm(jo, by_person_id=jo)  # they are still here today
    core.schedule.photos.record(jo)
    clock.set(dt.datetime.combine(leave_date + dt.timedelta(days=3), dt.time(8, 30), tzinfo=LONDON))
    assert core.schedule.run_due()["leavers"] == 1
    later = queued(core, "leaver_passwords")[-1].text
    assert later.startswith(f"Jo Teacher left on {long_date(leave_date)}.")
    assert "before they go" not in later and "They can no longer confirm it themselves" in later


def test_a_leave_date_recorded_late_is_asked_about_today_or_the_next_school_day(
    core: Core, clock: ManualClock
) -> None:
    leavers = core.schedule.leavers
    past = dt.date(2026, 11, 2)
    clock.set(dt.datetime(2026, 11, 25, 10, 0, tzinfo=LONDON))  # a Wednesday, in the messaging hours
    assert leavers.first_prompt_day(past) == dt.date(2026, 11, 25)
    clock.set(dt.datetime(2026, 11, 25, 7, 0, tzinfo=LONDON))  # before the reminder time: still today
    assert leavers.first_prompt_day(past) == dt.date(2026, 11, 25)
    clock.set(dt.datetime(2026, 11, 25, 19, 0, tzinfo=LONDON))  # the evening: tomorrow
    assert leavers.first_prompt_day(past) == dt.date(2026, 11, 26)
    clock.set(dt.datetime(2026, 11, 28, 10, 0, tzinfo=LONDON))  # a Saturday: Monday
    assert leavers.first_prompt_day(past) == dt.date(2026, 11, 30)


def test_a_leavers_pictures_are_asked_about_until_confirmed_after_the_passwords(
    core: Core, clock: ManualClock
) -> None:
    """Passwords confirmed on the leave date, pictures not: the pictures are still asked about (alone) each school day
    until someone confirms them, and the passwords' reply says they are outstanding."""
    jo, office = pid(core, "Jo Teacher"), pid(core, "Pat Office")
    clock.set(dt.datetime(2026, 11, 23, 10, 0, tzinfo=LONDON))
    core.schedule.photos.record(jo)
    core.people.set_leave_date("Jo Teacher", dt.date(2026, 11, 27))  # a Friday, their first day away
    clock.set(dt.datetime(2026, 11, 27, 8, 30, tzinfo=LONDON))
    core.schedule.run_due()
    reply = core.schedule.leavers.confirm(jo, "Pat Office", by_person_id=office)
    assert reply.startswith("Thank you, Pat Office. Recorded that the passwords Jo Teacher could use have been changed")
    assert "Still outstanding: the pictures of pupils on Jo Teacher's own phone" in reply
    assert "press “Done: pictures deleted”" in reply
    for day in (30, 1):  # Monday, then Tuesday
        clock.set(dt.datetime(2026, 12 if day == 1 else 11, day, 8, 30, tzinfo=LONDON))
        assert core.schedule.run_due()["leavers"] == 1
        prompt = queued(core, "leaver_passwords")[-1]
        assert prompt.title == "Leaver: pictures on Jo Teacher's own phone"
        assert [b.label for b in prompt.buttons] == ["Done: pictures deleted"]
        assert "change the passwords" not in prompt.text and "Monday 23 November 2026" in prompt.text
    assert "Jo Teacher's own equipment were moved" in core.schedule.photos.confirm(jo, by_person_id=office)
    assert queued(core, "leaver_passwords") == []  # the one not yet delivered is withdrawn
    clock.set(dt.datetime(2026, 12, 2, 8, 30, tzinfo=LONDON))
    assert core.schedule.run_due()["leavers"] == 0


def test_an_admin_on_the_console_is_given_the_commands_not_buttons(core: Core, clock: ManualClock) -> None:
    with core.db.session() as session:
        office = People.by_name(session, "Pat Office")
        assert office is not None
        office.slack_user_id = None
    core.schedule.photos.record(pid(core, "Jo Teacher"))
    core.people.set_leave_date("Jo Teacher", dt.date(2026, 11, 25))
    core.schedule.run_due()
    [prompt] = queued(core, "leaver_passwords")
    assert prompt.recipient.platform == "console" and "press" not in prompt.text.lower()
    assert 'run `policybot people passwords-changed "Jo Teacher" --by YOUR NAME`' in prompt.text
    assert 'run `policybot people pictures-deleted "Jo Teacher" --by YOUR NAME`' in prompt.text
    reply = core.schedule.leavers.confirm("Jo Teacher", "Pat Office")
    assert 'run `policybot people pictures-deleted "Jo Teacher" --by YOUR NAME`' in reply


def test_a_leavers_pictures_are_confirmed_from_the_command_line(core: Core) -> None:
    jo = pid(core, "Jo Teacher")
    core.schedule.photos.record(jo)
    with pytest.raises(ScheduleError, match="Jo Teacher is not recorded as leaving"):
        core.schedule.photos.confirm_for_leaver("Jo Teacher", "Pat Office")
    core.people.set_leave_date("Jo Teacher", dt.date(2026, 11, 25))
    reply = core.schedule.photos.confirm_for_leaver("jo teacher", "Pat Office")
    assert reply.startswith("Thank you, Pat Office. Recorded that the pictures on Jo Teacher's own equipment")
    with core.db.session() as session:
        [record] = session.scalars(select(PhotoRecord)).all()
        assert record.confirmed_at is not None and record.confirmed_by == "Pat Office"
    assert "nothing to do" in core.schedule.photos.confirm_for_leaver("Jo Teacher", "Pat Office")


def test_a_leaver_with_pupils_pictures_on_their_phone_is_flagged_to_the_admin(core: Core) -> None:
    core.schedule.photos.record(pid(core, "Jo Teacher"))
    core.people.set_leave_date("Jo Teacher", dt.date(2026, 11, 25))
    core.schedule.run_due()
    [prompt] = queued(core, "leaver_passwords")
    assert "has not confirmed that the pictures of pupils on their own phone" in prompt.text
    assert "Wednesday 25 November 2026" in prompt.text


def _person_id(core: Core, name: str) -> int:
    with core.db.session() as session:
        person = People.by_name(session, name)
        assert person is not None
        return person.id


def test_only_the_owner_or_chair_may_record_a_review_from_chat(core: Core) -> None:
    teacher, head = _person_id(core, "Jo Teacher"), _person_id(core, "Alex Head")
    with pytest.raises(ScheduleError, match="Only the headteacher or the chair of governors"):
        core.schedule.reviews.mark_reviewed("social-media", reviewer="Jo Teacher", by_person_id=teacher)
    assert core.schedule.reviews.status()[0].overdue
    core.schedule.reviews.mark_reviewed("social-media", reviewer="Alex Head", by_person_id=head)
    assert not core.schedule.reviews.status()[0].overdue


def test_with_no_chair_the_refusal_to_record_a_review_names_the_vice_chair(core: Core, clock: ManualClock) -> None:
    """The vice-chair takes the chair's part in reviews when no chair is named, and may record one: the refusal said
    only 'the headteacher or the chair of governors', naming someone who is not there and not the one who can."""
    today = clock.now().astimezone(LONDON).date()
    with core.db.session() as session:
        core.people.upsert(session, PersonEntry(name="Val Vice", roles=["vice_chair_of_governors"]))
    core.people.set_leave_date("Chris Chair", today - dt.timedelta(days=1))
    with pytest.raises(ScheduleError) as refused:
        core.schedule.reviews.mark_reviewed("social-media", reviewer="Jo Teacher",
                                            by_person_id=_person_id(core, "Jo Teacher"))
    assert str(refused.value).startswith(
        "Only the headteacher or, as no chair of governors is recorded, the vice-chair of governors can record a "
        "review of the "
    )
    core.schedule.reviews.mark_reviewed("social-media", reviewer="Val Vice", by_person_id=_person_id(core, "Val Vice"))
    assert not core.schedule.reviews.status()[0].overdue


def test_photos_and_passwords_are_confirmed_only_by_the_right_people(core: Core, clock: ManualClock) -> None:
    teacher, office = _person_id(core, "Jo Teacher"), _person_id(core, "Pat Office")
    core.schedule.photos.record(teacher)
    with pytest.raises(ScheduleError, match="Only the member of staff"):
        core.schedule.photos.confirm(teacher, by_person_id=office)
    assert "No more reminders" in core.schedule.photos.confirm(teacher, by_person_id=teacher)
    core.people.set_leave_date("Jo Teacher", clock.now().date())
    with pytest.raises(ScheduleError, match="admin or the headteacher"):
        core.schedule.leavers.confirm(teacher, "Jo Teacher", by_person_id=teacher)
    assert "Recorded" in core.schedule.leavers.confirm(teacher, "Pat Office", by_person_id=office)


def test_a_change_is_described_where_it_is_not_from_the_clauses_start(core: Core) -> None:
    from bot.schedule.acks import describe_changes

    policy = core.policies.policies["social-media"]
    [(section, clause)] = [(s, c) for s, c in policy.clauses() if c.id == "sg-commitment"]
    edited = clause.text.replace("protection and support.", "protection, support and early help.")
    assert len(edited) > 140 and edited != clause.text
    [line] = describe_changes(policy, {clause.id: clause.text}, {clause.id: edited})
    assert line.startswith(f"Changed in “{section.title}”: …") and "protection, support and early help." in line
    short = {"x": "Short rule."}
    assert describe_changes(policy, short, {"x": "Short rule, changed."}) == ["Changed in “”: Short rule, changed."]


# --- delivery held back (Slack not connected, an outage, retries) ---

def run_school_days(
    core: Core, clock: ManualClock, first: dt.date, last: dt.date, notifiers: dict[str, RecordingNotifier]
) -> None:
    """The minute job and the dispatcher at a few moments of every day, as the scheduler would run them."""
    day = first
    while day <= last:
        for at in (dt.time(8, 30), dt.time(15, 30), dt.time(17, 59)):
            clock.set(dt.datetime.combine(day, at, tzinfo=LONDON))
            core.schedule.run_due()
            core.outbox.dispatch(notifiers)  # type: ignore[arg-type]
        day += dt.timedelta(days=1)


def test_reminders_held_back_arrive_as_one_the_newest(core: Core, clock: ManualClock) -> None:
    """Ack reminders queued while Slack was not connected: once it is, each person gets the newest only."""
    clock.set(dt.datetime(2026, 11, 25, 8, 0, tzinfo=LONDON))
    core.schedule.acks.publish(POLICY)
    core.schedule.photos.record(pid(core, "Jo Teacher"))
    console_only = {"console": RecordingNotifier("console")}
    # Reminders on Wed 25 Nov and Mon 30 Nov (day 3 was a Saturday; day 7, Wed 2 Dec, is too soon after Monday).
    run_school_days(core, clock, dt.date(2026, 11, 25), dt.date(2026, 12, 2), console_only)
    slack = RecordingNotifier("slack")
    clock.set(dt.datetime(2026, 12, 3, 10, 0, tzinfo=LONDON))  # Slack is connected on Thursday morning
    core.outbox.dispatch({"slack": slack})
    jo = [m for m in slack.delivered if m.recipient.address == "U0STAFF001"]
    assert [m.kind for m in jo] == ["ack_reminder", "photos_reminder"]
    assert "This is reminder 2;" in jo[0].text
    assert "U0ADMIN001" in [m.recipient.address for m in slack.delivered]
    heads = [m.kind for m in slack.delivered if m.recipient.address == "U0HEAD0001"]
    assert heads.count("review_prompt") == 1 and heads.count("ack_reminder") == 1


def test_reminders_held_back_wait_for_the_messaging_hours(core: Core, clock: ManualClock) -> None:
    """Two weeks of reminders queued while only the console ran, then Slack connected at 23:10 on a Saturday:
    nothing arrives that night; on Monday at 07:00 each person gets one reminder, the newest."""
    clock.set(dt.datetime(2026, 11, 25, 8, 0, tzinfo=LONDON))
    core.schedule.acks.publish(POLICY)
    core.schedule.photos.record(pid(core, "Jo Teacher"))
    core.people.set_leave_date("Sam Deputy", dt.date(2026, 12, 4))
    add_staff(core, "Terry Assistant")  # no Slack id: the head is told he cannot be asked
    console_only = {"console": RecordingNotifier("console")}
    run_school_days(core, clock, dt.date(2026, 11, 25), dt.date(2026, 12, 11), console_only)
    with core.db.session() as session:  # every kind of staff reminder is held: the rules queue nothing else
        # (all but the holidays running out: those listed go on to October 2027)
        assert set(session.scalars(select(OutboxRow.kind))) == ROUTINE_KINDS - {"term_dates"}
    slack = RecordingNotifier("slack")
    clock.set(dt.datetime(2026, 12, 12, 23, 10, tzinfo=LONDON))
    assert core.outbox.dispatch({"slack": slack}).delivered == 0
    clock.set(dt.datetime(2026, 12, 14, 6, 59, tzinfo=LONDON))
    assert core.outbox.dispatch({"slack": slack}).delivered == 0
    clock.set(dt.datetime(2026, 12, 14, 7, 0, tzinfo=LONDON))
    core.outbox.dispatch({"slack": slack})
    per_person = Counter((m.recipient.address, m.kind) for m in slack.delivered)
    assert set(per_person.values()) == {1}
    assert per_person[("U0HEAD0001", "review_prompt")] == per_person[("U0HEAD0001", "ack_outstanding")] == 1
    assert per_person[("U0ADMIN001", "leaver_passwords")] == per_person[("U0STAFF001", "photos_reminder")] == 1
    [jo] = [m for m in slack.delivered if m.recipient.address == "U0STAFF001" and m.kind == "ack_reminder"]
    assert "This is reminder 4;" in jo.text


def test_reminders_held_back_never_reach_someone_who_has_left_or_been_removed(core: Core, clock: ManualClock) -> None:
    """Sam leaves on Friday 4 December and Jo is taken off the list; Slack connects on Monday 7 December. Their
    reminders (to accept the policy, the pictures on Jo's phone), queued while they were here, are withdrawn, not
    delivered; the admin is still asked about Sam's passwords, and everyone else still gets theirs."""
    clock.set(dt.datetime(2026, 11, 25, 8, 0, tzinfo=LONDON))
    core.schedule.acks.publish(POLICY)
    core.schedule.photos.record(pid(core, "Jo Teacher"))
    core.people.set_leave_date("Sam Deputy", dt.date(2026, 12, 4))
    console_only = {"console": RecordingNotifier("console")}
    run_school_days(core, clock, dt.date(2026, 11, 25), dt.date(2026, 12, 3), console_only)
    with core.db.session() as session:
        jo = People.by_name(session, "Jo Teacher")
        assert jo is not None
        session.delete(jo)
    slack = RecordingNotifier("slack")
    clock.set(dt.datetime(2026, 12, 7, 7, 0, tzinfo=LONDON))
    core.outbox.dispatch({"slack": slack})
    addresses = {m.recipient.address for m in slack.delivered}
    assert "U0DSL00002" not in addresses and "U0STAFF001" not in addresses
    assert "U0DSL00001" in addresses  # Dana, still here
    [passwords] = [m for m in slack.delivered if m.kind == "leaver_passwords"]
    assert passwords.recipient.address == "U0ADMIN001" and "Sam Deputy" in passwords.text
    with core.db.session() as session:  # withdrawn, not left waiting for a next attempt
        waiting = session.scalars(select(OutboxRow.kind).where(OutboxRow.status.in_(("pending", "sending")))).all()
    assert waiting == []


def test_a_failing_reminder_rule_holds_up_neither_escalations_nor_the_other_rules(
    core: Core, clock: ManualClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    clock.set(dt.datetime(2026, 11, 25, 8, 0, tzinfo=LONDON))
    core.schedule.acks.publish(POLICY)
    core.reports.submit("child_at_risk", "A pupil said she is afraid to go home.", channel="console")

    def broken(session: object, now: object) -> int:
        raise ValueError("a fault in the photos rule")

    monkeypatch.setattr(core.schedule.photos, "run_due", broken)
    clock.set(dt.datetime(2026, 11, 25, 8, 30, tzinfo=LONDON))
    counts = core.schedule.run_due()
    assert counts["escalations"] == 1 and counts["photos"] == 0  # the deputies, 15 minutes on
    assert counts["acks"] > 0  # the rule after the broken one still ran
    assert core.schedule.failed == ["photos"]


def test_whether_the_headteacher_is_owed_a_list_is_one_query(any_core: Core, clock: ManualClock) -> None:
    """Asked every minute of the school day for each open campaign: one statement, on SQLite as on PostgreSQL, and
    owed only when someone's fourth reminder came after the head's last list."""
    from sqlalchemy import event

    from bot.schedule.acks import HEAD_AFTER, Acks
    from bot.schedule.common import mark_sent

    statements: list[str] = []

    def counted(_conn: object, _cursor: object, statement: str, *_: object) -> None:
        statements.append(statement)

    def owed() -> bool:
        statements.clear()
        with any_core.db.session() as session:
            result = Acks._head_list_owed(session, 7)
        assert len(statements) == 1, statements
        return result

    def sent(series: str, seq: int) -> None:
        now = clock.now()
        with any_core.db.session() as session:
            mark_sent(session, series, seq, now, now.date())
        clock.advance(hours=1)

    event.listen(any_core.db.engine, "before_cursor_execute", counted)
    try:
        sent("ack:7:1", HEAD_AFTER - 2)
        sent("ack:17:1", HEAD_AFTER - 1)  # another campaign's fourth
        assert owed() is False
        sent("ack:7:1", HEAD_AFTER - 1)
        assert owed() is True  # never told
        sent("ack-head:7", 0)
        assert owed() is False
        sent("ack:7:2", HEAD_AFTER - 1)
        assert owed() is True  # a fourth reminder since the last list
        sent("ack-head:7", 1)
        assert owed() is False
    finally:
        event.remove(any_core.db.engine, "before_cursor_execute", counted)


def test_with_no_headteacher_the_chair_is_prompted_from_the_first_prompt(core: Core, clock: ManualClock) -> None:
    """The head has left and no new one is recorded: the prompts 30 and 7 days before fell to nobody (a warning in
    the log), and the chair heard only four weeks after the review was overdue."""
    clock.set(dt.datetime(2026, 6, 17, 10, 0, tzinfo=LONDON))
    core.schedule.reviews.mark_reviewed("social-media", reviewer="Alex Head")  # due Thursday 17 June 2027
    core.people.set_leave_date("Alex Head", dt.date(2026, 12, 18))
    run_each_morning(core, clock, dt.date(2027, 5, 10), dt.date(2027, 5, 20))
    [prompt] = queued(core, "review_prompt")
    assert prompt.recipient.address == "U0CHAIR001"
    assert "is due for its annual review on Thursday 17 June 2027, in 30 days." in prompt.text
    assert "You are receiving this as Chair of Governors because nobody is recorded as the Headteacher, who owns " \
        "the policy." in prompt.text


def test_with_no_chair_named_the_vice_chair_takes_the_chairs_review_prompts(core: Core, clock: ManualClock) -> None:
    """No chair of governors but a vice-chair: the prompts that were the chair's (four weeks overdue, or all of them
    with no head) reached nobody. They go to the vice-chair, who may record the review."""
    today = clock.now().astimezone(LONDON).date()
    with core.db.session() as session:
        core.people.upsert(session, PersonEntry(name="Val Vice", roles=["vice_chair_of_governors"]))
    core.people.set_leave_date("Chris Chair", today - dt.timedelta(days=1))
    core.schedule.run_due()  # four weeks and more overdue: the head and the vice-chair
    head, vice = queued(core, "review_prompt")
    assert (head.recipient.address, vice.recipient.address) == ("U0HEAD0001", "Val Vice")
    assert "You are receiving this as Vice-Chair of Governors, as no Chair of Governors is recorded, because the " \
        "review is four weeks or more overdue." in vice.text
    assert "Vice-Chair" not in head.text
    core.people.set_leave_date("Alex Head", today - dt.timedelta(days=1))
    clock.advance(days=7)
    core.schedule.run_due()  # with no head either: the vice-chair alone
    assert [m.recipient.address for m in queued(core, "review_prompt")][2:] == ["Val Vice"]
    status = core.schedule.reviews.mark_reviewed("social-media", reviewer="Val Vice",
                                                 by_person_id=_person_id(core, "Val Vice"))
    assert not status.overdue


def test_the_chair_hears_that_the_head_who_owns_the_policy_is_away(core: Core, clock: ManualClock) -> None:
    today = clock.now().astimezone(LONDON).date()
    core.people.set_away("Alex Head", dt.date(2026, 12, 11))
    core.schedule.run_due()
    [prompt] = queued(core, "review_prompt")  # the head is reminded when back
    assert prompt.recipient.address == "U0CHAIR001" and today < dt.date(2026, 12, 11)
    assert "The Headteacher, Alex Head, owns the policy and is away until Friday 11 December 2026: they are " \
        "reminded again when back." in prompt.text


def test_a_head_back_from_leave_is_prompted_on_their_first_day_back_though_the_chair_was_prompted_meanwhile(
    core: Core, clock: ManualClock
) -> None:
    """The review is years overdue, so the chair is prompted each Monday too. The head is away until Wednesday 2
    December; the chair was told the head 'is reminded again when back', but the head, back on Thursday, heard
    nothing until the next Monday's prompt. Now the head is sent the prompt they missed on their first day back."""
    clock.set(dt.datetime(2026, 11, 23, 8, 0, tzinfo=LONDON))
    core.people.set_away("Alex Head", dt.date(2026, 12, 2))
    run_each_morning(core, clock, dt.date(2026, 11, 23), dt.date(2026, 12, 11))
    with core.db.session() as session:
        rows = session.scalars(select(OutboxRow).where(OutboxRow.kind == "review_prompt").order_by(OutboxRow.id))
        sent = [(core.outbox.message(row).recipient.address, f"{row.created_at.astimezone(LONDON):%a %d %b}")
                for row in rows]
    assert [day for who, day in sent if who == "U0HEAD0001"] == ["Thu 03 Dec", "Mon 07 Dec"]
    assert [day for who, day in sent if who == "U0CHAIR001"] == ["Mon 23 Nov", "Mon 30 Nov", "Mon 07 Dec"]
    assert "they were reminded once before, since it was due." in queued(core, "review_prompt")[-1].text
