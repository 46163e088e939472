"""`policybot policy status|reviewed|publish`, `policybot acks report|history|record` and `policybot schedule run-due`.

Thin wrappers over `core.schedule`; the rules (due dates, campaigns, reminders) live in bot/schedule.
(`policybot people leave NAME --on DATE` is in handlers/cli/people.py; the leaver prompt follows from it.)
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any


def register_policy_commands(policy_subparsers: Any) -> None:
    status = policy_subparsers.add_parser("status", help="every policy's review state (overdue is flagged)")
    status.set_defaults(handler=_status)

    reviewed = policy_subparsers.add_parser(
        "reviewed", help="record that a policy was reviewed today (without --version: no changes needed)"
    )
    reviewed.add_argument("policy", help="the policy id, e.g. social-media")
    reviewed.add_argument("--by", dest="reviewer", required=True, help="who reviewed it, e.g. 'Alex Head'")
    reviewed.add_argument("--notes", default="", help="what was looked at or decided")
    reviewed.add_argument("--version", dest="new_version", help="the new version, if the review changed the policy")
    reviewed.set_defaults(handler=_reviewed)

    publish = policy_subparsers.add_parser(
        "publish", help="publish a version from a policy file; staff are asked to accept it if its clauses changed"
    )
    publish.add_argument("file", type=Path)
    publish.set_defaults(handler=_publish)


def register(commands: Any) -> None:
    acks = commands.add_parser("acks", help="staff acknowledgements of the policies")
    sub = acks.add_subparsers(dest="acks_command", metavar="ACTION", required=True)
    report = sub.add_parser("report", help="who has read and accepted the current version (compliance table)")
    report.add_argument("--policy", help="only this policy id")
    report.add_argument("--csv", type=Path, metavar="FILE", help="also write the table to this CSV file")
    report.set_defaults(handler=_acks_report)
    history = sub.add_parser(
        "history", help="every version each person has accepted, and when (or one person's, with their name)"
    )
    history.add_argument("name", nargs="?", help="only this person, e.g. 'Jo Teacher'")
    history.add_argument("--policy", help="only this policy id")
    history.add_argument("--csv", type=Path, metavar="FILE", help="also write the list to this CSV file")
    history.set_defaults(handler=_acks_history)
    record = sub.add_parser(
        "record", help="record that someone without Slack has read and accepted the current version (e.g. on paper)"
    )
    record.add_argument("name")
    record.add_argument("--by", required=True, metavar="NAME", help="who is recording it (kept with it)")
    record.add_argument("--policy", help="the policy id (needed only when there are several)")
    record.set_defaults(handler=_acks_record)

    schedule = commands.add_parser("schedule", help="the scheduler's jobs, by hand")
    schedule_sub = schedule.add_subparsers(dest="schedule_command", metavar="ACTION", required=True)
    run_due = schedule_sub.add_parser(
        "run-due", help="queue whatever is due now, once (for cron or debugging); `policybot run` delivers it"
    )
    run_due.set_defaults(handler=_run_due)


def _acks_record(args: argparse.Namespace) -> int:
    from handlers.cli.common import make_core

    print(make_core().schedule.acks.record_for(args.name, args.policy, by=args.by))
    return 0


def _status(args: argparse.Namespace) -> int:
    from bot.wording import long_date
    from handlers.cli.common import make_core

    statuses = make_core().schedule.reviews.status()
    if not statuses:
        print("No policies loaded.")
    for s in statuses:  # an overdue one says "OVERDUE by ..." in its state: once is enough
        print(f"{s.title} [{s.policy_id}] version {s.version}, last reviewed {long_date(s.last_reviewed)}: "
              f"{s.state}.")
        if s.unpublished:
            print("  To publish it: `policybot policy publish FILE`.")
    return 0


def _reviewed(args: argparse.Namespace) -> int:
    from bot.wording import long_date
    from handlers.cli.common import make_core

    status = make_core().schedule.reviews.mark_reviewed(
        args.policy, reviewer=args.reviewer, notes=args.notes, new_version=args.new_version
    )
    change = f"new version {status.new_version}" if status.new_version else "no changes needed"
    due = f"; next review due {long_date(status.next_due)}" if status.next_due else ""
    if status.joined:  # the head's review, co-signed by the chair: one review, not a second
        print(f"Added {status.recorded_by} to the review of the {status.title} that {status.joined} ({change}): one "
              f"review, with both names and notes{due}.")
    elif status.already_on:
        print(f"Already recorded: the review of the {status.title} by {status.recorded_by} on "
              f"{long_date(status.already_on)} ({change}); nothing more to do{due}.")
    else:
        print(f"Recorded the review of the {status.title} by {status.recorded_by} ({change}){due}.")
    if status.unpublished:
        print(f"When version {status.version}'s text is in the policy file, run `policybot policy publish FILE` to "
              "ask staff to read it.")
    return 0


def _publish(args: argparse.Namespace) -> int:
    from handlers.cli.common import make_core

    core = make_core()
    result = core.schedule.acks.publish(args.file)
    print(result.message)
    for line in result.changes:
        print(f"  - {line}")
    for warning in result.warnings:
        print(warning)
    answering = core.policies.policy(result.policy_id)  # publish refuses a policy the bot does not have
    if args.file.resolve().parent != core.settings.policy_dir.resolve() and answering.version != result.version:
        print(f"Important: the bot still answers questions from version {answering.version}, in "
              f"{core.settings.policy_dir}. Copy {args.file} over that policy's file there, so staff are asked to "
              "accept the same text the bot quotes: a running bot picks it up within a minute or so.")
    elif result.recorded:  # the file the bot reads, edited in place: a running bot checks it every minute
        print(f"A running bot picks up the edited file by itself within a minute or so (no restart needed), and then "
              f"quotes version {result.version}, the text staff are asked to accept.")
    return 0


def _acks_report(args: argparse.Namespace) -> int:
    from bot.wording import long_date_time
    from handlers.cli.common import make_core

    core = make_core()
    acks, tz = core.schedule.acks, core.school.tz
    rows = acks.compliance(args.policy)
    if not rows:
        print("No members of staff to list yet: `policybot people` adds them.")
    current = None
    for row in rows:
        if (row.policy_id, row.version) != current:
            current = (row.policy_id, row.version)
            done = sum(1 for r in rows if (r.policy_id, r.version) == current and r.acknowledged_at)
            total = sum(1 for r in rows if (r.policy_id, r.version) == current)
            print(f"{row.title} version {row.version}: {done} of {total} accepted")
            if not row.reminded:
                print("  Nobody is reminded about this version: it has not been published. "
                      "`policybot policy publish FILE` asks staff to read and accept it.")
        accepted = row.acknowledged_at.astimezone(tz) if row.acknowledged_at else None  # the school's own time
        when = f"accepted {long_date_time(accepted)}" if accepted else "NOT YET"
        by = f"  recorded by {row.recorded_by}" if accepted and row.recorded_by else ""
        if not accepted and row.reminded and not row.on_slack:  # reminders could reach nobody: none are sent
            print(f"  {row.name:<30} {when:<45} no Slack id, so not reminded: when they have read it, "
                  f"`policybot acks record \"{row.name}\" --by YOUR NAME`")
            continue
        print(f"  {row.name:<30} {when:<45} reminders sent: {row.reminders_sent}{by}")
    if args.csv:
        count = acks.write_csv(args.csv, args.policy)
        print(f"Wrote {count} rows to {args.csv}.")
    return 0


def _acks_history(args: argparse.Namespace) -> int:
    from bot.wording import counted, long_date, long_date_time
    from handlers.cli.common import make_core

    core = make_core()
    acks, tz = core.schedule.acks, core.school.tz
    rows = acks.history(args.name, args.policy)
    if not rows:
        whom = args.name.strip() if args.name else "anyone"  # a name not found is an error before this
        print(f"No acceptances recorded for {whom} yet: `policybot acks report` shows who is asked to accept now.")
    current = None
    for row in rows:
        if (row.policy_id, row.version) != current:
            current = (row.policy_id, row.version)
            count = sum(1 for r in rows if (r.policy_id, r.version) == current)
            published = (f"published {long_date(row.published_at.astimezone(tz).date())}" if row.published_at
                         else "accepted before it was published")
            print(f"{row.title} version {row.version} ({published}): {counted(count, 'acceptance')}")
        when = f"accepted {long_date_time(row.acknowledged_at.astimezone(tz))}"  # the school's own time
        notes = [f"recorded by {row.recorded_by}"] if row.recorded_by else []
        if row.left_on:
            notes.append(f"left {long_date(row.left_on)}")
        print(f"  {row.name:<30} {when:<45} {'; '.join(notes)}".rstrip())
    if args.csv:
        acks.write_history_csv(args.csv, rows)
        print(f"Wrote {len(rows)} rows to {args.csv}.")
    return 0


def _run_due(args: argparse.Namespace) -> int:
    from handlers.cli.common import make_core

    schedule = make_core().schedule
    counts = schedule.run_due()
    print("Queued: " + ", ".join(f"{name} {count}" for name, count in counts.items()) + ".")
    why = schedule.not_now()
    if why:
        print(why)
    if schedule.failed:  # the rest ran; the log has the error
        print(f"Failed: {', '.join(schedule.failed)}. The log has the error; the next run tries again.")
        return 1
    return 0
