"""People and roles: staff, DSLs and their deputies, the headteacher, the chair of governors, admins.

The school settings file seeds the table at start-up; `policybot people` manages it afterwards. A person's
platform identities (Slack user id, Telegram chat id) are how the adapters recognise staff and DSLs. This
table is about the school's own people acting in their roles, never about who sent a report.
"""

from __future__ import annotations

import csv
import datetime as dt
import difflib
import json
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from pydantic import ValidationError
from sqlalchemy import BigInteger, ForeignKey, String, Text, func, select, update
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship

from bot.config import PersonEntry, Role
from bot.storage import Base, Database
from bot.wording import long_date, or_list

if TYPE_CHECKING:
    from bot.outbox import Outbox
    from bot.ports import Recipient

ROLES: tuple[Role, ...] = (
    "staff", "dsl", "deputy_dsl", "headteacher", "chair_of_governors", "vice_chair_of_governors", "admin"
)
ROLE_LABELS: dict[str, str] = {
    "staff": "Staff",
    "dsl": "Designated Safeguarding Lead",
    "deputy_dsl": "Deputy Designated Safeguarding Lead",
    "headteacher": "Headteacher",
    "chair_of_governors": "Chair of Governors",
    "vice_chair_of_governors": "Vice-Chair of Governors",
    "admin": "Administrator",
}


def role_label(role: str) -> str:
    """A role as people read it: a policy's owner may be a role the school names that has no label here."""
    return ROLE_LABELS.get(role, role.replace("_", " "))


_FIELD_WORDS = {"name": "name", "slack_user_id": "Slack id", "email": "email address"}
CSV_COLUMNS = ("name", "roles", "slack_user_id", "telegram_chat_id", "email", "start_date")
_CSV_ALIASES = {"role": "roles", "slack": "slack_user_id", "slack_id": "slack_user_id", "telegram": "telegram_chat_id",
                "telegram_id": "telegram_chat_id", "start": "start_date", "e_mail": "email"}


def _column(heading: str) -> str:
    """A CSV heading as the column it names: "Name" -> name, "Slack user id" -> slack_user_id, "Role" -> roles."""
    key = "_".join(heading.strip().lower().replace("-", " ").split())
    return _CSV_ALIASES.get(key, key)


def starts_again(start_date: dt.date | None, leave_date: dt.date | None) -> bool:
    """Whether a start date given for someone with a leave date means they are back (re-hired): it is on or after
    the leave date (their first day away). Their leave date then no longer holds."""
    return start_date is not None and leave_date is not None and start_date >= leave_date


class PeopleError(Exception):
    """A problem with people data, worded for the person managing it."""


def role_key(role: str) -> str:
    """A role as typed, as the role it names: "Staff", "Deputy DSL", "deputy-dsl" -> staff, deputy_dsl."""
    return "_".join(role.strip().lower().replace("-", " ").split())


def person_entry(**values: object) -> PersonEntry:
    """A PersonEntry from the command line or a CSV row, with any problem said in plain words (PeopleError)."""
    roles = values.get("roles")
    if isinstance(roles, list):
        values["roles"] = [role_key(str(r)) for r in roles]
    if not str(values.get("name") or "").strip():
        raise PeopleError("a name is needed")
    try:
        return PersonEntry.model_validate(values)
    except ValidationError as exc:
        problems = []
        for error in exc.errors():
            field, given = str(error["loc"][0]), error.get("input")
            if field == "roles":
                problems.append(f"unknown role {given!r}; roles are {', '.join(ROLES)}")
            elif field.endswith("_date"):
                problems.append(f"{field} {given!r} is not a date: write it as YYYY-MM-DD, e.g. 2026-09-01")
            elif field == "telegram_chat_id" and error["type"].startswith(("greater_than", "less_than")):
                problems.append(f"the Telegram chat id {given!r} is too long: a chat id is a number such as 123456789")
            elif field == "telegram_chat_id":
                problems.append(f"the Telegram chat id {given!r} is not a number")
            elif error["type"] == "string_too_long":
                limit = error.get("ctx", {}).get("max_length")
                problems.append(f"the {_FIELD_WORDS.get(field, field)} is too long: at most {limit} characters, please")
            elif error["type"] == "value_error":
                problems.append(f"the {_FIELD_WORDS.get(field, field)} {error.get('ctx', {}).get('error')}")
            else:
                problems.append(f"{field}: {error['msg']}")
        raise PeopleError("; ".join(problems)) from None


class Person(Base):
    __tablename__ = "people"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    email: Mapped[str | None] = mapped_column(String(320))
    slack_user_id: Mapped[str | None] = mapped_column(String(64), unique=True)
    telegram_chat_id: Mapped[int | None] = mapped_column(BigInteger, unique=True)
    start_date: Mapped[dt.date | None]
    leave_date: Mapped[dt.date | None]
    away_until: Mapped[dt.date | None]  # away (leave, illness) up to and including this day: not alerted meanwhile
    # JSON list of the names they were listed under before a rename: a report may name them as its sender was shown
    # them before it (see routing.find_conflicts)
    former_names: Mapped[str | None] = mapped_column(Text, default=None)
    role_rows: Mapped[list[PersonRole]] = relationship(
        back_populates="person", cascade="all, delete-orphan", lazy="selectin"
    )

    @property
    def names(self) -> list[str]:
        """Their name, then any they were listed under before (newest first)."""
        return [self.name, *json.loads(self.former_names or "[]")]

    @property
    def roles(self) -> frozenset[str]:
        return frozenset(r.role for r in self.role_rows)

    def has_role(self, *roles: str) -> bool:
        return bool(self.roles.intersection(roles))

    @property
    def is_dsl(self) -> bool:
        return self.has_role("dsl", "deputy_dsl")

    def is_away(self, day: dt.date) -> bool:
        return self.away_until is not None and day <= self.away_until

    def has_left(self, day: dt.date) -> bool:
        """Whether their leave date (the first day they are gone) has come by `day`."""
        return self.leave_date is not None and self.leave_date <= day

    def is_current(self, day: dt.date) -> bool:
        started = self.start_date is None or self.start_date <= day
        return started and not self.has_left(day)

    def set_roles(self, roles: Iterable[str]) -> None:
        wanted = set(roles)
        unknown = wanted.difference(ROLES)
        if unknown:
            raise PeopleError(f"unknown role(s): {', '.join(sorted(unknown))}; roles are {', '.join(ROLES)}")
        self.role_rows = [r for r in self.role_rows if r.role in wanted]
        have = {r.role for r in self.role_rows}
        self.role_rows.extend(PersonRole(role=r) for r in sorted(wanted - have))


class PersonRole(Base):
    __tablename__ = "person_roles"

    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), primary_key=True)
    role: Mapped[str] = mapped_column(String(32), primary_key=True)
    person: Mapped[Person] = relationship(back_populates="role_rows")


# Told of a change to someone, in the transaction that makes it, with the roles they held before and after it:
# queues a redraw of the Slack Home tabs it changes (Core._redraw_homes: ReportService.redraw_homes_after).
HomesChanged = Callable[[Session, Person, frozenset[str]], None]


class People:
    """Queries and changes on the people table."""

    def __init__(
        self,
        db: Database,
        outbox: Callable[[], Outbox] | None = None,
        redraw_homes: HomesChanged | None = None,
    ) -> None:
        self.db = db
        # (Asked for only on a rename, which carries over what is queued for someone on the console by name: other
        # changes to people need no encryption key.)
        self._outbox = outbox
        self._redraw_homes = redraw_homes

    def changed(self, session: Session, person: Person, roles_before: Iterable[str]) -> None:
        """Tell whoever shows people's roles and cases (Slack's Home, see HomesChanged) that `person` changed in
        `session`: their roles (they held `roles_before`), being away, leaving, their name."""
        if self._redraw_homes is not None:
            self._redraw_homes(session, person, frozenset(roles_before) | person.roles)

    # --- lookups (each takes a session so callers can combine them in one transaction) ---
    @staticmethod
    def by_slack_id(session: Session, slack_user_id: str) -> Person | None:
        return session.scalar(select(Person).where(Person.slack_user_id == slack_user_id))

    @staticmethod
    def by_telegram_chat(session: Session, chat_id: int) -> Person | None:
        return session.scalar(select(Person).where(Person.telegram_chat_id == chat_id))

    @classmethod
    def reached_at(cls, session: Session, recipient: Recipient) -> Person | None:
        """The person a message to `recipient` reaches: by their Slack id, Telegram chat or (console) name. None for a
        channel, or an address nobody listed has."""
        if recipient.platform == "slack":
            return cls.by_slack_id(session, recipient.address)
        if recipient.platform == "telegram":
            chat = recipient.address.removeprefix("-")
            return cls.by_telegram_chat(session, int(recipient.address)) if chat.isdigit() else None
        if recipient.platform == "console":
            return cls.by_name(session, recipient.address)
        return None

    @staticmethod
    def by_name(session: Session, name: str) -> Person | None:
        """The person of that name; failing an exact match, the one whose name differs only in case and spacing."""
        name = " ".join(name.split())
        exact = session.scalar(select(Person).where(Person.name == name))
        if exact is not None:
            return exact
        if name.isascii():
            alike = session.scalars(select(Person).where(func.lower(Person.name) == name.lower())).all()
            return alike[0] if len(alike) == 1 else None
        # SQLite's lower() changes only A to Z ("Élodie Martin" was not found as "élodie martin"): compared here.
        wanted = name.casefold()
        rows = session.execute(select(Person.id, Person.name))
        ids = [i for i, n in rows if n.casefold() == wanted]
        return session.get(Person, ids[0]) if len(ids) == 1 else None

    @staticmethod
    def all(session: Session) -> Sequence[Person]:
        return session.scalars(select(Person).order_by(Person.name)).all()

    @staticmethod
    def with_role(session: Session, *roles: str, on: dt.date | None = None) -> list[Person]:
        people = session.scalars(
            select(Person).join(PersonRole).where(PersonRole.role.in_(roles)).order_by(Person.name).distinct()
        ).all()
        return [p for p in people if on is None or p.is_current(on)]

    # --- changes ---
    def upsert(
        self, session: Session, entry: PersonEntry, *, replace_ids: bool = False, replace_start: bool = False
    ) -> Person:
        """Add someone, or update them (see `_upsert`), in the caller's transaction. An entry giving someone listed a
        Slack id or Telegram chat other than theirs is refused (it may be someone else of the same name) unless
        `replace_ids`: theirs has changed; one giving them another start date, unless `replace_start`."""
        listed = self.by_name(session, entry.name)
        before = listed.roles if listed is not None else frozenset()
        if listed is not None and not replace_start:
            self._same_start(listed, entry)
        person = self._upsert(session, entry, listed, replace_ids=replace_ids)
        self.changed(session, person, before)
        return person

    @staticmethod
    def _same_person(person: Person, entry: PersonEntry) -> None:
        """Refuse an entry under a listed name whose Slack id or Telegram chat is not the listed person's: a new member
        of staff with the same name would otherwise take over their record (acceptances, pictures noted, reminders),
        and be counted as having accepted what the other did."""
        others: list[tuple[str, object, str]] = []
        if entry.slack_user_id and person.slack_user_id and entry.slack_user_id != person.slack_user_id:
            others.append(("Slack id", person.slack_user_id, f"--slack {entry.slack_user_id}"))
        if entry.telegram_chat_id is not None and person.telegram_chat_id not in (None, entry.telegram_chat_id):
            others.append(("Telegram chat", person.telegram_chat_id, f"--telegram {entry.telegram_chat_id}"))
        if not others:
            return
        listed = " and ".join(f"{what} ({value})" for what, value, _ in others)
        kinds = " and ".join(what for what, _, _ in others)
        given = " ".join(option for _, _, option in others)
        raise PeopleError(
            f"{person.name} is already listed, with another {listed}. If this is someone else with the same name, "
            "add them under a name that tells the two apart (a middle initial, say): two people cannot share a "
            f"name. If it is {person.name}, whose {kinds} {'have' if len(others) > 1 else 'has'} changed, run "
            f"`policybot people add \"{person.name}\" {given} --replace-ids`"
        )

    @staticmethod
    def _same_start(person: Person, entry: PersonEntry) -> None:
        """Refuse an entry moving the start date of someone listed with one (their first reminders go with it): said,
        not done quietly. A start date from their leave date on is not a change but a return (hired again)."""
        start, listed = entry.start_date, person.start_date
        if start is None or listed is None or start == listed or starts_again(start, person.leave_date):
            return
        raise PeopleError(
            f"{person.name} is already listed, starting on {long_date(listed)}. If that date is wrong, change it with "
            f"`policybot people add \"{person.name}\" --start {start.isoformat()} --replace-start`"
        )

    def _upsert(
        self, session: Session, entry: PersonEntry, person: Person | None, *, replace_ids: bool = False
    ) -> Person:
        """`person`: whoever is listed under the entry's name, or None (looked up by the caller)."""
        for kind, value, owner in (
            ("Slack id", entry.slack_user_id, entry.slack_user_id and self.by_slack_id(session, entry.slack_user_id)),
            (
                "Telegram chat",
                entry.telegram_chat_id,
                entry.telegram_chat_id is not None and self.by_telegram_chat(session, entry.telegram_chat_id),
            ),
        ):
            if isinstance(owner, Person) and owner is not person:
                raise PeopleError(
                    f"the {kind} {value} already belongs to {owner.name}. If that is {entry.name} with their name "
                    f"mistyped, correct it with `policybot people rename \"{owner.name}\" \"{entry.name}\"`"
                )
        if person is not None and not replace_ids:
            self._same_person(person, entry)
        if person is None:
            person = Person(name=entry.name)
            session.add(person)
        person.email = entry.email or person.email
        person.slack_user_id = entry.slack_user_id or person.slack_user_id
        person.telegram_chat_id = entry.telegram_chat_id or person.telegram_chat_id
        person.start_date = entry.start_date or person.start_date
        person.leave_date = entry.leave_date or person.leave_date
        if entry.leave_date is None and starts_again(entry.start_date, person.leave_date):
            person.leave_date = None  # re-hired: the old leave date would count them as gone, never reminded
        person.set_roles(entry.roles)
        session.flush()
        return person

    @classmethod
    def _listed_as(cls, session: Session, entry: PersonEntry) -> Person | None:
        """Someone already listed under another name whose Slack id or Telegram chat the entry has: the same person,
        their name corrected (or mistyped) in one place but not the other."""
        if cls.by_name(session, entry.name) is not None:
            return None
        by_slack = cls.by_slack_id(session, entry.slack_user_id) if entry.slack_user_id else None
        if by_slack is not None:
            return by_slack
        return cls.by_telegram_chat(session, entry.telegram_chat_id) if entry.telegram_chat_id is not None else None

    def seed(self, entries: Iterable[PersonEntry]) -> int:
        """Load people from the school settings; existing people keep changes made since by CLI. An entry whose Slack
        id or Telegram chat is someone's listed under another name is that person (`differing_from` says so): adding
        it would fail on the id, and stop the bot at start-up."""
        count = 0
        with self.db.session() as session:
            for entry in entries:
                if self.by_name(session, entry.name) is None and self._listed_as(session, entry) is None:
                    self._upsert(session, entry, None)  # at start-up: a Home is drawn afresh when it is next opened
                    count += 1
        return count

    def differing_from(self, entries: Iterable[PersonEntry]) -> list[str]:
        """The names in the school file whose roles, ids or dates there differ from the people table, or whose Slack id
        or Telegram chat is someone's listed under another name: the file only adds people the table does not have
        yet, so such a change in it has not taken effect."""
        differing = []
        with self.db.session() as session:
            for entry in entries:
                person = self.by_name(session, entry.name)
                if person is None:
                    same = self._listed_as(session, entry)
                    if same is not None:
                        differing.append(f"{entry.name} (listed here as {same.name}: `policybot people rename "
                                         f"\"{same.name}\" \"{entry.name}\"` if the file has the name right)")
                    continue
                listed = (set(entry.roles), entry.slack_user_id, entry.telegram_chat_id, entry.leave_date)
                stored = (set(person.roles), person.slack_user_id, person.telegram_chat_id, person.leave_date)
                if any(want is not None and want != have for want, have in zip(listed, stored, strict=True)):
                    differing.append(person.name)
        return differing

    def import_csv(self, path: Path) -> int:
        """CSV columns: name, roles (separated by ';'), slack_user_id, telegram_chat_id, email, start_date. Headings
        are read whatever their case and spacing ("Name", "Slack user id"). A row whose roles are blank keeps the
        roles of someone already listed (a list of emails must not take away a DSL's role); someone new is staff."""
        try:
            with path.open(newline="", encoding="utf-8-sig") as handle:
                reader = csv.reader(handle, strict=True)
                header = [_column(heading) for heading in next(reader, [])]
                rows = [(reader.line_num, row) for row in reader if any(cell.strip() for cell in row)]
        except OSError as exc:
            raise PeopleError(f"{path}: cannot read the file ({exc.strerror or exc})") from None
        except UnicodeDecodeError:
            raise PeopleError(
                f"{path} is not saved as UTF-8 text. In Excel, choose File > Save As > "
                "\"CSV UTF-8 (Comma delimited)\", then import that file."
            ) from None
        except csv.Error as exc:
            raise PeopleError(f"{path}: line {reader.line_num}: cannot read it as CSV ({exc})") from None
        columns = ", ".join(CSV_COLUMNS)
        if "name" not in header:
            raise PeopleError(f"{path}: the first line must name the columns, separated by commas: {columns} "
                              "(only name is needed)")
        unknown = [heading for heading in header if heading and heading not in CSV_COLUMNS]
        if unknown:
            raise PeopleError(f"{path}: policybot does not know the column {', '.join(map(repr, unknown))}; the "
                              f"columns are {columns}. Rename it, or remove it from the file.")
        if not rows:
            raise PeopleError(f"{path}: nobody to import: the file has no rows under its first line")
        entries: list[tuple[int, PersonEntry, bool]] = []
        for number, cells in rows:
            row = {heading: cell.strip() for heading, cell in zip(header, cells, strict=False) if heading}
            try:
                roles = [r.strip() for r in row.get("roles", "").split(";") if r.strip()]
                entry = person_entry(
                    name=row.get("name", ""),
                    roles=roles or ["staff"],
                    slack_user_id=row.get("slack_user_id") or None,
                    telegram_chat_id=row.get("telegram_chat_id") or None,
                    email=row.get("email") or None,
                    start_date=row.get("start_date") or None,
                )
            except PeopleError as exc:
                raise PeopleError(f"{path}: line {number}: {exc}") from None
            entries.append((number, entry, bool(roles)))
        first_line: dict[str, int] = {}
        for number, entry, _ in entries:
            seen = first_line.setdefault(entry.name.casefold(), number)
            if seen != number:
                raise PeopleError(
                    f"{path}: line {number}: {entry.name} is also on line {seen}, and two people cannot share a name. "
                    "If they are two people, add something to tell them apart (a middle initial, say); if one, "
                    "keep one line. Nobody was imported."
                )
        with self.db.session() as session:
            for number, entry, roles_given in entries:
                existing = self.by_name(session, entry.name)
                if existing is not None and not roles_given:
                    entry = entry.model_copy(update={"roles": sorted(existing.roles)})
                try:
                    self.upsert(session, entry)
                except PeopleError as exc:
                    raise PeopleError(f"{path}: line {number}: {exc}. Nobody was imported.") from None
        return len(entries)

    @classmethod
    def not_found(cls, session: Session, name: str) -> str:
        """What to say when nobody is called `name`: whom it may have meant (a first name alone, a slip of a key)."""
        meant = cls.may_mean(session, name)
        hint = f"did you mean {or_list(meant)}? " if meant else ""
        return f"nobody called {name!r}; {hint}`policybot people list` shows everyone"

    @classmethod
    def may_mean(cls, session: Session, name: str) -> list[str]:
        """The people someone typing `name` may have meant: those whose name holds every word of it, or else those
        a slip of a key away."""
        typed = " ".join(name.split()).lower()
        names = [person.name for person in cls.all(session)]
        meant = [n for n in names if typed and set(typed.split()) <= set(n.lower().split())]
        if not meant:
            lowered = {n.lower(): n for n in names}
            meant = [lowered[n] for n in difflib.get_close_matches(typed, list(lowered), n=3, cutoff=0.8)]
        return meant

    @classmethod
    def who_records(cls, session: Session, name: str) -> str:
        """The name to keep for whoever records something (`--by`): a listed person's name as listed; a name that is
        not listed but close to one ("Alex Hed") is refused as a likely slip (PeopleError); anyone else (a governor
        not on the list) as typed."""
        typed = " ".join(name.split())
        person = cls.by_name(session, typed)
        if person is not None:
            return person.name
        meant = cls.may_mean(session, typed)
        if meant:
            raise PeopleError(f"nobody called {typed!r} is listed: did you mean {or_list(meant)}? Please give the "
                              "name as `policybot people list` shows it")
        return typed

    @classmethod
    def _named(cls, session: Session, name: str) -> Person:
        person = cls.by_name(session, name)
        if person is None:
            raise PeopleError(cls.not_found(session, name))
        return person

    def rename(self, name: str, new_name: str) -> Person:
        """Correct someone's name (a typo, a name changed on marriage): they stay the same person, with their roles,
        Slack id, acceptances and reminders. Records that name whoever recorded something keep the name as it was;
        who has a case in hand now (acknowledged it) is them under their new name, as the case is still theirs: under
        the old one, a reply naming them would keep it from them but leave it in their hands, and nobody chased.
        What the console, which reaches people by name, was sent or is to send them is theirs under the new one."""
        from bot.ports import Recipient
        from bot.reports.models import ReportRow  # (reports build on people, not the other way round)

        wanted = person_entry(name=new_name).name  # blank, too long: said as for `people add`
        with self.db.session() as session:
            person = self._named(session, name)
            other = self.by_name(session, wanted)
            if other is not None and other.id != person.id:
                raise PeopleError(
                    f"{other.name} is someone else already listed, and two people cannot share a name: add something "
                    "to tell them apart (a middle initial, say)"
                )
            session.execute(
                update(ReportRow).where(ReportRow.acknowledged_by == person.name).values(acknowledged_by=wanted)
            )
            if self._outbox is not None and wanted != person.name:
                self._outbox().readdress(session, Recipient("console", person.name), Recipient("console", wanted))
            former = [n for n in dict.fromkeys(person.names) if n != wanted]  # (renamed back: that name is theirs)
            person.former_names = json.dumps(former) if former else None
            person.name = wanted
            self.changed(session, person, person.roles)
            return person

    def set_roles(self, name: str, roles: Iterable[str]) -> Person:
        with self.db.session() as session:
            person = self._named(session, name)
            before = person.roles
            person.set_roles(role_key(role) for role in roles)
            self.changed(session, person, before)
            return person

    def roles_left_empty(self, name: str, day: dt.date) -> list[str]:
        """The roles (other than staff) that nobody else will hold on `day` once this person has left: the DSLs'
        and their deputies' count as one. Said when a leave date is recorded, so the school can hand them on."""
        with self.db.session() as session:
            person = self.by_name(session, name)
            if person is None:
                return []
            empty: list[str] = []
            for role in (r for r in ROLES if r in person.roles and r != "staff"):
                covering = ("dsl", "deputy_dsl") if role in ("dsl", "deputy_dsl") else (role,)
                if set(covering) & set(empty):
                    continue
                if not [p for p in self.with_role(session, *covering, on=day) if p.id != person.id]:
                    empty.append(role)
            return empty

    def away_until(self, name: str) -> dt.date | None:
        """The last day `name` is recorded as away, None if never (PeopleError if nobody is called that)."""
        with self.db.session() as session:
            return self._named(session, name).away_until

    def leave_date(self, name: str) -> dt.date | None:
        """The day `name` is recorded as leaving, None if not (PeopleError if nobody is called that)."""
        with self.db.session() as session:
            return self._named(session, name).leave_date

    def set_away(self, name: str, until: dt.date | None) -> Person:
        """Record that someone is away up to and including `until` (None: they are back)."""
        with self.db.session() as session:
            person = self._named(session, name)
            person.away_until = until
            self.changed(session, person, person.roles)
            return person

    def set_leave_date(self, name: str, day: dt.date | None) -> Person:
        """Record the day someone leaves (their first day away), or None: they are not leaving after all."""
        with self.db.session() as session:
            person = self._named(session, name)
            person.leave_date = day
            self.changed(session, person, person.roles)
            return person
