"""The question index kept between runs: the same answers with or without it, rebuilt whenever the policy data
changes, and never a reason to fail (unreadable, corrupt or unwritable: it is simply rebuilt)."""

from __future__ import annotations

import json
import stat
from pathlib import Path

import pytest

from bot.policy.loader import load_library
from bot.qa import QuestionAnswerer, cache
from bot.qa.index import ClauseIndex
from tests.qa.test_answerer import NOT_COVERED

QUESTIONS = [
    ("can I post photos from the school play on facebook?", "parent"),
    ("when is the school photo day this year?", "parent"),
    ("cn i put pics of sprts day on fb", None),
]


def answers(qa: QuestionAnswerer) -> list[tuple[str, list[str]]]:
    return [(a.outcome, [c.clause for c in a.citations]) for a in (qa.answer(q, who) for q, who in QUESTIONS)]  # type: ignore[arg-type]


@pytest.fixture
def policy_dir(tmp_path: Path) -> Path:
    folder = tmp_path / "policies"
    folder.mkdir()
    (folder / "photos.yaml").write_text(NOT_COVERED, encoding="utf-8")
    return folder


def compiles(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Records each clause the index tokenises (what the cache saves)."""
    seen: list[str] = []
    original = ClauseIndex._compile

    def spy(self: ClauseIndex, ref, split_texts):  # type: ignore[no-untyped-def]
        seen.append(ref.clause.id)
        return original(self, ref, split_texts)

    monkeypatch.setattr(ClauseIndex, "_compile", spy)
    return seen


def test_a_second_start_reads_the_kept_index_and_answers_the_same(
    policy_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cache = tmp_path / "data" / "qa-index.json"
    expected = answers(QuestionAnswerer(load_library(policy_dir)))  # no cache at all
    seen = compiles(monkeypatch)
    assert answers(QuestionAnswerer(load_library(policy_dir), cache_file=cache)) == expected
    assert seen == ["no-other-children"] and cache.exists()
    assert answers(QuestionAnswerer(load_library(policy_dir), cache_file=cache)) == expected
    assert seen == ["no-other-children"]  # the second start tokenised nothing


def test_changed_policy_data_is_never_answered_from_an_old_index(
    policy_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cache = tmp_path / "qa-index.json"
    QuestionAnswerer(load_library(policy_dir), cache_file=cache)
    changed = NOT_COVERED.replace('"can I post photos from the school play"', '"can I post a video of the school play"')
    (policy_dir / "photos.yaml").write_text(changed, encoding="utf-8")
    seen = compiles(monkeypatch)
    qa = QuestionAnswerer(load_library(policy_dir), cache_file=cache)
    assert seen == ["no-other-children"]  # rebuilt
    assert "video" in qa.index.vocabulary["no-other-children"]


@pytest.mark.parametrize("content", ["", "{not json", '{"fingerprint": 1}', "[]", '{"fingerprint": "x", "data": {}}'])
def test_a_damaged_index_file_is_rebuilt(policy_dir: Path, tmp_path: Path, content: str) -> None:
    cache = tmp_path / "qa-index.json"
    cache.write_text(content, encoding="utf-8")
    expected = answers(QuestionAnswerer(load_library(policy_dir)))
    assert answers(QuestionAnswerer(load_library(policy_dir), cache_file=cache)) == expected
    assert json.loads(cache.read_text(encoding="utf-8"))["data"]["clauses"]  # and replaced by a good one


def test_a_tampered_index_file_with_the_right_fingerprint_is_rebuilt(policy_dir: Path, tmp_path: Path) -> None:
    cache = tmp_path / "qa-index.json"
    QuestionAnswerer(load_library(policy_dir), cache_file=cache)
    kept = json.loads(cache.read_text(encoding="utf-8"))
    del kept["data"]["clauses"][0]["stem_lines"]
    cache.write_text(json.dumps(kept), encoding="utf-8")
    qa = QuestionAnswerer(load_library(policy_dir), cache_file=cache)
    assert qa.answer("can I post photos from the school play?").answered


def test_a_read_only_data_folder_only_costs_time(policy_dir: Path, tmp_path: Path) -> None:
    blocked = tmp_path / "not-a-folder"
    blocked.write_text("a file where the data folder should be", encoding="utf-8")
    qa = QuestionAnswerer(load_library(policy_dir), cache_file=blocked / "qa-index.json")
    assert qa.answer("can I post photos from the school play on facebook?", "parent").answered
    assert not list(tmp_path.glob("**/*.tmp"))


def test_the_data_folder_made_for_the_index_is_the_bot_users_alone(tmp_path: Path) -> None:
    """`policybot ask` on a new machine makes the data folder for the index: the database and key go there too."""
    data = tmp_path / "data"
    cache.save(data / "qa-index.json", "fingerprint", {"frequency": {}, "clauses": []})
    assert stat.S_IMODE(data.stat().st_mode) == 0o700
