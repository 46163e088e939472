"""How much each word of a question counts: by how much it narrows down which clause is meant."""

from __future__ import annotations

import math

import pytest

from bot.qa.index import focus_weights


def ts(*tokens: str) -> frozenset[str]:
    return frozenset(tokens)


CLAUSES = [
    # (text and topics, example questions)
    # "school" is in every clause's text and in one example each: used evenly, it tells nothing
    (ts("password", "school"), [ts("password", "leav"), ts("password", "school"), ts("friend", "password")]),
    (ts("friend", "request", "school"), [ts("friend", "parent"), ts("friend", "request"), ts("friend", "school")]),
    (ts("photo", "school"), [ts("photo", "event"), ts("photo", "school"), ts("friend", "photo")]),
    (ts("complain", "school"), [ts("complain", "teacher"), ts("complain", "school"), ts("teacher",)]),
]


def test_a_word_of_one_clause_weighs_most_and_a_word_every_clause_uses_alike_least() -> None:
    weights = focus_weights(CLAUSES)
    assert weights["password"] == pytest.approx(math.log(4))
    # Used evenly by all four clauses it tells nothing about which is meant: only its (small) inverse document
    # frequency is left, which says the question is about the policy at all.
    assert weights["school"] == pytest.approx(math.log(1 + 0.5 / 4.5))
    assert weights["school"] == min(weights.values())
    assert all(0.0 < w <= math.log(4) + 1e-9 for w in weights.values())


def test_a_word_mostly_of_one_clause_still_counts_though_stray_examples_elsewhere_use_it() -> None:
    # "friend" is in three of the four clauses, so by document frequency it would be nearly as common as "school";
    # but most of its uses are the friend-request clause's, so it still says a good deal about which is meant.
    weights = focus_weights(CLAUSES)
    assert weights["school"] < weights["friend"] < weights["password"]
    assert weights["friend"] > 1.4 * math.log(1 + 1.5 / 3.5)  # well over its inverse document frequency


def test_a_small_policys_subject_word_still_counts() -> None:
    trips = [(ts("trip", "form"), [ts("trip", "consent")]), (ts("trip", "photo"), [ts("trip", "websit")])]
    weights = focus_weights(trips)
    assert 0.0 < weights["trip"] < weights["form"]
    assert focus_weights([]) == {}
