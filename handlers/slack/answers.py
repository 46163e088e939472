"""Answering a member of staff's question about the policy, and recording whether the answer helped.

The answer comes from `bot.qa.gaps.ask` (which also notes questions the policy does not cover, without who
asked); this module only turns it into blocks. If the question answerer fails, the person gets a kind message.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from handlers.slack.blocks import Block, answer_blocks, notification_text, section_modal, text_sections, unescape
from handlers.slack.common import kind_error

if TYPE_CHECKING:
    from bot.core import Core


_MENTION = re.compile(r"<[@!#][^>]*>")
_LINK = re.compile(r"<(?:https?|mailto):[^>|]*(?:\|([^>]*))?>")  # Slack's <url|label>: the label stays
_BARE = re.compile(r"(?:https?://|www\.)\S+|(?<!\w)@(?:channel|here|everyone)\b", re.IGNORECASE)
HELP = (
    "Ask me anything about the school's policies in your own words, for example: "
    "/policy a parent sent me a friend request, what should I do?"
)


def without_mentions(text: str) -> str:
    """The question in Slack's text, without mentions (<@...>, <!...>, @channel), links' addresses and bare web
    addresses: they say nothing about the policy, and cost a good answer ("@channel can I post photos?")."""
    text = _LINK.sub(lambda m: f" {m.group(1) or ''} ", text or "")
    return unescape(" ".join(_BARE.sub(" ", _MENTION.sub(" ", text)).split()))


def answer_for(core: Core, question: str) -> tuple[str, list[Block], Any]:
    """(notification text, blocks, the Answer or None) for `question`; never raises.

    The answer comes straight from the question answerer so that posting it never waits on a database write;
    `note_gap` then records an unanswered question, once the person has their reply.
    """
    question = without_mentions(question)
    if not question:
        return HELP, text_sections(HELP), None
    try:
        answer = core.qa.answer(question, "staff")
    except Exception as exc:  # a bug in answering must reach the person as an apology, not a traceback
        # Logged by kind and place only (kind_error): the fault's message may quote the question, which can be a
        # disclosure ("a parent hit their child, what do I do?").
        said = kind_error(exc)
        return said, text_sections(said), None
    return notification_text(answer.text), answer_blocks(answer), answer


def note_gap(core: Core, question: str, answer: Any) -> None:
    """Keep a question the policy did not answer (text only, never who asked) for the next policy review."""
    if answer is None:
        return
    from bot.qa.gaps import record_gap  # the core decides what counts as a gap

    record_gap(core, answer, "staff", "slack")  # never raises: the answer has been given already


def whole_section(core: Core, section_id: str) -> dict[str, Any] | None:
    """A modal with the whole section, word for word; None when there is no such section."""
    found = core.policies.section(section_id)
    if found is None:
        return None
    policy, section = found
    return section_modal(policy.title, section.title, [clause.display for clause in section.clauses])


def record_feedback(core: Core, clause_id: str, helpful: bool) -> bool:
    """Whether this answer helped, with the clause it quoted and nothing about who said so."""
    try:
        from bot.feedback import record_feedback as record
    except ImportError:
        return False
    record(core, "slack", clause_id, helpful)
    return True
