"""Knowledge gaps: questions the policy could not answer, kept (text only, never who asked) for the policy
owner's next review. `ask` is what every adapter calls: answer, and remember the question if unanswered.

The question is encrypted at rest like report text: it often names someone ("I am Jane Smith, Tom's mum in year
2..."). Rows written before that (plain text in `question`) are sealed at start-up by `seal_plain_gaps`.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
from collections import Counter
from typing import TYPE_CHECKING

from sqlalchemy import String, Text, delete, select
from sqlalchemy.orm import Mapped, mapped_column

from bot.qa.answer import Answer, AskerAudience
from bot.qa.text import asks
from bot.reports.receipts import find_code
from bot.storage import Base
from bot.typed import about_the_asker, may_ask_after_a_report

if TYPE_CHECKING:
    from bot.core import Core
    from bot.crypto import Vault

log = logging.getLogger(__name__)

MAX_GAP_CHARS = 500  # a gap is a question, not an essay; longer text is cut
# What in a question could identify someone is kept out of a gap: e-mail and web addresses, @handles and
# phone numbers (seven digits or more, however spaced).
_IDENTIFYING = re.compile(
    r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+"
    r"|(?:https?://|www\.)\S+"
    r"|@\w+"
    r"|\+?\d(?:[\s().-]*\d){6,}"
)
REMOVED = "[removed]"


class KnowledgeGap(Base):
    __tablename__ = "knowledge_gaps"

    id: Mapped[int] = mapped_column(primary_key=True)
    question_enc: Mapped[str | None] = mapped_column(Text)  # None only in a row not sealed yet
    question: Mapped[str | None] = mapped_column(String(MAX_GAP_CHARS))  # plain text of older versions, until sealed
    audience: Mapped[str | None] = mapped_column(String(16))
    channel: Mapped[str] = mapped_column(String(16))
    asked_at: Mapped[dt.datetime] = mapped_column(index=True)


def ask(core: Core, question: str, audience: AskerAudience | None, channel: str) -> Answer:
    """Answer a question; a refused one is kept as a knowledge gap. Storage trouble never costs the answer."""
    answer = core.qa.answer(question, audience)
    record_gap(core, answer, audience, channel)
    return answer


def record_gap(core: Core, answer: Answer, audience: AskerAudience | None, channel: str) -> bool:
    """Keep `answer`'s question if the policy did not cover it. For adapters that reply first and store after."""
    if answer.outcome != "refuse" or answer.report:
        return False  # a message about a concern may be a disclosure: it is not kept
    if not _is_a_question(answer.question):
        return False
    try:
        with core.db.session() as session:
            session.add(
                KnowledgeGap(
                    question_enc=core.vault.encrypt(
                        without_contact_details(" ".join(answer.question.split()))[:MAX_GAP_CHARS]
                    ),
                    audience=audience,
                    channel=channel,
                    asked_at=core.clock.now(),
                )
            )
    except Exception:
        log.exception("could not record a knowledge gap")
        return False
    return True


def _is_a_question(text: str) -> bool:
    """Only questions are gaps. A statement that the policy does not cover is often someone answering the school
    about their report in the wrong place ("Year 3, it was Jayden's mum"), and a message with a receipt code is
    about a report: neither is kept, as either could carry details of a case. Nor is a message about the asker or
    their report ("any news??", "forget me", "help?"): it asks nothing of the policy (see `bot.typed`)."""
    return not _about_a_report(text) and asks(text)


def _about_a_report(text: str) -> bool:
    """A receipt code, a message about the asker or their report, or one asking whether something was seen or
    received (may_ask_after_a_report): it may be a sender's words about their case, never kept as a gap."""
    return find_code(text) is not None or about_the_asker(text) is not None or may_ask_after_a_report(text)


def without_contact_details(text: str) -> str:
    """`text` with e-mail and web addresses, @handles and phone numbers replaced by "[removed]"."""
    return _IDENTIFYING.sub(REMOVED, text)


def gaps_since(core: Core, since: dt.datetime | None = None) -> list[str]:
    """Distinct unanswered questions since `since` (all when None), most asked first."""
    return [question for question, _ in gap_counts(core, since)]


def gap_counts(core: Core, since: dt.datetime | None = None) -> list[tuple[str, int]]:
    """Each distinct unanswered question with how often it was asked. Counted after decrypting: a school has
    hundreds of gaps a year, not millions.

    Older versions kept some messages about a report or its sender ("any news on ACDE-...?", "forget me?"), which
    none would keep now (see `_is_a_question`): they are never counted, and are deleted as they are found."""
    with core.db.session() as session:
        query = select(KnowledgeGap.id, KnowledgeGap.question_enc, KnowledgeGap.question)
        if since is not None:
            query = query.where(KnowledgeGap.asked_at >= since)
        counts: Counter[str] = Counter()
        unkeepable = []
        for row_id, sealed, plain in session.execute(query):
            question = core.vault.decrypt(sealed) if sealed is not None else plain or ""
            if not _about_a_report(question):
                counts[question] += 1
            else:
                unkeepable.append(row_id)
        if unkeepable:
            session.execute(delete(KnowledgeGap).where(KnowledgeGap.id.in_(unkeepable)))
            log.info("deleted %d unanswered question(s) an older version kept about a report", len(unkeepable))
    return sorted(counts.items(), key=lambda item: (-item[1], item[0]))


def seal_plain_gaps(core: Core) -> int:
    """Encrypt the questions an older version kept in plain text, and clear the plain text. Run at start-up (the
    migration has no key); a no-op once done. Returns how many were sealed."""
    with core.db.session() as session:
        plain = session.scalars(select(KnowledgeGap).where(KnowledgeGap.question.is_not(None))).all()
        for gap in plain:
            gap.question_enc, gap.question = core.vault.encrypt(gap.question or ""), None
    return len(plain)


def rotate_gaps(core: Core, vault: Vault) -> int:
    """Re-encrypt every stored question under `vault`'s newest key. Returns how many were rewritten."""
    with core.db.session() as session:
        sealed = session.scalars(select(KnowledgeGap).where(KnowledgeGap.question_enc.is_not(None))).all()
        for gap in sealed:
            gap.question_enc = vault.rotate(gap.question_enc or "")
    return len(sealed)
