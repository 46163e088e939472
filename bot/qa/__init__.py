"""Question answering: a question in the asker's own words in, the policy's own words out.

`QuestionAnswerer.answer(question, audience)` gives one of five outcomes:
- answer: the best clause (and any close runners-up) quoted word for word, with its section;
- clarify: two clauses from different parts of the policy are almost equally likely, so ask which was meant;
- topic: a single word the policy uses ("photos?") that could be many questions, some the policy does not
  answer: quote the parts that use it and ask for a whole question;
- refuse: the policy does not cover it (too little in common with any clause, or more like the questions the
  policy data lists as `not_covered` than like any it answers: see `bot.qa.coverage`); say so and name the person
  to ask;
- greeting: "hello" gets a hello and a hint;
- invalid: empty, binary, emoji-only or unreadably long input gets a plain message saying what to send instead.
Nothing here calls the network: the index is built from `policy_data/` at start-up (about half a second, or less
from the copy kept in the data folder, see `bot.qa.cache`).
"""

from __future__ import annotations

import dataclasses
import re
import unicodedata
from pathlib import Path

from bot.config import School
from bot.policy.loader import ClauseRef, PolicyLibrary
from bot.policy.models import readable
from bot.qa import coverage
from bot.qa.analyzer import CONCEPT_PREFIX
from bot.qa.answer import Answer, AskerAudience, Citation
from bot.qa.coverage import Evidence
from bot.qa.index import NOT_COVERED, ClauseIndex, Match
from bot.qa.lexicon import (
    ADULT_WORDS,
    CHILD_WORDS,
    CONCEPTS,
    CONCERN_WORDS,
    CONTACT_WORDS,
    GENERIC,
    GREETINGS,
    OFF_TOPIC_PHRASES,
    PICTURE_WORDS,
    SAFEGUARDING_WORDS,
    STAFF_WORDS,
    STRANGER_WORDS,
    WATCHING_WORDS,
)
from bot.qa.text import STOP_WORDS, asks, fold, words
from bot.wording import and_list

__all__ = ["Answer", "Citation", "QuestionAnswerer", "MAX_QUESTION_CHARS"]

MAX_QUESTION_CHARS = 1000
# A runner-up clause is quoted too (or makes us ask which was meant) only with this score before the classifier's
# lift. A long message scores lower everywhere (most of its words tell the asker's story): from SHORT_TOKENS tokens the
# threshold slides down to LONG_ANSWER_THRESHOLD at LONG_TOKENS. Everyday matters ("my son's football match") in
# such a message are the story too, so they count against a clause only in a question of OFF_TOPIC_MAX_TOKENS.
ANSWER_THRESHOLD = 0.37
SHORT_TOKENS, LONG_TOKENS = 10, 25
LONG_ANSWER_THRESHOLD = 0.25
OFF_TOPIC_MAX_TOKENS = 14
RUNNER_UP_SHARE = 0.80  # a runner-up this close to the best is quoted too
CLARIFY_SHARE = 0.97  # ... and this close, from a different section, makes us ask which was meant
OFF_TOPIC_PENALTY = 0.35  # per everyday matter in the question that the matched clause never mentions
AUDIENCE_PENALTY = 0.8  # a clause written for the other audience is a little less likely to be the answer
CLASSIFIER_WEIGHT = 3.0  # a clause's score grows by this share of the learned classifier's probability for it
MAX_CITATIONS = 3
# The rules on pictures taken on a member of staff's own equipment, and on moving them off it: see Answer.photos.
PHOTO_CLAUSES = frozenset({"swp-equipment", "swp-transfer-delete"})
# "What will the school do?" / "what happens if...?" asks for the consequence: a clause saying what follows a breach
# (kind "sanction") is more likely the answer than the rule that was broken.
CONSEQUENCE_CONCEPTS = frozenset({CONCEPT_PREFIX + "school_response", CONCEPT_PREFIX + "consequence"})
CONSEQUENCE_BOOST = 1.5
# A message of several sentences is mostly its writer's story; the sentence that asks ("can I...?", "what should I
# do now?") says which clause is wanted. In a message of ASKING_MIN_TOKENS or more, each clause's score grows by this
# share of the classifier's probability for it on the asking sentences alone (relative to the likeliest clause's).
# The classifier, not a second search: as good on the question sets, and a fraction of the time.
ASKING_WEIGHT = 1.0
ASKING_MIN_TOKENS = 10
# When the whole message reads as not covered (its story scores low everywhere), its asking sentences alone are
# answered if the coverage model is this sure of them: at its usual 0.4, stories around questions the policy does not
# answer were answered too (crossval not-covered refused 89.4 -> 87.9 %); at 0.95 none were.
ASKING_PART_COVERED_AT_LEAST = 0.95
# ... or this sure, when the clause it answers them with is among the whole message's AGREEING_TOP likeliest: the
# story points where the question does (crossval top-1 7457 -> 7459, not-covered refused 2574 -> 2572; at 0.7,
# 7462 and 2564).
AGREED_COVERED_AT_LEAST = 0.85
AGREEING_TOP = 3
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+|\n+")

# "Grandad here.", "New TA here -", "Supply teacher:", "Lunchtime supervisor -": who is asking, before the question.
_INTRODUCTION = re.compile(
    r"^\s*((?:[a-z'/]+\s+){0,3}?[a-z'/]+)\s*(?:\s+here\b\s*[,.!:;-]*|\s*[:\u2013\u2014]\s*|\s+-\s+)", re.IGNORECASE
)
_HERE = re.compile(r"\bhere\b", re.IGNORECASE)
_ROLES = frozenset(CONCEPT_PREFIX + c for c in ("staff", "relative", "parent", "volunteer", "governor", "head"))
# "Can I slag the head teacher off online?", "I posted a moan about a parent": the asker says something about the
# people the other audience's section is written for, so naming them does not lift that section (what they may say).
_FIRST_PERSON = frozenset({"i", "im", "ive", "we"})
_SAYING_THINGS = frozenset(
    CONCEPT_PREFIX + c
    for c in ("comment", "negative", "complaint", "defamation", "allegation", "threat", "racism", "bully", "name")
)
_AUDIENCE_OF_ASKER = {"parent": "parents", "staff": "staff"}
_PEOPLE_OF = {"staff": "staff", "parents": "parent"}  # the concept naming the people a section is written for


_THANKS = frozenset({"thanks", "thank", "thankyou", "thx", "ty", "ta", "cheers"})
_GOODBYES = frozenset({"bye", "goodbye"})
# A thumbs up or a heart after an answer is thanks, not a question without words ("I can only read words").
_THANKS_EMOJI = frozenset("\U0001F44D\U0001F64F\u2764\U0001F44C\U0001F60A\U0001F642\U0001F44F\U0001F495\U0001F496"
                          "\U0001F970\U0001F917\u263A\U0001F49B\U0001F499\U0001F49C")
_EMOJI_MODIFIERS = frozenset("\uFE0F\u200D\U0001F3FB\U0001F3FC\U0001F3FD\U0001F3FE\U0001F3FF")


def _only_thanks_emoji(text: str) -> bool:
    shown = [ch for ch in text if not ch.isspace() and ch not in _EMOJI_MODIFIERS]
    return bool(shown) and all(ch in _THANKS_EMOJI for ch in shown)


# "Report" in its school sense ("the end of year report", "school reports") is not a concern being raised.
_SCHOOL_REPORT_BEFORE = frozenset({"school", "year", "annual", "progress", "term", "termly", "written", "child"})


def _about_a_concern(plain: list[str]) -> bool:
    """Whether the message raises (or asks how to raise) a concern, so the way to report one is offered."""
    for i, w in enumerate(plain):
        if w in CONCERN_WORDS and not (w == "report" and i and plain[i - 1] in _SCHOOL_REPORT_BEFORE):
            return True
    return False


# "How do I check on my report?", "any news on my report?": the sender's own report, not the policy.
_REPORT_NOUNS = frozenset({"report", "concern"})
_FOLLOWING_UP = frozenset(
    "check checking status happening happened update updates news progress heard hear outcome look looks looked "
    "read seen".split()
)
# Said the same on every platform: a receipt code sent privately is that report's status on each of them.
CHECK_A_REPORT = (
    "To check a report you made, send me its receipt code in a private message, for example: ACDE-FGHJ-KMNP-RTWX. "
    "The code is the only key to your report: nobody at the school can look it up for you."
)


# "His teacher hit him", "the coach touched my son": words too common to count alone ("hit like on the post"), but
# with a person after them a child may have been hurt.
_HURT_VERBS = frozenset({"hit", "touched", "touching", "grabbed", "pushed", "shoved"})
_HURT_OBJECTS = frozenset({"him", "her", "them", "me", "my", "his", "our", "their", "pupils", "children", "kids"})


def _hurt_someone(plain: list[str]) -> bool:
    return any(a in _HURT_VERBS and b in _HURT_OBJECTS for a, b in zip(plain, plain[1:], strict=False))


def _checking_own_report(plain: list[str]) -> bool:
    if len(plain) > 12:  # a longer message about a concern is the concern itself
        return False
    said = set(plain)  # not "any news on my son's school report?" (_about_a_concern leaves that sense out)
    return "my" in said and bool(said & _REPORT_NOUNS) and bool(said & _FOLLOWING_UP) and _about_a_concern(plain)


def _in_touch_with_a_child(plain: list[str]) -> str | None:
    """Who is in touch with a child, when a message names someone on the staff ("staff") or another adult ("adult"),
    a child and a way of being in touch (see lexicon.STAFF_WORDS); None when it does not."""
    said = set(plain)
    child = bool(said & CHILD_WORDS) or any(a == "year" and b == "old" for a, b in zip(plain, plain[1:], strict=False))
    if not child:
        return None
    if said & STAFF_WORDS and said & CONTACT_WORDS:
        return "staff"
    if said & ADULT_WORDS and said & (CONTACT_WORDS | WATCHING_WORDS):
        return "adult"
    return "adult" if said & STRANGER_WORDS and said & PICTURE_WORDS else None


def _asking_part(question: str) -> str:
    """The sentences of a message that ask something (with a question mark, or opening with "can", "what", "should"
    ...; else the last sentence), or "" when that is the whole message."""
    sentences = [s.strip() for s in _SENTENCE_END.split(question) if s.strip()]
    if len(sentences) < 2:
        return ""
    asking = [s for s in sentences if asks(s)] or sentences[-1:]
    return " ".join(asking) if len(asking) < len(sentences) else ""


def _names_the_dsls(plain: list[str]) -> bool:
    return "dsl" in plain or "dsls" in plain or any(
        a == "designated" and b == "safeguarding" for a, b in zip(plain, plain[1:], strict=False)
    )


def _printable_letters(text: str) -> int:
    return sum(1 for ch in text if ch.isalpha())


def _looks_binary(text: str) -> bool:
    if "\x00" in text or "\ufffd" in text:
        return True
    controls = sum(1 for ch in text if unicodedata.category(ch) == "Cc" and ch not in "\n\r\t")
    return controls > max(2, len(text) // 20)


# Everyday words (accents folded) of languages families at an English school often write in, that English
# rarely uses: when half a question's words are such, it is not in English, even in Latin letters.
_FOREIGN_WORDS = frozenset(
    """
    el los las que por para puedo pueden una del con mis hijo hija fotos escuela colegio es esta puede
    ich und der die das nicht ist ein eine kann mein meine meinen kind schule darf fotos vom von auf mit meinem
    meiner bilder stellen teilen posten sportfest lehrer lehrerin kinder sohn tochter hochladen online-stellen
    je les est pas dans mon mes pour avec une des nous vous sur peux puis enfant photos ecole publier
    posso sono della di che non il mio mia figlio figlia scuola pubblicare foto recita scolastica mettere le
    insegnante maestra bambino bambini
    de en mi tu su al lo se y o publicar fotos dia deportivo
    czy jest nie moje moja moge sie dziecko szkola zdjecia zdjecie mam na mnie moze dodac znajomych publikowac
    wrzucic dnia sportu nauczyciel nauczycielka syn corka facebooku
    pot copilul meu mea sunt nu scoala sa postez poze pe pun scolii serbarea fotografii profesorul profesoara
    ga gaf gallaf alla roi rhoi lluniau llun ysgol ysgol'r plentyn mhlentyn mhlant plant fy ydy ydw ydych mae
    beth sut yr ar yn dydd mabolgampau fabolgampau athro athrawes postio cyfryngau cymdeithasol ffrind gyda
    """.split()
)
_WORD_WITH_LETTERS = re.compile(r"\w+")
# Letters English never uses, but the languages above do (after accents are folded away they would pass for it).
_FOREIGN_LETTERS = frozenset("ąćęłńśźżăâîșşțţäöüßõñçãêôûœŵŷ")


def _mostly_foreign(text: str) -> bool:
    ws = words(text)
    marked = {fold(w) for w in _WORD_WITH_LETTERS.findall(text.lower()) if not _FOREIGN_LETTERS.isdisjoint(w)}
    foreign = sum(1 for w in ws if w in _FOREIGN_WORDS or w in marked)
    return foreign >= 2 and foreign * 2 >= len(ws)


def _mostly_non_latin(text: str) -> bool:
    letters = [ch for ch in text if ch.isalpha()]
    if not letters:
        return False
    latin = sum(1 for ch in letters if unicodedata.name(ch, "").startswith("LATIN"))
    return latin < len(letters) / 2


def _threshold(size: int) -> float:
    """The score a question of `size` tokens needs for the policy to cover it."""
    if size <= SHORT_TOKENS:
        return ANSWER_THRESHOLD
    share = min(1.0, (size - SHORT_TOKENS) / (LONG_TOKENS - SHORT_TOKENS))
    return ANSWER_THRESHOLD + share * (LONG_ANSWER_THRESHOLD - ANSWER_THRESHOLD)


# "What is the policy on ...", "what does the school's policy say about ...", "what are the rules for ..." (as
# bot.qa.text.words gives them): before one word, a request for what the policy says about it (see _one_word).
_POLICY_ON = re.compile(
    r"(?:(?:so|and|hi|hello|please)\s+)*(?:what\s+(?:is|are|does|do)|tell\s+me|explain)\s+(?:the\s+)?(?:school\s+)?"
    r"(?:social\s+media\s+)?(?:policy|policies|rules?|guidance|guidelines)\s+(?:says?\s+)?"
    r"(?:on|about|for|regarding|re|around)\s+"
)


class QuestionAnswerer:
    def __init__(self, library: PolicyLibrary, school: School | None = None, cache_file: Path | None = None) -> None:
        """`cache_file`: where to keep the tokenised policy data between runs (a faster start), or None."""
        self.library = library
        self.school = school
        self.index = ClauseIndex(library, cache_file)
        self.analyzer = self.index.analyzer
        self._off_topic = [tuple(self.analyzer.stems(p, False)) for p in OFF_TOPIC_PHRASES]
        self._off_topic_by_first: dict[str, list[tuple[str, ...]]] = {}
        for phrase in self._off_topic:
            if phrase:
                self._off_topic_by_first.setdefault(phrase[0], []).append(phrase)
        # Words that alone never make a question one the policy answers ("lunch" in "my lunch break" does
        # help find a clause, but "what's for lunch" shares nothing else with it).
        # The words for the people in a question are framing too: "teacher" says no more than #staff does.
        framing_words = {
            stem
            for concept in ("child", "parent", "staff", "head")
            for form in CONCEPTS.get(concept, ())
            for stem in self.analyzer.stems(form, False)
        }
        self._not_specific = (
            GENERIC | STOP_WORDS | framing_words | {phrase[0] for phrase in self._off_topic if len(phrase) == 1}
        )

    # --- people to point to ---
    def _contact(self, key: str, fallback: str) -> str:
        contact = self.school.contact(key) if self.school else None
        return contact.describe() if contact else fallback

    def _reach(self, keys: tuple[str, ...]) -> str:
        """How to reach the school file's contacts `keys` that it gives a name, phone or email for ("" for none)."""
        found = [self.school.contact(key) for key in keys] if self.school else []
        return "; ".join(c.describe() for c in found if c and (c.name or c.phone or c.email))

    def contact_for(self, audience: AskerAudience | None, safeguarding: bool = False) -> str:
        if safeguarding:
            return self._contact("dsl", "the Designated Safeguarding Leads")
        if audience == "staff":
            return self._contact("headteacher", "the Headteacher")
        return self._contact("office", "the school office")

    # --- the pipeline ---
    def answer(self, question: str, audience: AskerAudience | None = None) -> Answer:
        if isinstance(question, str) and _only_thanks_emoji(question):
            return Answer(question, False, self._greeting(["thanks"]), "greeting")
        problem = self._problem_with(question)
        if problem is not None:
            return Answer(question, False, problem, "invalid")
        plain = words(question)
        if all(w in GREETINGS or w in STOP_WORDS for w in plain):
            return Answer(question, False, self._greeting(plain), "greeting")
        hurt = _hurt_someone(plain)
        safeguarding = any(w in SAFEGUARDING_WORDS for w in plain) or hurt
        if hurt and not asks(question):
            # Told that a child was hurt ("his teacher hit him"): a social media policy has nothing to say to that,
            # and a clause that shares its words ("making allegations about staff ... is inappropriate") could read
            # as a reason not to tell. What to do, and how to tell the school, is the whole reply.
            return self._told_of_harm(question, audience)
        if _checking_own_report(plain) and not safeguarding:
            return Answer(question, False, CHECK_A_REPORT, "refuse")
        in_touch = _in_touch_with_a_child(plain)
        # Told that someone is in touch with a child ("a teacher has been messaging my son"), not asked whether one
        # may be ("can I message my son's teacher?"): a staff member's is answered by what the policy asks of staff,
        # whoever tells it, and the way to report it comes first.
        told = in_touch is not None and not asks(question)
        reply = self._reply(question, plain, "staff" if told and in_touch == "staff" else audience, safeguarding)
        if safeguarding or in_touch or _about_a_concern(plain):
            # Told of harm, or of someone in touch with a child (not asked about the rules): what to do comes first.
            reply = self._offer_report(reply, audience, first=(safeguarding or told) and not asks(question))
        if _names_the_dsls(plain) and reply.answered:  # "who is the DSL?": the policy names no one; the school does
            contact = self.contact_for(audience, True)
            reply = dataclasses.replace(reply, text=f"{reply.text}\nYou can reach {contact}.", contact=contact)
        if audience == "staff" and reply.answered and any(c.clause in PHOTO_CLAUSES for c in reply.citations):
            reply = dataclasses.replace(reply, photos=True)
        return reply

    def _reply(self, question: str, plain: list[str], audience: AskerAudience | None, safeguarding: bool) -> Answer:
        tokens, matches, evidence = self._assess(self.analyzer.stems(question), audience)
        rest = self._without_introduction(question)
        if rest is not None:  # the question without who asks, when the policy covers it that way too
            without = self._assess(rest, audience)
            if without[2] is not None and coverage.MODEL.probability(without[2]) >= coverage.COVERED_AT_LEAST:
                tokens, matches, evidence = without
        if evidence is None or coverage.MODEL.probability(evidence) < coverage.COVERED_AT_LEAST:
            part = _asking_part(question)
            if part:  # the story around a question can hide it: the question alone, when the policy covers that
                asked = self._assess(self.analyzer.stems(part), audience)
                agreeing = {m.ref.clause.id for m in matches[:AGREEING_TOP]}
                sure = AGREED_COVERED_AT_LEAST if asked[1] and asked[1][0].ref.clause.id in agreeing else (
                    ASKING_PART_COVERED_AT_LEAST
                )
                if asked[2] is not None and coverage.MODEL.probability(asked[2]) >= sure:
                    tokens, matches, evidence = asked
        if len(tokens) >= ASKING_MIN_TOKENS and len(matches) > 1:
            matches = self._weigh_asking_part(question, matches, audience)
        # Whether the policy covers the question is the coverage model's call; which clause answers it is the
        # blend's, among the clauses sharing a specific idea with the question.
        if evidence is None or coverage.MODEL.probability(evidence) < coverage.COVERED_AT_LEAST:
            # One word is a topic ("photos?"), but "report" (or "I want to report something") is a wish to report.
            wants_to_report = any(w.startswith("report") for w in plain)
            if evidence is not None and evidence.score >= ANSWER_THRESHOLD and self._one_word(plain) and not (
                wants_to_report
            ):
                return self._topic(question, audience, matches, safeguarding)
            return self._refusal(question, audience, safeguarding)
        threshold = _threshold(len(tokens))
        best = matches[0]
        chosen = [best] + [
            m
            for m in matches[1:MAX_CITATIONS]
            if m.score >= RUNNER_UP_SHARE * best.score and self._covers(m, threshold)
        ]
        runner = matches[1] if len(matches) > 1 else None
        if (
            runner is not None
            and runner.score >= CLARIFY_SHARE * best.score
            and runner.ref.section.id != best.ref.section.id
            and runner.ref.clause.kind != best.ref.clause.kind
            and self._covers(runner, threshold)
        ):
            return self._clarify(question, audience, best, runner, safeguarding)
        return self._answer(question, audience, chosen, safeguarding)

    def _without_introduction(self, question: str) -> list[str] | None:
        """The question's stems without the asker's role, when the message opens by giving it ("Grandad here.",
        "Supply teacher - ...", "TA here:"): who asks is not what they ask, unless they ask whether the policy covers
        people like them. A job the lexicon does not know ("Office manager here:", "IT technician here.") is an
        introduction too when "here" says so. None when there is no such opening."""
        intro = _INTRODUCTION.match(question)
        if intro is None:
            return None
        role = self.index.tokens_for_stems(self.analyzer.stems(intro.group(1)))
        said_here = _HERE.search(question, intro.end(1), intro.end()) is not None
        if not (role & _ROLES or said_here) or any(t.startswith(CONCEPT_PREFIX) and t not in _ROLES for t in role):
            return None
        rest = self.analyzer.stems(question[intro.end():])
        tokens = self.index.tokens_for_stems(rest)
        if len(tokens) < 2 or CONCEPT_PREFIX + "definition" in tokens:
            return None
        return rest

    def _problem_with(self, question: str) -> str | None:
        text = question.strip() if isinstance(question, str) else ""
        if not text:
            return "Please type a question about the policy, for example: can I post photos from sports day?"
        if _looks_binary(text):
            return "That doesn't look like text I can read. Please type your question in words."
        if len(text) > MAX_QUESTION_CHARS:
            return (
                f"That message is too long for me ({len(text):,} characters). Please ask one short question, "
                f"under {MAX_QUESTION_CHARS:,} characters."
            )
        if _printable_letters(text) == 0:
            return "I can only read words, not emoji or symbols on their own. Please type your question."
        if _mostly_non_latin(text) or _mostly_foreign(text):
            return f"Sorry, I can only answer questions in English for now. Please contact {self.contact_for(None)}."
        return None

    def _one_word(self, plain: list[str]) -> bool:
        """Whether the question is a single specific word (besides greetings before or after it, words like "the",
        and "what is the policy on" before it): a topic, not a question. "Parents?" is no topic (it only names
        people), nor is "parents evening" ("evening" is no greeting in the middle of a question)."""
        framing = _POLICY_ON.match(" ".join(plain))  # "what is the policy on photos?" asks the same as "photos?"
        if framing is not None:
            plain = plain[len(framing.group(0).split()):]
        content = [w for w in plain if w not in STOP_WORDS]
        while content and content[0] in GREETINGS:
            content.pop(0)
        while content and content[-1] in GREETINGS:
            content.pop()
        return len(content) == 1 and not set(self.analyzer.stems(content[0], False)) <= self._not_specific

    def _weigh_asking_part(self, question: str, matches: list[Match], audience: AskerAudience | None) -> list[Match]:
        """The matches re-ranked by how likely each is for the message's asking sentences (see ASKING_WEIGHT). The
        lift is kept apart from the score as the classifier's is, so it never decides whether to answer."""
        part = _asking_part(question)
        if not part:
            return matches
        learned = self.index.classifier.probabilities(self.index.tokens_for_stems(self.analyzer.stems(part)))
        learned.pop(NOT_COVERED, None)
        if not learned:
            return matches
        best = max(learned.values())
        share = {k: v / best for k, v in learned.items()}
        lifted = []
        for m in matches:
            factor = 1.0 + ASKING_WEIGHT * share.get(m.ref.clause.id, 0.0)
            lifted.append(dataclasses.replace(m, score=m.score * factor, lift=m.lift * factor))
        return sorted(lifted, key=lambda m: -m.score)

    def _off_topic_in(self, stems: list[str]) -> list[tuple[str, ...]]:
        """The everyday off-topic phrases the question uses (each once, in order of appearance)."""
        found: list[tuple[str, ...]] = []
        for i, first in enumerate(stems):
            for phrase in self._off_topic_by_first.get(first, ()):
                if tuple(stems[i : i + len(phrase)]) == phrase and phrase not in found:
                    found.append(phrase)
        return found

    def _ranked(
        self,
        tokens: frozenset[str],
        audience: AskerAudience | None,
        off_topic: list[tuple[str, ...]],
        learned: dict[str, float],
        says_about: bool = False,
    ) -> list[Match]:
        """The clauses best first: the engine's score, adjusted for who is asking, what the question asks for and
        everyday matters the clause never mentions, and lifted by the classifier's probability (`learned`)."""
        wanted = _AUDIENCE_OF_ASKER.get(audience or "")
        ranked = []
        asks_consequence = not tokens.isdisjoint(CONSEQUENCE_CONCEPTS)
        for m in self.index.search(tokens, limit=12):
            factor = CONSEQUENCE_BOOST if asks_consequence and m.ref.clause.kind == "sanction" else 1.0
            lift = 1.0 + CLASSIFIER_WEIGHT * learned.get(m.ref.clause.id, 0.0)
            if wanted and m.ref.section.audience not in (wanted, "everyone"):
                # A clause written for the other audience is less likely. The classifier cannot tell who is asking,
                # so it lifts such a clause only when the question names those people: a parent asking in staff
                # words ("pupils") still gets the parents' clause, a parent asking what teachers may do the staff rule.
                # Not when the askers say something about those people themselves (`says_about`): then they are
                # who is talked about, not who acts.
                factor *= AUDIENCE_PENALTY
                if says_about or CONCEPT_PREFIX + _PEOPLE_OF.get(m.ref.section.audience, "?") not in tokens:
                    lift = 1.0
            for phrase in off_topic:
                if not self.index.mentions(m.ref.clause.id, phrase):
                    factor *= OFF_TOPIC_PENALTY
            ranked.append(Match(m.ref, m.score * factor * lift, m.matched, lift, m.example))
        ranked.sort(key=lambda m: -m.score)
        return ranked

    def evidence(self, question: str, audience: AskerAudience | None = None) -> tuple[Evidence, str] | None:
        """How the question meets the policy data, and the clause that would answer it if the policy covers it;
        None for no readable question or one sharing no specific idea with any clause. For fitting the model."""
        if self._problem_with(question) is not None:
            return None
        _, matches, evidence = self._assess(self.analyzer.stems(question), audience)
        return (evidence, matches[0].ref.clause.id) if evidence is not None else None

    def _assess(
        self, stems: list[str], audience: AskerAudience | None
    ) -> tuple[frozenset[str], list[Match], Evidence | None]:
        """The question's tokens; the clauses sharing a specific (not merely framing) idea with it, best first;
        and the evidence for the coverage model, None when there is no such clause."""
        tokens = self.index.tokens_for_stems(stems)
        off_topic = self._off_topic_in(stems) if len(tokens) <= OFF_TOPIC_MAX_TOKENS else []
        learned = self.index.classifier.probabilities(tokens)
        says_about = not _FIRST_PERSON.isdisjoint(stems) and not tokens.isdisjoint(_SAYING_THINGS)
        matches = [m for m in self._ranked(tokens, audience, off_topic, learned, says_about) if self._specific(m)]
        if not matches:
            return tokens, matches, None
        evidence = Evidence(
            score=max(m.score / m.lift for m in matches),
            tokens=len(tokens),
            learned=max(learned.get(m.ref.clause.id, 0.0) for m in matches),
            not_covered=learned.get(NOT_COVERED, 0.0),
            nearest=max(m.example for m in matches),
            unanswered=self.index.not_covered_similarity(tokens),
        )
        return tokens, matches, evidence

    def _covers(self, match: Match, threshold: float = ANSWER_THRESHOLD) -> bool:
        """Enough to be quoted beside the best clause: a good score without the classifier's lift (a softmax over
        the clauses is sure of itself even about clauses a question hardly touches)."""
        return match.score / match.lift >= threshold

    def _specific(self, match: Match) -> bool:
        return bool({t.lstrip(CONCEPT_PREFIX) for t in match.matched} - self._not_specific)

    # --- the replies ---
    def _citation(self, ref: ClauseRef) -> Citation:
        return Citation(ref.policy.title, ref.section.title, ref.clause.id, ref.clause.text, ref.section.id)

    def _answer(
        self, question: str, audience: AskerAudience | None, chosen: list[Match], safeguarding: bool
    ) -> Answer:
        best = chosen[0].ref
        lead = f"The {best.policy.title} covers this under \u201c{best.section.title}\u201d. It says:"
        lines = [lead]
        if best.clause.lead_in:  # an item of a list: first the words that introduce the list, so it reads in context
            lines.append(f"\u201c{readable(self.library.clause(best.clause.lead_in).clause.text)}\u201d")
        lines.append(f"\u201c{readable(best.clause.text)}\u201d")
        # The words introducing a list ("The purpose of this policy is to:") say nothing without the list.
        lines += [f"\u2022 \u201c{readable(item.clause.text)}\u201d" for item in self.library.items(best.clause.id)]
        if reach := self._reach(best.clause.contacts):
            lines.append(f"You can reach {reach}.")
        if len(chosen) > 1:
            lines.append("Other parts of the policy that may help are quoted below.")
        if safeguarding:
            lines.append(self._safeguarding_line(audience))
        return Answer(
            question, True, "\n".join(lines), "answer", [self._citation(m.ref) for m in chosen],
            self.contact_for(audience, safeguarding),
        )

    def _safeguarding_line(self, audience: AskerAudience | None) -> str:
        return (
            f"If you are worried a child may be at risk, please tell {self.contact_for(audience, True)} "
            "today. If a child is in immediate danger, call 999."
        )

    def _clarify(
        self, question: str, audience: AskerAudience | None, best: Match, runner: Match, safeguarding: bool
    ) -> Answer:
        a, b = best.ref.section.title, runner.ref.section.title
        text = (
            f"Two parts of the policy could answer that: \u201c{a}\u201d and \u201c{b}\u201d. Both are quoted "
            "below; if neither is what you meant, please ask again with a few more words."
        )
        if safeguarding:
            text += "\n" + self._safeguarding_line(audience)
        return Answer(
            question, True, text, "clarify", [self._citation(best.ref), self._citation(runner.ref)],
            self.contact_for(audience, safeguarding),
        )

    def _topic(
        self, question: str, audience: AskerAudience | None, matches: list[Match], safeguarding: bool
    ) -> Answer:
        """The parts of the policy using the question's one word, one clause per section, and a request for a
        whole question: the model would not call any of them the answer."""
        chosen: list[Match] = []
        for m in matches:
            if len(chosen) < MAX_CITATIONS and all(c.ref.section.id != m.ref.section.id for c in chosen):
                chosen.append(m)
        titles = [f"\u201c{m.ref.section.title}\u201d" for m in chosen]
        named = and_list(titles)
        text = (
            f"The {chosen[0].ref.policy.title} talks about that in {named}, quoted below. For an exact answer, "
            "please ask a whole question, for example: \u201cCan I \u2026?\u201d or \u201cWhat should I do if "
            "\u2026?\u201d"
        )
        if safeguarding:
            text += "\n" + self._safeguarding_line(audience)
        return Answer(
            question, False, text, "topic", [self._citation(m.ref) for m in chosen],
            self.contact_for(audience, safeguarding),
        )

    def _refusal(self, question: str, audience: AskerAudience | None, safeguarding: bool) -> Answer:
        contact = self.contact_for(audience, safeguarding)
        text = f"The policy doesn't cover that, so I can't answer it from the policy. Please ask {contact}."
        if safeguarding:
            text += " If a child is in immediate danger, call 999."
        return Answer(question, False, text, "refuse", [], contact)

    def _told_of_harm(self, question: str, audience: AskerAudience | None) -> Answer:
        contact = self.contact_for(audience, True)
        text = (
            "I'm sorry to hear that. If a child is in immediate danger, call 999. Please tell the school: you can "
            "report it here, anonymously if you wish, and it goes straight to the school's safeguarding team; or "
            f"contact {contact}."
        )
        return Answer(question, False, text, "refuse", [], contact, report=True)

    def _offer_report(self, reply: Answer, audience: AskerAudience | None, first: bool = False) -> Answer:
        """A message about a concern also gets the way to report it to the school, anonymously; the adapter adds
        the button or command. When the policy has no answer, that way is the reply (and points to the DSLs).
        `first`: the message reads as harm to a child, or an adult in touch with one: the way to report it, the DSLs
        and 999 come before what the policy says (unless the clause quoted says what to do, and 999, itself)."""
        if first and reply.outcome != "refuse":
            # the safeguarding line the answer ends with says what the lead-in below says
            reply = dataclasses.replace(
                reply, text=reply.text.replace("\n" + self._safeguarding_line(audience), "")
            )
        if reply.outcome == "refuse" or first:
            contact = self.contact_for(audience, True)
            if reply.outcome == "refuse":
                text = (
                    "The policy doesn't answer that, but if you have a concern you can report it here, anonymously "
                    f"if you wish, and it goes straight to the school's safeguarding team. Or contact {contact}. If "
                    "a child is in immediate danger, call 999."
                )
            else:
                text = (
                    "If a child is in immediate danger, call 999. If you are worried about a child, you can report "
                    "it here, anonymously if you wish, and it goes straight to the school's safeguarding team; or "
                    f"contact {contact}.\n" + reply.text
                )
            return dataclasses.replace(reply, text=text, contact=contact, report=True)
        text = reply.text + "\nTo raise a concern with the school, you can report it here, anonymously if you wish."
        return dataclasses.replace(reply, text=text, report=True)

    def _greeting(self, plain: list[str]) -> str:
        """A reply in kind: thanks get "you're welcome", goodbye a goodbye, hello (or "ok") a hello and a hint."""
        said = set(plain)
        if said & _THANKS:
            return "You're welcome! Ask me anything else about the policy whenever you like."
        if said & _GOODBYES:
            return "Goodbye, and thank you for asking."
        return (
            "Hello! Ask me anything about the school's Social Media Policy, in your own words, for example: "
            "\u201cCan I post photos from sports day?\u201d"
        )
