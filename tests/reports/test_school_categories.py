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


def test_a_schools_own_concern_about_staff_never_chases_staff_when_it_is_about_the_head(
    tmp_path: Path, school: School, clock: ManualClock
) -> None:
    """The school's own kind chases the deputy DSLs after an hour; a concern of that kind that the sender says is about
    the headteacher goes to the governors, and is chased among them: the chair and the vice-chair, never the staff the
    head manages (see routing.step_roles)."""
    from bot.config import PersonEntry
    from bot.outbox import OutboxRow

    own = [{"key": "staff", "label": "A member of staff", "description": "How a member of staff behaves.",
            "urgent": False, "emergency_notice": False, "route": ["headteacher"],
            "escalation": [{"after": "1h", "to": ["deputy_dsl"]}]}]
    core = Core(make_settings(tmp_path), school=school.model_copy(update={"report_categories": own}), clock=clock)
    core.prepare()
    with core.db.session() as session:
        core.people.upsert(session, PersonEntry(name="Val Vice", roles=["vice_chair_of_governors"]))
    core.reports.submit("staff", "The head teacher shoved a pupil.", channel="console", named_people=["Alex Head"])
    clock.advance(hours=1)
    assert core.reports.escalate_due() == 1
    with core.db.session() as session:
        rows = session.query(OutboxRow).filter_by(kind="report_escalation").all()
        assert {core.outbox.message(row).recipient.address for row in rows} == {"Val Vice"}
    core.db.dispose()
