"""Small pieces of English shared by the messages people read."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence


def and_list(items: Sequence[str]) -> str:
    """"A", "A and B", "A, B and C"."""
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


def or_list(items: Sequence[str]) -> str:
    """"A", "A or B", "A, B or C"."""
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " or " + items[-1]


def counted(count: int, singular: str, plural: str | None = None) -> str:
    """"1 member", "2 members", "1,336 days": a count with its noun agreeing (`plural` when not just + "s")."""
    return f"{count:,} {singular if count == 1 else plural or singular + 's'}"


def upper_first(text: str) -> str:
    """The text with its first letter a capital, the rest as it was ("a report..." at the start of a sentence)."""
    return text[:1].upper() + text[1:]


def long_date(day: dt.date) -> str:
    """'Tuesday 20 April 2027': unambiguous for a UK reader."""
    return f"{day:%A} {day.day} {day:%B %Y}"


def long_date_time(moment: dt.datetime) -> str:
    """'Friday 27 November 2026 at 16:48': `moment` as given (convert it to the school's time zone first)."""
    return f"{long_date(moment.date())} at {moment:%H:%M}"


def short_date_time(moment: dt.datetime) -> str:
    """'Fri 27 Nov 2026 16:48': for lists and records, `moment` as given (convert it to the school's time zone first).
    The year is always said: a list of every report reaches back across New Year."""
    return f"{moment:%a} {moment.day} {moment:%b %Y %H:%M}"
