"""`SlackNotifier`: how the outbox delivers on Slack. Alerts about a case are updated in place.

A recipient address is a channel id (C..., G..., D...) or a user id (U..., W...), for which a DM is opened.
For report alerts and updates (`ref` = the case reference) the channel and timestamp of each posted message are
kept in `slack_alert_messages`; later messages about the same case edit those messages (chat.update) instead of
posting new ones, so the DSL channel shows each case once, in its current state.

A Home tab redraw (`REDRAW_HOME`, queued by the core for each person a changed case is listed for) publishes that
person's App Home, drawn now (views.publish): a tab kept open shows the case as it is.
"""

from __future__ import annotations

import logging
import threading
from typing import TYPE_CHECKING, Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from sqlalchemy import delete, select

from bot.ports import REDRAW_HOME, DeliveryError, OutboundMessage, Platform
from handlers.slack.blocks import Block, notification_text, outbound_blocks
from handlers.slack.client import delivery_error, make_web_client
from handlers.slack.home import home_view
from handlers.slack.models import SlackAlertMessage

if TYPE_CHECKING:
    from bot.core import Core

log = logging.getLogger(__name__)

# Messages about a case that are kept up to date where they were posted.
IN_PLACE_KINDS = frozenset({"report_alert", "report_update", "report_escalation"})
# Of those, the ones that should land as a fresh message (a ping) when there is none yet in that channel,
# and that edit the existing one otherwise.
UPDATE_KINDS = frozenset({"report_update"})
# views.publish's answers that no retry changes (the app's Home tab is turned off, the view refused): the tab is
# drawn afresh anyway when next opened, and the next change queues another redraw.
HOME_REFUSALS = frozenset({"not_enabled", "invalid_arguments", "invalid_blocks", "view_too_large", "user_not_found"})


class SlackNotifier:
    platform: Platform = "slack"

    def __init__(self, core: Core, client: WebClient | None = None) -> None:
        self.core = core
        self.client = client or make_web_client(core.settings, retry_rate_limits=False)
        self._dm_channels: dict[str, str] = {}
        self._lock = threading.Lock()

    # --- the Notifier port ---
    def deliver(self, message: OutboundMessage) -> None:
        if message.kind == REDRAW_HOME:
            self._publish_home(message)
            return
        try:
            channel = self.channel_for(message.recipient.address)
            blocks = outbound_blocks(message)
            text = notification_text(message.title or message.text)
            if message.ref and message.kind in UPDATE_KINDS:
                edited: str | None = None
                for ts in self.posted(message.ref, channel):
                    try:
                        self._update(channel, ts, text, blocks)
                        edited = ts
                    except SlackApiError as exc:
                        if exc.response.get("error") != "message_not_found":
                            raise
                        self.forget(channel, ts)  # deleted in Slack: the card is posted afresh below
                if edited:
                    if message.ping:  # an edit notifies nobody: news is also said under the card, and in the channel
                        self.client.chat_postMessage(
                            channel=channel, thread_ts=edited, reply_broadcast=True, text=message.ping,
                            unfurl_links=False, unfurl_media=False,
                        )
                    return
            elif message.ref and message.kind == "report_alert" and self.posted(message.ref, channel):
                # The alert was held back (a 429) while a newer state of the case was posted here as its card: the
                # older alert must not appear under it as a second, out-of-date card.
                return
            response = self.client.chat_postMessage(
                channel=channel, text=text, blocks=blocks, unfurl_links=False, unfurl_media=False
            )
            if message.ref and message.kind in IN_PLACE_KINDS:
                self.remember(message.ref, str(response["channel"]), str(response["ts"]), message.kind)
        except SlackApiError as exc:
            raise self._logged(message, delivery_error(exc)) from exc
        except DeliveryError:
            raise
        except OSError as exc:  # connection refused, timeout, DNS: Slack (or the network) is down
            raise self._logged(message, delivery_error(exc)) from exc

    def _publish_home(self, message: OutboundMessage) -> None:
        user = message.recipient.address
        try:
            self.client.views_publish(user_id=user, view=home_view(self.core, user))
        except SlackApiError as exc:
            error = delivery_error(exc)
            if exc.response.get("error") in HOME_REFUSALS:
                error.permanent = True
            raise self._logged(message, error) from exc
        except OSError as exc:
            raise self._logged(message, delivery_error(exc)) from exc

    @staticmethod
    def _logged(message: OutboundMessage, error: DeliveryError) -> DeliveryError:
        # Kind and reason only: never the text, and never the address (it may be a reporter's DM).
        log.warning("slack delivery of a %s message failed: %s", message.kind, error)
        return error

    def dsl_channel_problem(self) -> str | None:
        """Why alerts cannot be posted to SLACK_DSL_CHANNEL, for the start-up log; None when they can (or Slack
        cannot be asked just now). A card the channel refuses goes to the DSLs by direct message instead."""
        channel = self.core.settings.slack_dsl_channel
        if not channel:
            return None
        try:
            info = self.client.conversations_info(channel=channel)
        except SlackApiError as exc:
            error = str(exc.response.get("error", "error"))
            if error not in ("channel_not_found", "missing_scope", "not_in_channel"):
                return None  # rate limited, a bad token (said elsewhere) or an outage: nothing known about the channel
            return (f"Slack will not show the bot the DSL channel {channel} ({error}): check SLACK_DSL_CHANNEL is "
                    "the channel's id (C... from its details), and that the app has the groups:read scope. Until "
                    "then alerts go to the DSLs by direct message.")
        except OSError:
            return None
        found = info.get("channel") or {}
        if found.get("is_archived"):
            return (f"The DSL channel {channel} is archived: unarchive it, or set SLACK_DSL_CHANNEL to another. "
                    "Until then alerts go to the DSLs by direct message.")
        if not found.get("is_member"):
            return (f"The bot is not in the DSL channel {channel}: invite it (type /invite @policybot in the "
                    "channel). Until then alerts go to the DSLs by direct message.")
        return None

    # --- addresses ---
    def channel_for(self, address: str) -> str:
        """A channel id for posting: user ids are turned into their DM channel (cached)."""
        if not address or address[0] not in "UW":
            return address
        with self._lock:
            cached = self._dm_channels.get(address)
        if cached:
            return cached
        response = self.client.conversations_open(users=address)
        channel = str(response["channel"]["id"])
        with self._lock:
            self._dm_channels[address] = channel
        return channel

    # --- messages kept up to date ---
    def posted(self, ref: str, channel: str | None = None) -> list[str]:
        """Timestamps of the alert messages about `ref` in `channel`."""
        with self.core.db.session() as session:
            query = select(SlackAlertMessage.ts).where(SlackAlertMessage.ref == ref)
            if channel is not None:
                query = query.where(SlackAlertMessage.channel == channel)
            return list(session.scalars(query.order_by(SlackAlertMessage.id)))

    def posted_everywhere(self, ref: str) -> list[tuple[str, str]]:
        with self.core.db.session() as session:
            rows = session.execute(
                select(SlackAlertMessage.channel, SlackAlertMessage.ts)
                .where(SlackAlertMessage.ref == ref)
                .order_by(SlackAlertMessage.id)
            ).all()
            return [(str(c), str(t)) for c, t in rows]

    def remember(self, ref: str, channel: str, ts: str, kind: str) -> None:
        now = self.core.clock.now()
        with self.core.db.session() as session:
            exists = session.scalar(
                select(SlackAlertMessage.id).where(SlackAlertMessage.channel == channel, SlackAlertMessage.ts == ts)
            )
            if exists is None:
                session.add(
                    SlackAlertMessage(ref=ref, channel=channel, ts=ts, kind=kind, created_at=now, updated_at=now)
                )

    def forget(self, channel: str, ts: str) -> None:
        """Stop keeping a message up to date (it was deleted in Slack)."""
        with self.core.db.session() as session:
            session.execute(
                delete(SlackAlertMessage).where(SlackAlertMessage.channel == channel, SlackAlertMessage.ts == ts)
            )

    def update_everywhere(self, ref: str, text: str, blocks: list[Block]) -> int:
        """Edit every alert message about `ref` to show `blocks`; returns how many were edited."""
        edited = 0
        for channel, ts in self.posted_everywhere(ref):
            try:
                self._update(channel, ts, text, blocks)
                edited += 1
            except SlackApiError as exc:
                log.warning("could not update an alert message: %s", exc.response.get("error"))
        return edited

    def _update(self, channel: str, ts: str, text: str, blocks: list[Block]) -> Any:
        response = self.client.chat_update(channel=channel, ts=ts, text=text, blocks=blocks)
        now = self.core.clock.now()
        with self.core.db.session() as session:
            row = session.scalar(
                select(SlackAlertMessage).where(SlackAlertMessage.channel == channel, SlackAlertMessage.ts == ts)
            )
            if row is not None:
                row.updated_at = now
        return response
