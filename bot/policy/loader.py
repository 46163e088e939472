"""Load every `*.yaml` (or `*.yml`) in the policy directory into one `PolicyLibrary`, or say exactly what is wrong.

Each problem is one line `file: path.to.field: problem`, all problems of all files at once, so whoever edits
the data can fix everything in one pass. Clause ids are unique across the whole library: a citation names a
clause by id alone.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from bot.policy.models import Clause, Policy, Section
from bot.yamlfile import load_yaml


class PolicyDataError(Exception):
    """The policy data is invalid. `problems` holds one `file: path.to.field: problem` line per problem."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__("\n".join(problems))


@dataclass(frozen=True)
class ClauseRef:
    """A clause with the section and policy it belongs to."""

    policy: Policy
    section: Section
    clause: Clause


class PolicyLibrary:
    """All loaded policies, with lookups by policy id, section (id or title) and clause id."""

    def __init__(self, policies: list[Policy]) -> None:
        self.policies: dict[str, Policy] = {p.id: p for p in policies}
        self._clauses: dict[str, ClauseRef] = {
            clause.id: ClauseRef(policy, section, clause)
            for policy in policies
            for section, clause in policy.clauses()
        }

    def __len__(self) -> int:
        return len(self.policies)

    def policy(self, policy_id: str) -> Policy:
        return self.policies[policy_id]

    def clause(self, clause_id: str) -> ClauseRef:
        return self._clauses[clause_id]

    def clauses(self) -> list[ClauseRef]:
        return list(self._clauses.values())

    def not_covered(self) -> list[str]:
        """Every policy's examples of questions it does not answer."""
        return [question for policy in self.policies.values() for question in policy.not_covered]

    def sections(self) -> list[tuple[Policy, Section]]:
        return [(p, s) for p in self.policies.values() for s in p.sections]

    def section(self, key: str) -> tuple[Policy, Section] | None:
        """A section by exact id, else by title: exact, then the one title containing `key`, else None."""
        matches = self.sections_matching(key)
        return matches[0] if len(matches) == 1 else None

    def sections_matching(self, key: str) -> list[tuple[Policy, Section]]:
        """The sections `key` names: by exact id, exact title, part of a title, or part of an id, the first of
        these that names exactly one; else the first that names several (so they can be listed); else none."""
        wanted = " ".join(key.lower().split())
        sections = self.sections()
        several: list[tuple[Policy, Section]] = []
        for matches in (
            [ps for ps in sections if ps[1].id == wanted],
            [ps for ps in sections if ps[1].title.lower() == wanted],
            [ps for ps in sections if wanted and wanted in ps[1].title.lower()],
            [ps for ps in sections if wanted and wanted in ps[1].id],
        ):
            if len(matches) == 1:
                return matches
            several = several or matches
        return several


def _field_path(loc: tuple[int | str, ...]) -> str:
    path = ""
    for part in loc:
        path += f"[{part}]" if isinstance(part, int) else (f".{part}" if path else str(part))
    return path or "(top)"


def _describe(raw: Any, loc: tuple[int | str, ...]) -> str:
    """Name the section/clause an error sits in by its id, when it has one: easier to find than an index."""
    node, named = raw, ""
    for part in loc:
        try:
            node = node[part]
        except (KeyError, IndexError, TypeError):
            break
        if isinstance(part, int) and isinstance(node, dict) and isinstance(node.get("id"), str):
            named = node["id"]
    return f" (in {named!r})" if named else ""


def _parse_file(path: Path) -> tuple[Policy | None, list[str]]:
    name = path.name
    try:
        raw = load_yaml(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        return None, [f"{name}: (file): cannot read: {exc}"]
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}" if mark else "(file)"
        problem = getattr(exc, "problem", None) or str(exc)
        return None, [f"{name}: {where}: malformed YAML: {problem}"]
    if not isinstance(raw, dict):
        return None, [f"{name}: (top): expected a mapping with the policy's fields, got {type(raw).__name__}"]
    try:
        policy = Policy.model_validate(raw)
    except ValidationError as exc:
        errors = exc.errors()
        # A list whose only item is invalid is also reported "too short": noise next to the real problem.
        real = [
            err for err in errors
            if not (err["type"] == "too_short" and any(
                len(o["loc"]) > len(err["loc"]) and o["loc"][: len(err["loc"])] == err["loc"] for o in errors
            ))
        ]
        return None, [f"{name}: {_field_path(err['loc'])}: {err['msg']}{_describe(raw, err['loc'])}" for err in real]
    problems: list[str] = []
    seen_sections: dict[str, int] = {}
    seen_clauses: dict[str, str] = {}
    for s_index, section in enumerate(policy.sections):
        if section.id in seen_sections:
            problems.append(
                f"{name}: sections[{s_index}].id: duplicate section id {section.id!r} "
                f"(also sections[{seen_sections[section.id]}])"
            )
        seen_sections.setdefault(section.id, s_index)
        earlier: set[str] = set()
        for c_index, clause in enumerate(section.clauses):
            here = f"sections[{s_index}].clauses[{c_index}]"
            if clause.id in seen_clauses:
                problems.append(
                    f"{name}: {here}.id: duplicate clause id {clause.id!r} (also {seen_clauses[clause.id]})"
                )
            seen_clauses.setdefault(clause.id, here)
            if clause.lead_in is not None and clause.lead_in not in earlier:
                problems.append(
                    f"{name}: {here}.lead_in: {clause.lead_in!r} is not an earlier clause of section {section.id!r} "
                    f"(in {clause.id!r})"
                )
            earlier.add(clause.id)
    return (None if problems else policy), problems


def load_library(policy_dir: Path) -> PolicyLibrary:
    """Load and validate every `*.yaml` or `*.yml` policy file in `policy_dir`; raise `PolicyDataError` listing all
    problems."""
    files = sorted(
        p for p in (policy_dir.iterdir() if policy_dir.is_dir() else ())
        if p.suffix in (".yaml", ".yml") and not p.name.startswith(".")  # not an editor's hidden copy
    )
    if not files:
        raise PolicyDataError([f"{policy_dir}: (directory): no *.yaml policy files found"])
    policies: list[Policy] = []
    problems: list[str] = []
    policy_files: dict[str, str] = {}
    clause_files: dict[str, str] = {}
    for path in files:
        policy, file_problems = _parse_file(path)
        problems += file_problems
        if policy is None:
            continue
        if policy.id in policy_files:
            problems.append(f"{path.name}: id: duplicate policy id {policy.id!r} (also in {policy_files[policy.id]})")
            continue
        policy_files[policy.id] = path.name
        for section, clause in policy.clauses():
            if clause.id in clause_files:
                problems.append(
                    f"{path.name}: sections.{section.id}.clauses.{clause.id}: clause id {clause.id!r} "
                    f"is already used in {clause_files[clause.id]}"
                )
            clause_files.setdefault(clause.id, path.name)
        policies.append(policy)
    if problems:
        raise PolicyDataError(problems)
    return PolicyLibrary(policies)
