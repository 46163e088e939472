"""The learned classifier: trained from the policy's own example questions and topics, the same every time, and
blended into the ranking so a paraphrase the word overlap alone gets wrong finds its clause."""

from __future__ import annotations

import json

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


def test_the_blend_answers_more_questions_right_than_word_overlap_alone(
    qa: QuestionAnswerer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """On the benchmark's questions, blending in the classifier must find the expected clause clearly more often
    than the word-overlap engine alone (it does: about 6 points more). The first 1,600 are plenty, and quicker."""
    lines = (REPO_ROOT / "benchmarks" / "qa_questions.jsonl").read_text(encoding="utf-8").splitlines()
    rows = [r for r in map(json.loads, lines) if r["expect"]][:1600]

    def right() -> int:
        hits = 0
        for row in rows:
            answer = qa.answer(row["question"], row["audience"])
            text = " ".join(answer.citations[0].text.split()).lower() if answer.citations else ""
            hits += any(" ".join(e.split()).lower() in text for e in row["expect"])
        return hits

    blended = right()
    monkeypatch.setattr(qa_module, "CLASSIFIER_WEIGHT", 0.0)
    assert blended > right() + len(rows) // 50
