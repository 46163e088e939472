"""Moving the bot's data to another database (SQLite to PostgreSQL, as a school outgrows one process): every row of
every table, as stored. Encrypted values are copied as they are, so the same key reads them there."""

from __future__ import annotations

from sqlalchemy import Connection, Integer, LargeBinary, func, insert, select, text

import bot.storage.models  # noqa: F401  (every table's module: the metadata is complete)
from bot.storage import Base, Database, copied_note, shown_url

BATCH = 1000


class NotEmpty(Exception):
    """The database to copy into already holds data: copying would mix two schools' records, or the same twice."""


def copy_everything(source: Database, target: Database) -> dict[str, int]:
    """Copy every row from `source` into `target` (made or brought to the newest migration first, and refused unless
    it holds nothing); returns the rows copied, by table. Both must be at the same migration: `source` is upgraded
    first, as start-up would."""
    source.upgrade()
    target.upgrade()
    tables = Base.metadata.sorted_tables  # those referred to before those referring to them
    with target.engine.connect() as connection:
        held = [t.name for t in tables if connection.scalar(select(func.count()).select_from(t))]
    if held:
        raise NotEmpty(", ".join(held))
    copied: dict[str, int] = {}
    with source.engine.connect() as reading, target.engine.begin() as writing:
        _one_snapshot(reading)
        for table in tables:
            copied[table.name] = 0
            # Pictures (up to 15 MB each) one at a time: a thousand would not fit a small server's memory.
            batch = 1 if any(isinstance(c.type, LargeBinary) for c in table.columns) else BATCH
            result = reading.execution_options(yield_per=batch).execute(select(table))
            for rows in result.mappings().partitions(batch):
                writing.execute(insert(table), [dict(row) for row in rows])
                copied[table.name] += len(rows)
        if writing.dialect.name == "postgresql":
            _continue_numbering(writing)
    if (note := copied_note(source.url)) is not None:  # the old database is not used again by mistake
        note.write_text(f"{shown_url(target.url)}\n", encoding="utf-8")
    return copied


def _one_snapshot(reading: Connection) -> None:
    """Every table read as it was at one moment: a change made meanwhile (a `policybot reports` command, say) is
    either all in the copy or not at all, never a case's event without the case's newest hash, or half a report."""
    if reading.dialect.name == "sqlite":
        reading.exec_driver_sql("BEGIN")  # Python's sqlite3 reads outside any transaction unless told
    else:
        reading.execution_options(isolation_level="REPEATABLE READ")


def _continue_numbering(connection: Connection) -> None:
    """PostgreSQL numbers new rows from a sequence that copied rows did not move on: set each to the highest id
    copied, or the next report would collide with the first copied one."""
    for table in Base.metadata.sorted_tables:
        keys = list(table.primary_key.columns)
        if len(keys) != 1 or not isinstance(keys[0].type, Integer) or keys[0].autoincrement is False:
            continue
        column = keys[0].name
        connection.execute(text(
            f"SELECT setval(pg_get_serial_sequence('{table.name}', '{column}'), "
            f"COALESCE((SELECT MAX({column}) FROM {table.name}), 1), "
            f"(SELECT MAX({column}) FROM {table.name}) IS NOT NULL) "
            f"WHERE pg_get_serial_sequence('{table.name}', '{column}') IS NOT NULL"
        ))
