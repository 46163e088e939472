"""The tokenised policy data, kept between runs so a one-off `policybot ask` does not re-read every example.

Building the index means typo-correcting, stemming and matching lexicon phrases in every clause, topic, example
question and not-covered question: most of a cold start. The result is plain data (lists of tokens), kept as JSON
beside the database with a fingerprint of everything it was made from: the policy files' content and this
package's source code. Any change to either, or an unreadable file, and it is simply rebuilt; the answers are the
same with or without it. JSON, not pickle: a file in the data folder must never be able to run code.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import os
from pathlib import Path
from typing import Any, TypedDict

from bot.policy.loader import PolicyLibrary

log = logging.getLogger(__name__)

FORMAT = 2


class CompiledClause(TypedDict):
    """Tokens as lines of space-separated tokens (far smaller to load than a list per example)."""

    fields: str  # tokens of the clause's text, section title and topics
    examples: list[str]  # tokens of each example question
    topics: list[str]  # tokens of each topic
    stem_lines: str  # the stems of its text, topics and examples, a line each


class Compiled(TypedDict, total=False):
    frequency: dict[str, int]  # the vocabulary for typo correction
    clauses: list[CompiledClause]  # in library order
    not_covered: list[str]  # tokens of each not-covered question, in library order


def fingerprint(library: PolicyLibrary) -> str:
    digest = hashlib.sha256(f"format {FORMAT}".encode())
    for source in sorted(Path(__file__).parent.glob("*.py")):
        digest.update(source.read_bytes())
    content: list[Any] = [
        [ref.clause.id, ref.clause.text, ref.section.title, ref.clause.topics, ref.clause.examples]
        for ref in library.clauses()
    ]
    content.append(library.not_covered())
    digest.update(json.dumps(content).encode())
    return digest.hexdigest()


def load(path: Path, expected: str) -> Compiled | None:
    """The compiled data in `path` if it was made from exactly this data and code, else None."""
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(raw, dict) or raw.get("fingerprint") != expected or not isinstance(raw.get("data"), dict):
        return None
    data = raw["data"]
    clauses = data.get("clauses")
    if not isinstance(data.get("frequency"), dict) or not isinstance(clauses, list):
        return None
    if not all(isinstance(c, dict) and c.keys() >= CompiledClause.__annotations__.keys() for c in clauses):
        return None
    if not isinstance(data.get("not_covered", []), list):
        return None
    compiled: Compiled = data
    return compiled


def save(path: Path, fingerprint: str, data: Compiled) -> None:
    """Write atomically (another process may be reading it); a read-only data folder only costs start-up time."""
    tmp = path.with_name(f"{path.name}.{os.getpid()}.tmp")
    try:
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)  # the data folder, private: the database goes there
        tmp.write_text(json.dumps({"fingerprint": fingerprint, "data": data}, separators=(",", ":")), encoding="utf-8")
        tmp.replace(path)
    except OSError as exc:
        log.info("could not keep the question index in %s (%s); it is rebuilt at each start", path, exc)
        with contextlib.suppress(OSError):
            tmp.unlink(missing_ok=True)
