"""What the benchmarks share: the question set and settings for a throw-away bot (the tests' own recipe)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
QUESTIONS_FILE = ROOT / "benchmarks" / "qa_questions.jsonl"


def question_rows() -> list[dict[str, Any]]:
    """Every row of the question set: {"question", "audience", "expect", "split"}."""
    return [json.loads(line) for line in QUESTIONS_FILE.read_text(encoding="utf-8").splitlines() if line.strip()]


def questions(audiences: tuple[str | None, ...] | None = None) -> list[str]:
    """The questions' texts, optionally only those asked by these audiences (None: asked by anyone)."""
    return [
        str(row["question"])
        for row in question_rows()
        if row.get("question") and (audiences is None or row.get("audience") in audiences)
    ]
