"""Messages addressed to the console: printed in the console chat, never printed (only named) under Slack/Telegram."""

from __future__ import annotations

import logging

import pytest

from bot.ports import DeliveryError, OutboundMessage, Recipient
from handlers.console import ConsoleNotifier, UnreachableNotifier
from handlers.console.io import ScriptedIO

ALERT = OutboundMessage(
    key="report:ABCD:alert:console:Ravi Newdsl",
    recipient=Recipient("console", "Ravi Newdsl"),
    kind="report_alert",
    text="Secret words of the report.",
    title="Urgent concern: A child at risk",
)


def test_in_the_console_chat_an_alert_is_printed() -> None:
    io = ScriptedIO([])
    ConsoleNotifier(io).deliver(ALERT)
    assert "Secret words of the report." in "\n".join(io.transcript)


def test_under_slack_or_telegram_an_alert_for_the_console_is_named_not_printed(
    caplog: pytest.LogCaptureFixture, capsys: pytest.CaptureFixture[str]
) -> None:
    with caplog.at_level(logging.WARNING), pytest.raises(DeliveryError) as failed:
        UnreachableNotifier().deliver(ALERT)
    assert failed.value.permanent
    assert "report alert for Ravi Newdsl could not be delivered" in caplog.text
    assert "Secret" not in caplog.text and "Secret" not in capsys.readouterr().out
