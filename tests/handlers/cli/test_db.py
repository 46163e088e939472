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
