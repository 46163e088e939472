"""The Alembic migrations build exactly the schema the models describe, on SQLite and PostgreSQL."""

from __future__ import annotations

import hashlib
import logging

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect, select

import bot.storage.models  # noqa: F401  (every table's module)
from bot.core import Core
from bot.outbox import OutboxRow
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


def test_the_newest_migration_is_read_from_the_files_as_alembic_reads_it(any_core: Core) -> None:
    """`upgrade` skips Alembic when the database is at the newest migration: it must be the one Alembic finds."""
    from alembic.script import ScriptDirectory

    from bot.storage import alembic_config, newest_migration

    assert newest_migration() == ScriptDirectory.from_config(alembic_config(any_core.db.url)).get_current_head()
    assert any_core.db.at_newest_migration()


def test_a_database_one_migration_behind_is_upgraded_and_the_log_says_so(
    any_core: Core, caplog: pytest.LogCaptureFixture
) -> None:
    from alembic import command

    from bot.storage import alembic_config, newest_migration

    command.downgrade(alembic_config(any_core.db.url, any_core.db.engine), "0012")
    assert not any_core.db.at_newest_migration()
    with caplog.at_level(logging.INFO, logger="bot.storage"):
        any_core.db.upgrade()
        any_core.db.upgrade()  # nothing to do: nothing said
    assert any_core.db.at_newest_migration()
    assert "receipt_hash" in {c["name"] for c in inspect(any_core.db.engine).get_columns("reports")}
    said = [r.getMessage() for r in caplog.records if r.name == "bot.storage"]
    assert said == [f"database upgraded from migration 0012 to {newest_migration()}"]  # an admin's "when did it?"


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


def test_a_report_from_before_0013_still_opens_with_the_receipt_its_sender_holds(
    any_core: Core, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Before 0013 a report's code was both its receipt and what the DSLs saw. Upgraded, its hash is filled from that
    code: the sender's receipt still opens it, the DSLs still use the code (the stated legacy limitation), and its
    news, queued rows and kept reply channel go on working."""
    from alembic import command
    from sqlalchemy import text

    import bot.reports.sender as sender
    from bot.ports import Recipient
    from bot.reports import ReplyAddress
    from bot.storage import alembic_config

    core = any_core
    old = "ACDE-FGHJ-KMNP-RTWX"
    monkeypatch.setattr(sender, "new_reference", lambda: old)  # stored as the older version did: one code for all
    monkeypatch.setattr(sender, "new_code", lambda: old)
    core.reports.submit("other", "A worry from last term.", channel="telegram", reply_to=ReplyAddress("telegram", "77"))
    monkeypatch.undo()
    config = alembic_config(core.db.url, core.db.engine)
    command.downgrade(config, "0012")
    assert "receipt_hash" not in {c["name"] for c in inspect(core.db.engine).get_columns("reports")}

    core.db.upgrade()
    with core.db.engine.connect() as conn:
        [(code, digest)] = conn.execute(text("SELECT code, receipt_hash FROM reports")).all()
        assert conn.execute(text("SELECT receipt FROM report_reply_channels")).scalar() is None
    assert code == old and digest == hashlib.sha256(old.encode()).hexdigest()
    assert core.reports.sender_status("acde fghj kmnp rtwx", requester="r").code == old  # the sender's receipt
    dana = core.reports.actor_named("Dana Lead")
    core.reports.ask_sender(old, dana, "Which class?")  # the DSLs' tools take the old code
    assert core.reports.resolve_recipient(Recipient("telegram", f"reply:{old}")) == Recipient("telegram", "77")
    with core.db.session() as session:
        rows = session.scalars(select(OutboxRow).order_by(OutboxRow.id)).all()
        messages = [core.outbox.message(row) for row in rows]
    assert {m.ref for m in messages} == {old}  # the alert queued before the upgrade, and everything since
    asked = [m for m in messages if m.kind == "sender_update" and "Which class?" in m.text]
    assert len(asked) == 1 and old in asked[0].text and {b.value for b in asked[0].buttons} == {old}
    new = core.reports.submit("other", "A new worry.", channel="console")  # a new report: two codes from now on
    assert new.reference != new.code and core.reports.sender_status(new.code, requester="r").code == new.code


def test_an_older_version_on_a_database_a_newer_one_upgraded_says_so(any_core: Core) -> None:
    """Going back to the previous version after an upgrade (a `git checkout` of it, say): not Alembic's
    "something went wrong (CommandError)", but what happened and the two ways on."""
    from sqlalchemy import text

    from bot.config import ConfigError
    from bot.storage import newest_migration

    with any_core.db.engine.begin() as connection:
        connection.execute(text("UPDATE alembic_version SET version_num = '0099'"))
    with pytest.raises(ConfigError) as refused:
        any_core.db.upgrade()
    assert str(refused.value).startswith(
        f"the database was brought up to date by a newer version of policybot (migration 0099; this version knows up "
        f"to {newest_migration()}), and this older one cannot use it. Run the newer version again"
    )
