"""The Slack adapter: staff ask about the policy, acknowledge it and report concerns; DSLs handle alerts.

- `create_slack_app(core, client=None)` builds the bolt App with every listener registered.
- `SlackNotifier(core, client=None)` delivers the outbox's messages on Slack (alerts updated in place).
- `start_slack(app, core)` connects (Socket Mode, or HTTP on PORT) and returns a callable that stops it.
"""

from handlers.slack.app import create_slack_app
from handlers.slack.notifier import SlackNotifier
from handlers.slack.server import start_slack

__all__ = ["SlackNotifier", "create_slack_app", "start_slack"]
