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
