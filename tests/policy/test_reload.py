"""A running bot takes up edited policy files by itself (`Core.reload_policies`, the scheduler's policy job): the
library and the answerer are replaced together once the new ones are built; files that do not load leave the last
good ones in force, with one warning per change."""

from __future__ import annotations

import json
import logging
import shutil
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

import scheduler
from bot.config import REPO_ROOT, School
from bot.core import Core
from bot.policy.loader import this_account
from bot.ports import ManualClock
from bot.qa import cache
from tests.conftest import make_core, make_settings, unreadable

OLD_TEXT = "In addition parents should not post images taken in school or at school events"
NEW_TEXT = "In addition parents should never post images taken in school, on trips or at school events"
QUESTION = "can I put pictures of the nativity on facebook"


@pytest.fixture
def policy_dir(tmp_path: Path) -> Path:
    folder = tmp_path / "policies"
    folder.mkdir()
    shutil.copy(REPO_ROOT / "policy_data" / "social-media.yaml", folder)
    return folder


@pytest.fixture
def live(tmp_path: Path, policy_dir: Path, school: School, clock: ManualClock) -> Iterator[Core]:
    core = make_core(make_settings(tmp_path, policy_dir=policy_dir), school, clock)
    core.qa  # noqa: B018 - built at start-up, as `policybot run` does
    yield core
    core.db.dispose()


def edit(policy_dir: Path, old: str, new: str) -> None:
    path = policy_dir / "social-media.yaml"
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def new_version(policy_dir: Path) -> None:
    """Version 2026.1, whose clause on parents' photos reads differently."""
    edit(policy_dir, 'version: "2022.1"', 'version: "2026.1"')
    edit(policy_dir, "In addition parents should not post images taken in school or at school events",
         "In addition parents should never post images taken in school, on trips or at school events")


def quoted(core: Core) -> str:
    return " ".join(" ".join(c.text.split()) for c in core.qa.answer(QUESTION, "parent").citations)


def test_edited_files_are_taken_up_whole_and_questions_meanwhile_use_the_old_answerer(live: Core,
                                                                                   policy_dir: Path) -> None:
    before = live.policy_data
    assert OLD_TEXT in quoted(live)
    assert live.reload_policies() is False and live.policy_data is before  # nothing changed: nothing rebuilt
    new_version(policy_dir)
    assert OLD_TEXT in quoted(live)  # until the minute's check
    assert live.reload_policies() is True
    assert live.policies.policy("social-media").version == "2026.1"
    assert NEW_TEXT in quoted(live) and live.qa.library is live.policies  # one library, answerer and index
    # An answer begun before the swap finishes with the answerer it started with.
    assert OLD_TEXT in " ".join(" ".join(c.text.split()) for c in before.qa.answer(QUESTION, "parent").citations)
    # The question index kept in the data folder is the new one's, for the next start and `policybot ask`.
    kept = json.loads(live.settings.qa_cache_file.read_text(encoding="utf-8"))
    assert kept["fingerprint"] == cache.fingerprint(live.policies)
    assert live.reload_policies() is False


def test_files_that_do_not_load_keep_the_last_good_ones_and_are_warned_about_once_per_change(
    live: Core, policy_dir: Path, caplog: pytest.LogCaptureFixture
) -> None:
    before = live.policy_data
    edit(policy_dir, 'version: "2022.1"', 'version: [2026.1')
    with caplog.at_level(logging.WARNING, logger="bot.core"):
        assert live.reload_policies() is False
        assert live.reload_policies() is False  # a minute later: no second warning for the same files
    [warning] = [r.getMessage() for r in caplog.records]
    assert "cannot be loaded" in warning and "Social Media Policy version 2022.1" in warning
    assert "social-media.yaml, line 12" in warning and "Correct this problem (`policybot policy check`, run as" \
        in warning
    assert live.policy_data is before and OLD_TEXT in quoted(live)
    caplog.clear()
    edit(policy_dir, 'version: [2026.1', 'version: "2026.1" x: [')  # still wrong, differently: said again
    with caplog.at_level(logging.WARNING, logger="bot.core"):
        assert live.reload_policies() is False
    assert len(caplog.records) == 1
    edit(policy_dir, 'version: "2026.1" x: [', 'version: "2026.1"')
    assert live.reload_policies() is True
    assert live.policies.policy("social-media").version == "2026.1"


def test_a_file_the_bot_could_not_read_is_taken_up_once_made_readable(
    live: Core, policy_dir: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """A new version saved as root, readable by root only: the warning says to correct it, and `chmod a+r` does so
    without changing the file's content or time. It was never tried again: the old text stayed in force, unsaid."""
    path = policy_dir / "social-media.yaml"
    new_version(policy_dir)
    unreadable(monkeypatch, path)
    path.chmod(0o600)
    with caplog.at_level(logging.WARNING, logger="bot.core"):
        assert live.reload_policies() is False
    # The check the warning points to finds it only as the bot's account: root may read the file.
    [warning] = [r.getMessage() for r in caplog.records]
    assert f"(`policybot policy check`, run as {this_account()}, lists it too)" in warning
    monkeypatch.undo()
    time.sleep(0.01)  # a later ctime than the refused one, on a coarse clock too
    path.chmod(0o644)
    assert live.reload_policies() is True
    assert live.policies.policy("social-media").version == "2026.1" and NEW_TEXT in quoted(live)


def test_the_handlers_read_the_policy_in_force(live: Core, policy_dir: Path) -> None:
    """Slack's answers and App Home section list read the core's current policy, not one kept from start-up."""
    from handlers.slack.answers import answer_for, whole_section
    from handlers.slack.home import sections_blocks

    edit(policy_dir, "title: Inappropriate use of social networking sites by parents",
         "title: Parents using social networking sites inappropriately")
    new_version(policy_dir)
    assert live.reload_policies() is True
    text, _, _ = answer_for(live, "can parents post photos of the school play that include other children")
    assert "never post images" in text and "Parents using social networking sites inappropriately" in text
    labels = [o["text"]["text"] for o in sections_blocks(live)[1]["accessory"]["options"]]
    assert "Parents using social networking sites inappropriately" in labels
    modal = json.dumps(whole_section(live, "parents-inappropriate-use"))
    assert "never post images" in modal


def test_the_scheduler_checks_the_policy_files_in_every_process(live: Core, policy_dir: Path) -> None:
    """Its own job, kept in memory: a follower on PostgreSQL (which does not lead the shared jobs) answers questions
    too, so it must take up the new files as well."""
    runner = scheduler.build_scheduler(live, {}, None, name="reloading")
    runner.start(paused=True)
    try:
        job = runner.get_job("reloading.policy.reload")
        assert job is not None and job.trigger.interval == scheduler.RELOAD_POLICIES_EVERY
        runner.runtime.leadership.is_leader = lambda: False  # type: ignore[method-assign]
        new_version(policy_dir)
        assert job.func("reloading") is True
        assert live.policies.policy("social-media").version == "2026.1"
    finally:
        runner.shutdown(wait=True)
