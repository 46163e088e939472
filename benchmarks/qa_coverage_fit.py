"""Fit the coverage model (`bot.qa.coverage`): whether the policy covers a question, from six measures of it.

    python benchmarks/qa_coverage_fit.py

Each example and not-covered question in policy_data is measured by an answerer built without its fold (the folds of
benchmarks/qa_crossval.py), so it is measured as an unseen question would be. An example question answered with its
own clause should be answered (label 1); a not-covered question should be refused (label 0); an example question
whose best clause is another one counts as 0 at a lower weight (better refused than answered wrongly, but the
writers often disagree on which of two clauses answers). The model is fitted five times, each time without a fold
and judged on it, and then on everything: paste the printed MODEL into bot/qa/coverage.py.
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.qa_crossval import ASKER, FOLDS, fold_of, without_fold  # noqa: E402
from bot.config import REPO_ROOT  # noqa: E402
from bot.policy.loader import load_library  # noqa: E402
from bot.qa import QuestionAnswerer, coverage  # noqa: E402
from bot.qa.coverage import Evidence, Model  # noqa: E402

WRONG_CLAUSE_WEIGHT = 0.3
THRESHOLDS = (0.3, 0.35, 0.4, 0.45, 0.5)


def measured() -> list[tuple[int, bool, Evidence | None, bool]]:
    """(fold, whether the policy answers it, evidence, whether the best clause is the right one) per question."""
    library = load_library(REPO_ROOT / "policy_data")
    rows: list[tuple[int, bool, Evidence | None, bool]] = []
    for fold in range(FOLDS):
        qa = QuestionAnswerer(without_fold(library, fold))
        for ref in library.clauses():
            for example in ref.clause.examples:
                if fold_of(example) == fold:
                    found = qa.evidence(example, ASKER[ref.section.audience])
                    evidence, clause = found if found else (None, None)
                    rows.append((fold, True, evidence, clause == ref.clause.id))
        for question in library.not_covered():
            if fold_of(question) == fold:
                found = qa.evidence(question, None)
                rows.append((fold, False, found[0] if found else None, False))
    return rows


def training(rows: list[tuple[int, bool, Evidence | None, bool]]) -> list[tuple[Evidence, bool, float]]:
    return [
        (evidence, right, 1.0 if right or not covered else WRONG_CLAUSE_WEIGHT)
        for _, covered, evidence, right in rows
        if evidence is not None
    ]


def judged(rows: list[tuple[int, bool, Evidence | None, bool]], model: Model, threshold: float) -> tuple[int, int]:
    """(example questions answered with their own clause, not-covered questions refused)."""
    right = refused = 0
    for _, covered, evidence, correct in rows:
        answered = evidence is not None and model.probability(evidence) >= threshold
        right += covered and correct and answered
        refused += not covered and not answered
    return right, refused


def main() -> int:
    rows = measured()
    examples = sum(1 for row in rows if row[1])
    print(f"{examples} example and {len(rows) - examples} not-covered questions measured")
    for threshold in THRESHOLDS:
        right = refused = 0
        for fold in range(FOLDS):
            model = coverage.fit(training([row for row in rows if row[0] != fold]))
            r, n = judged([row for row in rows if row[0] == fold], model, threshold)
            right, refused = right + r, refused + n
        print(f"cross-validated at {threshold}: right clause answered {right}, not covered refused {refused}")
    model = coverage.fit(training(rows))
    right, refused = judged(rows, coverage.MODEL, coverage.COVERED_AT_LEAST)
    print(f"the model in bot/qa/coverage.py at {coverage.COVERED_AT_LEAST}: right {right}, refused {refused}")
    weights = ", ".join(f"{w:.4f}" for w in model.weights)
    print(f"fitted on all ({', '.join(coverage.FEATURES)}):\nMODEL = Model({model.bias:.4f}, ({weights}))")
    return 0


if __name__ == "__main__":
    sys.exit(main())
