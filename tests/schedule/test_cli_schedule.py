"""`policybot policy status|reviewed|publish`, `acks report` and `schedule run-due`, run in-process on a fresh
data directory (the real clock: assertions do not depend on today's date)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from bot.config import REPO_ROOT
from handlers.cli import main

POLICY = REPO_ROOT / "policy_data" / "social-media.yaml"


@pytest.fixture
def cli(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    for name in ("DATABASE_URL", "POLICYBOT_ENCRYPTION_KEYS", "SLACK_BOT_TOKEN", "TELEGRAM_BOT_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("SCHOOL_FILE", str(REPO_ROOT / "school.example.yaml"))
    monkeypatch.chdir(tmp_path)  # no developer .env
    return tmp_path


def test_status_review_publish_and_report(cli: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["policy", "status"]) == 0
    out = capsys.readouterr().out
    assert out.startswith(
        "Social Media Policy [social-media] version 2022.1, last reviewed Friday 1 April 2022: OVERDUE by "
    )
    assert out.count("OVERDUE") == 1 and re.search(r"OVERDUE by \d,\d{3} days", out)  # once, 1,336 days

    assert main(["policy", "reviewed", "social-media", "--by", "Alex Head", "--notes", "checked"]) == 0
    assert "Recorded the review of the Social Media Policy by Alex Head (no changes needed)" in capsys.readouterr().out
    assert main(["policy", "reviewed", "social-media", "--by", "Alex Head"]) == 0  # typed again: nothing new
    out = capsys.readouterr().out
    assert out.startswith("Already recorded: the review of the Social Media Policy by Alex Head on ")
    assert "Recorded" not in out
    assert main(["policy", "status"]) == 0
    out = capsys.readouterr().out
    assert "up to date" in out and "OVERDUE" not in out

    assert main(["policy", "publish", str(POLICY)]) == 0
    assert "5 members of staff will be asked to read and accept it" in capsys.readouterr().out

    assert main(["schedule", "run-due"]) == 0
    assert capsys.readouterr().out.startswith("Queued: reviews")

    csv_file = cli / "acks.csv"
    assert main(["acks", "report", "--csv", str(csv_file)]) == 0
    out = capsys.readouterr().out
    assert "Social Media Policy version 2022.1: 0 of 5 accepted" in out and "Jo Teacher" in out
    assert csv_file.read_text(encoding="utf-8").count("\n") == 6


def test_a_new_version_named_at_review_is_not_up_to_date_until_published(
    cli: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["policy", "reviewed", "social-media", "--by", "Alex Head", "--version", "2026.1"]) == 0
    capsys.readouterr()
    assert main(["policy", "status"]) == 0
    out = capsys.readouterr().out
    assert "version 2026.1" in out and "not published yet" in out and "policy publish" in out
    assert out.count("in the policy file") == 1  # said once, then the command


def test_publishing_a_version_older_than_the_review_named_warns_and_status_still_says_it(
    cli: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The review named 2026.1 while the file still said 2022.1: publishing it was accepted without a word, and status
    then showed 2022.1 with no sign that 2026.1 was never published. It is still published (the review's --version may
    be the mistake), with a warning saying both ways out."""
    assert main(["policy", "reviewed", "social-media", "--by", "Alex Head", "--version", "2026.1"]) == 0
    capsys.readouterr()
    assert main(["policy", "publish", str(POLICY)]) == 0
    out = capsys.readouterr().out
    assert "Published version 2022.1" in out
    assert "Warning: the review recorded by Alex Head on " in out and "named version 2026.1" in out
    assert "older version 2022.1" in out and "--version 2022.1`" in out
    assert main(["policy", "status"]) == 0
    out = capsys.readouterr().out
    assert "version 2026.1" in out and "Version 2026.1 is not published yet" in out
    # The review's version was the mistake: recorded again, status agrees with what was published.
    assert main(["policy", "reviewed", "social-media", "--by", "Alex Head", "--version", "2022.1"]) == 0
    capsys.readouterr()
    assert main(["policy", "status"]) == 0
    out = capsys.readouterr().out
    assert "version 2022.1" in out and "not published" not in out


def test_publishing_the_version_a_review_named_or_a_newer_one_gives_no_warning(
    cli: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["policy", "reviewed", "social-media", "--by", "Alex Head", "--version", "2021.3"]) == 0
    capsys.readouterr()
    assert main(["policy", "publish", str(POLICY)]) == 0
    assert "Warning" not in capsys.readouterr().out
    assert main(["policy", "status"]) == 0
    out = capsys.readouterr().out
    assert "version 2022.1" in out and "not published" not in out


def test_a_review_to_the_current_version_needs_no_change(cli: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["policy", "reviewed", "social-media", "--by", "Alex Head", "--version", "2022.1"]) == 0
    out = capsys.readouterr().out
    assert "(no changes needed)" in out and "new version" not in out and "policy publish" not in out


def test_mistakes_get_one_plain_line(cli: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["policy", "reviewed", "nope", "--by", "Alex Head"]) == 1
    err = capsys.readouterr().err
    assert err.strip() == "policybot: there is no policy 'nope'; the policies are: social-media"
    assert main(["acks", "report", "--policy", "nope"]) == 1
    err = capsys.readouterr().err
    assert err.strip() == "policybot: there is no policy 'nope'; the policies are: social-media"
    missing = cli / "missing.yaml"
    assert main(["policy", "publish", str(missing)]) == 1
    assert "Traceback" not in capsys.readouterr().err


def test_publish_counts_only_staff_who_have_not_accepted_that_text(
    cli: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["acks", "record", "Jo Teacher", "--by", "Pat Office"]) == 0  # on paper, before the publish
    capsys.readouterr()
    assert main(["policy", "publish", str(POLICY)]) == 0
    assert "4 members of staff will be asked to read and accept it" in capsys.readouterr().out


def test_acks_report_before_any_publish_says_nobody_is_reminded(cli: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["acks", "report"]) == 0
    assert "Nobody is reminded about this version" in capsys.readouterr().out
    assert main(["policy", "publish", str(POLICY)]) == 0
    capsys.readouterr()
    assert main(["acks", "report"]) == 0
    out = capsys.readouterr().out
    assert "0 of 5 accepted" in out and "Nobody is reminded" not in out


def test_staff_without_slack_are_recorded_from_the_command_line(cli: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A paper sign-off, and passwords changed for a leaver: both stop their reminders without a Slack button."""
    assert main(["policy", "publish", str(POLICY)]) == 0
    capsys.readouterr()
    assert main(["acks", "record", "jo teacher", "--by", " "]) == 1
    assert "who is recording it" in capsys.readouterr().err
    assert main(["acks", "record", "jo teacher", "--by", "Pat Office"]) == 0
    assert capsys.readouterr().out.strip() == (
        "Recorded that Jo Teacher has read and accepts version 2022.1 of the Social Media Policy."
    )
    csv_file = cli / "acks.csv"
    assert main(["acks", "report", "--csv", str(csv_file)]) == 0
    out = capsys.readouterr().out
    jo = next(line for line in out.splitlines() if "Jo Teacher" in line)
    assert "1 of 5 accepted" in out and "NOT YET" not in jo and "recorded by Pat Office" in jo
    # The school's own time, as the messages write it ("accepted 2026-11-27 16:48 GMT" read as a code).
    assert re.search(r"  accepted [A-Z][a-z]+day \d{1,2} [A-Z][a-z]+ \d{4} at \d\d:\d\d +reminders sent: 0", jo)
    assert "Jo Teacher" in next(line for line in csv_file.read_text().splitlines() if "Pat Office" in line)

    assert main(["people", "passwords-changed", "Jo Teacher", "--by", "Pat Office"]) == 1
    assert "has no leave date" in capsys.readouterr().err
    assert main(["people", "leave", "Jo Teacher", "--on", "2026-07-17"]) == 0
    capsys.readouterr()
    assert main(["people", "passwords-changed", "Jo Teacher", "--by", "Pat Office"]) == 0
    assert "Recorded that the passwords Jo Teacher could use have been changed." in capsys.readouterr().out


def test_a_leavers_pictures_are_confirmed_without_slack(cli: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["people", "pictures-deleted", "Jo Teacher", "--by", "Pat Office"]) == 1
    assert "Jo Teacher is not recorded as leaving" in capsys.readouterr().err
    assert main(["people", "leave", "Jo Teacher", "--on", "2026-07-17"]) == 0
    capsys.readouterr()
    assert main(["people", "pictures-deleted", "Jo Teacher", "--by", "Pat Office"]) == 0
    assert "no pictures of pupils waiting to be deleted from Jo Teacher's" in capsys.readouterr().out


def test_publishing_an_edited_copy_says_the_bot_still_quotes_the_old_text(
    cli: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    copy = cli / "social-media.yaml"
    copy.write_text(POLICY.read_text(encoding="utf-8").replace('version: "2022.1"', 'version: "2026.1"', 1))
    assert main(["policy", "publish", str(copy)]) == 0
    out = capsys.readouterr().out
    assert "Important: the bot still answers questions from version 2022.1" in out and "Copy " in out


def test_publishing_the_policy_file_edited_in_place_says_a_running_bot_picks_it_up(
    cli: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """A running bot takes up the edited file by itself (tests/policy/test_reload.py): it once had to be restarted."""
    folder = cli / "policies"
    folder.mkdir()
    monkeypatch.setenv("POLICY_DIR", str(folder))
    edited = folder / "social-media.yaml"
    edited.write_text(POLICY.read_text(encoding="utf-8"))
    assert main(["policy", "publish", str(edited)]) == 0
    capsys.readouterr()
    edited.write_text(POLICY.read_text(encoding="utf-8").replace('version: "2022.1"', 'version: "2026.1"', 1).replace(
        "prevention, protection and support.", "prevention, protection and support, online too.", 1))
    assert main(["policy", "publish", str(edited)]) == 0
    out = capsys.readouterr().out
    assert "(1 clause change)" in out and "picks up the edited file by itself within a minute" in out
    assert "quotes version 2026.1" in out and "restart" not in out.replace("no restart needed", "")
    assert main(["policy", "publish", str(edited)]) == 0  # again: nothing new
    assert "picks up" not in capsys.readouterr().out


def test_staff_without_slack_are_named_at_publish_and_in_the_report(
    cli: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["people", "add", "Terry Assistant"]) == 0
    assert main(["policy", "publish", str(POLICY)]) == 0
    out = capsys.readouterr().out
    assert "5 members of staff will be asked" in out and "Terry Assistant has no Slack account" in out
    assert main(["schedule", "run-due"]) == 0
    capsys.readouterr()
    assert main(["acks", "report"]) == 0
    terry = next(line for line in capsys.readouterr().out.splitlines() if "Terry Assistant" in line)
    assert "no Slack id, so not reminded" in terry and 'policybot acks record "Terry Assistant"' in terry


def test_the_chair_recording_the_published_version_joins_the_heads_review(
    cli: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["policy", "reviewed", "social-media", "--by", "Alex Head", "--version", "2027.1"]) == 0
    out = capsys.readouterr().out
    assert "(new version 2027.1)" in out and "When version 2027.1's text is in the policy file, run" in out
    copy = cli / "social-media.yaml"
    copy.write_text(POLICY.read_text(encoding="utf-8").replace('version: "2022.1"', 'version: "2027.1"', 1))
    assert main(["policy", "publish", str(copy)]) == 0
    capsys.readouterr()
    assert main(["policy", "reviewed", "social-media", "--by", "Chris Chair", "--version", "2027.1"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("Added Chris Chair to the review of the Social Media Policy that Alex Head recorded on ")
    assert "(new version 2027.1): one review, with both names and notes; next review due" in out
    assert "policy publish" not in out  # it is published


def test_who_records_a_review_is_a_listed_name_or_one_not_close_to_any(
    cli: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["policy", "reviewed", "social-media", "--by", "Alex Hed"]) != 0  # a slip of a key
    assert "did you mean Alex Head?" in capsys.readouterr().err
    assert main(["policy", "reviewed", "social-media", "--by", "alex head"]) == 0
    assert "by Alex Head" in capsys.readouterr().out  # kept as the list spells it
    assert main(["acks", "record", "Jo Teacher", "--by", "Pat Ofice"]) != 0
    assert "did you mean Pat Office?" in capsys.readouterr().err
    assert main(["acks", "record", "Jo Teacher", "--by", "Mrs Ruth Okafor"]) == 0  # a governor not on the list
    capsys.readouterr()
    assert main(["acks", "report"]) == 0
    assert "recorded by Mrs Ruth Okafor" in capsys.readouterr().out
