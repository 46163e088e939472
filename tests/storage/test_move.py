"""`policybot db copy-to` copies the database as it was at one moment (bot.storage.move)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from sqlalchemy import func, insert, select

import bot.storage.move as move
from bot.qa.gaps import KnowledgeGap
from bot.storage import Database
from handlers.slack.models import SlackRequestSeen


def test_a_change_made_while_the_copy_runs_is_not_half_copied(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A `policybot reports` command writing during the copy (a case's event after its report was copied, say) must
    be wholly in the copy or wholly not: the copy reads one snapshot."""
    source, target = Database(f"sqlite:///{tmp_path / 'old.db'}"), Database(f"sqlite:///{tmp_path / 'new.db'}")
    source.upgrade()
    now = dt.datetime(2026, 11, 28, tzinfo=dt.UTC)
    with source.session() as session:  # something in a table copied early
        session.add(KnowledgeGap(question_enc="sealed", audience="parent", channel="console", asked_at=now))
    real_insert, written = insert, []

    def insert_and_meanwhile(table):  # type: ignore[no-untyped-def]
        if not written:  # the first write of the copy: another process writes to a table copied later
            with source.session() as session:
                session.add(SlackRequestSeen(key="k" * 64, sent_at=now))
            written.append(table.name)
        return real_insert(table)

    monkeypatch.setattr(move, "insert", insert_and_meanwhile)
    copied = move.copy_everything(source, target)
    assert written == ["knowledge_gaps"] and copied["knowledge_gaps"] == 1
    assert copied["slack_requests_seen"] == 0
    with target.session() as session:
        assert session.scalar(select(func.count()).select_from(SlackRequestSeen)) == 0
    source.dispose()
    target.dispose()
