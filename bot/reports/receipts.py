"""Receipt codes: unguessable (16 symbols from 22, about 71 bits) and easy to read aloud.

The alphabet leaves out characters that look or sound alike: 0/O/Q, 1/I/L, 2/Z, 5/S, 8/B, U/V.
"""

from __future__ import annotations

import secrets

ALPHABET = "ACDEFGHJKMNPRTWXY34679"
GROUPS, GROUP_SIZE = 4, 4
LENGTH = GROUPS * GROUP_SIZE
_ALLOWED = frozenset(ALPHABET)


def new_code() -> str:
    raw = "".join(secrets.choice(ALPHABET) for _ in range(LENGTH))
    return format_code(raw)


def format_code(raw: str) -> str:
    return "-".join(raw[i : i + GROUP_SIZE] for i in range(0, LENGTH, GROUP_SIZE))


def normalise(text: str) -> str | None:
    """The canonical form of what someone typed (any case, spaces or dashes), or None if it cannot be a code."""
    raw = "".join(ch for ch in text.upper() if not ch.isspace() and ch not in "-_.")
    if len(raw) != LENGTH or not set(raw) <= _ALLOWED:
        return None
    return format_code(raw)
