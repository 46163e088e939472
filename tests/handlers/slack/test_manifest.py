"""slack_manifest.yaml, the one paste that creates the Slack app: its commands are the ones the app answers."""

from __future__ import annotations

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


def manifest_commands() -> list[str]:
    manifest = yaml.safe_load((REPO_ROOT / "slack_manifest.yaml").read_text(encoding="utf-8"))
    return [c["command"] for c in manifest["features"]["slash_commands"]]


def test_no_command_is_one_of_slacks_own() -> None:
    commands = manifest_commands()
    assert "/checkreport" in commands and not SLACK_BUILT_IN & set(commands)


def test_every_command_in_the_manifest_is_answered(slack: SlackWorld) -> None:
    for command in manifest_commands():
        sent = slack.sender.slash_command(command, "", STAFF)
        assert sent.status == 200, command  # bolt answers 404 to a command nobody listens for
