from __future__ import annotations

import pytest

from bot.privacy import asks_to_be_forgotten


@pytest.mark.parametrize(
    "text",
    [
        "please delete everything about me",
        "forget me",
        "Can you delete my data?",
        "remove all my details please",
        "I want my right to be forgotten",
        "GDPR request: erase what you hold on me",
    ],
)
def test_asking_to_be_forgotten_is_recognised(text: str) -> None:
    assert asks_to_be_forgotten(text)


@pytest.mark.parametrize(
    "text",
    [
        "can I delete a photo of my son I posted?",
        "should I remove my comment about the teacher",
        "what if I forget my receipt code",
        "can I post photos from sports day?",
        # since 131de36 each was told what the bot keeps, not answered from the policy
        "Is posting photos of other children a GDPR breach?",
        "Another parent tagged me in a photo of the class, can they remove me?",
        "How do I get the admin to remove me from the class WhatsApp group?",
    ],
)
def test_questions_about_deleting_something_else_are_not(text: str) -> None:
    assert not asks_to_be_forgotten(text)
