"""`policybot people`: the office keeping the list of staff right."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.handlers.cli.conftest import policybot


def test_a_mistyped_name_is_corrected_by_rename(env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert policybot("people", "add", "Kim Nwe", "--slack", "U0KIM00001") == 0
    assert policybot("people", "add", "Kim New", "--slack", "U0KIM00001") == 1
    assert 'policybot people rename "Kim Nwe" "Kim New"' in capsys.readouterr().err
    assert policybot("people", "rename", "kim nwe", "Kim New") == 0
    assert capsys.readouterr().out == "Renamed: Kim New (listed as kim nwe until now).\n"
    assert policybot("people", "list") == 0
    listed = capsys.readouterr().out
    assert "Kim New: Staff  slack U0KIM00001" in listed and "Nwe" not in listed
    assert policybot("people", "rename", "Kim New", "Jo Teacher") == 1
    assert "Jo Teacher is someone else already listed" in capsys.readouterr().err
