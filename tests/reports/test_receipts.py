"""Receipt codes in what senders type, and messages asking after a report."""

from __future__ import annotations

import pytest

from bot.reports.receipts import asks_after_a_report


@pytest.mark.parametrize(
    "text",
    [
        "any news??",
        "Has anyone read my report?",
        "did my report go through?",
        "what is happening with my report",
        "any update on my concern?",
        "has the school seen my complaint",
        "did you get my report?",
        "Is my report being dealt with?",
        "any news on my report?",
        "Any news on the concern I sent?",
        "any news on it?",
        "any updates about what I sent last week?",
    ],
)
def test_asking_how_a_report_is_getting_on_is_recognised(text: str) -> None:
    assert asks_after_a_report(text)


@pytest.mark.parametrize(
    "text",
    [
        # "my concern" or "my complaint" in a policy question: the question is answered from the policy
        "My concern is that another parent posted photos of my son on Facebook. What can I do?",
        "Who do I take my complaint to?",
        "Where do I send my complaint about a teacher?",
        "Can I post my report card on Instagram?",
        # news of the policy, not of a report: its adoption and review
        "Have there been any updates to the policy since it came in?",
        "is there any news about when the policy will be reviewed?",
        # news of something else: a question for the policy answerer
        "any news on the school trip photos?",
        "Any updates about the class WhatsApp group?",
        "any progress with the new photo consent forms?",
    ],
)
def test_policy_questions_that_say_my_concern_or_any_updates_are_not(text: str) -> None:
    assert not asks_after_a_report(text)
