"""`policybot`: the command line. Each command group lives in its own module with a `register` function;
this file only wires them. Modules import heavy libraries inside their command functions, so that a quick
`policybot ask` starts fast.
"""

from __future__ import annotations

import argparse
import re
import sys
from collections.abc import Sequence

from bot import __version__
from handlers.cli import common


def build_parser() -> argparse.ArgumentParser:
    from handlers.cli import db, people, policy, reports, run, schedule

    parser = argparse.ArgumentParser(
        prog="policybot",
        description="Stokes Wood Primary School's policy assistant.",
    )
    parser.add_argument("--version", action="version", version=f"policybot {__version__}")
    parser.add_argument("--debug", action="store_true", help="show full error details (for developers)")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    run.register(commands)
    policy.register_ask(commands)
    policy_commands = policy.register_policy(commands)
    schedule.register_policy_commands(policy_commands)
    schedule.register(commands)
    people.register(commands)
    reports.register(commands)
    db.register(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    typed = list(sys.argv[1:] if argv is None else argv)
    # Bytes the terminal sent in another encoding than UTF-8 (Zoë typed in a Latin-1 terminal): Python keeps them as
    # lone surrogates, which no database, file or encryption takes.
    garbled = next((arg for arg in typed if re.search("[\ud800-\udfff]", arg)), None)
    if garbled is not None:
        shown = re.sub("[\ud800-\udfff]", "\ufffd", garbled)
        print(f"policybot: the terminal did not send {shown!r} as UTF-8 text, so it cannot be read. Set the terminal's "
              "character encoding to UTF-8, then run the command again.", file=sys.stderr)
        return 2
    parser = build_parser()
    args = parser.parse_args(typed)
    if not getattr(args, "handler", None):
        parser.print_help()
        return 2
    return common.run_command(args)

