"""The Alembic migrations build exactly the schema the models describe, on SQLite and PostgreSQL."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect

import bot.storage.models  # noqa: F401  (every table's module)
from bot.core import Core
from bot.storage import Base


def test_migrations_match_the_models(any_core: Core) -> None:
    with any_core.db.engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": False})
        diff = [d for d in compare_metadata(context, Base.metadata) if not _is_index_noise(d)]
    assert diff == []


def test_upgrade_twice_is_harmless(any_core: Core) -> None:
    any_core.db.upgrade()
    tables = set(inspect(any_core.db.engine).get_table_names())
    assert {"people", "person_roles", "outbox", "alembic_version"} <= tables


def _is_index_noise(diff: object) -> bool:
    # Index naming differs harmlessly between hand-written migrations and the naming convention.
    return isinstance(diff, tuple) and diff and diff[0] in {"add_index", "remove_index"}  # type: ignore[return-value]


def test_gaps_kept_in_plain_text_by_0011_are_encrypted_after_the_upgrade(any_core: Core) -> None:
    """0012 adds the encrypted column; the plain text an older version kept is sealed at the next start-up. A
    downgrade keeps what it can read (the plain rows) and drops what it cannot (the encrypted ones)."""
    from alembic import command
    from sqlalchemy import column, table, text

    from bot.qa.gaps import ask, gap_counts
    from bot.storage import UTCDateTime, alembic_config

    core = any_core
    ask(core, "is the school disco on friday?", "parent", "telegram")  # encrypted: cannot go back to 0011
    config = alembic_config(core.db.url, core.db.engine)
    command.downgrade(config, "0011")
    gaps = inspect(core.db.engine).get_columns("knowledge_gaps")
    assert [(c["name"], c["nullable"]) for c in gaps if c["name"].startswith("question")] == [("question", False)]

    old_gaps = table(
        "knowledge_gaps", column("question"), column("audience"), column("channel"), column("asked_at", UTCDateTime())
    )
    question = "I am Jane Smith, Tom's mum: when is sports day?"
    with core.db.engine.begin() as conn:
        assert conn.execute(text("SELECT count(*) FROM knowledge_gaps")).scalar() == 0
        conn.execute(
            old_gaps.insert().values(question=question, audience="parent", channel="slack", asked_at=core.clock.now())
        )

    core.prepare()  # the new version starts: upgrade, then seal
    with core.db.engine.connect() as conn:
        [(plain, sealed)] = conn.execute(text("SELECT question, question_enc FROM knowledge_gaps")).all()
    assert plain is None and "Jane" not in sealed
    assert gap_counts(core) == [(question, 1)]

    command.downgrade(config, "0011")  # nothing readable is left for the older version
    with core.db.engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM knowledge_gaps")).scalar() == 0
    core.db.upgrade()
