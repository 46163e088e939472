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
