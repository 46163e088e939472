""""Did this help?": one row per press, with the clause and the channel, never who pressed."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from sqlalchemy import String, case, func, select
from sqlalchemy.orm import Mapped, mapped_column

from bot.storage import Base

if TYPE_CHECKING:
    from bot.core import Core


class AnswerFeedback(Base):
    __tablename__ = "answer_feedback"

    id: Mapped[int] = mapped_column(primary_key=True)
    clause_id: Mapped[str] = mapped_column(String(80), index=True)
    channel: Mapped[str] = mapped_column(String(16))
    helpful: Mapped[bool]
    at: Mapped[dt.datetime]


def record_feedback(core: Core, channel: str, clause_id: str, helpful: bool) -> bool:
    """Store one press. False (and nothing stored) for a clause the policy does not have: stale or forged data."""
    try:
        core.policies.clause(clause_id)
    except KeyError:
        return False
    with core.db.session() as session, session.begin():
        session.add(AnswerFeedback(clause_id=clause_id, channel=channel[:16], helpful=helpful, at=core.clock.now()))
    return True


def feedback_summary(core: Core) -> list[tuple[str, int, int]]:
    """(clause id, helpful, not helpful) for every clause with feedback, least helpful first."""
    with core.db.session() as session:
        helpful = func.sum(case((AnswerFeedback.helpful, 1), else_=0))
        total = func.count()
        rows = session.execute(
            select(AnswerFeedback.clause_id, helpful, total).group_by(AnswerFeedback.clause_id)
        ).all()
    summary = [(clause, int(yes or 0), int(n) - int(yes or 0)) for clause, yes, n in rows]
    return sorted(summary, key=lambda r: (r[1] - r[2], r[0]))
