"""What every command shares: building the Core, logging, and turning known errors into plain messages."""

from __future__ import annotations

import argparse
import datetime as dt
import logging
import os
import pwd
import shlex
import sys
import traceback
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bot.config import Settings
    from bot.core import Core


# Library chatter kept at WARNING whatever LOG_LEVEL says: at INFO the HTTP clients log request URLs (a Bot API URL
# holds the token), and at DEBUG Pillow logs every tag of a picture it opens, a sender's GPS position and camera too.
QUIET_LIBRARIES = ("httpx", "httpcore", "telegram", "slack_bolt", "slack_sdk", "apscheduler", "alembic", "PIL")


def setup_logging(level: str = "INFO", file: Path | None = None, terminal: int = logging.WARNING) -> None:
    """Log to stderr; or, with `file` (the console chat, whose terminal is the conversation), log there and show
    only `terminal` (warnings) and above in the terminal."""
    fmt = logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s")
    handlers: list[logging.Handler] = [logging.StreamHandler(sys.stderr)]
    if file is not None:
        handlers[0].setLevel(terminal)
        file.parent.mkdir(mode=0o700, parents=True, exist_ok=True)  # the data folder: the database and key go in it
        handlers.append(logging.FileHandler(file, encoding="utf-8"))
    for handler in handlers:
        handler.setFormatter(fmt)
    logging.basicConfig(level=getattr(logging, level.upper(), logging.INFO), handlers=handlers)
    for noisy in QUIET_LIBRARIES:
        logging.getLogger(noisy).setLevel(logging.WARNING)


def log_to_file_only(level: str, file: Path) -> None:
    """For a command whose every word is written for the person at the keyboard (`policybot reports`): the log goes
    to `file`, and only errors to the terminal. A line meant for the server's log (that someone was refused, say)
    is not printed before the command's own message. Nothing changes where logging is set up already."""
    if logging.getLogger().handlers:
        return
    try:
        setup_logging(level, file, terminal=logging.ERROR)
    except OSError:  # the data folder cannot take the log (another user's): then nothing goes to a file
        logging.basicConfig(level=logging.ERROR, handlers=[logging.StreamHandler(sys.stderr)])


def iso_date(text: str) -> dt.date:
    """An argparse type: a date written YYYY-MM-DD, or a message saying so (not "invalid fromisoformat value")."""
    try:
        return dt.date.fromisoformat(text.strip())
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not a date; please write it as YYYY-MM-DD, for example 2026-09-01"
        ) from None


def make_core(prepare: bool = True) -> Core:
    """Settings from the environment, the school file, the database migrated and people seeded."""
    from bot.config import read_settings
    from bot.core import Core

    settings = read_settings()
    refuse_a_folder_away_from_the_bot(settings)
    refuse_root_in_others_folder(settings)
    core = Core(settings)
    if prepare:
        core.prepare()
    return core


def refuse_a_folder_away_from_the_bot(settings: Settings) -> None:
    """A command run in another folder than the bot's (`/opt/policybot/.venv/bin/policybot people add ...` from root's
    home) reads no .env, so it would make a new database, key and data folder there and work on those: 'No open
    reports.', or a person added where the bot never looks. Refused when the bot's folder has its settings or data and
    this one has neither (DATA_DIR given in the environment is taken as meant)."""
    from bot import config

    here = Path.cwd().resolve()
    home = config.REPO_ROOT
    if here == home or settings.data_dir != Path("data") or Path(".env").exists() or settings.data_dir.exists():
        return
    if not ((home / ".env").exists() or (home / "data").is_dir()):
        return
    raise config.ConfigError(
        f"this folder ({here}) is not the bot's: it has no .env and no data folder, so the command would make a new, "
        f"empty database here. The bot's settings and data are in {home}: run `cd {home}`, then the command again."
    )


def refuse_root_in_others_folder(settings: Settings) -> None:
    """Run as root in the folder of the bot's own user (`sudo policybot ...`, or a root shell), a command would make
    files there that user cannot open: the key (rotate-key), the log, the SQLite database's journal. The bot would
    then stop at its next start, or miss its log. Refused before anything is made, with the command to run instead."""
    if os.geteuid() != 0:
        return
    for folder in dict.fromkeys([settings.data_dir, settings.resolved_key_file.parent]):
        try:
            owner = folder.stat().st_uid
        except OSError:  # not made yet (the bot's first start makes it), or not reachable: nothing to protect
            continue
        if owner == 0:
            continue
        from bot.config import ConfigError

        name = _user_name(owner)
        command = shlex.join(["sudo", "-u", name, *sys.argv]) if Path(sys.argv[0]).name == "policybot" else None
        raise ConfigError(
            f"this command is running as root, but {folder.resolve()} belongs to {name}, the user the bot runs as: "
            f"files it made there would be root's, and the bot could not open them. Run it as {name} instead"
            + (f": {command}" if command else f" (sudo -u {name} .venv/bin/policybot ...)")
        )


def known_errors() -> tuple[type[BaseException], ...]:
    """Errors whose message is written for the person at the keyboard: shown as they are, no traceback."""
    from bot.config import ConfigError
    from bot.crypto import VaultError
    from bot.people import PeopleError

    errors: list[type[BaseException]] = [ConfigError, PeopleError, VaultError]
    try:
        from bot.policy.loader import PolicyDataError

        errors.append(PolicyDataError)
    except ImportError:
        pass
    try:
        from bot.reports import ReportError

        errors.append(ReportError)
    except ImportError:
        pass
    from bot.schedule.common import ScheduleError

    errors.append(ScheduleError)
    return tuple(errors)


def run_command(args: argparse.Namespace) -> int:
    try:
        return int(args.handler(args) or 0)
    except KeyboardInterrupt:
        print("\nStopped.", file=sys.stderr)
        return 130
    except BrokenPipeError:
        # Whatever read the output stopped early (`policybot ask --batch FILE | head`): stop quietly, as `cat` does.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())  # no second error as Python flushes stdout
        return 141
    except Exception as exc:
        if args.debug:
            raise
        if isinstance(exc, known_errors()):
            print(f"policybot: {exc}", file=sys.stderr)
            return 1
        if isinstance(exc, OSError) and exc.filename and exc.strerror:  # a file named on the command line
            print(f"policybot: {exc.filename}: {exc.strerror}{another_users(exc)}", file=sys.stderr)
            return 1
        database = database_problem(exc)
        if database:
            print(f"policybot: {database}", file=sys.stderr)
            return 1
        print(
            f"policybot: something went wrong ({type(exc).__name__}). "
            "Run the same command with --debug for details, or ask whoever looks after the bot.",
            file=sys.stderr,
        )
        return 1


def another_users(exc: OSError) -> str:
    """For a file this user may not open because another made it (root, trying the bot before its service's first
    start): whose it is, and the two ways on. The data folder is handed over whole: the database, key and log in it
    go together."""
    if not isinstance(exc, PermissionError):
        return ""
    named = Path(str(exc.filename)).absolute()
    path = named
    while True:  # the file itself, or the nearest folder above it this user may look at (the data folder, 700)
        try:
            owner = path.stat().st_uid
            break
        except OSError:
            if path == path.parent:
                return ""
            path = path.parent
    me = os.geteuid()
    if owner == me:
        return ""
    try:
        from bot.config import read_settings

        data = read_settings().data_dir.absolute()
    except Exception:  # a .env that cannot be read is said at the next start; the file's owner matters here
        data = Path("data").absolute()
    name, theirs = _user_name(me), _user_name(owner)
    if path == data or data in path.parents:
        chown = f"chown -R {name} {data}"
    elif path == named:
        chown = f"chown {name} {path}"
    else:  # a folder above it (DATA_DIR under /root, say): one never to hand over
        return (f". {path} belongs to {theirs}, and {name}, which this runs as, may not open it: use a folder {name} "
                "may write to, then run this again")
    return (f". It belongs to {theirs}, and this runs as {name}. The bot's files must belong to the user it runs as: "
            f"if that is {name}, run `{chown}` as root, then this again; if it is {theirs}, run this as {theirs}"
            + ("" if owner == 0 else f" (sudo -u {theirs} ...)"))


def _user_name(uid: int) -> str:
    try:
        return pwd.getpwuid(uid).pw_name
    except KeyError:
        return str(uid)


def database_problem(exc: BaseException) -> str | None:
    """What to do when the database cannot be reached or DATABASE_URL cannot be read; None for anything else."""
    from sqlalchemy.exc import ArgumentError, InterfaceError, NoSuchModuleError, OperationalError, ProgrammingError

    if isinstance(exc, NoSuchModuleError | ArgumentError) or (
        isinstance(exc, ModuleNotFoundError) and "sqlalchemy" in "".join(traceback.format_tb(exc.__traceback__))
    ):  # a dialect it does not know, or one whose driver is not installed (mysql://): SQLite and PostgreSQL are
        return ("DATABASE_URL is not a database address policybot can use. Write it like "
                "postgresql://USER@HOST/DATABASE, or leave it out for the built-in SQLite file.")
    if isinstance(exc, OperationalError | InterfaceError):
        reason = str(getattr(exc, "orig", exc)).strip().splitlines()
        return ("the database cannot be reached" + (f" ({reason[0][:200]})" if reason else "")
                + ". Check DATABASE_URL, and that the database server is running.")
    if isinstance(exc, ProgrammingError):
        state = getattr(exc.orig, "sqlstate", None)
        said = str(exc.orig).strip().splitlines()[0][:200] if str(exc.orig).strip() else ""
        if state == "42501":  # insufficient_privilege: PostgreSQL 15 lets only a database's owner create in public
            return (f"the database user in DATABASE_URL may not create or change policybot's tables ({said}). Make "
                    "that user the owner of the database (ALTER DATABASE name OWNER TO user), or grant it CREATE on "
                    "the schema, then start again.")
        if state == "3F000":  # invalid_schema_name: a search_path naming a schema that does not exist
            return ("the schema DATABASE_URL names (search_path) does not exist in that database. Create it "
                    "(CREATE SCHEMA name) or correct DATABASE_URL, then start again.")
    return None
