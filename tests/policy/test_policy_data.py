"""The policy data is the school's document, word for word: every clause is source text, and every sentence of
the source is in some clause. Headings are section titles."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from bot.config import REPO_ROOT
from bot.policy.loader import PolicyLibrary, load_library

POLICY_DIR = REPO_ROOT / "policy_data"
SOURCE_DIR = POLICY_DIR / "sources"  # the school's documents as received, kept beside the data made from them
SHARED_SOURCE_DIR = REPO_ROOT.parent / "shared" / "policy-source"


def norm(text: str) -> str:
    return re.sub(r"\s+", " ", text.replace("\u2019", "'")).strip()


@pytest.fixture(scope="module")
def library() -> PolicyLibrary:
    return load_library(POLICY_DIR)


def source_text(library: PolicyLibrary) -> str:
    policy = library.policy("social-media")
    assert policy.source
    return (SOURCE_DIR / policy.source).read_text(encoding="utf-8")


def test_the_kept_source_is_the_schools_document(library: PolicyLibrary) -> None:
    shared = SHARED_SOURCE_DIR / str(library.policy("social-media").source)
    if not shared.exists():
        pytest.skip(f"{shared} is not beside this checkout; the copy in {SOURCE_DIR} is used")
    assert shared.read_text(encoding="utf-8") == source_text(library)


def test_every_clause_is_verbatim_source_text(library: PolicyLibrary) -> None:
    source = norm(source_text(library))
    not_found = [ref.clause.id for ref in library.clauses() if norm(ref.clause.text) not in source]
    assert not_found == []


def test_every_source_sentence_is_in_a_clause(library: PolicyLibrary) -> None:
    source = source_text(library)
    clauses = [norm(ref.clause.text) for ref in library.clauses()]
    policy = library.policy("social-media")
    headings = {norm(s.title) for s in policy.sections} | {norm(s.part) for s in policy.sections if s.part}
    headings.add(norm(f"{policy.school} - {policy.title}"))
    missing = []
    for line in source.splitlines():
        text = norm(line.lstrip("-\u2022 "))
        if not text:
            continue
        if text.rstrip(":") in headings:
            continue
        for sentence in re.split(r"(?<=[.!?;])\s+(?=[A-Z\"'])", text):
            if not any(sentence in clause for clause in clauses):
                missing.append(sentence)
    assert missing == []


def test_sections_have_an_audience_and_unique_ids(library: PolicyLibrary) -> None:
    ids = [ref.clause.id for ref in library.clauses()]
    assert len(ids) == len(set(ids))
    audiences = {section.audience for _, section in library.sections()}
    assert audiences == {"parents", "staff", "everyone"}


def test_metadata_matches_the_document(library: PolicyLibrary) -> None:
    policy = library.policy("social-media")
    assert (policy.adopted.year, policy.adopted.month) == (2022, 4)
    assert policy.review_cycle == "annual"
    assert policy.reviewed_with and "Health and Safety" in policy.reviewed_with
    assert policy.owner == "headteacher"


def test_every_clause_teaches_the_answerer(library: PolicyLibrary) -> None:
    thin = [ref.clause.id for ref in library.clauses() if not ref.clause.examples or not ref.clause.topics]
    assert thin == []


def test_policy_dir_path_is_the_repo_default() -> None:
    assert Path(POLICY_DIR).is_dir()
