"""Canary: a sender's distinctive identity leaves no trace in any table, any log line or any alert.

The adapters receive a user id, chat id, name and username with every update. Here the sender's identity
reaches the core the only ways it can: as the encrypted reply address and as the rate-limit bucket. Then the
whole SQLite file (with its WAL) and every captured log line are searched for each canary, in several encodings.
"""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from bot.core import Core
from bot.ports import ManualClock, Recipient
from bot.reports import ReplyAddress
from bot.storage import Base
from tests.reports.conftest import actor, deliver_all, delivered, notifiers

USER_ID = "U0CANARY7Q"
CHAT_ID = "730091557331"
NAME = "Zebedee Quillfeather"
USERNAME = "zq_canary_parent"
CANARIES = (USER_ID, CHAT_ID, NAME, USERNAME)


def variants(value: str) -> list[bytes]:
    return [value.encode("utf-8"), value.encode("utf-16-le"), value.lower().encode(), value.upper().encode()]


def test_sender_identity_leaves_no_trace(core: Core, clock: ManualClock, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    reports = core.reports
    # What an adapter passes: a keyed hash of the chat as the rate-limit bucket, the chat id only as reply address.
    requester = core.vault.mac(f"telegram:{CHAT_ID}")
    receipt = reports.submit(
        "child_at_risk",
        "The older boys at the bus stop are pressuring a Year 6 girl to send photos.",
        channel="telegram",
        reply_to=ReplyAddress("telegram", CHAT_ID),
    )
    dana = actor(core, "Dana Lead")
    reports.acknowledge(receipt.reference, dana)
    reports.ask_sender(receipt.reference, dana, "Do you know which bus route?")
    reports.sender_status(receipt.code, requester=requester)
    reports.sender_reply(receipt.code, "The 48, after school.", requester=requester)
    for _ in range(3):  # wrong codes from the same chat: the limiter keeps only hashes
        with pytest.raises(Exception, match="could not find"):
            reports.sender_status("ACDE-FGHJ-KMNP-RTWX", requester=requester)
    reports.add_note(receipt.reference, dana, "Called the bus company.")
    clock.advance(hours=2)
    reports.escalate_due()
    reports.close(receipt.reference, dana, "Police informed.")

    recorders = notifiers()
    deliver_all(core, recorders, clock)
    messages = delivered(recorders)
    dsl_side = [m for m in messages if m.kind != "sender_update"]
    to_sender = [m for m in messages if m.kind == "sender_update"]
    assert dsl_side and to_sender
    # Only the delivery itself, resolved at the last moment, knows the chat.
    assert {m.recipient for m in to_sender} == {Recipient("telegram", CHAT_ID)}

    alerts_text = repr([m.to_json() for m in dsl_side])
    logs = "\n".join(f"{r.name} {r.getMessage()} {r.args!r}" for r in caplog.records) + caplog.text
    for canary in CANARIES:
        assert canary.lower() not in alerts_text.lower(), canary
        assert canary.lower() not in logs.lower(), canary

    # Every byte of the database, including the write-ahead log, after the engine lets go of it.
    core.db.dispose()
    db_path = Path(core.settings.resolved_database_url.split("///", 1)[1])
    files = [p for p in db_path.parent.iterdir() if p.name.startswith(db_path.name)]
    data = b"".join(p.read_bytes() for p in files)
    assert len(data) > 10_000
    for canary in CANARIES:
        for form in variants(canary):
            assert form not in data, (canary, form)
    # The report text itself is not readable either.
    assert b"bus stop" not in data and b"Police informed" not in data

    # And the schema has no column that could hold an identity, by name.
    columns = {c.name for t in Base.metadata.sorted_tables if t.name.startswith("report") for c in t.columns}
    assert not {"user_id", "chat_id", "username", "sender", "sender_name", "slack_user_id"} & columns
