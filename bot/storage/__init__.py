"""Storage: one SQLAlchemy engine per process, sessions as context managers, Alembic for the schema.

SQLite (a file in the data directory) is the default; any SQLAlchemy URL works through DATABASE_URL, and
PostgreSQL is tested. Every table of every part of the bot hangs off `Base` here.
"""

from __future__ import annotations

import datetime as dt
import fcntl
import functools
import logging
import os
import re
import stat
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import DateTime, Engine, MetaData, TypeDecorator, create_engine, event, inspect, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker

log = logging.getLogger(__name__)

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(TypeDecorator[dt.datetime]):
    """Aware UTC datetimes in and out, on SQLite (which forgets the zone) as on PostgreSQL."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect: Any) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        return value.astimezone(dt.UTC)

    def process_result_value(self, value: dt.datetime | None, dialect: Any) -> dt.datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value.astimezone(dt.UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map = {dt.datetime: UTCDateTime()}


def keep_private(database: Path) -> None:
    """A SQLite file (and the folder the bot makes for it) readable by the bot's own user only. Its plain columns say
    which reports exist, their categories and who handled them; SQLite gives its -wal and -shm files the same mode.
    A file made by an earlier version with wider permissions is narrowed."""
    if not database.parent.exists():
        database.parent.mkdir(mode=0o700, parents=True)
    if not database.exists():
        os.close(os.open(database, os.O_WRONLY | os.O_CREAT, 0o600))
        return
    mode = stat.S_IMODE(database.stat().st_mode)
    if mode & 0o077:
        try:
            database.chmod(mode & 0o700)
        except OSError:
            log.warning("The database file %s can be read by other users of this computer, and the bot could not "
                        "change that: run `chmod 600` on it.", database)


def keep_folder_private(folder: Path) -> None:
    """The data folder (the SQLite file, the key file, the question index, the console chat's log) opened by the bot's
    own user only. New, it is made so; one made by an earlier version, or by hand, readable by others is narrowed."""
    try:
        mode = stat.S_IMODE(folder.stat().st_mode)
    except FileNotFoundError:
        return
    if not folder.is_dir() or not mode & 0o077:
        return
    try:
        folder.chmod(mode & 0o700)
    except OSError:
        log.warning("The data folder %s can be opened by other users of this computer, and the bot could not change "
                    "that (it belongs to another user): run `chmod 700 %s` as its owner.", folder, folder)
        return
    log.info("The data folder %s could be opened by other users of this computer; it is now the bot's own user's "
             "only (700).", folder)


def sqlite_file(url: str) -> Path | None:
    """The file of a SQLite database URL; None for PostgreSQL or a database in memory."""
    if not url.startswith("sqlite"):
        return None
    parsed = make_url(url)
    path = parsed.database or ""  # none for "sqlite://", a database in memory; the query string is not the path
    return Path(path) if path and path != ":memory:" and not parsed.query.get("uri") else None


def shown_url(url: str) -> str:
    """A database URL as it may be shown or written down: its password, if any, as ***."""
    return make_url(url).render_as_string(hide_password=True)


def copied_note(url: str) -> Path | None:
    """Beside a SQLite database copied into another one (`policybot db copy-to`), the file saying where it went: while
    it is there, the bot refuses to use the old one (Core.prepare), whose reports would be left behind. None for a
    database that is no SQLite file."""
    database = sqlite_file(url)
    return database.with_name(database.name + ".copied") if database is not None else None


class RunLock:
    """One `policybot run` per SQLite database: a second would deliver every queued message again and take Telegram's
    updates from the first. An exclusive lock (flock) on a file beside the database, held for the process's life:
    the system frees it when the process ends, however it ends (a crash, `kill -9`), so a stale file never blocks.
    The file holds the holder's process id and start time, for the message the next one gives."""

    def __init__(self, database: Path) -> None:
        self.path = database.with_name(database.name + ".run-lock")
        self._fd: int | None = None

    def acquire(self, started: dt.datetime) -> str | None:
        """Take the lock; None if taken, else what the file says about the process holding it."""
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            holder = os.read(fd, 200).decode("utf-8", "replace").strip()
            os.close(fd)
            return holder or "another process"
        os.ftruncate(fd, 0)
        os.write(fd, f"process {os.getpid()}, started {started:%d %B %Y at %H:%M}\n".encode())
        self._fd = fd
        return None

    def release(self) -> None:
        if self._fd is not None:
            os.close(self._fd)  # closing frees the lock; the file stays, harmless
            self._fd = None


BUSY_TIMEOUT_MS = 30_000  # how long a SQLite write waits for another writer's lock before "database is locked"


def make_engine(url: str) -> Engine:
    """`hide_parameters`: a database error's message (logged by the jobs that carry on after one) leaves out the
    values of its statement, which may be a receipt code, the key to a sender's report."""
    if url.startswith("sqlite"):
        database = sqlite_file(url)
        if database is not None:
            keep_private(database)
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30}, hide_parameters=True)

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.close()

        return engine
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url.removeprefix("postgresql://")
    return create_engine(url, pool_pre_ping=True, hide_parameters=True)


class Database:
    """The process's database: an engine and a session factory. Commit happens when the block ends cleanly."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.engine = make_engine(url)
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)

    @contextmanager
    def session(self) -> Iterator[Session]:
        session = self._sessions()
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise
        finally:
            session.close()

    @contextmanager
    def brief_session(self, wait_ms: int) -> Iterator[Session]:
        """A session for work that can do without the database rather than wait for it: on SQLite, its writes wait
        for another writer's lock (another process's, say) at most `wait_ms`, then fail with OperationalError,
        nothing written; not the usual BUSY_TIMEOUT_MS. PostgreSQL has no such database-wide lock: as session()."""
        with self.session() as session:
            connection = session.connection()
            if connection.dialect.name != "sqlite":
                yield session
                return
            connection.exec_driver_sql(f"PRAGMA busy_timeout={int(wait_ms)}")
            try:
                yield session
                session.flush()  # the write lock is taken here, while the wait is short: the commit needs no other
            finally:
                connection.exec_driver_sql(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")

    def upgrade(self) -> None:
        """Bring the schema to the newest migration (run on every start-up; a no-op when current). Alembic (11 MB
        that `policybot run` would keep for its whole life) is loaded only when there is a migration to run."""
        if self.at_newest_migration():
            return
        before = self.revisions()
        unknown = [revision for revision in before if revision not in known_migrations()]
        if unknown:  # Alembic would say only "Can't locate revision"
            from bot.config import ConfigError

            raise ConfigError(
                f"the database was brought up to date by a newer version of policybot (migration "
                f"{', '.join(unknown)}; this version knows up to {newest_migration() or max(known_migrations())}), and "
                "this older one cannot use it. Run the newer version again (`git pull`, then start the bot), or put "
                "back the database backup made before the upgrade."
            )
        from alembic import command

        command.upgrade(alembic_config(self.url, self.engine), "head")
        after = self.revisions()
        if before != after:  # worth a line in the log: when, and from which migration to which
            if before:
                log.info("database upgraded from migration %s to %s", ", ".join(before), ", ".join(after))
            else:
                log.info("database created (migration %s)", ", ".join(after))

    def at_newest_migration(self) -> bool:
        newest = newest_migration()
        return newest is not None and self.revisions() == [newest]

    def revisions(self) -> list[str]:
        """The migration(s) the database is at; none for a new database."""
        if not inspect(self.engine).has_table("alembic_version"):
            return []
        with self.engine.connect() as connection:
            return list(connection.scalars(text("SELECT version_num FROM alembic_version")))

    def dispose(self) -> None:
        self.engine.dispose()


_REVISION_LINE = re.compile(r'^(revision|down_revision) = (?:None|"(\w+)")$', re.MULTILINE)


@functools.cache
def known_migrations() -> frozenset[str]:
    """Every migration this version has, by the `revision = "..."` line of its file."""
    found = (_REVISION_LINE.findall(p.read_text(encoding="utf-8")) for p in (MIGRATIONS_DIR / "versions").glob("*.py"))
    return frozenset(value for lines in found for name, value in lines if name == "revision" and value)


@functools.cache
def newest_migration() -> str | None:
    """The one migration no other builds on, read from the files' `revision = "..."` and `down_revision = "..."`
    lines. None when a file says it any other way (a merge's tuple, say): Alembic then works it out itself."""
    revisions: set[str] = set()
    built_on: set[str] = set()
    for path in (MIGRATIONS_DIR / "versions").glob("*.py"):
        lines = _REVISION_LINE.findall(path.read_text(encoding="utf-8"))
        found = dict(lines)
        if len(lines) != 2 or set(found) != {"revision", "down_revision"} or not found["revision"]:
            return None
        revisions.add(found["revision"])
        if found["down_revision"]:
            built_on.add(found["down_revision"])
    newest = revisions - built_on
    return newest.pop() if len(newest) == 1 else None


def alembic_config(url: str, engine: Engine | None = None) -> Any:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    if engine is not None:
        config.attributes["engine"] = engine
    return config
