"""`policybot policy gaps`: the questions the policy could not answer, for the policy owner's review."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import column, table

from bot.config import Settings
from bot.core import Core
from bot.qa.gaps import ask
from bot.storage import UTCDateTime
from tests.handlers.cli.conftest import policybot


def test_gaps_are_listed_and_counted_whether_kept_encrypted_or_by_an_older_version(
    env: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    core = Core(Settings())
    core.prepare()
    for question in ("is the school disco on friday?", "is the school disco on friday?", "when is sports day?"):
        ask(core, question, "parent", "telegram")
    older = table("knowledge_gaps", column("question"), column("channel"), column("asked_at", UTCDateTime()))
    with core.db.engine.begin() as conn:  # plain text, as a version before encryption left it
        conn.execute(older.insert().values(question="when is sports day?", channel="slack", asked_at=core.clock.now()))
    core.db.dispose()

    assert policybot("policy", "gaps") == 0
    out = capsys.readouterr().out
    assert out.splitlines() == [
        "Questions the policy could not answer (times asked):",
        "     2  is the school disco on friday?",
        "     2  when is sports day?",
    ]
    assert policybot("policy", "gaps", "--since", "2999-01-01") == 0
    assert capsys.readouterr().out == "No unanswered questions since Tuesday 1 January 2999.\n"
