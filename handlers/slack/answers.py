"""Answering a member of staff's question about the policy, and recording whether the answer helped.

The answer comes from `bot.qa.gaps.ask` (which also notes questions the policy does not cover, without who
asked); this module only turns it into blocks. If the question answerer fails, the person gets a kind message.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from bot.reports.receipts import REFERENCE_IS_NO_RECEIPT, find_code
from bot.typed import about_the_asker
from handlers.slack.blocks import (
    Block,
    actions,
    answer_blocks,
    button,
    notification_text,
    section_modal,
    text_sections,
    unescape,
)
from handlers.slack.common import kind_error
from handlers.slack.report_views import STATUS_COMMAND

if TYPE_CHECKING:
    from bot.core import Core


_MENTION = re.compile(r"<[@!#][^>]*>")
_LINK = re.compile(r"<(?:https?|mailto):[^>|]*(?:\|([^>]*))?>")  # Slack's <url|label>: the label stays
_BARE = re.compile(r"(?:https?://|www\.)\S+|(?<!\w)@(?:channel|here|everyone)\b", re.IGNORECASE)
# Slack sends emoji as their names (":+1:", ":heart::skin-tone-3:"). Those the core takes for thanks on their own
# (bot.qa: a thumbs up after an answer is met with "You're welcome!") are given back as the emoji; any other says
# nothing about the policy and is left out ("can I post this :camera:?").
_EMOJI_NAME = re.compile(r":([a-z][a-z0-9_'-]*|\+1):(?::skin-tone-[2-6]:)?")
_THANKS_EMOJI = {
    "+1": "\U0001F44D", "thumbsup": "\U0001F44D", "pray": "\U0001F64F", "heart": "\u2764", "ok_hand": "\U0001F44C",
    "blush": "\U0001F60A", "slightly_smiling_face": "\U0001F642", "clap": "\U0001F44F", "two_hearts": "\U0001F495",
    "sparkling_heart": "\U0001F496", "smiling_face_with_3_hearts": "\U0001F970", "hugging_face": "\U0001F917",
    "hugs": "\U0001F917", "relaxed": "\u263A", "yellow_heart": "\U0001F49B", "blue_heart": "\U0001F499",
    "purple_heart": "\U0001F49C",
}
HELP = (
    "Ask me anything about the school's policies in your own words, for example: "
    "/policy a parent sent me a friend request, what should I do?"
)

# What the words of bot.typed.about_the_asker are told here, to staff: never answered from the policy, nor kept.
FULL_HELP = (
    "Ask me anything about the school's policies in your own words, here or with /policy, for example: a parent "
    "sent me a friend request, what should I do?\n"
    "/report: report a concern to the Designated Safeguarding Leads (anonymously if you wish)\n"
    f"{STATUS_COMMAND} followed by a receipt code: check a concern you reported\n"
    "/photos: tell me you have pupils' images on a personal device, and be reminded to move them"
)
TO_REPORT = "To report a concern to the Designated Safeguarding Leads, press Report a concern or send /report."
HOW_TO_CHECK = (
    f"To see news about your report, send {STATUS_COMMAND} followed by its receipt code, which was in the window "
    "that said your report was sent. If you gave your name with it, news also comes to this conversation by itself."
)
FORGET_ME = (
    "Your questions are not kept with your name: one the policy could not answer is kept for the school's review "
    "without who asked. A report sent with \u201cStay anonymous\u201d ticked carries nothing about who you are; "
    "one you gave your name to keeps it, and stays with the school.\n\n"
    "This conversation is kept by Slack, under your name: you can delete your messages in it. The staff list I use "
    "for reminders is kept by the school: please ask whoever looks after it."
)

# A receipt code with /policy (a direct message or a mention holding one is answered about its report first).
RECEIPT_WITH_POLICY = (
    f"That looks like a receipt code. To see news about that report, send {STATUS_COMMAND} followed by the code; "
    "only you will see the answer."
)


def about_the_asker_reply(text: str) -> tuple[str, list[Block]] | None:
    """What to say to a message that is no policy question ("any news??", "forget me", "help"), or None."""
    if find_code(text) is not None:  # about a report: never answered from the policy, with the case's details
        return notification_text(RECEIPT_WITH_POLICY), text_sections(RECEIPT_WITH_POLICY)
    kind = about_the_asker(text)
    if kind is None:
        return None
    said = {"help": FULL_HELP, "report": TO_REPORT, "status": HOW_TO_CHECK, "report_news": HOW_TO_CHECK,
            "forget_me": FORGET_ME, "reference": REFERENCE_IS_NO_RECEIPT}[kind]
    blocks = text_sections(said)
    if kind == "report":
        blocks += actions([button("report.open", "Report a concern", "", "danger")])
    return notification_text(said), blocks


def without_mentions(text: str) -> str:
    """The question in Slack's text, without mentions (<@...>, <!...>, @channel), links' addresses, bare web
    addresses and emoji names: they say nothing about the policy, and cost a good answer ("@channel can I post
    photos?"). A thumbs up or a heart is kept, as the emoji: on its own, it is thanks."""
    text = _LINK.sub(lambda m: f" {m.group(1) or ''} ", text or "")
    text = _EMOJI_NAME.sub(lambda m: f" {_THANKS_EMOJI.get(m.group(1), '')} ", text)
    return unescape(" ".join(_BARE.sub(" ", _MENTION.sub(" ", text)).split()))


def answer_for(core: Core, question: str) -> tuple[str, list[Block], Any]:
    """(notification text, blocks, the Answer or None) for `question`; never raises.

    The answer comes straight from the question answerer so that posting it never waits on a database write;
    `note_gap` then records an unanswered question, once the person has their reply.
    """
    question = without_mentions(question)
    if not question:
        return HELP, text_sections(HELP), None
    if (reply := about_the_asker_reply(question)) is not None:  # answered as such, and never kept as a gap
        return reply[0], reply[1], None
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
