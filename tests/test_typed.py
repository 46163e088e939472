"""Messages that are no policy question (bot.typed): asking to be forgotten, asking after a report."""

from __future__ import annotations

import pytest

from bot.config import REPO_ROOT, load_school
from bot.policy.loader import load_library
from bot.qa import QuestionAnswerer
from bot.typed import about_the_asker, asks_after_a_report, asks_to_be_forgotten, may_be_a_late_answer


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
        "can the school remove me from its website",  # taken for asking to be forgotten (a policy question: blocking)
        "Can the school delete me from its social media page?",
    ],
)
def test_questions_about_deleting_something_else_are_not(text: str) -> None:
    assert not asks_to_be_forgotten(text)


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
        # asking after something sent: it, the report, the message, or nothing named at all
        "Has anyone seen it yet?",
        "has anyone read it",
        "Has anyone seen?",
        "did you get my message?",
        "Have you received the report I made?",
        "has anyone looked at what I sent?",
        "Has anyone seen my report about the trip photos?",
        "any update on this please",
        "Any news on the one I sent?",
        # what was sent with a report
        "did you receive my photos?",
        "Has anyone seen the screenshots I sent?",
        # from whom, for whom, and how: still nothing named but a report
        "any updates from the school?",
        "any news for me?",
        "did you get it ok?",
        "has anyone read my email?",
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
        # "has anyone seen" something other than a report: since 4772a4f each was told how to check a report
        "Has anyone seen the trip photos?",
        "has anyone seen the trip photos yet?",
        "Did anyone see the post about Mr Smith on Facebook?",
        "Has anyone seen this video of the class?",
        "has the school seen the comments on the Facebook page?",
        "Has the school received any complaints about photos on Facebook?",
        "did you get a chance to read the policy?",
        "any news on that photo?",
        "My concern is about the trip photos: has anyone seen them on Facebook?",
        "did you get the photos from the trip?",
        "any news from the school about the trip photos?",
        "has anyone seen the photos of the trip on the class page?",
    ],
)
def test_policy_questions_that_say_my_concern_or_any_updates_are_not(text: str) -> None:
    assert not asks_after_a_report(text)


def test_a_question_about_photos_someone_has_seen_is_answered_from_the_policy() -> None:
    assert about_the_asker("Has anyone seen the trip photos?") is None
    assert about_the_asker("has anyone seen it?") == "report_news"


@pytest.mark.parametrize("text", ["help", "help?", "Help!", "help me", "Help me?", "menu"])
def test_help_however_it_is_typed_asks_for_the_help(text: str) -> None:
    # "help me" on its own is the help on every platform; "help me post photos of my son" is a question
    assert about_the_asker(text) == "help"


@pytest.mark.parametrize("text", ["help me post a photo of my son", "can you help?", "who can help me with a post?"])
def test_a_question_asking_for_help_with_something_is_a_question(text: str) -> None:
    assert about_the_asker(text) is None


@pytest.mark.parametrize(
    "message",
    [
        "The school hasn't looked into my complaint yet. Is it fair to post about it in the meantime?",
        "school still havent looked into my complaint, can i put it on facebook while im waiting",
        "The school hasn't looked into my complaint yet. Does that make any difference to whether I post about it?",
        "what if my post upsets the teacher and they havent even looked into my complaint yet",
        "They haven't looked into my complaint yet. Does the policy say anything about posting on Facebook meanwhile?",
        "still no word on my complaint - is there anything in the policy about putting it online?",
    ],
)
def test_a_message_asking_whether_one_may_post_about_ones_complaint_asks_the_policy(message: str) -> None:
    """The policy itself answers it (a complaint the school has not yet had a chance to investigate): it was met with
    how to check a report, on every platform and by `policybot ask`."""
    assert about_the_asker(message) is None


@pytest.mark.parametrize(
    "message", ["any news on my report about the Facebook post?", "has the school looked into my complaint yet?"]
)
def test_asking_after_a_report_about_a_post_still_asks_after_it(message: str) -> None:
    assert about_the_asker(message) == "report_news"


@pytest.fixture(scope="module")
def qa() -> QuestionAnswerer:
    return QuestionAnswerer(load_library(REPO_ROOT / "policy_data"), load_school(REPO_ROOT / "school.example.yaml"))


@pytest.mark.parametrize(
    ("text", "late_answer"),
    [
        ("sorry for late reply. she is ok now, class 5R", True),  # not covered: the answer, days late
        ("what time does school start", True),  # not covered either: offered, and the parent says which it is
        ("She told me more. " * 60, True),  # too long to be a question
        ("Ona jest teraz bezpieczna, jest w klasie 5R, dziękuję", True),  # not in English
        ("can I post photos of sports day?", False),  # the policy answers it: a question again
        ("hello", False),  # a greeting is answered as one
        ("\U0001f44d\U0001f44d", False),  # no words at all: nothing to send the school
    ],
)
def test_a_late_message_may_be_the_answer_only_when_the_policy_cannot_answer_it(
    qa: QuestionAnswerer, text: str, late_answer: bool
) -> None:
    assert may_be_a_late_answer(qa, text) is late_answer
