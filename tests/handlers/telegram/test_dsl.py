"""A DSL who chose Telegram gets an urgent alert there and can acknowledge it; nobody else can."""

from __future__ import annotations

from bot.config import PersonEntry
from bot.ports import Button, OutboundMessage, Recipient
from tests.handlers.telegram.conftest import PARENT, TelegramWorld
from tests.handlers.telegram.fake_telegram import callback

DSL_CHAT = 900001


def test_a_dsl_acknowledges_an_alert_from_telegram(telegram: TelegramWorld) -> None:
    core = telegram.core
    with core.db.session() as session:
        core.people.upsert(session, PersonEntry(name="Dana Lead", roles=["dsl", "staff"], telegram_chat_id=DSL_CHAT))
    receipt = core.reports.submit("child_at_risk", "A pupil said they are scared to go home.", channel="console")
    assert telegram.notifier is not None
    telegram.notifier.deliver(
        OutboundMessage(
            key="alert",
            recipient=Recipient("telegram", str(DSL_CHAT)),
            kind="report_alert",
            text="A new urgent concern has arrived.",
            title="Child at risk",
            buttons=(Button("report.ack", "Acknowledge", receipt.code), Button("report.close", "Close", receipt.code)),
            ref=receipt.code,
            urgent=True,
        )
    )
    alert = telegram.fake.sent(DSL_CHAT)[-1]
    [[ack]] = alert["reply_markup"]["inline_keyboard"]
    assert ack["callback_data"] == f"d:ack:{receipt.code}"

    [refused] = telegram.say(callback(PARENT, ack["callback_data"]))
    assert "safeguarding team" in refused
    [done] = telegram.say(callback(DSL_CHAT, ack["callback_data"]), chat_id=DSL_CHAT)
    assert "acknowledged" in done
    dsl = core.reports.actor(name="Dana Lead")
    assert dsl is not None
    assert core.reports.case(receipt.code, dsl).acknowledged_by == "Dana Lead"
