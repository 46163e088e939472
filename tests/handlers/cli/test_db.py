"""`policybot db rotate-key` while the bot runs on the same database (SQLite and PostgreSQL)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from sqlalchemy import create_engine

from bot.config import Settings
from bot.core import Core
from bot.reports.models import ReportRow
from scheduler import Leadership
from tests.handlers.cli.conftest import policybot


@pytest.mark.postgres
def test_rotate_key_refuses_while_the_bot_runs_and_changes_nothing(
    env: Path, pg_url: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("POLICYBOT_ENCRYPTION_KEYS")  # keys in the key file, created on first run
    monkeypatch.setenv("DATABASE_URL", pg_url)
    core = Core(Settings())
    core.prepare()
    core.reports.submit("child_at_risk", "Rotate me.", channel="console")
    key_file = env / "data" / "policybot.key"
    keys_before = key_file.read_text()

    running = Leadership(create_engine(pg_url))  # the running bot's scheduler holds the lead
    assert running.is_leader()
    try:
        assert policybot("db", "rotate-key") == 1
    finally:
        running.release()
        running.engine.dispose()
    err = capsys.readouterr().err
    assert "the bot is running on this database. Stop it first" in err
    assert key_file.read_text() == keys_before  # no new key, nothing re-encrypted: the running bot reads it all
    with core.db.session() as session:
        text = session.query(ReportRow).one().text
    assert core.vault.decrypt(text) == "Rotate me."  # the running bot's keys still open it
    core.db.dispose()


def test_rotate_key_refuses_while_the_bot_runs_on_sqlite_too(
    env: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("POLICYBOT_ENCRYPTION_KEYS")
    running = Core(Settings())
    running.prepare()
    running.reports.submit("child_at_risk", "Rotate me.", channel="console")
    key_file = env / "data" / "policybot.key"
    keys_before = key_file.read_text()
    running.claim_run()  # `policybot run` holds the database's run lock
    try:
        assert policybot("db", "rotate-key") == 1
    finally:
        running.release_run()
    # Said as every start-up error is, naming the running process as a second `policybot run` does.
    assert capsys.readouterr().err.startswith(
        f"policybot: the bot is running on this database (process {os.getpid()}, started "
    )
    assert key_file.read_text() == keys_before
    assert policybot("db", "rotate-key") == 0  # once it has stopped
    assert key_file.read_text() != keys_before
    running.db.dispose()


@pytest.mark.postgres
def test_copy_to_moves_everything_from_sqlite_to_postgresql(
    env: Path, pg_url: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """A school outgrowing SQLite: its reports, people and their history go to PostgreSQL, readable with the same
    key, and the next report there is numbered after the copied ones."""
    from bot.reports.domain import Attachment
    from tests.handlers.cli.test_reports_cli import _png

    old = Core(Settings())
    old.prepare()
    pictures = [Attachment(f"photo{n}.png", "image/png", _png()) for n in (1, 2)]
    first = old.reports.submit("child_at_risk", "Copied across.", channel="console", attachments=pictures)
    dsl = old.reports.actor_named("Dana Lead")
    old.reports.add_note(first.reference, dsl, "A note, encrypted.")
    old.db.dispose()

    assert policybot("db", "copy-to", pg_url) == 0
    said = capsys.readouterr().out
    assert said.startswith("Copied ") and "(1 report, 6 people)" in said and "set DATABASE_URL to it in .env" in said

    monkeypatch.setenv("DATABASE_URL", pg_url)
    new = Core(Settings())
    new.prepare()
    assert new.reports.sender_status(first.code, requester="test").status == "being looked at"  # the receipt opens it
    case = new.reports.case(first.reference, new.reports.actor_named("Dana Lead"))
    assert "Copied across." in case.text and any("A note, encrypted." in str(e) for e in case.events)
    dana = new.reports.actor_named("Dana Lead")
    assert [new.reports.attachment(first.reference, dana, n)[0] for n in (1, 2)] == ["evidence-1.png", "evidence-2.png"]
    second = new.reports.submit("child_at_risk", "Made after the move.", channel="console")  # no id collides
    assert second.reference != first.reference
    new.db.dispose()
    assert policybot("people", "add", "Nell New", "--role", "staff") == 0, capsys.readouterr().err

    monkeypatch.delenv("DATABASE_URL")
    (env / "data" / "policybot.db.copied").unlink()  # (the old one used again on purpose: see the test below)
    assert policybot("db", "copy-to", pg_url) == 1  # never into a database that holds data
    assert "already holds data (" in capsys.readouterr().err


@pytest.mark.postgres
def test_a_database_copied_away_is_not_used_again_by_mistake(
    env: Path, pg_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """The old file is left as it was, and the README says to delete it once the bot runs well on PostgreSQL. A bot
    started on it before DATABASE_URL was changed (systemd restarting it, a reboot, the .env edit forgotten) took
    reports into it, and a DSL's `policybot reports` command notes: left behind, then deleted with it."""
    from bot.config import ConfigError

    old = Core(Settings())
    old.prepare()
    old.db.dispose()
    assert policybot("db", "copy-to", pg_url) == 0
    capsys.readouterr()
    again = Core(Settings())
    with pytest.raises(ConfigError) as refused:
        again.prepare()
    again.db.dispose()
    said = str(refused.value)
    assert "was copied to postgresql" in said and "set DATABASE_URL to it" in said
    assert policybot("reports", "list", "--as", "Dana Lead") == 1
    assert "was copied to postgresql" in capsys.readouterr().err
    (env / "data" / "policybot.db.copied").unlink()  # as the message says, to use it again on purpose
    assert policybot("reports", "list", "--as", "Dana Lead") == 0


def test_copy_to_refuses_the_database_in_use_and_what_is_not_a_url(
    env: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert policybot("db", "copy-to", "policybot") == 1
    assert "is not a database URL" in capsys.readouterr().err
    database = env / "data" / "policybot.db"
    assert policybot("db", "copy-to", f"sqlite:///{database.resolve()}") == 1
    assert "is the database the bot uses now" in capsys.readouterr().err
