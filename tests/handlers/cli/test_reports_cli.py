"""`policybot reports ...` for DSLs on the server: list, show, ack, note, ask, close, export, evidence.

Run in-process through the real argument parser and error handling, against a data directory of its own.
"""

from __future__ import annotations

import datetime as dt
import io
import os
import re
import stat
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bot.config import REPO_ROOT, Settings
from bot.core import Core
from bot.reports import Attachment, Receipt
from tests.handlers.cli.conftest import keep_only_the_newest_key, policybot


def submitted(text: str = "A pupil said an adult online asked to meet them.") -> Receipt:
    core = Core(Settings())
    core.prepare()
    receipt = core.reports.submit("child_at_risk", text, channel="console")
    core.db.dispose()
    return receipt


def test_a_dsl_handles_a_report_from_the_command_line(env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    receipt = submitted()
    code = receipt.reference
    assert policybot("reports", "list", "--as", "Dana Lead") == 0
    out = capsys.readouterr().out
    assert code in out and "URGENT A child at risk  new" in out and receipt.code not in out
    # With its year: a list of every report reaches back across New Year.
    year = receipt.created_at.astimezone(ZoneInfo("Europe/London")).year
    assert re.search(rf"received [A-Z][a-z]{{2}} \d{{1,2}} [A-Z][a-z]{{2}} {year} \d\d:\d\d$", out.strip())

    assert policybot("reports", "show", code.lower(), "--as", "Dana Lead") == 0
    out = capsys.readouterr().out
    assert "A pupil said an adult online asked to meet them." in out and "Sender reported" in out
    assert "through the console chat\n" in out
    assert re.search(rf"^  [A-Z][a-z]{{2}} \d{{1,2}} [A-Z][a-z]{{2}} {year} \d\d:\d\d  Sender reported", out, re.M)
    assert "There is no way to reach this sender: they will see a question only if they check their report" in out
    assert "/status" not in out
    assert receipt.code not in out

    assert policybot("reports", "ack", code, "--as", "Dana Lead") == 0
    assert "acknowledged by Dana Lead" in capsys.readouterr().out
    assert policybot("reports", "note", code, "Told the police.", "--as", "Dana Lead") == 0
    assert policybot("reports", "ask", code, "Which app was it?", "--as", "Dana Lead") == 0
    assert f"Your question is saved with report {code}. There is no way to reach this sender" in \
        capsys.readouterr().out
    assert policybot("reports", "close", code, "--outcome", "Police investigating.", "--as", "Dana Lead") == 0
    assert f"Report {code} is closed. There is no way to reach the sender: they will see it is closed, without the " \
        "outcome, if they check" in capsys.readouterr().out

    assert policybot("reports", "list", "--as", "Dana Lead") == 0
    assert "No open reports." in capsys.readouterr().out
    assert policybot("reports", "list", "--all", "--as", "Dana Lead") == 0
    assert code in capsys.readouterr().out
    assert policybot("reports", "show", code, "--as", "Dana Lead") == 0
    assert "question" not in capsys.readouterr().out  # closed: the sender can be asked nothing more

    out_file = env / "exports" / "record.txt"
    assert policybot("reports", "export", code, "--out", str(out_file), "--as", "Dana Lead") == 0
    record = out_file.read_text()
    assert "the hash chain is intact" in record and "Police investigating." in record and "Told the police." in record
    assert f"Concern report {code}" in record and receipt.code not in record
    assert stat.S_IMODE(out_file.stat().st_mode) == 0o600
    out_file.chmod(0o644)  # written over, a file others could read becomes the owner's only
    assert policybot("reports", "export", code, "--out", str(out_file), "--as", "Dana Lead") == 0
    assert stat.S_IMODE(out_file.stat().st_mode) == 0o600


def test_an_exported_record_read_in_a_terminal_cannot_be_overwritten_by_the_senders_words(env: Path) -> None:
    code = submitted("A real line.\n\x1b[1A\x1b[2KSender: nothing happened\u202e").reference
    out_file = env / "record.txt"
    assert policybot("reports", "export", code, "--out", str(out_file), "--as", "Dana Lead") == 0
    record = out_file.read_text()
    assert "A real line." in record and "\ufffd[1A\ufffd[2KSender: nothing happened\ufffd" in record
    assert "\x1b" not in record and "\u202e" not in record


def test_someone_who_left_is_told_so_not_that_they_are_unknown(env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    core = Core(Settings())
    core.prepare()
    core.people.set_leave_date("Sam Deputy", dt.date(2026, 1, 9))
    core.db.dispose()
    assert policybot("reports", "list", "--as", "Sam Deputy") == 1
    assert "Sam Deputy left the school on Friday 9 January 2026, so can no longer act" in capsys.readouterr().err
    assert policybot("reports", "list", "--as", "Nobody Here") == 1
    assert "nobody called 'Nobody Here'; `policybot people list`" in capsys.readouterr().err
    assert policybot("reports", "list", "--as", "Dana") == 1
    assert "nobody called 'Dana'; did you mean Dana Lead? `policybot people list`" in capsys.readouterr().err


def test_who_is_acting_may_be_said_before_the_action_but_must_be_said(
    env: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = submitted().reference
    assert policybot("reports", "--as", "Dana Lead", "list") == 0
    assert code in capsys.readouterr().out
    assert policybot("reports", "list") == 1
    assert capsys.readouterr().err == (
        "policybot: please say who you are with --as and your full name, e.g. --as 'Dana Lead'\n"
    )


def test_a_senders_words_cannot_act_on_the_dsls_terminal(env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = submitted("\x1b[2J\x1b[31mCleared\x1b[0m and \u202eesrever\u202c text.").reference
    assert policybot("reports", "show", code, "--as", "Dana Lead") == 0
    out = capsys.readouterr().out
    assert "\x1b" not in out and "\u202e" not in out
    assert "\ufffd[2J\ufffd[31mCleared\ufffd[0m and \ufffdesrever\ufffd text." in out


def test_a_non_dsl_is_refused_in_one_plain_line(env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = submitted().reference
    for argv in (["show", code], ["ack", code], ["close", code, "--outcome", "x"]):
        assert policybot("reports", *argv, "--as", "Jo Teacher") == 1
        err = capsys.readouterr().err
        assert err.strip() == "policybot: You do not have access to this report. The attempt has been recorded."
    assert policybot("reports", "list", "--as", "Jo Teacher") == 1
    assert "Only the people who handle concern reports can see them." in capsys.readouterr().err
    assert policybot("reports", "show", code, "--as", "Nobody Known") == 1
    assert "nobody called 'Nobody Known'" in capsys.readouterr().err
    assert policybot("reports", "show", code, "--as", "Dana Lead") == 0
    out = capsys.readouterr().out
    assert "Jo Teacher tried to open the report (not allowed)" in out and "refused" not in out


def test_wrong_codes_and_missing_pictures_are_plain_messages(env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    receipt = submitted()
    code = receipt.reference
    assert policybot("reports", "show", "R-ACDEFG", "--as", "Dana Lead") == 1
    assert capsys.readouterr().err == "policybot: There is no report with the reference R-ACDEFG.\n"
    assert policybot("reports", "show", receipt.code, "--as", "Dana Lead") == 1  # the sender's key is not the school's
    err = capsys.readouterr().err
    assert f"There is no report with the reference {receipt.code}. If it is a sender's receipt code" in err
    assert "use the case reference on the report's alert (like R-7K3M9T)" in err
    assert policybot("reports", "show", "x" * 300, "--as", "Dana Lead") == 1  # a stale or forged value
    err = capsys.readouterr().err
    assert "is not a report's reference: they look like R-7K3M9T" in err and "x" * 30 not in err
    assert "button" not in err  # the command line has none
    assert policybot("reports", "evidence", code, "1", "--out", str(env / "x.jpg"), "--as", "Dana Lead") == 1
    err = capsys.readouterr().err
    assert "no number 1" in err and "Traceback" not in err


def test_evidence_and_export_given_a_folder_are_saved_in_it(env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    core = Core(Settings())
    core.prepare()
    picture = Attachment("photo.png", "image/png", _png())
    code = core.reports.submit("online_abuse", "A screenshot.", channel="console", attachments=[picture]).reference
    core.db.dispose()
    folder = env / "case-files"
    folder.mkdir()
    assert policybot("reports", "evidence", code, "1", "--out", str(folder), "--as", "Dana Lead") == 0
    [saved] = list(folder.iterdir())
    assert saved.name.startswith(f"report-{code}-")  # not every report's "evidence-1", written over
    assert f"to {saved}." in capsys.readouterr().out and stat.S_IMODE(saved.stat().st_mode) == 0o600
    typed = code.lower().replace("-", "")  # as it may be typed: the record is named and said by its reference
    assert policybot("reports", "export", typed, "--out", str(folder), "--as", "Dana Lead") == 0
    record = folder / f"report-{code}.txt"
    assert "the hash chain is intact" in record.read_text()
    assert capsys.readouterr().out.strip() == f"Wrote the record of report {code} to {record}."


def _png() -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (8, 8), (200, 40, 40)).save(out, format="PNG")
    return out.getvalue()


def test_rotate_key_re_encrypts_reports_under_the_new_key(
    env: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from bot.crypto import Vault, _read_keys
    from bot.reports.models import ReportRow

    monkeypatch.delenv("POLICYBOT_ENCRYPTION_KEYS")  # keys in the key file, created on first run
    code = submitted("Rotate me.").reference
    key_file = env / "data" / "policybot.key"
    old_keys = _read_keys(key_file.read_text())

    assert policybot("db", "rotate-key") == 0
    said = capsys.readouterr().out
    assert "Re-encrypted" in said
    assert "Put the new key where you keep the key's copy (the school's password manager, say) now" in said

    keys = _read_keys(key_file.read_text())
    assert keys[1:] == old_keys and stat.S_IMODE(key_file.stat().st_mode) == 0o600
    newest_only = Vault(keys[:1])
    core = Core(Settings())
    with core.db.session() as session:
        row = session.query(ReportRow).filter_by(code=code).one()
        assert newest_only.decrypt(row.text) == "Rotate me."
    core.db.dispose()


def test_rotate_key_keeps_the_receipt_kept_for_a_senders_news_readable(
    env: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """A sender who chose news is sent their receipt with it: kept with their reply channel, encrypted, it is
    re-encrypted with the rest, so the news still names it once the old key is removed."""
    from sqlalchemy import select

    from bot.outbox import OutboxRow
    from bot.reports import ReplyAddress

    monkeypatch.delenv("POLICYBOT_ENCRYPTION_KEYS")
    core = Core(Settings())
    core.prepare()
    receipt = core.reports.submit("other", "Rotate me.", channel="telegram", reply_to=ReplyAddress("telegram", "4242"))
    core.db.dispose()
    assert policybot("db", "rotate-key") == 0
    keep_only_the_newest_key(env / "data")

    core = Core(Settings())
    core.prepare()
    try:
        core.reports.ask_sender(receipt.reference, core.reports.actor_named("Dana Lead"), "Which class?")
        with core.db.session() as session:
            rows = session.scalars(select(OutboxRow).where(OutboxRow.kind == "sender_update")).all()
            [asked] = [core.outbox.message(row) for row in rows]  # it says the report has been opened, too
        assert "Which class?" in asked.text and receipt.code in asked.text
        assert [b.value for b in asked.buttons] == [receipt.code, receipt.code]
    finally:
        core.db.dispose()


def test_rotate_key_re_encrypts_telegram_flows_in_progress(
    env: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """A parent's half-written report in Telegram is read at start-up: once the old key is removed, it must still
    open, or the bot would not start."""
    import asyncio

    from handlers.telegram.persistence import DatabasePersistence

    monkeypatch.delenv("POLICYBOT_ENCRYPTION_KEYS")  # keys in the key file, created on first run
    core = Core(Settings())
    core.prepare()
    persistence = DatabasePersistence(core)
    asyncio.run(persistence.update_conversation("report", (4242, 4242), "describe"))
    asyncio.run(persistence.update_chat_data(4242, {"draft": "He comes in hungry."}))
    core.db.dispose()

    assert policybot("db", "rotate-key") == 0
    assert "Re-encrypted" in capsys.readouterr().out

    keep_only_the_newest_key(env / "data")
    core = Core(Settings())
    persistence = DatabasePersistence(core)
    assert asyncio.run(persistence.get_conversations("report")) == {(4242, 4242): "describe"}
    assert asyncio.run(persistence.get_chat_data()) == {4242: {"draft": "He comes in hungry."}}
    core.db.dispose()


def test_rotate_key_re_encrypts_unanswered_questions(
    env: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """A question often names someone, so it is encrypted like report text, and must still open once the old key
    is removed."""
    from bot.qa.gaps import ask, gap_counts

    monkeypatch.delenv("POLICYBOT_ENCRYPTION_KEYS")  # keys in the key file, created on first run
    core = Core(Settings())
    core.prepare()
    ask(core, "I am Jane Smith, mum of Tom in year 2. Is the school disco on friday?", "parent", "telegram")
    core.db.dispose()

    assert policybot("db", "rotate-key") == 0
    assert "Re-encrypted 1 stored value under" in capsys.readouterr().out

    keep_only_the_newest_key(env / "data")
    core = Core(Settings())
    core.prepare()
    assert gap_counts(core) == [("I am Jane Smith, mum of Tom in year 2. Is the school disco on friday?", 1)]
    core.db.dispose()


def test_a_parent_reports_in_policybot_chat_and_a_dsl_sees_it(tmp_path: Path) -> None:
    """The real `policybot` entry point, as a newcomer meets it: a report typed into the chat, then listed."""
    import re
    import subprocess
    import sys

    env = {
        k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "TELEGRAM_", "DATABASE_URL", "POLICYBOT_"))
    }
    env.update(
        {"DATA_DIR": str(tmp_path / "data"), "SCHOOL_FILE": str(REPO_ROOT / "school.example.yaml")},
        PYTHONPATH=str(REPO_ROOT),
    )

    def run(*args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "handlers.cli", *args],
            input=stdin,
            capture_output=True,
            text=True,
            cwd=tmp_path,
            env=env,
            timeout=60,
        )

    chat = run("chat", stdin="p\n/report\n1\nA child in my son's class is often hungry and hurt.\n\nyes\n/quit\n")
    assert chat.returncode == 0, chat.stderr
    match = re.search(r"receipt code is: (\S+)", chat.stdout)
    assert match, chat.stdout
    listing = run("reports", "list", "--as", "Dana Lead")
    assert listing.returncode == 0, listing.stderr
    # The DSL sees the case by its reference: the receipt stays the sender's alone.
    assert re.search(r"^R-\w{6}  URGENT A child at risk", listing.stdout, re.M) and match.group(1) not in listing.stdout
    assert "hungry" not in chat.stderr + listing.stderr  # nothing of the report in the logs


def test_a_note_or_question_typed_without_quotes_is_taken_whole(env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = submitted().reference
    assert policybot("reports", "note", "--as", "Dana Lead", code, "Spoke", "to", "the", "class", "teacher") == 0
    assert policybot("reports", "ask", code, "Which", "app?", "--as", "Dana Lead") == 0
    capsys.readouterr()
    assert policybot("reports", "show", code, "--as", "Dana Lead") == 0
    out = capsys.readouterr().out
    assert "Dana Lead note: Spoke to the class teacher" in out and "Dana Lead asked the sender: Which app?" in out


def test_acknowledging_a_report_a_colleague_has_in_hand_says_so(env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = submitted().reference
    assert policybot("reports", "ack", code, "--as", "Dana Lead") == 0
    assert policybot("reports", "ack", code, "--as", "Sam Deputy") == 0
    assert capsys.readouterr().out.splitlines()[-1] == (
        f"Report {code} was already acknowledged by Dana Lead; nothing changed."
    )


def test_a_closed_report_is_re_opened_from_the_command_line_with_a_reason(
    env: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = submitted().reference
    assert policybot("reports", "close", code, "--outcome", "Police investigating.", "--as", "Dana Lead") == 0
    with pytest.raises(SystemExit) as exit_:  # the reason is for the record: argparse asks for it
        policybot("reports", "reopen", code, "--as", "Dana Lead")
    assert exit_.value.code == 2 and "--reason" in capsys.readouterr().err
    assert policybot("reports", "reopen", code.lower(), "--reason", "The adult wrote again.", "--as",
                     "Sam Deputy") == 0
    assert capsys.readouterr().out.strip() == (
        f"Report {code} is open again. There is no way to reach the sender: they will see it is being looked at "
        "again if they check their report with its receipt code.")
    assert policybot("reports", "reopen", code, "--reason", "Again.", "--as", "Dana Lead") == 1
    assert capsys.readouterr().err.strip() == f"policybot: Report {code} is not closed, so there is nothing to re-open."
    assert policybot("reports", "list", "--as", "Dana Lead") == 0
    assert f"{code}  URGENT A child at risk  in progress, acknowledged by Sam Deputy" in capsys.readouterr().out
    assert policybot("reports", "show", code, "--as", "Dana Lead") == 0
    out = capsys.readouterr().out
    assert "Sam Deputy re-opened: The adult wrote again." in out and "Outcome" not in out.split("Chronology:")[0]


def test_rotate_key_passes_over_the_blanked_news_of_a_sender_no_longer_reachable(
    env: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Once a sender's way of being reached is forgotten, the copies of what they were sent are blanked (they named
    the receipt): there is nothing in them to re-encrypt, and the rest is re-encrypted as before."""
    from sqlalchemy import select

    from bot.outbox import OutboxRow
    from bot.reports import ReplyAddress

    monkeypatch.delenv("POLICYBOT_ENCRYPTION_KEYS")
    core = Core(Settings())
    core.prepare()
    receipt = core.reports.submit("other", "Rotate me.", channel="telegram", reply_to=ReplyAddress("telegram", "4242"))
    core.reports.acknowledge(receipt.reference, core.reports.actor_named("Dana Lead"))  # news for the sender
    core.reports.forget_reply_channel(receipt.code, requester="test")
    with core.db.session() as session:
        assert "" in session.scalars(select(OutboxRow.payload)).all()
    core.db.dispose()

    assert policybot("db", "rotate-key") == 0
    assert "Re-encrypted" in capsys.readouterr().out
    keep_only_the_newest_key(env / "data")
    core = Core(Settings())
    try:
        with core.db.session() as session:
            rows = session.scalars(select(OutboxRow)).all()
            assert [core.outbox.message(row).kind for row in rows if row.payload]  # the DSLs' alerts still open
    finally:
        core.db.dispose()


def test_the_headteacher_and_chair_get_counts_for_the_governors(env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    about_head = Core(Settings())
    about_head.prepare()
    head_concern = about_head.reports.submit("headteacher_concern", "The head teacher grabbed my son's arm.",
                                             channel="console")
    about_head.db.dispose()
    child = submitted()

    assert policybot("reports", "summary", "--as", "Alex Head") == 0
    out = capsys.readouterr().out
    assert re.search(r"^Concern reports received from [A-Z][a-z]+day 1 September 20\d\d to .*: 1$", out, re.M)
    assert "Counts only: no names and no report text. A report about someone who handles reports is counted only " \
        "for those who may open it." in out
    assert re.search(r"^  A child at risk +1$", out, re.M) and "A concern about the headteacher" not in out
    assert re.search(r"^  not yet acknowledged +1$", out, re.M)
    assert "Escalated because nobody acknowledged them in time: 0" in out
    assert not {child.reference, child.code, head_concern.reference} & set(out.split())

    assert policybot("reports", "summary", "--as", "Chris Chair") == 0
    out = capsys.readouterr().out
    assert re.search(r"^  A concern about the headteacher +1$", out, re.M) and "grabbed" not in out

    assert policybot("reports", "summary", "--since", "2099-01-01", "--as", "Chris Chair") == 1
    assert "Please give a start date before the end date." in capsys.readouterr().err
