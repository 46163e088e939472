"""Report categories come from data (categories.yaml, or the school settings), never from code."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml

from bot.reports.domain import Category, EscalationStep

CATEGORIES_FILE = Path(__file__).with_name("categories.yaml")
KNOWN_ROLES = {"dsl", "deputy_dsl", "headteacher", "chair_of_governors", "vice_chair_of_governors", "staff", "admin"}
_AFTER = re.compile(r"^\s*(\d+)\s*(m|min|minutes?|h|hours?|working days?|school days?)\s*$", re.IGNORECASE)


class CategoryDataError(Exception):
    """The categories data is malformed; the message names the entry and the problem."""


def parse_after(text: str) -> tuple[int, int]:
    """'15m' -> (15, 0); '1h' -> (60, 0); '1 working day' -> (0, 1)."""
    match = _AFTER.match(str(text))
    if not match:
        raise CategoryDataError(f"cannot read the delay {text!r}: write e.g. 15m, 1h or 1 working day")
    number, unit = int(match.group(1)), match.group(2).lower()
    if unit.startswith("m"):
        return number, 0
    if unit.startswith("h"):
        return number * 60, 0
    return 0, number


def _category(raw: Any, where: str) -> Category:
    if not isinstance(raw, dict):
        raise CategoryDataError(f"{where}: expected a mapping")
    try:
        route = tuple(str(r) for r in raw["route"])
        unknown = set(route).difference(KNOWN_ROLES)
        if unknown or not route:
            raise CategoryDataError(f"{where}: route must list roles among {sorted(KNOWN_ROLES)}")
        steps = []
        for step in raw.get("escalation") or ():
            minutes, days = parse_after(step["after"])
            to = tuple(str(r) for r in step["to"])
            if set(to).difference(KNOWN_ROLES):
                raise CategoryDataError(f"{where}: escalation roles must be among {sorted(KNOWN_ROLES)}")
            steps.append(EscalationStep(to=to, minutes=minutes, school_days=days))
        about = tuple(str(r) for r in raw.get("about") or ())
        if set(about).difference(KNOWN_ROLES):
            raise CategoryDataError(f"{where}: about must list roles among {sorted(KNOWN_ROLES)}")
        return Category(
            key=str(raw["key"]),
            label=str(raw["label"]),
            description=str(raw.get("description", "")),
            urgent=bool(raw.get("urgent", False)),
            emergency_notice=bool(raw.get("emergency_notice", False)),
            route=route,
            escalation=tuple(steps),
            about=about,
            contact=str(raw["contact"]) if raw.get("contact") else None,
        )
    except KeyError as exc:
        raise CategoryDataError(f"{where}: missing {exc.args[0]!r}") from exc


def load_categories(overrides: Any = None) -> tuple[list[Category], str]:
    """The categories and the emergency notice; `overrides` (from the school settings) replaces the list."""
    data = yaml.safe_load(CATEGORIES_FILE.read_text(encoding="utf-8"))
    raw_list = overrides if overrides else data["categories"]
    categories = [_category(raw, f"report category {i + 1}") for i, raw in enumerate(raw_list)]
    keys = [c.key for c in categories]
    if len(set(keys)) != len(keys):
        raise CategoryDataError("two report categories have the same key")
    return categories, " ".join(str(data["emergency_notice"]).split())
