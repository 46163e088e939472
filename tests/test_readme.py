"""The README's server set-up as a technician follows it, step by step."""

from __future__ import annotations

import re

from bot.config import REPO_ROOT


def test_the_service_user_is_made_and_given_the_bots_folder_before_the_unit_runs_as_it() -> None:
    """The unit said User=policybot, WorkingDirectory=/opt/policybot, with no word on making that user or giving it
    the folder: cloned as root, `./dev run` as policybot could not make its .venv, and the data folder not its data."""
    readme = (REPO_ROOT / "README.md").read_text(encoding="utf-8")
    user = re.search(r"^\s*User=(\S+)$", readme, re.MULTILINE)
    folder = re.search(r"^\s*WorkingDirectory=(\S+)$", readme, re.MULTILINE)
    assert user and folder
    setup = readme[: user.start()]
    assert re.search(rf"^\s*useradd .*\b{user[1]}$", setup, re.MULTILINE)
    assert re.search(rf"^\s*chown -R {user[1]}: {folder[1]}\b", setup, re.MULTILINE)
    assert f"sudo -u {user[1]} git pull" in readme  # upgrading as the bot's user: as root, git leaves root's files
