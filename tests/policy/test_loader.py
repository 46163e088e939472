"""Loading policy files: several policies side by side, and every problem named by file, path and what is wrong."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.config import REPO_ROOT
from bot.policy.loader import PolicyDataError, load_library
from tests.conftest import unreadable

SMALL = """\
id: {id}
title: {title}
school: Stokes Wood Primary School
adopted: 2023-09-01
review_cycle: annual
owner: headteacher
version: "1"
sections:
  - id: {id}-general
    title: General
    audience: everyone
    clauses:
      - id: {id}-one
        kind: rule
        text: Phones are switched off in class.
        topics: [phones]
        examples: ["can pupils use phones in class"]
"""


def write(directory: Path, name: str, text: str) -> Path:
    directory.mkdir(exist_ok=True)
    path = directory / name
    path.write_text(text, encoding="utf-8")
    return path


def problems(directory: Path) -> list[str]:
    with pytest.raises(PolicyDataError) as caught:
        load_library(directory)
    return caught.value.problems


def test_the_shipped_policies_load() -> None:
    library = load_library(REPO_ROOT / "policy_data")
    assert "social-media" in library.policies
    assert library.clause("sg-extremism").section.title == "Safeguarding"


def test_two_policies_side_by_side(tmp_path: Path) -> None:
    write(tmp_path, "phones.yaml", SMALL.format(id="phones", title="Mobile Phone Policy"))
    write(tmp_path, "trips.yml", SMALL.format(id="trips", title="Trips Policy"))  # .yml is read too
    library = load_library(tmp_path)
    assert sorted(library.policies) == ["phones", "trips"]
    assert library.clause("trips-one").policy.title == "Trips Policy"


def test_malformed_yaml_names_file_and_line(tmp_path: Path) -> None:
    write(tmp_path, "broken.yaml", "id: x\nsections: [\n  - oops: : :\n")
    (problem,) = problems(tmp_path)
    assert problem.startswith("broken.yaml, line 3: ") and "<unicode string>" not in problem


def test_missing_field_names_the_path_and_clause(tmp_path: Path) -> None:
    write(tmp_path, "phones.yaml", SMALL.format(id="phones", title="P").replace("        kind: rule\n", ""))
    (problem,) = problems(tmp_path)
    assert problem == (
        "phones.yaml, line 13, section phones-general, clause phones-one: kind is missing: add it, as  kind: ..."
    )


def test_wrong_type_and_unknown_field(tmp_path: Path) -> None:
    text = SMALL.format(id="phones", title="P").replace("adopted: 2023-09-01", "adopted: someday\ncolour: red")
    write(tmp_path, "phones.yaml", text)
    found = problems(tmp_path)
    assert found == [
        "phones.yaml, line 4, adopted: 'someday' is not a date: write it as YYYY-MM-DD (e.g. 2026-12-25 for 25 "
        "December 2026)",
        "phones.yaml, line 5: 'colour' is not a setting this file knows: check its spelling, or remove it",
    ]


def test_an_impossible_date_names_its_field(tmp_path: Path) -> None:
    write(tmp_path, "phones.yaml", SMALL.format(id="phones", title="P").replace("2023-09-01", "2023-02-30"))
    (problem,) = problems(tmp_path)
    assert problem == (
        "phones.yaml, line 4, adopted: '2023-02-30' is not a real date: check the day and the month "
        "(written YYYY-MM-DD)"
    )


def test_a_version_title_or_id_longer_than_the_database_holds_is_a_problem(tmp_path: Path) -> None:
    text = SMALL.format(id="phones", title="T" * 301).replace('version: "1"', f'version: "{"1" * 41}"')
    write(tmp_path, "phones.yaml", text.replace("id: phones-one", f"id: {'c' * 81}"))
    found = problems(tmp_path)
    assert [p.split(":")[0] for p in found] == [
        "phones.yaml, line 2", "phones.yaml, line 7", "phones.yaml, line 13, section phones-general, clause " + "c" * 81
    ]
    assert all("is too long: at most" in p for p in found)


def test_a_version_written_without_quotes_is_asked_for_in_quotes(tmp_path: Path) -> None:
    write(tmp_path, "phones.yaml", SMALL.format(id="phones", title="P").replace('version: "1"', "version: 2026.2"))
    assert problems(tmp_path) == ['phones.yaml, line 7: write the version in quotes, e.g. version: "2026.2"']


def test_duplicate_clause_ids_across_files(tmp_path: Path) -> None:
    write(tmp_path, "a.yaml", SMALL.format(id="phones", title="P"))
    write(tmp_path, "b.yaml", SMALL.format(id="phones", title="P").replace("id: phones\n", "id: other\n", 1))
    found = problems(tmp_path)
    assert found == ["b.yaml, section phones-general: the clause id 'phones-one' is already used in a.yaml: give each "
                     "clause its own id"]


def test_a_new_version_saved_beside_the_old_one_says_to_keep_one_file(tmp_path: Path) -> None:
    """The office saves the new version as a second file: 'give each policy its own id' would make it a second
    policy, with every clause id taken twice."""
    write(tmp_path, "phones.yaml", SMALL.format(id="phones", title="Mobile Phone Policy"))
    write(tmp_path, "phones-2026.yaml", SMALL.format(id="phones", title="Mobile Phone Policy").replace(
        'version: "1"', 'version: "2"'))
    assert problems(tmp_path) == [
        "phones.yaml (version 1) and phones-2026.yaml (version 2) are both the Mobile Phone Policy (id 'phones'): "
        "keep only one file for each policy in this folder, and move the other (an old version or a copy) out of it. "
        "If they are two different policies, give one of them its own id"
    ]


def test_not_a_mapping_and_empty_directory(tmp_path: Path) -> None:
    write(tmp_path, "list.yaml", "- just\n- a list\n")
    assert problems(tmp_path) == [
        "list.yaml: this is not a policy file: it should have the policy's fields, one per line (id:, title:, "
        "school:, ... then sections:), as in policy_data/social-media.yaml"
    ]
    empty = tmp_path / "empty"
    empty.mkdir()
    assert problems(empty) == [f"{empty}: there are no policy files (*.yaml) in this folder"]
    assert problems(tmp_path / "nope") == [f"{tmp_path / 'nope'}: there is no such folder: check POLICY_DIR"]


def test_binary_file_is_a_problem_not_a_crash(tmp_path: Path) -> None:
    (tmp_path / "junk.yaml").write_bytes(b"\xff\xfe\x00\x00binary")
    (problem,) = problems(tmp_path)
    assert problem == "junk.yaml: cannot be read as text: save it as plain text (UTF-8) and try again"


def test_a_file_the_bot_may_not_read_names_the_account_and_the_chmod(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A policy file saved by root, readable by root only, beside a bot running as its own user: the bot's log said
    'ask whoever looks after the bot', to the one who does."""
    import os
    import pwd

    path = write(tmp_path, "social-media.yaml", "id: x\n")
    unreadable(monkeypatch, path)
    (problem,) = problems(tmp_path)
    me = pwd.getpwuid(os.geteuid()).pw_name
    assert problem == (f"social-media.yaml: {me}, the computer account the bot runs as here, may not read the file: "
                       f"make it readable (`chmod a+r {path}`)")


def test_a_list_item_must_name_an_earlier_clause_of_its_section_as_its_lead_in(tmp_path: Path) -> None:
    rule = "        kind: rule\n"
    text = SMALL.format(id="phones", title="P").replace(rule, rule + "        lead_in: phones-intro\n")
    write(tmp_path, "phones.yaml", text)
    (problem,) = problems(tmp_path)
    assert problem == (
        "phones.yaml, line 15, section phones-general, clause phones-one: lead_in 'phones-intro' is not a clause "
        "before this one in section phones-general: write the id of the clause that introduces the list"
    )


def test_an_item_of_a_list_shows_with_its_bullet() -> None:
    library = load_library(REPO_ROOT / "policy_data")
    item, lead_in = library.clause("inap-racist").clause, library.clause("inap-examples").clause
    assert item.lead_in == "inap-examples" and item.display == "\u2022 " + item.text
    assert lead_in.display == lead_in.text


@pytest.mark.parametrize(
    ("old", "new", "problem"),
    [  # a policy file as someone edits it in Notepad
        ("      - id: phones-one", "      - id: Phones_One", "phones.yaml, line 13, section phones-general, clause "
         "Phones_One: 'Phones_One' cannot be an id: use lower-case letters, digits and dashes only, e.g. "
         "photos-consent"),
        ("        kind: rule", "\tkind: rule", "phones.yaml, line 14: a tab is used to indent this line"),
        ("        kind: rule", "        kind rule", "phones.yaml, line 14: a colon is missing"),
        ("        kind: rule", "        knd: rule", "phones.yaml, line 14, section phones-general, clause phones-one: "
         "'knd' is not a setting this file knows: did you mean 'kind'?"),
        ("        kind: rule", "        kind: rule\n        contacts: [Head Teacher]", "phones.yaml, line 15, section "
         "phones-general, clause phones-one: 'Head Teacher' is not a contact's name: write it as in the "
         "school file's contacts, e.g. headteacher"),
        ("        kind: rule", "        kind: rules", "phones.yaml, line 14, section phones-general, clause "
         "phones-one: 'rules' is not a kind of clause: write one of principle, rule,"),
        ("adopted: 2023-09-01", "adopted: 01/09/2023",
         "phones.yaml, line 4, adopted: '01/09/2023' is not a date: write it as YYYY-MM-DD (for 01/09/2023: "
         "2023-09-01)"),
        ("    title: General", "    title:", "phones.yaml, line 10, section phones-general: title is blank"),
        ("review_cycle: annual", "review_cycle: annual\nreview_cycle: annually",
         "phones.yaml, line 6: 'review_cycle' is written twice (lines 5 and 6): keep only one"),
        # A quote left open runs on to the next quote, lines below: the error is there, the mistake is here.
        ('version: "1"', 'version: "1', "phones.yaml, line 7: a quote on this line is never closed"),
        ("topics: [phones]", 'topics: ["phones]', "phones.yaml, line 16: a quote on this line is never closed"),
        ("text: Phones are switched off in class.", "text: 'Phones are switched off in Year 6's class.'",
         "phones.yaml, line 15: a quote inside the quoted text ends it early: put the text in the other kind of "
         "quotes"),
    ],
)
def test_a_policy_file_broken_in_notepad_says_line_clause_and_how_to_write_it(
    tmp_path: Path, old: str, new: str, problem: str
) -> None:
    text = SMALL.format(id="phones", title="P")
    assert old in text
    write(tmp_path, "phones.yaml", text.replace(old, new, 1))
    assert any(found.startswith(problem) for found in problems(tmp_path))  # a misspelt kind: kind is missing too


def test_the_message_at_start_up_names_the_folder(tmp_path: Path) -> None:
    write(tmp_path, "phones.yaml", '"just text"\n')
    with pytest.raises(PolicyDataError) as caught:
        load_library(tmp_path)
    assert str(caught.value).startswith(f"1 problem in the policy files in {tmp_path}:\n  phones.yaml: this is not")


def test_a_file_to_publish_is_named_as_given() -> None:
    from bot.policy.loader import _parse_file

    assert _parse_file(Path("/tmp"))[1] == [
        "/tmp: this is a folder, not a policy file: give the file's name, e.g. policy_data/social-media.yaml"
    ]
    assert _parse_file(Path("/nowhere/new.yaml"))[1] == [
        "/nowhere/new.yaml: there is no such file: check the file's name and folder"
    ]
