"""The command line's tests: a fresh data directory and key, and no tokens or database from the environment."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from cryptography.fernet import Fernet

from bot.config import REPO_ROOT


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
