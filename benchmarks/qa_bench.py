"""Question answering: accuracy on our own question sets, in-process latency, and `policybot ask` cold start.

    python benchmarks/qa_bench.py          (or ./dev bench qa)

Accuracy is reported per split of benchmarks/qa_questions.jsonl: `tune` is what the lexicon and examples were
developed against; `holdout`, `holdout2`, `holdout3` and `holdout4` were written apart, each before a round of
data work. `holdout5` and `holdout6` (130 questions each, 35 out of scope) were written by two separate writers
who saw only the policy document, never the bot's data: `holdout5`'s misses guided the fifth round of data work
(new example questions per clause, and questions the policy does not cover); `holdout6` and `holdout7` (150
questions, 40 out of scope, written the same way later) were never looked at beyond their totals, so they are the
honest figures for unseen questions; `holdout8` (120 questions, 25 out of scope) was written last, in the clean,
full-sentence style of ../shared/qa/dev.jsonl, and measured once. The dev set shipped beside the scorer
(../shared/qa/dev.jsonl) is run through the real CLI by its own scorer when present. Targets: unseen top-1 >= 95 %,
out-of-scope refusal >= 90 %, p99 <= 5 ms, cold start <= 1 s.
"""

from __future__ import annotations

import re
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.common import question_rows  # noqa: E402
from bot.config import REPO_ROOT  # noqa: E402
from bot.policy.loader import load_library  # noqa: E402
from bot.qa import QuestionAnswerer  # noqa: E402

SCORER = ROOT.parent / "shared" / "qa" / "score.py"


def norm(text: str) -> str:
    for a, b in (("*", ""), ("\u2019", "'"), ("\u2018", "'"), ("\u2013", "-"), ("\u2014", "-")):
        text = text.replace(a, b)
    return re.sub(r"\s+", " ", text).strip().lower()


def accuracy(qa: QuestionAnswerer, rows: list[dict]) -> dict[str, dict[str, int]]:
    splits: dict[str, dict[str, int]] = {}
    for row in rows:
        s = splits.setdefault(row.get("split", "all"), {"n": 0, "top1": 0, "top3": 0, "oos": 0, "refused": 0})
        answer = qa.answer(row["question"], row["audience"])
        if row["expect"] is None:
            s["oos"] += 1
            s["refused"] += not answer.answered
            continue
        texts = [c.text for c in answer.citations]

        def hit(text: str, expect: list[str] = row["expect"]) -> bool:
            return any(norm(e) in norm(text) for e in expect)

        s["n"] += 1
        s["top1"] += bool(answer.answered and texts and hit(texts[0]))
        s["top3"] += bool(answer.answered and any(hit(t) for t in texts[:3]))
    return splits


def latency(qa: QuestionAnswerer, questions: list[str], rounds: int = 5) -> tuple[float, float]:
    timings = []
    for _ in range(rounds):
        for q in questions:
            start = time.perf_counter()
            qa.answer(q, "parent")
            timings.append((time.perf_counter() - start) * 1000)
    timings.sort()
    return statistics.median(timings), timings[int(len(timings) * 0.99) - 1]


def cold_start(runs: int = 5) -> float:
    best = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(
            [sys.executable, "-m", "handlers.cli", "ask", "can I post photos of sports day?", "--json"],
            cwd=ROOT,
            capture_output=True,
            check=False,
        )
        best.append(time.perf_counter() - start)
    return statistics.median(best)


def main() -> int:
    rows = question_rows()
    start = time.perf_counter()
    qa = QuestionAnswerer(load_library(REPO_ROOT / "policy_data"))
    build_ms = (time.perf_counter() - start) * 1000
    print(f"index built in {build_ms:.0f} ms")
    for split, s in accuracy(qa, rows).items():
        n = max(s["n"], 1)
        print(
            f"{split:>9}: top-1 {s['top1']}/{s['n']} = {s['top1'] / n:.1%}, top-3 {s['top3'] / n:.1%}, "
            f"out-of-scope refused {s['refused']}/{s['oos']} = {s['refused'] / max(s['oos'], 1):.1%}"
        )
    p50, p99 = latency(qa, [r["question"] for r in rows])
    print(f"in-process answer latency: p50 {p50:.2f} ms, p99 {p99:.2f} ms")
    print(f"`policybot ask` cold start (median of 5): {cold_start():.2f} s")
    if SCORER.exists():
        result = subprocess.run(
            [sys.executable, str(SCORER), "--cmd", f"{sys.executable} -m handlers.cli"],
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=False,
        )
        print(f"shared dev set via score.py: {result.stdout.strip() or result.stderr.strip()[-300:]}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
