"""Block Kit rendering: nobody can be pinged or misled by text someone typed, and limits are kept."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import replace
from zoneinfo import ZoneInfo

import pytest

from bot.reports.domain import AttachmentInfo, CaseEvent, CaseView, Category
from handlers.slack.blocks import (
    PHOTOS_HINT,
    SECTION_LIMIT,
    VIEW_BLOCKS,
    actions,
    answer_blocks,
    button,
    escape,
    fit,
    mrkdwn_section,
    split_text,
    text_sections,
)
from handlers.slack.report_views import case_modal


@pytest.mark.parametrize(
    ("typed", "must_not_contain"),
    [
        ("<!channel> look", "<!channel>"),
        ("<!here>", "<!here>"),
        ("@channel now", "@channel"),
        ("@Here please", "@Here"),
        ("@everyone", "@everyone"),
        ("ask <@U0HEAD0001>", "<@U0HEAD0001>"),
        ("<https://evil.example|school.example.sch.uk>", "<https://"),
    ],
)
def test_escape_defuses_pings_and_links(typed: str, must_not_contain: str) -> None:
    assert must_not_contain not in escape(typed)


def test_long_text_is_split_at_paragraphs_within_the_limit() -> None:
    text = "\n\n".join(f"Paragraph {n}. " + "word " * 300 for n in range(10))
    pieces = split_text(text)
    assert len(pieces) > 1
    assert all(len(escape(p)) <= SECTION_LIMIT for p in pieces)
    assert "".join(p.replace(" ", "").replace("\n", "") for p in pieces) == text.replace(" ", "").replace("\n", "")


def test_text_of_angle_brackets_stays_within_the_limit_once_escaped() -> None:
    assert all(len(b["text"]["text"]) <= SECTION_LIMIT for b in text_sections("<" * 5000))


def test_fit_keeps_the_buttons_and_says_it_was_cut() -> None:
    blocks = [mrkdwn_section(str(n)) for n in range(80)] + actions([button("report.ack", "Acknowledge", "X")])
    kept = fit(blocks, 50)
    assert len(kept) == 50
    assert kept[-1]["type"] == "actions"
    assert any("too long" in str(b) for b in kept)


def test_repeated_buttons_get_unique_action_ids() -> None:
    block = actions([button("policy.section", "A", "a"), button("policy.section", "B", "b")])[0]
    assert [e["action_id"] for e in block["elements"]] == ["policy.section", "policy.section#1"]


def _case(events: list[tuple[str, str | None]]) -> CaseView:
    at = dt.datetime(2026, 11, 27, 9, 0, tzinfo=dt.UTC)
    category = Category("child_at_risk", "A child at risk", "", True, True, ("dsl",))
    return CaseView(
        code="ACDE-FGHJ-KMNP-RTWX", category=category, status="in progress", created_at=at, text="The report.",
        attachments=[], acknowledged_by=None, outcome=None,
        events=[CaseEvent(n, at, "Sender" if a == "replied" else "Dana Lead", a, d) for n, (a, d) in enumerate(events)],
    )


def test_a_case_shows_its_newest_entries_whole_and_counts_who_opened_it() -> None:
    long_reply = "It was on Tuesday. " * 400  # 7,600 characters
    events = [("reported", None)] + [("opened", None)] * 150 + [("added a note", f"note {n}") for n in range(95)]
    events += [("replied", long_reply)]
    view = case_modal(_case(events), ZoneInfo("Europe/London"))
    shown = json.dumps(view["blocks"])
    assert len(view["blocks"]) <= VIEW_BLOCKS and "too long to show" not in shown
    at = next(i for i, b in enumerate(view["blocks"]) if "replied" in json.dumps(b))
    reply = "".join(b["text"]["text"] for b in view["blocks"][at + 1 :] if b["type"] == "section")
    assert "".join(reply.split()) == "".join(long_reply.split())  # all of it, in sections
    assert "note 94" in shown and "note 0\"" not in shown  # the oldest give way to the newest
    assert "earlier entries are not shown here. For the whole record, ask whoever looks after the bot's server" in shown
    assert "policybot" not in shown  # a server command, which a DSL in Slack cannot run
    assert "Opened 150 times in all." in shown


def test_a_note_that_grows_when_escaped_is_shown_whole() -> None:
    """2,700 characters, but "&" is five once escaped: measured before escaping, the context line was cut."""
    note = "Mum & Dad < school > gate. " * 100
    view = case_modal(_case([("reported", None), ("note", note), ("note", "the last one")]), ZoneInfo("Europe/London"))
    said = "".join(e["text"] for b in view["blocks"] if b["type"] == "context" for e in b["elements"])
    said += "".join(b["text"]["text"] for b in view["blocks"] if b["type"] == "section")
    assert said.count("Mum &amp; Dad &lt; school &gt; gate.") == 100 and "…" not in said


def test_refused_attempts_are_counted_and_do_not_push_notes_out() -> None:
    events = [("reported", None), ("note", "the first note")] + [("refused", "Not allowed to read the report")] * 120
    view = case_modal(_case(events), ZoneInfo("Europe/London"))
    shown = json.dumps(view["blocks"])
    assert "the first note" in shown and "not shown here" not in shown
    assert "without access (each attempt is recorded): Dana Lead, 120 times." in shown


@pytest.mark.parametrize(("count", "said"), [(1, "1 picture came"), (2, "2 pictures came")])
def test_a_case_with_pictures_says_how_to_see_them(count: int, said: str) -> None:
    """Slack cannot show the pictures: the window says they are there and who can save them, not a server command."""
    pictures = [AttachmentInfo(n, f"evidence-{n}.jpg", "image/jpeg", 1000, "0" * 64) for n in range(1, count + 1)]
    view = case_modal(replace(_case([("reported", None)]), attachments=pictures), ZoneInfo("Europe/London"))
    shown = json.dumps(view["blocks"])
    assert f"{said} with this report" in shown and "ask whoever looks after the bot's server" in shown
    assert "policybot" not in shown
    assert "came with this report" not in json.dumps(case_modal(_case([("reported", None)]), ZoneInfo("UTC")))


@pytest.mark.parametrize("photos", [True, False])
def test_an_answer_about_pictures_on_a_personal_phone_says_how_to_be_reminded(photos: bool) -> None:
    from bot.qa.answer import Answer, Citation

    citation = Citation("Social Media Policy", "Safer working practice", "swp-equipment", "When recording...", "swp")
    blocks = answer_blocks(Answer("q", True, "Yes, at your discretion.", "answer", [citation], photos=photos))
    assert (PHOTOS_HINT in json.dumps(blocks)) is photos
