"""What every Slack listener shares: finding the services, who is pressing, and telling someone something privately.

Services are looked up through `service(core, name)`, which answers None when a service is not built yet, so
the Slack app still starts (and answers questions) while another part of the bot is missing or broken.
Nothing here logs a message body or a user id.
"""

from __future__ import annotations

import logging
import re
import traceback
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.reports.domain import ReportError
from bot.schedule.common import ScheduleError
from bot.wording import long_date
from handlers.slack.blocks import escape, notification_text, text_sections, unescape

if TYPE_CHECKING:
    from bot.core import Core

log = logging.getLogger(__name__)

UNAVAILABLE = "Sorry, that part of the bot is not available right now. Please try again later."
SOMETHING_WENT_WRONG = "Sorry, something went wrong on our side. Nothing you sent was lost; please try again."
NOT_STAFF = (
    "I don't recognise your Slack account as one of the school's staff, so I can't do that. "
    "Please ask the school office to add you."
)


def service(core: Core, name: str) -> Any:
    """`core.<name>` (reports, schedule, ...), or None when that service is not available in this build."""
    try:
        return getattr(core, name, None)
    except Exception:  # a service that fails to build must not take the whole Slack app down
        log.exception("the %s service could not be started", name)
        return None


@dataclass(frozen=True)
class StaffMember:
    """The few facts about a member of staff the adapter needs (copied out of the session)."""

    id: int
    name: str
    roles: frozenset[str]

    def has_role(self, *roles: str) -> bool:
        return bool(self.roles.intersection(roles))

    @property
    def is_dsl(self) -> bool:
        return self.has_role("dsl", "deputy_dsl")


def staff_member(core: Core, slack_user_id: str | None) -> StaffMember | None:
    """The school's record of a Slack user, or None (unknown, or left the school)."""
    if not slack_user_id:
        return None
    with core.db.session() as session:
        person = core.people.by_slack_id(session, slack_user_id)
        if person is None or not person.is_current(core.today()):
            return None
        return StaffMember(person.id, person.name, person.roles)


# How Slack writes a mention in the text it sends: <@U123>, <@U123|name>, <#C123|channel>, <!here>.
_USER_MENTION = re.compile(r"<@([UW][A-Z0-9]+)(?:\|([^>]*))?>")
_OTHER_MENTION = re.compile(r"<([#!])(?:[^>|]*\|)?([^>|]*)>")


def typed_text(core: Core, text: str) -> str:
    """What someone typed, from the text Slack sends: a mention of a colleague as their name ("@Dana Lead"), as the
    DSLs read it and as a report names someone it must be kept from; a channel or @here as its name."""

    def person(match: re.Match[str]) -> str:
        with core.db.session() as session:
            found = core.people.by_slack_id(session, match.group(1))
            name = found.name if found is not None else None
        return "@" + (name or match.group(2) or match.group(1))

    text = _USER_MENTION.sub(person, text or "")
    text = _OTHER_MENTION.sub(lambda m: ("#" if m.group(1) == "#" else "@") + m.group(2), text)
    return unescape(text)


def records_say(core: Core, slack_user_id: str | None) -> str | None:
    """For someone the school knows but who is not on the staff today, why not ("The school's records say you left
    on ..."); None for a Slack account the school does not know."""
    if not slack_user_id:
        return None
    today = core.today()
    with core.db.session() as session:
        person = core.people.by_slack_id(session, slack_user_id)
        if person is None or person.is_current(today):
            return None
        if person.start_date is not None and person.start_date > today:
            return f"The school's records say you start on {long_date(person.start_date)}"
        return f"The school's records say you left on {long_date(person.leave_date)}" if person.leave_date else None


def not_staff(core: Core, slack_user_id: str | None) -> str:
    """Why someone cannot do what only staff can, in words for them: they left, have not started, or are unknown."""
    said = records_say(core, slack_user_id)
    return f"{said}, so I can't do that. If that is wrong, please ask the school office." if said else NOT_STAFF


def tell(
    client: WebClient,
    user_id: str,
    text: str,
    *,
    channel: str | None = None,
    respond: Any = None,
    blocks: list[dict[str, Any]] | None = None,
) -> None:
    """Say something only `user_id` sees: through the response_url when there is one, else ephemeral, else DM."""
    blocks = blocks if blocks is not None else text_sections(text)
    summary = notification_text(text)
    try:
        if respond is not None:
            respond(text=summary, blocks=blocks, response_type="ephemeral", replace_original=False)
            return
        if channel and channel[0] in "CG":
            client.chat_postEphemeral(channel=channel, user=user_id, text=summary, blocks=blocks)
            return
        client.chat_postMessage(channel=channel or user_id, text=summary, blocks=blocks)
    except (SlackApiError, OSError) as exc:
        log.warning("could not send a private reply: %s", slack_failure(exc))


def slack_failure(exc: SlackApiError | OSError) -> str:
    """What went wrong reaching Slack, for the log: Slack's error code, or the kind of network failure (a timeout, a
    dropped connection; urllib's URLError is an OSError too)."""
    return str(exc.response.get("error")) if isinstance(exc, SlackApiError) else type(exc).__name__


def tell_in_session(client: WebClient, user_id: str, text: str) -> None:
    """Say something in the direct messages with `user_id` that only they see, and only in the Slack they have open
    (ephemeral: Slack keeps no copy, and it is gone when they reload): for what must not stay tied to them (an
    anonymous report's receipt). Never raises."""
    try:
        channel = client.conversations_open(users=user_id)["channel"]["id"]
        client.chat_postEphemeral(channel=channel, user=user_id, text=notification_text(text),
                                  blocks=text_sections(text))
    except (SlackApiError, OSError) as exc:
        log.warning("could not send a private reply: %s", slack_failure(exc))


def safe(text: str) -> str:
    return escape(text)


def kind_error(exc: Exception) -> str:
    """The core's own words for a problem it expects (they are written for the user); an apology otherwise."""
    if isinstance(exc, ReportError | ScheduleError):
        return str(exc)
    # The type and traceback only: exception messages from deeper down might quote what someone typed.
    where = "".join(traceback.format_tb(exc.__traceback__)[-3:])
    log.error("a Slack request failed with %s\n%s", type(exc).__name__, where)
    return SOMETHING_WENT_WRONG
