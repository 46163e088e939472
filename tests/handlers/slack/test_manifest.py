"""slack_manifest.yaml, the one paste that creates the Slack app: its commands are the ones the app answers."""

from __future__ import annotations

from typing import Any

import yaml

from bot.config import REPO_ROOT
from tests.handlers.slack.conftest import STAFF, SlackWorld

# Slack's own commands (https://slack.com/help/articles/201259356): an app's command of the same name would never be
# reached, and Slack would do its own thing with what was typed: /status would set the sender's Slack status, which
# everyone sees, to their receipt code.
SLACK_BUILT_IN = {
    "/active", "/apps", "/archive", "/away", "/call", "/collapse", "/dm", "/dnd", "/expand", "/feed", "/feedback",
    "/invite", "/join", "/leave", "/me", "/msg", "/mute", "/open", "/remind", "/remove", "/rename", "/search",
    "/shortcuts", "/shrug", "/star", "/status", "/topic", "/who",
}


def _manifest() -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load((REPO_ROOT / "slack_manifest.yaml").read_text(encoding="utf-8"))
    return loaded


def manifest_commands() -> list[str]:
    return [c["command"] for c in _manifest()["features"]["slash_commands"]]


def test_no_command_is_one_of_slacks_own() -> None:
    commands = manifest_commands()
    assert "/checkreport" in commands and not SLACK_BUILT_IN & set(commands)


def test_every_command_in_the_manifest_is_answered(slack: SlackWorld) -> None:
    for command in manifest_commands():
        sent = slack.sender.slash_command(command, "", STAFF)
        assert sent.status == 200, command  # bolt answers 404 to a command nobody listens for


# What in handlers/slack needs each scope and event: a scope the code never uses only widens what a stolen token
# could read (and what the school must approve at install), and one it needs but lacks fails only in production.
SCOPES_NEEDED_BY = {
    "app_mentions:read": '@app.event("app_mention")',
    "chat:write": "chat_postMessage(",
    "commands": "@app.command(",
    "im:history": '@app.event("message")',  # message.im: direct messages to the bot
    "im:write": "conversations_open(",  # a DM to a DSL (urgent alerts) or to staff (reminders)
    "channels:read": "conversations_info(",  # the DSL channel, public (C...)
    "groups:read": "conversations_info(",  # or private (G..., or C... for newer ones)
}
EVENTS_LISTENED_BY = {
    "app_home_opened": '@app.event("app_home_opened")',
    "app_mention": '@app.event("app_mention")',
    "message.im": '@app.event("message")',
}


def _slack_code() -> str:
    return "\n".join(p.read_text(encoding="utf-8") for p in sorted((REPO_ROOT / "handlers" / "slack").rglob("*.py")))


def test_the_manifest_asks_for_the_scopes_the_code_uses_and_no_others() -> None:
    code = _slack_code()
    assert set(_manifest()["oauth_config"]["scopes"]["bot"]) == set(SCOPES_NEEDED_BY)
    assert [scope for scope, needed_by in SCOPES_NEEDED_BY.items() if needed_by not in code] == []


def test_the_manifest_subscribes_to_the_events_the_code_listens_for_and_no_others() -> None:
    code = _slack_code()
    assert set(_manifest()["settings"]["event_subscriptions"]["bot_events"]) == set(EVENTS_LISTENED_BY)
    assert [event for event, listener in EVENTS_LISTENED_BY.items() if listener not in code] == []
