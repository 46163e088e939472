"""Teach the question answerer from a question set: each in-scope question becomes an example question of the
clause its first expected fragment quotes, each out-of-scope one a `not_covered` question.

    python benchmarks/adopt_questions.py SET.jsonl [SET.jsonl ...]

A set has the shape of benchmarks/qa_questions.jsonl and ../shared/qa/dev.jsonl: one JSON object per line,
{"question", "audience", "expect": [verbatim fragments, best answer first] | null}. The sets behind the policy
data were written by separate writers from the policy document alone (see benchmarks/question_writers.md),
each measured before it was adopted. Questions already in the data are skipped. The policy file is edited line by
line, so its layout and comments stay; run `policybot policy check` afterwards.
Never adopt holdout6-holdout32 of benchmarks/qa_questions.jsonl: they are the unseen measure.
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.qa_bench import norm  # noqa: E402
from bot.policy.loader import load_library  # noqa: E402

POLICY_FILE = ROOT / "policy_data" / "social-media.yaml"
EXAMPLE_LINE = re.compile(r"^          - ")
CLAUSE_LINE = re.compile(r"^      - id: (\S+)")


def main(paths: list[str]) -> int:
    library = load_library(POLICY_FILE.parent)
    refs = [ref for ref in library.clauses() if ref.policy.id == "social-media"]
    seen = {norm(q) for ref in refs for q in ref.clause.examples} | {norm(q) for q in library.not_covered()}
    examples: dict[str, list[str]] = {}
    not_covered: list[str] = []
    skipped = 0
    for path in paths:
        for line in Path(path).read_text(encoding="utf-8").splitlines():
            if not line.strip():
                continue
            row = json.loads(line)
            question = row["question"].strip()
            if not question or norm(question) in seen:
                skipped += 1
                continue
            seen.add(norm(question))
            if row["expect"] is None:
                not_covered.append(question)
                continue
            clauses = [ref.clause.id for ref in refs if norm(row["expect"][0]) in norm(ref.clause.text)]
            if len(clauses) != 1:
                print(f"skipped (its first fragment is in {len(clauses)} clauses): {question}", file=sys.stderr)
                skipped += 1
                continue
            examples.setdefault(clauses[0], []).append(question)
    added = sum(len(questions) for questions in examples.values())
    lines = POLICY_FILE.read_text(encoding="utf-8").split("\n")
    out: list[str] = []
    clause = None
    for i, line in enumerate(lines):
        out.append(line)
        match = CLAUSE_LINE.match(line)
        if match:
            clause = match.group(1)
        last_example = EXAMPLE_LINE.match(line) and not EXAMPLE_LINE.match(lines[i + 1] if i + 1 < len(lines) else "")
        if clause in examples and last_example:
            out += [f"          - {json.dumps(q, ensure_ascii=False)}" for q in examples.pop(clause)]
    if examples:
        sys.exit(f"no example list found for: {', '.join(examples)}")
    start = next(i for i, line in enumerate(out) if line.startswith("not_covered:"))
    end = start + 1
    while end < len(out) and out[end].startswith("  - "):
        end += 1
    out[end:end] = [f"  - {json.dumps(q, ensure_ascii=False)}" for q in not_covered]
    POLICY_FILE.write_text("\n".join(out), encoding="utf-8")
    print(f"added {added} example and {len(not_covered)} not-covered questions; skipped {skipped}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
