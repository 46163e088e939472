"""The reports summary for governors: counts only, and never a count of a concern kept from whoever asks."""

from __future__ import annotations

import datetime as dt

import pytest

from bot.core import Core
from bot.ports import ManualClock
from bot.reports import AccessDenied, ReportError
from tests.reports.conftest import actor

TEXT = "Tom in Year 4 said an adult online asked to meet him."


def _by(rows: list[tuple[str, int]]) -> dict[str, int]:
    return dict(rows)


def test_the_year_so_far_is_counted_by_kind_month_and_state(core: Core, clock: ManualClock) -> None:
    reports = core.reports
    clock.set(dt.datetime(2026, 8, 31, 22, 30, tzinfo=dt.UTC))  # 23:30 on 31 August in London: last school year
    reports.submit("online_abuse", TEXT, channel="console")
    clock.set(dt.datetime(2026, 9, 30, 23, 30, tzinfo=dt.UTC))  # 00:30 on 1 October in London
    urgent = reports.submit("child_at_risk", TEXT, channel="console")
    clock.advance(hours=2)
    reports.escalate_due()  # nobody acknowledged it in time
    reports.close(urgent.reference, actor(core, "Dana Lead"), "Referred to children's social care.")
    clock.set(dt.datetime(2026, 11, 25, 10, 0, tzinfo=dt.UTC))
    acknowledged = reports.submit("other", TEXT, channel="console")
    reports.acknowledge(acknowledged.reference, actor(core, "Dana Lead"))
    reports.submit("other", TEXT, channel="console")

    summary = reports.summary(actor(core, "Chris Chair"))  # who may open none of these, but counts them all
    assert (summary.since, summary.until, summary.total) == (dt.date(2026, 9, 1), dt.date(2026, 11, 25), 3)
    assert _by(summary.by_category) == {
        "A child at risk": 1, "Extremism or radicalisation": 0, "Online abuse or cyber-bullying": 0,
        "An inappropriate post about the school": 0, "A concern about a member of staff": 0,
        "A concern about the headteacher": 0, "Something else": 2,
    }
    assert summary.by_month == [("September 2026", 0), ("October 2026", 1), ("November 2026", 2)]
    assert summary.by_state == [("not yet acknowledged", 1), ("being looked at", 1), ("closed", 1)]
    assert (summary.urgent, summary.escalated) == (1, 1)
    # Counts, and nothing else: no text, no reference, no receipt.
    assert all(word not in repr(summary) for word in ("Tom", urgent.reference, urgent.code))

    last_year = reports.summary(actor(core, "Chris Chair"), since=dt.date(2026, 8, 1), until=dt.date(2026, 8, 31))
    assert (last_year.total, _by(last_year.by_category)["Online abuse or cyber-bullying"]) == (1, 1)


def test_a_concern_about_the_headteacher_is_counted_only_by_those_who_may_open_it(core: Core) -> None:
    reports = core.reports
    reports.submit("headteacher_concern", "The head teacher grabbed my son's arm.", channel="console")
    reports.submit("child_at_risk", "Alex Head left a pupil alone with a visitor.", channel="console")
    reports.submit("child_at_risk", TEXT, channel="console")

    head = reports.summary(actor(core, "Alex Head"))
    assert head.total == 1 and _by(head.by_category)["A child at risk"] == 1
    assert "A concern about the headteacher" not in _by(head.by_category)  # not even a row saying 0
    dsl = reports.summary(actor(core, "Dana Lead"))  # nor a DSL, whom the head manages
    assert dsl.total == 2 and "A concern about the headteacher" not in _by(dsl.by_category)
    chair = reports.summary(actor(core, "Chris Chair"))
    assert chair.total == 3
    assert _by(chair.by_category)["A concern about the headteacher"] == 1
    assert _by(chair.by_category)["A child at risk"] == 2


def test_only_those_who_handle_reports_get_a_summary_of_a_period_that_makes_sense(core: Core) -> None:
    with pytest.raises(AccessDenied):
        core.reports.summary(actor(core, "Jo Teacher"))
    with pytest.raises(ReportError, match="would start on Friday 1 January 2027, after it ends on Wednesday 25 "
                                          "November 2026. Please give a start date before the end date."):
        core.reports.summary(actor(core, "Alex Head"), since=dt.date(2027, 1, 1))
