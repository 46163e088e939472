"""A chair of governors on Telegram alone handles a concern about the headteacher there: reads the whole case, adds a
note, closes it with an outcome (kept from the sender, or shared). Before, an alert there could only be acknowledged,
and said to type `policybot reports ...` on the bot's server, which a governor does not use. Nobody else can."""

from __future__ import annotations

from typing import Any

from bot.config import PersonEntry
from bot.reports.domain import CLOSED
from tests.handlers.telegram.conftest import PARENT, TelegramWorld
from tests.handlers.telegram.fake_telegram import callback, message

CHAIR_CHAT, HEAD_CHAT = 700001, 700002
TEXT = "The head teacher grabbed my son's arm hard in the lunch queue on Tuesday."


def _chair_on_telegram(telegram: TelegramWorld) -> str:
    core = telegram.core
    with core.db.session() as session:
        core.people.upsert(session, PersonEntry(name="Chris Chair", roles=["chair_of_governors"],
                                                telegram_chat_id=CHAIR_CHAT))
    return core.reports.submit("headteacher_concern", TEXT, channel="telegram").reference


def _buttons(sent: dict[str, Any]) -> list[tuple[str, str]]:
    return [(b["text"], b["callback_data"]) for row in sent.get("reply_markup", {}).get("inline_keyboard", [])
            for b in row]


def _press(telegram: TelegramWorld, data: str, chat_id: int = CHAIR_CHAT) -> dict[str, Any]:
    before = len(telegram.fake.sent(chat_id))
    telegram.fake.inject(callback(chat_id, data))
    return telegram.fake.wait_for_messages(chat_id, before + 1)[-1]


def _reply(telegram: TelegramWorld, prompt: dict[str, Any], words: str) -> dict[str, Any]:
    """What Telegram sends when the chair writes in the reply box the prompt opened: the prompt, quoted."""
    answer = message(CHAIR_CHAT, words)
    answer["message"]["reply_to_message"] = {
        "message_id": 9000, "date": answer["message"]["date"], "chat": answer["message"]["chat"],
        "from": {"id": 1, "is_bot": True, "first_name": "School bot"}, "text": prompt["text"],
    }
    before = len(telegram.fake.sent(CHAIR_CHAT))
    telegram.fake.inject(answer)
    return telegram.fake.wait_for_messages(CHAIR_CHAT, before + 1)[-1]


def test_a_chair_on_telegram_reads_notes_and_closes_a_concern_about_the_head_there(telegram: TelegramWorld) -> None:
    ref = _chair_on_telegram(telegram)
    telegram.dispatch()
    alert = telegram.fake.wait_for_messages(CHAIR_CHAT, 1)[-1]
    assert "policybot" not in alert["text"] and "the others open the whole report and act on it, here" in alert["text"]
    assert _buttons(alert) == [("Acknowledge", f"d:ack:{ref}"), ("Open the report", f"d:view:{ref}"),
                               ("Add a note", f"d:note:{ref}"), ("Ask the sender", f"d:ask:{ref}"),
                               ("Close", f"d:close:{ref}")]

    case = _press(telegram, f"d:view:{ref}")
    assert case["text"].startswith(f"Report {ref}: A concern about the headteacher (routine)")
    assert "lunch queue on Tuesday" in case["text"] and "Chronology:" in case["text"]
    assert _buttons(case) == [("Add a note", f"d:note:{ref}"), ("Ask the sender", f"d:ask:{ref}"),
                              ("Close", f"d:close:{ref}")]

    prompt = _press(telegram, f"d:note:{ref}")
    assert prompt["text"].startswith(f"Add a note to report {ref}\nReply to this message with your note.")
    assert prompt["reply_markup"]["force_reply"] is True  # the reply box opens, quoting the prompt
    done = _reply(telegram, prompt, "Rang the LADO: a strategy meeting on Thursday.")
    assert done["text"] == f"Your note is added to report {ref}."
    assert _buttons(done) == [("Open the report", f"d:view:{ref}")]

    choice = _press(telegram, f"d:close:{ref}")
    assert choice["text"].startswith(f"Close report {ref}: may the sender read the outcome?")
    assert _buttons(choice) == [("Keep it from the sender", f"d:keep:{ref}"),
                                ("Share it with the sender", f"d:share:{ref}")]
    prompt = _press(telegram, f"d:keep:{ref}")
    assert prompt["text"].startswith(f"Close report {ref}, keeping the outcome from the sender\n")
    closed = _reply(telegram, prompt, "The LADO found no case to answer; the head has had further training.")
    assert closed["text"].startswith(f"Report {ref} is closed. There is no way to reach the sender")

    chair = telegram.core.reports.actor(name="Chris Chair")
    assert chair is not None
    view = telegram.core.reports.case(ref, chair)
    assert view.status == CLOSED and not view.outcome_shared and view.outcome is not None
    assert ("Chris Chair", "note", "Rang the LADO: a strategy meeting on Thursday.") in [
        (e.actor, e.action, e.detail) for e in view.events]
    # Once closed: a note, or re-opening
    assert _buttons(_press(telegram, f"d:view:{ref}")) == [("Add a note", f"d:note:{ref}"),
                                                           ("Re-open", f"d:reopen:{ref}")]


def test_only_those_who_may_handle_the_case_can_open_it_or_act_on_it_from_telegram(telegram: TelegramWorld) -> None:
    """A parent pressing a forwarded card's button, or the head the concern is about: refused, and the attempt
    recorded. The chat's owner decides who is acting, never the button."""
    ref = _chair_on_telegram(telegram)
    with telegram.core.db.session() as session:
        telegram.core.people.upsert(session, PersonEntry(name="Alex Head", roles=["headteacher", "staff"],
                                                         telegram_chat_id=HEAD_CHAT))
    refused = _press(telegram, f"d:view:{ref}", chat_id=PARENT)
    assert refused["text"] == "Only the school's safeguarding team can open or act on a report."
    for step in ("view", "note", "close"):
        said = _press(telegram, f"d:{step}:{ref}", chat_id=HEAD_CHAT)
        assert "lunch queue" not in said["text"] and "force_reply" not in str(said.get("reply_markup"))
    chair = telegram.core.reports.actor(name="Chris Chair")
    assert chair is not None
    tried = [e.actor for e in telegram.core.reports.case(ref, chair).events if e.action == "refused"]
    assert tried == ["an unrecognised Telegram account", "Alex Head", "Alex Head", "Alex Head"]


def test_a_school_that_keeps_report_text_out_of_chats_keeps_its_telegram_cards_to_acknowledge(
    telegram: TelegramWorld,
) -> None:
    """With `alert_contents: contentless`, reading the case on Telegram would put its text in the chat's history:
    the card keeps its one button, and a step's button from before the change says where to act instead."""
    telegram.core.school.alert_contents = "contentless"
    ref = _chair_on_telegram(telegram)
    telegram.dispatch()
    alert = telegram.fake.wait_for_messages(CHAIR_CHAT, 1)[-1]
    assert _buttons(alert) == [("Acknowledge", f"d:ack:{ref}")]
    said = _press(telegram, f"d:view:{ref}")
    assert "lunch queue" not in said["text"] and f"policybot reports show {ref}" in said["text"]


def test_a_chair_who_changes_a_note_after_sending_it_is_told_how_to_put_it_right(telegram: TelegramWorld) -> None:
    """Telegram lets a message be edited after it is sent: the note was added as first sent, and the chair is told
    so and offered a new note, not told to send it again as a new message (answered as a policy question)."""
    ref = _chair_on_telegram(telegram)
    prompt = _press(telegram, f"d:note:{ref}")
    sent = _reply(telegram, prompt, "Rang the LAOD.")
    assert sent["text"] == f"Your note is added to report {ref}."
    edit = message(CHAIR_CHAT, "Rang the LADO.")
    edit["message"]["reply_to_message"] = {
        "message_id": 9000, "date": edit["message"]["date"], "chat": edit["message"]["chat"],
        "from": {"id": 1, "is_bot": True, "first_name": "School bot"}, "text": prompt["text"],
    }
    edit["edited_message"] = edit.pop("message")
    before = len(telegram.fake.sent(CHAIR_CHAT))
    telegram.fake.inject(edit)
    said = telegram.fake.wait_for_messages(CHAIR_CHAT, before + 1)[-1]
    assert said["text"].startswith(f"Changing your message does not change report {ref}")
    assert _buttons(said) == [("Add a note", f"d:note:{ref}")]
    chair = telegram.core.reports.actor(name="Chris Chair")
    assert chair is not None
    notes = [e.detail for e in telegram.core.reports.case(ref, chair).events if e.action == "note"]
    assert notes == ["Rang the LAOD."]


def test_a_chair_replying_to_the_card_itself_is_told_how_to_add_a_note_not_answered_from_the_policy(
    telegram: TelegramWorld,
) -> None:
    """A reply to the alert, or to the case as read here, asks for no words: the chair's note was answered as a
    policy question ('The policy doesn't cover that...'), and lost. It is not added (only a step's reply is), and the
    chair is told how to add it."""
    ref = _chair_on_telegram(telegram)
    telegram.dispatch()
    alert = telegram.fake.wait_for_messages(CHAIR_CHAT, 1)[-1]
    for replied in (alert, _press(telegram, f"d:view:{ref}")):
        said = _reply(telegram, replied, "Spoke to the LADO: a strategy meeting on Thursday.")
        assert said["text"].startswith(f"Your message is not added to report {ref}. Only a reply to a step's")
        assert _buttons(said) == [("Add a note", f"d:note:{ref}"), ("Open the report", f"d:view:{ref}")]
    chair = telegram.core.reports.actor(name="Chris Chair")
    assert chair is not None
    assert not [e for e in telegram.core.reports.case(ref, chair).events if e.action == "note"]


def test_an_outcome_sent_after_someone_else_closed_the_case_is_said_not_recorded_and_how_to_keep_it(
    telegram: TelegramWorld,
) -> None:
    """The chair asked to close it, and the vice-chair closed it meanwhile: the chair's outcome is refused, and they
    are told it is not recorded and how to keep it with the case (only 'Report ... is already closed.' before)."""
    ref = _chair_on_telegram(telegram)
    core = telegram.core
    with core.db.session() as session:
        core.people.upsert(session, PersonEntry(name="Val Vice", roles=["vice_chair_of_governors"]))
    prompt = _press(telegram, f"d:keep:{ref}")
    vice = core.reports.actor(name="Val Vice")
    assert vice is not None
    core.reports.close(ref, vice, "The LADO found no case to answer.")
    said = _reply(telegram, prompt, "No case to answer; further training for the head.")
    assert said["text"] == (f"Report {ref} is already closed. What you wrote is not recorded: to keep it with the "
                            "case, add it as a note.")
    assert _buttons(said) == [("Add a note", f"d:note:{ref}"), ("Open the report", f"d:view:{ref}")]


def test_a_reply_to_a_step_is_the_step_even_with_a_report_or_a_check_started_in_the_chat(
    telegram: TelegramWorld,
) -> None:
    """A chair who pressed /status (or began a report) and left it there: their reply to 'Add a note' was taken as a
    receipt code, or the words of a report of their own, and the note lost. It is the note, and what they had begun
    stays where it was."""
    ref = _chair_on_telegram(telegram)
    # Each command's whole answer is awaited before 'Add a note' is pressed, else a part still on its way is taken
    # for the note's prompt: /status asks for a code (one message), /report says the 999 notice, then the categories.
    for started, answer in (("/status", 1), ("/report", 2)):
        before = len(telegram.fake.sent(CHAIR_CHAT))
        telegram.fake.inject(message(CHAIR_CHAT, started))
        telegram.fake.wait_for_messages(CHAIR_CHAT, before + answer)
        prompt = _press(telegram, f"d:note:{ref}")
        done = _reply(telegram, prompt, f"Noted after {started}.")
        assert done["text"] == f"Your note is added to report {ref}."
    chair = telegram.core.reports.actor(name="Chris Chair")
    assert chair is not None
    notes = [e.detail for e in telegram.core.reports.case(ref, chair).events if e.action == "note"]
    assert notes == ["Noted after /status.", "Noted after /report."]
