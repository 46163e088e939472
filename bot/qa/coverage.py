"""Whether the policy covers a question: a logistic model over six measures of how the question meets the policy
data, fitted on the policy data's own questions.

No single measure decides it well. A long message scores low against every clause, yet the classifier may be sure
which one it is about; a short question may share a word with a clause and still be one the policy leaves out
("when is photo day?"). Hand-set thresholds on each measure had grown into five rules; one model weighs them all at
once. `benchmarks/qa_coverage_fit.py` fits it by cross-validation: each example and not-covered question in
`policy_data` is measured by an answerer built without it, exactly as an unseen question would be, and `fit` finds
the weights that best tell the questions answered with the right clause from the ones the policy does not cover.
The weights below are its output; refit after a large change to the data or the engine.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

PROBABILITY_FLOOR = 1e-6  # the classifier's probabilities are taken as logarithms, from this floor


@dataclass(frozen=True)
class Evidence:
    """How a question meets the policy data, as the engine and the classifier see it."""

    score: float  # the best clause's score from the engine, before the classifier's lift
    tokens: int  # how many tokens the question has (a long message scores lower everywhere)
    learned: float  # the classifier's probability for the likeliest clause sharing a specific idea with it
    not_covered: float  # the classifier's probability that the question is one the policy leaves out
    nearest: float  # cosine similarity to the nearest example question of any matched clause
    unanswered: float  # cosine similarity to the nearest question the policy data lists as not covered

    def features(self) -> tuple[float, ...]:
        return (
            self.score,
            math.log1p(self.tokens),
            math.log(self.learned + PROBABILITY_FLOOR),
            math.log(self.not_covered + PROBABILITY_FLOOR),
            self.nearest,
            self.unanswered,
        )


FEATURES = tuple(Evidence.__dataclass_fields__)


@dataclass(frozen=True)
class Model:
    bias: float
    weights: tuple[float, ...]  # one per `Evidence.features()`

    def probability(self, evidence: Evidence) -> float:
        z = self.bias + sum(w * x for w, x in zip(self.weights, evidence.features(), strict=True))
        return 1.0 / (1.0 + math.exp(-z)) if z > -700 else 0.0


# Fitted by benchmarks/qa_coverage_fit.py on the policy data of 2026-11-26 (8,715 example and 2,878 not-covered
# questions) with the classifier's smoothing ALPHA 0.2: refit when either changes much. See the script for what
# these figures gave in cross-validation.
MODEL = Model(-1.2339, (4.0640, 0.1360, 1.3408, -0.3118, 2.1994, -5.3075))
COVERED_AT_LEAST = 0.4  # the probability of "answered with the right clause" the model must give


def fit(rows: Sequence[tuple[Evidence, bool, float]], ridge: float = 1.0, iterations: int = 25) -> Model:
    """Logistic regression by Newton's method: `rows` are (evidence, whether the question should be answered,
    how much the row counts). `ridge` keeps the weights of the standardised features small (L2)."""
    xs = [row[0].features() for row in rows]
    size = len(FEATURES)
    means = [sum(x[j] for x in xs) / len(xs) for j in range(size)]
    spreads = [math.sqrt(sum((x[j] - means[j]) ** 2 for x in xs) / len(xs)) or 1.0 for j in range(size)]
    standard = [[1.0] + [(x[j] - means[j]) / spreads[j] for j in range(size)] for x in xs]
    theta = [0.0] * (size + 1)
    for _ in range(iterations):
        gradient = [0.0] * (size + 1)
        hessian = [[0.0] * (size + 1) for _ in range(size + 1)]
        for x, (_, label, weight) in zip(standard, rows, strict=True):
            z = sum(t * v for t, v in zip(theta, x, strict=True))
            p = 1.0 / (1.0 + math.exp(-max(min(z, 700.0), -700.0)))
            error, curvature = weight * (p - float(label)), weight * p * (1.0 - p)
            for j in range(size + 1):
                gradient[j] += error * x[j]
                for k in range(j, size + 1):
                    hessian[j][k] += curvature * x[j] * x[k]
        for j in range(1, size + 1):  # the bias is not shrunk
            gradient[j] += ridge * theta[j]
            hessian[j][j] += ridge
        for j in range(size + 1):
            for k in range(j):
                hessian[j][k] = hessian[k][j]
        step = _solve(hessian, gradient)
        theta = [t - s for t, s in zip(theta, step, strict=True)]
        if max(abs(s) for s in step) < 1e-9:
            break
    weights = tuple(theta[j + 1] / spreads[j] for j in range(size))
    bias = theta[0] - sum(w * m for w, m in zip(weights, means, strict=True))
    return Model(bias, weights)


def _solve(matrix: list[list[float]], vector: list[float]) -> list[float]:
    """x with matrix @ x = vector (Gaussian elimination with partial pivoting; the matrix is small and positive
    definite)."""
    n = len(vector)
    a = [row[:] + [v] for row, v in zip(matrix, vector, strict=True)]
    for col in range(n):
        pivot = max(range(col, n), key=lambda r: abs(a[r][col]))
        a[col], a[pivot] = a[pivot], a[col]
        for r in range(col + 1, n):
            factor = a[r][col] / a[col][col]
            for c in range(col, n + 1):
                a[r][c] -= factor * a[col][c]
    x = [0.0] * n
    for r in range(n - 1, -1, -1):
        x[r] = (a[r][n] - sum(a[r][c] * x[c] for c in range(r + 1, n))) / a[r][r]
    return x


__all__ = ["COVERED_AT_LEAST", "Evidence", "FEATURES", "MODEL", "Model", "fit"]
