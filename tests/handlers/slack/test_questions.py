"""Staff questions through Slack: /policy (private answer), @mention and DM (answer in thread), section, feedback."""

from __future__ import annotations

import threading
from typing import Any

import pytest

from bot.core import Core
from bot.reports.domain import REPLY_ADDED
from tests.handlers.slack.conftest import HEAD, STAFF, SlackWorld

QUESTION = "a parent sent me a friend request on facebook, can I accept it?"


def _text_of(blocks: list[dict]) -> str:
    parts = []
    for block in blocks:
        text = block.get("text")
        if isinstance(text, dict):
            parts.append(text.get("text", ""))
        for element in block.get("elements", []):
            parts.append(element.get("text", "") if isinstance(element.get("text"), str) else "")
    return "\n".join(parts)


def test_policy_command_is_answered_privately_in_its_acknowledgement(slack: SlackWorld) -> None:
    sent = slack.sender.slash_command("/policy", QUESTION, STAFF)
    assert sent.status == 200
    assert sent.elapsed < 3
    reply = sent.json()
    assert reply["response_type"] == "ephemeral"
    text = _text_of(reply["blocks"])
    assert "Social Media Policy" in text
    assert "staff must not add either parents" in text and "**" not in text  # the source's markers left out
    assert not slack.fake.ok_calls("response_url")  # no second request: the answer came with the ack
    actions = [b for b in reply["blocks"] if b["type"] == "actions"]
    ids = [e["action_id"] for e in actions[0]["elements"]]
    assert "policy.section" in ids[0]
    assert "feedback.helpful" in ids and "feedback.unhelpful" in ids


SLOW_SLACK = 1.5  # seconds Slack's Web API takes to answer in the test below


@pytest.mark.parametrize(
    ("request_kind", "method"),
    [("mention", "chat.postMessage"), ("direct message", "chat.postMessage"), ("/report", "views.open"),
     ("button", "views.open"), ("home", "views.publish")],
)
def test_a_request_is_acknowledged_at_once_however_slow_slack_is(
    slack: SlackWorld, request_kind: str, method: str
) -> None:
    # The work a request needs from Slack's Web API happens after Slack has had its acknowledgement: a slow Web
    # API (or its 429s) never holds the acknowledgement back towards Slack's 3-second limit.
    slack.fake.slow(method, SLOW_SLACK)
    send = {
        "mention": lambda: slack.sender.app_mention(f"<@U0BOT00001> {QUESTION}", STAFF),
        "direct message": lambda: slack.sender.direct_message(QUESTION, STAFF),
        "/report": lambda: slack.sender.slash_command("/report", "", STAFF),
        "button": lambda: slack.sender.block_action(
            STAFF, "policy.section", slack.core.policies.sections()[0][1].id, channel="C0GENERAL1"),
        "home": lambda: slack.sender.app_home_opened(STAFF),
    }[request_kind]
    sent = send()
    assert sent.status == 200
    assert sent.elapsed < SLOW_SLACK / 2
    slack.fake.wait_for_call(method)  # and the work is still done


def test_empty_policy_command_gets_help(slack: SlackWorld) -> None:
    reply = slack.sender.slash_command("/policy", "   ", STAFF).json()
    assert "/policy" in reply["text"]


def test_mention_is_answered_in_thread(slack: SlackWorld) -> None:
    sent = slack.sender.app_mention(f"<@U0BOT00001> {QUESTION}", STAFF, channel="C0STAFFRM1")
    assert sent.status == 200
    call = slack.fake.wait_for_call("chat.postMessage")[0]
    assert call.params["channel"] == "C0STAFFRM1"
    assert call.params["thread_ts"]
    assert "Social Media Policy" in _text_of(call.params["blocks"])


def test_direct_message_is_answered_in_thread(slack: SlackWorld) -> None:
    slack.sender.direct_message(QUESTION, STAFF)
    call = slack.fake.wait_for_call("chat.postMessage")[0]
    assert call.params["channel"] == "D0STAFF001"
    assert call.params["thread_ts"]


def test_quick_direct_messages_are_answered_in_the_order_asked_and_others_meanwhile(
    slack: SlackWorld, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each message's answer was worked out on its own thread after the ack: a slow first answer was posted after the
    second, so the answers read out of order. One person's answers now come in turn; someone else's do not wait."""
    import handlers.slack.listeners.events as events

    slow, first_may_finish = "what should I do about photos from sports day?", threading.Event()
    answer_for = events.answer_for

    def first_is_slow(core: Core, question: str) -> Any:
        if question == slow:
            first_may_finish.wait(5)
        return answer_for(core, question)

    monkeypatch.setattr(events, "answer_for", first_is_slow)

    def dm(user: str, text: str, ts: str) -> None:
        slack.sender.event({"type": "message", "channel_type": "im", "user": user, "text": text, "ts": ts,
                            "channel": "D" + user.lstrip("U"), "event_ts": ts})

    dm(STAFF, slow, "1700000001.000001")
    dm(STAFF, QUESTION, "1700000002.000001")
    dm(HEAD, QUESTION, "1700000003.000001")
    [other] = slack.fake.wait_for_call("chat.postMessage")  # another person's question is answered meanwhile
    assert other.params["thread_ts"] == "1700000003.000001"
    first_may_finish.set()
    answered = slack.fake.wait_for_call("chat.postMessage", 3)
    assert [c.params["thread_ts"] for c in answered if c.params["channel"] == "D0STAFF001"] == [
        "1700000001.000001", "1700000002.000001"]


def test_user_text_cannot_ping_anyone(slack: SlackWorld) -> None:
    slack.sender.direct_message("<!channel> @here what about <@U0HEAD0001> and <http://evil|school.uk>?", STAFF)
    call = slack.fake.wait_for_call("chat.postMessage")[0]
    rendered = str(call.params["blocks"]) + str(call.params["text"])
    assert "<!channel>" not in rendered and "<@U0HEAD0001>" not in rendered
    assert "@here" not in rendered.replace("@\u200bhere", "")
    assert "<http" not in rendered


def test_show_whole_section_opens_a_modal(slack: SlackWorld) -> None:
    section_id = slack.core.policies.sections()[0][1].id
    slack.sender.block_action(STAFF, "policy.section", section_id, channel="C0GENERAL1")
    call = slack.fake.wait_for_call("views.open")[0]
    assert call.params["view"]["type"] == "modal"
    assert call.params["trigger_id"].startswith("trigger.")


def test_feedback_is_thanked(slack: SlackWorld) -> None:
    clause = slack.core.policies.clauses()[0].clause.id
    slack.sender.block_action(STAFF, "feedback.helpful", clause, channel="C0GENERAL1")
    call = slack.fake.wait_for_call("response_url")[0]
    assert "Thank you" in call.params["text"]


def test_not_helpful_says_whom_to_ask_as_the_school_names_them(slack: SlackWorld) -> None:
    """The school's contact for staff questions, with how to reach them, as an answer the policy does not cover
    gives it: not a role written into the bot."""
    clause = slack.core.policies.clauses()[0].clause.id
    slack.sender.block_action(STAFF, "feedback.unhelpful", clause, channel="C0GENERAL1")
    said = slack.fake.wait_for_call("response_url")[0].params["text"]
    assert said == ("Thank you for saying so. If you still need an answer, please ask the Headteacher, "
                    "head@stokeswood.example.sch.uk.")


def test_feedback_takes_the_pair_off_the_answer_so_it_counts_once(slack: SlackWorld) -> None:
    from bot.feedback import feedback_summary

    answer = slack.sender.slash_command("/policy", QUESTION, STAFF).json()
    [helpful] = [e for b in answer["blocks"] if b["type"] == "actions" for e in b["elements"]
                 if e["action_id"].startswith("feedback.helpful")]
    slack.sender.block_action(STAFF, "feedback.helpful", helpful["value"], channel="C0GENERAL1",
                              message={"ts": "1.0", "text": answer["text"], "blocks": answer["blocks"]})
    call = slack.fake.wait_for_call("response_url")[0]
    assert call.params["replace_original"] is True
    ids = [e["action_id"] for b in call.params["blocks"] if b["type"] == "actions" for e in b["elements"]]
    assert ids and all(i.startswith("policy.section") for i in ids)  # "show whole section" stays
    assert "Thank you" in _text_of(call.params["blocks"])
    assert feedback_summary(slack.core) == [(helpful["value"], 1, 0)]


def test_feedback_on_a_private_answer_counts_once(slack: SlackWorld) -> None:
    """A /policy answer is seen by its asker only: Slack sends no copy of it with the press, so the pair stays on
    it. A second press on the same answer is thanked but not counted again."""
    from bot.feedback import feedback_summary

    clause = slack.core.policies.clauses()[0].clause.id
    for n, action in enumerate(["feedback.helpful", "feedback.helpful", "feedback.unhelpful"], start=1):
        sent = slack.sender.block_action(STAFF, action, clause, channel="C0GENERAL1",
                                         message_ts="1700000000.000100", ephemeral=True)
        assert sent.status == 200
        slack.fake.wait_for_call("response_url", count=n)
    said = [c.params["text"] for c in slack.fake.ok_calls("response_url")]
    assert "already told us" in said[1] and "already told us" in said[2]
    assert feedback_summary(slack.core) == [(clause, 1, 0)]


def test_unanswered_question_is_noted_as_a_gap_without_who_asked(slack: SlackWorld) -> None:
    gaps = pytest.importorskip("bot.qa.gaps")
    reply = slack.sender.slash_command("/policy", "what time does the school canteen serve lunch?", STAFF).json()
    assert "doesn't cover" in reply["text"]
    slack.fake.wait_for(lambda _: gaps.gaps_since(slack.core, None), what="the gap to be noted")
    assert gaps.gaps_since(slack.core, None) == ["what time does the school canteen serve lunch?"]


def test_a_gap_is_noted_as_typed_not_as_slack_sends_an_ampersand(slack: SlackWorld) -> None:
    gaps = pytest.importorskip("bot.qa.gaps")
    slack.sender.slash_command("/policy", "when do the canteen &amp; the library open?", STAFF)
    slack.fake.wait_for(lambda _: gaps.gaps_since(slack.core, None), what="the gap to be noted")
    assert gaps.gaps_since(slack.core, None) == ["when do the canteen & the library open?"]


def _file_share(slack: SlackWorld, text: str) -> None:
    slack.sender.event({"type": "message", "subtype": "file_share", "channel_type": "im", "user": STAFF, "text": text,
                        "files": [{"id": "F0PICTURE1", "name": "screenshot.png"}], "ts": "1700000001.000001",
                        "channel": "D0STAFF001", "event_ts": "1700000001.000001"})


def test_a_picture_sent_by_direct_message_is_answered_not_met_with_silence(slack: SlackWorld) -> None:
    _file_share(slack, "")
    said = slack.fake.wait_for_call("chat.postMessage")[0].params
    assert said["thread_ts"] == "1700000001.000001"
    assert "I can only read words" in said["text"] and "/report" in said["text"]
    _file_share(slack, QUESTION)
    replies = slack.fake.wait_for_call("chat.postMessage", count=3)[1:]
    assert "staff must not add either parents" in _text_of(replies[0].params["blocks"])
    assert "I can only read words" in replies[1].params["text"]


def test_a_picture_sent_with_a_receipt_code_is_said_to_be_left_out_of_the_report(slack: SlackWorld) -> None:
    from tests.handlers.slack.test_reports import _report

    code = _report(slack)
    _file_share(slack, f"{code} this is the post")
    said = slack.fake.wait_for_call("chat.postEphemeral")[0].params["text"]  # an anonymous report's: privately
    assert said.startswith("The picture or file you sent has not been added to your report"), said
    assert REPLY_ADDED in said


def test_a_concern_gets_a_button_that_opens_the_report_form(slack: SlackWorld) -> None:
    reply = slack.sender.slash_command("/policy", "how do I report a concern about a child?", STAFF).json()
    assert "report it here" in _text_of(reply["blocks"])
    ids = [e["action_id"] for b in reply["blocks"] if b["type"] == "actions" for e in b["elements"]]
    assert "report.open" in ids
    slack.sender.block_action(STAFF, "report.open", "", channel="D0STAFF001")
    assert slack.fake.wait_for_call("views.open")[0].params["view"]["callback_id"] == "report.submit"


@pytest.mark.parametrize(
    "noise", ["@channel {q}", "{q} https://example.org/page", "<@U0HEAD0001> {q}", "{q} <https://example.org|this>"]
)
def test_mentions_and_links_do_not_cost_the_answer(slack: SlackWorld, noise: str) -> None:
    reply = slack.sender.slash_command("/policy", noise.format(q=QUESTION), STAFF).json()
    assert "staff must not add either parents" in _text_of(reply["blocks"])


def test_a_fault_in_answering_is_an_apology_and_keeps_the_question_out_of_the_log(
    core: Core, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """A question can be a disclosure: the log names the kind of fault and where, never what it quoted."""
    from bot.policy.current import PolicyData
    from handlers.slack.answers import answer_for

    question = "Jayden's dad hit him at pick-up, what do I do?"

    class Broken:
        def answer(self, text: str, audience: str) -> None:
            raise ValueError(f"could not read {text!r}")

    monkeypatch.setattr(core, "policy_data", PolicyData(core.policies, (), lambda _: Broken()))
    text, blocks, answer = answer_for(core, question)
    assert answer is None and text.startswith("Sorry, something went wrong on our side.")
    assert "ValueError" in caplog.text and "Jayden" not in caplog.text


def test_a_receipt_code_posted_in_a_channel_is_answered_only_to_its_poster(slack: SlackWorld) -> None:
    """'@policybot CODE' in a channel was taken for a policy question and answered there for all to read ("The policy
    doesn't cover that"); the code, the only key to a report, is now in everyone's view: its poster alone is told."""
    slack.sender.app_mention("<@U0BOT00001> DRYT-9KCG-WMCD-7DE4 any news?", STAFF, channel="C0STAFFRM1")
    [told] = slack.fake.wait_for_call("chat.postEphemeral")
    assert told.params["channel"] == "C0STAFFRM1" and told.params["user"] == STAFF
    assert "receipt code" in told.params["text"] and "delete your message" in told.params["text"]
    assert slack.fake.ok_calls("chat.postMessage") == []


@pytest.mark.parametrize(
    ("typed", "said"),
    [
        ("any news??", "send /checkreport followed by its receipt code"),
        ("has anyone read my report?", "send /checkreport followed by its receipt code"),
        ("please delete everything about me", "Your questions are not kept with your name"),
        ("forget me", "This conversation is kept by Slack, under your name"),
        ("help", "/checkreport followed by a receipt code: check a concern you reported"),
        ("help?", "/checkreport followed by a receipt code: check a concern you reported"),
        ("Help!", "/checkreport followed by a receipt code: check a concern you reported"),
        ("help me", "/checkreport followed by a receipt code: check a concern you reported"),
        ("menu", "/photos: tell me you have pupils' images"),
    ],
)
def test_a_message_about_the_asker_or_their_report_is_answered_as_such(
    slack: SlackWorld, typed: str, said: str
) -> None:
    """As on Telegram: by direct message, in Slack's Messages tab, or with /policy, never answered from the policy
    ("doesn't cover that")."""
    slack.sender.direct_message(typed, STAFF)
    call = slack.fake.wait_for_call("chat.postMessage")[0]
    assert said in _text_of(call.params["blocks"]) and "cover" not in call.params["text"]
    reply = slack.sender.slash_command("/policy", typed, STAFF).json()
    assert said in _text_of(reply["blocks"]) and "cover" not in reply["text"]


def test_i_want_to_report_something_gets_the_button_that_opens_the_report_form(slack: SlackWorld) -> None:
    slack.sender.direct_message("I want to report something", STAFF)
    blocks = slack.fake.wait_for_call("chat.postMessage")[0].params["blocks"]
    assert "press Report a concern or send /report" in _text_of(blocks)
    ids = [e["action_id"] for b in blocks if b["type"] == "actions" for e in b["elements"]]
    assert ids == ["report.open"]
    slack.sender.block_action(STAFF, "report.open", "", channel="D0STAFF001")
    assert slack.fake.wait_for_call("views.open")[0].params["view"]["callback_id"] == "report.submit"


@pytest.mark.parametrize("emoji", [":+1:", ":thumbsup::skin-tone-3:", ":heart:", ":pray: :pray:"])
def test_a_thumbs_up_or_a_heart_is_thanks_as_on_telegram(slack: SlackWorld, emoji: str) -> None:
    """Slack sends an emoji as its name: a thumbs up after an answer was 'I can only read words', a heart 'The
    policy doesn't cover that'."""
    slack.sender.direct_message(emoji, STAFF)
    assert "You're welcome!" in slack.fake.wait_for_call("chat.postMessage")[0].params["text"]
    assert "You're welcome!" in slack.sender.slash_command("/policy", emoji, STAFF).json()["text"]


def test_other_emoji_names_are_left_out_of_the_question(slack: SlackWorld) -> None:
    reply = slack.sender.slash_command("/policy", f":camera: {QUESTION} :thinking_face:", STAFF).json()
    assert "staff must not add either parents" in _text_of(reply["blocks"])
    reply = slack.sender.slash_command("/policy", ":smile:", STAFF).json()
    assert "cover" not in reply["text"] and "/policy" in reply["text"]


def test_a_message_shared_to_the_bot_is_met_with_what_to_do_with_it(slack: SlackWorld) -> None:
    """As a forwarded message on Telegram. Before, it was met with the help, as if nothing had been sent."""
    slack.sender.event({"type": "message", "channel_type": "im", "user": STAFF, "text": "", "ts": "1700000002.000001",
                        "channel": "D0STAFF001", "event_ts": "1700000002.000001",
                        "attachments": [{"is_share": True, "is_msg_unfurl": True, "text": "look at this post",
                                         "author_id": "U0HEAD0001", "ts": "1699999999.000001"}]})
    blocks = slack.fake.wait_for_call("chat.postMessage")[0].params["blocks"]
    assert "That is a shared message" in _text_of(blocks) and "look at this post" not in str(blocks)
    assert [e["action_id"] for b in blocks if b["type"] == "actions" for e in b["elements"]] == ["report.open"]


def test_a_receipt_code_with_policy_is_pointed_to_checkreport_not_answered_from_the_policy(slack: SlackWorld) -> None:
    reply = slack.sender.slash_command("/policy", "what is happening with ACDE-FGHJ-KMNP-RTWX?", STAFF).json()
    assert reply["response_type"] == "ephemeral"
    assert "send /checkreport followed by the code" in reply["text"] and "cover" not in reply["text"]
