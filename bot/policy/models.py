"""A policy as the school wrote it: metadata, sections for an audience, and clauses quoted word for word.

A clause's `text` is verbatim source text (the tests check it against the source file), so the bot can quote
it and never paraphrase policy. `topics` and `examples` are what teaches the question answerer which questions
a clause answers; they are never shown as policy.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator
from pydantic_core import PydanticCustomError

_EMPHASIS = re.compile(r"\*\*(.+?)\*\*")


def readable(text: str) -> str:
    """A clause's words as a person reads them: the source document's emphasis markers left out ("**must not**"
    -> "must not"). The words are the same; `text` itself keeps the markers, as in the source."""
    return _EMPHASIS.sub(r"\1", text)


Audience = Literal["parents", "staff", "everyone"]
ClauseKind = Literal[
    "principle",
    "rule",
    "prohibition",
    "expectation",
    "procedure",
    "sanction",
    "definition",
    "guidance",
    "statement",
    "objective",
]
ReviewCycle = Literal["annual", "biennial", "triennial", "as required"]

ID_PATTERN = r"^[a-z0-9]+(?:-[a-z0-9]+)*$"
MAX_CLAUSE_CHARS = 800
MAX_VERSION_CHARS = 40


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Clause(_Strict):
    """One quotable point of a policy: a sentence, a bullet, or a few sentences that only make sense together."""

    id: str = Field(pattern=ID_PATTERN, max_length=80)  # kept with answer feedback (a column of 80)
    text: str = Field(min_length=1, max_length=MAX_CLAUSE_CHARS)
    kind: ClauseKind
    topics: tuple[str, ...] = ()
    examples: tuple[str, ...] = ()
    # For an item of a list ("- Posting racist comments;"): the id of the earlier clause in the same section that
    # introduces the list ("The school considers the following examples to be inappropriate..."). The bot quotes
    # it before the item, so the item is never read out of context.
    lead_in: str | None = Field(default=None, pattern=ID_PATTERN)
    # The people this clause tells the reader to go to, as keys of the school file's contacts (`headteacher`,
    # `chair_of_governors`...): an answer quoting it says how to reach those the school file lists.
    contacts: tuple[str, ...] = ()

    @field_validator("text")
    @classmethod
    def _no_blank_text(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("clause text is blank")
        return value

    @field_validator("contacts")
    @classmethod
    def _contact_keys(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        for key in value:
            if not re.fullmatch(r"[a-z][a-z0-9_]*", key):
                raise ValueError(
                    f"{key!r} is not a contact's name: write it as in the school file's contacts, e.g. headteacher"
                )
        return value

    @property
    def display(self) -> str:
        """The clause as shown in a whole section: readable, and an item of a list with its bullet."""
        return f"\u2022 {readable(self.text)}" if self.lead_in else readable(self.text)


class Section(_Strict):
    """A part of the policy under one heading, written for parents, for staff or for everyone."""

    id: str = Field(pattern=ID_PATTERN)
    title: str = Field(min_length=1)
    audience: Audience
    # The larger part of the document the heading sits in, e.g. "Social Networking Policy - Parents".
    part: str | None = None
    clauses: tuple[Clause, ...] = Field(min_length=1)


class Policy(_Strict):
    # id, title and version are kept with each published version, review and acknowledgement: the columns' sizes
    id: str = Field(pattern=ID_PATTERN, max_length=64)
    title: str = Field(min_length=1, max_length=300)
    school: str = Field(min_length=1)
    adopted: dt.date
    review_cycle: ReviewCycle
    reviewed_with: str | None = None
    owner: str = Field(min_length=1, description="The role that owns the policy, e.g. headteacher")
    version: str = Field(min_length=1, max_length=MAX_VERSION_CHARS)
    source: str | None = Field(default=None, description="Where the verbatim text comes from")
    sections: tuple[Section, ...] = Field(min_length=1)
    # Questions people ask near this policy that it does not answer ("when is school photo day?"): they teach the
    # answerer to say so honestly instead of quoting a clause that merely shares a word with the question.
    not_covered: tuple[str, ...] = ()

    @field_validator("version", mode="before")
    @classmethod
    def _version_in_quotes(cls, value: object) -> object:
        """`version: 2026.2` without quotes is a number to YAML (and 2026.10 would be 2026.1): say to quote it."""
        if isinstance(value, int | float) and not isinstance(value, bool):
            raise PydanticCustomError("version_unquoted", 'write the version in quotes, e.g. version: "{value}"',
                                      {"value": value})
        return value

    def clauses(self) -> list[tuple[Section, Clause]]:
        return [(section, clause) for section in self.sections for clause in section.clauses]
