"""Receipt codes and case references: both easy to read aloud, and never to be confused.

A receipt code (ACDE-FGHJ-KMNP-RTWX: 16 symbols from 22, about 71 bits) is the anonymous sender's only key to their
report, and given only to them: the database keeps only its SHA-256 (`receipt_hash`), and, for a sender who chose
news, a copy encrypted with their reply channel. Unkeyed on purpose: it is unguessable, so the hash cannot be
reversed by trying codes, and a hash that needs no key survives a change of keys.

A case reference (R-7K3M9T) is how the people handling a report name it: on its cards, in the command line, in the
outbox and the chronology. It is no key to anything a sender can do, so it is short enough to type. Reports made
before references existed keep their old code as their reference (the sender's receipt still opens them).

The alphabet leaves out characters that look or sound alike: 0/O/Q, 1/I/L, 2/Z, 5/S, 8/B, U/V.
"""

from __future__ import annotations

import hashlib
import re
import secrets

ALPHABET = "ACDEFGHJKMNPRTWXY34679"
GROUPS, GROUP_SIZE = 4, 4
LENGTH = GROUPS * GROUP_SIZE
_ALLOWED = frozenset(ALPHABET)
_SEPARATORS = "-_.\u2010\u2011\u2012\u2013\u2014\u2212"  # hyphens, and the dashes phones and documents put in
# Four groups of four letters or digits, apart or run together, anywhere in a message ("Your receipt code is: ...").
# Found from every word's start (a lookahead, so runs may overlap): in "my code ACDE-FGHJ-KMNP-RTWX" the first run,
# "code ACDE-FGHJ-KMNP", is no code, and the real one starts inside it.
# Between groups: nothing, a space, or a dash with spaces around it, as copied from paper ("ACDE - FGHJ - ...").
_BETWEEN = r"(?:[ \t]*[" + re.escape(_SEPARATORS) + r"][ \t]*|\s)?"
_IN_TEXT = re.compile(
    r"(?<![A-Za-z0-9])(?=((?:[A-Za-z0-9]{4}" + _BETWEEN + r"){3}[A-Za-z0-9]{4})(?![A-Za-z0-9]))"
)


def new_code() -> str:
    raw = "".join(secrets.choice(ALPHABET) for _ in range(LENGTH))
    return format_code(raw)


def format_code(raw: str) -> str:
    return "-".join(raw[i : i + GROUP_SIZE] for i in range(0, LENGTH, GROUP_SIZE))


def normalise(text: str) -> str | None:
    """The canonical form of what someone typed (any case, spaces or dashes), or None if it cannot be a code."""
    raw = "".join(ch for ch in text.upper() if not ch.isspace() and ch not in _SEPARATORS)
    if len(raw) != LENGTH or not set(raw) <= _ALLOWED:
        return None
    return format_code(raw)


def receipt_hash(code: str) -> str:
    """What the database keeps of a receipt code: the SHA-256 of its canonical form (see `normalise`)."""
    return hashlib.sha256(code.encode("ascii")).hexdigest()


REFERENCE_PREFIX, REFERENCE_SIZE = "R-", 6
REFERENCE_EXAMPLE = "R-7K3M9T"


def new_reference() -> str:
    return REFERENCE_PREFIX + "".join(secrets.choice(ALPHABET) for _ in range(REFERENCE_SIZE))


# Said to whoever types a case reference where their receipt is asked for (a DSL copying it from an alert, say): known
# by its shape alone, so it tells nobody whether such a case exists.
REFERENCE_IS_NO_RECEIPT = (
    "That is a case reference, which the people handling a report use: it does not open a report here. To check a "
    "report you made, use the receipt code you were given when you sent it: four groups of four letters and "
    "numbers, like ACDE-FGHJ-KMNP-RTWX."
)


def is_reference(text: str) -> bool:
    """Whether `text` is a case reference (R-7K3M9T, in any case or spacing), not a receipt code."""
    found = normalise_reference(text)
    return found is not None and found.startswith(REFERENCE_PREFIX) and normalise(text or "") is None


# A case reference in running text, written with its dash ("R-7K3M9T any news?"): without it, ordinary words such as
# "retched" would read as one.
_REFERENCE_IN_TEXT = re.compile(
    r"(?<![A-Za-z0-9])[Rr][" + re.escape(_SEPARATORS) + r"]([A-Za-z0-9]{" + str(REFERENCE_SIZE) + r"})(?![A-Za-z0-9])"
)


def mentions_reference(text: str) -> bool:
    """Whether a message names a case reference: then it is about a report, never a policy question (the adapters
    answer it with REFERENCE_IS_NO_RECEIPT instead of keeping it as a question the policy could not answer)."""
    return find_reference(text) is not None


def find_reference(text: str) -> str | None:
    """The first case reference a message names, as R-7K3M9T; None if it names none."""
    for found in _REFERENCE_IN_TEXT.finditer(text or ""):
        if set(found.group(1).upper()) <= _ALLOWED:
            return REFERENCE_PREFIX + found.group(1).upper()
    return None


def normalise_reference(text: str) -> str | None:
    """The canonical form of a case reference someone typed ("r 7k3m9t" -> "R-7K3M9T"), or of an older report's
    code, which is its reference; None if it can be neither."""
    raw = "".join(ch for ch in (text or "").upper() if not ch.isspace() and ch not in _SEPARATORS)
    if len(raw) == 1 + REFERENCE_SIZE and raw[0] == REFERENCE_PREFIX[0] and set(raw[1:]) <= _ALLOWED:
        return REFERENCE_PREFIX + raw[1:]
    return normalise(text or "")


def find_code(text: str) -> str | None:
    """The first receipt code in a message, whatever else it says ("Your receipt code is: DRYT-9KCG-WMCD-7DE4")."""
    return code_and_rest(text)[0]


def code_and_rest(text: str) -> tuple[str | None, str]:
    """The first receipt code in a message and the message without it ("DRYT-9KCG-WMCD-7DE4 it was Year 3" ->
    the code and "it was Year 3"); (None, text) without one. Four ordinary words ("they need what then") are not a
    code: one in running text has a digit, a dash or capitals."""
    for match in _IN_TEXT.finditer(text):
        found = match.group(1)
        code = normalise(found)
        looks_like_one = any(ch.isdigit() or ch in _SEPARATORS for ch in found) or found.isupper()
        if code is not None and looks_like_one:
            rest = text[: match.start(1)].rstrip() + " " + text[match.end(1) :].lstrip(" \t:,.-\u2013\u2014")
            return code, rest.strip()
    return None, text


def code_first(text: str) -> tuple[str | None, str]:
    """What follows a command that asks for a receipt code (/checkreport, /status): the code at its start, as it may
    have been read out ("acde fghj kmnp rtwx it was Year 4": letters only, in lower case, with spaces), and the words
    after it; else as `code_and_rest`. A code there need not look like one in running text: it is what was asked."""
    words = list(re.finditer(r"\S+", text))
    for count in range(1, 2 * GROUPS):  # (a dash between spaces is a word of its own: "ACDE - FGHJ - KMNP - RTWX")
        if count > len(words):
            break
        code = normalise(text[: words[count - 1].end()])
        if code is not None:
            return code, text[words[count - 1].end() :].strip()
    return code_and_rest(text)


ANSWER_WORDS = 4  # fewer words with a code ("status of", "any news on") only ask after the report


def asks_after(words: str) -> bool:
    """Whether the words sent with a receipt code ask after the report ("any news on ACDE-...?") or are the receipt
    itself, pasted back ("Your receipt code is: ACDE-...")."""
    return words.rstrip().endswith("?") or "receipt" in words.lower()


def tells_something(words: str, *, asked: bool = False) -> bool:
    """Whether the words sent with a receipt code tell the school something ("ACDE-... I forgot to say, it was a Year 3
    boy"): enough of them, and not asking after the report. `asked`: the school has a question waiting for an answer,
    so any words but the receipt pasted back may be it, however short or unsure ("ACDE-... Year 3", "... Tuesday?")."""
    if asked:
        return bool(words.strip()) and "receipt" not in words.lower()
    return len(words.split()) >= ANSWER_WORDS and not asks_after(words)


_FORMATTED = re.compile(r"\b([" + ALPHABET + r"]{4})(?:-[" + ALPHABET + r"]{4}){3}\b")


def redact(text: str) -> str:
    """`text` with each receipt code cut to its first group ("ACDE-…"), for logs: a code is its sender's only key
    (with it, anyone can read the school's questions and answer as the sender), and whoever reads the logs need not
    hold it. The first group still tells cases apart in a log."""
    return _FORMATTED.sub(lambda m: m.group(1) + "-…", text)
