"""Messages that are no policy question, however they are worded, on every platform.

A command's word typed without its slash ("help", "I want to report something", "check my report"), asking to be
forgotten ("please delete everything about me"), asking after a report without its receipt code ("any news??") or
naming a case reference. Each adapter answers them in its own words (`about_the_asker` says which it is); answered
from the policy they were "not covered" (or met with an unrelated clause), and none is ever kept as a knowledge gap
(`bot.qa.gaps`): it is not a question about the policy, and next to a report's news it may tie a sender to a case.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Literal

from bot.reports.receipts import find_code, mentions_reference

if TYPE_CHECKING:
    from bot.qa import QuestionAnswerer
    from bot.qa.answer import AskerAudience

# "stop" or "cancel" on its own: what /cancel does (a report being written is stopped, nothing sent).
CANCEL_WORDS = frozenset({"cancel", "stop", "cancel it", "cancel report", "cancel the report"})
# "help" or "menu" on its own: what can be done here.
HELP_WORDS = frozenset({"help", "help me", "help please", "please help", "menu"})
# ... and being lost, as a carer writing in simple English says it ("i don't understand", "what i do now?"): the help,
# with what typing does at that step, rather than the words added to a report or answered from the policy.
HELP_WORDS |= frozenset(
    f"{start}{lost}" for start in ("", "sorry ") for lost in (
        "i don't understand", "i dont understand", "i do not understand", "don't understand", "dont understand",
        "what do i do", "what do i do now", "what i do", "what i do now", "what now", "what next",
    )
)
# "report", "I want to report something", "how do I report a concern?", "how i tell school?": starting a report, as
# /report does.
TYPED_REPORT = re.compile(
    r"^\s*(?:(?:i|i['\u2019]d|id)\s+(?:want|need|would\s+like|like)\s+(?:to\s+)?|can\s+i\s+"
    r"|how\s+(?:do\s+|can\s+)?i\s+)?"
    r"(?:report|make\s+a\s+report|tell\s+(?:the\s+)?school)"
    r"(?:\s+(?:something|a\s+concern|an\s+incident|a\s+problem|this|it))?"
    r"(?:\s+please)?\s*[.!?]*\s*$",
    re.IGNORECASE,
)
# "status", "check my report": checking a report, as /status (on Slack, /checkreport) does.
TYPED_STATUS = re.compile(r"^\s*(?:status|check a report|check my report)\s*[.!?]*\s*$", re.IGNORECASE)

_DATA = r"(?:personal\s+)?(?:data|details|information|info|messages|chats?|history|records?|number)"
_ASKS_TO_BE_FORGOTTEN = re.compile(
    r"\bforget\s+(?:about\s+)?me\b"
    r"|\bright\s+to\s+(?:be\s+)?forgotten\b"
    r"|\bgdpr\s+(?:request|erasure|deletion)\b"
    r"|\b(?:delete|remove|erase|wipe|clear)\s+(?:all\s+)?(?:of\s+)?"
    r"(?:me\b|everything\s+(?:about|on)\s+me\b|what\s+you\s+(?:have|hold|keep|know)\s+(?:on|about)\s+me\b"
    r"|(?:all\s+)?my\s+" + _DATA + r"\b)",
    re.IGNORECASE,
)


# What the policy is about: "can they remove me?" of a tagged photo, "remove me from the class WhatsApp group" or
# "can the school remove me from its website?" asks about that, not about what the bot keeps ("GDPR" alone names a
# law a policy question may ask about).
_SOMETHING_ELSE = re.compile(
    r"\b(?:photos?|pictures?|images?|videos?|posts?|posted|tag(?:s|ged|ging)?|groups?|comments?|whatsapp|facebook"
    r"|instagram|tiktok|twitter|snapchat|web\s*sites?|web\s*pages?|pages?|sites?|social\s+media|online)\b",
    re.IGNORECASE,
)


def asks_to_be_forgotten(text: str) -> bool:
    """Whether a message asks for what is kept about its sender to be deleted ("forget me", "delete my data").
    A question about deleting something else ("can I delete a photo of my son I posted?", "can they remove me from
    the photo?") is not."""
    return bool(_ASKS_TO_BE_FORGOTTEN.search(text or "")) and not _SOMETHING_ELSE.search(text or "")


# "Any news?", "what's happening with my report?": asking after a report without its code. "My report", "my concern"
# or "my complaint" alone is not enough: "My concern is that a parent posted photos of my son, what can I do?" and "who
# do I take my complaint to?" are policy questions; with a word asking how it is getting on, it is.
# Otherwise what decides is what the words asking after something ("any news", "has anyone seen", "did you get") ask
# after: a report ("any news on the concern I sent?", "did you get my message?"), "it" or "what I sent", or nothing
# at all ("any news??", "has anyone read it yet?"). Anything else is a question for the policy answerer: "has anyone
# seen the trip photos?", "any news on the school trip photos?", "any updates to the policy?" (its adoption and review).
_ASKING_AFTER = (
    r"\b(?:any|the\s+latest|latest)\s+(?:news|updates?|progress)"
    r"|\b(?:has|have|did)\s+(?:anyone|anybody|someone|the\s+school|you)\s+(?:read|seen|see|opened|looked\s+at|got|get"
    r"|received?)"
)
_MY_REPORT = re.compile(r"\bmy\s+(?:report|concern|complaint)\b", re.IGNORECASE)
_HOW_IT_IS_GETTING_ON = re.compile(
    r"\b(?:news|updates?|progress|status|happen(?:s|ed|ing)?|heard|hear\s+back|going\s+on|go(?:ne)?\s+through"
    r"|went\s+through|arrived?|received|reached|dealt\s+with|looked\s+(?:at|into)|sorted|anything)\b",
    re.IGNORECASE,
)
# What may follow the asking words and still be about a report: nothing more (the end of the sentence, perhaps after
# "yet" or "at all"), "it", "this" or "that" alone, a report or message ("my report", "the concern I sent"), or what
# was sent ("what I sent last week").
_STILL = (r"(?:\s+(?:yet|already|now|please|at\s+all|so\s+far|ok|okay|alright|all\s+right"
          r"|from\s+(?:the\s+school|you|anyone|anybody|someone)|for\s+(?:me|us)))*")
_END = _STILL + r"\s*(?:[?.!,;:)]|$)"
_SENT = r"(?:i|we)\s+(?:sent|wrote|reported|submitted|told\s+you|said|attached|added)\b"
_A_REPORT = (
    r"(?:(?:my|the|our|this|that|your)\s+)?(?:report|concern|complaint|case|message|referral)s?\b"
    r"|(?:it|this|that|anything)" + _END
    + r"|(?:what|the\s+(?:one|thing))\s+" + _SENT
    # what the sender sent with it: "did you get my photos?", "has anyone seen the screenshots I sent?"
    + r"|(?:my|our)\s+(?:photos?|pictures?|screenshots?|images?|evidence|files?|attachments?|e-?mails?|texts?"
    r"|notes?|forms?|words)\b"
    r"|the\s+(?:\w+\s+){1,2}" + _SENT
)
_ASKS_AFTER_A_REPORT = re.compile(
    r"(?:" + _ASKING_AFTER + r")(?:" + _END
    + r"|" + _STILL + r"\s+(?:(?:on|about|of|regarding|re|with|for|to)\s+)?(?:" + _A_REPORT + r"))",
    re.IGNORECASE,
)


# A message that also asks what the asker may post or say online about it ("the school hasn't looked into my
# complaint yet: is it fair to post about it?", "... does the policy say anything about posting before they've
# investigated?") asks the policy, whose own words cover that (a complaint not yet investigated): both must be there,
# as "any news on my report about the Facebook post?" asks only after a report.
_MAY_I = re.compile(
    r"\b(?:can|could|may|should|shall)\s+(?:i|we)\b|\bis\s+it\s+(?:fair|ok|okay|alright|all\s+right|allowed|right|wrong)"
    r"|\bam\s+i\s+allowed\b|\bdoes\s+(?:it|that)\s+(?:matter|make)\b|\bwhy\s+should\s+i\b|\bwhat\s+if\b|\bhold\s+off\b"
    r"|\bbefore\s+(?:i|we)\b|\bin\s+the\s+meantime\b|\bwhile\s+(?:i'?m|i\s+am|we'?re)\s+waiting\b"
    r"|\bpolic(?:y|ies)\s+(?:say|says|cover|covers|allow|allows)\b|\banything\s+in\s+the\s+polic(?:y|ies)\b",
    re.IGNORECASE,
)
_POSTING = re.compile(
    r"\b(?:post(?:s|ing|ed)?|put\s+(?:it|this|that)|online|facebook|instagram|twitter|tiktok|whats\s*app|social\s+media"
    r"|reviews?|blast|warn\s+(?:other|the\s+other)|saying\s+anything|write\s+about)\b",
    re.IGNORECASE,
)


def asks_after_a_report(text: str) -> bool:
    """Whether a message without a receipt code asks how a report is getting on: the adapters say how to check one,
    rather than answering it from the policy (or keeping it among the questions the policy could not answer)."""
    text = text or ""
    if find_code(text) is not None:
        return False
    if _MAY_I.search(text) and _POSTING.search(text):
        return False
    if _MY_REPORT.search(text) and _HOW_IT_IS_GETTING_ON.search(text):
        return True
    return bool(_ASKS_AFTER_A_REPORT.search(text))


_ASKS_IF_SEEN = re.compile(_ASKING_AFTER, re.IGNORECASE)


def may_ask_after_a_report(text: str) -> bool:
    """Whether a message asks whether something was seen or received, or has news ("has anyone seen the
    screenshot?", "did you get the video?", "any news on the post about my son?"), whatever it asks after. Naming no
    report, it is answered from the policy (asks_after_a_report), but it may still be a sender asking after what they
    sent: it is never kept among the questions the policy could not answer (bot.qa.gaps)."""
    return _ASKS_IF_SEEN.search(text or "") is not None


AboutTheAsker = Literal["help", "report", "status", "forget_me", "report_news", "reference"]


def normalised(text: str) -> str:
    """What was typed, in lower case, with commas, curly apostrophes, spacing and a closing "." or "!" evened out:
    "Help!" and "help" are one."""
    return " ".join(text.lower().replace("\u2019", "'").replace(",", " ").strip(" .!").split())


def asks_to_cancel(text: str) -> bool:
    return normalised(text) in CANCEL_WORDS


def asks_for_help(text: str) -> bool:
    """ "help", "Help!", "help?" or "help me": what can be done here ("help?" asks nothing of the policy either)."""
    return normalised(text).strip(" .!?") in HELP_WORDS


def asks_to_report(text: str) -> bool:
    return TYPED_REPORT.match(text or "") is not None


def asks_for_status(text: str) -> bool:
    return TYPED_STATUS.match(text or "") is not None


def about_the_asker(text: str) -> AboutTheAsker | None:
    """Which kind of no-policy-question `text` is, or None for a message to answer from the policy. A message with
    a receipt code is about that report: each adapter shows it first (see `bot.reports.receipts.find_code`)."""
    if mentions_reference(text):
        return "reference"
    if asks_for_help(text):
        return "help"
    if asks_to_report(text):
        return "report"
    if asks_for_status(text):
        return "status"
    if asks_to_be_forgotten(text):
        return "forget_me"
    if asks_after_a_report(text):
        return "report_news"
    return None


# How long after the school asks a sender a question about their report (through an anonymous reply channel that
# waits for an answer, as Telegram's does) what they type is taken as the answer: for ANSWER_WINDOW anything (they
# are asked whether it is), then up to LATE_WINDOW only what `may_be_a_late_answer` lets through (a parent who answers
# after a weekend is not told "the policy doesn't cover that", their answer unsent). In seconds.
ANSWER_WINDOW = 24 * 3600.0
LATE_WINDOW = 14 * 24 * 3600.0


def may_be_a_late_answer(qa: QuestionAnswerer, text: str, audience: AskerAudience = "parent") -> bool:
    """Whether a message typed days after the school asked its sender a question about their report (past
    ANSWER_WINDOW, in which anything typed may be the answer) may still be that answer: the policy has no answer to
    it. Not covered ("sorry for the late reply, she is fine now, class 5R"), or words the answerer cannot take as a
    question (too long, not in English: a real answer often is). A message the policy answers is a question again.
    Asked without keeping it as a question the policy missed (bot.qa.gaps)."""
    outcome = qa.answer(text, audience).outcome
    return outcome == "refuse" or (outcome == "invalid" and any(ch.isalpha() for ch in text))
