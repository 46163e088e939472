"""Tables for Telegram's conversation persistence: where a chat is in a flow, and its unsent draft.

PTB needs the real chat id to match an incoming update to a stored conversation, so the id is kept only
encrypted (`chat_enc`); rows are found by a keyed hash of it (`key_mac`), never by the id in the clear. A row
lives only while a flow is in progress: finished or cancelled flows delete theirs, abandoned ones expire.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import String, Text
from sqlalchemy.orm import Mapped, mapped_column

from bot.storage import Base


class TelegramConversation(Base):
    """The state of one chat in one ConversationHandler (e.g. "report" at "describe")."""

    __tablename__ = "telegram_conversations"

    key_mac: Mapped[str] = mapped_column(String(64), primary_key=True)  # vault.mac of name + key
    name: Mapped[str] = mapped_column(String(64), index=True)
    key_enc: Mapped[str] = mapped_column(Text)  # encrypted JSON of PTB's conversation key
    state: Mapped[str] = mapped_column(Text)  # JSON of the state name
    updated_at: Mapped[dt.datetime]


class TelegramChatData(Base):
    """A chat's in-progress data (a report draft, the receipt being answered), encrypted as a whole."""

    __tablename__ = "telegram_chat_data"

    key_mac: Mapped[str] = mapped_column(String(64), primary_key=True)  # vault.mac of the chat id
    chat_enc: Mapped[str] = mapped_column(Text)
    data_enc: Mapped[str] = mapped_column(Text)
    updated_at: Mapped[dt.datetime]
