"""The question answerer: the policy's own words for questions in people's own words, honest refusals, and
plain messages for input it cannot read."""

from __future__ import annotations

import dataclasses
import socket
from pathlib import Path

import pytest

import bot.qa as qa_module
from bot.config import REPO_ROOT, School
from bot.policy import readable
from bot.policy.loader import load_library
from bot.qa import CHECK_A_REPORT, MAX_QUESTION_CHARS, QuestionAnswerer, coverage
from bot.qa.answer import AskerAudience

LIBRARY = load_library(REPO_ROOT / "policy_data")


@pytest.fixture(scope="module")
def qa() -> QuestionAnswerer:
    from bot.config import load_school

    return QuestionAnswerer(LIBRARY, load_school(REPO_ROOT / "school.example.yaml"))


@pytest.mark.parametrize(
    ("question", "audience", "clause"),
    [
        ("can I put pictures from the nativity on facebook?", "parent", "inap-images"),
        ("can i post pics of the nativty on my fb", "parent", "inap-images"),  # typo, slang
        ("As a parent can I broadcast the school play on facebook live?", "parent", "inap-images"),  # live is posting
        ("What happens if a parent keeps posting nasty stuff about teachers after being asked to stop?", "parent",
         "proc-refuses"),
        ("should I accept a friend request from a pupil?", "staff", "friends-reject"),
        ("what do I do with photos of the kids on my own phone", "staff", "swp-transfer-delete"),
        ("who do I tell if I think a child is being radicalised", None, "sg-extremism"),
        ("when is the policy reviewed?", None, "review-cycle"),
    ],
)
def test_paraphrases_find_the_clause(qa: QuestionAnswerer, question: str, audience: str | None, clause: str) -> None:
    answer = qa.answer(question, audience)  # type: ignore[arg-type]
    assert answer.answered and answer.outcome in ("answer", "clarify")
    assert clause in [c.clause for c in answer.citations[:2]]


def test_citations_quote_the_policy_word_for_word(qa: QuestionAnswerer) -> None:
    answer = qa.answer("can I post photos of sports day?", "parent")
    for citation in answer.citations:
        ref = LIBRARY.clause(citation.clause)
        assert citation.text == ref.clause.text
        assert citation.section == ref.section.title and citation.policy == ref.policy.title
    assert answer.citations[0].text in answer.text  # the short answer quotes the best clause


def test_answers_read_without_the_source_documents_emphasis_markers(qa: QuestionAnswerer) -> None:
    """The source writes "**must not**"; people read "must not". The citation keeps the source's exact text."""
    answer = qa.answer("should I accept a friend request from a parent?", "staff")
    assert answer.citations[0].clause == "friends-reject"
    assert "**" in answer.citations[0].text and "**must not**" in LIBRARY.clause("friends-reject").clause.text
    assert "**" not in answer.text and "Members of staff must not add either parents" in answer.text
    assert readable("a **must not** b and **may** c") == "a must not b and may c"


def test_in_a_long_message_the_asking_sentence_decides(qa: QuestionAnswerer, monkeypatch: pytest.MonkeyPatch) -> None:
    story = (
        "A parent has been messaging me on Facebook about her son's reading and asking for my number. "
        "She seems nice and I don't want to be rude. Can I give her my mobile?"
    )
    assert qa_module._asking_part(story) == "Can I give her my mobile?"
    assert qa.answer(story, "staff").citations[0].clause == "cc-contact-details-agreed"
    monkeypatch.setattr(qa_module, "ASKING_WEIGHT", 0.0)  # the story alone reads as contact with parents at large
    assert qa.answer(story, "staff").citations[0].clause != "cc-contact-details-agreed"


def test_a_story_around_a_question_is_answered_when_the_question_points_where_the_story_does(
    qa: QuestionAnswerer, monkeypatch: pytest.MonkeyPatch
) -> None:
    story = (
        "It's been a long term. My son's best friend has been leaving him out and the other mum posted a snide "
        "comment about him under a photo. I don't want to make things worse. What's the right way to raise it "
        "with school?"
    )
    # The story alone reads as not covered; its question alone is covered, a little short of the bar for a question
    # taken out of its story, by the clause the story itself ranks among its likeliest.
    answer = qa.answer(story, "parent")
    assert answer.answered and answer.citations[0].clause == "inap-channels"
    monkeypatch.setattr(qa_module, "AGREED_COVERED_AT_LEAST", qa_module.ASKING_PART_COVERED_AT_LEAST)
    assert not qa.answer(story, "parent").answered


def test_the_askers_audience_is_preferred(qa: QuestionAnswerer) -> None:
    staff = qa.answer("can I post photos of pupils on my personal social media?", "staff")
    parent = qa.answer("can I post photos of pupils on my personal social media?", "parent")
    assert LIBRARY.clause(staff.citations[0].clause).section.audience in ("staff", "everyone")
    assert LIBRARY.clause(parent.citations[0].clause).section.audience in ("parents", "everyone")


@pytest.mark.parametrize(
    ("question", "audience", "clause"),
    [
        ("can i roast the head teacher online", "parent", "inap-negative"),  # the head is talked about
        ("can i slag off a dad from my class online", "staff", "cc-no-derogatory"),  # a parent is talked about
        ("can teachers post photos of pupils on their own facebook?", "parent", "na-images"),  # teachers act
    ],
)
def test_people_talked_about_are_not_who_acts(qa: QuestionAnswerer, question: str, audience: str, clause: str) -> None:
    """Naming the other audience's people lifts their section's clauses, unless the askers say something about them
    themselves: then the askers' own section says what they may say."""
    assert qa.answer(question, audience).citations[0].clause == clause  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("question", "audience", "offered"),
    [
        ("can I take photos of the kids on my phone", "staff", True),
        ("do I need to delete photos from my phone", "staff", True),
        ("can I take photos of the kids on my phone", "parent", False),  # no reminder to offer a parent
        ("can I accept a friend request from a parent?", "staff", False),
    ],
)
def test_a_staff_answer_about_pictures_on_their_own_phone_offers_the_reminder(
    qa: QuestionAnswerer, question: str, audience: str, offered: bool
) -> None:
    """The policy asks staff to move such pictures to the school's system and delete them: the adapter can offer
    its reminder (Slack's /photos), which a new member of staff would otherwise never hear of."""
    assert qa.answer(question, audience).photos is offered  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "question",
    [
        "what time does school start?",
        "how do I pay for the school trip",
        "what's the wifi password",
        "what is the capital of France",
        "can my child bring a packed lunch",
        "who is my child's teacher?",  # only the people in it match the policy
        # the policy says consent is needed before a child's picture is posted, not how to take it back
        "I signed the photo consent form in September. Can I withdraw it now?",
        "can my consent for my son's pictures be revoked once the form is in?",
    ],
)
def test_out_of_scope_is_refused_with_a_person_to_ask(qa: QuestionAnswerer, question: str) -> None:
    answer = qa.answer(question, "parent")
    assert not answer.answered and answer.outcome == "refuse" and answer.citations == []
    assert "doesn't cover" in answer.text and "school office" in answer.text


@pytest.mark.parametrize("word", ["photos?", "WhatsApp", "the facebook", "good evening, facebook", "photos thanks",
                                  # asking what the policy says about one word asks the same ("photos" was refused)
                                  "what is the policy on photos?", "What does the policy say about phones?",
                                  "what are the school's rules about WhatsApp"])
def test_one_word_the_policy_uses_gets_its_parts_and_a_request_for_a_question(qa: QuestionAnswerer, word: str) -> None:
    """"photos?" could be "can I post photos of sports day?" or "how much are the school photos?": neither a
    refusal (the policy says plenty about photos) nor one clause as the answer, but the parts that use it."""
    reply = qa.answer(word, "parent")
    assert reply.outcome == "topic" and not reply.answered
    assert "whole question" in reply.text and "Social Media Policy" in reply.text
    sections = [c.section_id for c in reply.citations]
    assert 1 <= len(sections) == len(set(sections))
    assert all(c.text == LIBRARY.clause(c.clause).clause.text for c in reply.citations)


@pytest.mark.parametrize("word", ["lunch", "uniform?", "term dates", "parents?", "when is parents evening",
                                  "what's the policy on parking?", "what is the policy on uniform"])
def test_a_word_the_policy_does_not_use_is_refused(qa: QuestionAnswerer, word: str) -> None:
    """Nor is a word that only names people ("parents?"), or a greeting's word inside a question ("evening")."""
    assert qa.answer(word, "parent").outcome == "refuse"


def test_staff_are_pointed_to_the_headteacher(qa: QuestionAnswerer) -> None:
    assert "Headteacher" in qa.answer("how do I claim overtime?", "staff").text


def test_asking_who_the_dsl_is_gives_the_schools_contact(school: School) -> None:
    qa = QuestionAnswerer(load_library(REPO_ROOT / "policy_data"), school)
    answer = qa.answer("who is the DSL", "staff")
    assert answer.text.endswith("You can reach the Designated Safeguarding Leads, dsl@stokeswood.example.sch.uk.")


def test_an_answer_quoting_the_words_that_introduce_a_list_quotes_the_list_too(qa: QuestionAnswerer) -> None:
    """"What are the aims of the policy?" was answered with "The purpose of this policy is to:" and nothing more."""
    answer = qa.answer("what are the aims of the policy?", "parent")
    assert answer.citations[0].clause == "obj-intro"
    items = [ref.clause.text for ref in LIBRARY.items("obj-intro")]
    assert len(items) == 5
    assert answer.text.splitlines()[2:7] == [f"\u2022 \u201c{readable(text)}\u201d" for text in items]
    single = qa.answer("can I post photos of sports day on facebook?", "parent")  # no list: nothing added
    assert "\u2022" not in single.text


@pytest.mark.parametrize(
    "question",
    [
        "is the policy meant to tell parents what's ok and not ok to post?",
        "one of the policy's aims - to say what's ok and not ok for parents online?",
    ],
)
def test_what_is_ok_and_not_ok_is_what_is_appropriate_and_inappropriate(qa: QuestionAnswerer, question: str) -> None:
    """The policy's words are "appropriate and inappropriate use": "OK and not OK" says the same, and was read as the
    objectives' first or asked about together with the rule on children's use of sites."""
    answer = qa.answer(question, "parent")
    assert answer.outcome == "answer" and answer.citations[0].clause == "obj-clarify"


def test_an_answer_telling_parents_whom_to_speak_to_says_how_to_reach_them(qa: QuestionAnswerer) -> None:
    """The policy sends a parent's concern to "the class teacher, the Headteacher or Chair of Governors": the answer
    quoting it gives the school file's contacts for them (the class teacher has no details there: not repeated)."""
    answer = qa.answer("who should I speak to if I'm unhappy with something at school?", "parent")
    assert answer.citations[0].clause == "inap-channels"
    assert answer.text.splitlines()[2] == (
        "You can reach the Headteacher, head@stokeswood.example.sch.uk; the Chair of Governors, "
        "chair@stokeswood.example.sch.uk."
    )
    other = qa.answer("can I post photos of sports day on facebook?", "parent")
    assert "You can reach" not in other.text


@pytest.mark.parametrize(
    "disclosure",
    ["a child told me about abuse at home, what do I do", "a child just told me her step dad hits her, what do I do",
     "my son came home saying another boy punched him"],
)
def test_a_worry_about_a_child_points_to_the_dsls(qa: QuestionAnswerer, disclosure: str) -> None:
    answer = qa.answer(disclosure, "staff")
    assert "Designated Safeguarding Leads" in answer.text and "999" in answer.text and answer.report


@pytest.mark.parametrize(
    ("greeting", "reply"),
    [("hello", "Hello"), ("Hi there!", "Hello"), ("good morning", "Hello"), ("ok", "Hello"),
     ("thanks so much", "You're welcome"), ("ok thank you", "You're welcome"), ("bye!", "Goodbye"),
     # a thumbs up or a heart after an answer: thanks, not "I can only read words, not emoji"
     ("\U0001f44d", "You're welcome"), ("\U0001f64f\U0001f3fd", "You're welcome"), ("\u2764\ufe0f", "You're welcome")],
)
def test_greetings_get_a_reply_in_kind(qa: QuestionAnswerer, greeting: str, reply: str) -> None:
    answer = qa.answer(greeting, "parent")
    assert answer.outcome == "greeting" and not answer.answered and answer.text.startswith(reply)


@pytest.mark.parametrize(
    ("question", "says"),
    [
        ("", "Please type a question"),
        ("   \n\t ", "Please type a question"),
        ("x" * 100_000, "too long"),
        ("\x00\x01\x02binary\x03\x04", "doesn't look like text"),
        ("\U0001f600\U0001f44d\U0001f4f8", "emoji"),
        ("\u041c\u043e\u0436\u043d\u043e \u043b\u0438 \u0444\u043e\u0442\u043e?", "English"),
        ("\u00bfPuedo publicar fotos de mi hijo en Facebook?", "English"),
        ("Est-ce que je peux mettre des photos sur Facebook?", "English"),
        ("Darf ich ein Foto von meiner Tochter auf Instagram posten?", "English"),
        ("Czy mogę wrzucić zdjęcie syna na Facebooka?", "English"),
        ("Pot să postez o poză cu fiul meu pe Facebook?", "English"),
        ("Posso mettere una foto di mio figlio su Facebook?", "English"),
        ("Ga i roi lluniau o fabolgampau'r ysgol ar Facebook?", "English"),  # Welsh
    ],
)
def test_unreadable_input_gets_a_plain_message(qa: QuestionAnswerer, question: str, says: str) -> None:
    answer = qa.answer(question, "parent")
    assert answer.outcome == "invalid" and not answer.answered and says in answer.text
    assert len(answer.text) < 200
    if says == "English":  # someone to help in their language
        assert "0116 000 0000" in answer.text


def test_a_long_but_allowed_question_still_answers(qa: QuestionAnswerer) -> None:
    question = ("I was wondering, " * 40 + "can I post photos of the nativity on facebook?")[:MAX_QUESTION_CHARS]
    assert qa.answer(question, "parent").answered


def test_no_network_is_used(qa: QuestionAnswerer, monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("the answerer tried to use the network")

    monkeypatch.setattr(socket, "socket", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    QuestionAnswerer(LIBRARY).answer("can I post photos of sports day?", "parent")


# The lines every small test policy shares; each test adds its own sections.
POLICY_HEADER = """\
school: Stokes Wood Primary School
adopted: 2023-09-01
review_cycle: annual
owner: headteacher
version: "1"
"""

CLARIFY = """\
id: trips
title: Trips Policy
""" + POLICY_HEADER + """\
sections:
  - id: before
    title: Before the trip
    audience: everyone
    clauses:
      - id: before-consent
        kind: rule
        text: A signed consent form is needed for every trip.
        topics: [trip form]
        examples: ["do I need a form for the trip"]
  - id: after
    title: After the trip
    audience: everyone
    clauses:
      - id: after-photos
        kind: guidance
        text: Trip photos go on the school website.
        topics: [trip form]
        examples: ["do I need a form for the trip"]
"""


def test_two_equally_likely_clauses_ask_which_was_meant(tmp_path: Path) -> None:
    (tmp_path / "trips.yaml").write_text(CLARIFY, encoding="utf-8")
    answer = QuestionAnswerer(load_library(tmp_path)).answer("do I need a form for the trip?")
    assert answer.outcome == "clarify" and answer.answered
    assert {c.clause for c in answer.citations} == {"before-consent", "after-photos"}
    assert "Before the trip" in answer.text and "After the trip" in answer.text


def test_works_without_school_contacts() -> None:
    answer = QuestionAnswerer(LIBRARY, School(name="A School")).answer("what's the wifi password", "parent")
    assert "the school office" in answer.text


NOT_COVERED = """\
id: photos
title: Photo Policy
""" + POLICY_HEADER + """\
sections:
  - id: sharing
    title: Sharing photos
    audience: parents
    clauses:
      - id: no-other-children
        kind: prohibition
        text: Parents should not post photos of school events that show other children.
        topics: [photos, school events, other children]
        examples: ["can I post photos from the school play", "can i put pics of sports day on facebook"]
not_covered:
  - "when is school photo day"
  - "how much do the class photos cost"
"""


def test_a_question_like_one_the_policy_does_not_answer_is_refused(tmp_path: Path) -> None:
    (tmp_path / "photos.yaml").write_text(NOT_COVERED, encoding="utf-8")
    library = load_library(tmp_path)
    assert library.not_covered() == ["when is school photo day", "how much do the class photos cost"]
    qa = QuestionAnswerer(library)
    assert qa.answer("can I post photos from the school play on facebook?", "parent").answered
    refused = qa.answer("when is the school photo day this year?", "parent")
    assert not refused.answered and refused.outcome == "refuse"
    # Without the not-covered examples the same question shares enough words to be answered.
    (tmp_path / "photos.yaml").write_text(NOT_COVERED.split("not_covered:")[0], encoding="utf-8")
    assert QuestionAnswerer(load_library(tmp_path)).answer("when is the school photo day this year?", "parent").answered


def test_a_long_message_the_classifier_is_sure_of_is_answered(qa: QuestionAnswerer) -> None:
    """A long message scores low everywhere, most of its words being about the asker's day; the coverage model
    answers it because the classifier is sure which clause it is about."""
    story = (
        "My daughter loved the school play so much she talked about it all through tea, grandma cried, the twins "
        "sang along, and we clapped for ages afterwards; can I put pics from the school play on facebook?"
    )
    answer = qa.answer(story, "parent")
    assert answer.answered and answer.citations[0].clause == "inap-images"
    found = qa.evidence(story, "parent")
    assert found is not None
    evidence, clause = found
    assert clause == "inap-images" and evidence.score < qa_module.ANSWER_THRESHOLD
    unsure = dataclasses.replace(evidence, learned=0.01)  # the same message, had the classifier been unsure
    assert coverage.MODEL.probability(unsure) < coverage.COVERED_AT_LEAST


def test_peoples_names_are_not_read_as_policy_words(qa: QuestionAnswerer) -> None:
    stems = qa.analyzer.stems("someone is slagging off mrs jones and miss patel")
    assert "jone" not in stems and "jones" not in stems and "patel" not in stems
    assert not any(s.startswith("jok") for s in stems)  # "jones" is not a typo of "jokes"
    assert "miss" in qa.analyzer.stems("will my child miss the trip")  # the verb stays


@pytest.mark.parametrize("role", ["midday assistant", "MDA", "HLTA", "apprentice"])
def test_a_school_role_without_staff_in_its_name_is_staff(qa: QuestionAnswerer, role: str) -> None:
    question = f"I'm a {role}, does the social media policy apply to me?"
    assert "#staff" in qa.index.tokens_for_stems(qa.analyzer.stems(question))
    answer = qa.answer(question, "staff")
    assert answer.answered and answer.citations[0].clause == "si-everyone"


@pytest.mark.parametrize(
    ("question", "audience", "clause"),
    [
        ("Volunteer here: may I accept a friend request from a parent?", "staff", "friends-reject"),
        ("Dinner lady - can I be friends with the mums on facebook?", "staff", "friends-reject"),
        ("Nan here. Is the school allowed to take my grandchild's picture for its twitter?", "parent", "acc-consent"),
        ("Supply teacher: a pupil asked for my snapchat, what do I say?", "staff", "cc-no-contact-details"),
        ("Grandad here: does this policy apply to me?", "parent", "po-parent-definition"),  # who asks is the question
    ],
)
def test_who_is_asking_before_the_question_is_not_what_is_asked(
    qa: QuestionAnswerer, question: str, audience: str, clause: str
) -> None:
    answer = qa.answer(question, audience)  # type: ignore[arg-type]
    assert answer.answered and answer.citations[0].clause == clause


@pytest.mark.parametrize(
    ("question", "kept"),
    [
        ("Office manager here: who deals with Channel referrals?", True),  # a job the lexicon does not know, "here"
        ("IT technician here. What happens to the school Twitter login when a teacher leaves?", True),
        ("Office manager: who deals with Channel referrals?", False),  # without "here", maybe not who asks
        ("Facebook question here: can I post photos of sports day?", False),  # an idea of the policy, not a job
    ],
)
def test_an_unknown_job_saying_here_is_who_asks(qa: QuestionAnswerer, question: str, kept: bool) -> None:
    """"Office manager here: a caller asked who deals with Channel referrals" was refused: the words of a job the
    lexicon does not know counted against the question."""
    rest = qa._without_introduction(question)
    assert rest == (qa.analyzer.stems(question.split(" here", 1)[1]) if kept else None)


def test_a_question_hidden_by_the_story_around_it_is_answered_when_it_alone_is_clearly_covered(
    qa: QuestionAnswerer,
) -> None:
    story = "We moved here from Leeds in the summer and the kids love it. My laptop is ancient. "
    answer = qa.answer(story + "Who should I talk to about a problem with a teacher?", "parent")
    assert answer.answered and answer.citations[0].clause == "inap-channels"
    assert not qa.answer(story + "What time does school finish on Fridays?", "parent").answered


@pytest.mark.parametrize("said", ["the teacher is not good to my child", "its not fair on my son", "so unfair"])
def test_a_worry_put_as_what_is_lacking_is_a_concern(qa: QuestionAnswerer, said: str) -> None:
    assert "#concern" in qa.index.tokens_for_stems(qa.analyzer.stems(said))


def test_a_misspelt_everyday_word_is_read_as_that_word(qa: QuestionAnswerer) -> None:
    # "shoud" is "should", not the policy-data word "shout"; "alowed" is "allowed": both then left out as stop words
    assert qa.index.tokens_for_stems(qa.analyzer.stems("shoud i be alowed to post photos")) == (
        qa.index.tokens_for_stems(qa.analyzer.stems("should i be allowed to post photos"))
    )


def test_text_speak_is_read_as_the_words_it_stands_for(qa: QuestionAnswerer) -> None:
    from bot.qa.text import words

    assert words("cn u giv me ur fone numba 4 wen ur off") == words("can u give me ur phone number for when ur off")
    assert words("pick up 2 kids") == ["pick", "up", "to", "kids"]  # a count says nothing the policy turns on
    # unread, "cn", "fone" and "2" counted against every clause as words the policy never uses
    answer = qa.answer("cn teachers tak fotos of kids on there own fone", "parent")
    assert answer.answered and answer.citations[0].clause == "swp-equipment"



@pytest.mark.parametrize(
    ("polite", "plain"),
    [
        ("Dear office, what happens if staff break the rules?", "what happens if staff break the rules?"),
        ("Good morning all - can I post photos of my son?", "can I post photos of my son?"),
        ("Hi there! My daughter in Year 4 wants to friend her teacher", "My daughter in wants to friend her teacher"),
        ("can my Y6 post the class photo? Kind regards, Sam", "can my post the class photo?"),
        # who told the asker: "friend" would read as befriending, "colleague" as pictures of colleagues
        ("My friend says the school reads what parents post.", "the school reads what parents post."),
        ("A colleague told me that we can't use school laptops", "we can't use school laptops"),
        ("I\u2019ve heard the policy is reviewed every year", "the policy is reviewed every year"),
        # pressing for an answer: "full stop" read "stop" as a policy word
        ("Is the school against Facebook full stop? Yes or no.", "Is the school against Facebook?"),
        ("Honestly, in a nutshell, can I post photos?", ", , can I post photos?"),
        ("Just wondering, who reviews the policy?", ", who reviews the policy?"),
    ],
)
def test_words_that_say_nothing_of_the_question_are_left_out(qa: QuestionAnswerer, polite: str, plain: str) -> None:
    """A polite email wraps the question in words that say nothing about it (so do who told the asker, and words
    pressing for an answer); left in, they dilute every match."""
    assert qa.analyzer.stems(polite) == qa.analyzer.stems(plain)


def test_a_question_is_only_what_follows_a_greeting(qa: QuestionAnswerer) -> None:
    assert qa.analyzer.stems("Hi can I post photos of sports day, or not?") == qa.analyzer.stems(
        "can I post photos of sports day, or not?"
    )
    assert "high" in qa.analyzer.stems("high time I asked: can I post photos?")


def test_a_runner_up_in_a_long_message_needs_a_lower_score() -> None:
    """Most words of a long message tell the asker's story, so it scores lower everywhere."""
    assert qa_module._threshold(6) == qa_module.ANSWER_THRESHOLD
    assert qa_module.ANSWER_THRESHOLD > qa_module._threshold(18) > qa_module.LONG_ANSWER_THRESHOLD
    assert qa_module._threshold(25) == qa_module._threshold(60) == qa_module.LONG_ANSWER_THRESHOLD


def test_everyday_matters_in_a_long_story_do_not_count_against_a_clause(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "photos.yaml").write_text(NOT_COVERED, encoding="utf-8")
    qa = QuestionAnswerer(load_library(tmp_path))
    story = (
        "My daughter loved the school play so much she talked about it all through lunch, grandma cried, the twins "
        "sang along, and we clapped for ages afterwards; can I put pics from the school play on facebook?"
    )
    assert qa.answer(story, "parent").citations[0].clause == "no-other-children"
    found = qa.evidence(story, "parent")
    assert found is not None
    monkeypatch.setattr(qa_module, "OFF_TOPIC_MAX_TOKENS", 1000)  # "lunch" counted as the question's matter
    counted = qa.evidence(story, "parent")
    assert counted is not None
    assert counted[0].score == pytest.approx(found[0].score * qa_module.OFF_TOPIC_PENALTY)


LIST = """\
id: conduct
title: Conduct Policy
""" + POLICY_HEADER + """\
sections:
  - id: unacceptable
    title: Unacceptable posts
    audience: parents
    clauses:
      - id: list-intro
        kind: statement
        text: "The school considers the following to be unacceptable:"
        topics: [unacceptable posts]
      - id: racist
        kind: prohibition
        lead_in: list-intro
        text: Posting racist comments;
        topics: [racist comments]
        examples: ["can I post racist comments"]
"""


def test_a_list_item_is_quoted_after_the_words_that_introduce_the_list(tmp_path: Path) -> None:
    (tmp_path / "conduct.yaml").write_text(LIST, encoding="utf-8")
    answer = QuestionAnswerer(load_library(tmp_path)).answer("am I allowed to post racist comments?", "parent")
    assert answer.citations[0].clause == "racist"
    intro = answer.text.index("The school considers the following to be unacceptable:")
    assert intro < answer.text.index("Posting racist comments;")


@pytest.mark.parametrize(
    "question", ["I want to report a concern", "how do I make an anonymous report?", "my child is being bullied online"]
)
def test_a_concern_the_policy_does_not_answer_gets_the_way_to_report_it(qa: QuestionAnswerer, question: str) -> None:
    answer = qa.answer(question, "parent")
    assert answer.report and not answer.answered and not answer.citations
    assert "report it here, anonymously" in answer.text and "999" in answer.text
    assert answer.contact and "dsl@stokeswood.example.sch.uk" in answer.contact  # the DSLs, not the office


@pytest.mark.parametrize("question", ["when is the school report coming out?", "when do we get the end of year report"])
def test_a_school_report_is_not_a_concern(qa: QuestionAnswerer, question: str) -> None:
    answer = qa.answer(question, "parent")
    assert not answer.report and answer.outcome == "refuse" and "school office" in answer.text


def test_a_child_being_hurt_points_to_the_dsls_and_the_report(qa: QuestionAnswerer) -> None:
    answer = qa.answer("a pupil told me she is being hurt at home what do I do", "staff")
    assert answer.report and "Designated Safeguarding Leads" in answer.text and "999" in answer.text


def test_an_answered_concern_also_offers_the_way_to_report_it(qa: QuestionAnswerer) -> None:
    answer = qa.answer("who do I tell if I think a child is being radicalised", "staff")
    assert answer.answered and answer.report
    assert answer.text.endswith("you can report it here, anonymously if you wish.")
    plain = qa.answer("can I post photos of sports day?", "parent")
    assert not plain.report and "report it here" not in plain.text


@pytest.mark.parametrize(
    ("question", "told"),
    [
        ("My daughter's teacher keeps messaging her on Instagram. Is that allowed?", False),
        ("a teacher sent my son a friend request on facebook", True),
        ("Mr Jones follows my 10 year old on TikTok and comments on her videos", True),
    ],
)
def test_staff_in_touch_with_a_child_online_is_answered_and_offered_the_report(
    qa: QuestionAnswerer, question: str, told: bool
) -> None:
    answer = qa.answer(question, "parent")
    assert answer.answered and answer.report
    if told:  # told that it happened: the way to report it, and 999, come before the policy's words
        assert answer.text.startswith("If a child is in immediate danger, call 999.")
        assert answer.text.index("report it here") < answer.text.index("It says:")
    else:  # asked whether it is allowed: the policy's answer first, the way to report it after
        assert answer.text.endswith("you can report it here, anonymously if you wish.")


@pytest.mark.parametrize(
    "question",
    ["Can I send a message to my son's class teacher?", "Can I add my child's teacher as a friend on Facebook?",
     "Is it ok for my son's football coach to message him about matches?"],
)
def test_asking_whether_someone_may_be_in_touch_is_not_met_with_999(qa: QuestionAnswerer, question: str) -> None:
    answer = qa.answer(question, "parent")
    assert answer.answered and not answer.text.startswith("If a child is in immediate danger")


def test_staff_in_touch_with_a_pupil_is_answered_with_what_the_policy_asks_of_staff(qa: QuestionAnswerer) -> None:
    """A parent's account of it is answered from the staff's rules, not from what parents should do."""
    answer = qa.answer("A teacher has been messaging my son on snapchat late at night", "parent")
    assert answer.citations[0].clause == "kp-no-contact-pupils"


@pytest.mark.parametrize(
    "question",
    ["my daughter told me a man from the after school club sent her messages",
     "someone I don't know keeps messaging my son on snapchat",
     "A man outside the gate was filming children",
     # in a carer's own English, and with pictures rather than filming: answered with "parents should not post
     # images ... of other children", without the way to tell the school
     "i want tell school about bad man take photo of children at gate",
     "a strange woman was taking pictures of the kids through the playground fence",
     # a grandparent's grandchild is a child too: "a man send my granddaughter messages" had no way to tell the school
     "a man send my granddaughter messages on instagram",
     "someone I don't know keeps messaging my grandson on snapchat",
     "my son told me his teacher hit him"],
)
def test_another_adult_in_touch_with_a_child_is_offered_the_report_and_the_dsls(
    qa: QuestionAnswerer, question: str
) -> None:
    answer = qa.answer(question, "parent")
    assert answer.report and "999" in answer.text and "Designated Safeguarding Leads" in answer.text


@pytest.mark.parametrize(
    "question",
    ["my grandson is scared, older boys send him bad messages on phone",
     "someone is posting nasty things about miss smith on facebook",
     "my daughter is frightened to go to school because of what they put on tiktok"],
)
def test_a_child_afraid_or_nasty_posts_are_offered_the_report(qa: QuestionAnswerer, question: str) -> None:
    """Told without the words "bullied" or "concern": they were answered with an unrelated clause (PREVENT's, for
    "messages"), or "The policy doesn't cover that", and no way to tell the school."""
    assert qa.answer(question, "parent").report


@pytest.mark.parametrize(
    "question", ["Can I post photos of my kids at sports day?", "can teachers be friends with parents on facebook?"]
)
def test_rules_about_staff_or_children_alone_are_not_taken_for_a_concern(qa: QuestionAnswerer, question: str) -> None:
    assert not qa.answer(question, "parent").report


@pytest.mark.parametrize(
    "question",
    ["how do I check on my report?", "any news on my report", "what's happening with my concern",
     "has anyone read my report yet?"],
)
def test_asking_after_ones_own_report_is_told_how_to_check_it(qa: QuestionAnswerer, question: str) -> None:
    answer = qa.answer(question, "parent")
    assert not answer.answered and answer.text == CHECK_A_REPORT and not answer.report
    assert "send me its receipt code in a private message" in answer.text  # works the same on every platform


@pytest.mark.parametrize("question", ["report", "I want to report something"])
def test_a_wish_to_report_is_offered_the_report_not_quotes(qa: QuestionAnswerer, question: str) -> None:
    answer = qa.answer(question, "parent")
    assert answer.report and answer.citations == [] and "report it here" in answer.text


def test_news_of_a_school_report_is_not_taken_for_a_concern(qa: QuestionAnswerer) -> None:
    assert CHECK_A_REPORT not in qa.answer("any news on my son's school report?", "parent").text


@pytest.mark.parametrize(
    "told", ["my son told me his teacher hit him", "Mr Brown in Oak class touched my daughter Lily"]
)
def test_being_told_a_child_was_hurt_says_what_to_do_and_quotes_no_rule(qa: QuestionAnswerer, told: str) -> None:
    """No clause that merely shares its words ("making allegations about staff ... is inappropriate"): it could read
    as a reason not to tell the school."""
    answer = qa.answer(told, "parent")
    assert answer.report and "If a child is in immediate danger, call 999." in answer.text
    assert answer.text.count("999") == 1 and answer.citations == [] and "Designated Safeguarding Leads" in answer.text
    assert not qa.answer("can I hit like on the school's facebook post?", "parent").text.startswith("If a child")


def test_what_happened_tells_a_story_and_asks_for_no_consequence(qa: QuestionAnswerer) -> None:
    """"What happens if...?" asks what the school will do; "what happened" is the asker's story, so it lifts no
    clause about sanctions ("can I say the school covered up what happened?" is not about being blocked)."""
    tokens = qa.index.question_tokens
    assert "#consequence" in tokens("what happens if I post it anyway?")
    assert "#consequence" not in tokens("can i say the school is covering up what happened on a public forum")
    answer = qa.answer("can i say the school is covering up what happened on a public forum", "parent")
    assert answer.answered and LIBRARY.clause(answer.citations[0].clause).clause.kind != "sanction"


@pytest.mark.parametrize(
    "question", ["would the school complain to instagram about my post?", "school complain to twitter?"]
)
def test_the_school_telling_the_site_is_contacting_its_host(qa: QuestionAnswerer, question: str) -> None:
    # "complain to Instagram" is the policy's "contact the host/provider ... to complain", not a parent's complaint
    assert qa.answer(question, "parent").citations[0].clause == "proc-contact-host"


@pytest.mark.parametrize(
    "question",
    [
        "I posted something I shouldn't have. What happens now?",
        "Posted something about the teacher in the heat of the moment and I regret it. What next?",
    ],
)
def test_owning_up_to_a_post_is_told_what_the_school_expects_next(qa: QuestionAnswerer, question: str) -> None:
    """Someone who admits a post they regret asks what follows: take it down and meet the Headteacher, not that
    people posting libel are reported to the authorities."""
    answer = qa.answer(question, "parent")
    assert answer.answered and answer.citations[0].clause == "proc-remove-and-meet"


@pytest.mark.parametrize(
    "question",
    [
        "Does my reputation count under this policy or only the school's?",
        "is my reputation part of this or is it just about the school",
    ],
)
def test_a_staff_members_own_reputation_is_the_rule_naming_it(qa: QuestionAnswerer, question: str) -> None:
    # "my reputation" is the policy's "personal/ professional reputation", not only "the school's reputation"
    assert qa.answer(question, "staff").citations[0].clause == "cc-responsible"


@pytest.mark.parametrize(
    ("question", "audience"),
    [
        ("who do I complain to about the school", "parent"),
        ("I've a grievance about how a teacher spoke to my son, who do I take it up with?", "parent"),
        ("A mum has a complaint about a colleague. Who should I send them to?", "staff"),
    ],
)
def test_asking_whom_to_take_a_worry_to_is_the_appropriate_channels(
    qa: QuestionAnswerer, question: str, audience: AskerAudience
) -> None:
    # "who should I speak to", "take it up with": a person to go to, not a complaint posted or a pupil messaged
    answer = qa.answer(question, audience)
    assert answer.answered and answer.citations[0].clause == "inap-channels"


@pytest.mark.parametrize(
    "question", ["when were these rules put in place", "is this policy still in force or is it ancient?"]
)
def test_asking_how_old_the_policy_is_gets_its_date(qa: QuestionAnswerer, question: str) -> None:
    answer = qa.answer(question, None)
    assert answer.answered and answer.citations[0].clause == "review-date"


@pytest.mark.parametrize(
    "question",
    [
        "I recorded the class debate on my own phone for evidence. What am I supposed to do with the recording?",
        "Took a few snaps of the reading corner on my mobile. What do I need to do with them?",
    ],
)
def test_asking_what_to_do_with_pictures_on_ones_phone_is_the_transfer_and_delete_rule(
    qa: QuestionAnswerer, question: str
) -> None:
    # not the rule on taking them on one's own phone: what to do once they are taken
    assert qa.answer(question, "staff").citations[0].clause == "swp-transfer-delete"


@pytest.mark.parametrize(
    "question",
    [
        "On the residential the kids want me to follow them on Insta. Can I?",
        "The kids on the residential keep asking to follow me on Snapchat. Can I?",
        "On the residential the children want to follow me on TikTok. OK?",
    ],
)
def test_being_asked_to_follow_pupils_on_a_residential_is_the_rule_on_contact_with_pupils(
    qa: QuestionAnswerer, question: str
) -> None:
    # the policy data's many questions about the residential itself (its cost, phones, who goes) are not this one
    answer = qa.answer(question, "staff")
    assert answer.answered and answer.citations[0].clause == "kp-no-contact-pupils"



@pytest.mark.parametrize(
    ("question", "audience", "clause"),
    [
        # "telephone", "cell phone": the policy's "personal equipment, e.g. mobile phone", not pictures of colleagues
        ("Can a colleague require me to use my own telephone to photograph the class?", "staff", "swp-equipment"),
        ("Can my line manager insist I take the class photos on my personal cell phone?", "staff", "swp-equipment"),
        # "by name", "name the boy": "should not be used to name individuals", not the school's name nor only rudeness
        ("Can I name the boy who pushed my daughter in a facebook post?", "parent", "app-private"),
        ("Am I allowed to call out the dinner lady by name on the mums page?", "parent", "app-private"),
        # "the school files", "pupil info", "before it is published": confidential or business-sensitive information
        ("Is it ok to post about a pupil's info from the school files?", "staff", "na-confidential"),
        # "out of order", "crossing the line": British for inappropriate, no order placed
        ("What kind of posts does the school think are out of order?", "parent", "inap-examples"),
        # what "full stop", "yes or no" leave: most use it well, the school encourages it
        ("Is the school against Facebook full stop? Yes or no.", "parent", "po-minority"),
        # the neighbours of the everyday matters refused below still get their rule
        ("Do I need to sign a consent form before the school posts my child's photo?", "parent", "acc-consent"),
        ("When a teacher leaves, are the passwords changed?", "staff", "leavers-passwords"),
        ("How long can I keep class photos on my own phone?", "staff", "swp-transfer-delete"),
        ("Can I go on facebook on the school computer at lunch?", "staff", "kp-outside-work"),
    ],
)
def test_a_paraphrase_family_gets_its_clause(
    qa: QuestionAnswerer, question: str, audience: AskerAudience, clause: str
) -> None:
    answer = qa.answer(question, audience)
    assert answer.outcome == "answer" and answer.citations[0].clause == clause


@pytest.mark.parametrize(
    "question",
    ["Does the policy apply when I am off the clock?", "Does the staff policy only apply to what I do away from work?"],
)
def test_away_from_school_is_outside_work(qa: QuestionAnswerer, question: str) -> None:
    # "away from school", "off the clock", "after work": the policy's "social networking outside work"
    answer = qa.answer(question, "staff")
    assert answer.answered and "kp-outside-work" in [c.clause for c in answer.citations[:2]]


@pytest.mark.parametrize(
    ("question", "audience"),
    [
        # the policy says nothing of the school watching parents' posts; "friend" had read as their own accounts
        ("My friend says the school reads what parents post. Does it?", "parent"),
        # a plaster, a graze: everyday care, not "giving a child" one's contact details
        ("Can I give a child a plaster?", "staff"),
        ("Can a lunchtime supervisor put a plaster on a child who fell over?", "staff"),
        # consent is needed before a child's image is posted; how to take it back the policy does not say
        ("Can I revoke the photo consent I gave when she started school?", "parent"),
        # the policy's only word on passwords is that a leaver's are changed
        ("Which password manager does the school recommend?", "staff"),
        ("My network password expires tomorrow, what now?", "staff"),
        # staff move pictures to the school's system; how long that keeps them the policy does not say
        ("How long are pictures kept on the school network?", None),
        # what parents may post and what the school may do, not whom the school tells
        ("Would I be told if my son was being picked on in a class group chat?", "parent"),
        ("Will the school tell me if someone posts a photo of my child online?", "parent"),
        # social networking on school equipment is the rule; banking or coursework it does not mention
        ("Am I allowed to use the school computer for my coursework?", "staff"),
        ("Can I use the staffroom PC for online banking?", "staff"),
        ("How do I order the school photos?", "parent"),
    ],
)
def test_an_everyday_matter_near_a_policy_word_is_not_answered(
    qa: QuestionAnswerer, question: str, audience: AskerAudience
) -> None:
    assert not qa.answer(question, audience).answered


def test_what_was_heard_is_the_question_when_it_is_passed_on(qa: QuestionAnswerer) -> None:
    # "my friend says ..." is left out (see the test of what says nothing), but not "I heard it from someone"
    assert "heard" in qa.analyzer.stems("can I post it if I heard it from someone?")
