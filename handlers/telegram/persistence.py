"""`DatabasePersistence`: PTB's conversation states and chat data kept in our database, not a pickle file.

Only what a flow in progress needs survives a restart: the conversation state and the chat's data (its draft, and
the school's question waiting for an answer: see awaiting.py). Chat ids
are stored encrypted and looked up by keyed hash; empty chat data is never written, so a parent who only asks
questions leaves no row at all. Abandoned drafts expire after `DRAFT_LIFETIME`.

A row tells only the day it was last written (UTC), in `updated_at` and in the time each of its Fernet tokens
carries in the clear: a chat's row rewritten as its report was sent would otherwise match that report's
`created_at` to the second, and link the chat to the report.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
from typing import TYPE_CHECKING, Any

from sqlalchemy import delete, select
from telegram.ext import BasePersistence, PersistenceInput
from telegram.ext._utils.types import CDCData, ConversationDict, ConversationKey

from handlers.telegram.models import TelegramChatData, TelegramConversation

if TYPE_CHECKING:
    from bot.core import Core

DRAFT_LIFETIME = dt.timedelta(days=3)
UPDATE_INTERVAL = 1.0  # seconds between PTB's persistence runs: a crash loses at most this much of a flow

ChatData = dict[str, Any]


class DatabasePersistence(BasePersistence[dict[str, Any], ChatData, dict[str, Any]]):
    def __init__(self, core: Core, update_interval: float = UPDATE_INTERVAL) -> None:
        super().__init__(
            store_data=PersistenceInput(bot_data=False, chat_data=True, user_data=False, callback_data=False),
            update_interval=update_interval,
        )
        self.core = core
        self._stored_chats: set[str] = set()  # macs of chats with a row, so an empty update costs no query
        # Writes go to the database one at a time, in the order they were asked for. Each runs in a thread: without
        # this, PTB's periodic run (a copy taken while a report was being sent) could finish after the write that
        # records the report as sent, bring its draft and Keep buttons back, and let it be sent twice.
        self._writes = asyncio.Lock()

    # --- keys ---
    def _conversation_mac(self, name: str, key: ConversationKey) -> str:
        return self.core.vault.mac(f"telegram-conversation:{name}:{json.dumps(list(key))}")

    def _chat_mac(self, chat_id: int) -> str:
        return self.core.vault.mac(f"telegram-chat:{chat_id}")

    def _written_on(self) -> dt.datetime:
        """When a write is recorded as made: the start of its UTC day (a whole 24 hours, unlike the school's day
        when the clocks change, so the expiry below stays exact)."""
        return self.core.clock.now().astimezone(dt.UTC).replace(hour=0, minute=0, second=0, microsecond=0)

    def _expired_before(self) -> dt.datetime:
        # A row's day started up to a day before its last write: a day more, so no draft expires early.
        return self.core.clock.now() - DRAFT_LIFETIME - dt.timedelta(days=1)

    # --- loading (once, at start-up) ---
    async def get_conversations(self, name: str) -> ConversationDict:
        return await asyncio.to_thread(self._load_conversations, name)

    def _load_conversations(self, name: str) -> ConversationDict:
        vault = self.core.vault
        with self.core.db.session() as session:
            session.execute(
                delete(TelegramConversation).where(TelegramConversation.updated_at < self._expired_before())
            )
            rows = session.scalars(select(TelegramConversation).where(TelegramConversation.name == name)).all()
            found: dict[tuple[int | str, ...], object] = {}
            for row in rows:
                key = tuple(json.loads(vault.decrypt(row.key_enc)))
                found[key] = json.loads(row.state)
            return found

    async def get_chat_data(self) -> dict[int, ChatData]:
        return await asyncio.to_thread(self._load_chat_data)

    def _load_chat_data(self) -> dict[int, ChatData]:
        vault = self.core.vault
        with self.core.db.session() as session:
            session.execute(delete(TelegramChatData).where(TelegramChatData.updated_at < self._expired_before()))
            rows = session.scalars(select(TelegramChatData)).all()
            self._stored_chats = {row.key_mac for row in rows}
            return {int(vault.decrypt(row.chat_enc)): json.loads(vault.decrypt(row.data_enc)) for row in rows}

    async def get_user_data(self) -> dict[int, dict[str, Any]]:
        return {}

    async def get_bot_data(self) -> dict[str, Any]:
        return {}

    async def get_callback_data(self) -> CDCData | None:
        return None

    # --- writing (PTB calls these for what changed, every `update_interval` and at shutdown) ---
    async def update_conversation(self, name: str, key: ConversationKey, new_state: object | None) -> None:
        async with self._writes:
            await asyncio.to_thread(self._save_conversation, name, key, new_state)

    def _save_conversation(self, name: str, key: ConversationKey, new_state: object | None) -> None:
        mac = self._conversation_mac(name, key)
        with self.core.db.session() as session:
            row = session.get(TelegramConversation, mac)
            if new_state is None:
                if row is not None:
                    session.delete(row)
                return
            state = json.dumps(new_state)
            day = self._written_on()
            if row is None:
                session.add(
                    TelegramConversation(
                        key_mac=mac,
                        name=name,
                        key_enc=self.core.vault.encrypt_at(json.dumps(list(key)), day),
                        state=state,
                        updated_at=day,
                    )
                )
            else:
                row.state, row.updated_at = state, day

    async def update_chat_data(self, chat_id: int, data: ChatData) -> None:
        async with self._writes:  # checked in turn: a chat's first draft may be on its way to the database
            if not data and self._chat_mac(chat_id) not in self._stored_chats:
                return  # a chat that only asked questions: nothing to write, nothing to delete
            await asyncio.to_thread(self._save_chat_data, chat_id, data)

    def _save_chat_data(self, chat_id: int, data: ChatData) -> None:
        mac = self._chat_mac(chat_id)
        with self.core.db.session() as session:
            row = session.get(TelegramChatData, mac)
            if not data:  # nothing in progress: keep no trace of the chat
                if row is not None:
                    session.delete(row)
                self._stored_chats.discard(mac)
                return
            self._stored_chats.add(mac)
            day = self._written_on()
            payload = self.core.vault.encrypt_at(json.dumps(data), day)
            if row is None:
                session.add(
                    TelegramChatData(
                        key_mac=mac,
                        chat_enc=self.core.vault.encrypt_at(str(chat_id), day),
                        data_enc=payload,
                        updated_at=day,
                    )
                )
            else:
                row.data_enc, row.updated_at = payload, day

    async def drop_chat_data(self, chat_id: int) -> None:
        await self.update_chat_data(chat_id, {})

    async def update_user_data(self, user_id: int, data: dict[str, Any]) -> None:
        return None

    async def update_bot_data(self, data: dict[str, Any]) -> None:
        return None

    async def update_callback_data(self, data: CDCData) -> None:
        return None

    async def drop_user_data(self, user_id: int) -> None:
        return None

    async def refresh_user_data(self, user_id: int, user_data: dict[str, Any]) -> None:
        return None

    async def refresh_chat_data(self, chat_id: int, chat_data: ChatData) -> None:
        return None

    async def refresh_bot_data(self, bot_data: dict[str, Any]) -> None:
        return None

    async def flush(self) -> None:
        return None  # every update is written at once; nothing is buffered here
