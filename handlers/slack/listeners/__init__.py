"""The Slack listeners, grouped by what Slack sends: commands, events, actions (button presses), views (modals)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from slack_bolt import App

from handlers.slack.listeners import actions, commands, events, views

if TYPE_CHECKING:
    from bot.core import Core


def register_listeners(app: App, core: Core) -> None:
    commands.register(app, core)
    events.register(app, core)
    actions.register(app, core)
    views.register(app, core)
