"""Modal submissions: a staff member's report; a DSL's note, question to the sender, closing outcome, or reason to
re-open a case; and a policy owner's review ("Reviewed and updated": the new version, if any, and notes).

The core call is made before ack() (it is a quick database write) so that a problem it finds, such as an
empty description or a refused DSL, is shown in the modal itself, next to the field.
"""

from __future__ import annotations

import logging
import threading
from concurrent.futures import Future, ThreadPoolExecutor
from concurrent.futures import TimeoutError as StillSaving
from typing import TYPE_CHECKING, Any

from slack_bolt import Ack, App
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from handlers.slack.blocks import (
    REVIEW_CALLBACK,
    REVIEW_NOTES_BLOCK,
    REVIEW_VERSION_BLOCK,
    escape,
    mrkdwn_section,
    read_metadata,
    state_checked,
    state_present,
    state_selected,
    state_selected_all,
    state_value,
)
from handlers.slack.common import (
    UNAVAILABLE,
    kind_error,
    not_staff,
    service,
    slack_failure,
    staff_member,
    tell,
    tell_in_session,
)
from handlers.slack.home import publish_home
from handlers.slack.listeners.actions import REPORT_ACTIONS
from handlers.slack.report_views import (
    ABOUT_BLOCK,
    ASK_CALLBACK,
    CATEGORY_BLOCK,
    CLOSE_CALLBACK,
    DESCRIPTION_BLOCK,
    NOTE_CALLBACK,
    REOPEN_CALLBACK,
    REPORT_CALLBACK,
    SHARE_BLOCK,
    SLACK_FOLLOW_UP,
    TEXT_BLOCK,
    message_modal,
    receipt_modal,
    report_form,
)

if TYPE_CHECKING:
    from bot.core import Core
    from bot.reports.domain import Receipt
    from handlers.slack.app import Later

log = logging.getLogger(__name__)

NOTED = "Your note has been added to report {code}."



FIELD_ERROR_LIMIT = 150  # an error shown under a form field is kept this short
# Slack drops a form's answer after 3 seconds and tells the sender it could not connect. A report not saved by
# then (another write holding the database) is answered with a window saying so, then given its receipt there.
SUBMIT_WAIT = 2.0
SAVING = ("Your report is being saved. Please keep this window open: your receipt code will appear here in a "
          "moment. If you close it, the code comes to your messages with me instead, seen only by you and only "
          "until Slack is reloaded.")
ONLY_HERE = "Only you can see this message, and it is gone once you reload Slack."
SAVING_CALLBACK = "report.saving"  # the window saying so: Slack tells us when it is closed (notify_on_close)
NOT_SAVED = ("Your report could not be saved, so it has not been sent: {error} Here is what you wrote, to send it "
             "again with /report:\n\n{written}")


def saving_modal() -> dict[str, Any]:
    return {**message_modal("Sending your report", SAVING), "callback_id": SAVING_CALLBACK, "notify_on_close": True}


def register(app: App, core: Core, later: Later) -> None:
    saver = ThreadPoolExecutor(max_workers=4, thread_name_prefix="slack-report")  # reports being saved
    # The windows saying a report is being saved, by id, until its receipt is given: whether the sender closed it
    # before the receipt could be shown in it. Nothing of who they are: that is only passed on to finish_saving.
    waiting: dict[str, bool] = {}
    waiting_lock = threading.Lock()

    @app.view(REPORT_CALLBACK)
    def report_submitted(ack: Ack, body: dict[str, Any], view: dict[str, Any], client: WebClient) -> None:
        reports = service(core, "reports")
        if reports is None:
            ack(response_action="errors", errors={DESCRIPTION_BLOCK: UNAVAILABLE})
            return
        from bot.reports.domain import ReplyAddress

        category = state_selected(view, CATEGORY_BLOCK)
        text = state_value(view, DESCRIPTION_BLOCK)
        # Named only when the form says so: a submission without the box's state (a form from another version) stays
        # anonymous rather than signing someone's report with their name.
        anonymous = state_checked(view, "anonymous") or not state_present(view, "anonymous")
        user_id = str(body.get("user", {}).get("id", ""))
        reply_to, who = None, None
        if not anonymous:
            # The sender chose to give their name: it goes in the report, and questions can reach them here.
            person = staff_member(core, user_id)
            who = person.name if person else "a member of staff whose Slack account the bot does not know"
            reply_to = ReplyAddress("slack", user_id)
        about = state_selected_all(view, ABOUT_BLOCK)
        saving = saver.submit(
            reports.submit, category, text, channel="slack", reply_to=reply_to, reported_by=who, named_people=about
        )
        try:
            receipt = saving.result(timeout=SUBMIT_WAIT)
        except StillSaving:
            view_id = str(view.get("id") or "")
            with waiting_lock:
                waiting[view_id] = False
            ack(response_action="update", view=saving_modal())
            later(finish_saving, client, view_id, saving, user_id, text, anonymous=anonymous)
            return
        except Exception as exc:
            said = kind_error(exc)
            if len(said) > FIELD_ERROR_LIMIT:
                # Too long to show under a field: shown in a window over the form, which is kept to edit or close.
                ack(response_action="push", view=message_modal("Not sent", said))
                return
            block = CATEGORY_BLOCK if not category else DESCRIPTION_BLOCK
            ack(response_action="errors", errors={block: said})
            return
        # The receipt is shown in the modal: Slack keeps no copy of it, so nothing ties it to the sender.
        text = receipt.sender_text(named=not anonymous, kept=not anonymous, follow_up=SLACK_FOLLOW_UP)
        ack(response_action="update", view=receipt_modal(text, keeps_copy=not anonymous))
        if not anonymous:
            later(tell, client, user_id, text)

    @app.view_closed(SAVING_CALLBACK)
    def saving_closed(ack: Ack, view: dict[str, Any]) -> None:
        """The sender closed the window before their receipt was shown in it: it goes to them another way."""
        ack()
        view_id = str(view.get("id") or "")
        with waiting_lock:
            if view_id in waiting:
                waiting[view_id] = True

    def finish_saving(
        client: WebClient, view_id: str, saving: Future[Receipt], user_id: str, written: str, *, anonymous: bool
    ) -> None:
        """The receipt of a report that was slow to save, in the window the sender keeps open; or, if it could not
        be saved, the form again with what they wrote, to send again. Closed meanwhile (or gone: the update is
        refused), the window cannot show it: an anonymous sender is told in a message only they see, and only in
        the Slack they have open (ephemeral, which Slack keeps no copy of), so it ties them to nothing stored; a
        named sender has it by direct message already."""
        try:
            receipt = saving.result()
        except Exception as exc:
            reports = service(core, "reports")
            if reports is None:
                return
            form = report_form(reports, written)
            form["blocks"].insert(0, mrkdwn_section(f":warning: *{escape(kind_error(exc))}*"))
            if not show(client, view_id, form):
                tell_in_session(client, user_id, NOT_SAVED.format(error=kind_error(exc), written=written))
            return
        text = receipt.sender_text(named=not anonymous, kept=not anonymous, follow_up=SLACK_FOLLOW_UP)
        if not anonymous:
            tell(client, user_id, text)  # first: a named sender keeps it even if the window was closed
        if not show(client, view_id, receipt_modal(text, keeps_copy=not anonymous)) and anonymous:
            tell_in_session(client, user_id, f"{text}\n\n{ONLY_HERE}")

    def show(client: WebClient, view_id: str, shown: dict[str, Any]) -> bool:
        """`shown` in the window that said the report was being saved; False if the sender closed it first, or Slack
        refused or did not answer (then it may not show, so the sender is told another way too)."""
        with waiting_lock:
            closed = waiting.pop(view_id, False)
        if closed:
            return False
        try:
            client.views_update(view_id=view_id, view=shown)
        except (SlackApiError, OSError) as exc:
            log.warning("could not show a report's receipt in its window: %s", slack_failure(exc))
            return False
        return True

    def case_step(callback_id: str) -> None:
        @app.view(callback_id)
        def submitted(ack: Ack, body: dict[str, Any], view: dict[str, Any], client: WebClient) -> None:
            reports = service(core, "reports")
            if reports is None:
                ack(response_action="errors", errors={TEXT_BLOCK: UNAVAILABLE})
                return
            code = read_metadata(view.get("private_metadata")).get("code", "")
            text = state_value(view, TEXT_BLOCK).strip()
            user_id = str(body.get("user", {}).get("id", ""))
            try:
                actor = reports.actor(slack_user_id=user_id)
                if actor is None:
                    reports.record_refused_attempt(code, reports.refused_name(slack_user_id=user_id),
                                                   REPORT_ACTIONS[callback_id])
                    ack(response_action="errors",
                        errors={TEXT_BLOCK: "Only the Designated Safeguarding Leads can act on a report."})
                    return
                if callback_id == NOTE_CALLBACK:
                    reports.add_note(code, actor, text)
                    done = NOTED.format(code=code)
                elif callback_id == ASK_CALLBACK:  # the core says what the sender gets, as on the command line
                    done = reports.ask_sender(code, actor, text).asked_text()
                elif callback_id == REOPEN_CALLBACK:
                    done = reports.reopen(code, actor, text).reopened_text()
                else:
                    share = state_checked(view, SHARE_BLOCK)
                    done = reports.close(code, actor, text, share_with_sender=share).closed_text()
            except Exception as exc:
                ack(response_action="errors", errors={TEXT_BLOCK: kind_error(exc)[:150]})
                return
            ack()
            later(tell, client, user_id, done)

    for callback_id in (NOTE_CALLBACK, ASK_CALLBACK, CLOSE_CALLBACK, REOPEN_CALLBACK):
        case_step(callback_id)

    @app.view(REVIEW_CALLBACK)
    def review_submitted(ack: Ack, body: dict[str, Any], view: dict[str, Any], client: WebClient) -> None:
        where = read_metadata(view.get("private_metadata"))
        policy_id = where.get("policy", "")
        version = state_value(view, REVIEW_VERSION_BLOCK).strip()
        notes = state_value(view, REVIEW_NOTES_BLOCK).strip()
        user_id = str(body.get("user", {}).get("id", ""))
        schedule = service(core, "schedule")
        if schedule is None:
            ack(response_action="errors", errors={REVIEW_VERSION_BLOCK: UNAVAILABLE})
            return
        person = staff_member(core, user_id)
        if person is None:
            ack(response_action="errors", errors={REVIEW_VERSION_BLOCK: not_staff(core, user_id)})
            return
        try:
            status = schedule.reviews.mark_reviewed(
                policy_id, reviewer=person.name, notes=notes or "reviewed and updated (Slack)",
                new_version=version or None, by_person_id=person.id,
            )
        except Exception as exc:  # the core's words (e.g. only the owner may record it), next to the field
            ack(response_action="errors", errors={REVIEW_VERSION_BLOCK: kind_error(exc)[:150]})
            return
        ack()
        if where.get("home"):
            later(publish_home, core, client, user_id)  # the redrawn Home tab shows the review
            return
        recorded = f"version {version}" if version else "no new version"
        later(tell, client, user_id, f"Thank you, the review of the {status.title} is recorded ({recorded}). "
                                     f"It is {status.state}.", channel=where.get("channel") or None)
