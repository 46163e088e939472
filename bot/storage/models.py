"""Imports every module that defines tables, so `Base.metadata` is complete (tests, schema checks)."""

import bot.feedback  # noqa: F401
import bot.outbox  # noqa: F401
import bot.people  # noqa: F401
import bot.qa.gaps  # noqa: F401
import bot.reports.models  # noqa: F401
import bot.schedule.models  # noqa: F401
import handlers.slack.models  # noqa: F401
import handlers.telegram.models  # noqa: F401
