"""The Slack listeners, grouped by what Slack sends: commands, events, actions (button presses), views (modals)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from slack_bolt import App

from handlers.slack.listeners import actions, commands, events, views

if TYPE_CHECKING:
    from bot.core import Core
    from handlers.slack.app import Later


def register_listeners(app: App, core: Core, later: Later) -> None:
    for kind in (commands, events, actions, views):
        kind.register(app, core, later)
