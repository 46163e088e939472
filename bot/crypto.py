"""Encryption at rest for report text, notes, replies, evidence, reply addresses and unanswered questions.

Fernet keys come from POLICYBOT_ENCRYPTION_KEYS (comma separated, newest first) or from a key file that is
created on first run with 0600 permissions. Rotation adds a new key in front; `Vault.rotate` re-encrypts a token
under it, and old keys keep decrypting until everything is rotated.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import logging
import os
import stat
from collections.abc import Callable
from pathlib import Path

from cryptography.fernet import Fernet, InvalidToken, MultiFernet

from bot.yamlfile import ordinal

log = logging.getLogger(__name__)


class VaultError(Exception):
    pass


def _read_keys(text: str) -> list[bytes]:
    return [k.strip().encode() for k in text.replace("\n", ",").split(",") if k.strip()]


def _valid(keys: list[bytes], where: str) -> list[bytes]:
    """The keys, if each is a Fernet key; else a message naming where they came from and what to do."""
    for number, key in enumerate(keys, 1):
        try:
            Fernet(key)
        except ValueError:
            which = f" (the {ordinal(number)} key)" if len(keys) > 1 else ""
            raise VaultError(
                f"{where} holds something that is not an encryption key{which}: each key is "
                "44 letters, digits, - and _, ending in =, one per line. Put back the key from your backup of the "
                "data folder (or the school's password manager), then start again."
            ) from None
    return keys


def _keep_key_private(key_file: Path) -> None:
    """A key file others on this computer can read would let them read every report: narrowed to the bot's user."""
    mode = stat.S_IMODE(key_file.stat().st_mode)
    if mode & 0o077:
        try:
            key_file.chmod(0o600)
        except OSError:
            log.warning("The key file %s can be read by other users of this computer, and the bot could not change "
                        "that: run `chmod 600 %s`.", key_file, key_file)
            return
        log.warning("The key file %s could be read by other users of this computer; it is now readable by the bot's "
                    "own user only. If someone may have copied it, make a new key with `policybot db rotate-key`.",
                    key_file)


def _write_new_key(key_file: Path, exclusive: bool) -> bytes:
    key = Fernet.generate_key()
    target = key_file if exclusive else key_file.with_suffix(".tmp")
    flags = os.O_WRONLY | os.O_CREAT | (os.O_EXCL if exclusive else os.O_TRUNC)
    fd = os.open(target, flags, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(key.decode() + "\n")
    if not exclusive:
        target.replace(key_file)
    return key


def load_or_create_keys(
    key_file: Path,
    env_keys: str | None,
    *,
    stored: Callable[[], str | None] = lambda: None,
    chosen: bool = False,
) -> list[bytes]:
    """The keys from POLICYBOT_ENCRYPTION_KEYS, else from the key file; a new key file on first run.

    `stored` says what the database already holds encrypted ("reports", say), if anything: a new key could never read
    it, so a key file missing (or empty) then is one to put back, not to make. `chosen`: KEY_FILE names the file, so
    its folder is not made (a typing mistake there would otherwise leave a new folder and key somewhere unexpected).
    """
    if env_keys:
        return _valid(_read_keys(env_keys), "POLICYBOT_ENCRYPTION_KEYS")
    if key_file.is_dir():  # before anything is narrowed to 600: a folder so changed (/etc, say) breaks other programs
        raise VaultError(
            f"KEY_FILE names a folder ({key_file}), not a file. Give the key file's name in it, for example "
            f"KEY_FILE={key_file / 'policybot.key'}, then start again. Nothing was changed."
            if chosen
            else f"The key file {key_file} is a folder: put the key file there in its place, then start again."
        )
    if key_file.exists():
        try:
            _keep_key_private(key_file)
            text = key_file.read_text()
        except PermissionError:
            raise VaultError(
                f"The key file {key_file} cannot be read by the user the bot runs as. Make that user its owner "
                f"(for example `chown policybot {key_file}`, then `chmod 600 {key_file}`) and start again."
            ) from None
        keys = _read_keys(text)
        if keys:
            return _valid(keys, f"The key file {key_file}")
        _refuse_a_new_key(key_file, "is empty", stored, chosen)
        return [_write_new_key(key_file, exclusive=False)]  # a copy that went wrong, before anything was stored
    _refuse_a_new_key(key_file, "is missing", stored, chosen)
    if not key_file.parent.is_dir():
        if chosen:
            raise VaultError(
                f"The folder {key_file.parent} does not exist, so the key file {key_file} (KEY_FILE) cannot be there. "
                "Correct KEY_FILE, or leave it out to keep the key in the data folder, then start again."
            )
        key_file.parent.mkdir(mode=0o700, parents=True)
    return [_write_new_key(key_file, exclusive=True)]


def _refuse_a_new_key(key_file: Path, what: str, stored: Callable[[], str | None], chosen: bool) -> None:
    held = stored()
    if held:
        mistyped = " (or correct KEY_FILE, if it is mistyped)" if chosen else ""
        raise VaultError(
            f"The key file {key_file}{' (KEY_FILE)' if chosen else ''} {what}, but the database already holds {held} "
            f"encrypted with the key it held. Put that file back at {key_file} from your backup of the data folder "
            f"(or copy the key from the school's password manager into it){mistyped}, then start again. No new key "
            "was made and nothing was changed."
        )


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

    def encrypt_at(self, text: str, when: dt.datetime) -> str:
        """Encrypted as if at `when`: a Fernet token carries its time in the clear, and some rows must not tell
        when they were written. `rotate` keeps the time a token carries."""
        return self._fernet.encrypt_at_time(text.encode("utf-8"), int(when.timestamp())).decode("ascii")

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
