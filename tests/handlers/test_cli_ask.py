"""`policybot ask` and `policybot policy ...` as other tools and newcomers use them: real processes."""

from __future__ import annotations

import json
import os
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

from bot.config import REPO_ROOT
from tests.handlers.test_cli import policybot


def test_ask_quotes_the_policy_and_exits_0(tmp_path: Path) -> None:
    result = policybot(tmp_path, "ask", "can I put photos of the nativity on facebook?", "--audience", "parent")
    assert result.returncode == 0, result.stderr
    assert "include other children as well as their own" in result.stdout


def test_a_concern_asked_on_the_command_line_is_told_where_to_report_it(tmp_path: Path) -> None:
    result = policybot(tmp_path, "ask", "my child is being bullied online", "--audience", "parent")
    assert "run `policybot chat` and type /report" in result.stdout and "Type /report" not in result.stdout


def test_ask_json_shape(tmp_path: Path) -> None:
    result = policybot(tmp_path, "ask", "a pupil sent me a friend request", "--audience", "staff", "--json")
    data = json.loads(result.stdout)
    assert set(data) == {"question", "answered", "answer", "citations"} and data["answered"] is True
    assert set(data["citations"][0]) == {"policy", "section", "clause", "text"}


def test_batch_gives_one_line_per_question_in_order(tmp_path: Path) -> None:
    questions = [
        {"question": "can I post pics of sports day on insta?", "audience": "parent"},
        {"question": "what's for lunch today?", "audience": None},
        {"question": "", "audience": "staff"},
        {"question": "should I accept a pupil's friend request?", "audience": "staff"},
    ]
    lines = [json.dumps(q) for q in questions] + [
        "this line is not json",
        '{"audience": "parent"}',
        "",  # a blank line still gets its line of output, so outputs pair with inputs
        '{"question": "can a parent take photos at the nativity?", "audience": "Parent"}',
        '{"question": "what about teachers?", "audience": "governor"}',
    ]
    batch = tmp_path / "questions.jsonl"
    batch.write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = policybot(tmp_path, "ask", "--batch", str(batch))
    assert result.returncode == 0, result.stderr
    out = [json.loads(line) for line in result.stdout.splitlines()]
    assert len(out) == 9
    assert [o["question"] for o in out[:4]] == [q["question"] for q in questions]
    assert [o["answered"] for o in out] == [True, False, False, True, False, False, False, True, False]
    assert out[0]["citations"][0]["text"].startswith("In addition parents should not post images")
    assert "line 5" in out[4]["answer"] and out[4]["citations"] == []
    assert "line 7" in out[6]["answer"]
    assert out[8]["question"] == "what about teachers?" and "line 9" in out[8]["answer"]  # echoed, audience unknown


def test_batch_problems_have_their_own_exit_status(tmp_path: Path) -> None:
    missing = policybot(tmp_path, "ask", "--batch", str(tmp_path / "nope.jsonl"))
    assert missing.returncode == 2 and "cannot read" in missing.stderr
    broken = tmp_path / "policies"
    broken.mkdir()
    (broken / "broken.yaml").write_text("id: [unclosed\n", encoding="utf-8")
    unloadable = policybot(tmp_path, "ask", "can I post photos?", env_extra={"POLICY_DIR": str(broken)})
    assert unloadable.returncode == 3 and "broken.yaml" in unloadable.stderr and "Traceback" not in unloadable.stderr


def test_output_cut_short_by_the_reader_ends_quietly(tmp_path: Path) -> None:
    batch = tmp_path / "questions.jsonl"
    batch.write_text('{"question": "can I post photos of sports day?", "audience": "parent"}\n' * 2000)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "TELEGRAM_", "POLICYBOT_"))}
    env.update({"DATA_DIR": str(tmp_path / "data"), "PYTHONPATH": str(REPO_ROOT)})
    pipeline = subprocess.run(
        f"{shlex.quote(sys.executable)} -m handlers.cli ask --batch {shlex.quote(str(batch))} | head -1",
        shell=True, capture_output=True, text=True, cwd=tmp_path, env=env, timeout=60,  # noqa: S602 - a fixed command
    )
    assert pipeline.stdout.count("\n") == 1 and json.loads(pipeline.stdout)["answered"]
    assert pipeline.stderr == ""


@pytest.mark.parametrize(
    ("question", "status", "says"),
    [
        ("what's the capital of France?", 1, "doesn't cover"),
        ("   ", 2, "Please type a question"),
        ("\U0001f600\U0001f600", 2, "emoji"),
        ("x" * 100_000, 2, "too long"),
    ],
)
def test_ask_bad_or_uncovered_questions(tmp_path: Path, question: str, status: int, says: str) -> None:
    result = policybot(tmp_path, "ask", question)
    assert result.returncode == status and says in result.stdout and "Traceback" not in result.stderr


@pytest.mark.parametrize(
    ("typed", "says"),
    [
        ("any news?", "run `policybot chat` and type /status followed by its receipt code"),
        ("I want to report something", "run `policybot chat` and type /report"),
        ("please delete everything about me", "`policybot ask` keeps nothing"),
        ("R-7K3M9T", "policybot reports show REFERENCE"),
        ("ACDE-FGHJ-KMNP-RTWX", "That looks like a receipt code"),
    ],
)
def test_ask_says_what_to_do_with_what_is_no_policy_question(tmp_path: Path, typed: str, says: str) -> None:
    """As the chats do: 'any news?' was answered from the policy's nearest clause, and exited 0."""
    result = policybot(tmp_path, "ask", typed)
    assert result.returncode == 1 and says in result.stdout and "It says" not in result.stdout
    as_json = json.loads(policybot(tmp_path, "ask", typed, "--json").stdout)
    assert as_json == {"question": typed, "answered": False, "answer": result.stdout.strip(), "citations": []}


def test_batch_lines_that_are_no_policy_question_keep_the_answer_shape(tmp_path: Path) -> None:
    stdin = "".join(json.dumps({"question": q, "audience": "parent"}) + "\n" for q in (
        "any news?", "Has anyone seen the trip photos?"))
    result = policybot(tmp_path, "ask", "--batch", "-", stdin=stdin)
    news, photos = (json.loads(line) for line in result.stdout.splitlines())
    assert set(news) == set(photos) == {"question", "answered", "answer", "citations"}
    assert news["answered"] is False and "/status" in news["answer"] and news["citations"] == []
    assert "/status" not in photos["answer"] and photos["citations"]  # a policy question, answered as one


def test_batch_reads_standard_input(tmp_path: Path) -> None:
    stdin = '{"question": "can I post photos of sports day?", "audience": "parent"}\n'
    result = policybot(tmp_path, "ask", "--batch", "-", stdin=stdin)
    assert result.returncode == 0 and json.loads(result.stdout)["answered"] is True


def test_show_lists_the_sections_a_name_could_mean_and_dates_are_explained(tmp_path: Path) -> None:
    several = policybot(tmp_path, "policy", "show", "parents")
    assert several.returncode == 1 and "matches 2 sections" in several.stderr
    assert "parents-appropriate-use" in several.stderr and "parents-inappropriate-use" in several.stderr
    bad_date = policybot(tmp_path, "policy", "gaps", "--since", "2026-13-01")
    assert bad_date.returncode == 2 and "'2026-13-01' is not a date; please write it as YYYY-MM-DD" in bad_date.stderr


def test_policy_check_and_show(tmp_path: Path) -> None:
    check = policybot(tmp_path, "policy", "check")
    assert check.returncode == 0 and "social-media" in check.stdout
    listing = policybot(tmp_path, "policy", "show")
    assert "staff-key-principles" in listing.stdout
    section = policybot(tmp_path, "policy", "show", "Key Principles")
    assert section.returncode == 0 and "[kp-" in section.stdout
    assert policybot(tmp_path, "policy", "show", "no such section").returncode == 1


def test_check_warns_of_a_not_covered_question_that_reads_like_an_example(tmp_path: Path) -> None:
    policies = tmp_path / "policies"
    policies.mkdir()
    text = (REPO_ROOT / "policy_data" / "social-media.yaml").read_text(encoding="utf-8")
    (policies / "social-media.yaml").write_text(
        text.replace("\nnot_covered:\n", "\nnot_covered:\n  - \"Can I put pictures of the nativity on facebook?\"\n"),
        encoding="utf-8",
    )
    check = policybot(tmp_path, "policy", "check", env_extra={"POLICY_DIR": str(policies)})
    assert check.returncode == 0
    assert check.stdout.count("WARNING") == 1 and "inap-images" in check.stdout
    assert "WARNING" not in policybot(tmp_path, "policy", "check").stdout


def test_malformed_policy_fails_check_and_start_up(tmp_path: Path) -> None:
    policies = tmp_path / "policies"
    policies.mkdir()
    text = (REPO_ROOT / "policy_data" / "social-media.yaml").read_text(encoding="utf-8")
    (policies / "social-media.yaml").write_text(text.replace("kind: principle", "kind: wish", 1), encoding="utf-8")
    (policies / "broken.yaml").write_text("id: [unclosed\n", encoding="utf-8")
    env = {"POLICY_DIR": str(policies)}
    check = policybot(tmp_path, "policy", "check", env_extra=env)
    run = policybot(tmp_path, "chat", stdin="p\n/quit\n", env_extra=env)
    assert check.returncode == 1
    assert "broken.yaml, line 1: a list in [ ] is not closed" in check.stderr
    wrong_kind = "social-media.yaml, line 21, section safeguarding, clause sg-commitment: 'wish' is not a kind of"
    assert wrong_kind in check.stderr
    assert run.returncode == 1 and "social-media.yaml" in run.stderr and "Traceback" not in run.stderr
