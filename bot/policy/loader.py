"""Load every `*.yaml` (or `*.yml`) in the policy directory into one `PolicyLibrary`, or say exactly what is wrong.

Each problem is one line `file, line N, section S, clause C: what is wrong and how to write it`, all problems of
all files at once, so whoever edits the data can fix everything in one pass. Clause ids are unique across the
whole library: a citation names a clause by id alone."""

from __future__ import annotations

import os
import pwd
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from bot.policy.models import Clause, Policy, Section
from bot.yamlfile import line_of, load_yaml, located, ordinal, plain_problem, syntax_problem


class PolicyDataError(Exception):
    """The policy data is invalid. `problems` holds one `file, line N, section S, clause C: problem` line per
    problem; the message names the folder too (`folder`), as start-up shows it alone."""

    def __init__(self, problems: list[str], folder: Path | None = None) -> None:
        self.problems = problems
        self.folder = folder
        count = f"{len(problems)} problem{'s' if len(problems) != 1 else ''}"
        head = [f"{count} in the policy files in {folder}:"] if folder is not None else []
        super().__init__("\n  ".join(head + problems))


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
        self._items: dict[str, list[ClauseRef]] = {}  # a list's introducing clause id -> its items, in order
        for ref in self._clauses.values():
            if ref.clause.lead_in is not None:
                self._items.setdefault(ref.clause.lead_in, []).append(ref)

    def __len__(self) -> int:
        return len(self.policies)

    def policy(self, policy_id: str) -> Policy:
        return self.policies[policy_id]

    def clause(self, clause_id: str) -> ClauseRef:
        return self._clauses[clause_id]

    def items(self, clause_id: str) -> list[ClauseRef]:
        """The items of the list that clause `clause_id` introduces (those naming it as their lead_in), in order."""
        return list(self._items.get(clause_id, ()))

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


# Which is the right word for what a field holds, in "'rules' is not a kind of clause".
_NOUNS = {"kind": "a kind of clause", "audience": "an audience", "review_cycle": "a review cycle"}


def _where(raw: Any, loc: tuple[int | str, ...]) -> str:
    """The section and clause a problem is in, by id when they have one: "section safeguarding, clause sg-x"."""
    names: list[str] = []
    node = raw
    for depth, part in enumerate(loc):
        try:
            node = node[part]
        except (KeyError, IndexError, TypeError):
            break
        if isinstance(part, int) and depth > 0 and loc[depth - 1] in ("sections", "clauses"):
            kind = "section" if loc[depth - 1] == "sections" else "clause"
            named = node.get("id") if isinstance(node, dict) else None
            names.append(f"{kind} {named}" if isinstance(named, str) else f"the {ordinal(part + 1)} {kind}")
    return ", ".join(names)


def _known_fields() -> set[str]:
    return {name for model in (Policy, Section, Clause) for name in model.model_fields}


def this_account() -> str:
    """The computer account this process runs as ("policybot"), as a person at the keyboard would name it."""
    try:
        return pwd.getpwuid(os.geteuid()).pw_name
    except KeyError:
        return f"user {os.geteuid()}"


def _unreadable(label: str, exc: Exception) -> str:
    if isinstance(exc, FileNotFoundError):
        return f"{label}: there is no such file: check the file's name and folder"
    if isinstance(exc, IsADirectoryError):
        return f"{label}: this is a folder, not a policy file: give the file's name, e.g. policy_data/social-media.yaml"
    if isinstance(exc, PermissionError):
        # Whoever reads this looks after the bot: a file saved as root with umask 077, say, beside a bot running as
        # its own user (for whom `policybot policy check` as root finds nothing wrong).
        return (f"{label}: {this_account()}, the computer account the bot runs as here, may not read the file: make it "
                f"readable (`chmod a+r {exc.filename or label}`)")
    if isinstance(exc, UnicodeDecodeError):
        return f"{label}: cannot be read as text: save it as plain text (UTF-8) and try again"
    return f"{label}: cannot be read ({getattr(exc, 'strerror', None) or exc})"


def _parse_file(path: Path, label: str | None = None) -> tuple[Policy | None, list[str]]:
    """The policy in `path`, or the problems with it, each starting with `label` (the path as given by default)."""
    name = label or str(path)
    try:
        text = path.read_text(encoding="utf-8")
        raw = load_yaml(text)
    except (OSError, UnicodeDecodeError) as exc:
        return None, [_unreadable(name, exc)]
    except yaml.YAMLError as exc:
        line, problem = syntax_problem(exc, text)
        return None, [f"{name}{f', line {line}' if line else ''}: {problem}"]
    if not isinstance(raw, dict):
        return None, [
            f"{name}: {'the file is empty' if raw is None else 'this is not a policy file'}: it should have the "
            "policy's fields, one per line (id:, title:, school:, ... then sections:), as in "
            "policy_data/social-media.yaml"
        ]

    def at(loc: tuple[int | str, ...], problem: str) -> str:
        said = located(line_of(text, loc), _where(raw, loc), loc, problem)
        return f"{name}{', ' if said != problem else ': '}{said}"

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
        return None, [at(err["loc"], plain_problem(err, _NOUNS, _known_fields())) for err in real]
    problems: list[str] = []
    seen_sections: dict[str, int] = {}
    seen_clauses: dict[str, tuple[int, int]] = {}
    for s_index, section in enumerate(policy.sections):
        if section.id in seen_sections:
            first = line_of(text, ("sections", seen_sections[section.id], "id"))
            problems.append(at(("sections", s_index, "id"), f"the section id {section.id!r} is used twice (also on "
                               f"line {first}): give each section its own id"))
        seen_sections.setdefault(section.id, s_index)
        earlier: set[str] = set()
        for c_index, clause in enumerate(section.clauses):
            here = ("sections", s_index, "clauses", c_index)
            if clause.id in seen_clauses:
                first = line_of(text, ("sections", *seen_clauses[clause.id][:1], "clauses",
                                       *seen_clauses[clause.id][1:], "id"))
                problems.append(at((*here, "id"), f"the clause id {clause.id!r} is used twice (also on line "
                                   f"{first}): give each clause its own id"))
            seen_clauses.setdefault(clause.id, (s_index, c_index))
            if clause.lead_in is not None and clause.lead_in not in earlier:
                problems.append(at((*here, "lead_in"), f"lead_in {clause.lead_in!r} is not a clause before this "
                                   f"one in section {section.id}: write the id of the clause that introduces the list"))
            earlier.add(clause.id)
    return (None if problems else policy), problems


def policy_file_paths(policy_dir: Path) -> list[Path]:
    """The policy files in `policy_dir`, in the order they are loaded (none when it is not a folder)."""
    return sorted(
        p for p in (policy_dir.iterdir() if policy_dir.is_dir() else ())
        if p.suffix in (".yaml", ".yml") and not p.name.startswith(".")  # not an editor's hidden copy
    )


def load_library(policy_dir: Path) -> PolicyLibrary:
    """Load and validate every `*.yaml` or `*.yml` policy file in `policy_dir`; raise `PolicyDataError` listing all
    problems."""
    files = policy_file_paths(policy_dir)
    if not files:
        there = "there are no policy files (*.yaml) in this folder" if policy_dir.is_dir() else (
            "there is no such folder: check POLICY_DIR")
        raise PolicyDataError([f"{policy_dir}: {there}"])
    policies: list[Policy] = []
    problems: list[str] = []
    policy_files: dict[str, Policy] = {}
    file_names: dict[str, str] = {}
    clause_files: dict[str, str] = {}
    for path in files:
        policy, file_problems = _parse_file(path, path.name)
        problems += file_problems
        if policy is None:
            continue
        if policy.id in policy_files:
            # Most often a new version saved beside the old one, or a copy the editor made: not a second policy.
            other = policy_files[policy.id]
            problems.append(
                f"{path.name} (version {policy.version}) and {file_names[policy.id]} (version {other.version}) are "
                f"both the {policy.title} (id {policy.id!r}): "
                "keep only one file for each policy in this folder, and move the other (an old version or a copy) "
                "out of it. If they are two different policies, give one of them its own id"
            )
            continue
        policy_files[policy.id] = policy
        file_names[policy.id] = path.name
        for section, clause in policy.clauses():
            if clause.id in clause_files:
                problems.append(
                    f"{path.name}, section {section.id}: the clause id {clause.id!r} is already used in "
                    f"{clause_files[clause.id]}: give each clause its own id"
                )
            clause_files.setdefault(clause.id, path.name)
        policies.append(policy)
    if problems:
        raise PolicyDataError(problems, policy_dir)
    return PolicyLibrary(policies)
