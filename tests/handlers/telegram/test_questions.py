"""A parent asks about the policy on Telegram: the answer, the quoted clauses, the section, the feedback."""

from __future__ import annotations

from sqlalchemy import select

from bot.feedback import AnswerFeedback
from handlers.telegram import texts
from tests.handlers.telegram.conftest import PARENT, TelegramWorld
from tests.handlers.telegram.fake_telegram import callback, command, message, photo


def test_start_shows_welcome_privacy_and_menu(telegram: TelegramWorld) -> None:
    [text] = telegram.say(command(PARENT, "/start"))
    assert "Stokes Wood" in text and "privacy" in text.lower()
    markup = telegram.fake.sent(PARENT)[-1]["reply_markup"]
    labels = [row[0]["text"] for row in markup["inline_keyboard"]]
    assert labels == ["Ask about the policy", "Report a concern", "Check a report", "Contact the school"]
    [contact] = telegram.say(callback(PARENT, "m:contact"))
    assert "office@stokeswood.example.sch.uk" in contact


def test_a_question_is_answered_with_quoted_clauses_and_buttons(telegram: TelegramWorld) -> None:
    [text] = telegram.say(message(PARENT, "Can I post photos of the school play on Facebook?"))
    sent = telegram.fake.sent(PARENT)[-1]
    assert sent["parse_mode"] == "HTML"
    assert "include other children as well as their own" in text
    assert text.count("include other children as well as their own") == 1  # quoted once, not again below
    buttons = [b for row in sent["reply_markup"]["inline_keyboard"] for b in row]
    assert all(len(b["callback_data"].encode()) <= 64 for b in buttons)
    section = next(b["callback_data"] for b in buttons if b["callback_data"].startswith("s"))
    helpful = next(b["callback_data"] for b in buttons if b["callback_data"].startswith("f1"))

    [whole] = telegram.say(callback(PARENT, section))
    assert whole.startswith("<b>")

    not_helpful = helpful.replace("f1", "f0", 1)
    # a double tap, then a change of mind, before the buttons are taken away: one vote
    telegram.fake.inject(*(callback(PARENT, vote, message_id=1) for vote in (helpful, helpful, not_helpful)))
    thanks = "Thank you for telling us."
    telegram.fake.wait_for(
        lambda: sum(c.params.get("text") == thanks for c in telegram.fake.calls("answerCallbackQuery")) == 3,
        what="the thank-yous",
    )
    with telegram.core.db.session() as session:
        rows = session.scalars(select(AnswerFeedback)).all()
    assert [(r.channel, r.helpful) for r in rows] == [("telegram", True)]


def test_policy_and_user_text_are_escaped(telegram: TelegramWorld) -> None:
    [text] = telegram.say(message(PARENT, "<b>hello</b> & <script>"))
    assert "<script>" not in text and "<b>hello</b>" not in text


def test_a_concern_gets_a_button_that_starts_a_report(telegram: TelegramWorld) -> None:
    [text] = telegram.say(message(PARENT, "my child is being bullied online"))
    assert "report it here" in text
    buttons = [b for row in telegram.fake.sent(PARENT)[-1]["reply_markup"]["inline_keyboard"] for b in row]
    [report] = [b for b in buttons if b["text"] == "Report a concern"]
    notice, categories = telegram.say(callback(PARENT, report["callback_data"]), expect=2)
    assert "999" in notice


def test_a_question_written_under_a_photo_is_answered(telegram: TelegramWorld) -> None:
    # A busy parent sends the picture with their question as its caption: the question was dropped ("I can only
    # read typed messages here").
    file_id = telegram.fake.add_file(b"not looked at", "photos/sports_day.jpg")
    note, answer = telegram.say(photo(PARENT, file_id, caption="Can I post this photo from sports day?"), expect=2)
    assert note == texts.CAPTION_ANSWERED
    assert "include other children as well as their own" in answer
    [plain] = telegram.say(photo(PARENT, file_id))  # a picture without words: what the bot can read
    assert plain == texts.NOT_TEXT


def test_a_command_word_typed_without_its_slash_does_what_the_command_does(telegram: TelegramWorld) -> None:
    # A grandparent who rarely uses apps types "help": it was greeted ("Hello! Ask me anything..."); "Report" was
    # told "The policy doesn't answer that"; and "help" while writing a report was added to it.
    [help_text] = telegram.say(message(PARENT, "Help"))
    assert help_text.startswith(texts.HELP)
    notice, categories = telegram.say(message(PARENT, "Report"), expect=2)
    assert "999" in notice and texts.CHOOSE_CATEGORY in categories
    telegram.say(callback(PARENT, "rc:other"))
    telegram.say(message(PARENT, "Something happened at the gate."))
    [help_text] = telegram.say(message(PARENT, "help"))
    assert help_text.startswith(texts.HELP) and texts.REPORT_UNDERWAY_NOTE in help_text
    [review] = telegram.say(callback(PARENT, "r:done"))
    assert "at the gate." in review and "help" not in review.split("at the gate.")[1]
    telegram.say(command(PARENT, "/cancel"))
    [ask_code] = telegram.say(message(PARENT, "status"))
    assert ask_code == texts.ASK_CODE


def test_help_with_a_question_mark_gets_the_help_as_on_the_console_and_slack(telegram: TelegramWorld) -> None:
    # "help?" was answered from the policy ("The policy doesn't cover that") while the console and Slack gave the help
    for said in ("help", "help?", "Help!", "help me"):
        [help_text] = telegram.say(message(PARENT, said))
        assert help_text.startswith(texts.HELP), said
    telegram.say(command(PARENT, "/report"), expect=2)
    telegram.say(callback(PARENT, "rc:other"))
    telegram.say(message(PARENT, "Something happened at the gate."))
    [help_text] = telegram.say(message(PARENT, "help?"))  # not added to the report being written
    assert help_text.startswith(texts.HELP) and texts.REPORT_UNDERWAY_NOTE in help_text
    [review] = telegram.say(callback(PARENT, "r:done"))
    assert "help" not in review.split("at the gate.")[1]


def test_saying_you_want_to_report_something_starts_a_report(telegram: TelegramWorld) -> None:
    # It was told "The policy doesn't answer that, but if you have a concern you can report it here".
    for said in ("I want to report something", "how do I report a concern?"):
        notice, categories = telegram.say(message(PARENT, said), expect=2)
        assert "999" in notice and texts.CHOOSE_CATEGORY in categories, said
        telegram.say(command(PARENT, "/cancel"))


def test_a_question_that_begins_my_concern_is_answered_from_the_policy(telegram: TelegramWorld) -> None:
    # "my concern" was read as asking after a report: the parent was told how to check one, with no answer.
    [answer] = telegram.say(
        message(PARENT, "My concern is that another parent posted photos of my son on Facebook. What can I do?")
    )
    assert answer != texts.HOW_TO_CHECK and "Social Media Policy" in answer
