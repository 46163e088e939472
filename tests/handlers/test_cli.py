"""The `policybot` command as a newcomer meets it: real processes, a fresh data directory, no tokens."""

from __future__ import annotations

import datetime as dt
import functools
import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from bot import __version__
from bot.policy.loader import load_library
from bot.qa import QuestionAnswerer

REPO = Path(__file__).resolve().parents[2]


@functools.cache
def _kept_index() -> bytes:
    """The question index `policybot` keeps in its data folder (bot.qa.cache), built once for all the processes these
    tests start: each would otherwise spend a second building it. tests/qa/test_cache.py tests the keeping itself."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "qa-index.json"
        QuestionAnswerer(load_library(REPO / "policy_data"), cache_file=path)
        return path.read_bytes()


def policybot(
    tmp_path: Path, *args: str, stdin: str = "", env_extra: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("SLACK_", "TELEGRAM_", "DATABASE_URL", "POLICYBOT_"))
    }
    env.update({"DATA_DIR": str(tmp_path / "data"), "SCHOOL_FILE": str(REPO / "school.example.yaml")})
    env.update(env_extra or {})
    kept = Path(env["DATA_DIR"]) / "qa-index.json"
    if not kept.exists():
        kept.parent.mkdir(parents=True, exist_ok=True)
        kept.write_bytes(_kept_index())
    return subprocess.run(
        [sys.executable, "-m", "handlers.cli", *args],
        input=stdin,
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env={**env, "PYTHONPATH": str(REPO)},
        timeout=60,
    )


class InProcess:
    """`policybot` run in this process (`handlers.cli.main`), for tests of many quick commands: each real process
    costs a second of start-up. The same fresh data directory and environment as `policybot`."""

    def __init__(self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
        for name in list(os.environ):
            if name.startswith(("SLACK_", "TELEGRAM_", "DATABASE_URL", "POLICYBOT_")):
                monkeypatch.delenv(name)
        monkeypatch.setenv("DATA_DIR", str(tmp_path / "data"))
        monkeypatch.setenv("SCHOOL_FILE", str(REPO / "school.example.yaml"))
        monkeypatch.chdir(tmp_path)
        kept = tmp_path / "data" / "qa-index.json"
        kept.parent.mkdir(parents=True, exist_ok=True)
        kept.write_bytes(_kept_index())
        self.capsys = capsys

    def __call__(self, *args: str) -> subprocess.CompletedProcess[str]:
        from handlers.cli import main

        self.capsys.readouterr()
        try:
            code = main(list(args))
        except SystemExit as exc:  # argparse's own exits (-h, a usage error)
            code = exc.code if isinstance(exc.code, int) else 1
        out = self.capsys.readouterr()
        return subprocess.CompletedProcess(list(args), code, out.out, out.err)


@pytest.fixture
def run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> InProcess:
    return InProcess(tmp_path, monkeypatch, capsys)


def test_version(tmp_path: Path) -> None:
    result = policybot(tmp_path, "--version")
    assert result.returncode == 0 and result.stdout.strip() == f"policybot {__version__}"


def test_no_command_shows_help(tmp_path: Path) -> None:
    result = policybot(tmp_path)
    assert result.returncode == 2 and "COMMAND" in result.stdout


def test_people_commands_round_trip(tmp_path: Path, run: InProcess) -> None:
    assert run("people", "add", "Kim New", "--role", "staff", "--slack", "U0KIM").returncode == 0
    assert run("people", "role", "Kim New", "staff", "deputy_dsl").returncode == 0
    listing = run("people", "list")
    assert "Kim New: Deputy Designated Safeguarding Lead, Staff" in listing.stdout
    assert "Dana Lead: Designated Safeguarding Lead, Staff" in listing.stdout  # from the school file
    # Giving someone already listed a new Slack id keeps their roles; a new id is said to be theirs, not someone
    # else's of the same name (refused without --replace-ids, and nothing changed).
    refused = run("people", "add", "Dana Lead", "--slack", "U0DSLNEW01")
    assert refused.returncode == 1 and "Dana Lead is already listed, with another Slack id" in refused.stderr
    added = run("people", "add", "Dana Lead", "--slack", "U0DSLNEW01", "--replace-ids")
    assert added.stdout.strip() == "Updated Dana Lead (dsl, staff)."
    listing = run("people", "list")
    assert "Dana Lead: Designated Safeguarding Lead, Staff  slack U0DSLNEW01" in listing.stdout
    # A leaving date recorded after the day has passed is not promised a reminder "that day", nor "on the next
    # school day" when it is today (the clock here is the real one: either may be true).
    late = run("people", "leave", "Kim New", "--on", "2020-07-17")
    assert re.match(
        r"Kim New left on Friday 17 July 2020\. The admin will be asked (today|on \w+day \d+ \w+ \d{4}) to change",
        late.stdout,
    )
    # A leave date is their first day away: asked on their last school day (here before the summer holiday).
    summer = run("people", "leave", "Kim New", "--on", "2027-07-22")
    if dt.date.today() < dt.date(2027, 7, 21):
        assert summer.stdout.startswith(
            "Kim New leaves on Thursday 22 July 2027, their first day away. The admin will be asked on "
            "Wednesday 21 July 2027, their last school day, to change the passwords"
        )
    # Hired again: the start date clears the leave date, and says so.
    again = run("people", "add", "Kim New", "--start", "2027-09-02")
    assert again.stdout.splitlines()[1] == (
        "Kim New was recorded as leaving on Thursday 22 July 2027. Starting again on Thursday 2 September 2027, "
        "they are no longer recorded as leaving."
    )
    assert "Kim New: Deputy Designated Safeguarding Lead, Staff  slack U0KIM\n" in run("people", "list").stdout


def test_a_start_date_listed_is_changed_only_with_replace_start(run: InProcess) -> None:
    assert run("people", "add", "Kim New", "--start", "2027-01-04").returncode == 0
    refused = run("people", "add", "Kim New", "--start", "2027-01-11")
    assert refused.returncode == 1 and refused.stdout == ""
    assert 'policybot people add "Kim New" --start 2027-01-11 --replace-start' in refused.stderr
    assert run("people", "add", "Kim New", "--start", "2027-01-11", "--replace-start").returncode == 0


def test_the_people_list_shows_a_telegram_chat_too(run: InProcess) -> None:
    """A vice-chair added with --telegram alone (governors often use Telegram) was listed with nothing after their
    role, as if they could not be alerted anywhere: whoever added them could not see it had been taken."""
    added = run("people", "add", "Val Vice", "--role", "vice_chair_of_governors", "--telegram", "100000001")
    assert added.returncode == 0
    assert "Val Vice: Vice-Chair of Governors  telegram 100000001\n" in run("people", "list").stdout


def test_recording_that_the_last_holder_of_a_role_leaves_says_so(tmp_path: Path, run: InProcess) -> None:
    office = run("people", "leave", "Pat Office", "--on", "2031-07-18")
    assert "nobody else is the Administrator" in office.stdout and "policybot people role NAME" in office.stdout
    assert "The headteacher will be asked" in office.stdout  # the admin is the one leaving
    dsl = run("people", "leave", "Dana Lead", "--on", "2031-07-18")
    assert "Please note" not in dsl.stdout  # Sam Deputy is still there
    deputy = run("people", "leave", "Sam Deputy", "--on", "2031-09-01")
    assert "nobody else is a Designated Safeguarding Lead or deputy." in deputy.stdout
    head = run("people", "leave", "Alex Head", "--on", "2031-07-18")
    assert "nobody else is the Headteacher." in head.stdout
    teacher = run("people", "leave", "Jo Teacher", "--on", "2031-07-18")
    assert "Please note" not in teacher.stdout
    back = run("people", "leave", "Pat Office", "--cancel")
    assert back.stdout.strip() == "Pat Office is no longer recorded as leaving."
    again = run("people", "leave", "Pat Office", "--cancel")
    assert again.stdout.strip() == "Pat Office was not recorded as leaving; nothing changed."
    not_away = run("people", "away", "Sam Deputy", "--back")
    assert not_away.stdout.strip() == "Sam Deputy was not recorded as away; nothing changed."
    assert "Pat Office: Administrator, Staff  slack U0ADMIN001\n" in run("people", "list").stdout


def test_recording_that_the_last_chair_leaves_says_where_concerns_about_the_head_go_then(run: InProcess) -> None:
    """'Nobody else is the Chair of Governors' said nothing of the concerns about the headteacher the chair takes: to
    the vice-chair, where the school names one, else to nobody at the school, the sender given the LADO."""
    chair = run("people", "leave", "Chris Chair", "--on", "2031-07-18")
    assert "nobody else is the Chair of Governors." in chair.stdout
    assert ("From that day: New reports of a concern about the headteacher cannot be sent to anyone at the school: "
            "senders are told so, and given the Local Authority Designated Officer (LADO), 0116 000 0001.\n"
            ) in chair.stdout
    run("people", "add", "Val Vice", "--role", "vice_chair_of_governors")
    chair = run("people", "leave", "Chris Chair", "--on", "2031-07-18")
    assert "From that day: New reports of a concern about the headteacher go to Val Vice.\n" in chair.stdout


def test_people_import_says_how_many_and_what_the_file_needs(tmp_path: Path, run: InProcess) -> None:
    (tmp_path / "new.csv").write_text("Name,Email\nKim New,kim@example.org\n")
    assert run("people", "import", "new.csv").stdout == "Imported 1 person from new.csv.\n"
    (tmp_path / "excel.csv").write_bytes(b"name\nZo\xeb New\n")  # Excel's plain "CSV" on Windows
    refused = run("people", "import", "excel.csv")
    assert refused.returncode == 1 and 'Save As > "CSV UTF-8 (Comma delimited)"' in refused.stderr
    helped = run("people", "import", "-h")
    assert "name, roles (several separated by ';'" in " ".join(helped.stdout.split())


def test_a_name_the_terminal_did_not_send_as_utf8_is_refused_in_plain_words(
    capsys: pytest.CaptureFixture[str],
) -> None:
    from handlers.cli import main

    assert main(["people", "add", b"Zo\xeb New".decode("utf-8", "surrogateescape")]) == 2
    said = capsys.readouterr().err
    assert said.startswith("policybot: the terminal did not send 'Zo\ufffd New' as UTF-8 text")


def test_a_telegram_chat_id_that_is_not_a_number_is_said_plainly(tmp_path: Path, run: InProcess) -> None:
    result = run("people", "add", "Dana Lead", "--telegram", "@danalead")
    assert (result.returncode, result.stderr) == (1, "policybot: the Telegram chat id '@danalead' is not a number\n")
    assert run("people", "add", "Dana Lead", "--telegram", "-1001234").returncode == 0


def test_known_errors_are_one_plain_line(tmp_path: Path) -> None:
    result = policybot(tmp_path, "people", "role", "Nobody Here", "staff")
    assert result.returncode == 1
    assert result.stderr.strip() == (
        "policybot: nobody called 'Nobody Here'; `policybot people list` shows everyone"
    )
    assert "Traceback" not in result.stderr


def test_someone_refused_a_report_sees_only_the_message_and_the_log_file_keeps_the_record(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """In a real process, where no test harness has set logging up: the refusal is logged for the server, not
    printed to the person before their own message."""
    from bot.config import Settings
    from bot.core import Core

    for name in list(os.environ):
        if name.startswith(("SLACK_", "TELEGRAM_", "DATABASE_URL", "POLICYBOT_")):
            monkeypatch.delenv(name)
    monkeypatch.setenv("DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("SCHOOL_FILE", str(REPO / "school.example.yaml"))
    core = Core(Settings())
    core.prepare()
    code = core.reports.submit("child_at_risk", "A pupil is afraid to go home.", channel="console").reference
    core.db.dispose()
    result = policybot(tmp_path, "reports", "show", code, "--as", "Chris Chair")
    assert result.returncode == 1
    assert result.stderr == "policybot: You do not have access to this report. The attempt has been recorded.\n"
    assert "Chris Chair was refused when trying to open the report" in (tmp_path / "data" / "policybot.log").read_text()


def test_bad_school_file_stops_start_up_with_file_and_problem(tmp_path: Path) -> None:
    bad = tmp_path / "school.yaml"
    bad.write_text("name: [oops")
    result = subprocess.run(
        [sys.executable, "-m", "handlers.cli", "people", "list"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env={**os.environ, "PYTHONPATH": str(REPO), "DATA_DIR": str(tmp_path), "SCHOOL_FILE": str(bad)},
        timeout=60,
    )
    assert result.returncode == 1
    assert f"{bad}, line 1: a list in [ ] is not closed" in result.stderr and "Traceback" not in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize("stdin", ["", "p\n/quit\n"])
def test_chat_ends_cleanly_without_input(tmp_path: Path, stdin: str) -> None:
    result = policybot(tmp_path, "chat", stdin=stdin)
    assert result.returncode == 0, result.stderr
    assert "Goodbye." in result.stdout


def test_run_without_tokens_is_the_console_chat_with_scheduler(tmp_path: Path) -> None:
    result = policybot(tmp_path, "run", stdin="p\ncan I post photos of sports day on facebook?\n/quit\n")
    assert result.returncode == 0, result.stderr
    assert "include other children as well as their own" in result.stdout
    assert "overdue for review" in result.stderr  # flagged at start-up
    assert (tmp_path / "data").is_dir() and "Traceback" not in result.stderr
    # The terminal is the conversation: the log goes to a file, and only warnings show here.
    assert " INFO " not in result.stderr
    assert "running the console chat" in (tmp_path / "data" / "policybot.log").read_text()


def test_a_file_that_cannot_be_written_is_named_plainly(tmp_path: Path) -> None:
    result = policybot(tmp_path, "acks", "report", "--csv", str(tmp_path / "no-such-folder" / "acks.csv"))
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert f"{tmp_path / 'no-such-folder' / 'acks.csv'}: No such file or directory" in result.stderr


@pytest.mark.parametrize(
    ("url", "said"),
    [
        ("postgresql://postgres@127.0.0.1:1/test", "the database cannot be reached ("),
        ("mysql+nosuchdriver://x@h/db", "DATABASE_URL is not a database address policybot can use"),
        ("mysql://x@h/db", "DATABASE_URL is not a database address policybot can use"),  # its driver not installed
        ("not a url", "DATABASE_URL is not a database address policybot can use"),
    ],
)
def test_a_database_that_cannot_be_used_is_said_plainly(tmp_path: Path, url: str, said: str) -> None:
    result = policybot(tmp_path, "people", "list", env_extra={"DATABASE_URL": url})
    assert result.returncode == 1 and said in result.stderr and "Traceback" not in result.stderr


@pytest.mark.parametrize(
    ("error", "said"),
    [
        ("InsufficientPrivilege", "the database user in DATABASE_URL may not create or change policybot's tables "
                                  "(permission denied for schema public). Make that user the owner"),
        ("InvalidSchemaName", "the schema DATABASE_URL names (search_path) does not exist in that database"),
    ],
)
def test_a_database_user_without_rights_or_a_missing_schema_is_said_plainly(error: str, said: str) -> None:
    """PostgreSQL 15 lets only a database's owner create tables in public: the usual first-deployment stumble."""
    import psycopg.errors
    from sqlalchemy.exc import ProgrammingError

    from handlers.cli.common import database_problem

    orig = getattr(psycopg.errors, error)("permission denied for schema public")
    problem = database_problem(ProgrammingError("CREATE TABLE alembic_version ...", {}, orig))
    assert problem is not None and said in problem


def test_someone_away_is_shown_with_where_reports_go_meanwhile(tmp_path: Path, run: InProcess) -> None:
    away = run("people", "away", "Dana Lead", "--until", "2099-01-02")
    assert away.returncode == 0
    assert away.stdout.startswith("Dana Lead is away until Friday 2 January 2099, that day included.\nMeanwhile: New")
    assert "go to Sam Deputy" in away.stdout
    assert "They are not reminded to read and accept the policies while away" in away.stdout
    [dana] = [line for line in run("people", "list").stdout.splitlines() if line.startswith("Dana")]
    assert dana.endswith("  (away until Friday 2 January 2099)")
    run("people", "leave", "Jo Teacher", "--on", "2099-07-17")
    run("people", "leave", "Pat Office", "--on", "2020-07-17")
    listed = run("people", "list").stdout
    assert "Jo Teacher: Staff  slack U0STAFF001  (leaves on Friday 17 July 2099)\n" in listed
    assert "Pat Office: Administrator, Staff  slack U0ADMIN001  (left on Friday 17 July 2020)\n" in listed
    assert run("people", "away", "Dana Lead", "--until", "2001-01-01").returncode == 1


@pytest.mark.parametrize("command", [("reports", "list", "--as", "Dana Lead"), ("db", "rotate-key"), ("db", "upgrade")])
def test_root_is_refused_in_the_bot_users_data_folder_before_making_a_file_there(
    tmp_path: Path, run: InProcess, monkeypatch: pytest.MonkeyPatch, command: tuple[str, ...]
) -> None:
    """`sudo policybot ...` beside a service running as its own user: a key, log or database file root made there
    would stop the bot (or lose its log). The data folder here belongs to whoever runs the tests: as root, it is
    given to another user; otherwise this process is made to look like root's."""
    import handlers.cli.common

    data = tmp_path / "data"
    assert run("people", "list").returncode == 0  # the bot's user made the database and key
    key = (data / "policybot.key").read_bytes()
    if os.geteuid() == 0:
        os.chown(data, 65534, -1)
    else:
        monkeypatch.setattr(handlers.cli.common.os, "geteuid", lambda: 0)
    monkeypatch.setattr(sys, "argv", ["/opt/policybot/.venv/bin/policybot", *command])
    result = run(*command)
    assert result.returncode == 1
    owner = handlers.cli.common.pwd.getpwuid(data.stat().st_uid).pw_name
    assert result.stderr.startswith(f"policybot: this command is running as root, but {data} belongs to {owner}")
    assert result.stderr.rstrip().endswith(f"Run it as {owner} instead: sudo -u {owner} /opt/policybot/.venv/bin/"
                                           f"policybot {' '.join(command).replace('Dana Lead', repr('Dana Lead'))}")
    assert (data / "policybot.key").read_bytes() == key and not (data / "policybot.log").exists()


def test_a_command_run_outside_the_bots_folder_says_where_to_run_it_and_makes_nothing(
    tmp_path: Path, run: InProcess, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`/opt/policybot/.venv/bin/policybot people add ...` from root's home reads no .env: it added the person to a
    new, empty database made there, and `reports list` said 'No open reports.'."""
    import bot.config

    installed = tmp_path / "opt-policybot"
    (installed / "data").mkdir(parents=True)
    (installed / ".env").write_text("LOG_LEVEL=INFO\n")
    monkeypatch.setattr(bot.config, "REPO_ROOT", installed)
    elsewhere = tmp_path / "root-home"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    monkeypatch.delenv("DATA_DIR")
    for command in (("people", "add", "Kim New", "--role", "staff"), ("reports", "list", "--as", "Dana Lead")):
        result = run(*command)
        assert result.returncode == 1
        assert result.stderr == (
            f"policybot: this folder ({elsewhere}) is not the bot's: it has no .env and no data folder, so the command "
            f"would make a new, empty database here. The bot's settings and data are in {installed}: run "
            f"`cd {installed}`, then the command again.\n"
        )
    assert list(elsewhere.iterdir()) == []
    monkeypatch.chdir(installed)  # in the bot's folder the same command goes on
    assert run("people", "add", "Kim New", "--role", "staff").returncode == 0


def test_a_data_folder_another_user_made_is_named_with_whose_it_is_and_the_chown_that_hands_it_over(
    tmp_path: Path, run: InProcess, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Root tried the bot (`./dev run`) before the service's first start as its own user: the service stopped with
    only 'data/policybot.db: Permission denied'. Here the database is made unreadable and this process is made to
    look like another user's, so the test needs no second account."""
    import handlers.cli.common

    assert run("people", "list").returncode == 0
    data = tmp_path / "data"
    (data / "policybot.db").chmod(0)
    mine = data.stat().st_uid
    as_root = os.geteuid() == 0
    monkeypatch.setattr(handlers.cli.common.os, "geteuid", lambda: mine + 1)
    if as_root:  # root opens any file: the error a service user would meet, made by hand
        import bot.storage

        def refused(*args: object, **kwargs: object) -> object:
            raise PermissionError(13, "Permission denied", str(data / "policybot.db"))

        monkeypatch.setattr(bot.storage, "keep_private", refused)
    result = run("people", "list")
    assert result.returncode == 1
    owner, me = handlers.cli.common._user_name(mine), handlers.cli.common._user_name(mine + 1)
    assert result.stderr == (
        f"policybot: {data / 'policybot.db'}: Permission denied. It belongs to {owner}, and this runs as {me}. The "
        f"bot's files must belong to the user it runs as: if that is {me}, run `chown -R {me} {data}` as root, then "
        f"this again; if it is {owner}, run this as {owner}{'' if mine == 0 else f' (sudo -u {owner} ...)'}\n"
    )


def test_a_data_folder_under_another_users_folder_is_never_to_be_handed_over(
    tmp_path: Path, run: InProcess, monkeypatch: pytest.MonkeyPatch
) -> None:
    """DATA_DIR=/root/data for the bot's user: the folder it cannot enter is root's home, not one to chown -R."""
    import handlers.cli.common

    home = tmp_path / "root-home"
    home.mkdir()
    monkeypatch.setenv("DATA_DIR", str(home / "data"))
    mine = home.stat().st_uid
    monkeypatch.setattr(handlers.cli.common.os, "geteuid", lambda: mine + 1)
    result = handlers.cli.common.another_users(PermissionError(13, "Permission denied", str(home / "data")))
    me = handlers.cli.common._user_name(mine + 1)
    assert result == (f". {home} belongs to {handlers.cli.common._user_name(mine)}, and {me}, which this runs as, may "
                      f"not open it: use a folder {me} may write to, then run this again")
