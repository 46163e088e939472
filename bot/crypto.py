"""Encryption at rest for report text, notes, replies, evidence, reply addresses and unanswered questions.

Fernet keys come from POLICYBOT_ENCRYPTION_KEYS (comma separated, newest first) or from a key file that is
created on first run with 0600 permissions. Rotation adds a new key in front; `Vault.rotate` re-encrypts a token
under it, and old keys keep decrypting until everything is rotated.
"""

from __future__ import annotations

import hashlib
import hmac
import os
from pathlib import Path

from cryptography.fernet import Fernet, InvalidToken, MultiFernet


class VaultError(Exception):
    pass


def _read_keys(text: str) -> list[bytes]:
    return [k.strip().encode() for k in text.replace("\n", ",").split(",") if k.strip()]


def load_or_create_keys(key_file: Path, env_keys: str | None) -> list[bytes]:
    if env_keys:
        return _read_keys(env_keys)
    if key_file.exists():
        keys = _read_keys(key_file.read_text())
        if keys:
            return keys
    key_file.parent.mkdir(parents=True, exist_ok=True)
    key = Fernet.generate_key()
    fd = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(key.decode() + "\n")
    return [key]


def add_key_to_file(key_file: Path) -> None:
    """Put a fresh key in front of the key file (the old ones stay, to read what they encrypted)."""
    keys = _read_keys(key_file.read_text()) if key_file.exists() else []
    new = [Fernet.generate_key(), *keys]
    tmp = key_file.with_suffix(".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write("\n".join(k.decode() for k in new) + "\n")
    tmp.replace(key_file)


class Vault:
    def __init__(self, keys: list[bytes]) -> None:
        if not keys:
            raise VaultError("no encryption key")
        try:
            self._fernet = MultiFernet([Fernet(k) for k in keys])
        except ValueError as exc:
            raise VaultError("an encryption key is not a valid Fernet key") from exc
        # A keyed hash for values we must look up but never reveal (e.g. rate-limit buckets).
        self._mac_key = hashlib.sha256(b"policybot-mac:" + keys[-1]).digest()

    def encrypt(self, text: str) -> str:
        return self._fernet.encrypt(text.encode("utf-8")).decode("ascii")

    def decrypt(self, token: str) -> str:
        try:
            return self._fernet.decrypt(token.encode("ascii")).decode("utf-8")
        except InvalidToken as exc:
            raise VaultError("cannot decrypt: wrong or missing key") from exc

    def encrypt_bytes(self, data: bytes) -> bytes:
        return self._fernet.encrypt(data)

    def decrypt_bytes(self, token: bytes) -> bytes:
        try:
            return self._fernet.decrypt(token)
        except InvalidToken as exc:
            raise VaultError("cannot decrypt: wrong or missing key") from exc

    def rotate(self, token: str) -> str:
        return self._fernet.rotate(token.encode("ascii")).decode("ascii")

    def rotate_bytes(self, token: bytes) -> bytes:
        return self._fernet.rotate(token)

    def mac(self, value: str) -> str:
        return hmac.new(self._mac_key, value.encode("utf-8"), hashlib.sha256).hexdigest()
