"""Terminal input and output for the console chat, injectable so tests can drive a conversation as data."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator

from bot.typed import asks_to_cancel

CANCEL_WORDS = {"/cancel", "/quit", "/exit"}
# Control characters (but new lines and tabs) and the marks that reverse text's direction: in a terminal a sender's
# words could otherwise recolour, overwrite or clear what a DSL reads, the chronology included.
_UNSAFE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069]")
# What Python makes of bytes typed in another encoding than UTF-8 (a terminal set to Latin-1): text that cannot be
# stored or encrypted as it is.
_UNDECODED = re.compile("[\ud800-\udfff]")


def terminal_safe(text: str) -> str:
    """`text` with what a terminal would act on, rather than show, replaced by a visible mark."""
    return _UNSAFE.sub("\ufffd", text)


class ConsoleIO:
    def __init__(
        self,
        read: Callable[[str], str] | None = None,
        write: Callable[[str], None] | None = None,
    ) -> None:
        self._read = read or input
        self._write = write or (lambda text: print(terminal_safe(text), flush=True))

    def say(self, text: str) -> None:
        self._write(text)

    def ask(self, prompt: str, *, cancellable: bool = True) -> str | None:
        """One line from the person; None when the input ends, or when they cancel ("/cancel", or "stop" or
        "cancel" on its own: with `cancellable`; else the caller reads them itself)."""
        try:
            line = self._read(prompt)
        except (EOFError, KeyboardInterrupt):
            return None
        line = _UNDECODED.sub("\ufffd", line)  # a report with them would be lost as it is sent
        if cancellable and (line.strip().lower() in CANCEL_WORDS or asks_to_cancel(line)):  # "stop", as on Telegram
            return None
        return line


class ScriptedIO(ConsoleIO):
    """Plays a list of lines as the person's input and records everything said: for tests."""

    def __init__(self, lines: Iterable[str]) -> None:
        self._lines: Iterator[str] = iter(lines)
        self.transcript: list[str] = []
        super().__init__(read=self._next, write=self.transcript.append)

    def _next(self, prompt: str) -> str:
        try:
            line = next(self._lines)
        except StopIteration:
            raise EOFError from None
        self.transcript.append(f"{prompt}{line}")
        return line

    @property
    def text(self) -> str:
        return "\n".join(self.transcript)
