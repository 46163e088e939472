"""Telegram's edges: groups, the webhook's secret token, odd updates, rate limits, long messages, delivery."""

from __future__ import annotations

import socket
import time
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import httpx
import pytest

from bot.config import ConfigError, School
from bot.ports import DeliveryError, ManualClock, OutboundMessage, Recipient
from handlers.telegram import create_telegram_app, run_telegram, texts
from handlers.telegram.added import NOTES, QUIET_SECONDS, AddedNotes
from handlers.telegram.formatting import MAX_MESSAGE, render, render_text
from handlers.telegram.guard import RateLimiter
from tests.conftest import core_with, free_port, make_core, make_settings
from tests.handlers.telegram.conftest import GROUP, OTHER_PARENT, PARENT, TelegramWorld
from tests.handlers.telegram.fake_telegram import (
    BOT_USERNAME,
    FakeTelegram,
    callback,
    channel_post,
    command,
    edited_message,
    message,
    sticker,
    voice,
)


def test_in_a_group_only_a_pointer_to_a_private_chat(telegram: TelegramWorld) -> None:
    [reply] = telegram.say(message(GROUP, "/report", chat_type="supergroup", from_id=PARENT), chat_id=GROUP)
    assert reply == texts.GROUP_ONLY_PRIVATE
    telegram.fake.inject(message(GROUP, "can I post photos?", chat_type="group", from_id=PARENT))  # not for us
    telegram.fake.inject(message(GROUP, "/status ACDE-FGHJ-KMNP-RTWX", chat_type="group", from_id=PARENT))
    telegram.fake.inject(callback(GROUP, "m:report", chat_type="group"))
    telegram.fake.wait_for_call("answerCallbackQuery")
    telegram.fake.wait_for_messages(GROUP, 2)
    assert set(telegram.fake.texts(GROUP)) == {texts.GROUP_ONLY_PRIVATE}
    assert telegram.fake.sent(PARENT) == []



def test_in_a_group_a_command_for_another_bot_is_left_alone(telegram: TelegramWorld) -> None:
    ours = message(GROUP, f"/help@{BOT_USERNAME}", chat_type="supergroup", from_id=PARENT)
    assert telegram.say(ours, chat_id=GROUP) == [texts.GROUP_ONLY_PRIVATE]
    telegram.fake.inject(message(GROUP, "/start@other_bot", chat_type="supergroup", from_id=PARENT))
    telegram.say(ours, chat_id=GROUP)  # a chat's updates are handled in order: a reply to the other's comes first
    time.sleep(0.3)
    assert telegram.fake.texts(GROUP) == [texts.GROUP_ONLY_PRIVATE] * 2


def test_odd_updates_never_crash(telegram: TelegramWorld) -> None:
    fake = telegram.fake
    fake.inject(
        edited_message(PARENT, "edited"),
        sticker(PARENT),
        voice(PARENT),
        channel_post(-100999, "news"),
        callback(PARENT, "r:send"),  # a button from a report that no longer exists
        callback(PARENT, "zz:nonsense"),
        callback(PARENT, "f1:no-such-clause"),
        callback(PARENT, "s:no-such-section"),
        callback(PARENT, "d:ack:ACDE-FGHJ-KMNP-RTWX"),  # not a DSL
        {"some_future_update": {"id": 1}},  # a kind of update newer than our library
        {"poll": {"id": "1", "question": "?"}},  # one the library cannot read: skipped, not a stalled bot
        {"callback_query": {"id": "x1", "from": {"id": PARENT, "is_bot": False, "first_name": "P"},
                            "chat_instance": "c", "data": "m:ask"}},  # no message: an inline keyboard elsewhere
    )
    fake.wait_for_call("answerCallbackQuery", 6)
    fake.wait_for(lambda: any("safeguarding team" in t for t in fake.texts(PARENT)), what="the DSL-only reply")
    [answer] = telegram.say(message(PARENT, "Can I post photos of the school play?"))
    assert "include other children as well as their own" in answer  # still answering after the odd updates
    said = fake.texts(PARENT)
    assert texts.EDITED in said and said.count(texts.NOT_TEXT) == 2
    assert any("safeguarding team" in t for t in said)
    assert fake.texts(-100999) == []
    assert not any(t == texts.SOMETHING_WRONG for t in said)


def test_each_chat_is_rate_limited_on_its_own() -> None:
    limiter = RateLimiter(burst=3, per_second=1.0)
    assert [limiter.allow(1, now=0.0) for _ in range(4)] == [(True, False)] * 3 + [(False, True)]
    assert limiter.allow(1, now=0.1) == (False, False)  # "slow down" is said once
    assert limiter.allow(2, now=0.1) == (True, False)
    assert limiter.allow(1, now=1.2) == (True, False)


def test_rate_limited_chat_is_told_once(telegram: TelegramWorld) -> None:
    telegram.app.bot_data["rate_limiter"] = RateLimiter(burst=2, per_second=0.001)
    for n in range(5):
        telegram.fake.inject(message(OTHER_PARENT, f"/help {n}"))
    telegram.fake.wait_for_messages(OTHER_PARENT, 3)
    [reply] = telegram.say(message(PARENT, "/help"))  # another chat is not slowed down
    assert "/report" in reply
    said = telegram.fake.texts(OTHER_PARENT)
    assert said.count(texts.SLOW_DOWN) == 1 and len(said) == 3


def test_long_messages_are_split_cleanly() -> None:
    text = ("A <tag> & an ampersand. " * 300 + "\n\n") * 3
    parts = render_text(text)
    assert len(parts) > 1 and all(len(p) <= MAX_MESSAGE for p in parts)
    assert all("&lt;tag&gt;" in p and "<tag>" not in p for p in parts)
    assert not any(p.endswith("&amp") or p.endswith("&l") for p in parts)


@pytest.fixture
def webhook(tmp_path: Path, school: School, clock: ManualClock, fake: FakeTelegram) -> Iterator[TelegramWorld]:
    port = free_port()
    settings = make_settings(
        tmp_path,
        telegram_bot_token=fake.token,
        telegram_base_url=fake.base_url,
        telegram_webhook_url=f"http://127.0.0.1:{port}/telegram-hook",
        telegram_webhook_port=port,
        telegram_webhook_secret="right-secret",
    )
    core = make_core(settings, school, clock)
    world = TelegramWorld(core, fake).start()
    yield world
    world.stop()
    core.db.dispose()


def test_a_webhook_port_already_in_use_says_so(
    tmp_path: Path, school: School, clock: ManualClock, fake: FakeTelegram
) -> None:
    with socket.socket() as taken:
        taken.bind(("0.0.0.0", 0))
        taken.listen()
        port = taken.getsockname()[1]
        hook = {"telegram_bot_token": fake.token, "telegram_base_url": fake.base_url, "telegram_webhook_port": port,
                "telegram_webhook_url": f"http://127.0.0.1:{port}/telegram-hook"}
        with core_with(tmp_path, school, clock, **hook) as core, \
                pytest.raises(ConfigError, match=f"port {port} \\(TELEGRAM_WEBHOOK_PORT\\): another program"):
            run_telegram(create_telegram_app(core), core)


def test_a_webhook_address_telegram_refuses_says_which_it_takes(
    tmp_path: Path, school: School, clock: ManualClock, fake: FakeTelegram
) -> None:
    """TELEGRAM_WEBHOOK_URL on the bot's own port 3000, say: it stopped with "something went wrong (BadRequest)"."""
    fake.fail_next(method="setWebhook", code=400,
                   description="Bad Request: bad webhook: Webhook can be set up only on ports 80, 88, 443 or 8443")
    port = free_port()
    hook = {"telegram_bot_token": fake.token, "telegram_base_url": fake.base_url, "telegram_webhook_port": port,
            "telegram_webhook_url": "https://school.example:3000/telegram"}
    with core_with(tmp_path, school, clock, **hook) as core, pytest.raises(ConfigError) as refused:
        run_telegram(create_telegram_app(core), core)
    said = str(refused.value)
    assert said.startswith("Telegram refused the webhook address TELEGRAM_WEBHOOK_URL (Bad webhook: webhook can be ")
    assert "https:// address, on port 443, 80, 88 or 8443" in said


def test_webhook_refuses_a_wrong_secret_token(webhook: TelegramWorld) -> None:
    fake = webhook.fake
    assert fake.state.webhook_secret == "right-secret"
    url = fake.state.webhook_url
    update = {"update_id": 1, **message(PARENT, "/help")}
    wrong = httpx.post(url, json=update, headers={"X-Telegram-Bot-Api-Secret-Token": "guess"})
    missing = httpx.post(url, json=update)
    assert wrong.status_code == 403 and missing.status_code == 403
    right = httpx.post(url, json={**update, "update_id": 2},
                       headers={"X-Telegram-Bot-Api-Secret-Token": "right-secret"})
    assert right.status_code == 200
    [reply] = fake.wait_for_messages(PARENT, 1)
    assert "/report" in reply["text"]
    assert len(fake.sent(PARENT)) == 1


def test_an_update_it_cannot_read_is_logged_without_its_content(
    webhook: TelegramWorld, caplog: pytest.LogCaptureFixture
) -> None:
    """python-telegram-bot would log the whole update: who sent it and what they wrote (perhaps a report)."""
    unreadable = message(PARENT, "Mr Smith posted a photo of Year 4")  # no update_id: it cannot be read
    unreadable["message"]["from"]["username"] = "jane_parent"
    sent = httpx.post(webhook.fake.state.webhook_url, json=unreadable,
                      headers={"X-Telegram-Bot-Api-Secret-Token": "right-secret"})
    assert sent.status_code == 400
    assert "cannot read (TypeError)" in caplog.text
    for secret in (str(PARENT), "jane_parent", "Mr Smith", "Traceback"):
        assert secret not in caplog.text


def _alert(address: str, text: str = "News") -> OutboundMessage:
    return OutboundMessage(key="k", recipient=Recipient("telegram", address), kind="report_alert", text=text,
                           title="A new concern", urgent=True)


def test_notifier_delivers_and_classifies_failures(telegram: TelegramWorld) -> None:
    notifier, fake = telegram.notifier, telegram.fake
    assert notifier is not None
    notifier.deliver(_alert(str(PARENT), "x < y & " + "word " * 1500))
    sent = fake.sent(PARENT)
    assert len(sent) == 2 and sent[0]["text"].startswith("<b>URGENT: A new concern</b>")
    fake.fail_next(method="sendMessage", code=429, retry_after=7)
    with pytest.raises(DeliveryError) as limited:
        notifier.deliver(_alert(str(PARENT)))
    assert limited.value.retry_after == 7 and not limited.value.permanent
    fake.state.forbidden_chats.add(OTHER_PARENT)
    with pytest.raises(DeliveryError) as blocked:
        notifier.deliver(_alert(str(OTHER_PARENT)))
    assert blocked.value.permanent
    with pytest.raises(DeliveryError) as bad:
        notifier.deliver(_alert("reply:ACDE"))
    assert bad.value.permanent
    fake.fail_next(method="sendMessage", code=401, description="Unauthorized")
    with pytest.raises(DeliveryError) as revoked:
        notifier.deliver(_alert(str(PARENT)))
    assert "TELEGRAM_BOT_TOKEN" in str(revoked.value) and not revoked.value.permanent
    fake.fail_next(method="sendMessage", code=500)
    with pytest.raises(DeliveryError) as down:
        notifier.deliver(_alert(str(PARENT)))
    assert not down.value.permanent


def test_a_token_revoked_while_running_is_said_without_a_traceback(
    telegram: TelegramWorld, caplog: pytest.LogCaptureFixture
) -> None:
    telegram.fake.fail_next(method="sendMessage", code=401, description="Unauthorized")
    telegram.fake.inject(command(PARENT, "/help"))
    telegram.fake.wait_for(lambda: "TELEGRAM_BOT_TOKEN" in caplog.text, what="the revoked token logged")
    assert "Telegram no longer accepts the bot token" in caplog.text and "File " not in caplog.text


def test_an_urgent_alert_says_urgent_once() -> None:
    from handlers.telegram.notifier import message_blocks

    alert = replace(_alert("1"), title="Urgent concern: A child at risk")
    [title, *_] = render(message_blocks(alert))
    assert title.startswith("<b>Urgent concern: A child at risk</b>") and "URGENT" not in title
    [title, *_] = render(message_blocks(replace(_alert("1"), title="Not yet acknowledged: A child at risk")))
    assert title.startswith("<b>URGENT: Not yet acknowledged")


def test_start_command_in_private_is_not_rate_limited_for_normal_use(telegram: TelegramWorld) -> None:
    for _ in range(5):
        telegram.fake.inject(command(PARENT, "/help"))
    telegram.fake.wait_for_messages(PARENT, 5)
    assert texts.SLOW_DOWN not in telegram.fake.texts(PARENT)


def test_a_wrong_token_says_what_to_do(tmp_path: Path, school: School, clock: ManualClock, fake: FakeTelegram) -> None:
    wrong = {"telegram_bot_token": "654321:WRONG", "telegram_base_url": fake.base_url}
    with core_with(tmp_path, school, clock, **wrong) as core, pytest.raises(ConfigError, match="TELEGRAM_BOT_TOKEN"):
        run_telegram(create_telegram_app(core), core)


def test_telegram_out_of_reach_at_start_up_says_where_and_what_to_check(
    tmp_path: Path, school: School, clock: ManualClock
) -> None:
    """No network at boot, or a mistyped TELEGRAM_BASE_URL: it stopped with "something went wrong (NetworkError)"."""
    base_url = f"http://127.0.0.1:{free_port()}/bot"  # a port nothing listens on
    nowhere = {"telegram_bot_token": "123:abc", "telegram_base_url": base_url}
    with core_with(tmp_path, school, clock, **nowhere) as core, pytest.raises(ConfigError) as stopped:
        run_telegram(create_telegram_app(core), core)
    said = str(stopped.value)
    assert said.startswith(f"Telegram cannot be reached at {base_url} (")
    assert "Check this computer's internet connection" in said and "(or correct TELEGRAM_BASE_URL)" in said


def test_rate_limited_while_writing_a_report_says_what_was_not_added(telegram: TelegramWorld) -> None:
    telegram.say(command(PARENT, "/report"), expect=2)
    telegram.say(callback(PARENT, "rc:online_abuse"))
    # The burst's note waits for `quiet` and goes when Done is pressed: the pace in use, so that it is still waiting
    # then on a loaded machine (else it could come after Done's press, and be taken for the review).
    telegram.app.bot_data[NOTES] = AddedNotes(quiet=QUIET_SECONDS)
    telegram.app.bot_data["rate_limiter"] = RateLimiter(burst=2, per_second=0.001)
    for n in range(10):  # a message being added to a report costs a quarter: eight pass
        telegram.fake.inject(message(PARENT, f"line {n}"))
    # A press after them is refused too, with a toast: the ten are all handled (a chat's updates are handled in
    # order). The warning alone did not say so: "line 9" could meet the limit put back, and its "Added." the review.
    answered = len(telegram.fake.calls("answerCallbackQuery"))
    telegram.fake.inject(callback(PARENT, "r:done"))
    telegram.fake.wait_for_call("answerCallbackQuery", answered + 1)
    assert texts.SLOW_DOWN_REPORT in telegram.fake.texts(PARENT)
    telegram.app.bot_data["rate_limiter"] = RateLimiter()
    [review] = telegram.say(callback(PARENT, "r:done"))
    assert all(f"line {n}" in review for n in range(8)) and "line 8" not in review
    assert telegram.fake.texts(PARENT).count(texts.SLOW_DOWN_REPORT) == 1


def test_forwarded_messages_are_all_kept_with_one_note_for_the_burst(telegram: TelegramWorld) -> None:
    # The burst is one only while each message comes within `quiet` of the last: the pace in use, as 0.5 s was
    # outlasted by a loaded machine's pause between two of the thirty, and the burst's note came in two parts.
    telegram.app.bot_data[NOTES] = AddedNotes(quiet=QUIET_SECONDS)
    telegram.say(command(PARENT, "/report"), expect=2)
    telegram.say(callback(PARENT, "rc:online_abuse"))
    for n in range(30):  # forwarded at once, as evidence
        telegram.fake.inject(message(PARENT, f"forwarded {n}"))
    telegram.fake.wait_for(lambda: texts.added_more(29) in telegram.fake.texts(PARENT), what="the burst's note")
    [review] = telegram.say(callback(PARENT, "r:done"))
    assert all(f"forwarded {n}" in review for n in range(30))
    notes = [t for t in telegram.fake.texts(PARENT) if t.startswith("Added")]
    assert notes == [texts.ADDED, texts.added_more(29)]
    assert texts.SLOW_DOWN_REPORT not in telegram.fake.texts(PARENT)


def test_a_note_still_waiting_is_not_said_after_done(telegram: TelegramWorld) -> None:
    # "second" must come within `quiet` of "first" for its note to wait: the pace in use, as a loaded machine could
    # take over 0.5 s between them, and "second" then had its own "Added.", taken for the review.
    notes = telegram.app.bot_data[NOTES] = AddedNotes(quiet=QUIET_SECONDS)
    telegram.say(command(PARENT, "/report"), expect=2)
    telegram.say(callback(PARENT, "rc:online_abuse"))
    telegram.say(message(PARENT, "first"))
    telegram.fake.inject(message(PARENT, "second, straight after"))
    [review] = telegram.say(callback(PARENT, "r:done"))
    assert "second, straight after" in review
    telegram.say(callback(PARENT, "r:send"))  # the keep choice: a note said now would be out of place
    time.sleep(notes.quiet + 0.3)  # past when the note would have been said
    assert not any(t.startswith("Added 1 more") for t in telegram.fake.texts(PARENT))
