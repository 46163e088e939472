"""Anonymous concern reports: stored safely, routed to the Designated Safeguarding Leads, never lost.

`core.reports` (bot/reports/service.py) is the one entry point for every adapter; the errors below carry
messages written for the person who will read them.
"""

from bot.reports.domain import (
    AccessDenied,
    Actor,
    Attachment,
    Category,
    NotAReceiptCode,
    Receipt,
    ReceiptNotFound,
    ReplyAddress,
    ReportError,
    SenderView,
    TooManyAttempts,
)

__all__ = [
    "AccessDenied",
    "Actor",
    "Attachment",
    "Category",
    "NotAReceiptCode",
    "Receipt",
    "ReceiptNotFound",
    "ReplyAddress",
    "ReportError",
    "SenderView",
    "TooManyAttempts",
]
