"""The clause index: which clause a question is about, scored from the clause's own words, its topics and the
example questions people ask about it.

Each clause is compared with a question two ways, both weighted by how much a token tells which clause is meant
(see `focus_weights`: "password" points to one clause, "teacher" to none in particular):
- against its *example questions* (nearest example, cosine): the way people actually ask;
- against its *text and topics* (how much of the question they cover): the way the policy says it.
A token the policy never uses still weighs in the question's total, so a question about school dinners that
happens to mention "children" scores low everywhere and is refused.
A small learned classifier (`bot.qa.classifier`) is trained from the same examples and topics when the index is
built; the answerer blends its opinion into the ranking. Questions the policy data lists as `not_covered` are kept
the same way, so the answerer can tell how near a question is to one the policy does not answer (and the classifier
learns them as one more label).
"""

from __future__ import annotations

import math
import re
import sys
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from bot.policy.loader import ClauseRef, PolicyLibrary
from bot.qa import cache
from bot.qa.analyzer import CONCEPT_PREFIX, Analyzer, count_words, new_vocabulary, split
from bot.qa.classifier import ClauseClassifier
from bot.qa.lexicon import BEFRIENDING_WORDS
from bot.qa.text import stem

EXAMPLE_WEIGHT = 0.5  # share of the score from the nearest example question
UNION_WEIGHT = 0.2  # share from how much of the question all its examples together cover; the rest from text
NOT_COVERED = "(not covered)"  # the classifier's label for questions no policy answers
# A token used all over the policy, like "school" or "#social", weighs little, yet it is in thousands of example
# questions: the dot products with the examples skip a token whose squared weight is below this, or below this share
# of the question's total (3 of 8,715 held-out examples answered differently; a fifth of the answers' time saved).
NEGLIGIBLE_WEIGHT = 0.001
NEGLIGIBLE_SHARE = 0.0075
UNKNOWN_WEIGHT_FACTOR = 0.73  # a word the policy never uses counts as this share of a one-clause word's weight
# What a question asks to do says more about whether the policy covers it than where it happens: "on the residential
# the kids want me to follow them" is no "how much is the residential?", though the policy data's many questions
# about residentials share its weightiest word. In the likeness to the questions the policy does not cover, asking
# to befriend weighs this many times its weight (at 2, crossval and the holdouts unchanged; at 3, one fewer unseen
# out-of-scope question refused; weighing every action, posting and messaging too, refused 3-6 fewer in crossval).
BEFRIENDING = CONCEPT_PREFIX + "friend"
BEFRIENDING_FACTOR = 2.0
_BEFRIENDING_STEMS = frozenset(map(stem, BEFRIENDING_WORDS))


@dataclass(frozen=True)
class Match:
    ref: ClauseRef
    score: float
    matched: frozenset[str]  # the question's tokens this clause shares
    lift: float = 1.0  # how much of `score` the learned classifier added (a factor), so refusal can ignore it
    example: float = 0.0  # cosine similarity of the question to this clause's nearest example question


@dataclass
class _Entry:
    ref: ClauseRef
    fields: frozenset[str]  # text and topics
    everything: frozenset[str]  # every token of its text, topics and examples


class ClauseIndex:
    def __init__(self, library: PolicyLibrary, cache_file: Path | None = None) -> None:
        """`cache_file`: where to keep the tokenised policy data between runs (see `bot.qa.cache`), or None."""
        refs = library.clauses()
        fingerprint = cache.fingerprint(library) if cache_file else ""
        compiled = self._tokenise(refs, cache_file, fingerprint)
        documents: list[tuple[ClauseRef, frozenset[str], list[frozenset[str]]]] = []
        training: dict[str, list[frozenset[str]]] = {}
        self.vocabulary: dict[str, frozenset[str]] = {}
        self.stem_lines: dict[str, str] = {}
        self._mentioned: dict[tuple[str, tuple[str, ...]], bool] = {}
        for ref, data in zip(refs, compiled["clauses"], strict=True):
            fields = _token_set(data["fields"])
            examples = [_token_set(e) for e in data["examples"]]
            topics = [_token_set(t) for t in data["topics"]]
            documents.append((ref, fields, examples))
            training[ref.clause.id] = [t for t in (*examples, *topics) if t]
            self.stem_lines[ref.clause.id] = data["stem_lines"]
            self.vocabulary[ref.clause.id] = _token_set(data["stem_lines"])
        self.weights = focus_weights([(fields, examples) for _, fields, examples in documents])
        self.unknown_weight = UNKNOWN_WEIGHT_FACTOR * math.log(max(len(refs), 2))
        self._entries = [_Entry(ref, fields, fields.union(*examples)) for ref, fields, examples in documents]
        self._postings(documents)
        # Questions the policies do not answer, in the same weighting (so tokenised once the weights are known).
        self._not_covered = library.not_covered()
        if "not_covered" not in compiled or len(compiled["not_covered"]) != len(self._not_covered):
            compiled["not_covered"] = [" ".join(sorted(self.question_tokens(q))) for q in self._not_covered]
            if cache_file:
                cache.save(cache_file, fingerprint, compiled)
        not_covered = [tokens for tokens in map(_token_set, compiled["not_covered"]) if tokens]
        self._in_not_covered, self._not_covered_count = self._numbered(not_covered), len(not_covered)
        if not_covered:
            training[NOT_COVERED] = not_covered
        self.classifier = ClauseClassifier(training)

    def _tokenise(self, refs: list[ClauseRef], cache_file: Path | None, fingerprint: str) -> cache.Compiled:
        """Every clause's tokens, from the kept copy when it was made from this very data and code; and the
        analyzer for questions, with the vocabulary typos are corrected into."""
        compiled = cache.load(cache_file, fingerprint) if cache_file else None
        if compiled is not None and len(compiled["clauses"]) == len(refs):
            self.analyzer = Analyzer(compiled["frequency"])
            return compiled
        # Each text split into words once: counted for the typo corrector's vocabulary, and stemmed.
        frequency = new_vocabulary()
        stemmed: dict[str, list[str]] = {}
        for ref in refs:
            for text in (ref.clause.text, *ref.clause.topics, *ref.clause.examples, ref.section.title):
                ws = split(text)
                count_words(frequency, ws)
                stemmed[text] = [stem(w) for w in ws]
        self.analyzer = Analyzer(frequency)
        return {"frequency": self.analyzer.frequency, "clauses": [self._compile(ref, stemmed) for ref in refs]}

    def _compile(self, ref: ClauseRef, stemmed: dict[str, list[str]]) -> cache.CompiledClause:
        """A clause's text, topics and examples as tokens for matching (a line of tokens each), and as lines of
        stems to find a phrase in its own word order. This is most of the start-up time, hence the cache."""
        fields = self.analyzer.tokens(" . ".join((ref.clause.text, ref.section.title, *ref.clause.topics)), False)
        text_stems = stemmed[ref.clause.text]
        topic_stems = [stemmed[t] for t in ref.clause.topics]
        example_stems = [stemmed[e] for e in ref.clause.examples]
        return {
            "fields": " ".join(sorted(set(fields))),
            "examples": [" ".join(sorted(set(self.analyzer.tokens_from_stems(e)))) for e in example_stems],
            "topics": [" ".join(sorted(set(self.analyzer.tokens_from_stems(t)))) for t in topic_stems],
            "stem_lines": "\n".join(" ".join(line) for line in (text_stems, *topic_stems, *example_stems)),
        }

    def weight(self, token: str) -> float:
        return self.weights.get(token, self.unknown_weight)

    def question_tokens(self, question: str) -> frozenset[str]:
        return self.tokens_for_stems(self.analyzer.stems(question))

    def tokens_for_stems(self, stems: list[str]) -> frozenset[str]:
        """A question's tokens from its (typo-corrected) stems; synonyms the policy never uses add no weight."""
        return frozenset(self.analyzer.tokens_from_stems(stems, self.weights.__contains__))

    def mentions(self, clause_id: str, phrase: tuple[str, ...]) -> bool:
        """Whether the clause's text, topics or examples use this phrase of stems, in this order."""
        if len(phrase) == 1:
            return phrase[0] in self.vocabulary[clause_id]
        key = (clause_id, phrase)
        found = self._mentioned.get(key)
        if found is None:  # a search through all the clause's examples: done once per clause and phrase
            pattern = r"(?:^| )" + re.escape(" ".join(phrase)) + r"(?: |$)"
            found = self._mentioned[key] = re.search(pattern, self.stem_lines[clause_id], re.M) is not None
        return found

    def _postings(self, documents: list[tuple[ClauseRef, frozenset[str], list[frozenset[str]]]]) -> None:
        """Token -> where it occurs, so a search touches only the clauses and examples sharing a token."""
        # Examples are numbered across all clauses, clause by clause: each clause's examples are one slice of the
        # numbers (see `search`). The examples' token sets themselves are not kept: a search needs only these.
        examples: list[frozenset[str]] = []
        self._example_slices: list[tuple[int, int]] = []
        self._in_fields: dict[str, list[int]] = {}
        self._in_everything: dict[str, list[int]] = {}
        for i, (entry, (_, _, clause_examples)) in enumerate(zip(self._entries, documents, strict=True)):
            start = len(examples)
            examples += [example for example in clause_examples if example]
            self._example_slices.append((start, len(examples)))
            for token in entry.fields:
                self._in_fields.setdefault(token, []).append(i)
            for token in entry.everything:
                self._in_everything.setdefault(token, []).append(i)
        self._in_examples, self._example_count = self._numbered(examples), len(examples)

    def _numbered(self, token_sets: list[frozenset[str]]) -> dict[str, tuple[list[int], list[float]]]:
        """Token -> the numbers of the sets holding it, and each such set's 1/norm: all `_cosines` needs."""
        squared = self._weights(frozenset().union(*token_sets))
        inverse_norms = [1.0 / math.sqrt(sum(map(squared.__getitem__, tokens))) for tokens in token_sets]
        numbers: dict[str, list[int]] = {}
        for number, tokens in enumerate(token_sets):
            for token in tokens:
                numbers.setdefault(token, []).append(number)
        # Each 1/norm is the same float object in every list it is in: a pointer each, not a copy.
        return {token: (ns, [inverse_norms[n] for n in ns]) for token, ns in numbers.items()}

    def contradictions(self) -> list[tuple[str, str, str]]:
        """(not-covered question, clause id, example) where the two read the same to the answerer: the same words
        once stop words, plurals and synonyms are folded. The answerer cannot tell such a pair apart."""
        examples: dict[frozenset[str], tuple[str, str]] = {}
        for entry in self._entries:
            for example in entry.ref.clause.examples:
                examples.setdefault(self.question_tokens(example), (entry.ref.clause.id, example))
        found = []
        for question in self._not_covered:
            match = examples.get(self.question_tokens(question))
            if match is not None:
                found.append((question, *match))
        return found

    def not_covered_similarity(self, tokens: frozenset[str]) -> float:
        """Cosine similarity of the question to the nearest known question that no policy answers."""
        if not tokens:
            return 0.0
        weights = self._weights(tokens)
        mass = sum(weights.values())
        if BEFRIENDING in weights and not tokens.isdisjoint(_BEFRIENDING_STEMS):
            # the question's side of the cosine only: its weight in each dot product, its square in the norm
            mass += (BEFRIENDING_FACTOR**2 - 1) * weights[BEFRIENDING]
            weights[BEFRIENDING] *= BEFRIENDING_FACTOR
        return max(_cosines(self._in_not_covered, self._not_covered_count, weights), default=0.0) / math.sqrt(mass)

    def _weights(self, tokens: frozenset[str]) -> dict[str, float]:
        """Each token's squared weight: a question's side of every cosine here."""
        return {t: self.weight(t) ** 2 for t in tokens}

    def search(self, tokens: frozenset[str], limit: int = 10) -> list[Match]:
        """Clauses best first, each scored in [0, 1]."""
        if not tokens:
            return []
        weights = self._weights(tokens)
        q_mass = sum(weights.values())
        q_norm = math.sqrt(q_mass)
        # Each example's cosine, scaled by the question's norm (the same for all), then the best per clause: examples
        # are numbered clause by clause, so each clause's are one slice (compared in C, not a loop).
        scaled = _cosines(self._in_examples, self._example_count, weights)
        best_example: dict[int, float] = {}
        for i, (start, end) in enumerate(self._example_slices):
            if end > start:
                nearest = max(scaled[start:end])
                if nearest > 0.0:
                    best_example[i] = nearest / q_norm
        # How much of the question's weight each clause's text and topics hold, and its text, topics and examples
        # together: the same dot products over the clauses' own token sets.
        field_dot = _dots(self._in_fields, len(self._entries), weights)
        union_dot = _dots(self._in_everything, len(self._entries), weights)
        scores = {
            i: EXAMPLE_WEIGHT * best_example.get(i, 0.0)
            + UNION_WEIGHT * union / q_mass
            + (1 - EXAMPLE_WEIGHT - UNION_WEIGHT) * field_dot[i] / q_mass
            for i, union in enumerate(union_dot)
            if union > 0.0
        }
        ranked = sorted(scores, key=lambda i: (-scores[i], self._entries[i].ref.clause.id))[:limit]
        return [
            Match(
                self._entries[i].ref,
                scores[i],
                tokens & self._entries[i].everything,
                example=best_example.get(i, 0.0),
            )
            for i in ranked
        ]


def focus_weights(clauses: list[tuple[frozenset[str], list[frozenset[str]]]]) -> dict[str, float]:
    """Each token's weight: how much seeing it in a question narrows down which clause is meant, from
    `clauses` (each clause's text-and-topics tokens and its example questions' tokens).

    A token's share of a clause is the fraction of the clause's texts (its text and topics as one, and each example)
    holding it; spread over the clauses in proportion to those shares, the token weighs ln(number of clauses) minus
    the entropy of that spread: ln(n) for a token of one clause, 0 for one used evenly by all. Plain inverse document
    frequency would count only how many clauses use a token at all, and with thousands of example questions a few
    stray ones put most words in most clauses ("friend" is in 41 clauses' examples, but mostly in two clauses').
    A token never weighs less than its inverse document frequency, though (always above 0): in a small policy whose
    every clause uses its subject word ("trip"), that word still says the question is about the policy.
    """
    shares: dict[str, list[float]] = {}
    for fields, examples in clauses:
        counts = Counter(fields)
        for example in examples:
            counts.update(example)
        size = len(examples) + 1
        for token, count in counts.items():
            shares.setdefault(token, []).append(count / size)
    n = len(clauses)
    most = math.log(max(n, 2))
    weights = {}
    for token, values in shares.items():
        total = sum(values)
        entropy = -sum(v / total * math.log(v / total) for v in values)
        idf = math.log(1 + (n - len(values) + 0.5) / (len(values) + 0.5))
        weights[token] = max(most - entropy, idf)
    return weights


def _token_set(line: str) -> frozenset[str]:
    """A line of tokens as a set; the same token is the same string object everywhere (a smaller index)."""
    return frozenset(map(sys.intern, line.split()))


def _dots(postings: dict[str, list[int]], size: int, weights: dict[str, float]) -> list[float]:
    """The question's dot product with each of `size` numbered token sets (`postings`: token -> the numbers of the
    sets holding it), added into a flat list."""
    dots = [0.0] * size
    for token, w in weights.items():
        for number in postings.get(token, ()):
            dots[number] += w
    return dots


def _cosines(postings: dict[str, tuple[list[int], list[float]]], size: int, weights: dict[str, float]) -> list[float]:
    """The question's cosine similarity, times its norm, with each of `size` numbered token sets (`postings`: token
    -> the numbers of the sets holding it and their 1/norms, see `ClauseIndex._numbered`). This is the answerer's hot
    loop: a common word is in thousands of example questions, so it adds into a flat list, each set's 1/norm comes
    along with its number, and a negligible token is skipped."""
    cosines = [0.0] * size
    negligible = max(NEGLIGIBLE_WEIGHT, NEGLIGIBLE_SHARE * sum(weights.values()))
    for token, w in weights.items():
        posting = postings.get(token)
        if w < negligible or posting is None:
            continue
        numbers, inverse_norms = posting
        for number, inverse_norm in zip(numbers, inverse_norms, strict=True):
            cosines[number] += w * inverse_norm
    return cosines

