"""A school can replace the report categories and their routes in its settings file; a bad entry stops start-up
with the file and the problem, before anyone can report."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.config import ConfigError, School
from bot.core import Core
from bot.ports import ManualClock
from tests.conftest import make_settings

OWN = [
    {
        "key": "online_safety",
        "label": "Online safety",
        "description": "Anything online that worries you.",
        "urgent": True,
        "emergency_notice": True,
        "route": ["dsl"],
        "escalation": [{"after": "30m", "to": ["headteacher"]}],
    }
]


def test_the_schools_own_categories_replace_the_defaults(tmp_path: Path, school: School, clock: ManualClock) -> None:
    core = Core(make_settings(tmp_path), school=school.model_copy(update={"report_categories": OWN}), clock=clock)
    core.prepare()
    assert [c.key for c in core.reports.categories()] == ["online_safety"]
    core.db.dispose()


def test_a_bad_category_stops_start_up(tmp_path: Path, school: School, clock: ManualClock) -> None:
    broken = [{"key": "x", "label": "X"}]
    core = Core(make_settings(tmp_path), school=school.model_copy(update={"report_categories": broken}), clock=clock)
    with pytest.raises(ConfigError, match="report_categories"):
        core.prepare()


def test_the_shipped_categories_fit_where_they_are_shown() -> None:
    """Slack shows a category's description under its name in a menu that holds 75 characters."""
    from bot.reports.categories import load_categories

    categories, _ = load_categories()
    assert categories and all(len(c.description) <= 75 for c in categories)


# A school's own kind of concern about staff, going to the headteacher alone and chased by the deputy DSLs.
STAFF_KIND = [{"key": "staff", "label": "A member of staff", "description": "How a member of staff behaves.",
               "urgent": False, "emergency_notice": False, "route": ["headteacher"],
               "escalation": [{"after": "1h", "to": ["deputy_dsl"]}]}]


def _about_the_head(tmp_path: Path, school: School, clock: ManualClock) -> tuple[Core, str]:
    """A core with STAFF_KIND and a vice-chair, and a concern of that kind the sender says is about the head."""
    from bot.config import PersonEntry

    core = Core(make_settings(tmp_path), school=school.model_copy(update={"report_categories": STAFF_KIND}),
                clock=clock)
    core.prepare()
    with core.db.session() as session:
        core.people.upsert(session, PersonEntry(name="Val Vice", roles=["vice_chair_of_governors"]))
    receipt = core.reports.submit("staff", "The head teacher shoved a pupil.", channel="console",
                                  named_people=["Alex Head"])
    return core, receipt.reference


def test_a_schools_own_concern_about_staff_never_chases_staff_when_it_is_about_the_head(
    tmp_path: Path, school: School, clock: ManualClock
) -> None:
    """The school's own kind chases the deputy DSLs after an hour; a concern of that kind that the sender says is about
    the headteacher goes to the governors, and is chased among them: the chair and the vice-chair, never the staff the
    head manages (see routing.step_roles)."""
    from bot.outbox import OutboxRow

    core, _ = _about_the_head(tmp_path, school, clock)
    clock.advance(hours=1)
    assert core.reports.escalate_due() == 1
    with core.db.session() as session:
        rows = session.query(OutboxRow).filter_by(kind="report_escalation").all()
        assert {core.outbox.message(row).recipient.address for row in rows} == {"Val Vice"}
    core.db.dispose()


def test_a_concern_about_the_head_is_kept_from_the_staff_its_kind_would_chase(
    tmp_path: Path, school: School, clock: ManualClock
) -> None:
    """Its kind names the deputy DSLs, but a concern of it about the headteacher is the governors' alone: a deputy
    could read it (`reports show`), list it and see it on their Slack Home, chased or not (see routing.may_handle)."""
    from bot.reports.domain import AccessDenied

    core, ref = _about_the_head(tmp_path, school, clock)
    deputy, vice = core.reports.actor(name="Sam Deputy"), core.reports.actor(name="Val Vice")
    assert deputy is not None and vice is not None
    with pytest.raises(AccessDenied):
        core.reports.case(ref, deputy)
    assert ref not in [c.code for c in core.reports.open_cases(deputy)]
    assert ref not in [c.code for c in core.reports.cases_to_follow(deputy)]
    assert core.reports.case(ref, vice).text == "The head teacher shoved a pupil."
    core.db.dispose()
