"""A database error may be logged whole (the minute job logs one and carries on): it never quotes the values of its
statement, one of which may be a receipt code, the key to a sender's report."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

from bot.storage import make_engine


def test_a_database_error_never_quotes_the_values_of_its_statement(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'x.db'}")
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE t (code TEXT UNIQUE)"))
        conn.execute(text("INSERT INTO t VALUES (:code)"), {"code": "ACDE-FGHJ-KMNP-RTWX"})
    with pytest.raises(IntegrityError) as failed, engine.begin() as conn:
        conn.execute(text("INSERT INTO t VALUES (:code)"), {"code": "ACDE-FGHJ-KMNP-RTWX"})
    engine.dispose()
    assert "INSERT INTO t" in str(failed.value) and "ACDE" not in str(failed.value)
