"""Bad input gets a clear, kind message, and nothing is lost or half-written."""

from __future__ import annotations

import datetime as dt
import sqlite3

import pytest
from sqlalchemy.exc import OperationalError

from bot.core import Core
from bot.outbox import OutboxRow
from bot.ports import ManualClock
from bot.reports import Attachment, NotAReceiptCode, ReceiptNotFound, ReportError, TooManyAttempts
from bot.reports.models import AttachmentRow, ReportEventRow, ReportRow
from tests.reports.conftest import actor


def counts(core: Core) -> tuple[int, int, int, int]:
    with core.db.session() as session:
        return (
            session.query(ReportRow).count(),
            session.query(ReportEventRow).count(),
            session.query(AttachmentRow).count(),
            session.query(OutboxRow).count(),
        )


@pytest.mark.parametrize(
    ("category", "text", "message"),
    [
        ("other", "", "is empty"),
        ("other", "   \n\t  ", "is empty"),
        ("other", "x" * 1_000_000, "too long"),
        ("no_such_thing", "A real worry.", "don't know that kind of concern"),
    ],
)
def test_bad_reports_are_refused_and_nothing_is_written(core: Core, category: str, text: str, message: str) -> None:
    with pytest.raises(ReportError, match=message) as caught:
        core.reports.submit(category, text, channel="console")
    assert "Traceback" not in str(caught.value) and len(str(caught.value)) < 400
    assert counts(core) == (0, 0, 0, 0)


def test_a_file_that_is_not_a_picture_writes_nothing(core: Core) -> None:
    bad = Attachment("notes.pdf", "application/pdf", b"%PDF-1.4 not an image")
    with pytest.raises(ReportError, match="photos and screenshots"):
        core.reports.submit("other", "See the attached file.", channel="console", attachments=[bad])
    assert counts(core) == (0, 0, 0, 0)


def test_a_failure_inside_the_transaction_leaves_nothing_half_written(core: Core, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    def broken(*args: object, **kwargs: object) -> bool:
        raise RuntimeError("disk full")

    monkeypatch.setattr(core.outbox, "enqueue", broken)
    with pytest.raises(RuntimeError):
        core.reports.submit("child_at_risk", "A real worry.", channel="console")
    assert counts(core) == (0, 0, 0, 0)


def _failing_enqueue(core: Core, message: str, times: int) -> list[int]:
    """core.outbox.enqueue raising SQLite's OperationalError with `message` for its first `times` calls."""
    calls: list[int] = []
    real = core.outbox.enqueue

    def enqueue(*args: object, **kwargs: object) -> object:
        calls.append(1)
        if len(calls) <= times:
            raise OperationalError("INSERT INTO outbox ...", {}, sqlite3.OperationalError(message))
        return real(*args, **kwargs)  # type: ignore[arg-type]

    core.outbox.enqueue = enqueue  # type: ignore[method-assign]
    return calls


def test_a_full_disk_is_not_retried_as_if_another_writer_held_the_database(
    core: Core, caplog: pytest.LogCaptureFixture
) -> None:
    """The log said "a report write met a concurrent one and is retried" four times before the real error."""
    calls = _failing_enqueue(core, "database or disk is full", times=99)
    with pytest.raises(OperationalError):
        core.reports.submit("child_at_risk", "A real worry.", channel="console")
    assert len(calls) == 1 and "retried" not in caplog.text
    assert counts(core) == (0, 0, 0, 0)


def test_a_busy_database_is_retried_and_the_report_kept(core: Core, caplog: pytest.LogCaptureFixture) -> None:
    calls = _failing_enqueue(core, "database is locked", times=1)
    receipt = core.reports.submit("child_at_risk", "A real worry.", channel="console")
    assert len(calls) == 2 and "is retried" in caplog.text
    assert core.reports.sender_status(receipt.code, requester="chat-a").status == "received"


def test_forged_codes_are_rate_limited_per_requester(core: Core, clock: ManualClock) -> None:
    receipt = core.reports.submit("other", "A real worry.", channel="console")
    for forged in ["ACDE-FGHJ-KMNP-RTWX", "acde fghj kmnp rtwy", "CDEF-GHJK-MNPR-TWXY", "ACDEFGHJKMNPRTWA",
                   "ACDE FGHJ KMNP RTWY"]:
        with pytest.raises(ReceiptNotFound, match="could not find a report"):
            core.reports.sender_status(forged, requester="chat-a")
    with pytest.raises(TooManyAttempts, match="try again in 15 minutes"):
        core.reports.sender_status(receipt.code, requester="chat-a")  # even the right code waits now
    with pytest.raises(TooManyAttempts):
        core.reports.sender_reply(receipt.code, "More.", requester="chat-a")
    assert core.reports.sender_status(receipt.code, requester="chat-b").status == "received"
    clock.advance(minutes=15)
    assert core.reports.sender_status(receipt.code, requester="chat-a").status == "received"


def test_what_cannot_be_a_code_is_said_so_and_not_counted_as_a_wrong_code(core: Core) -> None:
    """"hello" at /status said "does not look like a receipt code" on Telegram only; the console and Slack said "I
    could not find a report" and counted it towards the pause. Nothing is looked up, so it is no guess."""
    receipt = core.reports.submit("other", "A real worry.", channel="console")
    for typed in ["hello", "", "R-7K3M9Q", "my code is lost", "hello"] * 2:
        with pytest.raises(NotAReceiptCode, match="does not look like a receipt code") as raised:
            core.reports.sender_status(typed, requester="chat-a")
        assert "four groups of four letters and numbers, like ACDE-FGHJ-KMNP-RTWX" in str(raised.value)
    with pytest.raises(NotAReceiptCode, match="never have 0 or S in them"):  # sixteen, a character or two misread
        core.reports.sender_reply("ACD0-FGHJ-KMNP-RTWS", "More.", requester="chat-a")
    assert core.reports.sender_status(receipt.code, requester="chat-a").status == "received"  # not paused


@pytest.mark.parametrize(("text", "message"), [("", "is empty"), ("y" * 20_001, "too long")])
def test_bad_replies_and_notes_are_refused(core: Core, text: str, message: str) -> None:
    receipt = core.reports.submit("other", "A real worry.", channel="console")
    dana = actor(core, "Dana Lead")
    before = counts(core)
    with pytest.raises(ReportError, match=message):
        core.reports.sender_reply(receipt.code, text, requester="r")
    with pytest.raises(ReportError, match=message) as note:
        core.reports.add_note(receipt.reference, dana, text)
    assert "receipt code" not in str(note.value) and "what happened" not in str(note.value)  # a DSL's, not a sender's
    with pytest.raises(ReportError, match=message):
        core.reports.close(receipt.reference, dana, text)
    assert counts(core) == before


def test_unknown_evidence_number_and_odd_channel(core: Core) -> None:
    receipt = core.reports.submit("other", "A real worry.", channel="console")
    with pytest.raises(ReportError, match="no number 1"):
        core.reports.attachment(receipt.reference, actor(core, "Dana Lead"), 1)
    with pytest.raises(ReportError):
        core.reports.submit("other", "A real worry.", channel="email")


def test_the_receipt_time_is_stored_in_utc(core: Core) -> None:
    receipt = core.reports.submit("other", "A real worry.", channel="console")
    assert receipt.created_at.tzinfo is not None and receipt.created_at.utcoffset() == dt.timedelta(0)
