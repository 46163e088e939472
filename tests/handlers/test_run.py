"""`policybot run` (handlers/run.py): what it says and refuses at start-up and when it stops."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from bot.config import ConfigError, School
from bot.core import Core
from bot.ports import ManualClock
from handlers.run import run
from tests.conftest import make_settings


def test_a_second_run_on_one_sqlite_database_refuses_to_start_and_says_which_is_running(
    tmp_path: Path, school: School, clock: ManualClock
) -> None:
    """Both would deliver every queued message, and both would take Telegram's updates."""
    settings = make_settings(tmp_path)
    first = Core(settings, school=school, clock=clock)
    first.claim_run()
    second = Core(settings, school=school, clock=clock)
    try:
        with pytest.raises(ConfigError, match="already running on this database") as refused:
            run(second)
        said = str(refused.value)
        assert f"process {os.getpid()}, started 25 November 2026 at 10:00" in said
        assert "Stop that one first (`systemctl stop policybot`" in said
    finally:
        first.release_run()
    second.claim_run()  # the first has stopped: the next one starts
    second.release_run()
    for core in (first, second):
        core.db.dispose()
