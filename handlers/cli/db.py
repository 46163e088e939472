"""`policybot db upgrade`: bring the database schema up to date (also done on every start-up)."""

from __future__ import annotations

import argparse
from typing import Any


def register(commands: Any) -> None:
    db = commands.add_parser("db", help="database maintenance")
    sub = db.add_subparsers(dest="db_command", metavar="ACTION", required=True)
    upgrade = sub.add_parser("upgrade", help="apply database migrations")
    upgrade.set_defaults(handler=_upgrade)


def _upgrade(args: argparse.Namespace) -> int:
    from bot.config import Settings
    from bot.storage import Database

    settings = Settings()
    Database(settings.resolved_database_url).upgrade()
    print("The database is up to date.")
    return 0
