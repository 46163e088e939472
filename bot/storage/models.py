"""Imports every module that defines tables, so `Base.metadata` is complete (tests, schema checks)."""

import bot.outbox  # noqa: F401
import bot.people  # noqa: F401
import handlers.slack.models  # noqa: F401
