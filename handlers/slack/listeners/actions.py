"""Button presses (and the Home tab's section picker), routed by action id to the core.

Report buttons on a DSL alert: Acknowledge, Add note, Ask the sender, Close, and on a closed case Re-open (the last
four open a form, see views.py), and "Read the whole report" (Open, on the Home tab). The core decides who may
act; anyone it refuses gets a private refusal, and the refused attempt is recorded in the case's chronology.
Schedule buttons (reviews, acknowledgements, photos, leavers) go to `core.schedule`; "Reviewed and updated" first
opens a modal for the new version and notes (views.py records it), while "no changes needed" is recorded in one press.
"""

from __future__ import annotations

import logging
import re
import threading
from collections import OrderedDict
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from slack_bolt import Ack, App, Respond
from slack_sdk import WebClient

from bot.reports.domain import ACKNOWLEDGE, ADD_NOTE, ASK_SENDER, CLOSE_REPORT, OPEN_REPORT, REOPEN_REPORT
from handlers.slack.answers import record_feedback, whole_section
from handlers.slack.blocks import base_action, review_modal, without_feedback_buttons
from handlers.slack.common import UNAVAILABLE, kind_error, not_staff, records_say, service, staff_member, tell
from handlers.slack.home import publish_home
from handlers.slack.listeners.commands import open_report_modal
from handlers.slack.report_views import (
    ASK_CALLBACK,
    CLOSE_CALLBACK,
    NOTE_CALLBACK,
    REOPEN_CALLBACK,
    case_action_modal,
    case_modal,
)

if TYPE_CHECKING:
    from bot.core import Core
    from handlers.slack.app import Later

log = logging.getLogger(__name__)
FEEDBACK_REMEMBERED = 10_000  # answers whose feedback press is remembered (see first_press)

# What the chronology says a refused person tried to do: in the core's words, so every refusal reads alike.
REPORT_ACTIONS = {
    "report.ack": ACKNOWLEDGE,
    "report.note": ADD_NOTE,
    "report.ask": ASK_SENDER,
    "report.close": CLOSE_REPORT,
    "report.view": OPEN_REPORT,
    "report.reopen": REOPEN_REPORT,
}
MODAL_ACTIONS = {"report.note": NOTE_CALLBACK, "report.ask": ASK_CALLBACK, "report.close": CLOSE_CALLBACK,
                 "report.reopen": REOPEN_CALLBACK}
POLICY_GONE = "Sorry, I can't find that policy any more. The App Home shows the policies there are now."
UNKNOWN_BUTTON = "That button is out of date, so it does nothing now. Please use the newest message, or the App Home."
NOT_A_DSL = "You cannot do that on this report: only the people it was sent to can. Your attempt has been recorded."


def action_id(name: str) -> re.Pattern[str]:
    """Matches `name` and the `name#2` variants blocks.actions() makes when a message repeats a button."""
    return re.compile(rf"^{re.escape(name)}(#\d+)?$")


class Presser:
    """Who pressed, and how to answer them privately (response_url for messages, a DM for the Home tab)."""

    def __init__(self, body: dict[str, Any], client: WebClient, respond: Respond) -> None:
        self.user_id = str(body.get("user", {}).get("id", ""))
        self.channel = (body.get("channel") or {}).get("id") or (body.get("container") or {}).get("channel_id")
        self._respond = respond if body.get("response_url") else None
        self.client = client

    def tell(self, text: str) -> None:
        tell(self.client, self.user_id, text, channel=self.channel, respond=self._respond)

    def replace(self, blocks: list[dict[str, Any]], text: str) -> bool:
        """Replace the message the button was on (through its response_url); False if that could not be done."""
        if self._respond is None:
            return False
        try:
            self._respond(text=text, blocks=blocks, replace_original=True)
        except Exception as exc:  # the press is recorded; the thanks is then said privately instead
            log.warning("could not update the message a button was on: %s", type(exc).__name__)
            return False
        return True


def register(app: App, core: Core, later: Later) -> None:
    def handler(
        work: Callable[[dict[str, Any], dict[str, Any], WebClient, Presser], None],
    ) -> Callable[..., None]:
        def listener(ack: Ack, body: dict[str, Any], action: dict[str, Any], client: WebClient,
                     respond: Respond) -> None:
            ack()
            later(press, body, action, client, Presser(body, client, respond))

        def press(body: dict[str, Any], action: dict[str, Any], client: WebClient, presser: Presser) -> None:
            try:
                work(body, action, client, presser)
            except Exception as exc:
                presser.tell(kind_error(exc))

        return listener

    # --- policy answers ---
    def show_section(body: dict[str, Any], action: dict[str, Any], client: WebClient, presser: Presser) -> None:
        section_id = str(action.get("value") or (action.get("selected_option") or {}).get("value") or "")
        view = whole_section(core, section_id)
        if view is None:
            presser.tell("Sorry, I can't find that section of the policy any more.")
            return
        client.views_open(trigger_id=body["trigger_id"], view=view)

    # Answers whose "did this help?" was pressed, when the pair cannot be taken off them: a /policy answer is only
    # for its asker, and Slack sends no copy of such a message with the press. Kept in memory only, by the message's
    # time stamp and channel (nothing about who pressed), for the last FEEDBACK_REMEMBERED answers.
    pressed: OrderedDict[tuple[str, str], None] = OrderedDict()
    pressed_lock = threading.Lock()

    def first_press(body: dict[str, Any]) -> bool:
        container = body.get("container") or {}
        key = (str(container.get("message_ts") or ""), str(container.get("channel_id") or ""))
        if body.get("message") or not key[0]:
            return True  # the pair comes off the message itself (below)
        with pressed_lock:
            if key in pressed:
                return False
            pressed[key] = None
            while len(pressed) > FEEDBACK_REMEMBERED:
                pressed.popitem(last=False)
        return True

    def feedback(body: dict[str, Any], action: dict[str, Any], client: WebClient, presser: Presser) -> None:
        helpful = base_action(action) == "feedback.helpful"
        if not first_press(body):
            presser.tell("You have already told us about this answer. Thank you.")
            return
        record_feedback(core, str(action.get("value") or ""), helpful)
        # Whom to ask is the school's contact for staff questions, as in an answer the policy does not cover.
        thanks = ("Thank you, that helps us improve the answers." if helpful else
                  f"Thank you for saying so. If you still need an answer, please ask {core.qa.contact_for('staff')}.")
        message = body.get("message") or {}
        answer = message.get("blocks")
        if answer and presser.replace(without_feedback_buttons(answer, thanks), message.get("text") or thanks):
            return  # the pair is gone from the answer, so the same answer cannot be counted twice
        presser.tell(thanks)

    app.action(action_id("policy.section"))(handler(show_section))
    app.action(action_id("policy.section.select"))(handler(show_section))
    app.action(action_id("feedback.helpful"))(handler(feedback))
    app.action(action_id("feedback.unhelpful"))(handler(feedback))

    # --- reports ---
    def open_report(body: dict[str, Any], action: dict[str, Any], client: WebClient, presser: Presser) -> None:
        problem = open_report_modal(core, client, body["trigger_id"])
        if problem:
            presser.tell(problem)

    def on_report(body: dict[str, Any], action: dict[str, Any], client: WebClient, presser: Presser) -> None:
        reports = service(core, "reports")
        if reports is None:
            presser.tell(UNAVAILABLE)
            return
        name = base_action(action)
        code = str(action.get("value") or "")
        actor = reports.actor(slack_user_id=presser.user_id)
        if actor is None:  # not on the staff today: unknown, or left (then named, and told so)
            reports.record_refused_attempt(code, reports.refused_name(slack_user_id=presser.user_id),
                                           REPORT_ACTIONS.get(name, name))
            presser.tell(not_staff(core, presser.user_id) if records_say(core, presser.user_id) else NOT_A_DSL)
            return
        from bot.reports.domain import AccessDenied, ReportError

        try:
            if name == "report.ask":
                # Whether the question can reach the sender is said on the form, before it is written.
                reachable = reports.sender_reachable(code, actor)
                client.views_open(trigger_id=body["trigger_id"],
                                  view=case_action_modal(ASK_CALLBACK, code, sender_reachable=reachable))
            elif name in MODAL_ACTIONS:
                # Refused now, not after the form is filled in; the core checks again when it is sent.
                reports.check_access(code, actor, REPORT_ACTIONS[name])
                client.views_open(trigger_id=body["trigger_id"], view=case_action_modal(MODAL_ACTIONS[name], code))
            elif name == "report.ack":
                view = reports.acknowledge(code, actor)
                presser.tell(view.acknowledged_text(actor) + " The alert will show it in a moment.")
            elif name == "report.view":
                case = reports.case(code, actor)
                client.views_open(trigger_id=body["trigger_id"], view=case_modal(case, core.school.tz))
        except ReportError as exc:  # every button on the card refuses in the same words
            presser.tell(NOT_A_DSL if isinstance(exc, AccessDenied) else str(exc))

    app.action(action_id("report.open"))(handler(open_report))
    for name in REPORT_ACTIONS:
        app.action(action_id(name))(handler(on_report))

    # --- schedule: acknowledgements, reviews, photos, leavers ---
    def on_schedule(body: dict[str, Any], action: dict[str, Any], client: WebClient, presser: Presser) -> None:
        schedule = service(core, "schedule")
        person = staff_member(core, presser.user_id)
        if person is None:
            presser.tell(not_staff(core, presser.user_id))
            return
        if schedule is None:
            presser.tell(UNAVAILABLE)
            return
        name, value = base_action(action), str(action.get("value") or "")
        reply: str | None = None
        if name == "ack.accept":
            policy_id, _, version = value.rpartition(":")
            policy = core.policies.policies.get(policy_id)
            title = f"the {policy.title}" if policy is not None else "the policy"
            if schedule.acks.acknowledge(person.id, policy_id, version):
                reply = f"Thank you. You have accepted version {version} of {title}; this is recorded with the time."
            else:  # a second press, or the reminder's button after the Home tab's
                reply = f"You had already accepted version {version} of {title}, so there is nothing more to do."
        elif name.startswith("review.") and value not in core.policies.policies:
            presser.tell(POLICY_GONE)  # a policy since removed (or a forged button)
            return
        elif name == "review.done":
            # The new version and notes are asked for in a modal; the core records (and checks) on submit.
            status = next(s for s in schedule.reviews.status() if s.policy_id == value)
            home = (body.get("view") or {}).get("type") == "home"
            view = review_modal(value, status.title, status.version, home="1" if home else "",
                                channel="" if home else str(presser.channel or ""))
            client.views_open(trigger_id=body["trigger_id"], view=view)
            return
        elif name == "review.nochange":
            status = schedule.reviews.mark_reviewed(value, reviewer=person.name, by_person_id=person.id,
                                                    notes="no changes needed")
            done = "was already recorded" if status.already_on else "is recorded"
            reply = f"Thank you: the review of the {status.title} {done}. It is now {status.state}."
        elif name == "photos.done":
            reply = schedule.photos.confirm(int(value) if value.isdigit() else person.id, by_person_id=person.id)
        elif name == "leaver.done":
            reply = schedule.leavers.confirm(
                int(value) if value.isdigit() else value, person.name, by_person_id=person.id
            )
        if (body.get("view") or {}).get("type") == "home":
            publish_home(core, client, presser.user_id)  # the redrawn Home tab shows what was recorded
        elif reply:
            presser.tell(reply)

    for name in ("ack.accept", "review.done", "review.nochange", "photos.done", "leaver.done"):
        app.action(action_id(name))(handler(on_schedule))

    # Last: a button none of the above knows (on a message from an older version of the bot, or forged) has its
    # spinner stopped and is said to be out of date, instead of Slack's bare warning sign.
    def unknown_button(body: dict[str, Any], action: dict[str, Any], client: WebClient, presser: Presser) -> None:
        log.info("a button this version does not know was pressed")
        presser.tell(UNKNOWN_BUTTON)

    app.action(re.compile(".+"))(handler(unknown_button))
