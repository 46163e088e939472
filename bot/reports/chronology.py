"""The chronology: append-only and tamper-evident.

Each event's hash covers the previous event's hash and the event's own plain content, so editing, inserting or
removing an event breaks the chain; the report row keeps the newest hash, so removing the last event shows too.
A correction is a new event, never an edit. Hashes cover plain text, not ciphertext, so key rotation keeps them.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.crypto import Vault, VaultError
from bot.reports.domain import CaseEvent
from bot.reports.models import ReportEventRow, ReportRow

GENESIS = "0" * 64


def event_hash(prev_hash: str, code: str, seq: int, at: dt.datetime, actor: str, action: str, detail: str) -> str:
    body = json.dumps(
        [prev_hash, code, seq, at.astimezone(dt.UTC).isoformat(), actor, action, detail],
        ensure_ascii=False,
        separators=(",", ":"),
    )
    return hashlib.sha256(body.encode("utf-8")).hexdigest()


def last_seq(session: Session, report: ReportRow) -> int | None:
    """The number of a case's newest event (None before its first): what a card or message about it now is of."""
    return session.scalar(
        select(ReportEventRow.seq)
        .where(ReportEventRow.report_id == report.id)
        .order_by(ReportEventRow.seq.desc())
        .limit(1)
    )


def append(
    session: Session,
    vault: Vault,
    report: ReportRow,
    *,
    at: dt.datetime,
    actor: str,
    action: str,
    detail: str | None = None,
) -> ReportEventRow:
    """Add an event after the newest one. The caller holds the report row (locked where the database can)."""
    last = session.scalar(
        select(ReportEventRow).where(ReportEventRow.report_id == report.id).order_by(ReportEventRow.seq.desc())
    )
    seq = last.seq + 1 if last else 1
    # Chain from the hash the report row remembers, not from whatever row is last now: if the newest event was
    # deleted, the next one still points at it, so the gap keeps showing however much is added afterwards.
    prev = report.head_hash or GENESIS
    # Stored times keep microseconds on SQLite and PostgreSQL alike; hash exactly what is stored.
    at = at.astimezone(dt.UTC)
    row = ReportEventRow(
        report_id=report.id,
        seq=seq,
        at=at,
        actor=actor,
        action=action,
        detail=vault.encrypt(detail) if detail is not None else None,
        prev_hash=prev,
        hash=event_hash(prev, report.code, seq, at, actor, action, detail or ""),
    )
    session.add(row)
    report.head_hash = row.hash
    session.flush()
    return row


@dataclass(frozen=True)
class ChainCheck:
    ok: bool
    problem: str | None
    events: list[CaseEvent]


def verify(vault: Vault, report: ReportRow, rows: Sequence[ReportEventRow]) -> ChainCheck:
    """Decrypt and check the whole chain; the first problem found is named for the record."""
    events: list[CaseEvent] = []
    prev = GENESIS
    problem: str | None = None
    for expected_seq, row in enumerate(sorted(rows, key=lambda r: r.seq), start=1):
        try:
            detail = vault.decrypt(row.detail) if row.detail is not None else None
        except VaultError:
            detail = None
            problem = problem or f"event {row.seq} cannot be decrypted"
        events.append(CaseEvent(seq=row.seq, at=row.at, actor=row.actor, action=row.action, detail=detail))
        if problem:
            continue
        if row.seq != expected_seq:
            problem = f"event {expected_seq} is missing"
        elif row.prev_hash != prev:
            problem = f"event {row.seq} does not follow event {row.seq - 1}"
        elif row.hash != event_hash(prev, report.code, row.seq, row.at, row.actor, row.action, detail or ""):
            problem = f"event {row.seq} has been changed since it was written"
        prev = row.hash
    if problem is None and prev != report.head_hash:
        problem = "the newest event is missing"
    return ChainCheck(ok=problem is None, problem=problem, events=events)
