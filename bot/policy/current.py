"""The policies in force in a running bot: the library loaded from the policy files and the question answerer built on
it, held as one object so that both are replaced in one step when the files change (`Core.reload_policies`).

A question being answered while the files are reloaded finishes with the answerer it started with; the next one gets
the new. Which files were loaded is remembered by their names, sizes, times (of their content and of their
permissions) and inode numbers (`files_seen`), read
before loading them: a file saved again while it was being loaded is seen as changed at the next check, and loaded
again then.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING

from bot.policy.loader import PolicyLibrary, policy_file_paths

if TYPE_CHECKING:
    from bot.qa import QuestionAnswerer

FilesSeen = tuple[tuple[str, int, int, int, int], ...]


def files_seen(policy_dir: Path) -> FilesSeen:
    """What the policy files in `policy_dir` are now, cheaply (no file is read): enough to tell that one was saved,
    added, removed or replaced, or made readable (chmod and chown change its ctime alone: a file the bot could not
    read is loaded once it can)."""
    seen: list[tuple[str, int, int, int, int]] = []
    try:
        files = policy_file_paths(policy_dir)
    except OSError:  # the folder cannot be read: loading it says why
        return (("", -1, -1, -1, -1),)
    for path in files:
        try:
            stat = path.stat()
        except OSError:  # gone, or unreadable, since it was listed
            seen.append((path.name, -1, -1, -1, -1))
            continue
        seen.append((path.name, stat.st_size, stat.st_mtime_ns, stat.st_ino, stat.st_ctime_ns))
    return tuple(seen)


def versions(library: PolicyLibrary) -> str:
    """'Social Media Policy version 2026.1', for a log line about which text the bot answers from."""
    return ", ".join(f"{policy.title} version {policy.version}" for policy in library.policies.values())


class PolicyData:
    """The policy library and, built on first use (a quick command needs only the library), its question answerer."""

    def __init__(
        self, library: PolicyLibrary, files: FilesSeen, answerer_for: Callable[[PolicyLibrary], QuestionAnswerer]
    ) -> None:
        self.library = library
        self.files = files  # the policy files as they were just before `library` was loaded from them
        self._answerer_for = answerer_for

    @cached_property
    def qa(self) -> QuestionAnswerer:
        return self._answerer_for(self.library)
