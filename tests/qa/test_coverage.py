"""The coverage model: whether the policy covers a question, from six measures weighed together."""

from __future__ import annotations

import dataclasses
import random

import pytest

from bot.qa.coverage import COVERED_AT_LEAST, FEATURES, MODEL, Evidence, fit

# A question the policy plainly covers, as the answerer measures one.
CLEAR = Evidence(score=0.8, tokens=6, learned=0.9, not_covered=0.001, nearest=0.85, unanswered=0.3)


def test_a_clear_question_is_covered_and_one_like_a_not_covered_question_is_not() -> None:
    assert MODEL.probability(CLEAR) >= COVERED_AT_LEAST
    like_unanswered = dataclasses.replace(CLEAR, unanswered=0.95, not_covered=0.4, learned=0.3)
    assert MODEL.probability(like_unanswered) < COVERED_AT_LEAST


@pytest.mark.parametrize(
    ("measure", "more_likely", "less_likely"),
    [
        ("score", 0.6, 0.3),  # a better match with a clause's words
        ("nearest", 0.9, 0.5),  # a nearer example question
        ("learned", 0.8, 0.05),  # a surer classifier
        ("unanswered", 0.2, 0.7),  # farther from every question the policy leaves out
        ("not_covered", 0.001, 0.3),  # the classifier less sure it is one of those
    ],
)
def test_each_measure_counts_the_way_it_should(measure: str, more_likely: float, less_likely: float) -> None:
    """The shipped weights read the measures in the directions they mean (a model pasted in wrong fails here)."""
    more = MODEL.probability(dataclasses.replace(CLEAR, **{measure: more_likely}))
    less = MODEL.probability(dataclasses.replace(CLEAR, **{measure: less_likely}))
    assert more > less


def test_fit_learns_which_measure_tells_the_classes_apart() -> None:
    """Covered questions here differ from the rest only by a nearer example question: fitting finds that, and the
    fitted model separates new questions it was not fitted on."""
    rng = random.Random(7)

    def row(covered: bool) -> Evidence:
        nearest = rng.uniform(0.6, 1.0) if covered else rng.uniform(0.0, 0.5)
        return Evidence(rng.uniform(0, 1), rng.randint(3, 30), rng.uniform(0, 1), rng.uniform(0, 1), nearest, 0.5)

    rows = [(row(covered), covered, 1.0) for covered in [True, False] * 200]
    model = fit(rows)
    strongest = max(range(len(FEATURES)), key=lambda j: abs(model.weights[j]))
    assert FEATURES[strongest] == "nearest" and model.weights[strongest] > 0
    fresh = [(row(covered), covered) for covered in [True, False] * 50]
    assert all((model.probability(e) >= 0.5) == covered for e, covered in fresh)


def test_fit_heeds_how_much_each_row_counts() -> None:
    """The same measures labelled both ways: the label that counts more wins."""
    rows = [(CLEAR, True, 3.0), (CLEAR, False, 1.0)] * 20
    assert fit(rows).probability(CLEAR) == pytest.approx(0.75, abs=0.01)
