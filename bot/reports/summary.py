"""The reports summary for governors (`policybot reports summary`): counts only, never who or what.

A governing body hears each year how many concerns came in, of what kind, when, and how they were handled. This
counts reports received in a period by kind of concern, by month, by their state now, and how many were escalated
because nobody acknowledged them in time. It holds no report text, no names (of senders, pupils or staff), no case
references: only numbers. A report about someone who handles reports (naming them, or a concern about the
headteacher) is counted only for those who may open it, so even a count never tells the headteacher of a concern
about themself, nor a DSL of one about the head.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from bot.reports.domain import ACKNOWLEDGED, CLOSED, IN_PROGRESS, NEW, Category

STATES = (  # a report's state now, as the summary names it
    ("not yet acknowledged", (NEW,)),
    ("being looked at", (ACKNOWLEDGED, IN_PROGRESS)),
    ("closed", (CLOSED,)),
)
SCHOOL_YEAR_STARTS = (9, 1)  # 1 September: a summary's period by default is the school year so far


@dataclass(frozen=True)
class Counted:
    """One report as the summary sees it: nothing that could say who sent it or what it said."""

    category: Category
    received_on: dt.date  # in the school's time zone
    status: str
    urgent: bool
    escalated: bool


@dataclass(frozen=True)
class ReportsSummary:
    since: dt.date
    until: dt.date
    total: int
    by_category: list[tuple[str, int]]  # every kind of concern the reader may see, in the menu's order
    by_month: list[tuple[str, int]]  # every month of the period, "September 2026"
    by_state: list[tuple[str, int]]
    urgent: int
    escalated: int  # not acknowledged before its first escalation step


def school_year_start(today: dt.date) -> dt.date:
    month, day = SCHOOL_YEAR_STARTS
    start = dt.date(today.year, month, day)
    return start if start <= today else start.replace(year=today.year - 1)


def summarise(
    reports: Sequence[Counted], categories: Sequence[Category], since: dt.date, until: dt.date
) -> ReportsSummary:
    """Counts of `reports` received from `since` to `until` (both included). `categories`: the kinds the reader may
    see a count of, listed even when none came; a report of a kind no longer offered is counted under its key."""
    inside = [r for r in reports if since <= r.received_on <= until]
    labels = [c.label for c in categories]
    for report in inside:
        if report.category.label not in labels:
            labels.append(report.category.label)
    months: list[tuple[int, int]] = []
    month = since.replace(day=1)
    while month <= until:
        months.append((month.year, month.month))
        month = (month + dt.timedelta(days=32)).replace(day=1)
    return ReportsSummary(
        since=since,
        until=until,
        total=len(inside),
        by_category=[(label, sum(r.category.label == label for r in inside)) for label in labels],
        by_month=[
            (dt.date(year, number, 1).strftime("%B %Y"),
             sum((r.received_on.year, r.received_on.month) == (year, number) for r in inside))
            for year, number in months
        ],
        by_state=[(name, sum(r.status in statuses for r in inside)) for name, statuses in STATES],
        urgent=sum(r.urgent for r in inside),
        escalated=sum(r.escalated for r in inside),
    )
