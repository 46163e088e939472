"""Where each DSL alert was posted in Slack, so the same message is updated in place as the case moves.

Only DSL-side addresses are kept here (the DSL channel, a DSL's DM); never anything about who sent a report.
Kept free of Slack SDK imports: `bot/storage/models.py` imports this module to complete the metadata.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import String, UniqueConstraint, delete, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from bot.storage import Base

REPLAY_WINDOW = 5 * 60  # seconds: Slack's own tolerance for the request timestamp


class SlackAlertMessage(Base):
    __tablename__ = "slack_alert_messages"
    __table_args__ = (UniqueConstraint("channel", "ts", name="uq_slack_alert_messages_channel_ts"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    ref: Mapped[str] = mapped_column(String(64), index=True)  # the case reference
    channel: Mapped[str] = mapped_column(String(64))  # a channel id (C/G...) or a DM channel id (D...)
    ts: Mapped[str] = mapped_column(String(32))
    kind: Mapped[str] = mapped_column(String(40))
    created_at: Mapped[dt.datetime]
    updated_at: Mapped[dt.datetime]


class SlackRequestSeen(Base):
    """A signed request from Slack already taken (HTTP mode), for the replay window: kept in the database, a replay
    is refused after a restart too, and by every process on one PostgreSQL database. Pruned once out of the window.
    The key is a hash of the request's timestamp and signature: nothing of what the request said."""

    __tablename__ = "slack_requests_seen"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    sent_at: Mapped[dt.datetime] = mapped_column(index=True)  # the request's own timestamp


def forget_requests_out_of_window(session: Session, now: float, window: float = REPLAY_WINDOW) -> None:
    """The requests seen that Slack would refuse by now anyway (`now`: the wall clock, in seconds, as Slack's
    timestamps are): when requests arrive (slack.server.ReplayGuard) and, so that a quiet evening leaves none behind
    (nor in the night's backup), in the scheduler's minute job."""
    cutoff = dt.datetime.fromtimestamp(now - window, dt.UTC)
    old = SlackRequestSeen.sent_at < cutoff
    if session.scalar(select(SlackRequestSeen.key).where(old).limit(1)) is not None:  # no write (lock) for nothing
        session.execute(delete(SlackRequestSeen).where(old))
