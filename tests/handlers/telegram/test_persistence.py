"""`DatabasePersistence` against the database alone (no bot): what it writes is what PTB asked for last."""

from __future__ import annotations

import asyncio
import threading
from typing import Any

from bot.core import Core
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
