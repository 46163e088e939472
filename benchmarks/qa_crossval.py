"""Question answering, cross-validated on the policy data itself: a selection set for tuning the answerer that
never touches the unseen question sets.

    python benchmarks/qa_crossval.py [--misses FILE]

The example questions and not-covered questions in policy_data are split into five folds (by a hash of their text,
so the same every run). For each fold the answerer is built without it and asked the fold's questions: an example
question should be answered with its own clause first (asked by the audience its section is written for), a
not-covered one refused. Stricter than the question sets' scoring (one clause is right, not any of a list), and the
held-out questions' writers also wrote some of the rest, so the figures run a little below and above the unseen
sets' respectively; what they are for is comparing two versions of the answerer on ~11,600 questions.
The coverage model (bot/qa/coverage.py) is fitted on these same folds by benchmarks/qa_coverage_fit.py.
`--misses FILE` writes each miss as a JSON line {"question", "expected", "got"} to read.
"""

from __future__ import annotations

import json
import sys
import time
import zlib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bot.config import REPO_ROOT  # noqa: E402
from bot.policy.loader import PolicyLibrary, load_library  # noqa: E402
from bot.qa import QuestionAnswerer  # noqa: E402

FOLDS = 5
ASKER = {"parents": "parent", "staff": "staff", "everyone": None}


def fold_of(text: str) -> int:
    return zlib.crc32(text.encode("utf-8")) % FOLDS


def without_fold(library: PolicyLibrary, fold: int) -> PolicyLibrary:
    """The library with the fold's example and not-covered questions taken out."""
    policies = []
    for policy in library.policies.values():
        sections = tuple(
            section.model_copy(
                update={
                    "clauses": tuple(
                        c.model_copy(update={"examples": tuple(e for e in c.examples if fold_of(e) != fold)})
                        for c in section.clauses
                    )
                }
            )
            for section in policy.sections
        )
        not_covered = tuple(q for q in policy.not_covered if fold_of(q) != fold)
        policies.append(policy.model_copy(update={"sections": sections, "not_covered": not_covered}))
    return PolicyLibrary(policies)


def main(argv: list[str]) -> int:
    misses_file = Path(argv[argv.index("--misses") + 1]) if "--misses" in argv else None
    library = load_library(REPO_ROOT / "policy_data")
    started = time.perf_counter()
    asked = right = refused = not_covered = not_covered_refused = 0
    misses: list[dict[str, str | None]] = []
    for fold in range(FOLDS):
        qa = QuestionAnswerer(without_fold(library, fold))
        for ref in library.clauses():
            for example in ref.clause.examples:
                if fold_of(example) != fold:
                    continue
                answer = qa.answer(example, ASKER[ref.section.audience])
                got = answer.citations[0].clause if answer.answered and answer.citations else None
                asked += 1
                right += got == ref.clause.id
                refused += not answer.answered
                if got != ref.clause.id:
                    misses.append({"question": example, "expected": ref.clause.id, "got": got})
        for question in library.not_covered():
            if fold_of(question) != fold:
                continue
            answer = qa.answer(question, None)
            not_covered += 1
            not_covered_refused += not answer.answered
            if answer.answered:
                misses.append({"question": question, "expected": None, "got": answer.citations[0].clause})
    print(
        f"{FOLDS}-fold cross-validation: top-1 {right}/{asked} = {right / max(asked, 1):.1%} "
        f"({refused} refused); not-covered refused {not_covered_refused}/{not_covered} = "
        f"{not_covered_refused / max(not_covered, 1):.1%}; {time.perf_counter() - started:.0f} s"
    )
    if misses_file:
        misses_file.write_text("".join(json.dumps(m) + "\n" for m in misses), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
