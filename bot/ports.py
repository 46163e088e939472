"""The few ports through which the core meets the outside world.

The core never imports Slack or Telegram. It writes `OutboundMessage`s to the outbox; the dispatcher hands
each one to the `Notifier` registered for its recipient's platform. Time comes from a `Clock`, so tests and the
scheduler can move it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any, Literal, Protocol

Platform = Literal["slack", "telegram", "console"]
# An outbox kind that says nothing to anyone: its recipient's home screen (Slack's App Home), which lists the cases
# they follow, is to be drawn again from the database when it is delivered, so it shows every change until then.
REDRAW_HOME = "home_redraw"


class Clock(Protocol):
    def now(self) -> dt.datetime:
        """The current time, timezone-aware, in UTC."""
        ...


class SystemClock:
    def now(self) -> dt.datetime:
        return dt.datetime.now(dt.UTC)


@dataclass(frozen=True)
class Recipient:
    """Where a message goes: a platform and an address on it (Slack user or channel id, Telegram chat id).

    For an anonymous sender the address is `reply:<case reference>`: the platform address stays encrypted in the
    reply channel and is decrypted only at the moment of delivery, never written to the outbox.
    """

    platform: Platform
    address: str

    @property
    def has_buttons(self) -> bool:
        """Whether a message's buttons reach this person (Slack and Telegram). On the console they do not, so
        a message there names the server command that does the same."""
        return self.platform != "console"

    @property
    def edits_in_place(self) -> bool:
        """Whether a card already sent here is edited to show a case's new state (Slack). Elsewhere each update is a
        new message, so news that only keeps a card current is not worth one."""
        return self.platform == "slack"


@dataclass(frozen=True)
class Button:
    action: str  # e.g. "report.ack"; adapters route presses by this name
    label: str
    value: str = ""  # e.g. the case reference (a DSL's button), or the receipt (a sender's)
    style: Literal["primary", "danger"] | None = None


@dataclass(frozen=True)
class OutboundMessage:
    """A message the core wants delivered. `key` makes delivery idempotent: one key, one delivery."""

    key: str
    recipient: Recipient
    kind: str  # report_alert, report_escalation, sender_update, ack_reminder, review_prompt, ...
    text: str  # complete plain text; adapters may format it but never need more than this
    title: str | None = None
    fields: dict[str, str] = field(default_factory=dict)  # e.g. {"Reference": "R-7K3M9T", "Urgency": "urgent"}
    buttons: tuple[Button, ...] = ()
    ref: str | None = None  # what this message is about (e.g. a case reference), for updating it in place later
    urgent: bool = False
    # Messages with the same slot are versions of one message (a case's card for one recipient): each carries the
    # whole state, so only the newest is delivered and an older one held back by a retry never overwrites it.
    slot: str | None = None
    # News in a new version of a card (e.g. "the sender has replied"): an adapter that updates a card silently, in
    # place, also posts this line so the recipient is notified. A newer version of the card queued before this one
    # was delivered carries it on (see Outbox.enqueue), so it is never lost to a later, quieter update.
    ping: str | None = None
    # The message asks its recipient something (the school's question to a sender): what they type next may be
    # their answer. News that only tells them something does not make their next message one.
    asks: bool = False

    def to_json(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "recipient": {"platform": self.recipient.platform, "address": self.recipient.address},
            "kind": self.kind,
            "text": self.text,
            "title": self.title,
            "fields": self.fields,
            "buttons": [
                {"action": b.action, "label": b.label, "value": b.value, "style": b.style} for b in self.buttons
            ],
            "ref": self.ref,
            "urgent": self.urgent,
            "slot": self.slot,
            "ping": self.ping,
            "asks": self.asks,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> OutboundMessage:
        return cls(
            key=data["key"],
            recipient=Recipient(**data["recipient"]),
            kind=data["kind"],
            text=data["text"],
            title=data.get("title"),
            fields=dict(data.get("fields") or {}),
            buttons=tuple(Button(**b) for b in data.get("buttons") or ()),
            ref=data.get("ref"),
            urgent=bool(data.get("urgent")),
            slot=data.get("slot"),
            ping=data.get("ping"),
            asks=bool(data.get("asks")),
        )


class DeliveryError(Exception):
    """A delivery that did not happen. Retried with backoff unless `permanent`; `retry_after` honours 429s."""

    def __init__(self, reason: str, *, retry_after: float | None = None, permanent: bool = False) -> None:
        super().__init__(reason)
        self.retry_after = retry_after
        self.permanent = permanent


class Notifier(Protocol):
    """Delivers a message on one platform. Raises DeliveryError when it could not."""

    @property
    def platform(self) -> Platform: ...

    def deliver(self, message: OutboundMessage) -> None: ...


class ManualClock:
    """A clock that moves only when told: for tests, simulations and benchmarks."""

    def __init__(self, start: dt.datetime) -> None:
        if start.tzinfo is None:
            raise ValueError("ManualClock needs an aware datetime")
        self._now = start.astimezone(dt.UTC)

    def now(self) -> dt.datetime:
        return self._now

    def set(self, when: dt.datetime) -> None:
        self._now = when.astimezone(dt.UTC)

    def advance(self, delta: dt.timedelta | None = None, **kwargs: float) -> dt.datetime:
        self._now += delta if delta is not None else dt.timedelta(**kwargs)
        return self._now
