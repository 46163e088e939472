"""The command line's tests: a fresh data directory and key, and no tokens or database from the environment."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from cryptography.fernet import Fernet

from bot.config import REPO_ROOT
from handlers.cli import build_parser, common


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    for name in list(os.environ):
        if name.startswith(("SLACK_", "TELEGRAM_", "DATABASE_URL", "POLICYBOT_")):
            monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("SCHOOL_FILE", str(REPO_ROOT / "school.example.yaml"))
    monkeypatch.setenv("POLICYBOT_ENCRYPTION_KEYS", Fernet.generate_key().decode())
    return tmp_path


def policybot(*argv: str) -> int:
    """`policybot ARGS...` in this process, through the real parser and error handling (what `main` adds is checked
    in tests/handlers/test_cli.py)."""
    return common.run_command(build_parser().parse_args(list(argv)))


def keep_only_the_newest_key(data_dir: Path) -> None:
    """The key file with the older keys removed, as an operator may do once no older backup is kept."""
    key_file = data_dir / "policybot.key"
    key_file.write_text(key_file.read_text().splitlines()[0] + "\n")
