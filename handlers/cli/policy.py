"""`policybot ask` and `policybot policy check|show|gaps|feedback`: the policy, from the terminal.

`ask` loads only the policy files and the index (no database), so it starts quickly; its `--batch` output
shape is a contract other tools rely on: one JSON object per input line, in order.
Exit status of `ask`: 0 answered (for --batch: every line written); 1 no answer from the policy (it does not cover
the question, or it was a greeting or no policy question at all: "any news?"); 2 not a question we could read (or a
batch file we could not read); 3 the policy data could not be loaded.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from handlers.cli.common import iso_date

if TYPE_CHECKING:
    from bot.qa import QuestionAnswerer

AUDIENCES = {"parent": "parent", "parents": "parent", "carer": "parent", "staff": "staff"}
TO_REPORT = "To tell the school about a concern, run `policybot chat` and type /report."

# What `ask` says to a message that is no policy question (bot.typed tells them apart, as in the chats): what to run
# instead. Never answered from the policy, whose nearest clause would only mislead ("any news?").
TO_CHECK = ("To see news about a report you made, run `policybot chat` and type /status followed by its receipt "
            "code, which was given when the report was sent.")
NOT_A_QUESTION = {
    "help": '`policybot ask` answers a question about the policy, quoting it word for word: for example, policybot '
            'ask "can I post photos of sports day?". `policybot chat` is a conversation: questions, /report to tell '
            "the school about a concern, and /status to check one.",
    "report": TO_REPORT,
    "status": TO_CHECK,
    "report_news": TO_CHECK,
    "forget_me": "`policybot ask` keeps nothing: neither the question nor who asked it. For what the school keeps "
                 "about you, please ask the school office.",
    "reference": 'That is a case reference. `policybot ask` answers questions about the policy; those who handle '
                 'reports see the case with `policybot reports show REFERENCE --as "YOUR NAME"`.',
    "receipt": "That looks like a receipt code. To see news about that report, run `policybot chat` and type "
               "/status followed by the code.",
}


def register_ask(commands: Any) -> None:
    ask = commands.add_parser(
        "ask",
        help="ask the policy a question",
        description="Answer a question from the policy, quoting it word for word. "
        "Exit status: 0 answered, 1 no answer from the policy (not covered, a greeting, or no policy question, such "
        "as 'any news?'), 2 not a readable question or batch file, 3 the policy data could not be loaded.",
    )
    ask.add_argument("question", nargs="?", help="the question, in your own words")
    ask.add_argument("--audience", choices=["parent", "staff"], help="who is asking (answers prefer their part)")
    ask.add_argument("--json", action="store_true", help="print the answer as JSON")
    ask.add_argument(
        "--batch", type=Path, metavar="FILE",
        help='JSON lines {"question": ..., "audience": ...}; - reads them from standard input',
    )
    ask.set_defaults(handler=_ask)


def register_policy(commands: Any) -> Any:
    """Add `policy` and return its sub-command action, so other modules can add their own actions to it."""
    policy = commands.add_parser("policy", help="check, show and look after the policies")
    sub = policy.add_subparsers(dest="policy_command", metavar="ACTION", required=True)

    check = sub.add_parser("check", help="validate every file in policy_data/")
    check.add_argument("--dir", type=Path, help="a policy directory other than the configured one")
    check.set_defaults(handler=_check)

    show = sub.add_parser("show", help="list the sections, or print one section word for word")
    show.add_argument("section", nargs="*", help="a section id or title (or part of it)")
    show.set_defaults(handler=_show)

    gaps = sub.add_parser("gaps", help="questions the policy could not answer (for the next review)")
    gaps.add_argument("--since", type=iso_date, help="only since this date, YYYY-MM-DD")
    gaps.set_defaults(handler=_gaps)

    sub.add_parser("feedback", help='"did this help?" results per clause').set_defaults(handler=_feedback)
    return sub


def _answerer() -> QuestionAnswerer:
    from bot.config import load_school, read_settings
    from bot.policy.loader import load_library
    from bot.qa import QuestionAnswerer

    settings = read_settings()
    try:
        school = load_school(settings.resolved_school_file)
    except Exception:  # the answer does not need the school file; only the contact names do
        school = None
    return QuestionAnswerer(load_library(settings.policy_dir), school, settings.qa_cache_file)


def _ask(args: argparse.Namespace) -> int:
    from bot.policy.loader import PolicyDataError

    try:
        if args.batch is not None:
            return _batch(args.batch)
        if args.question is None:
            print('Please give a question, for example: policybot ask "can I post photos of sports day?"',
                  file=sys.stderr)
            return 2
        qa = _answerer()
    except PolicyDataError as exc:
        print(f"policybot: the policy data could not be loaded:\n{exc}\nRun `policybot policy check` for details.",
              file=sys.stderr)
        return 3
    said = not_a_question(args.question)
    if said is not None:  # exit 1, as for a question the policy does not cover: nothing was answered from it
        print(json.dumps(_unanswered(args.question, said), ensure_ascii=False) if args.json else said)
        return 1
    answer = qa.answer(args.question, args.audience)
    if args.json:
        print(json.dumps(answer.to_json(), ensure_ascii=False))
    else:
        from handlers.console import render_answer

        print(render_answer(answer, TO_REPORT))
    if answer.outcome == "invalid":
        return 2
    return 0 if answer.answered else 1


def _batch(path: Path) -> int:
    try:
        if str(path) == "-":  # the questions on standard input
            lines = sys.stdin.read().splitlines()
        else:
            lines = path.read_text(encoding="utf-8", errors="replace").splitlines()
    except OSError as exc:
        print(f"policybot: cannot read {path}: {exc.strerror}", file=sys.stderr)
        return 2
    qa = _answerer()
    out = sys.stdout
    for number, line in enumerate(lines, 1):  # one object per line, blank lines too, so outputs pair with inputs
        out.write(json.dumps(_batch_line(qa, line, number), ensure_ascii=False) + "\n")
    out.flush()
    return 0


def _batch_line(qa: QuestionAnswerer, line: str, number: int) -> dict[str, Any]:
    item: Any = None
    try:
        item = json.loads(line)
        question = item["question"]
        audience = item.get("audience")
        if isinstance(audience, str):
            audience = audience.strip().lower()
        if not isinstance(question, str) or (audience is not None and audience not in AUDIENCES):
            raise ValueError
    except (ValueError, KeyError, TypeError, AttributeError):
        echoed = item.get("question") if isinstance(item, dict) else None
        return _unanswered(echoed if isinstance(echoed, str) else None,
                           f'line {number} is not {{"question": "...", "audience": "parent"|"staff"|null}}')
    said = not_a_question(question)
    if said is not None:
        return _unanswered(question, said)
    return qa.answer(question, AUDIENCES.get(audience) if audience else None).to_json()  # type: ignore[arg-type]


def not_a_question(text: str) -> str | None:
    """What to say to a message that is no policy question ("any news?", "help", a receipt code), or None."""
    from bot.reports.receipts import find_code
    from bot.typed import about_the_asker

    if find_code(text) is not None:
        return NOT_A_QUESTION["receipt"]
    kind = about_the_asker(text)
    return None if kind is None else NOT_A_QUESTION[kind]


def _unanswered(question: str | None, said: str) -> dict[str, Any]:
    """An answer's JSON (the shape other tools rely on, as Answer.to_json) for a line nothing was answered from."""
    return {"question": question, "answered": False, "answer": said, "citations": []}


def _check(args: argparse.Namespace) -> int:
    from bot.config import read_settings
    from bot.policy.loader import PolicyDataError, load_library

    directory = args.dir or read_settings().policy_dir
    try:
        library = load_library(directory)
    except PolicyDataError as exc:
        print(f"{len(exc.problems)} problem{'s' if len(exc.problems) != 1 else ''} in {directory}:", file=sys.stderr)
        for problem in exc.problems:
            print(f"  {problem}", file=sys.stderr)
        return 1
    for policy in library.policies.values():
        clauses = sum(len(s.clauses) for s in policy.sections)
        print(f"OK  {policy.id}: {policy.title}, version {policy.version}, "
              f"{len(policy.sections)} sections, {clauses} clauses")
    from bot.qa.index import ClauseIndex

    for question, clause, example in ClauseIndex(library).contradictions():
        print(f"WARNING  not_covered \"{question}\" reads the same as an example of clause {clause} (\"{example}\"): "
              "the bot cannot tell them apart, so remove one or reword it.")
    return 0


def _show(args: argparse.Namespace) -> int:
    import textwrap

    from bot.config import read_settings
    from bot.policy.loader import load_library

    library = load_library(read_settings().policy_dir)
    if not args.section:
        for policy in library.policies.values():
            print(f"{policy.title} ({policy.school}), version {policy.version}, adopted {policy.adopted:%B %Y}")
            for section in policy.sections:
                print(f"  {section.id:<28} {section.title}  [{section.audience}]")
        print('\nShow one with: policybot policy show SECTION  (an id or words from its title)')
        return 0
    key = " ".join(args.section)
    found = library.sections_matching(key)
    if len(found) != 1:
        if found:
            names = "".join(f"\n  {section.id:<28} {section.title}" for _, section in found)
            print(f"policybot: {key!r} matches {len(found)} sections; please name one:{names}", file=sys.stderr)
        else:
            print(f"policybot: no section matches {key!r}. Run `policybot policy show` to list them.",
                  file=sys.stderr)
        return 1
    [(policy, section)] = found
    print(f"{section.title}  ({policy.title}, for {section.audience})\n")
    for clause in section.clauses:
        indent = "  " if clause.lead_in else ""
        print(textwrap.fill(clause.display, width=100, initial_indent=indent, subsequent_indent=indent * 2))
        print(f"    [{clause.id}]\n")
    return 0


def _gaps(args: argparse.Namespace) -> int:
    from bot.qa.gaps import gap_counts
    from handlers.cli.common import make_core

    core = make_core()
    since = (
        dt.datetime.combine(args.since, dt.time(), tzinfo=core.school.tz).astimezone(dt.UTC) if args.since else None
    )
    rows = gap_counts(core, since)
    if not rows:
        from bot.wording import long_date

        print("No unanswered questions" + (f" since {long_date(args.since)}." if args.since else " yet."))
        return 0
    print("Questions the policy could not answer (times asked):")
    for question, count in rows:
        print(f"  {count:>4}  {question}")
    return 0


def _feedback(args: argparse.Namespace) -> int:
    from bot.feedback import feedback_summary
    from handlers.cli.common import make_core

    rows = feedback_summary(make_core())
    if not rows:
        print('No "did this help?" answers yet.')
        return 0
    print(f"{'clause':<32} helpful  not helpful")
    for clause, yes, no in rows:
        print(f"{clause:<32} {yes:>7}  {no:>11}")
    return 0
