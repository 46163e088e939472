"""A small learned classifier: which clause a question is about, learned from each clause's example questions
and topics (the analyzer's tokens, as the index sees them).

Multinomial naive Bayes over token presence, with a uniform prior (a clause with many examples is not more
likely to be asked about for that alone) and a temperature that softens its famously over-confident
probabilities. Training is counting, so it happens when the index is built, in tens of milliseconds, with no
cache, no randomness and no dependencies. The answerer blends the probability into its ranking; it never answers
on the classifier alone. When the policy data lists questions it does not cover, they are one more label
(`bot.qa.index.NOT_COVERED`), and a question likely to be one of them is refused.

Tried and not kept (2026-11-28): blending in a softmax (logistic) regression on the same tokens, trained by SGD at
build. Cross-validation put the right clause first 90 times more in 8,715, but the unseen sets got 7-10 fewer of
1,400 right (weak spots 10 more of 1,540): its gain does not carry over to new writers. Nor did length-normalised
temperatures, per-kind smoothing, complement naive Bayes or token weights by focus help in cross-validation.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping

ALPHA = 0.2  # additive smoothing of each clause's token counts (chosen on unseen sets 6-11, confirmed on 12-18)
TEMPERATURE = 2.0  # log-likelihoods are divided by this before the softmax


class ClauseClassifier:
    def __init__(
        self,
        examples: Mapping[str, Iterable[frozenset[str]]],
        alpha: float = ALPHA,
        temperature: float = TEMPERATURE,
    ) -> None:
        """`examples`: clause id -> the token sets of its training examples (its example questions and topics)."""
        self.labels: list[str] = sorted(examples)
        self.temperature = temperature
        counts: list[dict[str, int]] = []
        vocabulary: set[str] = set()
        for label in self.labels:
            count: dict[str, int] = {}
            for tokens in examples[label]:
                for token in tokens:
                    count[token] = count.get(token, 0) + 1
            counts.append(count)
            vocabulary.update(count)
        self.vocabulary = frozenset(vocabulary)
        size = max(len(vocabulary), 1)
        # log P(token | clause) = log(n + alpha) - log(N + alpha * V); store the unseen-token value per clause and
        # the lift of each seen token over it, so a question touches only the tokens a clause has seen.
        self._unseen: list[float] = []
        self._lift: dict[str, list[tuple[int, float]]] = {}
        for i, count in enumerate(counts):
            total = math.log(sum(count.values()) + alpha * size)
            self._unseen.append(math.log(alpha) - total)
            for token, n in count.items():
                self._lift.setdefault(token, []).append((i, math.log((n + alpha) / alpha)))

    def probabilities(self, tokens: Iterable[str]) -> dict[str, float]:
        """Clause id -> probability that the question (its tokens) is about it; empty if no token is known."""
        known = [t for t in tokens if t in self.vocabulary]
        if not known or not self.labels:
            return {}
        scores = [len(known) * u for u in self._unseen]
        for token in known:
            for i, lift in self._lift[token]:
                scores[i] += lift
        top = max(scores)
        weights = [math.exp((s - top) / self.temperature) for s in scores]
        total = sum(weights)
        return {label: w / total for label, w in zip(self.labels, weights, strict=True)}
