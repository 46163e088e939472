"""People and roles: seeded from the school file, managed by CLI-level functions, queried by role."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest

from bot.core import Core
from bot.people import People, PeopleError, person_entry


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


def test_a_name_with_an_accented_capital_is_found_whatever_its_case(any_core: Core) -> None:
    with any_core.db.session() as session:
        any_core.people.upsert(session, person_entry(name="Élodie Martin", roles=["staff"]))
    with any_core.db.session() as session:
        for typed in ("élodie martin", "ÉLODIE  MARTIN"):
            found = People.by_name(session, typed)
            assert found is not None and found.name == "Élodie Martin"


def test_a_name_typed_with_extra_spaces_is_the_same_person(core: Core) -> None:
    with core.db.session() as session:
        kim = core.people.upsert(session, person_entry(name="  Kim   New ", roles=["staff"]))
        assert kim.name == "Kim New"
        assert core.people.upsert(session, person_entry(name="Kim New", roles=["staff", "dsl"])) is kim


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


@pytest.mark.parametrize(
    ("row", "problem"),
    [
        ("Kim New,staff,01/09/2026", "start_date '01/09/2026' is not a date: write it as YYYY-MM-DD, e.g. 2026-09-01"),
        ("Kim New,teacher,", "unknown role 'teacher'; roles are staff, dsl, deputy_dsl"),
        ("K" * 201 + ",staff,", "the name is too long: at most 200 characters, please"),
        ("Kim\x00 New,staff,", "the name contains a NUL character, which cannot be stored: please retype it"),
    ],
)
def test_a_csv_problem_is_said_in_plain_words(core: Core, tmp_path: Path, row: str, problem: str) -> None:
    csv_file = tmp_path / "staff.csv"
    csv_file.write_text(f"name,roles,start_date\n{row}\n")
    with pytest.raises(PeopleError) as error:
        core.people.import_csv(csv_file)
    assert f"line 2: {problem}" in str(error.value) and "pydantic" not in str(error.value)


def test_what_the_database_cannot_store_is_refused_before_it_is_written(any_core: Core) -> None:
    # PostgreSQL enforces the columns' lengths (SQLite does not): a plain refusal, not a database error.
    for values, problem in (
        ({"slack_user_id": "U" * 65}, "the Slack id is too long: at most 64 characters"),
        ({"email": "a" * 320 + "@x.org"}, "the email address is too long: at most 320 characters"),
        ({"telegram_chat_id": 10**20}, "the Telegram chat id 100000000000000000000 is too long"),
    ):
        with pytest.raises(PeopleError, match=problem):
            person_entry(name="Kim New", roles=["staff"], **values)
    with any_core.db.session() as session:
        any_core.people.upsert(session, person_entry(name="K" * 200, roles=["staff"], slack_user_id="U" * 64))
    with any_core.db.session() as session:
        assert People.by_name(session, "K" * 200) is not None


def test_a_csv_with_capitalised_roles_and_no_header_is_understood_or_explained(core: Core, tmp_path: Path) -> None:
    csv_file = tmp_path / "staff.csv"
    csv_file.write_text("name,roles\nKim New,Staff;Deputy DSL\n")
    assert core.people.import_csv(csv_file) == 1
    with core.db.session() as session:
        kim = People.by_name(session, "Kim New")
        assert kim is not None and kim.roles == {"staff", "deputy_dsl"}
    csv_file.write_text("Kim New,staff\n")
    with pytest.raises(PeopleError, match="the first line must name the columns, separated by commas: name, roles"):
        core.people.import_csv(csv_file)


def test_a_csv_as_a_spreadsheet_saves_it_is_read(core: Core, tmp_path: Path) -> None:
    csv_file = tmp_path / "staff.csv"  # Excel's headings, a BOM, blank lines and the empty rows it leaves at the end
    csv_file.write_bytes(b"\xef\xbb\xbfName, Role ,Slack user id\r\n\r\nKim New,Staff,U0NEW00001\r\n,,\r\n,,\r\n")
    assert core.people.import_csv(csv_file) == 1
    with core.db.session() as session:
        kim = People.by_name(session, "Kim New")
        assert kim is not None and kim.roles == {"staff"} and kim.slack_user_id == "U0NEW00001"


def test_a_csv_without_roles_keeps_the_roles_of_people_already_listed(core: Core, tmp_path: Path) -> None:
    csv_file = tmp_path / "emails.csv"
    csv_file.write_text("name,email\nDana Lead,dana@example.org\nKim New,kim@example.org\n")
    assert core.people.import_csv(csv_file) == 2
    with core.db.session() as session:
        dana, kim = People.by_name(session, "Dana Lead"), People.by_name(session, "Kim New")
        assert dana is not None and dana.roles == {"dsl", "staff"} and dana.email == "dana@example.org"
        assert kim is not None and kim.roles == {"staff"}


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        (b"", "the first line must name the columns"),
        (b"- {name: Kim New}\n", "the first line must name the columns"),  # a YAML list, say
        (b"name;roles\nKim New;staff\n", "the first line must name the columns, separated by commas"),
        (b"name,roles\n", "nobody to import"),
        (b"name,phone\nKim New,0116\n", "does not know the column 'phone'"),
        (b"name,roles\nB\xe9a Smith,staff\n", 'is not saved as UTF-8 text. In Excel, choose File > Save As'),
        (b"name,roles\n\nKim New,staff\nAmy,wizard\n", "line 4: unknown role 'wizard'"),
        (b"name,slack_user_id\nKim New,\nAmy,U0HEAD0001\n", "line 3: the Slack id U0HEAD0001 already belongs to"),
        # Two people of one name: the second row would quietly overwrite the first (and "Imported 2 people").
        (b"name,slack_user_id\nKim New,U0KIM1\nkim  new,U0KIM2\n", "line 3: kim new is also on line 2"),
        (b"name,slack_user_id\nKim New,\nJo Teacher,U0NEWJO\n", "line 3: Jo Teacher is already listed, with another"),
    ],
)
def test_a_csv_that_cannot_be_imported_says_why_and_imports_nobody(
    core: Core, tmp_path: Path, content: bytes, problem: str
) -> None:
    csv_file = tmp_path / "staff.csv"
    csv_file.write_bytes(content)
    with pytest.raises(PeopleError, match=re.escape(problem)):
        core.people.import_csv(csv_file)
    with core.db.session() as session:
        assert People.by_name(session, "Kim New") is None


def test_a_slack_id_or_name_already_taken_is_refused_in_plain_words(core: Core) -> None:
    with core.db.session() as session, pytest.raises(PeopleError, match="already belongs to Alex Head"):
        core.people.upsert(session, person_entry(name="Jo Teacher", roles=["staff"], slack_user_id="U0HEAD0001"))
    with pytest.raises(PeopleError, match="a name is needed"):
        person_entry(name="  ", roles=["staff"])


def test_someone_new_with_the_name_of_someone_listed_does_not_take_over_their_record(core: Core) -> None:
    """A second Jo Teacher joining: `people add "Jo Teacher" --slack U0NEWJO` said "Updated Jo Teacher" and gave the
    first Jo's record (their acceptances, their pictures noted, their reminders) to the new one, who was then never
    asked to accept the policy, while the first Jo heard nothing more."""
    with core.db.session() as session, pytest.raises(PeopleError) as refused:
        core.people.upsert(session, person_entry(name="Jo Teacher", roles=["staff"], slack_user_id="U0NEWJO",
                                                 start_date=dt.date(2026, 11, 30)))
    said = str(refused.value)
    assert said.startswith("Jo Teacher is already listed, with another Slack id (U0STAFF001)")
    assert "a name that tells the two apart (a middle initial, say)" in said
    assert 'policybot people add "Jo Teacher" --slack U0NEWJO --replace-ids' in said  # theirs, changed
    with core.db.session() as session:
        jo = People.by_name(session, "Jo Teacher")
        assert jo is not None and (jo.slack_user_id, jo.start_date) == ("U0STAFF001", None)
        # A Slack id for someone listed without one, or the same again, is no other person.
        core.people.upsert(session, person_entry(name="Jo Teacher", roles=["staff"], slack_user_id="U0STAFF001"))
        core.people.upsert(session, person_entry(name="Kim New", roles=["staff"]))
        core.people.upsert(session, person_entry(name="Kim New", roles=["staff"], slack_user_id="U0KIM00001"))
    with core.db.session() as session:  # their own id, changed (a new Slack account): said so, it is replaced
        core.people.upsert(session, person_entry(name="Jo Teacher", roles=["staff"], slack_user_id="U0NEWJO"),
                           replace_ids=True)
    with core.db.session() as session:
        jo = People.by_name(session, "Jo Teacher")
        assert jo is not None and jo.slack_user_id == "U0NEWJO"


def test_a_name_typed_wrong_is_corrected_and_stays_the_same_person(core: Core) -> None:
    """Added as 'Kim Nwe': adding 'Kim New' with the same Slack id was refused, and nothing could correct the name."""
    with core.db.session() as session:
        kim = core.people.upsert(session, person_entry(name="Kim Nwe", roles=["staff"], slack_user_id="U0KIM00001"))
        kim_id = kim.id
    with core.db.session() as session, pytest.raises(PeopleError) as refused:
        core.people.upsert(session, person_entry(name="Kim New", roles=["staff"], slack_user_id="U0KIM00001"))
    assert str(refused.value).endswith('correct it with `policybot people rename "Kim Nwe" "Kim New"`')
    assert core.schedule.acks.record_for("Kim Nwe", by="Pat Office").startswith("Recorded that Kim Nwe has read")
    renamed = core.people.rename("kim nwe", "  Kim   New ")
    assert (renamed.id, renamed.name, renamed.slack_user_id) == (kim_id, "Kim New", "U0KIM00001")
    assert [r.acknowledged_at is not None for r in core.schedule.acks.compliance() if r.name == "Kim New"] == [True]
    assert core.people.rename("kim new", "Kim New").name == "Kim New"  # only the case changed: still Kim
    with pytest.raises(PeopleError, match="Jo Teacher is someone else already listed"):
        core.people.rename("Kim New", "jo teacher")
    with pytest.raises(PeopleError, match="a name is needed"):
        core.people.rename("Kim New", " ")
    with pytest.raises(PeopleError, match="nobody called 'Kim Nwe'"):
        core.people.rename("Kim Nwe", "Kim Newer")


def test_messages_for_someone_on_the_console_reach_them_under_their_corrected_name(any_core: Core) -> None:
    """The console reaches people by name. When Dana's name is corrected, the card waiting for her is delivered to her
    under the new name, and so are the newer versions of the cards she was sent before: nothing goes to the old name,
    on SQLite and PostgreSQL alike."""
    from bot.ports import OutboundMessage

    delivered: list[OutboundMessage] = []

    class Console:
        platform = "console"

        def deliver(self, message: OutboundMessage) -> None:
            delivered.append(message)

    reports, outbox = any_core.reports, any_core.outbox
    sent = reports.submit("other", "A parent posted a photo of the class trip.", channel="console")
    outbox.dispatch({"console": Console()}, reports.resolve_recipient)
    waiting = reports.submit("other", "A parent shared a video of the nativity.", channel="console")
    any_core.people.rename("Dana Lead", "Dana Leigh")
    sam = reports.actor(name="Sam Deputy")
    assert sam is not None
    before = len(delivered)
    for receipt in (sent, waiting):
        reports.acknowledge(receipt.reference, sam)  # a newer card for each who has it
    outbox.dispatch({"console": Console()}, reports.resolve_recipient)
    to_dana = sorted((m.kind, m.ref or "") for m in delivered[before:] if m.recipient.address.startswith("Dana"))
    assert to_dana == sorted([("report_alert", waiting.reference), ("report_update", waiting.reference),
                              ("report_update", sent.reference)])
    assert {m.recipient.address for m in delivered[before:] if m.recipient.address.startswith("Dana")} == {
        "Dana Leigh"}
    assert outbox.pending_count() == 0


def test_a_name_corrected_in_the_school_file_does_not_stop_the_bot(core: Core) -> None:
    """Jo's name was mistyped in the school file when the bot first ran; corrected there, the file's entry has Jo's
    Slack id under a name nobody has, and every start-up and command stopped: 'the Slack id ... already belongs to'."""
    core.people.rename("Jo Teacher", "Jo Techer")  # as the first run loaded it
    assert core.people.seed(core.school.people) == 0
    with core.db.session() as session:
        assert [p.name for p in People.with_role(session, "staff") if p.slack_user_id == "U0STAFF001"] == ["Jo Techer"]
    assert core.people.differing_from(core.school.people) == [
        'Jo Teacher (listed here as Jo Techer: `policybot people rename "Jo Techer" "Jo Teacher"` if the file has '
        "the name right)"
    ]
    core.people.rename("Jo Techer", "Jo Teacher")
    assert core.people.differing_from(core.school.people) == []


def test_unknown_role_is_refused(core: Core) -> None:
    with pytest.raises(PeopleError, match="unknown role"):
        core.people.set_roles("Jo Teacher", ["wizard"])
    with pytest.raises(PeopleError, match="nobody called"):
        core.people.set_roles("Nobody", ["staff"])


def test_roles_are_set_as_they_are_added_whatever_their_case(core: Core) -> None:
    assert core.people.set_roles("jo teacher", ["Staff", "Deputy-DSL"]).roles == {"staff", "deputy_dsl"}


@pytest.mark.parametrize(
    ("typed", "meant"),
    [
        ("Jo", "did you mean Jo Teacher? "),
        ("dana", "did you mean Dana Lead? "),
        ("Sam Deptuy", "did you mean Sam Deputy? "),
        ("Nobody Here", ""),
    ],
)
def test_a_name_not_found_says_whom_it_may_mean(core: Core, typed: str, meant: str) -> None:
    with pytest.raises(PeopleError) as error:
        core.people.set_away(typed, None)
    assert str(error.value) == f"nobody called {typed!r}; {meant}`policybot people list` shows everyone"


def test_two_people_of_one_first_name_are_both_offered(core: Core) -> None:
    with core.db.session() as session:
        core.people.upsert(session, person_entry(name="Jo Smith", roles=["staff"]))
    with pytest.raises(PeopleError, match="did you mean Jo Smith or Jo Teacher?"):
        core.people.set_roles("jo", ["staff"])


def test_leaver_is_not_current_from_leave_date(core: Core) -> None:
    person = core.people.set_leave_date("Jo Teacher", dt.date(2026, 12, 18))
    assert person.is_current(dt.date(2026, 12, 17))
    assert not person.is_current(dt.date(2026, 12, 18))


def test_a_leaver_hired_again_is_current_from_their_new_start_date(core: Core) -> None:
    """Jo left in July; `people add "Jo Teacher" --start 2026-09-01` kept the old leave date, so Jo counted as gone
    (never reminded, missing from the acceptance table). A start date before the leave date is only a correction."""
    core.people.set_leave_date("Jo Teacher", dt.date(2026, 7, 22))
    with core.db.session() as session:
        core.people.upsert(session, person_entry(name="Jo Teacher", roles=["staff"], start_date="2026-06-01"))
    assert core.people.leave_date("Jo Teacher") == dt.date(2026, 7, 22)
    with core.db.session() as session:
        jo = core.people.upsert(session, person_entry(name="Jo Teacher", roles=["staff"], start_date="2026-09-01"))
        assert jo.leave_date is None and jo.is_current(dt.date(2026, 11, 25))
    assert "Jo Teacher" in {r.name for r in core.schedule.acks.compliance()}


def test_a_start_date_given_again_is_not_changed_without_saying_so(core: Core) -> None:
    """`people add "Kim New" --start 2027-01-11` for Kim, listed as starting on 4 January, quietly moved her start
    (and with it her first reminders). It is refused, naming the command that changes it; a start date for someone
    listed without one, the same one again, or one from their leave date on (hired again) is taken as before."""
    with core.db.session() as session:
        core.people.upsert(session, person_entry(name="Kim New", roles=["staff"], start_date="2027-01-04"))
    with core.db.session() as session, pytest.raises(PeopleError) as refused:
        core.people.upsert(session, person_entry(name="Kim New", roles=["staff"], start_date="2027-01-11"))
    assert str(refused.value) == (
        "Kim New is already listed, starting on Monday 4 January 2027. If that date is wrong, change it with "
        '`policybot people add "Kim New" --start 2027-01-11 --replace-start`'
    )
    with core.db.session() as session:
        core.people.upsert(session, person_entry(name="Kim New", roles=["staff"], start_date="2027-01-04"))
        core.people.upsert(session, person_entry(name="Jo Teacher", roles=["staff"], start_date="2026-09-01"))
    with core.db.session() as session:
        kim = core.people.upsert(session, person_entry(name="Kim New", roles=["staff"], start_date="2027-01-11"),
                                 replace_start=True)
        assert kim.start_date == dt.date(2027, 1, 11)
    core.people.set_leave_date("Kim New", dt.date(2027, 7, 22))
    with core.db.session() as session:
        kim = core.people.upsert(session, person_entry(name="Kim New", roles=["staff"], start_date="2027-09-02"))
        assert (kim.start_date, kim.leave_date) == (dt.date(2027, 9, 2), None)


def test_a_change_in_the_school_file_after_the_first_run_is_pointed_out(core: Core) -> None:
    """The file only adds new people, so a new role or leave date written there later does nothing: say so."""
    assert core.people.differing_from(core.school.people) == []
    changed = [
        e.model_copy(update={"roles": ["staff", "deputy_dsl"], "leave_date": dt.date(2027, 7, 23)})
        if e.name == "Jo Teacher" else e
        for e in core.school.people
    ]
    assert core.people.differing_from(changed) == ["Jo Teacher"]
    core.people.set_roles("Jo Teacher", ["staff", "deputy_dsl"])
    core.people.set_leave_date("Jo Teacher", dt.date(2027, 7, 23))
    assert core.people.differing_from(changed) == []
