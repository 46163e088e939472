"""The scheduler's tables: published policy versions, reviews, acknowledgement campaigns, acknowledgements,
the log of reminders sent, photos on personal phones and leavers' password changes.

`SentReminder` is what makes every rule safe to run twice: a reminder is (series, number), unique; the rule
decides the next number from what was sent, and whoever inserts it first is the one that queues it.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Boolean, Date, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from bot.storage import Base


class PolicyVersion(Base):
    """A version of a policy as published, with a hash of its clause texts (same hash: same policy to staff)."""

    __tablename__ = "policy_versions"
    __table_args__ = (UniqueConstraint("policy_id", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    policy_id: Mapped[str] = mapped_column(String(64), index=True)
    version: Mapped[str] = mapped_column(String(40))
    title: Mapped[str] = mapped_column(String(300))
    clause_hash: Mapped[str] = mapped_column(String(64))
    clauses: Mapped[str] = mapped_column(Text)  # JSON {clause id: verbatim text}, to say what changed
    published_at: Mapped[dt.datetime]


class PolicyReview(Base):
    """One annual (or other cycle) review of a policy: who, when, notes, and the new version if any."""

    __tablename__ = "policy_reviews"

    id: Mapped[int] = mapped_column(primary_key=True)
    policy_id: Mapped[str] = mapped_column(String(64), index=True)
    reviewed_on: Mapped[dt.date] = mapped_column(Date)
    reviewer: Mapped[str] = mapped_column(String(200))
    notes: Mapped[str] = mapped_column(Text, default="")
    new_version: Mapped[str | None] = mapped_column(String(40))
    no_changes: Mapped[bool] = mapped_column(Boolean, default=False)
    recorded_at: Mapped[dt.datetime]


class AckCampaign(Base):
    """Every member of staff must acknowledge this version; closed when a newer campaign replaces it."""

    __tablename__ = "ack_campaigns"

    id: Mapped[int] = mapped_column(primary_key=True)
    policy_id: Mapped[str] = mapped_column(String(64), index=True)
    version: Mapped[str] = mapped_column(String(40))
    clause_hash: Mapped[str] = mapped_column(String(64))
    previous_version: Mapped[str | None] = mapped_column(String(40))
    changes: Mapped[str] = mapped_column(Text, default="[]")  # JSON list of lines saying what changed
    started_on: Mapped[dt.date] = mapped_column(Date)
    started_at: Mapped[dt.datetime]
    closed_at: Mapped[dt.datetime | None]


class Acknowledgement(Base):
    """A member of staff confirmed they have read and accept a version of a policy."""

    __tablename__ = "acknowledgements"
    __table_args__ = (UniqueConstraint("person_id", "policy_id", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), index=True)
    policy_id: Mapped[str] = mapped_column(String(64))
    version: Mapped[str] = mapped_column(String(40))
    clause_hash: Mapped[str] = mapped_column(String(64))
    acknowledged_at: Mapped[dt.datetime]
    # Who recorded it for them (a paper acceptance, `policybot acks record`); None: they pressed the button themselves.
    recorded_by: Mapped[str | None] = mapped_column(String(200), default=None)


class SentReminder(Base):
    """Reminder number `seq` of a series (e.g. "ack:3:17" = campaign 3, person 17) went out on `sent_on`."""

    __tablename__ = "reminders_sent"
    __table_args__ = (UniqueConstraint("series", "seq"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    series: Mapped[str] = mapped_column(String(120))
    seq: Mapped[int]
    sent_on: Mapped[dt.date] = mapped_column(Date)
    sent_at: Mapped[dt.datetime]


class PhotoRecord(Base):
    """A member of staff recorded images on a personal phone; open until they confirm transfer and deletion."""

    __tablename__ = "photo_records"

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), index=True)
    recorded_at: Mapped[dt.datetime]
    recorded_on: Mapped[dt.date] = mapped_column(Date)
    confirmed_at: Mapped[dt.datetime | None]
    # Who confirmed it: the member of staff, or (once they are leaving) the admin or headteacher who did.
    confirmed_by: Mapped[str | None] = mapped_column(String(200), default=None)


class LeaverCheck(Base):
    """The passwords of the school accounts a leaver could use: changed (confirmed) or still to do."""

    __tablename__ = "leaver_checks"

    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), primary_key=True)
    leave_date: Mapped[dt.date] = mapped_column(Date)
    confirmed_at: Mapped[dt.datetime | None]
    confirmed_by: Mapped[str | None] = mapped_column(String(200))
