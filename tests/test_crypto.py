"""Encryption at rest: keys from a 0600 file made on first run, or the environment; rotation keeps old data."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest
from cryptography.fernet import Fernet

from bot.crypto import Vault, VaultError, add_key_to_file, load_or_create_keys


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
