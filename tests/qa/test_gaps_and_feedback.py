"""Unanswered questions are kept for the policy owner without who asked; "did this help?" is counted likewise."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import insert, inspect, select, text

from bot.core import Core
from bot.feedback import AnswerFeedback, feedback_summary, record_feedback
from bot.ports import ManualClock
from bot.qa.gaps import KnowledgeGap, ask, gap_counts, gaps_since, seal_plain_gaps


def test_refused_questions_become_knowledge_gaps(core: Core, clock: ManualClock) -> None:
    ask(core, "what's the wifi password", "staff", "slack")
    ask(core, "what's   the wifi password", "parent", "telegram")
    ask(core, "can I post photos of sports day on facebook?", "parent", "telegram")  # answered: not a gap
    ask(core, "hello", "parent", "telegram")  # a greeting is not a gap
    clock.advance(days=2)
    ask(core, "when is parents evening", "parent", "console")
    assert gap_counts(core) == [("what's the wifi password", 2), ("when is parents evening", 1)]
    assert gaps_since(core, clock.now() - dt.timedelta(days=1)) == ["when is parents evening"]


def test_a_message_about_a_concern_is_never_kept(core: Core) -> None:
    """It may be a disclosure ("my child is being bullied online by ..."): the sender is offered the report instead."""
    answer = ask(core, "my child is being bullied online", "parent", "telegram")
    assert answer.report and answer.outcome == "refuse"
    assert gap_counts(core) == []


def test_only_questions_are_kept_never_statements_or_receipt_codes(core: Core) -> None:
    # Someone answering the school about their report in the wrong place, and a pasted receipt: details of a case.
    ask(core, "Year 3, it was Jayden Brown's mum who posted it on Friday", "parent", "telegram")
    ask(core, "Your receipt code is: DRYT-9KCG-WMCD-7DE4", "parent", "telegram")
    ask(core, "dryt 9kcg wmcd 7de4 what's the wifi password?", "staff", "slack")
    assert gaps_since(core) == []
    ask(core, "is the wifi password on the website", "parent", "telegram")  # a question without its mark
    assert gaps_since(core) == ["is the wifi password on the website"]


def test_contact_details_are_not_kept_in_a_gap(core: Core) -> None:
    ask(core, "can you ring me on 07700 900 123 or mail jo.bloggs@example.com about the wifi?", "parent", "console")
    ask(core, "is @jobloggs on https://example.com/page the school's wifi?", "parent", "console")
    assert [q for q, _ in gap_counts(core)] == [
        "can you ring me on [removed] or mail [removed] about the wifi?",
        "is [removed] on [removed] the school's wifi?",
    ]


def test_a_gap_is_stored_encrypted_never_as_plain_text(core: Core) -> None:
    """The question itself often names someone: it is encrypted at rest like report text."""
    question = "I am Jane Smith, mum of Tom in year 2. Is the school disco on friday?"
    ask(core, question, "parent", "telegram")
    assert gap_counts(core) == [(question, 1)]
    with core.db.engine.connect() as conn:
        rows = conn.execute(text("SELECT question, question_enc FROM knowledge_gaps")).all()
    assert len(rows) == 1 and rows[0].question is None
    assert "Jane" not in rows[0].question_enc and "disco" not in rows[0].question_enc
    assert core.vault.decrypt(rows[0].question_enc) == question


def test_a_plain_text_gap_of_an_older_version_is_sealed_at_start_up_and_still_counted(
    core: Core, clock: ManualClock
) -> None:
    ask(core, "when is parents evening", "parent", "console")
    with core.db.engine.begin() as conn:  # as an older version left it
        conn.execute(
            insert(KnowledgeGap).values(
                question="when is parents evening", audience="parent", channel="slack", asked_at=clock.now()
            )
        )
    assert gap_counts(core) == [("when is parents evening", 2)]  # read before it is sealed, too
    core.prepare()  # the next start-up
    with core.db.engine.connect() as conn:
        rows = conn.execute(text("SELECT question, question_enc FROM knowledge_gaps")).all()
    assert [row.question for row in rows] == [None, None]
    assert {core.vault.decrypt(row.question_enc) for row in rows} == {"when is parents evening"}
    assert gap_counts(core) == [("when is parents evening", 2)]
    assert seal_plain_gaps(core) == 0  # nothing left to do


def test_gaps_are_counted_most_asked_first_then_alphabetically(core: Core, clock: ManualClock) -> None:
    for question in ("is the pool open?", "can we bring cake?", "is the pool open?", "any parking?"):
        ask(core, question, "parent", "console")
    assert gap_counts(core) == [("is the pool open?", 2), ("any parking?", 1), ("can we bring cake?", 1)]
    clock.advance(days=1)
    ask(core, "can we bring cake?", "parent", "console")
    assert gaps_since(core, clock.now()) == ["can we bring cake?"]


def test_a_long_gap_is_cut_before_it_is_encrypted(core: Core) -> None:
    """Fernet text is longer than its input: the column holds it whole, the question is still cut at 500."""
    ask(core, f"is {'x' * 600} on the menu?", "parent", "console")
    [(kept, _)] = gap_counts(core)
    assert len(kept) == 500 and kept.startswith("is xxx")


def test_gaps_and_feedback_hold_no_identity(core: Core) -> None:
    for model in (KnowledgeGap, AnswerFeedback):
        columns = {c.name for c in inspect(model).columns}
        assert not columns & {"user_id", "chat_id", "slack_user_id", "telegram_chat_id", "name", "username"}


def test_feedback_is_counted_per_clause(core: Core) -> None:
    assert record_feedback(core, "telegram", "inap-images", True)
    assert record_feedback(core, "slack", "inap-images", False)
    assert record_feedback(core, "slack", "friends-reject", True)
    assert not record_feedback(core, "slack", "no-such-clause", True)  # stale or forged button data
    assert feedback_summary(core) == [("inap-images", 1, 1), ("friends-reject", 1, 0)]
    with core.db.session() as session:
        assert len(session.scalars(select(AnswerFeedback)).all()) == 3


def test_a_receipt_code_after_a_four_letter_word_is_never_kept(core: Core) -> None:
    # "code DRYT-..." once read as one run of four groups ("code DRYT 9KCG WMCD"), which is no code, and the real
    # code after it was missed: the sender's only key went into the questions the school reads.
    ask(core, "what is happening with my code DRYT-9KCG-WMCD-7DE4?", "parent", "telegram")
    ask(core, "any news with dryt 9kcg wmcd 7de4?", "parent", "telegram")
    assert gaps_since(core) == []


def test_a_message_about_the_asker_or_their_report_is_never_kept(core: Core) -> None:
    """"Any news??" or "forget me" is no policy question: kept, it reads as one the policy could not answer, and
    next to a report's news it may tie a sender to their case. Whatever an adapter answers, none becomes a gap."""
    for message in ("any news??", "has anyone read my report?", "what's happening with my concern?",
                    "can you forget me?", "please delete everything about me?", "is R-7K3M9T closed?",
                    "I want to report something?", "how do I report a concern?", "help?", "menu?"):
        ask(core, message, "parent", "console")
    assert gaps_since(core) == []
    ask(core, "is the wifi password on the website?", "staff", "slack")  # still kept
    assert gaps_since(core) == ["is the wifi password on the website?"]


def test_messages_about_a_report_or_its_sender_kept_by_an_older_version_are_never_shown_and_are_deleted(
    core: Core,
) -> None:
    """Before they were left out, "any news on ACDE-...?" or "forget me?" were kept: the school reading its gaps (or
    its policy review) would see a receipt code, the key to a report, next to the words of its sender. Found, they
    are deleted: kept, they would still tie a sender's words to a receipt in the database and its backups."""
    with core.db.session() as session, session.begin():
        for question in ("any news on ACDE-FGHJ-KMNP-RTWX?", "any news??", "can you forget me?",
                         "is the wifi password on the website?"):
            session.add(KnowledgeGap(question_enc=core.vault.encrypt(question), audience="parent",
                                     channel="telegram", asked_at=dt.datetime(2026, 11, 1, tzinfo=dt.UTC)))
    assert gaps_since(core) == ["is the wifi password on the website?"]
    with core.db.session() as session:
        kept = [core.vault.decrypt(q) for q in session.scalars(select(KnowledgeGap.question_enc))]
    assert kept == ["is the wifi password on the website?"]


def test_a_sender_asking_after_what_they_sent_is_never_kept_though_answered_from_the_policy(core: Core) -> None:
    """'Has anyone seen the trip photos?' is a policy question, so 'has the school seen the post about my son Tom?'
    is answered from the policy too. Refused, it was kept: a sender's words about their own case (their child's
    name), stored minutes after their report and shown in the policy owner's gaps and review."""
    for message in ("has the school seen the post about my son Tom?", "has anyone seen the screenshot yet?",
                    "did you get the screenshots of the messages?"):
        assert ask(core, message, "parent", "telegram").outcome == "refuse"
    assert gaps_since(core) == []
    with core.db.session() as session, session.begin():  # kept by the version before: deleted once read
        session.add(KnowledgeGap(question_enc=core.vault.encrypt("did you get the video of Amy in year 2?"),
                                 audience="parent", channel="telegram",
                                 asked_at=dt.datetime(2026, 11, 1, tzinfo=dt.UTC)))
    assert gaps_since(core) == []
    with core.db.session() as session:
        assert session.scalars(select(KnowledgeGap)).all() == []
