"""Tables for reports. None of them holds anything about who sent a report.

- `reports`: the report itself; its text and outcome encrypted; status and routing decisions in the clear. `code` is
  the case reference the people handling it use; of the sender's receipt only a hash is kept (bot/reports/receipts.py).
- `report_events`: the chronology, append-only, each row carrying the hash of the one before.
- `report_reply_channels`: how to reach the anonymous sender, and their receipt (for the news sent them), both
  encrypted, keyed by case reference; optional.
- `report_attachments`: evidence with metadata stripped, encrypted, with the SHA-256 of the stored file.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import ForeignKey, LargeBinary, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from bot.storage import Base


class ReportRow(Base):
    __tablename__ = "reports"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(19), unique=True)  # the case reference (an older report's: its receipt)
    receipt_hash: Mapped[str] = mapped_column(String(64), unique=True)  # SHA-256 of the sender's receipt code
    category: Mapped[str] = mapped_column(String(40))
    urgent: Mapped[bool]
    status: Mapped[str] = mapped_column(String(16), index=True)
    channel: Mapped[str] = mapped_column(String(16))  # how it arrived: telegram, slack or console
    text: Mapped[str] = mapped_column(Text)  # encrypted
    # Ids of people the report names: kept away from them. Encrypted: who a report is about is sensitive too.
    conflicts: Mapped[str] = mapped_column(Text)
    created_at: Mapped[dt.datetime]
    acknowledged_at: Mapped[dt.datetime | None]
    acknowledged_by: Mapped[str | None] = mapped_column(String(200))
    outcome: Mapped[str | None] = mapped_column(Text)  # encrypted
    outcome_shared: Mapped[bool] = mapped_column(default=False)
    closed_at: Mapped[dt.datetime | None]
    escalation_level: Mapped[int] = mapped_column(default=0)
    # When escalation is timed from, if not created_at: the moment a case went back to being unacknowledged.
    escalation_start: Mapped[dt.datetime | None]
    head_hash: Mapped[str] = mapped_column(String(64))  # hash of the newest event: a deleted last event shows


class ReportEventRow(Base):
    __tablename__ = "report_events"
    __table_args__ = (UniqueConstraint("report_id", "seq", name="uq_report_events_report_seq"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    report_id: Mapped[int] = mapped_column(ForeignKey("reports.id", ondelete="CASCADE"), index=True)
    seq: Mapped[int]
    at: Mapped[dt.datetime]
    actor: Mapped[str] = mapped_column(String(200))  # a DSL's name, "Sender" or "System"
    action: Mapped[str] = mapped_column(String(40))
    detail: Mapped[str | None] = mapped_column(Text)  # encrypted
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))


class ReplyChannelRow(Base):
    __tablename__ = "report_reply_channels"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(19), unique=True)  # the report's case reference
    address: Mapped[str] = mapped_column(Text)  # encrypted JSON {platform, address}
    # The sender's receipt code, encrypted: the news sent them names it, so they can check and answer. None in rows
    # from before references, whose report's code is still the receipt.
    receipt: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[dt.datetime]


class AttachmentRow(Base):
    __tablename__ = "report_attachments"

    id: Mapped[int] = mapped_column(primary_key=True)
    report_id: Mapped[int] = mapped_column(ForeignKey("reports.id", ondelete="CASCADE"), index=True)
    filename: Mapped[str] = mapped_column(String(100))  # a neutral name we give it, never the sender's
    content_type: Mapped[str] = mapped_column(String(60))
    size: Mapped[int]
    sha256: Mapped[str] = mapped_column(String(64))
    data: Mapped[bytes] = mapped_column(LargeBinary)  # encrypted
    added_at: Mapped[dt.datetime]
