"""Settings and the school file: defaults that run with no tokens, and clear errors for bad files."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from bot.config import ConfigError, School, Settings, load_school, read_settings
from bot.core import Core
from bot.ports import ManualClock


def test_defaults_need_no_tokens(tmp_path: Path) -> None:
    settings = Settings(_env_file=None, data_dir=tmp_path)  # type: ignore[call-arg]
    assert settings.resolved_database_url.startswith("sqlite:///")
    assert not settings.slack_enabled and not settings.telegram_enabled


def test_tokens_switch_adapters_on(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-1")
    monkeypatch.setenv("SLACK_APP_TOKEN", "xapp-1")
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", "123:abc")
    settings = Settings(_env_file=None)  # type: ignore[call-arg]
    assert settings.slack_enabled and settings.telegram_enabled


def test_variables_left_empty_in_env_file_are_not_set(tmp_path: Path) -> None:
    """A .env made from a template keeps the lines it does not use, empty: Slack must not start on an empty token."""
    env_file = tmp_path / ".env"
    env_file.write_text("TELEGRAM_BOT_TOKEN=123:abc\nSLACK_BOT_TOKEN=\nSLACK_SIGNING_SECRET=\nPORT=\n")
    settings = Settings(_env_file=env_file)  # type: ignore[call-arg]
    assert settings.telegram_enabled and not settings.slack_enabled
    assert settings.slack_bot_token is None and settings.port == 3000


def test_a_setting_that_cannot_be_used_names_its_variable(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / ".env").write_text("TELEGRAM_WEBHOOK_PORT=eighty\nSLACK_BOT_TOKEN=xoxb-secret\n")
    with pytest.raises(ConfigError) as caught:
        read_settings()
    assert str(caught.value) == (
        "A setting in .env (or the environment) cannot be used: TELEGRAM_WEBHOOK_PORT='eighty' should be a whole "
        "number, for example TELEGRAM_WEBHOOK_PORT=8443. Correct it, then start again."
    )


def test_a_log_level_logging_does_not_know_is_refused_with_the_ones_it_does(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """LOG_LEVEL=LOUD was quietly INFO."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("LOG_LEVEL", "LOUD")
    with pytest.raises(ConfigError) as caught:
        read_settings()
    assert str(caught.value) == (
        "A setting in .env (or the environment) cannot be used: LOG_LEVEL='LOUD' should be one of DEBUG, INFO, "
        "WARNING or ERROR. Correct it, then start again."
    )
    monkeypatch.setenv("LOG_LEVEL", " debug")
    assert read_settings().log_level == "DEBUG"


def test_sample_school_file_loads(school_file: Path = Path(__file__).parent.parent / "school.example.yaml") -> None:
    school = load_school(school_file)
    assert school.timezone == "Europe/London"
    assert school.is_school_day(dt.date(2026, 11, 25))
    assert not school.is_school_day(dt.date(2026, 11, 28))  # Saturday
    assert not school.is_school_day(dt.date(2026, 12, 23))  # Christmas holiday
    # Bank holidays in term time: no reminders on Good Friday or the early May bank holiday.
    assert not school.is_school_day(dt.date(2027, 3, 26)) and not school.is_school_day(dt.date(2027, 5, 3))


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        ("name: [unclosed", ", line 1: a list in [ ] is not closed"),
        ("name: X\nholidays: [Christmas, Easter\nreminder_time: 08:30", ", line 2: a list in [ ] is not closed"),
        ("name: X\ncontacts: {office: {title: the office}\nreminder_time: 08:30", ", line 2: a { } is not closed"),
        ("- a list", ": this is not a school settings file: it should have one setting per line, starting with  name:"),
        ("", ": the file is empty"),
        ("timezone: Europe/London", ": name is missing: add it, as  name: ..."),
        (
            "name: X\npeople:\n  - {name: A, roles: [wizard]}",
            ", line 3, the 1st person (A), roles: 'wizard' is not a role: write one of staff, dsl, deputy_dsl,",
        ),
        (
            "name: X\nholidays:\n  - {name: Christmas, start: 2026-12-21, end: 2026-12-32}",
            ", line 3, the 1st holiday (Christmas), end: '2026-12-32' is not a real date: check the day and the month",
        ),
        (
            "name: X\nholidays:\n  - {name: Easter, start: 2027-04-10, end: 2027-03-26}",
            ", line 3, the 1st holiday (Easter): the holiday 'Easter' ends (2027-03-26) before it starts (2027-04-10)",
        ),
        ('name: X\nreminder_time: "19:30"', ": reminder_time 19:30 is outside the hours reminders may be sent"),
        ('name: X\nquiet_hours: {start: "18:00", end: "07:00"}', ": quiet_hours: end (07:00) must be after start"),
        (  # the photos reminder at 15:30 would never go out
            'name: X\nquiet_hours: {start: "07:00", end: "15:00"}\nend_of_day: "15:30"',
            ": end_of_day 15:30 (when staff are reminded of pupils' images on their phones) is outside the hours",
        ),
    ],
)
def test_bad_school_file_says_file_path_problem(tmp_path: Path, content: str, problem: str) -> None:
    path = tmp_path / "school.yaml"
    path.write_text(content)
    with pytest.raises(ConfigError) as info:
        load_school(path)
    assert str(info.value).startswith(str(path)) and str(path) + problem in str(info.value)


@pytest.mark.parametrize(
    ("quiet_hours", "end_of_day"),
    [
        ('{start: "07:00", end: "18:00"}', dt.time(15, 30)),  # inside: the default
        ('{start: "07:00", end: "15:00"}', dt.time(14, 30)),  # half an hour before they end
        ('{start: "07:00", end: "07:20"}', dt.time(7, 0)),  # never before they start
        ('{start: "16:00", end: "19:00"}', dt.time(18, 30)),
    ],
)
def test_a_school_file_from_before_end_of_day_still_starts(
    tmp_path: Path, quiet_hours: str, end_of_day: dt.time
) -> None:
    """A file that worked before end_of_day existed must not stop the bot (safeguarding alerts included) after an
    upgrade: the default moves inside its quiet hours; only a time the school chose itself is refused."""
    path = tmp_path / "school.yaml"
    path.write_text(f'name: X\nquiet_hours: {quiet_hours}\nreminder_time: "{end_of_day:%H:%M}"')
    assert load_school(path).end_of_day == end_of_day


def test_times_written_without_quotes_are_read_as_written(tmp_path: Path) -> None:
    # YAML reads 15:30 as 930 (minutes): taken as seconds, it was 00:15:30, and a comparison with a zoned time failed.
    path = tmp_path / "school.yaml"
    path.write_text("name: X\nquiet_hours: {start: 7:00, end: 18:00}\nreminder_time: 8:30\nend_of_day: 15:30\n")
    school = load_school(path)
    assert (school.quiet_hours.start, school.quiet_hours.end) == (dt.time(7), dt.time(18))
    assert (school.reminder_time, school.end_of_day) == (dt.time(8, 30), dt.time(15, 30))


SAMPLE = (Path(__file__).parent.parent / "school.example.yaml").read_text(encoding="utf-8")


@pytest.mark.parametrize(
    ("old", "new", "problem"),
    [  # the school file as someone edits it in Notepad: file, line, entry, what is wrong and how to write it
        ("  office:", "\toffice:", ", line {n}: a tab is used to indent this line: indent with spaces instead"),
        ("timezone: Europe", "timezone Europe", ", line {n}: a colon is missing: write each setting as  name: value"),
        ("    title: the school office", "   title: the school office",
         ", line {n1}: this line is indented differently from the lines around it"),  # YAML sees it a line on
        ("timezone:", "timezon:", ", line {n}: 'timezon' is not a setting this file knows: did you mean 'timezone'?"),
        ("slack_user_id: U0STAFF001", "slack_id: U0STAFF001",
         ", line {n}, the 6th person (Jo Teacher): 'slack_id' is not a setting this file knows: did you mean"),
        ("alert_contents: full", "alert_contents: full\nalert_contents: contentless",
         ", line {n1}: 'alert_contents' is written twice (lines {n} and {n1}): keep only one"),
        ("name: Stokes Wood Primary School", "name:", ", line {n}: name is blank: write it after the colon"),
        ('reminder_time: "08:30"', "reminder_time: 8.30",
         ', line {n}, reminder_time: 8.30 is not a time: write it with a colon, in quotes, e.g. "08:30"'),
        ('reminder_time: "08:30"', "reminder_time: 8:30am", ", line {n}, reminder_time: '8:30am' is not a time"),
        ("start: 2026-12-21", "start: 21/12/2026", ", line {n}, the 1st holiday (Christmas holiday), start: "
         "'21/12/2026' is not a date: write it as YYYY-MM-DD (for 21/12/2026: 2026-12-21)"),
        ("Dana Lead, roles: [dsl", "Dana Lead, roles: [dls",
         ", line {n}, the 2nd person (Dana Lead), roles: 'dls' is not a role: write one of staff, dsl,"),
        ("    title: the Headteacher", "    name: Alex Head",
         ", line {above}, the contact headteacher: title is missing: add it, as  title: ..."),
        ("Jo Teacher", "Dana Lead", ", line {people}, people: Dana Lead is listed twice (the 2nd and the 6th person): "
         "keep one entry, with all their roles in it"),
        ("slack_user_id: U0STAFF001", "telegram_chat_id: abc",
         ", line {n}, the 6th person (Jo Teacher), telegram_chat_id: 'abc' is not a whole number"),
    ],
)
def test_a_school_file_broken_in_notepad_says_line_entry_and_how_to_write_it(
    tmp_path: Path, old: str, new: str, problem: str
) -> None:
    assert old in SAMPLE
    n = SAMPLE[: SAMPLE.index(old)].count("\n") + 1  # the line `old` is on: the example's comments move it
    people = SAMPLE[: SAMPLE.index("\npeople:")].count("\n") + 2
    problem = problem.format(n=n, n1=n + 1, above=n - 1, people=people)
    path = tmp_path / "school.yaml"
    path.write_text(SAMPLE.replace(old, new, 1), encoding="utf-8")
    with pytest.raises(ConfigError) as info:
        load_school(path)
    assert str(info.value).startswith(str(path) + problem)
    assert "Input should" not in str(info.value) and "<unicode string>" not in str(info.value)


def test_several_problems_are_listed_in_the_order_of_the_file(tmp_path: Path) -> None:
    path = tmp_path / "school.yaml"
    path.write_text("name: X\ntimezon: Europe/London\nreminder_time: 8.30\n", encoding="utf-8")
    with pytest.raises(ConfigError) as info:
        load_school(path)
    assert str(info.value).splitlines() == [
        f"{path} has 2 problems:",
        "  line 2: 'timezon' is not a setting this file knows: did you mean 'timezone'? check its spelling, or "
        "remove it",
        '  line 3, reminder_time: 8.30 is not a time: write it with a colon, in quotes, e.g. "08:30" or "15:30"',
    ]


def test_missing_school_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="file not found"):
        load_school(tmp_path / "nope.yaml")


def test_unknown_timezone_is_explained(tmp_path: Path) -> None:
    path = tmp_path / "school.yaml"
    path.write_text("name: X\ntimezone: Mars/Olympus")
    with pytest.raises(ConfigError, match="line 2: 'Mars/Olympus' is not a timezone name: write it as Region/City"):
        load_school(path)


def test_a_postgres_url_as_heroku_writes_it_is_understood(tmp_path: Path) -> None:
    settings = Settings(_env_file=None, data_dir=tmp_path, database_url="postgres://postgres@127.0.0.1/test")  # type: ignore[call-arg]
    assert settings.resolved_database_url == "postgresql://postgres@127.0.0.1/test"


def test_today_is_the_schools_date_and_decided_in_one_place(
    core: Core, clock: ManualClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The core, the reminders' quiet hours and the reports all ask the school what day it is: 00:30 in London on
    a summer night is already the 2nd of July though UTC still says the 1st."""
    from bot.schedule.quiet import QuietHours

    clock.set(dt.datetime(2026, 7, 1, 23, 30, tzinfo=dt.UTC))
    quiet = QuietHours(core.school)
    assert core.today() == quiet.today(clock.now()) == core.reports._today() == dt.date(2026, 7, 2)
    monkeypatch.setattr(School, "date_at", lambda _school, _moment: dt.date(2031, 1, 1))
    assert core.today() == quiet.today(clock.now()) == core.reports._today() == dt.date(2031, 1, 1)


def test_a_contact_the_bot_never_names_is_said_at_start_up(tmp_path: Path, clock: ManualClock) -> None:
    """A misspelt contact was taken without a word, and parents were given 'the school office' without its number."""
    from tests.conftest import make_settings

    school_file = tmp_path / "school.yaml"
    school_file.write_text(
        "name: Test School\ncontacts:\n  offce:\n    title: the school office\n    phone: '0116 000 0000'\n"
        "  dsl:\n    title: the DSLs\n",
        encoding="utf-8",
    )
    settings = make_settings(tmp_path, school_file=school_file)
    core = Core(settings, school=load_school(school_file), clock=clock)
    assert core.unused_contacts() == [
        f"{school_file}, line 3: the contact 'offce' is never shown to anyone: did you mean 'office'? The bot names "
        "only chair_of_governors, class_teacher, dsl, headteacher, local_authority, office. Correct its name, or "
        "remove it."
    ]
    assert core.qa.contact_for("parent") == "the school office"  # what parents were given: no number
    sample = Path(__file__).parent.parent / "school.example.yaml"
    sample_core = Core(make_settings(tmp_path, school_file=sample), school=load_school(sample), clock=clock)
    assert sample_core.unused_contacts() == []


def test_a_setting_in_env_that_policybot_does_not_know_is_said_at_start_up(tmp_path: Path) -> None:
    """A misspelt DATABASE_URL was ignored without a word: the bot started on a new, empty SQLite database."""
    from bot.config import unknown_env_settings

    env = tmp_path / ".env"
    env.write_text("# the bot's settings\nDATABSE_URL=postgresql://policybot@/policybot\nslack_bot_token=xoxb-1\n"
                   "export LOG_LEVEL=INFO\nTELEGRAM_BOT_TOKEN=\nFAVOURITE_COLOUR=blue\n", encoding="utf-8")
    assert unknown_env_settings(env) == [
        f"{env}, line 2: DATABSE_URL is not a setting policybot knows, so it is ignored: did you mean DATABASE_URL? "
        "Correct it, or remove it.",
        f"{env}, line 6: FAVOURITE_COLOUR is not a setting policybot knows, so it is ignored. Correct it, or remove "
        "it.",
    ]
    assert unknown_env_settings(tmp_path / "none") == []
