"""`policybot db upgrade`: bring the database schema up to date (also done on every start-up).
`policybot db rotate-key`: put a new encryption key in front and re-encrypt everything stored under the old ones.
`policybot db copy-to URL`: copy everything into another, empty database (SQLite to PostgreSQL).
"""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Callable

    from bot.core import Core


def register(commands: Any) -> None:
    db = commands.add_parser("db", help="database maintenance")
    sub = db.add_subparsers(dest="db_command", metavar="ACTION", required=True)
    upgrade = sub.add_parser("upgrade", help="apply database migrations")
    upgrade.set_defaults(handler=_upgrade)
    rotate = sub.add_parser(
        "rotate-key", help="add a new encryption key and re-encrypt stored reports and questions with it"
    )
    rotate.set_defaults(handler=_rotate_key)
    copy = sub.add_parser(
        "copy-to", help="copy everything into another, empty database (from SQLite to PostgreSQL, say)"
    )
    copy.add_argument("url", metavar="URL", help="the database to copy into, e.g. postgresql://user@host/policybot")
    copy.set_defaults(handler=_copy_to)


def _upgrade(args: argparse.Namespace) -> int:
    from bot.config import read_settings
    from bot.storage import Database
    from handlers.cli.common import refuse_a_folder_away_from_the_bot, refuse_root_in_others_folder

    settings = read_settings()
    refuse_a_folder_away_from_the_bot(settings)
    refuse_root_in_others_folder(settings)
    Database(settings.resolved_database_url).upgrade()
    print("The database is up to date.")
    return 0


def _rotate_key(args: argparse.Namespace) -> int:
    from handlers.cli.common import make_core

    core = make_core()
    release = _bot_not_running(core)
    try:
        return _rotate(core)
    finally:
        release()


def _copy_to(args: argparse.Namespace) -> int:
    from sqlalchemy.engine import make_url

    from bot.config import ConfigError
    from bot.storage import Database, shown_url
    from bot.storage.move import NotEmpty, copy_everything
    from bot.wording import counted
    from handlers.cli.common import make_core

    if "://" not in args.url:
        raise ConfigError(f"{args.url!r} is not a database URL: write it as in DATABASE_URL, e.g. "
                          "postgresql://policybot@localhost/policybot")
    shown = shown_url(args.url)
    core = make_core()
    if make_url(args.url) == make_url(core.settings.resolved_database_url):
        raise ConfigError(f"{shown} is the database the bot uses now: name the new, empty one to copy into.")
    release = _bot_not_running(core)  # a report made while copying would be left behind
    target = Database(args.url)
    try:
        copied = copy_everything(core.db, target)
    except NotEmpty as held:
        raise ConfigError(
            f"{shown} already holds data ({held}), so nothing was copied. Copy into a new, empty database "
            "(`createdb` makes one); if it holds only what a first start of the bot on it made, drop it and make it "
            "again."
        ) from None
    finally:
        target.dispose()
        release()
    print(
        f"Copied {counted(sum(copied.values()), 'row')} ({counted(copied.get('reports', 0), 'report')}, "
        f"{counted(copied.get('people', 0), 'person', 'people')}) "
        f"to {shown}. Now set DATABASE_URL to it in .env and start the bot. The encryption key is the same: keep "
        f"{core.settings.resolved_key_file} and its copies. The old database is left as it was (the bot no longer "
        "uses it), and holds the reports too: keep it safe until the bot has run well for a while, then delete it."
    )
    return 0


def _bot_not_running(core: Core) -> Callable[[], None]:
    """Hold the database's run while the keys change, so the bot cannot start meanwhile: the run lock (SQLite) and
    the scheduler's lead (PostgreSQL). Returns what lets go of them; a running bot holding them is a ConfigError."""
    from bot.core import BotRunning
    from scheduler import Leadership

    try:
        core.claim_run()
    except BotRunning as running:
        raise _bot_running(f" ({running.holder})") from None
    leadership = Leadership(core.db.engine)
    if not leadership.is_leader():
        core.release_run()
        raise _bot_running("")

    def release() -> None:
        leadership.release()
        core.release_run()

    return release


def _bot_running(holder: str) -> Exception:
    from bot.config import ConfigError

    return ConfigError(
        f"the bot is running on this database{holder}. Stop it first (for example `systemctl stop policybot`), run "
        "this again, then start it: a running bot keeps the keys it started with, so it could not read what this "
        "re-encrypts, nor deliver the alerts waiting in its queue."
    )


def _rotate(core: Core) -> int:
    from sqlalchemy import select

    from bot.crypto import Vault, add_key_to_file, load_or_create_keys
    from bot.outbox import OutboxRow
    from bot.qa.gaps import rotate_gaps
    from bot.wording import counted
    from handlers.telegram.models import TelegramChatData, TelegramConversation  # plain tables: PTB is not loaded

    settings = core.settings
    if settings.encryption_keys is not None:
        # Keys from the environment cannot be written here: the operator puts the new key first, then runs this.
        keys = load_or_create_keys(settings.resolved_key_file, settings.encryption_keys.get_secret_value())
        where = "the first key in POLICYBOT_ENCRYPTION_KEYS"
    else:
        add_key_to_file(settings.resolved_key_file)
        keys = load_or_create_keys(settings.resolved_key_file, None)
        where = f"a new key, now first in {settings.resolved_key_file}"
    vault = Vault(keys)
    count = core.reports.rotate(vault)
    count += rotate_gaps(core, vault)  # unanswered questions may name someone
    with core.db.session() as session:  # queued messages may carry report text too
        # (A sender's news is blanked once their way of being reached is forgotten: nothing there to re-encrypt.)
        for row in session.scalars(select(OutboxRow).where(OutboxRow.payload != "")):
            row.payload = vault.rotate(row.payload)
            count += 1
        # Telegram flows in progress: read at start-up, so a value left under a removed key would stop the bot.
        for conversation in session.scalars(select(TelegramConversation)):
            conversation.key_enc = vault.rotate(conversation.key_enc)
            count += 1
        for chat in session.scalars(select(TelegramChatData)):
            chat.chat_enc, chat.data_enc = vault.rotate(chat.chat_enc), vault.rotate(chat.data_enc)
            count += 2
    print(
        f"Re-encrypted {counted(count, 'stored value')} under {where}. Put the new key where you keep the key's copy "
        "(the school's password manager, say) now: what is stored from now on cannot be read without it. The old "
        "keys still read older backups: remove them only when no backup made before today is kept."
    )
    return 0
