"""What the question answerer gives back: an `Answer` with its `Citation`s, in a shape every adapter can show."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

from bot.policy.models import readable

Outcome = Literal["answer", "clarify", "topic", "refuse", "greeting", "invalid"]
AskerAudience = Literal["parent", "staff"]


@dataclass(frozen=True)
class Citation:
    """One clause quoted word for word, with the policy and section it comes from."""

    policy: str  # the policy's title
    section: str  # the section's title
    clause: str  # the clause id
    text: str  # the verbatim clause text
    section_id: str

    def to_json(self) -> dict[str, str]:
        return {"policy": self.policy, "section": self.section, "clause": self.clause, "text": self.text}


@dataclass(frozen=True)
class Answer:
    """The reply to one question.

    `answered` is true only when the reply quotes the policy as the answer ("answer", and "clarify", which
    quotes the two candidate clauses and asks which was meant). A "topic" (one word the policy uses, like
    "photos?", rather than a question) quotes the parts of the policy that use it and asks for a whole question,
    without claiming to answer. Refusals, greetings and invalid input carry no citations.
    """

    question: str
    answered: bool
    text: str
    outcome: Outcome
    citations: list[Citation] = field(default_factory=list)
    contact: str | None = None
    # The message is about a concern ("how do I report...", "my child is being bullied"): the adapter offers its way
    # to report one (a button, a command). Such a question is never kept as a knowledge gap: it may be a disclosure.
    report: bool = False
    # A member of staff's answer about taking pictures on their own equipment: the adapter offers its way to be
    # reminded to move them to the school's system and delete them, as the policy asks (Slack's /photos).
    photos: bool = False

    def to_be_quoted(self, limit: int) -> list[tuple[Citation, str]]:
        """Of the first `limit` citations, those the answer's text does not already quote, each with its readable
        words: what an adapter quotes below the answer."""
        quoted = [(c, readable(c.text)) for c in self.citations[:limit]]
        return [(c, words) for c, words in quoted if words not in self.text]

    def to_json(self) -> dict[str, Any]:
        return {
            "question": self.question,
            "answered": self.answered,
            "answer": self.text,
            "citations": [c.to_json() for c in self.citations],
        }
