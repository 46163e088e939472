"""Messages that are no policy question, however they are worded, on every platform.

A command's word typed without its slash ("help", "I want to report something", "check my report"), asking to be
forgotten ("please delete everything about me"), asking after a report without its receipt code ("any news??") or
naming a case reference. Each adapter answers them in its own words (`about_the_asker` says which it is); answered
from the policy they were "not covered" (or met with an unrelated clause), and none is ever kept as a knowledge gap
(`bot.qa.gaps`): it is not a question about the policy, and next to a report's news it may tie a sender to a case.
"""

from __future__ import annotations

import re
from typing import Literal

from bot.privacy import asks_to_be_forgotten
from bot.reports.receipts import asks_after_a_report, mentions_reference

# "stop" or "cancel" on its own: what /cancel does (a report being written is stopped, nothing sent).
CANCEL_WORDS = frozenset({"cancel", "stop", "cancel it", "cancel report", "cancel the report"})
# "help" or "menu" on its own: what can be done here.
HELP_WORDS = frozenset({"help", "help me", "help please", "please help", "menu"})
# "report", "I want to report something", "how do I report a concern?": starting a report, as /report does.
TYPED_REPORT = re.compile(
    r"^\s*(?:(?:i|i['\u2019]d|id)\s+(?:want|need|would\s+like|like)\s+to\s+|can\s+i\s+|how\s+(?:do|can)\s+i\s+)?"
    r"(?:report|make\s+a\s+report)(?:\s+(?:something|a\s+concern|an\s+incident|a\s+problem|this|it))?"
    r"(?:\s+please)?\s*[.!?]*\s*$",
    re.IGNORECASE,
)
# "status", "check my report": checking a report, as /status (on Slack, /checkreport) does.
TYPED_STATUS = re.compile(r"^\s*(?:status|check a report|check my report)\s*[.!?]*\s*$", re.IGNORECASE)

AboutTheAsker = Literal["help", "report", "status", "forget_me", "report_news", "reference"]


def normalised(text: str) -> str:
    """What was typed, in lower case, with commas, curly apostrophes, spacing and a closing "." or "!" evened out:
    "Help!" and "help" are one."""
    return " ".join(text.lower().replace("\u2019", "'").replace(",", " ").strip(" .!").split())


def asks_to_cancel(text: str) -> bool:
    return normalised(text) in CANCEL_WORDS


def asks_for_help(text: str) -> bool:
    return normalised(text) in HELP_WORDS


def asks_to_report(text: str) -> bool:
    return TYPED_REPORT.match(text or "") is not None


def asks_for_status(text: str) -> bool:
    return TYPED_STATUS.match(text or "") is not None


def about_the_asker(text: str) -> AboutTheAsker | None:
    """Which kind of no-policy-question `text` is, or None for a message to answer from the policy. A message with
    a receipt code is about that report: each adapter shows it first (see `bot.reports.receipts.find_code`)."""
    if mentions_reference(text):
        return "reference"
    if asks_for_help(text.rstrip("? ")):  # "help?" too: it asks nothing of the policy either
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
