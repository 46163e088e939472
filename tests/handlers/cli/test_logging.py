"""What the log may hold: at LOG_LEVEL=DEBUG too, nothing a sender's picture hides (its GPS position, the camera)."""

from __future__ import annotations

import logging
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.reports import Attachment
from bot.reports.evidence import strip_metadata
from handlers.cli.common import setup_logging
from tests.reports.test_evidence import phone_photo


@pytest.fixture
def library_levels() -> Iterator[None]:
    """setup_logging sets the libraries' loggers for the whole process: put them back for the other tests."""
    levels = {name: logging.getLogger(name).level for name in list(logging.root.manager.loggerDict)}
    yield
    for name, level in levels.items():
        logging.getLogger(name).setLevel(level)


def test_debug_logging_never_writes_a_photos_gps_position_or_camera(
    library_levels: None, caplog: pytest.LogCaptureFixture
) -> None:
    photo = phone_photo()  # made before the log is watched: making it logs its tags too
    setup_logging("DEBUG")
    with caplog.at_level(logging.DEBUG):
        strip_metadata(Attachment("photo.jpg", "image/jpeg", photo), 1)
    assert "CanaryPhoneMaker" not in caplog.text and "GPS" not in caplog.text


def test_the_data_folder_made_for_the_log_is_the_bot_users_alone(library_levels: None, tmp_path: Path) -> None:
    """`policybot run` without tokens makes the data folder for its log first: the database and key go there too."""
    data = tmp_path / "data"
    setup_logging("INFO", data / "policybot.log")
    assert stat.S_IMODE(data.stat().st_mode) == 0o700
