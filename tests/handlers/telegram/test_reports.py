"""A parent reports a concern with a photo, checks it, gets the DSL's question here and answers it; a report in
progress survives a restart; nothing identifying is stored."""

from __future__ import annotations

import datetime as dt
import io
import re
import time
from typing import Any

import pytest
from PIL import Image
from sqlalchemy import text

from bot.ports import ManualClock, OutboundMessage, Recipient
from bot.qa.gaps import gaps_since
from bot.reports import Actor, ReportError
from bot.reports.domain import CaseView, about_question
from bot.reports.sender import not_a_code
from handlers.telegram import texts
from handlers.telegram.added import NOTES, QUIET_SECONDS, AddedNotes
from handlers.telegram.guard import RateLimiter
from tests.conftest import reference_of
from tests.handlers.telegram.conftest import OTHER_PARENT, PARENT, TelegramWorld
from tests.handlers.telegram.fake_telegram import (
    callback,
    command,
    document,
    edited_message,
    message,
    photo,
    sticker,
    voice,
)

CODE = re.compile(r"[A-Z0-9]{4}-[A-Z0-9]{4}-[A-Z0-9]{4}-[A-Z0-9]{4}")


def _case(world: TelegramWorld, receipt: str, dsl: Actor) -> CaseView:
    """The case a DSL sees, of the report whose sender holds `receipt`."""
    return world.core.reports.case(reference_of(world.core, receipt), dsl)


def _queued(world: TelegramWorld) -> list[OutboundMessage]:
    """Everything the core has queued, oldest first (the DSLs' cards among it)."""
    from sqlalchemy import select

    from bot.outbox import OutboxRow

    with world.core.db.session() as session:
        return [world.core.outbox.message(row) for row in session.scalars(select(OutboxRow).order_by(OutboxRow.id))]


def jpeg() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (40, 30), (200, 40, 40)).save(out, format="JPEG")
    return out.getvalue()


def make_report(world: TelegramWorld, keep: str = "r:keep") -> str:
    notice, categories = world.say(command(PARENT, "/report"), expect=2)
    assert "999" in notice and "Online abuse" in categories
    [describe] = world.say(callback(PARENT, "rc:online_abuse"))
    assert "what happened" in describe
    world.say(message(PARENT, "Someone made a group chat mocking a Year 4 pupil."))
    file_id = world.fake.add_file(jpeg(), "photos/file_7.jpg")
    world.say(photo(PARENT, file_id, caption="A screenshot of it"))
    [review] = world.say(callback(PARENT, "r:done"))
    assert "mocking a Year 4 pupil" in review and "1 picture" in review
    [choice] = world.say(callback(PARENT, "r:send"))
    assert "Keep me updated here" in choice
    [receipt] = world.say(callback(PARENT, keep))
    found = CODE.search(receipt)
    assert found, receipt
    assert "only key" in receipt
    return found.group(0)


def test_report_with_photo_then_status_question_and_answer(telegram: TelegramWorld) -> None:
    core = telegram.core
    code = make_report(telegram)
    dsl = core.reports.actor(name="Dana Lead")
    assert dsl is not None
    case = core.reports.case(reference_of(core, code), dsl)
    assert "mocking a Year 4 pupil" in case.text and "A screenshot of it" in case.text
    assert len(case.attachments) == 1 and case.channel == "telegram"

    [status] = telegram.say(command(PARENT, f"/status {code.lower()}"))
    assert code in status and "arrived safely" in status

    core.reports.ask_sender(reference_of(core, code), dsl, "Which class is the pupil in?")
    before = len(telegram.fake.sent(PARENT))
    assert telegram.dispatch() >= 1
    news = telegram.fake.wait_for_messages(PARENT, before + 1)[-1]
    assert "Which class is the pupil in?" in news["text"]
    buttons = [b["callback_data"] for row in news["reply_markup"]["inline_keyboard"] for b in row]
    assert f"sr:{code}" in buttons

    [prompt] = telegram.say(callback(PARENT, f"sr:{code}"))
    # Pressed with or without a question from the school: it asks for what to tell the school, pictures included
    # (it asked for "your answer", in words, though a photo is taken too)
    assert "what you want to tell the school" in prompt and "photo" in prompt
    thanks, view = telegram.say(message(PARENT, "Class 4B, I think."), expect=2)
    assert "Thank you" in thanks and code in view
    case = core.reports.case(reference_of(core, code), dsl)
    assert any("Class 4B" in (event.detail or "") for event in case.events)

    [forgotten] = telegram.say(callback(PARENT, f"sf:{code}"))
    assert "no longer has a way to reach this chat" in forgotten
    assert core.reports.resolve_recipient(Recipient("telegram", f"reply:{code}")) is None


def test_an_answer_typed_after_the_schools_question_is_not_taken_for_a_policy_question(
    telegram: TelegramWorld,
) -> None:
    code, dsl = _asked(telegram, "Did you keep the screenshots?")
    [asked] = telegram.say(message(PARENT, "Yes I kept them all"))
    assert asked == texts.IS_IT_THE_ANSWER.format(code=code)
    [asked] = telegram.say(message(PARENT, "and the video"))  # before a button: joins the first
    thanks, view = telegram.say(callback(PARENT, f"ta:y:{code}"), expect=2)
    assert thanks == texts.REPLY_SENT and code in view
    case = _case(telegram, code, dsl)
    assert any("Yes I kept them all\nand the video" in (e.detail or "") for e in case.events)
    [answer] = telegram.say(message(PARENT, "can I post photos of sports day?"))  # answered: questions again
    assert "Social Media Policy" in answer


def test_news_that_asks_nothing_does_not_make_the_next_message_an_answer(telegram: TelegramWorld) -> None:
    code = make_report(telegram)
    dsl = telegram.core.reports.actor(name="Dana Lead")
    assert dsl is not None
    # "Your report has been opened and is being looked at."
    telegram.core.reports.acknowledge(reference_of(telegram.core, code), dsl)
    before = len(telegram.fake.sent(PARENT))
    telegram.dispatch()
    assert "has been opened" in telegram.fake.wait_for_messages(PARENT, before + 1)[-1]["text"]
    [thanks] = telegram.say(message(PARENT, "Thank you so much!"))
    assert thanks != texts.IS_IT_THE_ANSWER.format(code=code) and "welcome" in thanks


def test_a_question_typed_after_news_is_answered_when_the_parent_says_so(telegram: TelegramWorld) -> None:
    code, dsl = _asked(telegram, "Which class?")
    telegram.say(message(PARENT, "can I post photos of sports day?"))
    [answer] = telegram.say(callback(PARENT, f"ta:n:{code}"))
    assert "Social Media Policy" in answer
    _asked(telegram, "Which day?")  # a new report, asked about; the parent types, then thinks better of it
    telegram.say(message(PARENT, "Tuesday I think"))
    assert telegram.say(message(PARENT, "stop")) == [texts.ANSWER_CANCELLED]
    assert not any("sports day" in (e.detail or "") for e in _case(telegram, code, dsl).events)


def test_an_answer_held_after_news_survives_a_report_begun_meanwhile_and_goes_to_its_own_report(
    telegram: TelegramWorld,
) -> None:
    # A long conversation, sent far faster than a person types: the per-chat rate limit is not what is tested here.
    telegram.app.bot_data["rate_limiter"] = RateLimiter(burst=100)
    first, dsl = _asked(telegram, "Which class?")
    telegram.say(message(PARENT, "Class 4B"))
    second, _ = _asked(telegram, "Which day?")
    telegram.say(message(PARENT, "Tuesday"))
    telegram.say(command(PARENT, "/status"))  # a check begun and stopped keeps what is held
    telegram.say(command(PARENT, "/cancel"))
    telegram.say(command(PARENT, "/status"))  # waiting for a code...
    thanks, _ = telegram.say(callback(PARENT, f"ta:y:{first}"), expect=2)  # ...ends with the answer sent
    assert thanks == texts.REPLY_SENT
    assert any((e.detail or "") == "Class 4B" for e in _case(telegram, first, dsl).events)
    telegram.say(command(PARENT, "/report"), expect=2)
    telegram.say(command(PARENT, "/cancel"))
    [asked] = telegram.say(message(PARENT, "Wednesday actually"))  # B still waits for its answer after A's
    assert asked == texts.IS_IT_THE_ANSWER.format(code=second)
    thanks, _ = telegram.say(callback(PARENT, f"ta:y:{second}"), expect=2)  # kept through a report begun and stopped
    assert thanks == texts.REPLY_SENT
    events = _case(telegram, second, dsl).events
    assert any((e.detail or "") == "Tuesday\nWednesday actually" for e in events)
    [answer] = telegram.say(message(PARENT, "can I post photos of sports day?"))
    assert "Social Media Policy" in answer


def test_a_receipt_code_in_a_message_shows_that_report(telegram: TelegramWorld) -> None:
    code = make_report(telegram, keep="r:none")
    [view] = telegram.say(message(PARENT, f"what's happening with my report {code.lower()}?"))
    assert view.startswith(f"Report {code}")
    # Asking after it, or pasting the receipt back: the report only.
    receipt = [t for t in telegram.fake.texts(PARENT) if t.startswith("Thank you. Your report has arrived")][-1]
    for said in (f"any news on {code}", f"Your receipt code is: {code}", receipt):
        before = len(telegram.fake.sent(PARENT))
        telegram.say(message(PARENT, said))
        telegram.say(command(PARENT, "/cancel"))  # a marker: whatever came before it is all the bot said
        assert len(telegram.fake.sent(PARENT)) == before + 2, said


def test_a_dsl_cannot_reach_a_report_as_its_sender_with_the_case_reference(telegram: TelegramWorld) -> None:
    """A DSL's alert names the case reference: /status with it is no receipt code, whatever words come with it."""
    code = make_report(telegram)
    ref = reference_of(telegram.core, code)
    dsl = telegram.core.reports.actor(name="Dana Lead")
    assert dsl is not None
    for said in (f"/status {ref} I withdraw this report", f"/status {ref}"):
        [reply] = telegram.say(command(OTHER_PARENT, said), chat_id=OTHER_PARENT)  # the DSL's own chat
        assert reply.startswith(not_a_code(ref)) and "mocking" not in reply
        assert "is a case reference" in reply and "use the receipt code you were given" in reply
        telegram.say(command(OTHER_PARENT, "/cancel"), chat_id=OTHER_PARENT)
    [said] = telegram.say(message(OTHER_PARENT, f"{ref} any news?"), chat_id=OTHER_PARENT)  # not a policy question
    assert said.startswith("That is a case reference")
    assert not [e for e in _case(telegram, code, dsl).events if e.action == "replied"]
    # The receipt does, and the parent is shown the report by it, never by the school's reference.
    [view] = telegram.say(command(PARENT, f"/status {code}"))
    assert view.startswith(f"Report {code}") and ref not in view


def test_words_sent_with_a_receipt_code_are_offered_to_the_school_not_dropped(telegram: TelegramWorld) -> None:
    code = make_report(telegram, keep="r:none")
    view, asked = telegram.say(message(PARENT, f"{code} I forgot to say, it was a Year 3 boy"), expect=2)
    assert view.startswith(f"Report {code}") and asked == texts.IS_IT_THE_ANSWER.format(code=code)
    thanks, _ = telegram.say(callback(PARENT, f"ta:y:{code}"), expect=2)
    assert thanks == texts.REPLY_SENT
    dsl = telegram.core.reports.actor(name="Dana Lead")
    assert dsl is not None
    replies = [e.detail or "" for e in _case(telegram, code, dsl).events if e.action == "replied"]
    assert replies == ["I forgot to say, it was a Year 3 boy"]
    view, asked = telegram.say(command(PARENT, f"/status {code} it happened on the bus home"), expect=2)
    assert view.startswith(f"Report {code}") and asked == texts.IS_IT_THE_ANSWER.format(code=code)


def test_done_pressed_twice_shows_the_review_once_and_an_urgent_category_repeats_only_the_999_line(
    telegram: TelegramWorld,
) -> None:
    notice, _ = telegram.say(command(PARENT, "/report"), expect=2)
    [describe] = telegram.say(callback(PARENT, "rc:child_at_risk"))
    assert "call 999" in describe and "NSPCC" in notice and "NSPCC" not in describe
    telegram.say(message(PARENT, "A pupil told me something worrying."))
    [review] = telegram.say(callback(PARENT, "r:done"))
    assert "Please check your report" in review
    before, answered = len(telegram.fake.sent(PARENT)), len(telegram.fake.calls("answerCallbackQuery"))
    telegram.say(callback(PARENT, "r:done"), expect=0)
    [toast] = telegram.fake.wait_for_call("answerCallbackQuery", answered + 1)[answered:]
    assert toast.params.get("text") == texts.REVIEW_ABOVE and len(telegram.fake.sent(PARENT)) == before
    telegram.say(callback(PARENT, "r:more"))
    [review] = telegram.say(callback(PARENT, "r:done"))  # after "Add more", shown again even with nothing added
    assert "Please check your report" in review


def test_stopping_says_what_was_stopped(telegram: TelegramWorld) -> None:
    telegram.say(command(PARENT, "/status"))
    assert telegram.say(command(PARENT, "/cancel")) == [texts.CHECK_CANCELLED]  # no report was being sent
    assert telegram.say(message(PARENT, "stop")) == [texts.NOTHING_TO_CANCEL]  # not a policy question
    telegram.say(command(PARENT, "/report"), expect=2)
    assert telegram.say(command(PARENT, "/cancel")) == [texts.CANCELLED]


def test_a_concern_about_the_head_changed_on_its_review_to_one_about_staff_asks_about_the_head(
    telegram: TelegramWorld,
) -> None:
    # A concern about the headteacher does not ask whether "the head" it names is who it is about (0833e12); changed
    # on the review to a concern about a member of staff, which goes to the head, it went to the head unasked.
    telegram.say(command(PARENT, "/report"), expect=2)
    telegram.say(callback(PARENT, "rc:headteacher_concern"))
    telegram.say(message(PARENT, "The headteacher grabbed my son by the arm."))
    [review] = telegram.say(callback(PARENT, "r:done"))
    assert "Please check your report" in review
    changed, asked = telegram.say(callback(PARENT, "rc:staff_concern"), expect=2)
    assert "A concern about a member of staff" in changed and asked == about_question(["Headteacher"])
    [review] = telegram.say(callback(PARENT, "ra:headteacher"))
    assert "It will not be sent to the Headteacher." in review
    telegram.say(callback(PARENT, "r:send"))
    [receipt] = telegram.say(callback(PARENT, "r:none"))
    code = CODE.search(receipt)
    assert code is not None and "has gone to the Chair of Governors" in receipt
    head = telegram.core.reports.actor(name="Alex Head")
    assert head is not None
    with pytest.raises(ReportError):
        telegram.core.reports.case(reference_of(telegram.core, code.group(0)), head)


def test_a_report_naming_a_role_asks_whether_it_is_about_them_and_keeps_it_from_them(telegram: TelegramWorld) -> None:
    telegram.say(command(PARENT, "/report"), expect=2)
    telegram.say(callback(PARENT, "rc:child_at_risk"))
    telegram.say(message(PARENT, "The headteacher grabbed my son by the arm."))
    [asked] = telegram.say(callback(PARENT, "r:done"))
    assert asked == about_question(["Headteacher"])
    [review] = telegram.say(callback(PARENT, "ra:headteacher"))
    assert "It will not be sent to the Headteacher." in review
    telegram.say(callback(PARENT, "r:send"))
    [receipt] = telegram.say(callback(PARENT, "r:none"))
    code = CODE.search(receipt)
    assert code is not None
    head = telegram.core.reports.actor(name="Alex Head")
    assert head is not None
    with pytest.raises(ReportError):
        telegram.core.reports.case(reference_of(telegram.core, code.group(0)), head)


def _forwarded(text: str, origin: dict[str, Any]) -> dict[str, Any]:
    update = message(PARENT, text)
    update["message"]["forward_origin"] = {**origin, "date": 1700000000}  # 14 Nov 2023 22:13 UTC
    return update


def test_a_message_forwarded_outside_a_report_is_not_taken_as_a_question(telegram: TelegramWorld) -> None:
    # "Reminder: no photos at the carol service please?" forwarded was told "The policy doesn't cover that" and kept,
    # someone else's words, among the questions the policy could not answer.
    other = {"id": 555, "is_bot": False, "first_name": "Class", "last_name": "Rep"}
    [said] = telegram.say(_forwarded("Reminder: no photos at the carol service please?",
                                     {"type": "user", "sender_user": other}))
    assert said == texts.FORWARDED
    buttons = [b["callback_data"] for row in telegram.fake.sent(PARENT)[-1]["reply_markup"]["inline_keyboard"]
               for b in row]
    assert buttons == ["m:report"]
    assert gaps_since(telegram.core) == []


def test_a_picture_forwarded_outside_a_report_with_its_caption_is_not_taken_as_a_question(
    telegram: TelegramWorld,
) -> None:
    # Since captions are answered (2eaf232), a screenshot forwarded from the class group had its caption, someone
    # else's words, answered from the policy and kept among the questions the policy could not answer.
    file_id = telegram.fake.add_file(jpeg(), "photos/forwarded.jpg")
    update = photo(PARENT, file_id, caption="Who wants to swap the nativity videos? DM me")
    update["message"]["forward_origin"] = {"type": "hidden_user", "sender_user_name": "Class Rep", "date": 1700000000}
    [said] = telegram.say(update)
    assert said == texts.FORWARDED
    assert gaps_since(telegram.core) == []


def test_forwarded_evidence_says_who_first_sent_it_but_never_the_sender(telegram: TelegramWorld) -> None:
    telegram.say(command(PARENT, "/report"), expect=2)
    telegram.say(callback(PARENT, "rc:online_abuse"))
    troll = {"id": 555, "is_bot": False, "first_name": "Troll", "last_name": "Face", "username": "trolly"}
    telegram.say(_forwarded("You will regret this", {"type": "user", "sender_user": troll}))
    telegram.say(_forwarded("Watch your back", {"type": "hidden_user", "sender_user_name": "Anon Ymous"}))
    me = {"id": PARENT, "is_bot": False, "first_name": "Parent"}
    telegram.say(_forwarded("Please stop messaging my son", {"type": "user", "sender_user": me}))
    [review] = telegram.say(callback(PARENT, "r:done"))
    assert "[Forwarded message, first sent by Troll Face (@trolly) on 14 Nov 2023 22:13]" in review
    assert "first sent by Anon Ymous (an account that hides its details)" in review
    assert "[Forwarded message, one of the sender's own, first sent on 14 Nov 2023 22:13]" in review
    assert "Parent" not in review.replace("Parents", "")


def test_a_report_about_two_roles_is_kept_from_both_and_old_buttons_keep_their_meaning(
    telegram: TelegramWorld,
) -> None:
    telegram.say(command(PARENT, "/report"), expect=2)
    telegram.say(callback(PARENT, "rc:child_at_risk"))
    telegram.say(message(PARENT, "The chair of governors shouted at my daughter."))
    telegram.say(callback(PARENT, "r:done"))
    telegram.say(callback(PARENT, "ra:chair_of_governors"))
    telegram.say(callback(PARENT, "r:more"))
    telegram.say(message(PARENT, "The headteacher was told and did nothing."))
    [asked] = telegram.say(callback(PARENT, "r:done"))  # names another role: asked about it, the choice stands
    assert asked.startswith("Your report will not go to the Chair of Governors. Is it also about the Headteacher?")
    [more] = telegram.say(callback(PARENT, "ra:chair_of_governors"))  # the first question's button, pressed again
    assert "Your report will not go to the Chair of Governors. Is it also about the Headteacher?" in more
    [review] = telegram.say(callback(PARENT, "ra:headteacher"))
    assert "It will not be sent to the Chair of Governors and the Headteacher." in review
    telegram.say(callback(PARENT, "r:more"))
    telegram.say(message(PARENT, "I also told the DSL about it."))
    [asked] = telegram.say(callback(PARENT, "r:done"))  # only the new role is asked about; the choices stand
    assert "Is it also about the Designated Safeguarding Lead?" in asked
    [review] = telegram.say(callback(PARENT, "ra:no"))
    assert "It will not be sent to the Chair of Governors and the Headteacher." in review
    [typed_done] = telegram.say(message(PARENT, "done"))  # typed on the review screen: it stays
    assert typed_done == texts.REVIEW_ABOVE
    telegram.say(callback(PARENT, "r:send"))
    [receipt] = telegram.say(callback(PARENT, "r:none"))
    code = CODE.search(receipt)
    assert code is not None
    for name in ("Alex Head", "Chris Chair"):
        person = telegram.core.reports.actor(name=name)
        assert person is not None
        with pytest.raises(ReportError):
            telegram.core.reports.case(reference_of(telegram.core, code.group(0)), person)


def test_nothing_identifying_is_stored(telegram: TelegramWorld) -> None:
    make_report(telegram, keep="r:none")
    with telegram.core.db.engine.connect() as conn:
        tables = [r[0] for r in conn.execute(text("SELECT name FROM sqlite_master WHERE type='table'"))]
        dump = " ".join(
            " ".join(str(v) for v in row) for table in tables for row in conn.execute(text(f'SELECT * FROM "{table}"'))
        )
    assert str(PARENT) not in dump
    assert "Parent" not in dump  # the sender's first name


def test_a_report_in_progress_survives_a_restart(telegram: TelegramWorld) -> None:
    telegram.say(command(PARENT, "/report"), expect=2)
    telegram.say(callback(PARENT, "rc:inappropriate_post"))
    telegram.say(message(PARENT, "A post names a teacher."))
    [refused] = telegram.say(document(PARENT, "FILE9", file_name="notes.pdf", mime_type="application/pdf"))
    assert refused.startswith("I can only keep photos and screenshots")
    with_words = document(PARENT, "FILE10", file_name="threat.pdf", mime_type="application/pdf")
    with_words["message"]["caption"] = "He threatened a pupil at the gate."
    [kept] = telegram.say(with_words)
    assert kept.startswith("I added your words to the report, but not the file")
    telegram.stop()
    with telegram.core.db.engine.connect() as conn:
        stored = conn.execute(text("SELECT state FROM telegram_conversations")).scalars().all()
    assert stored == ['"describe"']
    telegram.start()
    telegram.say(message(PARENT, "It was shared on Tuesday."))
    [review] = telegram.say(callback(PARENT, "r:done"))
    assert "A post names a teacher." in review and "It was shared on Tuesday." in review
    assert "He threatened a pupil at the gate." in review  # a caption survives its refused file, and a restart
    telegram.say(message(PARENT, "And again on Friday."))  # typed on the review screen: added, not a question
    [review] = telegram.say(callback(PARENT, "r:done"))
    assert "And again on Friday." in review
    [cancelled] = telegram.say(command(PARENT, "/cancel"))
    assert "Nothing was sent" in cancelled
    telegram.stop()
    with telegram.core.db.engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM telegram_conversations")).scalar() == 0
        assert conn.execute(text("SELECT count(*) FROM telegram_chat_data")).scalar() == 0
    telegram.start()


def test_coming_back_the_next_day_to_a_report_says_it_is_still_being_written(
    telegram: TelegramWorld, clock: ManualClock
) -> None:
    # What a parent typed the next day was met with a bare "Added.": that it went into yesterday's report was not said.
    telegram.say(command(PARENT, "/report"), expect=2)
    telegram.say(callback(PARENT, "rc:other"))
    telegram.say(message(PARENT, "Half of what happened."))
    clock.advance(dt.timedelta(days=1))
    telegram.stop()
    telegram.start()
    [back] = telegram.say(message(PARENT, "Hello again, I want to finish what I started yesterday"))
    assert back == texts.ADDED_AFTER_A_WHILE
    [added] = telegram.say(message(PARENT, "The other half."))  # carrying on: the usual note
    assert added == texts.ADDED
    clock.advance(dt.timedelta(hours=3))
    file_id = telegram.fake.add_file(jpeg(), "photos/later.jpg")
    [back] = telegram.say(photo(PARENT, file_id))  # a picture after a long silence too
    assert back == texts.ADDED_AFTER_A_WHILE
    [review] = telegram.say(callback(PARENT, "r:done"))
    assert "Half of what happened." in review and "The other half." in review and "1 picture" in review


def test_a_message_changed_after_it_was_sent_is_taken_as_it_now_reads(telegram: TelegramWorld) -> None:
    # Both were told "I do not see edits to messages... send it again": the bot had the change and dropped it.
    asked = message(PARENT, "Can I post phots of the school play on Facebok?")
    telegram.say(asked)
    changed = edited_message(PARENT, "Can I post photos of the school play on Facebook?",
                             message_id=asked["message"]["message_id"])
    [note, answer] = telegram.say(changed, expect=2)
    assert note == texts.EDITED_QUESTION and "include other children as well as their own" in answer
    telegram.say(command(PARENT, "/report"), expect=2)
    telegram.say(callback(PARENT, "rc:staff_concern"))
    written = message(PARENT, "Mr Smith shouted at my son.")
    telegram.say(written)
    [kept] = telegram.say(edited_message(PARENT, "Mr Smyth shouted at my son.",
                                         message_id=written["message"]["message_id"]))
    assert kept == texts.EDITED_IN_REPORT
    [review] = telegram.say(callback(PARENT, "r:done"))
    assert "Mr Smith shouted" in review and "Mr Smyth shouted" in review
    [kept] = telegram.say(edited_message(PARENT, "Mr Smyth shouted at my son on Monday.",  # on the review too
                                         message_id=written["message"]["message_id"]))
    assert kept == texts.EDITED_IN_REPORT
    [review] = telegram.say(callback(PARENT, "r:done"))
    assert "on Monday." in review


def test_a_question_changed_while_a_report_is_written_stays_out_of_the_report(telegram: TelegramWorld) -> None:
    # The change to a question asked before /report went into the report, as a changed version of its words.
    asked = message(PARENT, "Can I post photos of the school play on Facebook?")
    telegram.say(asked)
    telegram.say(command(PARENT, "/report"), expect=2)
    telegram.say(callback(PARENT, "rc:staff_concern"))
    telegram.say(message(PARENT, "Mr Smith shouted at my son."))
    question_changed = edited_message(PARENT, "Can I post videos of the school play on Facebook?",
                                      message_id=asked["message"]["message_id"])
    [note] = telegram.say(question_changed)
    assert note == texts.EDITED_NOT_IN_REPORT
    picture = photo(PARENT, telegram.fake.add_file(jpeg(), "photos/bus.jpg"))  # no caption: one written later is
    telegram.say(picture)                                                    # the picture's, so in the report
    [kept] = telegram.say(edited_message(PARENT, "On the bus.", message_id=picture["message"]["message_id"]))
    assert kept == texts.EDITED_IN_REPORT
    [review] = telegram.say(callback(PARENT, "r:done"))
    assert "Mr Smith shouted" in review and "On the bus." in review and "videos" not in review
    [note] = telegram.say(question_changed)  # on the review screen: nothing added, and still the review
    assert note == texts.EDITED_NOT_IN_REPORT
    telegram.say(callback(PARENT, "r:send"))
    telegram.say(callback(PARENT, "r:none"))
    reports, head = telegram.core.reports, telegram.core.reports.actor_named("Alex Head")
    [case] = reports.open_cases(head)
    assert reports.case(case.code, head).text == (
        "Mr Smith shouted at my son.\n\n[Changed version of an earlier message]\nOn the bus.")


def test_a_report_stopped_by_mistake_can_be_brought_back_for_a_while(telegram: TelegramWorld) -> None:
    # Cancel pressed for Done threw away everything written, at once and for good.
    telegram.say(command(PARENT, "/report"), expect=2)
    telegram.say(callback(PARENT, "rc:online_abuse"))
    telegram.say(message(PARENT, "A long account of what happened on the bus."))
    [stopped] = telegram.say(callback(PARENT, "r:cancel"))
    assert stopped == texts.CANCELLED
    buttons = [b["callback_data"] for row in telegram.fake.sent(PARENT)[-1]["reply_markup"]["inline_keyboard"]
               for b in row]
    assert buttons == ["r:undo"]
    [back] = telegram.say(callback(PARENT, "r:undo"))
    assert back == texts.UNDONE
    [review] = telegram.say(callback(PARENT, "r:done"))
    assert "on the bus." in review and "Online abuse" in review
    telegram.say(command(PARENT, "/cancel"))
    telegram.stop()  # held in memory only: nothing of a stopped report is stored, and a restart ends the undo
    with telegram.core.db.engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM telegram_chat_data")).scalar() == 0
    telegram.start()
    [late] = telegram.say(callback(PARENT, "r:undo"))
    assert late == texts.UNDO_TOO_LATE


def test_a_sent_report_is_not_sent_twice_after_a_stop_that_kept_its_keep_step(telegram: TelegramWorld) -> None:
    """The bot stopped after the report was stored but before its conversation's end was written: the Keep buttons
    still show, and pressing one must not store the report again."""
    from handlers.telegram.flows import CONVERSATION, KEEP
    from handlers.telegram.persistence import DatabasePersistence

    make_report(telegram)
    telegram.stop()
    DatabasePersistence(telegram.core)._save_conversation(CONVERSATION, (PARENT,), KEEP)
    telegram.start()
    [said] = telegram.say(callback(PARENT, "r:none"))
    assert said == texts.ALREADY_SENT
    with telegram.core.db.engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM reports")).scalar() == 1


def test_status_with_a_wrong_code_is_kind(telegram: TelegramWorld) -> None:
    [reply] = telegram.say(command(PARENT, "/status hello"))
    assert "does not look like a receipt code" in reply and "Send the code again, or /cancel" in reply
    [reply] = telegram.say(message(PARENT, "ACD0-FGHJ-KMNP-RTWS"))  # sixteen: an O read as a zero, an S for a 5
    assert "16 letters" not in reply and "receipt codes never have 0 or S in them" in reply
    assert "Send the code again" in reply
    [reply] = telegram.say(command(PARENT, "/status"))
    assert "receipt code" in reply
    [reply] = telegram.say(message(PARENT, "ACDE-FGHJ-KMNP-RTWX"))
    assert "Send the code again" in reply
    [reply] = telegram.say(command(PARENT, "/cancel"))
    assert "Stopped" in reply


def test_a_receipt_telegram_would_not_take_is_tried_again_then_given_with_the_next_message(
    telegram: TelegramWorld, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The report is stored before the receipt is sent; a sender must never be left without its only key."""
    from handlers.telegram import flows

    monkeypatch.setattr(flows, "RECEIPT_RETRIES", (0.0,))
    telegram.say(command(PARENT, "/report"), expect=2)
    telegram.say(callback(PARENT, "rc:online_abuse"))
    telegram.say(message(PARENT, "Someone is posting threats about a pupil."))
    telegram.say(callback(PARENT, "r:done"))
    telegram.say(callback(PARENT, "r:send"))
    telegram.fake.fail_next(2, method="sendMessage", code=502)  # the first try and its one retry both fail
    telegram.fake.inject(callback(PARENT, "r:none"))
    telegram.fake.wait_for(lambda: telegram.app.bot_data.get(flows.HELD_RECEIPTS), what="the receipt held")
    [later, answer] = telegram.say(message(PARENT, "did my report go through?"), expect=2)
    assert "did arrive safely" in later and CODE.search(later)
    assert "Nothing has been sent" not in answer and "Something went wrong" not in answer
    assert _stored_reports(telegram) == 1


def _stored_reports(world: TelegramWorld) -> int:
    with world.core.db.session() as session:
        return int(session.execute(text("select count(*) from reports")).scalar_one())


def test_a_report_being_written_is_never_thrown_away_by_report_or_a_menu_button(telegram: TelegramWorld) -> None:
    telegram.say(command(PARENT, "/report"), expect=2)
    telegram.say(callback(PARENT, "rc:online_abuse"))
    telegram.say(message(PARENT, "Someone is posting threats about a pupil."))
    [again] = telegram.say(command(PARENT, "/report"))
    assert "middle of making a report" in again and "kept" in again
    [menu_button] = telegram.say(callback(PARENT, "m:report"))
    assert "middle of making a report" in menu_button
    [welcome] = telegram.say(command(PARENT, "/start"))
    assert "what you type now is added to it" in welcome  # so a question is not added to the report unseen
    [review] = telegram.say(callback(PARENT, "r:done"))
    assert "posting threats" in review


def test_pictures_need_words_and_a_report_too_long_is_said_while_writing(telegram: TelegramWorld) -> None:
    telegram.say(command(PARENT, "/report"), expect=2)
    telegram.say(callback(PARENT, "rc:online_abuse"))
    telegram.say(photo(PARENT, telegram.fake.add_file(jpeg(), "photos/file_8.jpg")))
    [words] = telegram.say(callback(PARENT, "r:done"))
    assert "pictures are kept" in words and "write a few words" in words
    for n in range(5):  # 5 x 4,000 characters, and the blank lines between them, are over 20,000
        telegram.say(message(PARENT, str(n) + "x" * 3999))
    too_long = telegram.fake.texts(PARENT)[-1]
    assert "longer than I can take, so it was not added" in too_long and "Press Done to send" in too_long


def _send_keeping_nothing(telegram: TelegramWorld) -> Any:
    """Send it, keep nothing: the case as a DSL sees it."""
    telegram.say(callback(PARENT, "r:send"))
    [receipt] = telegram.say(callback(PARENT, "r:none"))
    found = CODE.search(receipt)
    assert found, receipt
    dsl = telegram.core.reports.actor(name="Dana Lead")
    assert dsl is not None
    return _case(telegram, found.group(0), dsl)


def test_an_iphone_photo_sent_as_a_file_reaches_the_dsls(telegram: TelegramWorld) -> None:
    telegram.say(command(PARENT, "/report"), expect=2)
    telegram.say(callback(PARENT, "rc:online_abuse"))
    telegram.say(message(PARENT, "This was posted about my daughter."))
    from pillow_heif import register_heif_opener

    register_heif_opener()  # to write one here: the bot loads it only with the first picture it is sent
    heic = io.BytesIO()
    Image.new("RGB", (40, 30), (200, 40, 40)).save(heic, format="HEIF")
    file_id = telegram.fake.add_file(heic.getvalue(), "documents/IMG_0042.HEIC")
    [added] = telegram.say(document(PARENT, file_id, file_name="IMG_0042.HEIC", mime_type="image/heic"))
    assert "I can only keep" not in added
    [review] = telegram.say(callback(PARENT, "r:done"))
    assert "1 picture" in review
    [picture] = _send_keeping_nothing(telegram).attachments
    assert picture.filename == "evidence-1.jpg"


def test_typed_done_send_and_cancel_do_what_the_buttons_do(telegram: TelegramWorld) -> None:
    telegram.say(command(PARENT, "/report"), expect=2)
    telegram.say(callback(PARENT, "rc:online_abuse"))
    telegram.say(message(PARENT, "Some kids posted a video of my son at the park."))
    [review] = telegram.say(message(PARENT, "Done."))
    assert "Please check your report" in review and "Done" not in review.split("park.")[1].split("Send it")[0]
    [choice] = telegram.say(message(PARENT, "yes send it"))
    assert "Keep me updated here" in choice
    telegram.say(command(PARENT, "/cancel"))
    telegram.say(command(PARENT, "/report"), expect=2)
    telegram.say(callback(PARENT, "rc:online_abuse"))
    telegram.say(message(PARENT, "Another thing happened."))
    [cancelled] = telegram.say(message(PARENT, "cancel"))
    assert cancelled == texts.CANCELLED
    telegram.say(command(PARENT, "/report"), expect=2)  # /stop, which many bots take, was "I do not know that command"
    telegram.say(callback(PARENT, "rc:online_abuse"))
    [cancelled] = telegram.say(command(PARENT, "/stop"))
    assert cancelled == texts.CANCELLED
    [nothing] = telegram.say(command(PARENT, "/stop"))
    assert nothing == texts.NOTHING_TO_CANCEL


def test_a_carer_writing_in_simple_english_is_guided_not_added_to(telegram: TelegramWorld) -> None:
    """A grandmother's "how i tell school?" was "The policy doesn't cover that"; while writing, "i don't understand"
    and "what i do now?" were added to the report for the DSLs ("Added."), and "finish" was too, the report unsent."""
    notice, categories = telegram.say(message(PARENT, "how i tell school?"), expect=2)
    assert "999" in notice and texts.CHOOSE_CATEGORY in categories
    telegram.say(callback(PARENT, "rc:online_abuse"))
    telegram.say(message(PARENT, "Older boys send my grandson bad messages on whatsapp."))
    for lost in ("i don't understand", "what i do now?"):
        [helped] = telegram.say(message(PARENT, lost))
        assert texts.REPORT_UNDERWAY_NOTE in helped, lost
    [review] = telegram.say(message(PARENT, "finish"))
    assert "Please check your report" in review
    assert "understand" not in review and "what i do" not in review and "finish" not in review


def test_send_typed_while_writing_shows_the_review_and_a_typed_yes_there_sends(telegram: TelegramWorld) -> None:
    # A parent whose English is a second language types what they mean: each was added to the report as words for
    # the school ("Added."), and the parent left, thinking it sent.
    telegram.say(command(PARENT, "/report"), expect=2)
    telegram.say(callback(PARENT, "rc:child_at_risk"))
    telegram.say(message(PARENT, "Other child make video of my son in toilet."))
    [review] = telegram.say(message(PARENT, "send it"))
    assert "Please check your report" in review and "send it" not in review
    for typed in ("yes send", "Yes", "ok send please"):
        [choice] = telegram.say(message(PARENT, typed))
        assert "Keep me updated here" in choice, typed
        telegram.say(callback(PARENT, "r:more"))
        [review] = telegram.say(callback(PARENT, "r:done"))
        assert review.count("toilet.") == 1 and typed not in review, typed


def test_the_keep_choice_typed_in_the_buttons_words_does_what_the_button_does(telegram: TelegramWorld) -> None:
    # "keep me updated" typed was met with "Please choose with the buttons above".
    telegram.say(command(PARENT, "/report"), expect=2)
    telegram.say(callback(PARENT, "rc:online_abuse"))
    telegram.say(message(PARENT, "Nasty messages on the class chat."))
    telegram.say(callback(PARENT, "r:done"))
    telegram.say(callback(PARENT, "r:send"))
    [unsure] = telegram.say(message(PARENT, "no"))  # may mean "do not send it": the buttons decide
    assert unsure == texts.USE_BUTTONS
    [receipt] = telegram.say(message(PARENT, "Keep me updated."))
    assert CODE.search(receipt) and "come to you here" in receipt


@pytest.mark.parametrize("typed", ["stop", "Cancel"])
def test_stop_typed_at_the_keep_choice_stops_the_report_as_cancel_does(telegram: TelegramWorld, typed: str) -> None:
    # "stop" typed at "Would you like to hear back about your report?" was met with "Please choose with the buttons".
    telegram.say(command(PARENT, "/report"), expect=2)
    telegram.say(callback(PARENT, "rc:online_abuse"))
    telegram.say(message(PARENT, "Nasty messages on the class chat."))
    telegram.say(callback(PARENT, "r:done"))
    telegram.say(callback(PARENT, "r:send"))
    [stopped] = telegram.say(message(PARENT, typed))
    assert stopped == texts.CANCELLED
    buttons = [b["callback_data"] for row in telegram.fake.sent(PARENT)[-1]["reply_markup"]["inline_keyboard"]
               for b in row]
    assert buttons == ["r:undo"]
    with telegram.core.db.engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM reports")).scalar() == 0
    [back] = telegram.say(callback(PARENT, "r:undo"))
    assert back == texts.UNDONE
    [review] = telegram.say(callback(PARENT, "r:done"))
    assert "class chat." in review


def test_one_bad_picture_is_left_out_and_the_rest_is_sent(telegram: TelegramWorld) -> None:
    telegram.say(command(PARENT, "/report"), expect=2)
    telegram.say(callback(PARENT, "rc:online_abuse"))
    telegram.say(message(PARENT, "Someone is posting pictures of the children."))
    telegram.say(photo(PARENT, telegram.fake.add_file(jpeg(), "photos/file_1.jpg")))
    broken = telegram.fake.add_file(b"GIF89a not really a picture", "documents/anim.gif")
    telegram.say(document(PARENT, broken, file_name="anim.gif", mime_type="image/gif"))
    telegram.say(callback(PARENT, "r:done"))
    telegram.say(callback(PARENT, "r:send"))
    [left_out] = telegram.say(callback(PARENT, "r:none"))
    assert left_out.startswith("Picture 2 (in the order you sent them) could not be kept")
    assert "Press Send it to send your report with the other picture" in left_out
    assert len(_send_keeping_nothing(telegram).attachments) == 1


def test_every_picture_left_out_is_named_at_once_by_its_place_as_sent(telegram: TelegramWorld) -> None:
    telegram.say(command(PARENT, "/report"), expect=2)
    telegram.say(callback(PARENT, "rc:online_abuse"))
    telegram.say(message(PARENT, "Someone is posting pictures of the children."))
    telegram.say(photo(PARENT, "GONE"))  # Telegram no longer has it
    telegram.say(photo(PARENT, telegram.fake.add_file(jpeg(), "photos/file_1.jpg")))
    broken = telegram.fake.add_file(b"GIF89a not really a picture", "documents/anim.gif")
    telegram.say(document(PARENT, broken, file_name="anim.gif", mime_type="image/gif"))
    telegram.say(callback(PARENT, "r:done"))
    telegram.say(callback(PARENT, "r:send"))
    [left_out] = telegram.say(callback(PARENT, "r:none"))
    assert left_out.startswith("Pictures 1 and 3 (in the order you sent them) could not be kept")
    assert "with the other picture" in left_out
    telegram.say(photo(PARENT, telegram.fake.add_file(b"not a picture", "photos/file_2.jpg")))  # sent again, badly
    telegram.say(callback(PARENT, "r:done"))
    telegram.say(callback(PARENT, "r:send"))
    [left_out] = telegram.say(callback(PARENT, "r:none"))
    assert left_out.startswith("Picture 4 (in the order you sent them)")
    assert len(_send_keeping_nothing(telegram).attachments) == 1


def test_the_category_can_be_changed_and_more_added_until_the_report_is_sent(telegram: TelegramWorld) -> None:
    telegram.say(command(PARENT, "/report"), expect=2)
    telegram.say(callback(PARENT, "rc:other"))
    telegram.say(message(PARENT, "A man at pick-up was filming the children."))
    [changed] = telegram.say(callback(PARENT, "rc:child_at_risk"))  # it was really this
    assert changed.startswith(texts.CATEGORY_CHANGED.format(label="A child at risk")) and "999" in changed
    assert changed.endswith(texts.SEND_MORE)
    [review] = telegram.say(callback(PARENT, "r:done"))
    assert "Concern: A child at risk" in review and "filming the children" in review
    changed, review = telegram.say(callback(PARENT, "rc:online_abuse"), expect=2)  # the old keyboard, on the review
    assert changed == texts.CATEGORY_CHANGED.format(label="Online abuse or cyber-bullying")
    assert "Concern: Online abuse or cyber-bullying" in review
    telegram.say(callback(PARENT, "r:send"))
    [more] = telegram.say(callback(PARENT, "r:more"))  # the review's "Add more", after "Send it": nothing sent yet
    assert "send what you would like to add" in more
    telegram.say(message(PARENT, "He posted it on a local group."))
    telegram.say(callback(PARENT, "r:done"))
    case = _send_keeping_nothing(telegram)
    assert case.category.key == "online_abuse" and "filming" in case.text and "local group" in case.text


def test_a_sticker_or_voice_note_on_the_review_says_what_a_report_takes(telegram: TelegramWorld) -> None:
    telegram.say(command(PARENT, "/report"), expect=2)
    telegram.say(callback(PARENT, "rc:other"))
    telegram.say(message(PARENT, "The side gate was left open at pick-up."))
    telegram.say(callback(PARENT, "r:done"))
    for update in (sticker(PARENT), voice(PARENT)):
        assert telegram.say(update) == [texts.ONLY_PICTURES]  # not "send /report", mid-report
        buttons = [b["callback_data"] for row in telegram.fake.sent(PARENT)[-1]["reply_markup"]["inline_keyboard"]
                   for b in row]
        assert buttons == ["r:send", "r:more", "r:cancel"]


def test_a_swipe_reply_to_the_schools_question_answers_it(telegram: TelegramWorld) -> None:
    from bot.qa.gaps import gaps_since

    code = make_report(telegram)
    dsl = telegram.core.reports.actor(name="Dana Lead")
    assert dsl is not None
    telegram.core.reports.ask_sender(reference_of(telegram.core, code), dsl, "Which year group is the pupil in?")
    before = len(telegram.fake.sent(PARENT))
    telegram.dispatch()
    news = telegram.fake.wait_for_messages(PARENT, before + 1)[-1]
    assert "or reply to this message" in news["text"]
    answer = message(PARENT, "Year 3, it was another pupil's mum who posted it on Friday")
    # What Telegram sends for a swipe-reply: the bot's message, quoted in the parent's.
    answer["message"]["reply_to_message"] = {
        "message_id": 9000, "date": answer["message"]["date"], "chat": answer["message"]["chat"],
        "from": {"id": 1, "is_bot": True, "first_name": "School bot"}, "text": news["text"],
    }
    thanks, view = telegram.say(answer, expect=2)
    assert "Thank you" in thanks and code in view
    case = _case(telegram, code, dsl)
    assert "Year 3, it was another pupil's mum" in " ".join(e.detail or "" for e in case.events)
    assert gaps_since(telegram.core) == []  # never kept as an unanswered policy question


def _asked(telegram: TelegramWorld, question: str) -> tuple[str, Any]:
    """A report kept with a reply channel, and a DSL's question about it delivered to the parent."""
    code = make_report(telegram)
    dsl = telegram.core.reports.actor(name="Dana Lead")
    assert dsl is not None
    telegram.core.reports.ask_sender(reference_of(telegram.core, code), dsl, question)
    telegram.dispatch()
    return code, dsl


def test_the_schools_question_still_waits_for_its_answer_after_a_restart(telegram: TelegramWorld) -> None:
    """The school asked; the bot restarted before the parent typed the answer. What they type is still offered as
    their answer, not taken for a policy question, and reaches the report as their reply."""
    code, dsl = _asked(telegram, "Which class is the pupil in?")
    telegram.stop()
    telegram.start()
    [asked] = telegram.say(message(PARENT, "Class 4B"))
    assert asked == texts.IS_IT_THE_ANSWER.format(code=code)
    telegram.stop()
    telegram.start()
    thanks, _ = telegram.say(callback(PARENT, f"ta:y:{code}"), expect=2)
    assert thanks == texts.REPLY_SENT
    assert [e.detail for e in _case(telegram, code, dsl).events if e.action == "replied"] == ["Class 4B"]
    telegram.stop()
    telegram.start()
    [answer] = telegram.say(message(PARENT, "can I post photos of sports day?"))  # answered: a question again
    assert "Social Media Policy" in answer
    with telegram.core.db.engine.connect() as conn:  # and the chat keeps nothing stored
        assert conn.execute(text("SELECT count(*) FROM telegram_chat_data")).scalar() == 0


def test_the_schools_question_waits_for_its_answer_even_if_the_bot_dies_just_after_sending_it(
    telegram: TelegramWorld, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The news reached the parent and the process died at once (killed, a power cut): nothing it did after the send
    reached the database. The wait was recorded only after the send (and written a second later): the parent's
    answer was then taken for a policy question. Written before the send, it survives."""
    from handlers.telegram.persistence import DatabasePersistence

    code = make_report(telegram)
    dsl = telegram.core.reports.actor(name="Dana Lead")
    assert dsl is not None
    dead = False
    notifier = telegram.notifier
    assert notifier is not None
    send, write = notifier._send, DatabasePersistence._save_chat_data

    def send_then_die(params: dict[str, Any], kind: str) -> None:
        nonlocal dead
        send(params, kind)
        dead = True

    def unless_dead(self: DatabasePersistence, chat_id: int, data: dict[str, Any]) -> None:
        if not dead:
            write(self, chat_id, data)

    monkeypatch.setattr(notifier, "_send", send_then_die)
    monkeypatch.setattr(DatabasePersistence, "_save_chat_data", unless_dead)
    telegram.core.reports.ask_sender(reference_of(telegram.core, code), dsl, "Which class is the pupil in?")
    assert telegram.dispatch() == 1 and dead
    telegram.stop()  # nothing of the dead process's shutdown is written
    dead = False  # a new process
    telegram.start()
    [asked] = telegram.say(message(PARENT, "Class 4B"))
    assert asked == texts.IS_IT_THE_ANSWER.format(code=code)


def test_news_asking_a_question_waits_in_the_outbox_while_its_wait_for_an_answer_cannot_be_kept(
    telegram: TelegramWorld, clock: ManualClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The database refuses the chat's wait (busy, unreachable): the news is not sent without it, and goes out, once,
    with it when the outbox tries again."""
    from handlers.telegram.persistence import DatabasePersistence

    code = make_report(telegram)
    dsl = telegram.core.reports.actor(name="Dana Lead")
    assert dsl is not None
    write = DatabasePersistence._save_chat_data

    def refused(self: DatabasePersistence, chat_id: int, data: dict[str, Any]) -> None:
        raise OSError("database unreachable")

    monkeypatch.setattr(DatabasePersistence, "_save_chat_data", refused)
    telegram.core.reports.ask_sender(reference_of(telegram.core, code), dsl, "Which class is the pupil in?")
    before = len(telegram.fake.sent(PARENT))
    assert telegram.dispatch() == 0
    assert len(telegram.fake.sent(PARENT)) == before  # not sent without its wait
    monkeypatch.setattr(DatabasePersistence, "_save_chat_data", write)
    clock.advance(minutes=20)
    assert telegram.dispatch() == 1
    assert len(telegram.fake.sent(PARENT)) == before + 1 and "Which class is the pupil in?" in telegram.fake.texts(
        PARENT)[-1]
    [asked] = telegram.say(message(PARENT, "Class 4B"))
    assert asked == texts.IS_IT_THE_ANSWER.format(code=code)


def test_a_day_after_the_schools_question_what_is_typed_is_a_question_again(
    telegram: TelegramWorld, clock: ManualClock
) -> None:
    """The wait is measured on the school's clock (which a restart does not reset), not the bot's running time."""
    code, _ = _asked(telegram, "Which class is the pupil in?")
    clock.advance(hours=25)
    [answer] = telegram.say(message(PARENT, "can I post photos of sports day?"))
    assert answer != texts.IS_IT_THE_ANSWER.format(code=code) and "Social Media Policy" in answer


def test_an_answer_to_the_schools_question_typed_days_later_is_offered_as_the_answer_not_refused(
    telegram: TelegramWorld, clock: ManualClock
) -> None:
    """A grandparent reads the school's question on Friday and answers on Monday. The answer was met with "The policy
    doesn't cover that" and never reached the school. Days later, what the policy cannot answer is offered as the
    answer still; what it can answer is answered, and "No, it is a question" ends the offer."""
    code, dsl = _asked(telegram, "Is your daughter safe at the moment? Which class?")
    clock.advance(days=3)
    [answer] = telegram.say(message(PARENT, "can I post photos of sports day?"))  # a question: answered
    assert "Social Media Policy" in answer
    [asked] = telegram.say(message(PARENT, "sorry for late reply. she is ok now, class 5R"))
    assert asked == texts.IS_IT_THE_ANSWER.format(code=code)
    thanks, _ = telegram.say(callback(PARENT, f"ta:y:{code}"), expect=2)
    assert thanks == texts.REPLY_SENT
    assert [e.detail for e in _case(telegram, code, dsl).events if e.action == "replied"] == [
        "sorry for late reply. she is ok now, class 5R"
    ]
    [refused] = telegram.say(message(PARENT, "what time does school start"))  # answered: no longer offered
    assert refused != texts.IS_IT_THE_ANSWER.format(code=code) and "doesn't cover" in refused


@pytest.mark.parametrize("late", ["She told me more. " * 60, "Ona jest teraz bezpieczna, jest w klasie 5R, dziękuję"])
def test_a_long_or_non_english_answer_days_later_is_offered_as_the_answer(
    telegram: TelegramWorld, clock: ManualClock, late: str
) -> None:
    """Met with "That message is too long" or "I can only answer questions in English", and lost the same way."""
    code, dsl = _asked(telegram, "Can you tell us more?")
    clock.advance(days=2)
    [asked] = telegram.say(message(PARENT, late))
    assert asked == texts.IS_IT_THE_ANSWER.format(code=code)
    telegram.say(callback(PARENT, f"ta:y:{code}"), expect=2)
    assert [e.detail for e in _case(telegram, code, dsl).events if e.action == "replied"] == [late.strip()]


def test_a_no_to_a_late_answer_ends_the_offer(
    telegram: TelegramWorld, clock: ManualClock
) -> None:
    code, _ = _asked(telegram, "Which class is the pupil in?")
    clock.advance(days=2)
    [asked] = telegram.say(message(PARENT, "what time does school start"))
    assert asked == texts.IS_IT_THE_ANSWER.format(code=code)
    [refused] = telegram.say(callback(PARENT, f"ta:n:{code}"))
    assert "doesn't cover" in refused
    [refused] = telegram.say(message(PARENT, "what time does school finish"))
    assert "doesn't cover" in refused


def test_a_fortnight_after_the_schools_question_nothing_is_offered_as_its_answer(
    telegram: TelegramWorld, clock: ManualClock
) -> None:
    code, _ = _asked(telegram, "Which class is the pupil in?")
    clock.advance(days=15)
    [refused] = telegram.say(message(PARENT, "what time does school start"))
    assert "doesn't cover" in refused and code not in refused
    [how] = telegram.say(message(PARENT, "any news??"))  # nor is the report known here any more
    assert how == texts.HOW_TO_CHECK


def test_stopping_news_forgets_that_the_school_waits_for_an_answer_here(telegram: TelegramWorld) -> None:
    """The wait for an answer names the sender's receipt: once they stop news in this chat, nothing of it is kept."""
    code, _ = _asked(telegram, "Which class is the pupil in?")
    [stopped] = telegram.say(callback(PARENT, f"sf:{code}"))
    assert stopped.startswith("Done")
    telegram.stop()
    with telegram.core.db.engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM telegram_chat_data")).scalar() == 0
    telegram.start()
    [answer] = telegram.say(message(PARENT, "can I post photos of sports day?"))
    assert "Social Media Policy" in answer


def test_a_message_changed_that_was_no_question_is_not_answered_as_one(telegram: TelegramWorld) -> None:
    """An answer held under "Is this your answer?", or a report's words after it was sent, changed: each was answered
    from the policy as a question ("You changed your question..."), and could be kept among the questions the policy
    could not answer, which the headteacher reads. They are asked to send it again, as before."""
    code, _ = _asked(telegram, "Which class is the pupil in?")
    held = message(PARENT, "Class 4B, Mrs Green's. Why do you need to know?")
    [asked] = telegram.say(held)
    assert asked == texts.IS_IT_THE_ANSWER.format(code=code)
    changed = edited_message(PARENT, "Class 4B, Mrs Greene's. Why do you need to know?",
                             message_id=held["message"]["message_id"])
    [said] = telegram.say(changed)
    assert said == texts.EDITED
    thanks, _ = telegram.say(callback(PARENT, f"ta:y:{code}"), expect=2)  # the held one is still theirs to send
    assert thanks == texts.REPLY_SENT
    [said] = telegram.say(edited_message(PARENT, "Class 4B, Mr Brown's. Who is asking?",
                                         message_id=held["message"]["message_id"]))  # after it was sent
    assert said == texts.EDITED
    assert gaps_since(telegram.core) == []


def test_asking_to_be_forgotten_says_what_is_kept_and_how_to_stop_news(telegram: TelegramWorld) -> None:
    # It was answered from the policy, with the clause on parents who refuse to comply with the school.
    make_report(telegram)
    [said] = telegram.say(message(PARENT, "please delete everything about me"))
    assert said == texts.FORGET_ME and "Stop news in this chat" in said
    [answer] = telegram.say(message(PARENT, "can I delete a photo of my son I posted?"))  # a policy question still
    assert answer != texts.FORGET_ME


def test_asking_after_a_report_without_its_code_says_how_to_check_it(telegram: TelegramWorld) -> None:
    # "Any news??" was told "The policy doesn't cover that", and kept among the questions the policy could not answer.
    [how] = telegram.say(message(PARENT, "any news??"))
    assert how == texts.HOW_TO_CHECK
    code, _ = _asked(telegram, "Which class is the pupil in?")
    [view] = telegram.say(message(PARENT, "Has anyone read my report?"))  # the school's news came here: that report
    assert code in view and "Which class is the pupil in?" in view
    assert gaps_since(telegram.core) == []


def test_an_answer_to_the_school_with_asking_after_the_report_is_offered_as_the_answer(telegram: TelegramWorld) -> None:
    # Since 'did you get my report?' shows the report (dd0e20d), the answer typed with it was dropped unseen: the parent
    # was shown the school's question still unanswered, and the answer was never offered to the school.
    code, dsl = _asked(telegram, "Which class is the pupil in?")
    view, asked = telegram.say(message(PARENT, "It's 4B, Mrs Green's class. Did you get my report?"), expect=2)
    assert code in view and asked == texts.IS_IT_THE_ANSWER.format(code=code)
    thanks, _ = telegram.say(callback(PARENT, f"ta:y:{code}"), expect=2)
    assert thanks == texts.REPLY_SENT
    assert [e.detail for e in _case(telegram, code, dsl).events if e.action == "replied"] == [
        "It's 4B, Mrs Green's class."]


def test_asking_after_a_report_days_after_the_schools_question_shows_that_report(
    telegram: TelegramWorld, clock: ManualClock
) -> None:
    """"Any news?" two days after the school's question (past the day in which anything typed may be the answer, but
    the report still waits for it) was told how to check a report, as if no report were known here."""
    code, _ = _asked(telegram, "Which class is the pupil in?")
    clock.advance(days=2)
    [view] = telegram.say(message(PARENT, "any news??"))
    assert code in view and "Which class is the pupil in?" in view
    assert gaps_since(telegram.core) == []


def test_an_answer_with_asking_after_the_report_days_later_is_offered_as_the_answer(
    telegram: TelegramWorld, clock: ManualClock
) -> None:
    code, dsl = _asked(telegram, "Which class is the pupil in?")
    clock.advance(days=3)
    view, asked = telegram.say(message(PARENT, "Sorry, it's 4B. Any news?"), expect=2)
    assert code in view and asked == texts.IS_IT_THE_ANSWER.format(code=code)
    thanks, _ = telegram.say(callback(PARENT, f"ta:y:{code}"), expect=2)
    assert thanks == texts.REPLY_SENT
    assert [e.detail for e in _case(telegram, code, dsl).events if e.action == "replied"] == ["Sorry, it's 4B."]


def test_a_closed_reports_wait_for_an_answer_goes_even_when_the_news_of_its_closing_cannot_be_delivered(
    telegram: TelegramWorld,
) -> None:
    """The parent blocked the bot after the school's question; the case was closed. The news of the closing fails for
    good and the reply channel is forgotten: the chat's stored wait, which names the receipt, goes with it."""
    code, dsl = _asked(telegram, "Which class is the pupil in?")
    telegram.fake.state.forbidden_chats.add(PARENT)
    telegram.core.reports.close(reference_of(telegram.core, code), dsl, "Resolved with the class teacher.")
    telegram.dispatch()
    assert telegram.core.reports.forget_closed_reply_channels() == 1
    telegram.stop()
    with telegram.core.db.engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM report_reply_channels")).scalar() == 0
        assert conn.execute(text("SELECT count(*) FROM telegram_chat_data")).scalar() == 0
    telegram.start()


def test_a_message_held_for_a_yes_or_no_goes_when_its_report_is_closed_and_the_old_buttons_say_so(
    telegram: TelegramWorld,
) -> None:
    """What the parent typed after the school's question, held while they say whether it is their answer, names the
    receipt: it goes from the chat's stored data with the report's closing, not days later. The old buttons then say
    what became of it and how to send it again; nothing reaches the closed report unasked."""
    code, dsl = _asked(telegram, "Which class is the pupil in?")
    assert telegram.say(message(PARENT, "Class 4B")) == [texts.IS_IT_THE_ANSWER.format(code=code)]
    telegram.core.reports.close(reference_of(telegram.core, code), dsl, "Resolved with the class teacher.")
    telegram.dispatch()  # the news of the closing
    telegram.fake.wait_for(lambda: "held_answers" not in telegram.app.chat_data[PARENT], what="the message let go")
    telegram.stop()
    with telegram.core.db.engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM telegram_chat_data")).scalar() == 0
    telegram.start()
    [gone] = telegram.say(callback(PARENT, f"ta:y:{code}"))
    assert gone == texts.HELD_GONE_CLOSED.format(code=code)
    buttons = [b["callback_data"] for row in telegram.fake.sent(PARENT)[-1]["reply_markup"]["inline_keyboard"]
               for b in row]
    assert buttons == [f"sr:{code}"]  # the way to send it after all
    assert telegram.say(callback(PARENT, f"ta:n:{code}")) == [texts.HELD_GONE_CLOSED_QUESTION.format(code=code)]
    assert not [e for e in _case(telegram, code, dsl).events if e.action == "replied"]


def test_stopping_news_lets_a_held_message_go_and_says_so(telegram: TelegramWorld) -> None:
    code, dsl = _asked(telegram, "Which class is the pupil in?")
    telegram.say(message(PARENT, "Class 4B"))
    [stopped] = telegram.say(callback(PARENT, f"sf:{code}"))
    assert stopped == texts.FORGOTTEN.format(code=code) + "\n\n" + texts.HELD_NOT_SENT.format(code=code)
    telegram.stop()
    with telegram.core.db.engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM telegram_chat_data")).scalar() == 0
    telegram.start()
    [gone] = telegram.say(callback(PARENT, f"ta:y:{code}"))
    assert gone == texts.HELD_GONE.format(code=code)
    assert not [e for e in _case(telegram, code, dsl).events if e.action == "replied"]


def test_asking_about_the_policy_while_an_answer_is_awaited_is_a_question(telegram: TelegramWorld) -> None:
    from handlers.telegram.chat import MENU_ASK

    code, dsl = _asked(telegram, "Which year group is the pupil in?")
    telegram.say(callback(PARENT, f"sr:{code}"))  # "Reply to the school", then thinks better of it
    [prompt] = telegram.say(callback(PARENT, MENU_ASK))
    assert "Type your question" in prompt
    [answer] = telegram.say(message(PARENT, "Can I post photos of the school play?"))
    assert "added to your report" not in answer and "Social Media Policy" in answer
    assert not [e for e in _case(telegram, code, dsl).events if e.action == "replied"]


def test_stop_or_help_typed_for_the_answer_to_the_school_is_not_sent_as_the_answer(telegram: TelegramWorld) -> None:
    # 'Stop' and 'help' typed do what they say while writing a report and outside one (7c3bfa0); typed after "Reply
    # to the school", each went into the report as the parent's answer, and the school was told they had replied.
    code, dsl = _asked(telegram, "Which year group is the pupil in?")
    telegram.say(callback(PARENT, f"sr:{code}"))
    help_text, again = telegram.say(message(PARENT, "help"), expect=2)
    assert help_text.startswith(texts.HELP) and again == texts.WRITE_REPLY
    [stopped] = telegram.say(message(PARENT, "Stop"))
    assert stopped == texts.ANSWER_CANCELLED
    assert not [e for e in _case(telegram, code, dsl).events if e.action == "replied"]


def test_a_picture_sent_as_the_answer_to_the_school_is_added(telegram: TelegramWorld) -> None:
    code, dsl = _asked(telegram, "Do you have a screenshot of the post?")
    telegram.say(callback(PARENT, f"sr:{code}"))
    broken = telegram.fake.add_file(b"GIF89a not really a picture", "documents/anim.gif")
    [not_kept] = telegram.say(document(PARENT, broken, file_name="anim.gif", mime_type="image/gif"))
    assert not_kept == texts.REPLY_PICTURE_NOT_KEPT  # and the answer is still awaited
    answer = photo(PARENT, telegram.fake.add_file(jpeg(), "photos/answer.jpg"), caption="This is the post.")
    thanks, _ = telegram.say(answer, expect=2)
    assert thanks == texts.REPLY_SENT
    case = _case(telegram, code, dsl)
    assert len(case.attachments) == 2 and "This is the post." in " ".join(e.detail or "" for e in case.events)


def test_a_picture_sent_straight_after_the_schools_question_points_to_reply_not_to_a_new_report(
    telegram: TelegramWorld,
) -> None:
    code, dsl = _asked(telegram, "Can you send a screenshot of the post?")
    screenshot = photo(PARENT, telegram.fake.add_file(jpeg(), "photos/answer.jpg"), caption="here it is")
    [pointer] = telegram.say(screenshot)
    assert pointer == texts.PICTURE_FOR_THE_SCHOOL.format(code=code) and "/report" not in pointer
    buttons = [b["callback_data"] for row in telegram.fake.sent(PARENT)[-1]["reply_markup"]["inline_keyboard"]
               for b in row]
    assert buttons == [f"sr:{code}"]
    telegram.say(callback(PARENT, f"sr:{code}"))
    thanks, _ = telegram.say(screenshot, expect=2)
    assert thanks == texts.REPLY_SENT
    assert len(_case(telegram, code, dsl).attachments) == 2
    # answered: a picture now is not taken for that report's any more
    assert telegram.say(photo(PARENT, telegram.fake.add_file(jpeg(), "photos/later.jpg"))) == [texts.NOT_TEXT]


def test_a_receipt_code_typed_with_spaces_around_its_dashes_shows_the_report(telegram: TelegramWorld) -> None:
    """Copied from paper as "MYYK - 3PRJ - PD9N - H47J": it was "not a receipt code", taken as a question and met
    with "The policy doesn't cover that"."""
    code = make_report(telegram)
    spaced = code.replace("-", " - ")
    telegram.say(command(PARENT, "/status"))
    [status] = telegram.say(message(PARENT, spaced))
    assert status.startswith(f"Report {code}")
    [status] = telegram.say(message(PARENT, f"any news on {spaced.lower()}?"))
    assert status.startswith(f"Report {code}")


def test_a_pasted_receipt_line_is_read_as_its_code(telegram: TelegramWorld) -> None:
    code = make_report(telegram)
    telegram.say(command(PARENT, "/status"))
    pasted = "Your receipt code is: " + code.replace("-", "\u2013")  # with the dashes some phones put in
    [status] = telegram.say(message(PARENT, pasted))
    assert code in status and "arrived safely" in status


def test_what_a_parent_writes_to_a_closed_report_goes_into_it_and_they_are_told_it_was_closed(
    telegram: TelegramWorld,
) -> None:
    """The news of the closing offers no reply; but a parent who thinks of more (here with an older 'Reply to the
    school' button) adds it to the same report, not a new one: the school is told, and the parent that the report had
    been closed, that the school will see it, and to call 999 in an emergency."""
    code = make_report(telegram)
    dsl = telegram.core.reports.actor(name="Dana Lead")
    assert dsl is not None
    reference = reference_of(telegram.core, code)
    telegram.core.reports.close(reference, dsl, "Spoken to the family.", share_with_sender=True)
    before = len(telegram.fake.sent(PARENT))
    telegram.dispatch()
    news = telegram.fake.wait_for_messages(PARENT, before + 1)[-1]
    labels = [b["text"] for row in news["reply_markup"]["inline_keyboard"] for b in row]
    assert "Outcome: Spoken to the family." in news["text"] and labels == ["See my report"]
    assert "you can still add it to this report" in news["text"]
    [write] = telegram.say(callback(PARENT, f"sr:{code}"))  # a reply button from before it was closed
    assert write == texts.WRITE_REPLY
    thanks, view = telegram.say(message(PARENT, "The same man was at the gate again this morning."), expect=2)
    assert thanks == texts.REPLY_SENT
    assert "Your report had been closed" in view and "call 999 now" in view and reference not in view
    case = _case(telegram, code, dsl)
    assert case.status == "closed"
    assert [e.detail for e in case.events if e.action == "replied"] == [
        "The same man was at the gate again this morning."]
    card = [m for m in _queued(telegram) if m.kind == "report_update"][-1]
    assert card.ping is not None and card.ping.startswith("The sender wrote after the case was closed: re-open it")


def test_waiting_for_a_receipt_code_ends_when_the_parent_moves_on(telegram: TelegramWorld) -> None:
    [ask_code] = telegram.say(command(PARENT, "/status"))
    assert "receipt code" in ask_code
    said = telegram.say(message(PARENT, "I don't have it, can I post photos of sports day?"), expect=2)
    assert "taken it as a question" in said[0] and "include other children" in said[1]
    [answer] = telegram.say(message(PARENT, "can I post photos of the nativity?"))
    assert "include other children" in answer  # no longer asked for a code
    telegram.say(command(PARENT, "/status"))
    [welcome] = telegram.say(command(PARENT, "/start"))
    assert "Stokes Wood" in welcome
    [answer] = telegram.say(message(PARENT, "can I post photos of the nativity?"))
    assert "include other children" in answer


def test_stop_news_is_offered_only_where_the_news_goes(telegram: TelegramWorld) -> None:
    code = make_report(telegram)  # "keep me updated here"
    telegram.say(command(PARENT, f"/status {code}"))
    labels = [b["text"] for row in telegram.fake.sent(PARENT)[-1]["reply_markup"]["inline_keyboard"] for b in row]
    assert "Stop news in this chat" in labels
    telegram.say(command(OTHER_PARENT, f"/status {code}"), chat_id=OTHER_PARENT)  # another chat with the code
    markup = telegram.fake.sent(OTHER_PARENT)[-1].get("reply_markup") or {"inline_keyboard": []}
    assert "Stop news in this chat" not in [b["text"] for row in markup["inline_keyboard"] for b in row]
    [refused] = telegram.say(callback(OTHER_PARENT, f"sf:{code}"), chat_id=OTHER_PARENT)  # an old button
    assert "another chat" in refused
    [stopped] = telegram.say(callback(PARENT, f"sf:{code}"))
    assert stopped.startswith("Done")
    telegram.say(command(PARENT, f"/status {code}"))
    markup = telegram.fake.sent(PARENT)[-1].get("reply_markup") or {"inline_keyboard": []}
    assert "Stop news in this chat" not in [b["text"] for row in markup["inline_keyboard"] for b in row]


def test_a_message_sent_again_after_a_send_error_is_in_the_report_once(telegram: TelegramWorld) -> None:
    telegram.say(command(PARENT, "/report"), expect=2)
    telegram.say(callback(PARENT, "rc:online_abuse"))
    telegram.say(message(PARENT, "He sent threats on Tuesday."))
    telegram.say(message(PARENT, "He sent threats on Tuesday."))  # as a parent does when "Added." went missing
    [review] = telegram.say(callback(PARENT, "r:done"))
    assert review.count("He sent threats on Tuesday.") == 1


def test_an_album_of_pictures_is_one_added(telegram: TelegramWorld) -> None:
    telegram.say(command(PARENT, "/report"), expect=2)
    telegram.say(callback(PARENT, "rc:online_abuse"))
    telegram.say(message(PARENT, "Screenshots of the group chat."))
    time.sleep(telegram.app.bot_data[NOTES].quiet)  # a new burst: the album's first picture is said at once
    before = len(telegram.fake.sent(PARENT))
    for n in range(3):
        update = photo(PARENT, telegram.fake.add_file(jpeg(), f"photos/album_{n}.jpg"))
        update["message"]["media_group_id"] = "13579"
        telegram.fake.inject(update)
    telegram.fake.wait_for(
        lambda: len(telegram.app.chat_data[PARENT]["report"]["files"]) == 3
        and texts.ADDED in telegram.fake.texts(PARENT)[before:],
        what="the three pictures added",
    )
    added = telegram.fake.texts(PARENT)[before:].count(texts.ADDED)
    [review] = telegram.say(callback(PARENT, "r:done"))
    assert "3 pictures" in review and added == 1


def test_an_album_sent_straight_after_words_is_counted_in_one_note(telegram: TelegramWorld) -> None:
    # "Straight after" is within `quiet` of the words: the pace in use, as a loaded machine could take over the
    # tests' 0.5 s to reach the album, whose first picture then had an "Added." of its own.
    telegram.app.bot_data[NOTES] = AddedNotes(quiet=QUIET_SECONDS)
    telegram.say(command(PARENT, "/report"), expect=2)
    telegram.say(callback(PARENT, "rc:online_abuse"))
    telegram.say(message(PARENT, "Screenshots of the group chat."))
    for n in range(3):
        update = photo(PARENT, telegram.fake.add_file(jpeg(), f"photos/album_{n}.jpg"))
        update["message"]["media_group_id"] = "24680"
        telegram.fake.inject(update)
    telegram.fake.wait_for(lambda: texts.added_more(3) in telegram.fake.texts(PARENT), what="one note for three")
    assert [t for t in telegram.fake.texts(PARENT) if t.startswith("Added")] == [texts.ADDED, texts.added_more(3)]


def test_an_album_over_the_picture_limit_says_so_once(telegram: TelegramWorld) -> None:
    telegram.say(command(PARENT, "/report"), expect=2)
    telegram.say(callback(PARENT, "rc:online_abuse"))
    telegram.say(message(PARENT, "Screenshots of the group chat."))
    before = len(telegram.fake.sent(PARENT))
    for n in range(13):  # three more than a report can carry
        update = photo(PARENT, telegram.fake.add_file(jpeg(), f"photos/big_album_{n}.jpg"))
        update["message"]["media_group_id"] = "24680"
        telegram.fake.inject(update)
    telegram.fake.wait_for(
        lambda: texts.TOO_MANY_FILES in telegram.fake.texts(PARENT)[before:], what="the limit to be said"
    )
    [review] = telegram.say(callback(PARENT, "r:done"))
    assert "10 pictures" in review
    assert telegram.fake.texts(PARENT)[before:].count(texts.TOO_MANY_FILES) == 1


def test_help_in_the_middle_of_a_report_says_what_typing_does_at_that_step(telegram: TelegramWorld) -> None:
    telegram.say(command(PARENT, "/report"), expect=2)
    telegram.say(callback(PARENT, "rc:online_abuse"))
    [describing] = telegram.say(command(PARENT, "/help"))
    assert describing.endswith(texts.REPORT_UNDERWAY_NOTE)
    [unknown] = telegram.say(command(PARENT, "/photos"))
    assert unknown.startswith("I do not know that command") and unknown.endswith(texts.REPORT_UNDERWAY_NOTE)
    telegram.say(message(PARENT, "Someone posted my child's photo with a nasty comment."))
    telegram.say(callback(PARENT, "r:done"))
    telegram.say(callback(PARENT, "r:send"))
    [keeping] = telegram.say(command(PARENT, "/help"))  # typing is not added here: only a keep choice is asked
    assert keeping.endswith(texts.REPORT_KEEP_NOTE) and texts.REPORT_UNDERWAY_NOTE not in keeping
    assert telegram.say(command(PARENT, "/status")) == [texts.REPORT_KEEP_NOTE]  # not "Done when you have written"
    telegram.say(callback(PARENT, "r:none"))
    [after] = telegram.say(command(PARENT, "/help"))
    assert texts.REPORT_KEEP_NOTE not in after and texts.REPORT_UNDERWAY_NOTE not in after


def test_after_a_report_is_closed_what_the_parent_types_is_not_taken_for_its_answer(telegram: TelegramWorld) -> None:
    code, dsl = _asked(telegram, "Which year group?")
    telegram.core.reports.close(reference_of(telegram.core, code), dsl, "Spoken to the family.", share_with_sender=True)
    telegram.dispatch()  # the news that it is closed, with no "Reply to the school"
    [answer] = telegram.say(message(PARENT, "can I post photos of sports day?"))
    assert answer != texts.IS_IT_THE_ANSWER.format(code=code) and "Social Media Policy" in answer
    second, _ = _asked(telegram, "Which day?")
    telegram.say(message(PARENT, "Tuesday"))
    # closed before the parent's "yes", its news not yet sent
    telegram.core.reports.close(reference_of(telegram.core, second), dsl, "Dealt with.")
    thanks, closed = telegram.say(callback(PARENT, f"ta:y:{second}"), expect=2)  # added to it all the same
    assert thanks == texts.REPLY_SENT and "Your report had been closed" in closed
    [answer] = telegram.say(message(PARENT, "can I post photos of sports day?"))  # not asked about again
    assert answer != texts.IS_IT_THE_ANSWER.format(code=second) and "Social Media Policy" in answer


def test_a_short_or_unsure_answer_sent_with_the_code_is_offered_while_the_school_waits_for_one(
    telegram: TelegramWorld,
) -> None:
    code, dsl = _asked(telegram, "Which year group?")
    for said, words in ((f"{code.lower()} Year 3", "Year 3"), (f"/status {code} Tuesday I think?", "Tuesday I think?")):
        if words.startswith("Tuesday"):
            telegram.core.reports.ask_sender(reference_of(telegram.core, code), dsl, "Which day was it?")
        view, asked = telegram.say(message(PARENT, said), expect=2)
        assert view.startswith(f"Report {code}") and asked == texts.IS_IT_THE_ANSWER.format(code=code)
        telegram.say(callback(PARENT, f"ta:y:{code}"), expect=2)
        assert [e.detail for e in _case(telegram, code, dsl).events if e.action == "replied"][-1] == words
    telegram.say(message(PARENT, f"{code} yes"))  # answered now: a short word with the code only shows the report
    telegram.say(command(PARENT, "/cancel"))
    assert telegram.fake.texts(PARENT)[-1] == texts.NOTHING_TO_CANCEL


def _album_of(telegram: TelegramWorld, count: int, album: str) -> list[dict[str, Any]]:
    updates = []
    for n in range(count):
        file_id = telegram.fake.add_file(jpeg(), f"photos/{album}_{n}.jpg")
        update = photo(PARENT, file_id, caption="these" if n == 0 else None)
        update["message"]["media_group_id"] = album
        updates.append(update)
    return updates


def test_what_is_said_about_an_album_while_reporting_is_said_once_not_once_a_picture(telegram: TelegramWorld) -> None:
    """An album reaches the bot as one message per picture; the parent sent one thing, and hears back once about it,
    including what was not kept and how to add it."""

    def replies_to(album: list[dict[str, Any]], then: dict[str, Any], answered: str) -> list[str]:
        """What the album was told: the replies before `then`'s (updates from one chat are handled in order)."""
        before = len(telegram.fake.sent(PARENT))
        telegram.fake.inject(*album, then)
        telegram.fake.wait_for(lambda: any(answered in t for t in telegram.fake.texts(PARENT)[before:]), what=answered)
        said = telegram.fake.texts(PARENT)[before:]
        return said[: next(n for n, t in enumerate(said) if answered in t)]

    telegram.say(command(PARENT, "/report"), expect=2)
    assert replies_to(_album_of(telegram, 4, "1111"), callback(PARENT, "rc:online_abuse"), "You chose") == [
        texts.NOT_ADDED_CHOOSE_FIRST  # before a category: not kept, and said so, once
    ]
    telegram.say(message(PARENT, "Screenshots of the group chat."))
    time.sleep(telegram.app.bot_data[NOTES].quiet)  # a new burst: the album's first picture kept is said at once
    album = _album_of(telegram, 4, "2222")
    for update in album[:3]:
        update["message"]["photo"][-1]["file_size"] = 20 * 1024 * 1024
    assert replies_to(album, callback(PARENT, "r:done"), "check your report") == [texts.FILE_TOO_LARGE, texts.ADDED]
    assert "With 1 picture." in telegram.fake.texts(PARENT)[-1]
    telegram.say(callback(PARENT, "r:send"))
    assert replies_to(_album_of(telegram, 3, "3333"), callback(PARENT, "r:more"), "would like to add") == [
        texts.NOT_ADDED_ADD_MORE
    ]


def test_an_album_sent_as_the_answer_to_the_school_is_added_whole(telegram: TelegramWorld) -> None:
    code, dsl = _asked(telegram, "Can you send the screenshots?")
    before = len(telegram.fake.sent(PARENT))
    for update in _album_of(telegram, 3, "4321"):  # before "Reply to the school": pointed to it once, not thrice
        telegram.fake.inject(update)
    telegram.fake.wait_for_messages(PARENT, before + 1)
    telegram.say(command(PARENT, "/cancel"))  # a marker: everything before it has been handled
    assert telegram.fake.texts(PARENT)[before:-1] == [texts.PICTURE_FOR_THE_SCHOOL.format(code=code)]
    telegram.say(callback(PARENT, f"sr:{code}"))
    for update in _album_of(telegram, 3, "8765"):
        telegram.fake.inject(update)
    telegram.fake.wait_for(lambda: len(_case(telegram, code, dsl).attachments) == 4, what="all three kept")
    telegram.say(command(PARENT, "/cancel"))
    said = telegram.fake.texts(PARENT)
    assert texts.NOT_TEXT not in said and said.count(texts.REPLY_SENT) == 1
    telegram.say(callback(PARENT, f"sr:{code}"))  # an album whose second picture cannot be kept: said, with the way
    album = _album_of(telegram, 2, "999")
    album[1]["message"]["photo"][-1]["file_id"] = "GONE"
    telegram.fake.inject(album[0])
    [thanks, _, not_kept] = telegram.say(album[1], expect=3)
    assert thanks == texts.REPLY_SENT and not_kept == texts.ALBUM_PICTURE_NOT_KEPT
    assert len(_case(telegram, code, dsl).attachments) == 5


def test_a_swipe_reply_to_the_schools_question_while_writing_another_report_answers_it(
    telegram: TelegramWorld,
) -> None:
    code = make_report(telegram)
    telegram.say(command(PARENT, "/report"), expect=2)
    telegram.say(callback(PARENT, "rc:other"))
    telegram.say(message(PARENT, "The side gate was left open."))
    dsl = telegram.core.reports.actor(name="Dana Lead")
    assert dsl is not None
    telegram.core.reports.ask_sender(reference_of(telegram.core, code), dsl, "Which year group?")
    before = len(telegram.fake.sent(PARENT))
    telegram.dispatch()
    news = telegram.fake.wait_for_messages(PARENT, before + 1)[-1]
    answer = message(PARENT, "Year 3")
    answer["message"]["reply_to_message"] = {
        "message_id": 9000, "date": answer["message"]["date"], "chat": answer["message"]["chat"],
        "from": {"id": 1, "is_bot": True, "first_name": "School bot"}, "text": news["text"],
    }
    [thanks] = telegram.say(answer)
    assert thanks == texts.ANSWERED_WHILE_WRITING.format(code=code)
    assert [e.detail for e in _case(telegram, code, dsl).events if e.action == "replied"] == ["Year 3"]
    [review] = telegram.say(callback(PARENT, "r:done"))  # the report being written goes on, without it
    assert "side gate" in review and "Year 3" not in review
