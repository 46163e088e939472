"""Loading policy files: several policies side by side, and every problem named by file, path and what is wrong."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.config import REPO_ROOT
from bot.policy.loader import PolicyDataError, load_library

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
    assert problem.startswith("broken.yaml: line ") and "malformed YAML" in problem


def test_missing_field_names_the_path_and_clause(tmp_path: Path) -> None:
    write(tmp_path, "phones.yaml", SMALL.format(id="phones", title="P").replace("        kind: rule\n", ""))
    (problem,) = problems(tmp_path)
    assert problem.startswith("phones.yaml: sections[0].clauses[0].kind:")
    assert "phones-one" in problem


def test_wrong_type_and_unknown_field(tmp_path: Path) -> None:
    text = SMALL.format(id="phones", title="P").replace("adopted: 2023-09-01", "adopted: someday\ncolour: red")
    write(tmp_path, "phones.yaml", text)
    found = problems(tmp_path)
    assert any(p.startswith("phones.yaml: adopted:") for p in found)
    assert any(p.startswith("phones.yaml: colour:") for p in found)


def test_an_impossible_date_names_its_field(tmp_path: Path) -> None:
    write(tmp_path, "phones.yaml", SMALL.format(id="phones", title="P").replace("2023-09-01", "2023-02-30"))
    (problem,) = problems(tmp_path)
    assert problem.startswith("phones.yaml: adopted:") and "day value is outside expected range" in problem


def test_a_version_title_or_id_longer_than_the_database_holds_is_a_problem(tmp_path: Path) -> None:
    text = SMALL.format(id="phones", title="T" * 301).replace('version: "1"', f'version: "{"1" * 41}"')
    write(tmp_path, "phones.yaml", text.replace("id: phones-one", f"id: {'c' * 81}"))
    found = problems(tmp_path)
    assert [p.split(":")[1].strip() for p in found] == ["title", "version", "sections[0].clauses[0].id"]
    assert all("at most" in p for p in found)


def test_a_version_written_without_quotes_is_asked_for_in_quotes(tmp_path: Path) -> None:
    write(tmp_path, "phones.yaml", SMALL.format(id="phones", title="P").replace('version: "1"', "version: 2026.2"))
    assert problems(tmp_path) == ['phones.yaml: version: write the version in quotes, e.g. version: "2026.2"']


def test_duplicate_clause_ids_across_files(tmp_path: Path) -> None:
    write(tmp_path, "a.yaml", SMALL.format(id="phones", title="P"))
    write(tmp_path, "b.yaml", SMALL.format(id="phones", title="P").replace("id: phones\n", "id: other\n", 1))
    found = problems(tmp_path)
    assert any("phones-one" in p and "b.yaml" in p for p in found)


def test_not_a_mapping_and_empty_directory(tmp_path: Path) -> None:
    write(tmp_path, "list.yaml", "- just\n- a list\n")
    assert problems(tmp_path) == ["list.yaml: (top): expected a mapping with the policy's fields, got list"]
    empty = tmp_path / "empty"
    empty.mkdir()
    assert "no *.yaml policy files" in problems(empty)[0]


def test_binary_file_is_a_problem_not_a_crash(tmp_path: Path) -> None:
    (tmp_path / "junk.yaml").write_bytes(b"\xff\xfe\x00\x00binary")
    (problem,) = problems(tmp_path)
    assert problem.startswith("junk.yaml:")


def test_a_list_item_must_name_an_earlier_clause_of_its_section_as_its_lead_in(tmp_path: Path) -> None:
    rule = "        kind: rule\n"
    text = SMALL.format(id="phones", title="P").replace(rule, rule + "        lead_in: phones-intro\n")
    write(tmp_path, "phones.yaml", text)
    (problem,) = problems(tmp_path)
    assert problem.startswith("phones.yaml: sections[0].clauses[0].lead_in:") and "phones-one" in problem
    assert "'phones-intro' is not an earlier clause" in problem


def test_an_item_of_a_list_shows_with_its_bullet() -> None:
    library = load_library(REPO_ROOT / "policy_data")
    item, lead_in = library.clause("inap-racist").clause, library.clause("inap-examples").clause
    assert item.lead_in == "inap-examples" and item.display == "\u2022 " + item.text
    assert lead_in.display == lead_in.text
