"""Reading the YAML files people edit (policy data, school settings): PyYAML's safe loader, except that dates
stay text until the pydantic schema reads them. PyYAML itself turns `2022-02-30` into a bare ValueError with no
line or field; the schema says which field holds the impossible date, like every other problem in the file.

Problems with these files are worded for the school office, not a programmer: which line, what is wrong, and how
to write it right (`syntax_problem`, `plain_problem`, `line_of`).
"""

from __future__ import annotations

import datetime as dt
import difflib
import re
from collections.abc import Iterable, Mapping
from typing import Any

import yaml
from pydantic_core import ErrorDetails

try:  # libyaml's C loader is several times faster; cold start of `policybot ask` matters.
    from yaml import CSafeLoader as _SafeLoader
except ImportError:  # pragma: no cover - depends on how PyYAML was built
    from yaml import SafeLoader as _SafeLoader  # type: ignore[assignment]

TIMESTAMP = "tag:yaml.org,2002:timestamp"


class Loader(_SafeLoader):
    """The safe loader with dates and times left as text."""


def _as_text(loader: Loader, node: yaml.Node) -> Any:
    return loader.construct_scalar(node)  # type: ignore[arg-type] # a timestamp node is always a scalar


Loader.add_constructor(TIMESTAMP, _as_text)


def load_yaml(text: str) -> Any:
    """`text` parsed as YAML (safe: no Python objects), dates left as text. Raises `yaml.YAMLError`."""
    return yaml.load(text, Loader=Loader)  # noqa: S506 - a safe loader


def _no_duplicate_keys(loader: Loader, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
    """A key written twice in one mapping is refused: PyYAML would keep the last one without a word, so the
    setting the person looked at may not be the one in force."""
    seen: dict[Any, int] = {}
    for key_node, _ in node.value:
        if isinstance(key_node, yaml.ScalarNode):
            line = key_node.start_mark.line + 1
            if key_node.value in seen:
                raise yaml.constructor.ConstructorError(
                    None, None,
                    f"{key_node.value!r} is written twice (lines {seen[key_node.value]} and {line}): keep only one",
                    key_node.start_mark,
                )
            seen[key_node.value] = line
    return loader.construct_mapping(node, deep=deep)


Loader.add_constructor("tag:yaml.org,2002:map", _no_duplicate_keys)

# What PyYAML's wording of a syntax error means for someone editing the file in Notepad.
_SYNTAX_HINTS = (
    ("tab", "a tab is used to indent this line: indent with spaces instead (tabs are not allowed in this file)"),
    ("could not find expected ':'",
     "a colon is missing: write each setting as  name: value  (a colon and a space after the name)"),
    ("mapping values are not allowed",
     "this line is indented differently from the lines around it, or a value has ': ' in it: line it up with "
     "the other lines at its level (with spaces), or put the value in quotes"),
    ("did not find expected key",
     "this line is indented differently from the lines around it: line it up with the other lines at its level"),
    ("expected <block end>",
     "this line is indented differently from the lines around it: line it up with the other lines at its level"),
    ("did not find expected '-' indicator",
     "this line is indented differently from the entries of the list above it: line it up with them"),
    ("found unexpected end of stream", "a quote is opened and never closed: close it with the same quote"),
    ("found unexpected ':'", "a value has a colon in it: put the value in quotes"),
    ("expected ',' or ']'", "a list in [ ] is not closed, or an item in it has a comma or colon: check the brackets"),
    ("expected ',' or '}'", "a { } is not closed, or a value in it has a comma or colon: check the brackets"),
)


def syntax_problem(exc: yaml.YAMLError, text: str = "") -> tuple[int | None, str]:
    """The line (1-based) a YAML syntax error in `text` is on, if known, and what to do about it in plain words."""
    problem = str(getattr(exc, "problem", None) or exc)
    mark = getattr(exc, "problem_mark", None)
    quoted = _quote_before(text, mark) if mark is not None else None
    if quoted is not None:
        return quoted
    context = getattr(exc, "context_mark", None)
    if context is not None and ("could not find expected ':'" in problem or problem.startswith(
        ("expected ','", "did not find expected ','", "found unexpected end of stream")  # PyYAML's, libyaml's
    )):  # the line with the name missing its colon, or the bracket or quote never closed
        mark = context
    lines = text.splitlines()
    indent = lines[mark.line] if mark is not None and mark.line < len(lines) else ""
    if "tab" in problem or "\t" in indent[: len(indent) - len(indent.lstrip())]:
        hint = _SYNTAX_HINTS[0][1]
    else:
        hint = next((words for found, words in _SYNTAX_HINTS[1:] if found in problem), problem)
    return (min(mark.line + 1, max(len(lines), 1)) if mark is not None else None), hint


def _quote_before(text: str, mark: yaml.Mark) -> tuple[int, str] | None:
    """A syntax error just after a quoted text on the same line is the quote's doing, not the line's indent: a quote
    left open runs on to the next quote, lines below (`version: "2026.1` then `- "can I..."`), and a quote inside
    quoted text ends it early (`'my child's photo'`). The line to correct and what to do, or None."""
    last: yaml.Token | None = None
    try:
        for token in yaml.scan(text, Loader=Loader):  # noqa: S506 - a safe loader
            if token.start_mark.index >= mark.index:
                break
            last = token
    except yaml.YAMLError:
        pass
    if not isinstance(last, yaml.ScalarToken) or last.style not in ('"', "'") or last.end_mark.line != mark.line:
        return None
    if last.start_mark.line != last.end_mark.line:
        return last.start_mark.line + 1, (
            "a quote on this line is never closed, so the text runs on into the lines below: close it at the end "
            "of the text with the same quote"
        )
    return mark.line + 1, (
        "a quote inside the quoted text ends it early: put the text in the other kind of quotes (double quotes "
        "around a text with an apostrophe in it), or leave the quote inside out"
    )


def line_of(text: str, loc: tuple[int | str, ...]) -> int | None:
    """The line (1-based) of the value at `loc` in the YAML `text`, or of the nearest part of it that exists (the
    entry a missing field belongs in)."""
    try:
        node: yaml.Node | None = yaml.compose(text, Loader=Loader)  # noqa: S506 - a safe loader
    except yaml.YAMLError:
        return None
    line = None  # not the top of the file: a setting missing from it belongs nowhere in particular
    for part in loc:
        child: yaml.Node | None = None
        if isinstance(node, yaml.MappingNode):
            for key, value in node.value:
                if isinstance(key, yaml.ScalarNode) and key.value == str(part):
                    child = value
                    line = key.start_mark.line + 1
                    break
        elif isinstance(node, yaml.SequenceNode) and isinstance(part, int) and 0 <= part < len(node.value):
            child = node.value[part]
            line = child.start_mark.line + 1
        if child is None:
            break
        node = child
    return line


def located(line: int | None, where: str, loc: tuple[int | str, ...], problem: str) -> str:
    """`problem` after where it is: "line 8, the 2nd person (Dana Lead), roles: ...", the setting's name left out
    when the problem already says it."""
    fields = [part for part in loc if isinstance(part, str)]
    # An entry of a list (`loc` ends in its position) is named by `where`; a name the problem says is not repeated.
    field = fields[-1] if len(fields) > 1 or (fields and loc[-1] == fields[-1]) else ""
    field = "" if re.search(rf"\b{re.escape(field)}\b", problem) else field
    place = ", ".join(part for part in (f"line {line}" if line else "", where, field) if part)
    return f"{place}: {problem}" if place else problem


def ordinal(number: int) -> str:
    """1 -> 1st, 2 -> 2nd, 11 -> 11th, 23 -> 23rd."""
    suffix = "th" if 10 <= number % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(number % 10, "th")
    return f"{number}{suffix}"


def _date_example(value: object) -> str:
    """An example date, from the date as the person wrote it when it reads as day/month/year (as in the UK)."""
    match = re.fullmatch(r"\s*(\d{1,2})[/.\- ](\d{1,2})[/.\- ](\d{4})\s*", str(value))
    if match:
        day, month, year = (int(g) for g in match.groups())
        try:
            return f"for {value}: {dt.date(year, month, day).isoformat()}"
        except ValueError:
            pass
    return "e.g. 2026-12-25 for 25 December 2026"


def plain_problem(error: ErrorDetails, nouns: Mapping[str, str] | None = None, known: Iterable[str] = ()) -> str:
    """One pydantic error as what is wrong with the value and how to write it right, for someone who is not
    technical. `nouns` names what a field holds ("roles" -> "role"); `known` are the fields that exist (for a
    misspelt one)."""
    kind, given = error["type"], error.get("input")
    ctx: dict[str, Any] = dict(error.get("ctx") or {})
    fields = [p for p in error["loc"] if isinstance(p, str)]
    field = fields[-1] if fields else ""
    noun = (nouns or {}).get(field, f"one of the choices for {field}")
    if kind == "missing":
        return f"{field} is missing: add it, as  {field}: ..."
    if kind == "extra_forbidden":
        close = difflib.get_close_matches(field, list(known), n=1)
        guess = f"did you mean {close[0]!r}? " if close else ""
        return f"{field!r} is not a setting this file knows: {guess}check its spelling, or remove it"
    blank = given is None or (isinstance(given, str) and not given.strip())
    if blank and kind in (
        "string_type", "string_too_short", "date_type", "time_type", "date_from_datetime_parsing", "time_parsing",
        "literal_error", "list_type", "dict_type", "model_type", "too_short",
    ):
        return f"{field} is blank: write it after the colon, as  {field}: ..."
    if kind == "literal_error":
        choices = ", ".join(re.findall(r"'([^']*)'", str(ctx.get("expected", ""))))
        return f"{given!r} is not {noun}: write one of {choices}"
    if kind.startswith("date"):
        if isinstance(given, str) and re.fullmatch(r"\s*\d{4}-\d{1,2}-\d{1,2}\s*", given):
            return f"{given!r} is not a real date: check the day and the month (written YYYY-MM-DD)"
        return f"{given!r} is not a date: write it as YYYY-MM-DD ({_date_example(given)})"
    if kind.startswith("time"):
        return f'{given!r} is not a time: write it as hours and minutes in quotes, e.g. "08:30" or "15:30"'
    if kind == "string_pattern_mismatch":
        return f"{given!r} cannot be an id: use lower-case letters, digits and dashes only, e.g. photos-consent"
    if kind == "string_too_short":
        return f"{field} is blank: write it after the colon"
    if kind == "too_short":
        return f"{field} has no entries: it needs at least one"
    if kind in ("string_too_long", "too_long"):
        return f"{field} is too long: at most {ctx.get('max_length')} characters, please"
    if kind.startswith("int") or kind in ("greater_than_equal", "less_than"):
        return f"{given!r} is not a whole number: write just the digits, e.g. 123456789"
    if kind in ("dict_type", "model_type", "model_attributes_type"):
        return f"{field} should be a set of  name: value  lines indented under it"
    if kind in ("list_type", "tuple_type"):
        return f"{field} should be a list, one entry per line starting with '- '"
    if kind == "string_type":
        return f"{field} should be plain text (put it in quotes if it is a number or starts with a symbol)"
    if kind == "value_error":
        return str(ctx.get("error", error["msg"]))
    return str(error["msg"])
