"""Configuration, read once into typed objects and passed in.

`Settings` comes from the environment (and an optional `.env`); `School` comes from the school's YAML settings
file (name, timezone, contacts, people, holidays, report routes). Nothing else in the code reads os.environ.
"""

from __future__ import annotations

import datetime as dt
import errno
from functools import cached_property
from pathlib import Path
from typing import Any, Literal
from zoneinfo import ZoneInfo

import yaml
from pydantic import BaseModel, ConfigDict, Field, SecretStr, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from bot.yamlfile import line_of, load_yaml, located, ordinal, plain_problem, syntax_problem

REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_POLICY_DIR = REPO_ROOT / "policy_data"
SAMPLE_SCHOOL_FILE = REPO_ROOT / "school.example.yaml"


class ConfigError(Exception):
    """A configuration problem worded for the person running the bot: file, where, what is wrong."""


def cannot_listen(exc: OSError, port: int, variable: str, what: str) -> ConfigError:
    """A port the bot could not listen on (Slack's HTTP mode, Telegram's webhook), said for whoever runs it."""
    if exc.errno == errno.EADDRINUSE:
        why = ("another program is already using it; perhaps policybot is already running (see "
               f"`systemctl status policybot`). Stop the other program, or set {variable} to a free port")
    elif exc.errno == errno.EACCES:
        why = (f"ports below 1024 need administrator rights. Set {variable} to 1024 or above (a web server in front "
               "can forward the public port to it)")
    else:
        why = f"{exc.strerror or exc}. Check {variable}"
    return ConfigError(f"{what} cannot listen on port {port} ({variable}): {why}, then start the bot again.")


LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR")


class Settings(BaseSettings):
    """Everything the process needs from its environment. Tokens are optional: none means console only."""

    data_dir: Path = Path("data")
    database_url: str | None = None
    policy_dir: Path = DEFAULT_POLICY_DIR
    school_file: Path | None = None
    log_level: str = "INFO"

    # Encryption at rest of report text: a Fernet key (or several, comma separated, newest first) or a key file.
    encryption_keys: SecretStr | None = Field(default=None, alias="POLICYBOT_ENCRYPTION_KEYS")
    key_file: Path | None = None

    slack_bot_token: SecretStr | None = None
    slack_app_token: SecretStr | None = None
    slack_signing_secret: SecretStr | None = None
    slack_api_url: str | None = None
    slack_dsl_channel: str | None = None
    port: int = 3000

    telegram_bot_token: SecretStr | None = None
    telegram_base_url: str | None = None
    telegram_webhook_url: str | None = None
    telegram_webhook_secret: SecretStr | None = None
    telegram_webhook_port: int = 8443

    scheduler_enabled: bool = True

    # A variable left empty (`SLACK_BOT_TOKEN=` in a .env made from a template) is not set: otherwise an empty token
    # would start Slack and fail, and an empty PORT would stop start-up.
    model_config = SettingsConfigDict(
        env_file=".env", env_file_encoding="utf-8", extra="ignore", populate_by_name=True, env_ignore_empty=True
    )

    @field_validator("log_level", mode="before")
    @classmethod
    def _known_level(cls, value: object) -> object:
        """A level the logging library does not know would quietly be INFO."""
        if isinstance(value, str) and value.strip().upper() in LOG_LEVELS:
            return value.strip().upper()
        raise ValueError(f"should be one of {', '.join(LOG_LEVELS[:-1])} or {LOG_LEVELS[-1]}")

    @property
    def resolved_database_url(self) -> str:
        if self.database_url:
            # "postgres://" (as Heroku and others write it) is what SQLAlchemy calls "postgresql://"
            if self.database_url.startswith("postgres://"):
                return "postgresql://" + self.database_url.removeprefix("postgres://")
            return self.database_url
        return f"sqlite:///{(self.data_dir / 'policybot.db').resolve()}"

    @property
    def resolved_key_file(self) -> Path:
        return self.key_file or self.data_dir / "policybot.key"

    @property
    def qa_cache_file(self) -> Path:
        """The question index's tokenised policy data, kept between runs (rebuilt whenever the data changes)."""
        return self.data_dir / "qa-index.json"

    @property
    def resolved_school_file(self) -> Path:
        if self.school_file:
            return self.school_file
        local = Path("school.yaml")
        return local if local.exists() else SAMPLE_SCHOOL_FILE

    @property
    def slack_enabled(self) -> bool:
        return self.slack_bot_token is not None and (
            self.slack_app_token is not None or self.slack_signing_secret is not None
        )

    @property
    def telegram_enabled(self) -> bool:
        return self.telegram_bot_token is not None


def read_settings() -> Settings:
    """The settings from the environment and .env; a value that cannot be used names its variable and how to write
    it (not pydantic's "Input should be a valid integer")."""
    try:
        return Settings()
    except ValidationError as exc:
        problems = []
        for err in exc.errors():
            field = str(err["loc"][0]) if err["loc"] else ""
            info = Settings.model_fields.get(field)
            variable = (info.alias if info is not None and info.alias else field).upper()
            kind = info.annotation if info is not None else None
            if kind is int:
                how = f"should be a whole number, for example {variable}={info.default if info else 3000}"
            elif kind is bool:
                how = "should be true or false"
            elif err["type"] == "value_error":  # our own validator's words, without pydantic's "Value error, "
                how = str(err["ctx"]["error"])
            else:
                how = str(err["msg"])
            shown = f"={err['input']!r}" if kind in (int, bool) or field == "log_level" else ""  # never a token or key
            problems.append(f"{variable}{shown} {how}")
        raise ConfigError(
            "A setting in .env (or the environment) cannot be used: " + "; ".join(problems)
            + ". Correct it, then start again."
        ) from None


def unknown_env_settings(path: Path = Path(".env")) -> list[str]:
    """For each line of .env naming a setting policybot does not know, one line for the start-up log: such a line is
    ignored, and a misspelt DATABASE_URL would quietly start a new, empty SQLite database. A warning, not a refusal:
    the file may hold other programs' settings too."""
    import difflib
    import re

    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError:  # none, or unreadable: read_settings says so
        return []
    known = sorted({(info.alias or name).upper() for name, info in Settings.model_fields.items()})
    lines = []
    for number, line in enumerate(text.splitlines(), 1):
        setting = re.match(r"\s*(?:export\s+)?([A-Za-z_]\w*)\s*=", line)
        if setting is None or setting[1].upper() in known:
            continue
        close = difflib.get_close_matches(setting[1].upper(), known, n=1)
        lines.append(f"{path}, line {number}: {setting[1]} is not a setting policybot knows, so it is ignored"
                     + (f": did you mean {close[0]}?" if close else ".") + " Correct it, or remove it.")
    return lines


Role = Literal["staff", "dsl", "deputy_dsl", "headteacher", "chair_of_governors", "vice_chair_of_governors", "admin"]


class _Entry(BaseModel):
    """A part of the school file: a setting it does not know is a misspelt one, refused rather than ignored."""

    model_config = ConfigDict(extra="forbid")


class Contact(_Entry):
    """Someone the bot can point people to: 'please speak to the school office on ...'."""

    title: str
    name: str | None = None
    email: str | None = None
    phone: str | None = None

    def describe(self) -> str:
        parts = [self.title + (f" ({self.name})" if self.name else "")]
        if self.phone:
            parts.append(self.phone)
        if self.email:
            parts.append(self.email)
        return ", ".join(parts)


# The school file's contacts the bot names, and when (bot/qa and bot/reports); a report category's `contact:`, and a
# policy clause's `contacts:` (those it tells people to go to), may name others. Any other is never shown: a misspelt
# "offce" would leave parents without the office's number.
CONTACT_USES = {
    "office": "to parents, for a question the policy does not answer",
    "headteacher": "to staff, for a question the policy does not answer",
    "dsl": "for a safeguarding question",
    "local_authority": "for a concern nobody at the school can be sent (one about the headteacher, with no chair)",
}


class PersonEntry(_Entry):
    """A member of the school community as listed in the settings file (imported into the people table)."""

    # The limits are the people table's columns (PostgreSQL enforces them; SQLite would take anything).
    name: str = Field(max_length=200)
    roles: list[Role] = ["staff"]
    slack_user_id: str | None = Field(default=None, max_length=64)
    telegram_chat_id: int | None = Field(default=None, ge=-(2**63), lt=2**63)
    email: str | None = Field(default=None, max_length=320)
    start_date: dt.date | None = None
    leave_date: dt.date | None = None

    @field_validator("name", "slack_user_id", "email")
    @classmethod
    def _no_nul(cls, value: str | None) -> str | None:
        if value is not None and "\x00" in value:  # PostgreSQL refuses it; it is never part of a real name
            raise ValueError("contains a NUL character, which cannot be stored: please retype it")
        return value

    @field_validator("name")
    @classmethod
    def _spaced_once(cls, name: str) -> str:
        """A name typed with stray spaces is the same person: stored as typed, it would be a second one beside them."""
        return " ".join(name.split())


class Holiday(_Entry):
    name: str
    start: dt.date
    end: dt.date

    @model_validator(mode="after")
    def _ends_after_it_starts(self) -> Holiday:
        if self.end < self.start:
            raise ValueError(f"the holiday {self.name!r} ends ({self.end}) before it starts ({self.start})")
        return self


def unquoted_time(value: object) -> object:
    """A time written without quotes in the school file (`end_of_day: 15:30`): YAML reads it as a number of minutes
    (930), which pydantic would take for seconds since midnight. Read back as the time it was written as."""
    if isinstance(value, int) and not isinstance(value, bool) and 0 <= value < 24 * 60:
        return dt.time(value // 60, value % 60)
    if isinstance(value, float | int) and not isinstance(value, bool):  # 8.30 is 8.3 to YAML, and 8.3 s to pydantic
        typed = f"{value:.2f}" if isinstance(value, float) else f"{value // 60}:{value % 60:02d}"  # 25:00 is 1500
        raise ValueError(f'{typed} is not a time: write it with a colon, in quotes, e.g. "08:30" or "15:30"')
    return value


class QuietHours(_Entry):
    """Staff reminders go out only inside these hours on school days."""

    start: dt.time = dt.time(7, 0)
    end: dt.time = dt.time(18, 0)

    _unquoted = field_validator("start", "end", mode="before")(unquoted_time)


DEFAULT_END_OF_DAY = dt.time(15, 30)


def fitted_end_of_day(quiet: QuietHours) -> dt.time:
    """The default end_of_day moved inside quiet hours that end before it: half an hour before they end (never
    before they start), so a school file that worked before end_of_day existed still starts."""
    if quiet.start <= DEFAULT_END_OF_DAY < quiet.end:
        return DEFAULT_END_OF_DAY
    end = quiet.end.hour * 60 + quiet.end.minute
    start = quiet.start.hour * 60 + quiet.start.minute
    minutes = max(start, end - 30)
    return dt.time(minutes // 60, minutes % 60)


class School(_Entry):
    name: str
    timezone: str = "Europe/London"
    contacts: dict[str, Contact] = {}
    people: list[PersonEntry] = []
    holidays: list[Holiday] = []
    quiet_hours: QuietHours = QuietHours()
    reminder_time: dt.time = dt.time(8, 30)
    # When staff are reminded of pupils' images on their own phones: after the children have gone home. Not given
    # and outside quiet_hours (a file from before it existed): half an hour before they end (see below).
    end_of_day: dt.time = DEFAULT_END_OF_DAY
    # "full": alerts carry the report text; "contentless": only category, urgency and receipt.
    alert_contents: Literal["full", "contentless"] = "full"
    # Replaces the report categories and routes of bot/reports/categories.yaml (same shape); None keeps them.
    report_categories: list[dict[str, Any]] | None = None

    @model_validator(mode="after")
    def _reminders_in_quiet_hours(self) -> School:
        quiet = self.quiet_hours
        if quiet.end <= quiet.start:
            raise ValueError(f"quiet_hours: end ({quiet.end:%H:%M}) must be after start ({quiet.start:%H:%M})")
        if not quiet.start <= self.reminder_time < quiet.end:
            raise ValueError(
                f"reminder_time {self.reminder_time:%H:%M} is outside the hours reminders may be sent "
                f"({quiet.start:%H:%M}-{quiet.end:%H:%M}, quiet_hours), so none would ever be sent"
            )
        if "end_of_day" not in self.model_fields_set:
            self.end_of_day = fitted_end_of_day(quiet)
        elif not quiet.start <= self.end_of_day < quiet.end:  # only a time the school chose is refused
            raise ValueError(
                f"end_of_day {self.end_of_day:%H:%M} (when staff are reminded of pupils' images on their phones) is "
                f"outside the hours reminders may be sent ({quiet.start:%H:%M}-{quiet.end:%H:%M}, quiet_hours), "
                "so none would ever be sent; set end_of_day to a time inside them"
            )
        return self

    _unquoted = field_validator("reminder_time", "end_of_day", mode="before")(unquoted_time)

    @field_validator("timezone")
    @classmethod
    def _known_timezone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (KeyError, ValueError) as exc:
            raise ValueError(f"{value!r} is not a timezone name: write it as Region/City, e.g. Europe/London") from exc
        return value

    @field_validator("people")
    @classmethod
    def _listed_once(cls, people: list[PersonEntry]) -> list[PersonEntry]:
        """Someone listed twice would be added once, from the first entry, and the second ignored without a word."""
        first: dict[str, int] = {}
        for number, person in enumerate(people, 1):
            key = person.name.casefold()
            if key in first:
                raise ValueError(
                    f"{person.name} is listed twice (the {ordinal(first[key])} and the {ordinal(number)} person): "
                    "keep one entry, with all their roles in it"
                )
            first[key] = number
        return people

    @cached_property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def date_at(self, moment: dt.datetime) -> dt.date:
        """The date at the school at `moment`: in its timezone, not the server's (at 00:30 in London in summer, UTC
        still says yesterday). Every "today" in the bot is decided here."""
        return moment.astimezone(self.tz).date()

    def contact(self, key: str) -> Contact | None:
        return self.contacts.get(key)

    def is_holiday(self, day: dt.date) -> bool:
        return any(h.start <= day <= h.end for h in self.holidays)

    def is_school_day(self, day: dt.date) -> bool:
        return day.weekday() < 5 and not self.is_holiday(day)


# Which is the right word for what a field holds, in "'dls' is not a role".
_NOUNS = {"roles": "a role", "alert_contents": "a choice for alert_contents"}
_LISTS = {"people": "person", "holidays": "holiday"}


def _where(raw: Any, loc: tuple[int | str, ...]) -> str:
    """The entry a problem is in, as the school office would find it: "the 2nd person (Dana Lead)"."""
    if len(loc) >= 2 and loc[0] in _LISTS and isinstance(loc[1], int):
        entries = raw.get(loc[0])
        entry = entries[loc[1]] if isinstance(entries, list) and loc[1] < len(entries) else None
        name = entry.get("name") if isinstance(entry, dict) else None
        return f"the {ordinal(loc[1] + 1)} {_LISTS[str(loc[0])]}" + (f" ({name})" if isinstance(name, str) else "")
    if len(loc) >= 2 and loc[0] == "contacts":
        return f"the contact {loc[1]}"
    return str(loc[0]) if len(loc) >= 2 else ""


def _known_fields() -> set[str]:
    return {name for model in (School, Contact, PersonEntry, Holiday, QuietHours) for name in model.model_fields}


def load_school(path: Path) -> School:
    """Read the school settings file; a problem names the file, the line and entry, what is wrong and how to write
    it right, for the school office (not a programmer)."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError as exc:
        raise ConfigError(f"{path}: file not found. Copy school.example.yaml to that name and edit it.") from exc
    except IsADirectoryError as exc:
        raise ConfigError(f"{path}: this is a folder: SCHOOL_FILE should name the school settings file") from exc
    except UnicodeDecodeError as exc:
        raise ConfigError(f"{path}: cannot be read as text: save it as plain text (UTF-8) and try again") from exc
    try:
        raw = load_yaml(text)
    except yaml.YAMLError as exc:
        line, problem = syntax_problem(exc, text)
        raise ConfigError(f"{path}{f', line {line}' if line else ''}: {problem}") from exc
    if not isinstance(raw, dict):
        raise ConfigError(
            f"{path}: {'the file is empty' if raw is None else 'this is not a school settings file'}: it should "
            "have one setting per line, starting with  name: (the school's name), as in school.example.yaml"
        )
    try:
        return School.model_validate(raw)
    except ValidationError as exc:
        found: list[tuple[int, str]] = []
        for err in exc.errors():
            line = line_of(text, err["loc"]) if err["loc"] else None
            problem = plain_problem(err, _NOUNS, _known_fields())
            found.append((line or 0, located(line, _where(raw, err["loc"]), err["loc"], problem)))
        problems = [problem for _, problem in sorted(found, key=lambda item: item[0])]
        if len(problems) == 1:
            raise ConfigError(f"{path}{', ' if problems[0].startswith('line ') else ': '}{problems[0]}") from exc
        raise ConfigError(f"{path} has {len(problems)} problems:" + "".join(f"\n  {p}" for p in problems)) from exc
