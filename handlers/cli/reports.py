"""`policybot reports list|show|ack|note|ask|close|reopen|export|evidence|summary --as NAME`: DSLs handling concerns
on the server, and the headteacher's and chair's counts for the governors (summary).

`--as` names the person acting (from the people table); the core checks their role and records what they do,
exactly as it does for a button pressed in Slack.
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bot.wording import long_date, short_date_time
from handlers.cli.common import iso_date

if TYPE_CHECKING:
    from bot.core import Core
    from bot.reports import Actor
    from bot.reports.domain import CaseView


REFERENCE_HELP = "the report's case reference, as on its alerts (like R-7K3M9T)"


def _print(text: str = "") -> None:
    """Print for a DSL's terminal: a sender's words never act on it (see handlers.console.io.terminal_safe)."""
    from handlers.console.io import terminal_safe

    print(terminal_safe(text))


def register(commands: Any) -> None:
    # --as is taken before the action too (`reports --as NAME list`); not given at either place, _acting asks for it.
    acting = argparse.ArgumentParser(add_help=False)
    acting.add_argument("--as", dest="as_name", default=argparse.SUPPRESS, metavar="NAME",
                        help="who is acting (full name): needed")

    reports = commands.add_parser("reports", parents=[acting], help="concern reports, for the safeguarding leads")
    sub = reports.add_subparsers(dest="reports_command", metavar="ACTION", required=True)

    listing = sub.add_parser("list", parents=[acting], help="open reports you may handle")
    listing.add_argument("--all", action="store_true", help="include closed reports")
    listing.set_defaults(handler=_list)

    show = sub.add_parser("show", parents=[acting], help="read a report and its chronology")
    show.add_argument("code", metavar="REFERENCE", help=REFERENCE_HELP)
    show.set_defaults(handler=_show)

    ack = sub.add_parser("ack", parents=[acting], help="acknowledge a report (stops its escalation)")
    ack.add_argument("code", metavar="REFERENCE", help=REFERENCE_HELP)
    ack.set_defaults(handler=_ack)

    note = sub.add_parser("note", parents=[acting], help="add a note to the record (corrections too)")
    note.add_argument("code", metavar="REFERENCE", help=REFERENCE_HELP)
    # The words typed without quotes are one note, not a list of unrecognised arguments.
    note.add_argument("text", nargs="+", help="the note, in quotes or not")
    note.set_defaults(handler=_note)

    ask = sub.add_parser("ask", parents=[acting], help="ask the anonymous sender a question")
    ask.add_argument("code", metavar="REFERENCE", help=REFERENCE_HELP)
    ask.add_argument("question", nargs="+", help="the question, in quotes or not")
    ask.set_defaults(handler=_ask)

    close = sub.add_parser("close", parents=[acting], help="close a report with its outcome")
    close.add_argument("code", metavar="REFERENCE", help=REFERENCE_HELP)
    close.add_argument("--outcome", required=True, help="what was decided and why")
    close.add_argument("--share", action="store_true", help="also show the outcome to the sender")
    close.set_defaults(handler=_close)

    reopen = sub.add_parser("reopen", parents=[acting], help="open a closed report again, saying why")
    reopen.add_argument("code", metavar="REFERENCE", help=REFERENCE_HELP)
    reopen.add_argument("--reason", required=True, help="why it is being looked at again (for the record)")
    reopen.set_defaults(handler=_reopen)

    export = sub.add_parser("export", parents=[acting], help="write the whole record, with its chain checked")
    export.add_argument("code", metavar="REFERENCE", help=REFERENCE_HELP)
    export.add_argument("--out", type=Path, help="file to write (default: print it)")
    export.set_defaults(handler=_export)

    summary = sub.add_parser("summary", parents=[acting],
                             help="counts of reports for the governors: no names, no text")
    summary.add_argument("--since", type=iso_date, help="from this date, YYYY-MM-DD (default: 1 September)")
    summary.add_argument("--until", type=iso_date, help="to this date, YYYY-MM-DD, included (default: today)")
    summary.set_defaults(handler=_summary)

    evidence = sub.add_parser("evidence", parents=[acting], help="save an attached picture to a file")
    evidence.add_argument("code", metavar="REFERENCE", help=REFERENCE_HELP)
    evidence.add_argument("number", type=int)
    evidence.add_argument("--out", type=Path, required=True)
    evidence.set_defaults(handler=_evidence)


def _summary(args: argparse.Namespace) -> int:
    core, who = _acting(args)
    summary = core.reports.summary(who, since=args.since, until=args.until)
    _print(f"Concern reports received from {long_date(summary.since)} to {long_date(summary.until)}: "
           f"{summary.total:,}")
    _print("Counts only: no names and no report text. A report about someone who handles reports is counted only for "
           "those who may open it.")
    width = max(len(label) for label, _ in [*summary.by_category, *summary.by_month, *summary.by_state])
    for heading, rows in (("By kind of concern:", summary.by_category), ("By month received:", summary.by_month),
                          ("By state now:", summary.by_state)):
        _print(f"\n{heading}")
        for label, count in rows:
            _print(f"  {label:<{width}}  {count:>5,}")
    _print(f"\nUrgent: {summary.urgent:,}")
    _print(f"Escalated because nobody acknowledged them in time: {summary.escalated:,}")
    return 0


def _acting(args: argparse.Namespace) -> tuple[Core, Actor]:
    from bot.reports import AccessDenied
    from handlers.cli.common import log_to_file_only, make_core

    if not getattr(args, "as_name", None):
        raise AccessDenied("please say who you are with --as and your full name, e.g. --as 'Dana Lead'")
    core = make_core()
    log_to_file_only(core.settings.log_level, core.settings.data_dir / "policybot.log")
    who = core.reports.actor_named(args.as_name)
    return core, who


def _list(args: argparse.Namespace) -> int:
    core, who = _acting(args)
    cases = core.reports.open_cases(who, include_closed=args.all)
    if not cases:
        _print("No reports." if args.all else "No open reports.")
    tz = core.school.tz
    for case in cases:
        urgent = "URGENT " if case.category.urgent else ""
        handled = f", acknowledged by {case.acknowledged_by}" if case.acknowledged_by else ""
        escalated = f", escalated {case.escalation_level}x" if case.escalation_level else ""
        _print(
            f"{case.code}  {urgent}{case.category.label}  {case.status}{handled}{escalated}  "
            f"received {short_date_time(case.created_at.astimezone(tz))}"
        )
    return 0


def _print_case(core: Core, view: CaseView) -> None:
    from bot.reports.in_words import case_lines

    for line in case_lines(view, core.school.tz):
        _print(line)


def _show(args: argparse.Namespace) -> int:
    core, who = _acting(args)
    _print_case(core, core.reports.case(args.code, who))
    return 0


def _ack(args: argparse.Namespace) -> int:
    core, who = _acting(args)
    view = core.reports.acknowledge(args.code, who)
    if view.acknowledged_by != who.name:  # a colleague has it in hand already: this changed nothing
        _print(f"Report {view.code} was already acknowledged by {view.acknowledged_by}; nothing changed.")
    else:
        _print(f"Report {view.code} is acknowledged by {view.acknowledged_by}.")
    return 0


def _note(args: argparse.Namespace) -> int:
    core, who = _acting(args)
    view = core.reports.add_note(args.code, who, " ".join(args.text))
    _print(f"Note added to report {view.code}.")
    return 0


def _ask(args: argparse.Namespace) -> int:
    core, who = _acting(args)
    _print(core.reports.ask_sender(args.code, who, " ".join(args.question)).asked_text())
    return 0


def _close(args: argparse.Namespace) -> int:
    core, who = _acting(args)
    view = core.reports.close(args.code, who, args.outcome, share_with_sender=args.share)
    _print(view.closed_text())
    return 0


def _reopen(args: argparse.Namespace) -> int:
    core, who = _acting(args)
    _print(core.reports.reopen(args.code, who, args.reason).reopened_text())
    return 0


def _as_written(code: str) -> str:
    """A case reference as the school writes it, whatever case or spacing it was typed in."""
    from bot.reports.receipts import normalise_reference

    return normalise_reference(code) or code.upper()


def _into_folder(out: Path, filename: str) -> Path:
    """--out names a file, or a folder to put the file in under its own name (as `cp` takes either)."""
    return out / Path(filename).name if out.is_dir() else out


def _write_private(path: Path, data: bytes) -> None:
    """Records and evidence are sensitive: the file is readable by its owner only."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as handle:
        os.fchmod(handle.fileno(), 0o600)  # a file that was there already keeps its mode otherwise
        handle.write(data)


def _export(args: argparse.Namespace) -> int:
    core, who = _acting(args)
    record = core.reports.export(args.code, who)
    if args.out is None:
        _print(record)
    else:
        code = _as_written(args.code)
        out = _into_folder(args.out, f"report-{code}.txt")
        from handlers.console.io import terminal_safe

        # Read with `cat` too: a sender's control characters must not overwrite or hide lines of the record there.
        _write_private(out, terminal_safe(record).encode("utf-8"))
        _print(f"Wrote the record of report {code} to {out}.")
    return 0


def _evidence(args: argparse.Namespace) -> int:
    core, who = _acting(args)
    filename, _content_type, data = core.reports.attachment(args.code, who, args.number)
    # In a folder, named by its report too: every report's first picture is "evidence-1".
    out = _into_folder(args.out, f"report-{_as_written(args.code)}-{filename}")
    _write_private(out, data)
    _print(f"Saved {filename} to {out}.")
    return 0
