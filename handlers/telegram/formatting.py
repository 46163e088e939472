"""Telegram HTML from plain text: everything user- or policy-derived is escaped, and long replies are split
cleanly at paragraph, line or word boundaries (never inside a tag or an entity) under the 4,096 limit.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from html import escape

MAX_MESSAGE = 4096
MAX_CALLBACK_DATA = 64  # bytes, Telegram's limit
MIN_PIECE = 200  # don't start a cut block in the last few characters of a message


@dataclass(frozen=True)
class Block:
    """One piece of a message: plain `text` (escaped when rendered) inside optional HTML tags."""

    text: str
    open_tag: str = ""
    close_tag: str = ""

    def render(self) -> str:
        return f"{self.open_tag}{escape(self.text, quote=False)}{self.close_tag}"


def plain(text: str) -> Block:
    return Block(text)


def bold(text: str) -> Block:
    return Block(text, "<b>", "</b>")


def quote(text: str) -> Block:
    return Block(text, "<blockquote>", "</blockquote>")


def _cut(text: str, room: int) -> int:
    """Where to cut `text` so the first part's escaped length fits in `room`: at a paragraph, line or space."""
    # Escaping at most quintuples a character (& -> &amp;), so find the longest prefix that fits first.
    end = min(len(text), room)
    while end > 0 and len(escape(text[:end], quote=False)) > room:
        end = max(0, end - max(1, (len(escape(text[:end], quote=False)) - room) // 4 + 1))
    if end >= len(text):
        return len(text)
    for separator in ("\n\n", "\n", " "):
        at = text.rfind(separator, 0, end)
        if at > end // 2:
            return at + len(separator)
    return max(end, 1)


def _first_piece(block: Block, room: int) -> tuple[Block, Block | None] | None:
    """Cut from a long block a first piece that fits in `room` characters of HTML, and the rest."""
    space = room - len(block.open_tag) - len(block.close_tag)
    if space < MIN_PIECE:
        return None
    at = _cut(block.text, space)
    head, tail = block.text[:at].strip("\n"), block.text[at:].strip("\n")
    rest = Block(tail, block.open_tag, block.close_tag) if tail.strip() else None
    return Block(head, block.open_tag, block.close_tag), rest


def render(blocks: Iterable[Block], limit: int = MAX_MESSAGE, separator: str = "\n\n") -> list[str]:
    """Blocks packed into as few messages as fit, each at most `limit` characters of HTML. A block too long
    for what is left is cut at a paragraph, line or word, its tags repeated on each piece."""
    messages: list[str] = []
    current = ""
    for block in blocks:
        pending: Block | None = block
        while pending is not None:
            html = pending.render()
            joiner = separator if current else ""
            if len(current) + len(joiner) + len(html) <= limit:
                current += joiner + html
                pending = None
                continue
            cut = _first_piece(pending, limit - len(current) - len(joiner))
            if cut is None:  # too little room left here: start a new message
                if not current:
                    raise ValueError(f"a message limit of {limit} leaves no room for text")
                messages.append(current)
                current = ""
                continue
            head, pending = cut
            current += joiner + head.render()
            messages.append(current)
            current = ""
    if current:
        messages.append(current)
    return messages or [""]


def render_text(text: str, limit: int = MAX_MESSAGE) -> list[str]:
    """A plain-text message (paragraphs separated by blank lines) as escaped HTML messages."""
    return render([plain(p) for p in text.split("\n\n") if p.strip()], limit)


def callback_data(prefix: str, value: str) -> str:
    """`prefix:value`, or `prefix#hash` when that would pass Telegram's 64-byte limit (see `matches`)."""
    data = f"{prefix}:{value}"
    if len(data.encode()) <= MAX_CALLBACK_DATA:
        return data
    return f"{prefix}#{short_hash(value)}"


def short_hash(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()[:20]


def resolve_value(data: str, prefix: str, candidates: Sequence[str]) -> str | None:
    """The value a `callback_data(prefix, value)` string stands for, checking hashed forms against candidates."""
    if data.startswith(prefix + ":"):
        return data[len(prefix) + 1 :]
    if data.startswith(prefix + "#"):
        wanted = data[len(prefix) + 1 :]
        for candidate in candidates:
            if short_hash(candidate) == wanted:
                return candidate
    return None
