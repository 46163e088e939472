"""The clause index: which clause a question is about, scored from the clause's own words, its topics and the
example questions people ask about it.

Each clause is compared with a question two ways, both weighted by how rare a token is across the policy
(inverse document frequency):
- against its *example questions* (nearest example, cosine): the way people actually ask;
- against its *text and topics* (how much of the question they cover): the way the policy says it.
A token the policy never uses still weighs in the question's total, so a question about school dinners that
happens to mention "children" scores low everywhere and is refused.
"""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass

from bot.policy.loader import ClauseRef, PolicyLibrary
from bot.qa.analyzer import CONCEPT_PREFIX, Analyzer

EXAMPLE_WEIGHT = 0.6  # share of the score from the nearest example question; the rest from text and topics
UNKNOWN_IDF_FACTOR = 0.8  # a word the policy never uses counts as this share of the rarest word's weight


@dataclass(frozen=True)
class Match:
    ref: ClauseRef
    score: float
    matched: frozenset[str]  # the question's tokens this clause shares


@dataclass
class _Entry:
    ref: ClauseRef
    fields: frozenset[str]  # text and topics
    examples: list[tuple[frozenset[str], float]]  # each example's tokens and its norm
    vocabulary: frozenset[str]  # every word stem of its text, topics and examples


class ClauseIndex:
    def __init__(self, library: PolicyLibrary) -> None:
        refs = library.clauses()
        texts: list[str] = []
        for ref in refs:
            texts += [ref.clause.text, *ref.clause.topics, *ref.clause.examples, ref.section.title]
        self.analyzer = Analyzer(texts)
        documents: list[tuple[ClauseRef, frozenset[str], list[frozenset[str]]]] = []
        self.vocabulary: dict[str, frozenset[str]] = {}
        df: Counter[str] = Counter()
        for ref in refs:
            fields = frozenset(
                self.analyzer.tokens(" . ".join((ref.clause.text, ref.section.title, *ref.clause.topics)), False)
            )
            examples = [frozenset(self.analyzer.tokens(e, False)) for e in ref.clause.examples]
            documents.append((ref, fields, examples))
            all_text = " . ".join((ref.clause.text, *ref.clause.topics, *ref.clause.examples))
            self.vocabulary[ref.clause.id] = frozenset(self.analyzer.stems(all_text, False))
            df.update(fields.union(*examples))
        n = max(len(refs), 1)
        self.idf: dict[str, float] = {t: math.log(1 + (n - d + 0.5) / (d + 0.5)) for t, d in df.items()}
        self.unknown_idf = UNKNOWN_IDF_FACTOR * math.log(1 + (n - 0.5) / 1.5)
        self._entries = [
            _Entry(ref, fields, [(e, self._norm(e)) for e in examples if e], self.vocabulary[ref.clause.id])
            for ref, fields, examples in documents
        ]

    def weight(self, token: str) -> float:
        return self.idf.get(token, self.unknown_idf)

    def _norm(self, tokens: frozenset[str]) -> float:
        return math.sqrt(sum(self.weight(t) ** 2 for t in tokens))

    def question_tokens(self, question: str) -> frozenset[str]:
        return frozenset(self.analyzer.tokens(question, True, self.idf.__contains__))

    def known(self, token: str) -> bool:
        return token in self.idf

    def search(self, tokens: frozenset[str], limit: int = 10) -> list[Match]:
        """Clauses best first, each scored in [0, 1]."""
        if not tokens:
            return []
        q_norm = self._norm(tokens)
        q_mass = q_norm**2
        matches: list[Match] = []
        for entry in self._entries:
            best_example = 0.0
            for example, e_norm in entry.examples:
                shared = tokens & example
                if shared:
                    dot = sum(self.weight(t) ** 2 for t in shared)
                    best_example = max(best_example, dot / (q_norm * e_norm))
            covered = tokens & entry.fields
            coverage = sum(self.weight(t) ** 2 for t in covered) / q_mass
            score = EXAMPLE_WEIGHT * best_example + (1 - EXAMPLE_WEIGHT) * coverage
            if score > 0:
                matched = frozenset(covered | {t for ex, _ in entry.examples for t in ex & tokens})
                matches.append(Match(entry.ref, score, matched))
        matches.sort(key=lambda m: -m.score)
        return matches[:limit]


def is_concept(token: str) -> bool:
    return token.startswith(CONCEPT_PREFIX)
