"""`policybot db rotate-key` on PostgreSQL while the bot runs on the same database."""

from __future__ import annotations

import argparse
import os
from pathlib import Path

import pytest
from sqlalchemy import create_engine

from bot.config import REPO_ROOT, Settings
from bot.core import Core
from bot.reports.models import ReportRow
from handlers.cli import common, db
from scheduler import Leadership


@pytest.mark.postgres
def test_rotate_key_refuses_while_the_bot_runs_and_changes_nothing(
    tmp_path: Path, pg_url: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    for name in list(os.environ):
        if name.startswith(("SLACK_", "TELEGRAM_", "DATABASE_URL", "POLICYBOT_")):
            monkeypatch.delenv(name)
    monkeypatch.setenv("DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("SCHOOL_FILE", str(REPO_ROOT / "school.example.yaml"))
    monkeypatch.setenv("DATABASE_URL", pg_url)
    core = Core(Settings())
    core.prepare()
    core.reports.submit("child_at_risk", "Rotate me.", channel="console")
    key_file = tmp_path / "data" / "policybot.key"
    keys_before = key_file.read_text()

    running = Leadership(create_engine(pg_url))  # the running bot's scheduler holds the lead
    assert running.is_leader()
    try:
        parser = argparse.ArgumentParser(prog="policybot")
        parser.add_argument("--debug", action="store_true")
        db.register(parser.add_subparsers(dest="command"))
        assert common.run_command(parser.parse_args(["db", "rotate-key"])) == 1
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
