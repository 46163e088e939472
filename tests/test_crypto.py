"""Encryption at rest: keys from a 0600 file made on first run, or the environment; rotation keeps old data."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest
from cryptography.fernet import Fernet

from bot.config import School
from bot.core import Core
from bot.crypto import Vault, VaultError, add_key_to_file, load_or_create_keys
from bot.ports import ManualClock
from tests.conftest import make_settings


def test_key_file_is_created_private(tmp_path: Path) -> None:
    key_file = tmp_path / "data" / "policybot.key"
    keys = load_or_create_keys(key_file, None)
    assert len(keys) == 1
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert load_or_create_keys(key_file, None) == keys  # the same key next start


def test_round_trip_and_no_plaintext() -> None:
    vault = Vault([Fernet.generate_key()])
    token = vault.encrypt("a worrying post about Year 4")
    assert "Year 4" not in token
    assert vault.decrypt(token) == "a worrying post about Year 4"
    assert vault.decrypt_bytes(vault.encrypt_bytes(b"\x00\xff")) == b"\x00\xff"


def test_rotation_keeps_old_tokens_readable(tmp_path: Path) -> None:
    key_file = tmp_path / "k"
    old = Vault(load_or_create_keys(key_file, None))
    token = old.encrypt("note")
    add_key_to_file(key_file)
    new = Vault(load_or_create_keys(key_file, None))
    assert new.decrypt(token) == "note"
    rotated = new.rotate(token)
    newest_only = Vault(load_or_create_keys(key_file, None)[:1])
    assert newest_only.decrypt(rotated) == "note"
    with pytest.raises(VaultError):
        newest_only.decrypt(token)
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600


def test_wrong_key_is_a_clear_error() -> None:
    token = Vault([Fernet.generate_key()]).encrypt("x")
    with pytest.raises(VaultError, match="wrong or missing key"):
        Vault([Fernet.generate_key()]).decrypt(token)
    with pytest.raises(VaultError, match="not a valid Fernet key"):
        Vault([b"not-a-key"])


def test_mac_is_stable_and_reveals_nothing() -> None:
    vault = Vault([Fernet.generate_key()])
    assert vault.mac("telegram:12345") == vault.mac("telegram:12345")
    assert "12345" not in vault.mac("telegram:12345")


def test_an_empty_key_file_gets_a_new_key_not_file_exists(tmp_path: Path) -> None:
    key_file = tmp_path / "policybot.key"
    key_file.write_text("")
    keys = load_or_create_keys(key_file, None)
    assert len(keys) == 1 and key_file.read_text().strip() == keys[0].decode()
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600


@pytest.mark.parametrize("from_env", [False, True])
def test_a_key_that_is_not_a_key_says_where_it_came_from(tmp_path: Path, from_env: bool) -> None:
    key_file = tmp_path / "policybot.key"
    if not from_env:
        key_file.write_text("not-a-key\n")
    where = "POLICYBOT_ENCRYPTION_KEYS" if from_env else str(key_file)
    with pytest.raises(VaultError, match=f"{where} holds something that is not an encryption key.*backup"):
        load_or_create_keys(key_file, "not-a-key" if from_env else None)


def test_a_key_file_others_can_read_is_narrowed_and_said(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    key_file = tmp_path / "policybot.key"
    keys = load_or_create_keys(key_file, None)
    key_file.chmod(0o644)
    assert load_or_create_keys(key_file, None) == keys
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert "could be read by other users" in caplog.text and "rotate-key" in caplog.text


def test_an_unreadable_key_file_says_whose_it_must_be(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    key_file = tmp_path / "policybot.key"
    load_or_create_keys(key_file, None)

    def refused(self: Path, *args: object, **kwargs: object) -> str:
        raise PermissionError(13, "Permission denied", str(self))

    monkeypatch.setattr(Path, "read_text", refused)
    with pytest.raises(VaultError, match="cannot be read by the user the bot runs as.*chown"):
        load_or_create_keys(key_file, None)


def test_key_file_naming_a_folder_is_refused_and_the_folder_left_as_it_was(tmp_path: Path) -> None:
    """KEY_FILE=/etc/policybot (the folder, not the file in it): the folder was narrowed to 600 as if it were the key,
    which no one can then enter (/tmp or /etc so changed breaks the computer), and only then 'Is a directory'."""
    folder = tmp_path / "keys"
    folder.mkdir(mode=0o755)
    folder.chmod(0o755)
    with pytest.raises(VaultError, match=f"KEY_FILE names a folder \\({folder}\\), not a file.*KEY_FILE={folder}/"):
        load_or_create_keys(folder, None, chosen=True)
    assert stat.S_IMODE(folder.stat().st_mode) == 0o755 and list(folder.iterdir()) == []


def test_start_up_stops_on_a_key_that_is_not_a_key_before_any_report(
    tmp_path: Path, school: School, clock: ManualClock
) -> None:
    """With no reports yet the key used to be read only at the first report, which then failed in front of a parent."""
    settings = make_settings(tmp_path, POLICYBOT_ENCRYPTION_KEYS="pasted-the-wrong-thing")
    core = Core(settings, school=school, clock=clock)
    with pytest.raises(VaultError, match="POLICYBOT_ENCRYPTION_KEYS holds something that is not an encryption key"):
        core.prepare()
    core.db.dispose()


def test_a_key_file_in_a_folder_that_does_not_exist_is_refused_when_named_by_key_file(tmp_path: Path) -> None:
    """KEY_FILE=/etc/policybt/policybot.key (mistyped): no folder made there, and no key; said what to correct."""
    key_file = tmp_path / "mistyped" / "policybot.key"
    with pytest.raises(VaultError, match=f"The folder {tmp_path / 'mistyped'} does not exist.*Correct KEY_FILE"):
        load_or_create_keys(key_file, None, chosen=True)
    assert not key_file.parent.exists()
    default = tmp_path / "data" / "policybot.key"  # the data folder (no KEY_FILE) is made, for the bot's user only
    load_or_create_keys(default, None)
    assert stat.S_IMODE(default.parent.stat().st_mode) == 0o700
