"""The learned classifier: trained from the policy's own example questions and topics, the same every time, and
blended into the ranking so a paraphrase the word overlap alone gets wrong finds its clause."""

from __future__ import annotations

import pytest

import bot.qa as qa_module
from bot.config import REPO_ROOT
from bot.policy.loader import load_library
from bot.qa import QuestionAnswerer
from bot.qa.classifier import ClauseClassifier

LIBRARY = load_library(REPO_ROOT / "policy_data")


@pytest.fixture(scope="module")
def qa() -> QuestionAnswerer:
    return QuestionAnswerer(LIBRARY)


def test_training_is_deterministic(qa: QuestionAnswerer) -> None:
    again = QuestionAnswerer(LIBRARY)
    tokens = qa.index.question_tokens("can I keep class photos on my laptop at home")
    first = qa.index.classifier.probabilities(tokens)
    assert first == again.index.classifier.probabilities(tokens)
    assert first and abs(sum(first.values()) - 1.0) < 1e-9


def test_training_order_does_not_matter() -> None:
    data = {
        "photos": [frozenset({"photo", "post"}), frozenset({"#image", "facebook"})],
        "friends": [frozenset({"friend", "request"}), frozenset({"pupil", "#contact"})],
    }
    shuffled = {label: list(reversed(rows)) for label, rows in reversed(list(data.items()))}
    tokens = ["photo", "facebook", "unknown-word"]
    assert ClauseClassifier(data).probabilities(tokens) == ClauseClassifier(shuffled).probabilities(tokens)


def test_the_examples_teach_the_classifier() -> None:
    model = ClauseClassifier(
        {
            "photos": [frozenset({"photo", "post"}), frozenset({"photo", "facebook"})],
            "friends": [frozenset({"friend", "request"}), frozenset({"friend", "pupil"})],
        }
    )
    probabilities = model.probabilities(["photo", "facebook"])
    assert probabilities["photos"] > 0.5 > probabilities["friends"]
    assert model.probabilities(["never", "seen"]) == {}  # nothing known: no opinion, the engine decides alone


def test_the_blend_helps_a_paraphrase(qa: QuestionAnswerer, monkeypatch: pytest.MonkeyPatch) -> None:
    """Word overlap alone picks "using personal equipment" (pictures, phone); the examples say how people ask
    about keeping photos on their own devices, which the "transfer and delete" clause answers."""
    question = "how long can i keep pictures of pupils on my phone"
    monkeypatch.setattr(qa_module, "CLASSIFIER_WEIGHT", 0.0)
    alone = qa.answer(question, "staff")
    monkeypatch.undo()
    blended = qa.answer(question, "staff")
    assert alone.citations[0].clause != "swp-transfer-delete"
    assert blended.answered and blended.citations[0].clause == "swp-transfer-delete"


def test_a_question_the_policy_does_not_cover_is_still_refused(qa: QuestionAnswerer) -> None:
    assert not qa.answer("what's for school dinner on friday", "parent").answered


def test_with_no_weight_the_ranking_is_the_engines_alone(qa: QuestionAnswerer, monkeypatch: pytest.MonkeyPatch) -> None:
    tokens = qa.index.question_tokens("can I post photos of sports day on facebook?")
    monkeypatch.setattr(qa_module, "CLASSIFIER_WEIGHT", 0.0)
    assert [m.ref.clause.id for m in qa._ranked(tokens, None, [])] == [
        m.ref.clause.id for m in qa.index.search(tokens, limit=12)
    ]


@pytest.mark.parametrize(
    "question",
    ["what's for school dinner on friday", "can I keep class photos on my laptop at home", "is there a uniform sale"],
)
def test_whether_to_answer_is_the_engines_call(
    qa: QuestionAnswerer, monkeypatch: pytest.MonkeyPatch, question: str
) -> None:
    """The classifier learned only from questions the policy covers, so it may reorder clauses but never turn a
    refusal into an answer."""
    blended = qa.answer(question, "staff").answered
    monkeypatch.setattr(qa_module, "CLASSIFIER_WEIGHT", 0.0)
    assert qa.answer(question, "staff").answered == blended
