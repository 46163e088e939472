"""`DatabasePersistence` against the database alone (no bot): what it writes is what PTB asked for last."""

from __future__ import annotations

import asyncio
import datetime as dt
import threading
from typing import Any

from cryptography.fernet import Fernet
from sqlalchemy import select

from bot.core import Core
from bot.ports import ManualClock
from handlers.telegram.models import TelegramChatData, TelegramConversation
from handlers.telegram.persistence import DatabasePersistence

CHAT = 4242


def test_an_earlier_write_that_finishes_late_does_not_undo_a_later_one(core: Core) -> None:
    """PTB's periodic run copies a chat's draft while its report is being sent; the handler then writes at once that
    it was sent. If the periodic write reaches the database last, the draft and the Keep step come back after a
    restart, and the report can be sent twice."""
    persistence = DatabasePersistence(core)
    save_chat_data, save_conversation = persistence._save_chat_data, persistence._save_conversation
    may_finish = threading.Event()

    def slow_chat_data(chat_id: int, data: dict[str, Any]) -> None:
        if "draft" in data:
            may_finish.wait(2)  # the periodic run's thread is slow: the later write arrives meanwhile
        save_chat_data(chat_id, data)

    def slow_conversation(name: str, key: Any, state: object | None) -> None:
        if state is not None:
            may_finish.wait(2)
        save_conversation(name, key, state)

    persistence._save_chat_data = slow_chat_data  # type: ignore[method-assign]
    persistence._save_conversation = slow_conversation  # type: ignore[method-assign]

    async def periodic_run_then_report_sent() -> None:
        periodic = [
            asyncio.create_task(persistence.update_chat_data(CHAT, {"draft": {"parts": ["Not sent yet."]}})),
            asyncio.create_task(persistence.update_conversation("report", (CHAT, CHAT), "keep")),
        ]
        await asyncio.sleep(0.05)  # both copies are on their way to the database
        sent = asyncio.gather(
            persistence.update_chat_data(CHAT, {"sent": 1}),
            persistence.update_conversation("report", (CHAT, CHAT), None),
        )
        await asyncio.sleep(0.2)
        may_finish.set()
        await asyncio.gather(sent, *periodic)

    asyncio.run(periodic_run_then_report_sent())
    restarted = DatabasePersistence(core)
    assert asyncio.run(restarted.get_chat_data()) == {CHAT: {"sent": 1}}
    assert asyncio.run(restarted.get_conversations("report")) == {}


def test_a_report_sent_while_its_first_draft_is_being_written_leaves_no_draft(core: Core) -> None:
    """The chat's first write (its draft: no row yet) is on its way when the report is sent and the chat's data is
    emptied. The empty write must wait its turn and delete the row, not be skipped as 'nothing stored'."""
    persistence = DatabasePersistence(core)
    save_chat_data = persistence._save_chat_data
    may_finish = threading.Event()

    def slow_chat_data(chat_id: int, data: dict[str, Any]) -> None:
        if "draft" in data:
            may_finish.wait(2)
        save_chat_data(chat_id, data)

    persistence._save_chat_data = slow_chat_data  # type: ignore[method-assign]

    async def first_write_then_report_sent() -> None:
        periodic = asyncio.create_task(persistence.update_chat_data(CHAT, {"draft": {"parts": ["Not sent yet."]}}))
        await asyncio.sleep(0.05)
        sent = asyncio.create_task(persistence.update_chat_data(CHAT, {}))
        await asyncio.sleep(0.2)
        may_finish.set()
        await asyncio.gather(sent, periodic)

    asyncio.run(first_write_then_report_sent())
    assert asyncio.run(DatabasePersistence(core).get_chat_data()) == {}


def _token_times(core: Core) -> list[dt.datetime]:
    """`updated_at` and the time each Fernet token carries, of every row in both tables."""
    assert core.settings.encryption_keys is not None
    fernet = Fernet(core.settings.encryption_keys.get_secret_value())

    def time_of(token: str) -> dt.datetime:
        return dt.datetime.fromtimestamp(fernet.extract_timestamp(token.encode()), dt.UTC)

    with core.db.session() as session:
        chats = session.scalars(select(TelegramChatData)).all()
        conversations = session.scalars(select(TelegramConversation)).all()
        assert chats and conversations
        return [
            *(t for c in chats for t in (c.updated_at, time_of(c.chat_enc), time_of(c.data_enc))),
            *(t for c in conversations for t in (c.updated_at, time_of(c.key_enc))),
        ]


def test_a_chat_rewritten_as_a_report_is_sent_tells_only_the_day(core: Core, clock: ManualClock) -> None:
    """A chat still holding an earlier report's wait for the school's answer is rewritten the moment a new report is
    sent. Its row's time (and the time its tokens carry in the clear) matched the new report's `created_at` to the
    second: whoever holds the database and the key could link the chat to the report. Now each tells only the day."""
    clock.set(dt.datetime(2026, 11, 20, 9, 12, 5, tzinfo=dt.UTC))
    persistence = DatabasePersistence(core)
    asyncio.run(persistence.update_chat_data(CHAT, {"awaiting": {"ref": "R-1"}}))
    asyncio.run(persistence.update_conversation("report", (CHAT, CHAT), "describe"))
    sent_at = dt.datetime(2026, 11, 25, 14, 37, 21, tzinfo=dt.UTC)
    clock.set(sent_at)
    asyncio.run(persistence.update_chat_data(CHAT, {"awaiting": {"ref": "R-1"}, "sent": "R-2"}))
    asyncio.run(persistence.update_conversation("report", (CHAT, CHAT), "keep"))
    day = dt.datetime(2026, 11, 25, tzinfo=dt.UTC)
    times = _token_times(core)
    # The chat id's and the conversation key's tokens were written on the 20th, and keep that day.
    assert set(times) == {day, dt.datetime(2026, 11, 20, tzinfo=dt.UTC)}
    assert sent_at not in times
    with core.db.session() as session:
        assert session.scalars(select(TelegramChatData.updated_at)).one() == day

    from handlers.cli.db import _rotate

    _rotate(core)  # re-encrypting under a new key keeps the day each token carries
    assert _token_times(core) == times
    assert asyncio.run(DatabasePersistence(core).get_chat_data())[CHAT]["sent"] == "R-2"


def test_a_draft_expires_three_days_after_its_last_write_not_before(core: Core, clock: ManualClock) -> None:
    """Kept by its day, a draft written late in the day would otherwise expire up to a day early."""
    for written in (dt.datetime(2026, 11, 20, 23, 59, tzinfo=dt.UTC), dt.datetime(2026, 11, 21, 0, 0, tzinfo=dt.UTC)):
        clock.set(written)
        asyncio.run(DatabasePersistence(core).update_chat_data(CHAT, {"draft": {"parts": ["Not sent yet."]}}))
        asyncio.run(DatabasePersistence(core).update_conversation("report", (CHAT, CHAT), "describe"))
        clock.set(written + dt.timedelta(days=3, seconds=-1))
        kept = DatabasePersistence(core)
        assert asyncio.run(kept.get_chat_data()) == {CHAT: {"draft": {"parts": ["Not sent yet."]}}}
        assert asyncio.run(kept.get_conversations("report")) == {(CHAT, CHAT): "describe"}
        clock.set(written + dt.timedelta(days=4, seconds=1))  # at most a day late
        gone = DatabasePersistence(core)
        assert asyncio.run(gone.get_chat_data()) == {}
        assert asyncio.run(gone.get_conversations("report")) == {}
