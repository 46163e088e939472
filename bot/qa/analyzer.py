"""From text to the tokens the index compares: words, typo correction, light stemming, lexicon concepts.

A token is either a stem ("photograph" -> "photograph") or a concept ("#image", from the lexicon in
`bot.qa.lexicon`). A phrase in the lexicon ("social media", "friend request") yields its concept; its words
also stay as stems (minus stop words), so an exact wording still counts a little more than a synonym.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Mapping
from functools import cached_property
from typing import Any

from bot.qa.lexicon import ALSO_MEANS, CONCEPTS, GREETINGS, OFF_TOPIC
from bot.qa.text import STOP_WORDS, SpellingCorrector, fold, stem, words

CONCEPT_PREFIX = "#"
# Everyday words near a policy word that must not be "corrected" into it ("pick" is not "pic").
_NOT_TYPOS = frozenset(
    """
    pick picks time times fridays friday monday tuesday wednesday thursday saturday sunday week weeks today
    late early start finish open close closes opens gate gates club clubs after before morning hometime
    child's kids' lost found jumper coat coats bag bags water bottle food fruit snack snacks milk lunchbox
    teach teaches taught learn lesson lessons book books read spell spells count sum sums test tests mark marks
    fine fines form forms pay paid cost costs money cash card cards bank price prices
    """.split()
)


_PROTECTED = STOP_WORDS | GREETINGS | OFF_TOPIC | _NOT_TYPOS  # real words, never "corrected"


def _form_stems(form: str) -> tuple[str, ...]:
    return tuple(stem(w) for w in words(form))


class Analyzer:
    """Turns a question or a piece of policy data into tokens. Build once per library (it holds the
    vocabulary for typo correction) and share it between the index and the questions."""

    def __init__(self, frequency: Mapping[str, int]) -> None:
        """`frequency`: the policy data's words and how often each occurs (`new_vocabulary`, then `count_words`
        for each text), the vocabulary typos are corrected into."""
        self._phrases: dict[tuple[str, ...], tuple[str, ...]] = {}
        for concept, forms in CONCEPTS.items():
            for form in (concept.replace("_", " "), *forms):
                key = _form_stems(form)
                if key:
                    also = tuple(CONCEPT_PREFIX + other for other in ALSO_MEANS.get(form, ()))
                    self._phrases.setdefault(key, (CONCEPT_PREFIX + concept, *also))
        # The phrases as a trie of stems (a concept under the key "" where a phrase ends): a text is scanned in one
        # dictionary step per word, however many phrases start with it (start-up scans every example this way).
        self._trie: dict[str, Any] = {}
        for key, concepts in self._phrases.items():
            node = self._trie
            for part in key:
                node = node.setdefault(part, {})
            node[""] = concepts
        self.frequency: dict[str, int] = dict(frequency)
        self.known_words: frozenset[str] = frozenset(self.frequency) | _PROTECTED
        self._corrections: dict[str, str | None] = {}

    @cached_property
    def _corrector(self) -> SpellingCorrector:
        """Built at the first unknown word: a question in the policy's own words never needs it."""
        # Stop words of five letters or more are in it too: "shoud" is "should" (not "shout"), "becuase" "because",
        # and so left out as they are, instead of counting as a word the policy never uses.
        vocabulary = {w: n for w, n in self.frequency.items() if len(w) >= 5 or (len(w) == 4 and w not in STOP_WORDS)}
        return SpellingCorrector(vocabulary, _PROTECTED)

    def correct(self, word: str) -> str:
        """`word`, or the vocabulary word it is a typo of. Four-letter words only by a swap or a substitution."""
        if word in self.known_words or not word.isalpha():
            return word
        if word in self._corrections:
            return self._corrections[word] or word
        fixed = self._corrector.correct(word)
        if fixed is not None and len(word) == 4 and len(fixed) != 4:
            fixed = None
        if len(self._corrections) < 50_000:
            self._corrections[word] = fixed
        return fixed or word

    def stems(self, text: str, correct: bool = True) -> list[str]:
        """Every word, typo-corrected (questions only) and stemmed, stop words kept (phrases need them)."""
        ws = split(text)
        if correct:
            ws = [self.correct(w) for w in self._without_names(ws)]
        return [stem(w) for w in ws]

    def _without_names(self, ws: list[str]) -> list[str]:
        """The words without people's names ("mrs jones", "miss patel"): a name says nothing about the policy,
        and would otherwise be "corrected" into a policy word ("jones" -> "jokes")."""
        return [w for i, w in enumerate(ws) if not (i and ws[i - 1] in _TITLES and w not in self.known_words)]

    def tokens_from_stems(self, stems: list[str], keep: Callable[[str], bool] | None = None) -> list[str]:
        """Concepts and stems. `keep` decides whether a word inside a matched phrase also stays as itself
        (the index keeps only words the policy uses, so a synonym it does not know adds no unknown weight)."""
        out: list[str] = []
        i = 0
        n = len(stems)
        trie = self._trie
        while i < n:
            concepts, matched = None, 0
            node = trie.get(stems[i])
            j = i + 1
            while node is not None:
                if "" in node:
                    concepts, matched = node[""], j - i  # the longest phrase starting here wins
                if j == n:
                    break
                node = node.get(stems[j])
                j += 1
            if concepts is None:
                if stems[i] not in _STOP_STEMS:
                    out.append(stems[i])
                i += 1
                continue
            out.extend(concepts)
            out.extend(s for s in stems[i : i + matched] if s not in _STOP_STEMS and (keep is None or keep(s)))
            i += matched
        return out

    def tokens(self, text: str, correct: bool = True, keep: Callable[[str], bool] | None = None) -> list[str]:
        return self.tokens_from_stems(self.stems(text, correct), keep)


# What a polite message wraps a question in, and which says nothing about it: "Dear office, ...", "Good morning,
# ...", "... Kind regards, Sam"; and a child's year group ("my son in Year 4"), which no part of the policy turns on.
_SALUTATION = re.compile(
    r"^\s*(?:(?:dear\b[^,.!?:;\n]{0,40}[,.!:;\n-]+"  # "Dear Sir or Madam," up to its comma
    r"|(?:hello|hi|hiya|hey|good\s+(?:morning|afternoon|evening|day))\b"  # "Hi there!", "Good morning all -"
    r"(?:\s+(?:there|all|everyone|team|again|office|sir|madam))?\s*[,.!:;\n-]*)\s*)+",
    re.IGNORECASE,
)
_SIGN_OFF = re.compile(r"[\s,.!]*\b(?:kind regards|best regards|best wishes|many thanks|thanks in advance)\b.*$",
                       re.IGNORECASE | re.DOTALL)
_YEAR_GROUP = re.compile(r"\b(?:year|yr|y)\s?(?:[1-6]|one|two|three|four|five|six)\b", re.IGNORECASE)
# Who told the asker what they ask about ("my friend says the school can't do anything", "a colleague said ...", "I've
# heard ..."): the teller is no part of the question, and "friend" or "colleague" would read as befriending or as
# pictures of colleagues.
_HEARSAY = re.compile(
    r"\b(?:(?:(?:my|a|one of my|our)\s+(?:friend|mate|sister|brother|husband|wife|partner|other half|neighbour|"
    r"colleague)s?(?:\s+of mine)?|some(?:one|body))\s+(?:(?:has\s+)?told\s+me|tells\s+me|says|said|reckons|thinks)"
    r"|i(?:'?ve|\s+have)?\s+heard(?!\s+(?:it|from|about|this|rumou?rs?)\b)|i\s+was\s+told|apparently)\b(?:\s+that\b)?"
)


# Words that press for an answer, or soften the asking, and say nothing of what is asked: "yes or no?", "full stop",
# "honestly", "in a nutshell", "just wondering".
_FILLER = re.compile(
    r"\b(?:full stop|yes or no|straight answer|simple question|quick question|in a nutshell|(?:to )?be honest|honestly"
    r"|out of interest|(?:just |i was |i'm |i am )?wondering|in plain english|simply put)\b"
)
# Each with words one of which a text must hold for a search to be worth it: searched for in every question, they
# cost some 40 microseconds on a long message; the check, about one.
_SAID_NOTHING = (
    (_HEARSAY, ("said", "says", "told", "tells", "reckons", "thinks", "heard", "apparently")),
    (_FILLER, ("stop", "yes or no", "straight answer", "question", "nutshell", "honest", "interest", "wondering",
               "plain english", "simply put")),
)


def new_vocabulary() -> Counter[str]:
    """The vocabulary typos are corrected into, before any policy text is counted in: the lexicon's own words."""
    frequency: Counter[str] = Counter()
    for forms in CONCEPTS.values():
        for form in forms:
            frequency.update(w for w in words(form) if w.isalpha())
    return frequency


def count_words(frequency: Counter[str], ws: list[str]) -> None:
    """Count a policy text's words (`split`) into the vocabulary; a name after a title ("Mrs Jones" in an example)
    is no policy word."""
    frequency.update(w for i, w in enumerate(ws) if w.isalpha() and not (i and ws[i - 1] in _TITLES))


def split(text: str) -> list[str]:
    """A text's words, without the pleasantries around a question."""
    text = fold(_YEAR_GROUP.sub(" ", _SIGN_OFF.sub("", _SALUTATION.sub("", text))))
    for said_nothing, cues in _SAID_NOTHING:
        if any(cue in text for cue in cues):
            text = said_nothing.sub(" ", text)
    return words(text)


_STOP_STEMS = frozenset(stem(w) for w in STOP_WORDS) | STOP_WORDS
_TITLES = frozenset({"mr", "mrs", "ms", "miss", "mx", "dr", "sir"})
