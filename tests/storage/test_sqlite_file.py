"""The SQLite file holds which reports exist and who handled them: only the bot's own user may read it."""

from __future__ import annotations

import stat
from pathlib import Path

from bot.storage import Database


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_a_new_database_and_its_folder_are_private(tmp_path: Path) -> None:
    database = tmp_path / "data" / "policybot.db"
    db = Database(f"sqlite:///{database}")
    with db.engine.begin() as connection:
        connection.exec_driver_sql("CREATE TABLE t (x INTEGER)")  # a write: the -wal file exists now
    assert _mode(database.parent) == 0o700
    assert _mode(database) == 0o600
    assert _mode(database.with_name("policybot.db-wal")) == 0o600
    db.dispose()


def test_a_url_with_a_query_string_makes_the_database_it_names_private(tmp_path: Path) -> None:
    database = tmp_path / "db" / "policybot.db"
    Database(f"sqlite:///{database}?timeout=30").dispose()
    assert _mode(database) == 0o600
    assert [p.name for p in database.parent.iterdir()] == ["policybot.db"]  # no stray "policybot.db?timeout=30"


def test_an_existing_world_readable_database_is_narrowed(tmp_path: Path) -> None:
    database = tmp_path / "policybot.db"
    database.touch()
    database.chmod(0o644)
    tmp_path.chmod(0o755)
    Database(f"sqlite:///{database}").dispose()
    assert _mode(database) == 0o600
    assert _mode(tmp_path) == 0o755  # a folder the bot did not make is the school's to set
