"""`policybot people list|add|import|rename|role|leave|away|passwords-changed|pictures-deleted`: the school's people,
their roles, and a leaver's passwords and pictures confirmed by an admin without Slack."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from handlers.cli.common import iso_date


def register(commands: Any) -> None:
    people = commands.add_parser("people", help="staff, DSLs and other roles")
    sub = people.add_subparsers(dest="people_command", metavar="ACTION", required=True)

    sub.add_parser("list", help="everyone and their roles").set_defaults(handler=_list)

    add = sub.add_parser("add", help="add or update a person")
    add.add_argument("name")
    add.add_argument(
        "--role", action="append", dest="roles",
        help="a role (repeatable); default staff for someone new, and unchanged for someone already listed",
    )
    add.add_argument("--slack", dest="slack_user_id", metavar="U...",
                     help="their Slack member id (in Slack: their profile, the ⋮ menu, Copy member ID)")
    # Checked with the rest of the entry, so a mistake is said as plainly as in a CSV file.
    add.add_argument("--telegram", dest="telegram_chat_id", metavar="CHAT_ID", help="their Telegram chat id, a number")
    add.add_argument("--email")
    add.add_argument("--start", dest="start_date", type=iso_date, help="start date YYYY-MM-DD")
    add.add_argument("--replace-ids", action="store_true",
                     help="their Slack id or Telegram chat has changed: replace the one listed")
    add.add_argument("--replace-start", action="store_true",
                     help="the start date listed for them is wrong: replace it with --start")
    add.set_defaults(handler=_add)

    imp = sub.add_parser(
        "import", help="add or update people from a CSV file",
        description="Add or update people from a CSV file saved as UTF-8. Its first line names the columns: name, "
        "roles (several separated by ';', e.g. staff;dsl), slack_user_id, telegram_chat_id, email, start_date "
        "(YYYY-MM-DD). Only name is needed; blank roles keep the roles of someone already listed.",
    )
    imp.add_argument("file", type=Path)
    imp.set_defaults(handler=_import)

    rename = sub.add_parser("rename", help="correct someone's name (a typo): they keep their roles, ids and records")
    rename.add_argument("name", help="their name as `policybot people list` shows it")
    rename.add_argument("new_name", help="their name as it should be")
    rename.set_defaults(handler=_rename)

    role = sub.add_parser("role", help="set someone's roles")
    role.add_argument("name")
    role.add_argument("roles", nargs="+")
    role.set_defaults(handler=_role)

    leave = sub.add_parser(
        "leave", help="record the day someone leaves (the admin is asked to change passwords on their last school day)"
    )
    leave.add_argument("name")
    when = leave.add_mutually_exclusive_group(required=True)
    when.add_argument("--on", dest="day", type=iso_date, help="YYYY-MM-DD: their first day no longer at the school")
    when.add_argument("--cancel", action="store_true", help="they are not leaving after all (or are back)")
    leave.set_defaults(handler=_leave)

    away = sub.add_parser(
        "away", help="record that someone is away (leave, illness): reports go to others who can take them meanwhile"
    )
    away.add_argument("name")
    until = away.add_mutually_exclusive_group(required=True)
    until.add_argument("--until", dest="day", type=iso_date, help="YYYY-MM-DD: their last day away")
    until.add_argument("--back", action="store_true", help="they are back")
    away.set_defaults(handler=_away)

    changed = sub.add_parser(
        "passwords-changed", help="record that a leaver's passwords were changed (stops the daily reminder)"
    )
    changed.add_argument("name", help="the person who left")
    changed.add_argument("--by", dest="by", required=True, metavar="NAME", help="who changed them")
    changed.set_defaults(handler=_passwords_changed)

    pictures = sub.add_parser(
        "pictures-deleted",
        help="record that a leaver's pictures of pupils were moved off their own phone and deleted (stops reminders)",
    )
    pictures.add_argument("name", help="the person who is leaving or has left")
    pictures.add_argument("--by", dest="by", required=True, metavar="NAME", help="who checked they were deleted")
    pictures.set_defaults(handler=_pictures_deleted)


def _list(args: argparse.Namespace) -> int:
    from bot.people import ROLE_LABELS, People
    from bot.wording import long_date
    from handlers.cli.common import make_core

    core = make_core()
    today = core.today()
    with core.db.session() as session:
        everyone = People.all(session)
        if not everyone:
            print("Nobody yet. Add people with `policybot people add NAME --role staff`.")
        for person in everyone:
            roles = ", ".join(ROLE_LABELS[r] for r in sorted(person.roles)) or "no role"
            extra = ""
            if person.leave_date:
                extra = f"  ({'left' if person.leave_date <= today else 'leaves'} on {long_date(person.leave_date)})"
            if person.away_until and person.away_until >= today:
                extra += f"  (away until {long_date(person.away_until)})"
            slack = f"  slack {person.slack_user_id}" if person.slack_user_id else ""
            slack += f"  telegram {person.telegram_chat_id}" if person.telegram_chat_id is not None else ""
            print(f"{person.name}: {roles}{slack}{extra}")
    differing = core.people.differing_from(core.school.people)
    if differing:
        print(
            f"\nNote: the school file says something else for {', '.join(differing)}. This list is what counts: the "
            "file only adds people who are not here yet. Make the change with `policybot people add|rename|role|leave`."
        )
    return 0


def _add(args: argparse.Namespace) -> int:
    from bot.people import person_entry
    from handlers.cli.common import make_core

    core = make_core()
    with core.db.session() as session:
        # Adding a Slack id to someone already listed must not quietly take away their roles (a DSL's, say).
        existing = core.people.by_name(session, args.name)
        entry = person_entry(
            name=args.name,
            roles=args.roles or (sorted(existing.roles) if existing else ["staff"]),
            slack_user_id=args.slack_user_id,
            telegram_chat_id=args.telegram_chat_id,
            email=args.email,
            start_date=args.start_date,
        )
        was_leaving = existing.leave_date if existing else None
        person = core.people.upsert(session, entry, replace_ids=args.replace_ids, replace_start=args.replace_start)
        print(f"{'Updated' if existing else 'Added'} {person.name} ({', '.join(sorted(person.roles))}).")
        if was_leaving and person.leave_date is None and person.start_date:
            from bot.wording import long_date

            print(f"{person.name} was recorded as leaving on {long_date(was_leaving)}. Starting again on "
                  f"{long_date(person.start_date)}, they are no longer recorded as leaving.")
    return 0


def _import(args: argparse.Namespace) -> int:
    from handlers.cli.common import make_core

    count = make_core().people.import_csv(args.file)
    print(f"Imported {count} {'person' if count == 1 else 'people'} from {args.file}.")
    return 0


def _rename(args: argparse.Namespace) -> int:
    from handlers.cli.common import make_core

    core = make_core()
    person = core.people.rename(args.name, args.new_name)
    print(f"Renamed: {person.name} (listed as {' '.join(args.name.split())} until now).")
    return 0


def _role(args: argparse.Namespace) -> int:
    from handlers.cli.common import make_core

    person = make_core().people.set_roles(args.name, args.roles)
    print(f"{person.name} now has roles: {', '.join(sorted(person.roles))}.")
    return 0


def _leave(args: argparse.Namespace) -> int:
    from handlers.cli.common import make_core

    core = make_core()
    if args.cancel:
        was = core.people.leave_date(args.name)
        person = core.schedule.leavers.set_leave_date(args.name, None)
        print(f"{person.name} is no longer recorded as leaving." if was else
              f"{person.name} was not recorded as leaving; nothing changed.")
        return 0
    person = core.schedule.leavers.set_leave_date(args.name, args.day)
    today = core.today()
    from bot.wording import long_date, upper_first

    day = long_date(args.day)
    passwords = "to change the passwords of the school accounts they could use."
    leavers = core.schedule.leavers
    asked, last = leavers.first_prompt_day(args.day), leavers.last_school_day(args.day)
    when = "today" if asked == today else f"on {long_date(asked)}"
    who = upper_first(leavers.who_is_asked(person.name, asked))
    if args.day <= today:  # recorded late: asked today, or on the next school day, not on a day that has passed
        print(f"{person.name} left on {day}. {who} will be asked {when} {passwords}")
    elif asked == last:  # the leave date is their first day away: asked on their last school day
        print(f"{person.name} leaves on {day}, their first day away. {who} will be asked {when}, their last "
              f"school day, {passwords}")
    else:  # recorded after the reminders of their last school day
        print(f"{person.name} leaves on {day}, their first day away. {who} will be asked {when} {passwords}")
    from bot.people import ROLE_LABELS

    empty = core.people.roles_left_empty(person.name, args.day)
    if empty:
        safeguarding = "a Designated Safeguarding Lead or deputy"
        labels = ", nor ".join(safeguarding if "dsl" in role else f"the {ROLE_LABELS[role]}" for role in empty)
        print(
            f"Please note: from that day nobody else is {labels}. Give "
            f"{'the role' if len(empty) == 1 else 'those roles'} to someone with `policybot people role NAME ROLE...` "
            "(list all of their roles, e.g. `staff dsl`)."
        )
        going = core.reports.while_away(person.name, leaving=args.day)
        if going:
            print(f"From that day: {going}")
    return 0


def _away(args: argparse.Namespace) -> int:
    from bot.wording import long_date
    from handlers.cli.common import make_core

    core = make_core()
    today = core.today()
    if args.back:
        was = core.people.away_until(args.name)
        person = core.people.set_away(args.name, None)
        if was is None or was < today:
            print(f"{person.name} was not recorded as away; nothing changed.")
            return 0
        again = " Reports reach them again." if core.reports.while_away(person.name) else ""
        print(f"{person.name} is back.{again}")
        return 0
    if args.day < today:
        print(f"{long_date(args.day)} has passed: give their last day away, or use --back.")
        return 1
    person = core.people.set_away(args.name, args.day)
    print(f"{person.name} is away until {long_date(args.day)}, that day included.")
    going = core.reports.while_away(person.name)
    staff = person.has_role("staff")
    print(f"Meanwhile: {going}" if going else f"They receive no reports{'' if staff else ', so nothing else changes'}.")
    if staff:
        print("They are not reminded to read and accept the policies while away: the reminders go on when they are "
              "back.")
    return 0


def _passwords_changed(args: argparse.Namespace) -> int:
    from handlers.cli.common import make_core

    print(make_core().schedule.leavers.confirm(args.name, args.by))
    return 0


def _pictures_deleted(args: argparse.Namespace) -> int:
    from handlers.cli.common import make_core

    print(make_core().schedule.photos.confirm_for_leaver(args.name, args.by))
    return 0
