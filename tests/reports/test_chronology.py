"""The chronology is append-only and tamper-evident: any edit, insertion or removal shows in the export."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from sqlalchemy import delete, select, update

from bot.core import Core
from bot.reports.domain import AccessDenied
from bot.reports.models import ReportEventRow, ReportRow
from tests.reports.conftest import actor


def made_case(core: Core) -> str:
    receipt = core.reports.submit("other", "The after-school club leaves children unsupervised.", channel="console")
    dana = actor(core, "Dana Lead")
    core.reports.acknowledge(receipt.reference, dana)
    core.reports.add_note(receipt.reference, dana, "Spoke to the club leader.")
    core.reports.add_note(receipt.reference, dana, "Correction: the club is on Thursdays.")
    return receipt.reference


def test_an_intact_chain_verifies(core: Core) -> None:
    code = made_case(core)
    dana = actor(core, "Dana Lead")
    export = core.reports.export(code, dana)
    assert "the hash chain is intact" in export
    assert "Spoke to the club leader." in export and "Correction: the club is on Thursdays." in export
    assert "The after-school club leaves children unsupervised." in export
    assert [e.action for e in core.reports.case(code, dana).events][:4] == [
        "reported",
        "routed",
        "acknowledged",
        "note",
    ]


def test_the_export_says_where_the_report_came_from_and_that_nothing_came_with_it_in_plain_english(
    core: Core
) -> None:
    receipt = core.reports.submit("other", "The after-school club leaves children unsupervised.", channel="slack")
    export = core.reports.export(receipt.reference, actor(core, "Dana Lead"))
    assert "GMT through Slack\n" in export
    assert "\nNo pictures or files came with it.\n" in export and "file(s)" not in export


def test_the_export_says_who_tried_to_act_without_access_as_the_case_view_does(core: Core) -> None:
    """Stored as "refused: Not allowed to ...", it read in the export as if Jo Teacher had refused something."""
    code = made_case(core)
    with pytest.raises(AccessDenied):
        core.reports.case(code, actor(core, "Jo Teacher"))
    export = core.reports.export(code, actor(core, "Dana Lead"))
    assert "Jo Teacher: tried to open the report (not allowed)" in export
    assert "Jo Teacher: refused" not in export and "Not allowed to" not in export


def test_the_export_says_who_closed_the_case_as_it_says_who_acknowledged_it(core: Core) -> None:
    """A record sent on (to the local authority, say) names who closed the case in its summary, not only deep in the
    chronology: here not the person who acknowledged it."""
    code = made_case(core)
    core.reports.close(code, actor(core, "Sam Deputy"), "Club leader retrained; ratios checked.")
    summary = core.reports.export(code, actor(core, "Dana Lead")).split("Report, as the sender wrote it:")[0]
    closed = next(line for line in summary.splitlines() if line.startswith("Closed:"))
    assert closed.endswith("GMT by Sam Deputy"), closed
    assert "by Dana Lead" in next(line for line in summary.splitlines() if line.startswith("Acknowledged:"))


def _edit_note(core: Core, code: str) -> None:
    with core.db.session() as session:
        note = session.scalars(select(ReportEventRow).where(ReportEventRow.action == "note")).first()
        assert note is not None
        note.detail = core.vault.encrypt("Nothing happened.")  # a re-encrypted edit still shows


def _rename_actor(core: Core, code: str) -> None:
    with core.db.session() as session:
        session.execute(update(ReportEventRow).where(ReportEventRow.seq == 3).values(actor="Sam Deputy"))


def _remove_middle(core: Core, code: str) -> None:
    with core.db.session() as session:
        session.execute(delete(ReportEventRow).where(ReportEventRow.seq == 4))


def _remove_last(core: Core, code: str) -> None:
    with core.db.session() as session:
        last = session.scalar(select(ReportEventRow.seq).order_by(ReportEventRow.seq.desc()))
        session.execute(delete(ReportEventRow).where(ReportEventRow.seq == last))


def _rewrite_head(core: Core, code: str) -> None:
    with core.db.session() as session:
        session.execute(update(ReportRow).values(head_hash="f" * 64))


@pytest.mark.parametrize(
    ("tamper", "problem"),
    [
        (_edit_note, "has been changed"),
        (_rename_actor, "has been changed"),
        (_remove_middle, "missing"),
        (_remove_last, "does not follow"),
        (_rewrite_head, "does not follow"),
    ],
)
def test_tampering_is_detected(core: Core, tamper: Callable[[Core, str], None], problem: str) -> None:
    code = made_case(core)
    tamper(core, code)
    dana = actor(core, "Dana Lead")
    # Opening the case appends an event; the damage must still show after it (and after any later event).
    core.reports.add_note(code, dana, "A later note.")
    view = core.reports.case(code, dana)
    assert not view.chain_ok
    assert problem in view.extra["chain_problem"]
    assert "the hash chain is BROKEN" in core.reports.export(code, dana)


def test_a_removed_newest_event_shows_before_anything_is_added(core: Core) -> None:
    from bot.reports import chronology

    code = made_case(core)
    _remove_last(core, code)
    with core.db.session() as session:
        report = session.scalar(select(ReportRow))
        assert report is not None
        check = chronology.verify(core.vault, report, session.scalars(select(ReportEventRow)).all())
    assert not check.ok and check.problem == "the newest event is missing"
