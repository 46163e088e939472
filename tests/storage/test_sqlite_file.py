"""The SQLite file holds which reports exist and who handled them: only the bot's own user may read it."""

from __future__ import annotations

import logging
import stat
from pathlib import Path

import pytest

from bot.config import School
from bot.ports import ManualClock
from bot.storage import Database
from tests.conftest import core_with


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


def test_start_up_narrows_a_data_folder_left_readable_by_others(
    tmp_path: Path, school: School, clock: ManualClock, caplog: pytest.LogCaptureFixture
) -> None:
    """An earlier version made the data folder 0755: its key file and database were private, its name list was not."""
    data = tmp_path / "data"
    data.mkdir(mode=0o755)
    data.chmod(0o755)
    with caplog.at_level(logging.INFO, logger="bot.storage"), core_with(tmp_path, school, clock):
        pass
    assert _mode(data) == 0o700
    said = [r.getMessage() for r in caplog.records if "data folder" in r.getMessage()]
    assert said == [f"The data folder {data} could be opened by other users of this computer; it is now the bot's "
                    "own user's only (700)."]


def test_a_data_folder_the_bot_cannot_narrow_is_warned_of_and_start_up_goes_on(
    tmp_path: Path, school: School, clock: ManualClock, caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    data = tmp_path / "data"
    data.mkdir(mode=0o755)
    data.chmod(0o755)
    real_chmod = Path.chmod

    def not_the_owner(path: Path, mode: int, **kwargs: object) -> None:
        if path == data:
            raise PermissionError(1, "Operation not permitted", str(path))
        real_chmod(path, mode)

    monkeypatch.setattr(Path, "chmod", not_the_owner)
    started = []
    with caplog.at_level(logging.INFO, logger="bot.storage"), core_with(tmp_path, school, clock):
        started.append(True)  # start-up (Core.prepare) went on
    assert started
    assert _mode(data) == 0o755
    warned = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert warned == [f"The data folder {data} can be opened by other users of this computer, and the bot could not "
                      f"change that (it belongs to another user): run `chmod 700 {data}` as its owner."]


def test_a_brief_session_gives_up_quickly_on_a_held_database_and_leaves_the_usual_wait_behind(tmp_path: Path) -> None:
    """Work that can do without the database (Slack's replay check) must not wait 30 seconds behind another process's
    write; and the connection it used, back in the pool, must wait as long as ever for a report's write."""
    import sqlite3
    import time

    from sqlalchemy.exc import OperationalError

    from bot.storage import BUSY_TIMEOUT_MS

    database = tmp_path / "policybot.db"
    db = Database(f"sqlite:///{database}")
    with db.engine.begin() as connection:
        connection.exec_driver_sql("CREATE TABLE t (x INTEGER)")
    other = sqlite3.connect(database, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")
    started = time.monotonic()
    with pytest.raises(OperationalError), db.brief_session(100) as session:
        session.connection().exec_driver_sql("INSERT INTO t VALUES (1)")
    assert time.monotonic() - started < 2
    other.execute("COMMIT")
    other.close()
    with db.brief_session(100) as session:
        session.connection().exec_driver_sql("INSERT INTO t VALUES (2)")
    with db.session() as session:
        connection = session.connection()
        assert connection.exec_driver_sql("PRAGMA busy_timeout").scalar() == BUSY_TIMEOUT_MS
        assert connection.exec_driver_sql("SELECT x FROM t").scalars().all() == [2]
    db.dispose()
