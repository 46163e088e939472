"""Turning free text into comparable tokens: fold, split, light stemming, stop words, typo correction.

Everything the question answerer compares goes through `words()` then `stem()`, the questions people type and
the policy data alike, so both sides always agree.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Iterable

from bot.qa.lexicon import ASKING_WORDS

_APOSTROPHES = str.maketrans({"\u2019": "'", "\u2018": "'", "`": "'", "\u00b4": "'"})
_WORD = re.compile(r"[a-z0-9]+(?:'[a-z]+)?")
_CONTRACTIONS = {
    "can't": ["can", "not"],
    "cannot": ["can", "not"],
    "won't": ["will", "not"],
    "shan't": ["shall", "not"],
    "i'm": ["i", "am"],
    "it's": ["it", "is"],
    "what's": ["what", "is"],
    "who's": ["who", "is"],
    "that's": ["that", "is"],
    "there's": ["there", "is"],
    "let's": ["let", "us"],
}
# Text speak for words people type in full just as often ("cn u giv me ur fone numba"). Most are too short for the
# typo corrector (it never touches a word under five letters), and unread they would count as words the policy never
# uses, against every clause. "2" and "4" stand for "to" and "for" once a year group ("Year 4") is taken out.
_TEXT_SPEAK = {
    "cn": "can", "hw": "how", "hav": "have", "hv": "have", "giv": "give", "gimme": "give me", "fone": "phone",
    "fones": "phones", "skool": "school", "skul": "school", "scool": "school", "skl": "school", "wiv": "with",
    "wif": "with", "wth": "with", "shud": "should", "shld": "should", "cud": "could", "wud": "would",
    "wen": "when", "b4": "before", "2": "to", "4": "for", "b": "be", "c": "see", "n": "and", "y": "why",
    "m8": "mate", "m8s": "mates", "dat": "that", "dis": "this", "dey": "they", "dem": "them", "tru": "true",
    "numba": "number", "numbr": "number", "frend": "friend", "frends": "friends", "frendz": "friends",
    "frnd": "friend", "frnds": "friends", "msg": "message", "msgs": "messages", "txt": "text", "txts": "texts",
    "ppl": "people", "pple": "people", "sum1": "someone", "some1": "someone", "any1": "anyone", "ne1": "anyone",
    "every1": "everyone", "evry1": "everyone", "iz": "is", "gud": "good", "luk": "look", "tchr": "teacher",
    "tchrs": "teachers", "kidz": "kids", "pix": "pictures", "thru": "through", "abt": "about", "dnt": "dont",
    "wats": "what is", "thier": "their", "2day": "today", "2moro": "tomorrow", "tmrw": "tomorrow", "ov": "of",
}
_TEXT_SPEAK_WORDS = {short: full.split() for short, full in _TEXT_SPEAK.items()}

STOP_WORDS = frozenset(
    """
    a about above after again all am an and any anyone anything are aren as at be because been being both but
    by can could did do does doing done dont don down during each else etc even ever every for from further get
    gets getting go going got had has have having he her here hers herself him himself his how i id if im in
    into is isn it its itself ive just let like ll me might mine more most much must my myself need needs no
    nor not now of off often ok okay on once only or other our ours ourselves out over own per please re really
    s same say says shall she should shouldnt so some someone something such t than that the their theirs them
    themselves then there these they this those though through to too under until up us ve very via want
    wants was wasnt we were what whats when where whether which while who whom whose why will with would
    wouldnt yet you your yours yourself yourselves allowed allow alright fine right okey pls plz u ur im
    hi hey hello thanks thank cheers thx ta yes yeah yep also actually basically still already
    goes went gone come comes came coming leave
    today tomorrow tonight yesterday
    gonna wanna gotta cos coz cuz bc tho wot wat bout abt r q pls plz
    lol lmao haha hahaha omg omfg tbh btw idk imo imho fyi xx xxx hun hiya ya yh ty tysm
    """.split()
)


def fold(text: str) -> str:
    """Lower case, curly quotes straightened, accents removed: 'Café’s' -> "cafe's"."""
    text = text.translate(_APOSTROPHES)
    if text.isascii():  # nearly always: nothing to strip
        return text.lower()
    text = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in text if not unicodedata.combining(ch)).lower()


def words(text: str) -> list[str]:
    """Folded words with contractions opened, text speak spelt out ("cn" -> "can") and possessive 's dropped;
    hyphens and slashes split words."""
    out: list[str] = []
    for word in _WORD.findall(fold(text)):
        if word in _CONTRACTIONS:
            out += _CONTRACTIONS[word]
        elif word in _TEXT_SPEAK_WORDS:
            out += _TEXT_SPEAK_WORDS[word]
        elif word.endswith("n't"):
            out += [word[:-3], "not"]
        elif "'" in word:
            out.append(word.split("'", 1)[0])
        else:
            out.append(word)
    return out


def asks(text: str) -> bool:
    """Whether a sentence asks something: it has a question mark, or opens with "can", "what", "should"..."""
    first = words(text)[:1]
    return "?" in text or bool(first) and first[0] in ASKING_WORDS


_VOWELS = set("aeiou")
_KEEP_S = ("ss", "us", "is", "ous")
_IRREGULAR = {
    "using": "us", "used": "us", "uses": "us", "use": "us", "children": "child", "kids": "kid", "happened": "happened",
}


@functools.lru_cache(maxsize=65536)
def stem(word: str) -> str:
    """A deliberately light stemmer: plurals, -ing, -ed, -ly and a final -e, so 'posting', 'posts', 'posted'
    and 'post' agree. Over-stemming is harmless as long as both sides use the same function."""
    w = word
    if w in _IRREGULAR:
        return _IRREGULAR[w]
    if len(w) <= 3 or w.isdigit():
        return w
    if w.endswith("ies") and len(w) > 4:
        w = w[:-3] + "y"
    elif w.endswith("sses"):
        w = w[:-2]
    elif w.endswith("s") and not w.endswith(_KEEP_S):
        w = w[:-1]
    for suffix in ("ingly", "edly", "ing", "ed"):
        if w.endswith(suffix) and len(w) - len(suffix) >= 3 and set(w[: -len(suffix)]) & _VOWELS:
            w = w[: -len(suffix)]
            if len(w) > 3 and w[-1] == w[-2] and w[-1] not in "lsz":
                w = w[:-1]  # posting -> post, blogging -> blog
            break
    else:
        if w.endswith("ly") and len(w) > 5:
            w = w[:-2]
    if w.endswith("y") and len(w) > 3 and w[-2] not in _VOWELS:
        w = w[:-1] + "i"
    if w.endswith("e") and len(w) > 3:
        w = w[:-1]
    return w


def damerau_levenshtein(a: str, b: str, limit: int = 3) -> int:
    """Optimal string alignment distance, giving up early (returning limit + 1) once it exceeds `limit`."""
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    prev2: list[int] = []
    prev = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        cur = [i] + [0] * len(b)
        for j, cb in enumerate(b, 1):
            cost = 0 if ca == cb else 1
            cur[j] = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost)
            if i > 1 and j > 1 and ca == b[j - 2] and a[i - 2] == cb:
                cur[j] = min(cur[j], prev2[j - 2] + 1)
        if min(cur) > limit:
            return limit + 1
        prev2, prev = prev, cur
    return prev[-1]


def _deletes(word: str) -> set[str]:
    return {word[:i] + word[i + 1 :] for i in range(len(word))}


# Shorter words are too often a real word we do not know ("come" is not a typo of "code").
MIN_TYPO_LENGTH = 5


class SpellingCorrector:
    """Typo tolerance against a known vocabulary (SymSpell-style: precomputed one-letter deletions).

    A word of 5+ letters that is not in the vocabulary is replaced by the most frequent vocabulary word within
    one edit (two for words of 8+ letters); shorter words and real words we know are left alone.
    """

    def __init__(self, vocabulary: dict[str, int], protected: Iterable[str] = ()) -> None:
        self._frequency = dict(vocabulary)
        self._protected = frozenset(protected)
        self._by_delete: dict[str, list[str]] = {}
        for word in self._frequency:
            for variant in _deletes(word) | {word}:
                self._by_delete.setdefault(variant, []).append(word)

    def __contains__(self, word: str) -> bool:
        return word in self._frequency

    def correct(self, word: str) -> str | None:
        """The vocabulary word meant by `word`, or None when there is no close enough one."""
        if word in self._frequency:
            return word
        if len(word) < MIN_TYPO_LENGTH or word in self._protected or word.isdigit():
            return None
        limit = 2 if len(word) >= 8 else 1
        candidates: set[str] = set()
        for variant in _deletes(word) | {word}:
            candidates.update(self._by_delete.get(variant, ()))
        best: tuple[int, int, str] | None = None
        for candidate in candidates:
            if candidate[0] != word[0]:
                continue  # real words one letter from a policy word mostly differ first: skill/kill, sorry/worry
            distance = damerau_levenshtein(word, candidate, limit)
            if distance <= limit:
                key = (distance, -self._frequency[candidate], candidate)
                best = key if best is None or key < best else best
        return best[2] if best else None
