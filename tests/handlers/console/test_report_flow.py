"""The console report and status conversations, driven as data: what the person types, what the bot must say."""

from __future__ import annotations

import re

import pytest

from bot.core import Core
from bot.ports import ManualClock
from bot.reports import ReportError
from bot.reports.domain import REPLY_ADDED
from bot.reports.models import ReportRow
from handlers.console import chat
from handlers.console.io import ScriptedIO
from handlers.console.report import run_report_flow, run_status_flow

CHILD_AT_RISK = "1"  # the first category in the data


def reports_stored(core: Core) -> int:
    with core.db.session() as session:
        return session.query(ReportRow).count()


def code_in(text: str) -> str:
    match = re.search(r"receipt code is: ([A-Z0-9]{4}(?:-[A-Z0-9]{4}){3})", text)
    assert match, text
    return match.group(1)


def test_a_parent_reports_end_to_end(core: Core) -> None:
    io = ScriptedIO(
        [
            "9",  # not a category
            CHILD_AT_RISK,
            "",  # an empty line before any text is ignored
            "My son says a boy in his class has no lunch most days",
            "and has bruises on his arms.",
            "",
            "maybe",
            "yes",
        ]
    )
    receipt = run_report_flow(core, io)
    assert receipt is not None
    said = io.text
    assert said.index("call 999 now") < said.index("What is your worry about?")  # the notice comes first
    assert "Please type just the number, from 1 to 7." in said
    assert "Before you go on: If a child is in immediate danger, call 999 now." in said
    assert "Kind of concern: A child at risk" in said
    assert "Please type yes, edit or no." in said
    assert code_in(said) == receipt.code
    view = core.reports.case(receipt.reference, core.reports.actor(name="Dana Lead"))  # type: ignore[arg-type]
    assert view.text == "My son says a boy in his class has no lunch most days\nand has bruises on his arms."
    assert view.channel == "console"


def test_a_report_typed_in_a_terminal_not_set_to_utf8_is_sent(core: Core) -> None:
    typed = b"Caf\xe9 owner films the pupils at the gate".decode("utf-8", "surrogateescape")  # as Python reads it
    receipt = run_report_flow(core, ScriptedIO([CHILD_AT_RISK, typed, "", "yes"]))
    assert receipt is not None
    view = core.reports.case(receipt.reference, core.reports.actor(name="Dana Lead"))  # type: ignore[arg-type]
    assert view.text == "Caf\ufffd owner films the pupils at the gate"


def test_a_report_naming_several_roles_can_be_kept_from_several(core: Core) -> None:
    text = "The DSL and the headteacher both ignored my complaint."
    io = ScriptedIO([CHILD_AT_RISK, text, "", "1 2", "yes"])
    receipt = run_report_flow(core, io)
    assert receipt is not None and "It will not be sent to: Dana Lead, Alex Head" in io.text
    for name in ("Dana Lead", "Alex Head"):
        person = core.reports.actor(name=name)
        assert person is not None
        with pytest.raises(ReportError):
            core.reports.case(receipt.reference, person)


def test_stop_at_the_whom_question_stops_the_report(core: Core) -> None:
    io = ScriptedIO([CHILD_AT_RISK, "the head teacher shouted at my son", "", "stop"])
    assert run_report_flow(core, io) is None and reports_stored(core) == 0


def test_a_receipt_code_typed_in_the_chat_shows_that_report(core: Core) -> None:
    receipt = core.reports.submit("other", "Something happened at the gate.", channel="console")
    io = ScriptedIO(["p", receipt.code.lower(), "no", "/quit"])
    chat(core, io)
    assert f"Report {receipt.code}" in io.text


def test_a_report_naming_a_role_asks_whether_it_is_about_them(core: Core) -> None:
    io = ScriptedIO([CHILD_AT_RISK, "The headteacher grabbed my son by the arm.", "", "3", "yes it is", "yes"])
    receipt = run_report_flow(core, io)
    assert receipt is not None
    assert "Your report mentions the Headteacher. Is your concern about them?" in io.text
    assert "Please type 1 or 2." in io.text and "It will not be sent to: Alex Head" in io.text
    head = core.reports.actor(name="Alex Head")
    assert head is not None
    with pytest.raises(ReportError):
        core.reports.case(receipt.reference, head)


def test_a_concern_about_the_headteacher_does_not_ask_whether_it_is_about_the_headteacher(core: Core) -> None:
    """It is kept from the head whatever the sender says: asking suggested that "No" would send it to them. A DSL
    mentioned in it is still asked about."""
    head_concern = str(1 + [c.key for c in core.reports.categories()].index("headteacher_concern"))
    io = ScriptedIO([head_concern, "The head teacher grabbed my son. I told the DSL.", "", "2", "yes"])
    receipt = run_report_flow(core, io)
    assert receipt is not None and "has gone to the Chair of Governors" in io.text
    assert "Your report mentions the Designated Safeguarding Lead. Is your concern about them?" in io.text
    assert "Headteacher" not in io.text
    assert core.reports.mentioned_roles("The headteacher grabbed my son.", "headteacher_concern") == []
    assert [role for role, _, _ in core.reports.mentioned_roles("The headteacher grabbed my son.", "other")] == [
        "headteacher"]


@pytest.mark.parametrize(
    "lines",
    [
        ["/cancel"],
        [CHILD_AT_RISK, "/cancel"],
        [CHILD_AT_RISK, "Some words", "/cancel"],
        ["Stop", "7", "Some words", "", "yes"],  # typed without the slash, as on Telegram
        [CHILD_AT_RISK, "Some words", "cancel the report", "", "yes"],
        [CHILD_AT_RISK, "Some words", "", "no"],
        [CHILD_AT_RISK, "Some words", ""],  # the input ends before confirming
    ],
)
def test_cancel_at_any_step_sends_nothing(core: Core, lines: list[str]) -> None:
    io = ScriptedIO(lines)
    assert run_report_flow(core, io) is None
    assert io.transcript[-1] == "Cancelled. Nothing was sent."
    assert reports_stored(core) == 0


def test_edit_writes_the_report_again(core: Core) -> None:
    io = ScriptedIO(["7", "first try", "", "edit", "second try", "", "yes"])
    receipt = run_report_flow(core, io)
    assert receipt is not None
    case = core.reports.case(receipt.reference, core.reports.actor(name="Dana Lead"))  # type: ignore[arg-type]
    assert case.text == "second try"


def test_a_report_too_long_is_explained_and_can_be_rewritten(core: Core) -> None:
    io = ScriptedIO(["7", "x" * 20_001, "", "Shorter now.", "", "yes"])
    assert run_report_flow(core, io) is not None
    assert "too long" in io.text and "Traceback" not in io.text
    assert io.text.count("x" * 20_001) == 1  # as typed; said at once, not read back for review first
    assert reports_stored(core) == 1


def test_status_shows_the_question_and_takes_an_answer(core: Core, clock: ManualClock) -> None:
    receipt = core.reports.submit("other", "The gate is left open at pick-up.", channel="console")
    dana = core.reports.actor(name="Dana Lead")
    assert dana is not None
    core.reports.ask_sender(receipt.reference, dana, "Which gate?")
    io = ScriptedIO(["yes", "The one by the car park.", ""])
    run_status_flow(core, io, receipt.code.lower())
    assert "The school asks: Which gate?" in io.text
    assert "Would you like to answer the school's question?" in io.text
    assert REPLY_ADDED in io.text
    events = core.reports.case(receipt.reference, dana).events
    assert events[-2].action == "replied" and events[-2].detail == "The one by the car park."


def test_an_answer_typed_instead_of_yes_is_kept_as_the_reply(core: Core) -> None:
    """Asked "Would you like to answer the school's question? Type yes or no", a parent types the answer itself: it
    was dropped without a word (and the next line taken for a policy question)."""
    receipt = core.reports.submit("other", "The gate is left open at pick-up.", channel="console")
    dana = core.reports.actor(name="Dana Lead")
    assert dana is not None
    core.reports.ask_sender(receipt.reference, dana, "Which gate?")
    io = ScriptedIO(["maybe", "The one by the car park.", "Every day this week.", ""])
    run_status_flow(core, io, receipt.code)
    assert "Please type yes or no." in io.text and "kept that as the start of your reply" in io.text
    assert "Your reply has been added" in io.text
    events = core.reports.case(receipt.reference, dana).events
    assert [e.detail for e in events if e.action == "replied"] == ["The one by the car park.\nEvery day this week."]


def test_status_with_a_wrong_code_is_kind_and_asks_for_it_when_missing(core: Core) -> None:
    io = ScriptedIO(["ACDE-FGHJ-KMNP-RTWX"])
    run_status_flow(core, io, "")
    assert "could not find a report with that receipt code" in io.text
    io = ScriptedIO([])
    run_status_flow(core, io, "hello")  # as Telegram and Slack say it
    assert "does not look like a receipt code. A receipt code is four groups of four" in io.text


def test_more_written_to_a_closed_report_is_added_and_the_sender_told_it_was_closed(core: Core) -> None:
    receipt = core.reports.submit("other", "The gate is left open at pick-up.", channel="console")
    core.reports.close(receipt.reference, core.reports.actor(name="Dana Lead"), "Fixed the latch.")  # type: ignore[arg-type]
    io = ScriptedIO(["yes", "It was open again today.", ""])
    run_status_flow(core, io, receipt.code)
    assert "finished looking into your report" in io.text and "Would you like to add anything" in io.text
    assert "Your report had been closed" in io.text and "call 999 now" in io.text
    events = core.reports.case(receipt.reference, core.reports.actor(name="Dana Lead")).events  # type: ignore[arg-type]
    assert [e.detail for e in events if e.action == "replied"] == ["It was open again today."]


def test_the_chat_commands_reach_the_flows(core: Core) -> None:
    io = ScriptedIO(["p", "/report", "7", "Worried about a website.", "", "yes", "/quit"])
    chat(core, io)
    code = code_in(io.text)
    io = ScriptedIO(["p", f"/status {code}", "no", "/quit"])
    chat(core, io)
    assert f"Report {code} (Something else)" in io.text


def test_a_command_typed_without_its_slash_is_the_command(core: Core) -> None:
    io = ScriptedIO(["p", "Help", "status", "/cancel", "quit", "can I post photos of sports day?"])
    chat(core, io)
    assert io.text.count("/report        tell the school") == 2  # after choosing, then for "Help"
    assert "What is your receipt code?" in io.text and "passwords" not in io.text
    assert io.text.endswith("Goodbye.") and "include other children" not in io.text


def test_help_however_it_is_typed_is_the_help(core: Core) -> None:
    io = ScriptedIO(["p", "help?", "Help!", "help me", "/quit"])
    chat(core, io)
    assert io.text.count("/report        tell the school") == 4  # after choosing, then for each
    assert "cover" not in io.text


def test_switching_audience_says_so_and_changes_the_answers(core: Core) -> None:
    io = ScriptedIO(["p", "/audience", "s", "a parent sent me a friend request on facebook, can I accept it?", "/quit"])
    chat(core, io)
    assert "From now on I answer as the policy speaks to staff." in io.text
    assert "staff must not add either parents" in io.text


def test_a_case_reference_typed_in_the_chat_is_not_taken_for_a_question(core: Core) -> None:
    io = ScriptedIO(["p", "R-7K3M9T any news?", "/quit"])
    chat(core, io)
    assert "That is a case reference" in io.text and "doesn't cover" not in io.text


def test_a_question_about_a_concern_points_to_report(core: Core) -> None:
    io = ScriptedIO(["p", "my child is being bullied online", "/quit"])
    chat(core, io)
    assert "Type /report to tell the school about a concern." in io.text


def test_cancel_at_the_question_prompt_does_not_leave(core: Core) -> None:
    io = ScriptedIO(["p", "/cancel", "can I post photos of sports day?", "/quit"])
    chat(core, io)
    assert "nothing to cancel" in io.text and "include other children" in io.text and io.text.endswith("Goodbye.")


def test_a_question_typed_before_choosing_parent_or_staff_is_answered_after(core: Core) -> None:
    io = ScriptedIO(["can I post photos of sports day?", "p", "/quit"])
    chat(core, io)
    assert "I will answer that in a moment" in io.text and "include other children" in io.text


def test_a_report_or_reply_the_database_could_not_take_is_kept_to_send_again(
    core: Core, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """A busy or unreachable database is said kindly, and what was typed is not lost with a traceback."""
    from sqlalchemy.exc import OperationalError

    for name in ("submit", "sender_reply"):
        real = getattr(core.reports, name)
        failures = iter([OperationalError("INSERT ... a pupil's name", {}, Exception("database is locked"))])

        def once(*args: object, _real: object = real, _failures: object = failures, **kwargs: object) -> object:
            for failure in _failures:  # type: ignore[attr-defined]
                raise failure
            return _real(*args, **kwargs)  # type: ignore[operator]

        monkeypatch.setattr(core.reports, name, once)
    io = ScriptedIO([CHILD_AT_RISK, "A boy in Year 4 has bruises.", "", "yes", "yes"])
    receipt = run_report_flow(core, io)
    assert receipt is not None and reports_stored(core) == 1
    assert "your report was not sent. It is kept here to send again." in io.text
    assert io.text.count("Here is your report.") == 2

    io = ScriptedIO(["yes", "It was on Tuesday.", "", "yes"])
    run_status_flow(core, io, receipt.code)
    assert "your reply was not sent. It is kept here to send again." in io.text
    assert "Your reply has been added to your report" in io.text
    view = core.reports.case(receipt.reference, core.reports.actor(name="Dana Lead"))  # type: ignore[arg-type]
    assert "It was on Tuesday." in " ".join(e.detail or "" for e in view.events)
    assert "(OperationalError)" in caplog.text and "pupil" not in caplog.text


@pytest.mark.parametrize(
    ("typed", "said"),
    [
        ("any news??", "type /status followed by its receipt code"),
        ("has anyone read my report?", "type /status followed by its receipt code"),
        ("please delete everything about me", "this chat asks for no name and keeps none"),
        ("forget me", "this chat asks for no name and keeps none"),
        ("menu", "/report        tell the school"),
        ("check my report", "What is your receipt code?"),
    ],
)
def test_a_message_about_the_asker_or_their_report_is_answered_as_such(core: Core, typed: str, said: str) -> None:
    """As on Telegram: never answered from the policy ("doesn't cover that"), nor kept as a question it could not
    answer."""
    from bot.qa.gaps import gaps_since

    io = ScriptedIO(["p", typed, "/cancel", "/quit"])
    chat(core, io)
    assert said in io.text and "cover" not in io.text.lower()
    assert gaps_since(core) == []


def test_i_want_to_report_something_starts_a_report(core: Core) -> None:
    io = ScriptedIO(["p", "I want to report something", "7", "Worried about a website.", "", "yes", "/quit"])
    chat(core, io)
    assert code_in(io.text) and reports_stored(core) == 1


def test_stop_typed_in_the_chat_is_cancel_not_a_question(core: Core) -> None:
    io = ScriptedIO(["p", "stop", "/quit"])
    chat(core, io)
    assert "There is nothing to cancel" in io.text and "cover" not in io.text
