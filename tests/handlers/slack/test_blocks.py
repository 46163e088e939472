"""Block Kit rendering: nobody can be pinged or misled by text someone typed, and limits are kept."""

from __future__ import annotations

import pytest

from handlers.slack.blocks import (
    SECTION_LIMIT,
    actions,
    button,
    escape,
    fit,
    mrkdwn_section,
    split_text,
    text_sections,
)


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
