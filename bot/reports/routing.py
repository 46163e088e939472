"""Who hears about a report: the category's route, minus anyone the report names, on the platforms they use.

Rules (the roles themselves come from the categories data):
- A report goes to everyone holding a role on its route; "dsl" means the Designated Safeguarding Leads, whose
  deputies may also open the report and hear about it on escalation.
- People named in a report never hear about it and cannot open it; if that leaves nobody, it goes to the
  deputies, then the headteacher, then the chair of governors. (One that names them all is not taken: the sender
  is told to go outside the school, to the `local_authority` contact.) A concern about the headteacher (a category
  `about` them, or one for the headteacher alone, a concern about staff, that names them) never falls back to
  staff: it is the chair of governors', as Keeping Children Safe in Education says, not the staff the head manages.
  With the chair away or not named, it goes to the vice-chair of governors if the school names one (role
  `vice_chair_of_governors`, who may open whatever the chair may); with neither, it is not taken and the sender is
  sent to the LADO. Unacknowledged, it is chased among the governors alone: each step of its kind's escalation
  alerts the chair and the vice-chair, whatever roles the step names (see step_roles). A report naming anyone who
  handles reports may also be opened by the chair of governors, who is alerted when the headteacher is named.
- A shared DSL channel is used only for a report with no conflicts; a conflicted one goes by direct message.
- Someone recorded as away (`policybot people away`) is not alerted, nor chased on escalation, while anyone else
  can be: a concern for the DSLs while both are away goes to their deputies. If everyone it could go to is away, it
  still goes to them: an alert read late is better than one nobody gets. The DSL channel is unaffected.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Sequence

from bot.config import School, Settings
from bot.people import Person
from bot.ports import Recipient
from bot.reports.domain import Category, EscalationStep

HANDLER_ROLES = ("dsl", "deputy_dsl", "headteacher", "chair_of_governors", "vice_chair_of_governors")
FALLBACK_ROLES = ("deputy_dsl", "headteacher", "chair_of_governors")
ROUTE_NAMES = {
    "dsl": "the Designated Safeguarding Leads",
    "deputy_dsl": "the Deputy Designated Safeguarding Leads",
    "headteacher": "the Headteacher",
    "chair_of_governors": "the Chair of Governors",
    "vice_chair_of_governors": "the Vice-Chair of Governors",
}


def with_role(everyone: Sequence[Person], *roles: str, on: dt.date | None = None) -> list[Person]:
    """People holding any of `roles` (and working at the school on `on`), from a list read once per request."""
    return [p for p in everyone if p.has_role(*roles) and (on is None or p.is_current(on))]


# How a person is named without their full name: "Mrs Lead", "Mr. Head", "Miss Dana Lead"...
TITLES = r"(?:mr|mrs|ms|miss|mx|dr|sir|madam|madame|mister|master)\.?"


def find_conflicts(everyone: Sequence[Person], text: str, named_people: Sequence[str]) -> set[int]:
    """People who handle reports and are named: by the sender's choice, or in the text by their full name, their
    title and surname ("Mrs Lead") or their first name written with a capital ("Dana").

    A report about someone must never reach them, so this errs on the side of keeping a report away: a pupil who
    shares a DSL's first name keeps it from that DSL too, and it goes to the others on its route (or the deputies,
    the headteacher, the chair of governors).
    """
    named = {n.strip().casefold() for n in named_people if n.strip()}
    spaced = " ".join(text.split())
    folded = spaced.casefold()
    conflicts: set[int] = set()
    for person in with_role(everyone, *HANDLER_ROLES):
        parts = person.name.split()
        name = " ".join(parts).casefold()
        said = _word(re.escape(name), folded)
        if len(parts) > 1:
            initial = r"(?:\w\.?\s+)?"  # "Ms D. Lead"
            surname = re.escape(parts[-1].casefold())
            said = said or _word(TITLES + r"\s+" + initial + surname, folded)
            # "D. Lead", "D Lead": their own initial and surname
            said = said or _word(re.escape(parts[0][0].casefold()) + r"\.?\s+" + surname, folded)
            first = parts[0]
            if len(first) > 2 and first[0].isupper():  # "Dana" or "DANA", not "dana" or "will" in a sentence
                said = said or _word(re.escape(first), spaced) or _word(re.escape(first.upper()), spaced)
        # Chosen by a name they had until a rename: the sender was shown it before (a draft kept for days, say).
        if any(" ".join(n.split()).casefold() in named for n in person.names) or said:
            conflicts.add(person.id)
    return conflicts


# How a report names a role rather than a person ("the headteacher grabbed my son"). Deputies first: "deputy DSL"
# is not also "DSL".
ROLE_WORDS = {
    "deputy_dsl": r"deputy (?:designated )?safeguarding lead|deputy dsl",
    "dsl": r"(?:designated )?safeguarding lead|dsl",
    "headteacher": r"head ?teacher|head ?master|head ?mistress|head of school|principal|the head(?! of (?!school))",
    "chair_of_governors": r"chair of (?:the )?governors|chair of the governing body",
    "vice_chair_of_governors": r"vice[- ]?chair of (?:the )?governors|vice[- ]?chair of the governing body",
}


_NOT_THE_ROLE_BEFORE = (" on", " over", " to", " in", "assistant", "deputy", "vice", "vice-")


def roles_mentioned(text: str) -> list[str]:
    """The roles handling reports that a text names by their role, in HANDLER_ROLES order."""
    folded = " ".join(text.split()).casefold()
    found: set[str] = set()
    for role, pattern in ROLE_WORDS.items():
        # not "hit him on the head", nor an assistant or deputy head (who does not receive reports)
        # (the "dsl" of a "deputy dsl" is a deputy's too: "deputy" before it, as before "deputy head")
        if any(not folded[: m.start()].rstrip().endswith(_NOT_THE_ROLE_BEFORE)
               for m in re.finditer(r"(?<!\w)(?:" + pattern + r")(?!\w)", folded)):
            found.add(role)
    return [role for role in HANDLER_ROLES if role in found]


def _word(pattern: str, text: str) -> bool:
    return re.search(r"(?<!\w)" + pattern + r"(?!\w)", text) is not None


def route_roles(category: Category, conflicted: Iterable[Person]) -> tuple[str, ...]:
    roles = list(category.route)
    if any(p.has_role("headteacher") for p in conflicted) and "chair_of_governors" not in roles:
        roles.append("chair_of_governors")
    return tuple(roles)


def route_people(everyone: Sequence[Person], category: Category, conflicts: set[int], today: dt.date) -> list[Person]:
    """Everyone alerted when the report arrives: its route, else the first fallback role anyone holds; those at work
    first (see the module's rules on being away)."""
    return _routed(everyone, category, conflicts, today)[0]


def passed_over(everyone: Sequence[Person], category: Category, conflicts: set[int], today: dt.date) -> list[Person]:
    """Those a report would have gone to before the people it now goes to, but for their being away."""
    return _routed(everyone, category, conflicts, today)[1]


def would_receive(
    everyone: Sequence[Person], category: Category, conflicts: set[int], today: dt.date, person: Person
) -> bool:
    """Whether a report would go to `person` on `today` were they at the school and at work then: they hold a role on
    its route, or one it falls back to because nobody before them is at work (the deputy, with the DSLs away)."""
    if person.id in conflicts:
        return False
    for these in _tiers(everyone, category, conflicts):
        if person.has_role(*these):
            return True
        if at_work(_without(with_role(everyone, *these, on=today), conflicts), today):
            return False
    return False


def _routed(
    everyone: Sequence[Person], category: Category, conflicts: set[int], today: dt.date
) -> tuple[list[Person], list[Person]]:
    """(route_people, passed_over)."""
    candidates = [_without(with_role(everyone, *these, on=today), conflicts)
                  for these in _tiers(everyone, category, conflicts)]
    away: list[Person] = []
    for people in candidates:
        if at_work(people, today):
            return at_work(people, today), away
        away += [p for p in people if p not in away]
    return next((people for people in candidates if people), []), []


def _tiers(everyone: Sequence[Person], category: Category, conflicts: set[int]) -> list[tuple[str, ...]]:
    """The roles a report goes to, in turn: its route, then each fallback role."""
    conflicted = [p for p in everyone if p.id in conflicts]
    return [route_roles(category, conflicted), *((role,) for role in fallback_roles(category, conflicted))]


def fallback_roles(category: Category, conflicted: Iterable[Person] = ()) -> tuple[str, ...]:
    """Whom a report goes to, in turn, when naming people leaves nobody on its route (or nobody on it is at work):
    for a concern about the headteacher, whom the deputies and DSLs answer to, only the vice-chair of governors, if
    the school names one (see the module's rules)."""
    return ("vice_chair_of_governors",) if about_the_head(category, conflicted) else FALLBACK_ROLES


def about_the_head(category: Category, conflicted: Iterable[Person]) -> bool:
    """Whether a report is a concern about the headteacher, so the governors' alone: of that kind, or of a kind that
    goes to the headteacher alone (a concern about a member of staff) that the sender said is about them."""
    return "headteacher" in category.about or (
        set(category.route) == {"headteacher"} and any(p.has_role("headteacher") for p in conflicted)
    )


GOVERNORS = ("chair_of_governors", "vice_chair_of_governors")
# Who takes a concern about the headteacher, as a sender (or whoever runs the bot) is told when nobody can.
GOVERNORS_PHRASE = "the Chair of Governors, or the Vice-Chair while the Chair is away or not named"


def step_roles(category: Category, step: EscalationStep, conflicted: Iterable[Person]) -> tuple[str, ...]:
    """The roles an escalation step alerts: its own, except for a concern about the headteacher, which is chased
    among the governors only (the chair, and the vice-chair who stands in for them), after the step's wait: a
    concern about staff that is about the head would otherwise chase only the chair again, or the staff the head
    manages."""
    return GOVERNORS if about_the_head(category, conflicted) else step.to


def escalation_people(
    everyone: Sequence[Person], roles: Sequence[str], conflicts: set[int], today: dt.date
) -> list[Person]:
    people = _without(with_role(everyone, *roles, on=today), conflicts)
    return at_work(people, today) or people


def at_work(people: Sequence[Person], today: dt.date) -> list[Person]:
    return [p for p in people if not p.is_away(today)]


def allowed_roles(category: Category, conflicts: set[int], conflicted: Iterable[Person] = ()) -> set[str]:
    """The roles that may open a report of this category: its route and escalation (deputies with the DSLs), and the
    chair of governors when it names someone who handles reports (`conflicted`: those named, of `conflicts`). A
    concern about the headteacher, only the chair and vice-chair of governors, whatever roles its kind names."""
    roles = set(category.route)
    for step in category.escalation:
        roles.update(step.to)
    if "dsl" in roles:
        roles.add("deputy_dsl")
    if conflicts:
        roles.add("chair_of_governors")
    if "chair_of_governors" in roles:  # the chair's stand-in, as the deputies are the DSLs'
        roles.add("vice_chair_of_governors")
    if about_the_head(category, conflicted):  # the governors' alone, as step_roles chases it: never the head's staff
        roles &= set(GOVERNORS)
    return roles.intersection(HANDLER_ROLES)


def may_handle(
    person: Person, category: Category, conflicts: set[int], everyone: Sequence[Person], today: dt.date
) -> bool:
    """Never someone it names or is about; otherwise its roles, or whoever it falls back to because naming people,
    or their being away, leaves nobody on its route (a concern about the headteacher stays with the chair, unless
    there is no chair): the deputy DSLs a concern about staff goes to while the head is away can open it."""
    if person.id in conflicts:
        return False
    if person.has_role(*allowed_roles(category, conflicts, [p for p in everyone if p.id in conflicts])):
        return True
    return any(p.id == person.id for p in route_people(everyone, category, conflicts, today))


def uses_shared_channel(category: Category, conflicts: set[int]) -> bool:
    return "dsl" in category.route and not conflicts


def sent_to(category: Category) -> str:
    names = [ROUTE_NAMES.get(role, role) for role in category.route]
    return " and ".join(names)


def reachable_on(settings: Settings, person: Person) -> tuple[bool, bool]:
    """(on Slack, on Telegram): whether each platform in use can reach this person."""
    return (
        settings.slack_enabled and bool(person.slack_user_id),
        settings.telegram_enabled and person.telegram_chat_id is not None,
    )


def unreachable_warning(settings: Settings, person: Person) -> str:
    """Why no platform in use reaches someone who handles reports, and what would: said at start-up. An id for a
    platform that is not set up here (a Slack id in the school file, with Telegram alone) is named as such."""
    missing, fixes = [], []
    if settings.slack_enabled:
        missing.append("Slack id")
        fixes.append(f'`policybot people add "{person.name}" --slack U...`')
    if settings.telegram_enabled:
        missing.append("Telegram chat")
        fixes.append(f'`policybot people add "{person.name}" --telegram CHAT_ID`')
    unused = [platform for platform, theirs, used in (
        ("Slack", bool(person.slack_user_id), settings.slack_enabled),
        ("Telegram", person.telegram_chat_id is not None, settings.telegram_enabled),
    ) if theirs and not used]
    why = f"they have no {' or '.join(missing)}"
    if unused:
        why += f", and {' and '.join(unused)}, where they have an id, is not set up here"
    what = f"add one with {' or '.join(fixes)}" + (f", or set up {' and '.join(unused)}" if unused else "")
    return f"{person.name} handles concern reports but cannot be alerted: {why}. To alert them, {what}."


def recipients(settings: Settings, people: Sequence[Person], *, urgent: bool, shared_channel: bool) -> list[Recipient]:
    """Where to deliver an alert to these people. Someone no platform reaches is addressed on the console under their
    name: printed in the console chat, and only logged as undeliverable when the bot runs on Slack or Telegram."""
    out: list[Recipient] = []
    slack = settings.slack_enabled
    channel = settings.slack_dsl_channel if slack and shared_channel else None
    if channel:
        out.append(Recipient("slack", channel))
    for person in people:
        on_slack, on_telegram = reachable_on(settings, person)
        # The shared channel is the DSLs': the headteacher or chair on a route hears by direct message.
        if on_slack and (urgent or not channel or not person.is_dsl):
            out.append(Recipient("slack", str(person.slack_user_id)))
        # Telegram: urgent alerts for those who asked for them, and every alert for someone not on Slack.
        if on_telegram and (urgent or not on_slack):
            out.append(Recipient("telegram", str(person.telegram_chat_id)))
        if not on_slack and not on_telegram and not channel:
            out.append(Recipient("console", person.name))
    return list(dict.fromkeys(out))


def _without(people: Sequence[Person], conflicts: set[int]) -> list[Person]:
    return [p for p in people if p.id not in conflicts]


def add_school_days(start: dt.datetime, days: int, school: School) -> dt.datetime:
    """The same local time `days` school days later (weekends and holidays do not count). A school day is a weekday
    outside the school file's holidays, which list bank holidays too, as for staff reminders.

    A start when the school is closed (a weekend, a holiday) counts from the start (midnight) of the next school day:
    "1 working day" from a Saturday ends with Monday, whatever the hour on Saturday. Counted from the Saturday's own
    time, a report made at 00:30 on Saturday was chased at 00:30 on Monday, before anyone had a working hour for it,
    and a day before one made on the Friday evening."""
    local = start.astimezone(school.tz)
    day = local.date()
    if not school.is_school_day(day):
        while not school.is_school_day(day):
            day += dt.timedelta(days=1)
        local = dt.datetime.combine(day, dt.time(0, 0), tzinfo=school.tz)
    for _ in range(days):
        day += dt.timedelta(days=1)
        while not school.is_school_day(day):
            day += dt.timedelta(days=1)
    return dt.datetime.combine(day, local.timetz().replace(tzinfo=None), tzinfo=school.tz).astimezone(dt.UTC)
