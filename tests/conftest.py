"""Shared fixtures: a Core on a fresh SQLite file (migrated) with a manual clock, and the same on PostgreSQL.

PostgreSQL tests carry the `postgres` marker. Under CI=true they must run (an unreachable server fails them);
elsewhere they skip, saying why.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import socket
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from cryptography.fernet import Fernet

from bot.config import REPO_ROOT, School, Settings, load_school
from bot.core import Core
from bot.ports import ManualClock
from bot.storage import Database

PG_URL = os.environ.get("POLICYBOT_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
IN_CI = os.environ.get("CI", "").lower() == "true"
# A Wednesday in term time, mid-morning in London.
START = dt.datetime(2026, 11, 25, 10, 0, tzinfo=dt.UTC)


def _pg_unreachable_reason() -> str | None:
    try:
        import psycopg

        with psycopg.connect(PG_URL.replace("+psycopg", ""), connect_timeout=3):
            return None
    except Exception as exc:  # any failure to connect is a reason to skip outside CI
        return f"PostgreSQL at {PG_URL} is not reachable ({type(exc).__name__}); set CI=true to require it"


def _shared_policy_data() -> Any:
    """Core's policy data (the library, and the answerer once built) made once per test session for each set of policy
    files (their names, sizes and times) and school settings instead of once per Core. Both are immutable once built,
    and building the answerer's index takes about a second here: the suite would spend minutes rebuilding it."""
    from bot.policy.current import PolicyData, files_seen
    from bot.policy.loader import load_library

    libraries: dict[Any, Any] = {}
    built: dict[Any, PolicyData] = {}

    def shared(core: Core) -> PolicyData:
        folder = core.settings.policy_dir
        files = files_seen(folder)
        key = (str(folder.resolve()), files)
        if key not in libraries:
            libraries[key] = load_library(folder)
        with_school = (key, core.school.model_dump_json())
        if with_school not in built:
            built[with_school] = PolicyData(libraries[key], files, core._answerer_for)
        return built[with_school]

    return shared


@pytest.fixture(scope="session", autouse=True)
def _policy_data_built_once() -> Iterator[None]:
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(Core, "_load_policy_data", _shared_policy_data())
        yield


@pytest.fixture(scope="session", autouse=True)
def _policy_text_parsed_once() -> Iterator[None]:
    """A policy file's text parsed as YAML once per test process: tests copy the policy into their own folders (a new
    version, an edited clause), and parsing its 11,000 example questions took about 0.4 s each time. Each caller gets
    its own copy of the parsed data (a pickle round trip), so nothing one test changes reaches another; what the text
    says, and every problem with it, is still found by the real parser the first time that text is seen."""
    import pickle

    from bot.policy import loader

    parsed: dict[str, bytes] = {}
    real = loader.load_yaml

    def load_yaml(text: str) -> Any:
        if text not in parsed:
            parsed[text] = pickle.dumps(real(text))  # a YAML error is raised, and nothing kept
        return pickle.loads(parsed[text])  # noqa: S301 - bytes this process pickled itself

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(loader, "load_yaml", load_yaml)
        yield


@pytest.fixture(scope="session", autouse=True)
def _sqlite_schema_migrated_once(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """A new SQLite database gets its schema copied from one migrated once per test process, instead of running every
    migration again: Alembic took about 0.2 s of each new core's 0.3 s, over a thousand times in the suite. Only a file
    with no tables at all is copied into (a test that downgrades keeps Alembic's table, and migrates for real), and the
    copy is the same schema the migrations made, by SQLite's own backup. The migrations themselves are tested in
    tests/storage/test_migrations.py, on SQLite and on PostgreSQL."""
    import sqlite3

    template = tmp_path_factory.mktemp("schema") / "policybot.db"
    made = Database(f"sqlite:///{template}")
    made.upgrade()
    made.dispose()
    original = Database.upgrade

    def upgrade(self: Database) -> None:
        if self.url.startswith("sqlite:///"):
            raw = self.engine.raw_connection()
            try:
                connection = raw.driver_connection
                assert isinstance(connection, sqlite3.Connection)
                if connection.execute("SELECT count(*) FROM sqlite_master").fetchone() == (0,):
                    with contextlib.closing(sqlite3.connect(template)) as source:
                        source.backup(connection)
            finally:
                raw.close()
        original(self)

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(Database, "upgrade", upgrade)
        yield


@pytest.fixture(scope="session")
def pg_available() -> None:
    reason = _pg_unreachable_reason()
    if reason:
        if IN_CI:
            pytest.fail(f"CI=true requires PostgreSQL: {reason}")
        pytest.skip(reason)


@pytest.fixture
def school() -> School:
    return load_school(REPO_ROOT / "school.example.yaml")


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(START)


def unreadable(monkeypatch: pytest.MonkeyPatch, path: Path) -> None:
    """`path` refused to this process, as a file another user made readable only to themselves (root, whom no mode
    refuses, runs these tests too)."""
    original = Path.read_text

    def refused(self: Path, *args: Any, **kwargs: Any) -> str:
        if self == path:
            raise PermissionError(13, "Permission denied", str(self))
        return original(self, *args, **kwargs)

    monkeypatch.setattr(Path, "read_text", refused)


def free_port() -> int:
    """A loopback port nothing listens on (just now): for a server to take, or for a client to find nobody at."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def make_settings(tmp_path: Path, database_url: str | None = None, **overrides: object) -> Settings:
    values: dict[str, object] = {
        "data_dir": tmp_path / "data",
        "database_url": database_url,
        "school_file": REPO_ROOT / "school.example.yaml",
        "POLICYBOT_ENCRYPTION_KEYS": Fernet.generate_key().decode(),
    }
    values.update(overrides)
    # _env_file=None: tests never read a developer's .env
    return Settings(_env_file=None, **values)  # type: ignore[call-arg]


def make_core(settings: Settings, school: School, clock: ManualClock) -> Core:
    core = Core(settings, school=school, clock=clock)
    core.prepare()
    return core


@contextlib.contextmanager
def core_with(tmp_path: Path, school: School, clock: ManualClock, **overrides: object) -> Iterator[Core]:
    """A prepared core on throw-away settings with these overrides, disposed of afterwards."""
    core = make_core(make_settings(tmp_path, **overrides), school, clock)
    try:
        yield core
    finally:
        core.db.dispose()


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return make_settings(tmp_path)


@pytest.fixture
def core(settings: Settings, school: School, clock: ManualClock) -> Iterator[Core]:
    c = make_core(settings, school, clock)
    yield c
    c.db.dispose()


@pytest.fixture
def pg_url(pg_available: None) -> Iterator[str]:
    """A PostgreSQL URL whose search_path is a fresh schema, dropped afterwards."""
    with pg_schema() as url:
        yield url


@contextlib.contextmanager
def pg_schema() -> Iterator[str]:
    """A URL for a fresh schema in the test database, dropped on leaving."""
    import sqlalchemy as sa

    schema = f"pb_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(PG_URL)
    with admin.begin() as conn:
        conn.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    try:
        yield f"{PG_URL}?options=-csearch_path%3D{schema}"
    finally:
        with admin.begin() as conn:
            conn.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


@pytest.fixture
def pg_core(tmp_path: Path, pg_url: str, school: School, clock: ManualClock) -> Iterator[Core]:
    c = make_core(make_settings(tmp_path, database_url=pg_url), school, clock)
    yield c
    c.db.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def any_core(request: pytest.FixtureRequest, tmp_path: Path, school: School, clock: ManualClock) -> Iterator[Core]:
    """The same test on SQLite and on PostgreSQL."""
    if request.param == "sqlite":
        c = make_core(make_settings(tmp_path), school, clock)
    else:
        url = request.getfixturevalue("pg_url")
        c = make_core(make_settings(tmp_path, database_url=url), school, clock)
    yield c
    c.db.dispose()


def fresh_database(url: str) -> Database:
    db = Database(url)
    db.upgrade()
    return db


def reference_of(core: Core, receipt: str) -> str:
    """The case reference of the report whose sender holds `receipt`: what the DSLs know it by (a test can be both)."""
    from sqlalchemy import select

    from bot.reports.models import ReportRow
    from bot.reports.receipts import normalise, receipt_hash

    with core.db.session() as session:
        reference = session.scalar(
            select(ReportRow.code).where(ReportRow.receipt_hash == receipt_hash(normalise(receipt) or ""))
        )
    assert reference is not None, receipt
    return reference
