"""People and roles: seeded from the school file, managed by CLI-level functions, queried by role."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from bot.core import Core
from bot.people import People, PeopleError


def test_school_file_seeds_people_once(core: Core) -> None:
    assert core.people.seed(core.school.people) == 0  # prepare() already did it
    with core.db.session() as session:
        dsls = People.with_role(session, "dsl", "deputy_dsl")
        assert {p.name for p in dsls} == {"Dana Lead", "Sam Deputy"}
        assert all(p.is_dsl for p in dsls)
        head = People.by_slack_id(session, "U0HEAD0001")
        assert head is not None and head.has_role("headteacher")


def test_a_name_is_found_whatever_its_case_and_spacing(core: Core) -> None:
    with core.db.session() as session:
        found = People.by_name(session, "  dana   LEAD ")
        assert found is not None and found.name == "Dana Lead"
        assert People.by_name(session, "Dana") is None  # part of a name is not enough


def test_import_csv_adds_and_updates(core: Core, tmp_path: Path) -> None:
    csv_file = tmp_path / "staff.csv"
    csv_file.write_text(
        "name,roles,slack_user_id,email,start_date\n"
        "Kim New,staff,U0NEW00001,kim@example.org,2027-01-04\n"
        "Jo Teacher,staff;deputy_dsl,,,\n"
    )
    assert core.people.import_csv(csv_file) == 2
    with core.db.session() as session:
        kim = People.by_name(session, "Kim New")
        assert kim is not None and kim.start_date == dt.date(2027, 1, 4)
        assert not kim.is_current(dt.date(2026, 12, 1)) and kim.is_current(dt.date(2027, 1, 4))
        jo = People.by_name(session, "Jo Teacher")
        assert jo is not None and jo.roles == {"staff", "deputy_dsl"}
        assert jo.slack_user_id == "U0STAFF001"  # kept: the CSV left it blank


def test_bad_csv_names_the_line(core: Core, tmp_path: Path) -> None:
    csv_file = tmp_path / "bad.csv"
    csv_file.write_text("name,roles\nAmy,staff\n,staff\n")
    with pytest.raises(PeopleError, match="line 3"):
        core.people.import_csv(csv_file)
    with core.db.session() as session:
        assert People.by_name(session, "Amy") is None  # nothing half-imported


def test_unknown_role_is_refused(core: Core) -> None:
    with pytest.raises(PeopleError, match="unknown role"):
        core.people.set_roles("Jo Teacher", ["wizard"])
    with pytest.raises(PeopleError, match="nobody called"):
        core.people.set_roles("Nobody", ["staff"])


def test_leaver_is_not_current_from_leave_date(core: Core) -> None:
    person = core.people.set_leave_date("Jo Teacher", dt.date(2026, 12, 18))
    assert person.is_current(dt.date(2026, 12, 17))
    assert not person.is_current(dt.date(2026, 12, 18))
