"""A DSL who chose Telegram gets an urgent alert there and can acknowledge it; nobody else can. (Reading and acting
on a case there: test_governors_on_telegram.)"""

from __future__ import annotations

from pathlib import Path

from bot.config import PersonEntry, School
from bot.ports import Button, ManualClock, OutboundMessage, Recipient
from handlers.telegram.dsl import _acknowledge
from tests.conftest import core_with
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
            buttons=(
                Button("report.ack", "Acknowledge", receipt.reference),
                Button("report.close", "Close", receipt.reference),
            ),
            ref=receipt.reference,
            urgent=True,
        )
    )
    alert = telegram.fake.sent(DSL_CHAT)[-1]
    [[ack], [close]] = alert["reply_markup"]["inline_keyboard"]
    assert ack["callback_data"] == f"d:ack:{receipt.reference}"
    assert close["callback_data"] == f"d:close:{receipt.reference}"

    [refused] = telegram.say(callback(PARENT, ack["callback_data"]))
    assert "safeguarding team" in refused
    [done] = telegram.say(callback(DSL_CHAT, ack["callback_data"]), chat_id=DSL_CHAT)
    assert "acknowledged" in done
    dsl = core.reports.actor(name="Dana Lead")
    assert dsl is not None
    assert core.reports.case(receipt.reference, dsl).acknowledged_by == "Dana Lead"


def test_a_dsl_not_on_slack_is_not_sent_to_slack_to_read_the_case(telegram: TelegramWorld) -> None:
    """Without Slack (here it is not set up), acknowledging from Telegram says where the case can be read (where the
    school keeps the report's text out of chats: else it is read there, see test_governors_on_telegram)."""
    core = telegram.core
    core.school.alert_contents = "contentless"
    with core.db.session() as session:
        core.people.upsert(session, PersonEntry(name="Dana Lead", roles=["dsl", "staff"], slack_user_id="U0DSL00001",
                                                telegram_chat_id=DSL_CHAT))
    receipt = core.reports.submit("child_at_risk", "A pupil said they are scared to go home.", channel="telegram")
    [done] = telegram.say(callback(DSL_CHAT, f"d:ack:{receipt.reference}"), chat_id=DSL_CHAT)
    assert done.startswith(f"You have acknowledged report {receipt.reference}.")
    assert "Slack" not in done and f'policybot reports show {receipt.reference} --as "Dana Lead"' in done


def test_a_dsl_on_slack_too_is_sent_there_to_read_the_case(tmp_path: Path, school: School, clock: ManualClock) -> None:
    with core_with(tmp_path, school, clock, slack_bot_token="xoxb-test", slack_signing_secret="s") as core:
        core.school.alert_contents = "contentless"
        with core.db.session() as session:
            core.people.upsert(session, PersonEntry(name="Dana Lead", roles=["dsl"], slack_user_id="U0DSL00001",
                                                    telegram_chat_id=DSL_CHAT))
        receipt = core.reports.submit("child_at_risk", "A pupil said they are scared to go home.", channel="telegram")
        said = _acknowledge(core, DSL_CHAT, receipt.reference)
    assert said.endswith(
        "To read all of it, add a note, ask the sender a question or close it, open the report's alert in Slack.")


def test_an_alert_on_telegram_says_exactly_where_to_do_what_its_one_button_cannot(telegram: TelegramWorld) -> None:
    """Only Acknowledge can be pressed on Telegram. The alert said "Open it with the button below" (there is no such
    button), or, quoting the report, nothing at all: a DSL without Slack was left with no way to act on it. (Where
    the school keeps the report's text out of chats.)"""
    core = telegram.core
    core.school.alert_contents = "contentless"
    with core.db.session() as session:
        core.people.upsert(session, PersonEntry(name="Dana Lead", roles=["dsl", "staff"], telegram_chat_id=DSL_CHAT))
    receipt = core.reports.submit("child_at_risk", "A pupil said they are scared to go home.", channel="console")
    command = f'policybot reports show {receipt.reference} --as "Dana Lead"'
    telegram.dispatch()
    alert = telegram.fake.wait_for_messages(DSL_CHAT, 1)[-1]["text"]
    assert "Acknowledge it with the button below." in alert and command in alert
    assert "Open it with the button below" not in alert
    [done] = telegram.say(callback(DSL_CHAT, f"d:ack:{receipt.reference}"), chat_id=DSL_CHAT)
    assert command in done
    telegram.dispatch()
    update = telegram.fake.wait_for_messages(DSL_CHAT, 3)[-1]  # the card again, acknowledged: no button left
    assert "Acknowledged by: Dana Lead" in update["text"] and "reply_markup" not in update
    assert command in update["text"] and "button" not in update["text"]
