"""The App Home tab: a member of staff's policy acknowledgements, the policy's sections, and a way to report.

Those who handle reports first see the open concerns they follow (`core.reports.cases_to_follow`, which decides
whose they are), each with its Open button; the tab is drawn afresh each time it is opened, and published again
(by the notifier) for everyone a case is listed for when the case changes. The headteacher also
sees each policy's review status and how many staff have acknowledged it. Everything else shown comes from
`core.schedule` and `core.policies`; when the schedule service is missing the tab still shows the sections and the
report button.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.wording import counted
from handlers.slack.blocks import (
    PHOTOS_HINT,
    VIEW_BLOCKS,
    Block,
    actions,
    button,
    button_element,
    context,
    divider,
    escape,
    fit,
    header,
    mrkdwn_section,
    plain,
    when,
)
from handlers.slack.common import StaffMember, records_say, service, staff_member

if TYPE_CHECKING:
    from bot.core import Core

log = logging.getLogger(__name__)

HOME_CASES = 15  # open concerns listed on the Home tab; any more are counted, with where to see them all


def concerns_blocks(core: Core, slack_user_id: str) -> list[Block]:
    """The open concerns this person follows, oldest first with the urgent ones on top (as `policybot reports list`),
    each with its reference, category, status, who acknowledged it, and how long since it came in and since anyone
    last took a step on it. Nothing about who sent it. Nothing at all for someone who does not handle reports. First,
    if they are away or cover for someone away, what that changes (`away_notes`)."""
    reports = service(core, "reports")
    if reports is None:
        return []
    from bot.reports.domain import ACKNOWLEDGED, AccessDenied, ago

    try:
        actor = reports.actor(slack_user_id=slack_user_id)
        if actor is None:
            return []
        cases = reports.cases_to_follow(actor)
        away = reports.away_notes(actor)
    except AccessDenied:
        return []
    except Exception as exc:  # the type only: a message from deeper down might quote a report
        log.error("could not read the open concerns for the Home tab (%s)", type(exc).__name__)
        return [header("Open concerns"), context("_The open concerns are not available just now._")]
    now = core.clock.now()
    blocks: list[Block] = [header(f"Open concerns ({len(cases):,})" if cases else "Open concerns")]
    blocks += [mrkdwn_section(escape(note)) for note in away]  # who is away, and what it changes for them
    if not cases:
        return [*blocks, context("No open concerns are with you just now.")]
    blocks.append(context("Oldest first, urgent ones at the top. Opening a case is recorded in its chronology."))
    for case in cases[:HOME_CASES]:
        urgent = " · *urgent*" if case.category.urgent else ""
        state = escape(case.status.capitalize())
        if case.acknowledged_by is None:
            state += ", not yet acknowledged"
        elif case.status == ACKNOWLEDGED:
            state = f"Acknowledged by {escape(case.acknowledged_by)}"
        else:
            state += f", acknowledged by {escape(case.acknowledged_by)}"
        since = f"came in {ago(case.created_at, now)}"
        if case.last_activity is not None:
            since += f" · last activity {ago(case.last_activity, now)}"
        line = f"*{escape(case.code)}* · {escape(case.category.label)}{urgent}\n{state} · {since}"
        blocks.append({**mrkdwn_section(line), "accessory": button("report.view", "Open", case.code)})
    if len(cases) > HOME_CASES:
        command = f'policybot reports list --as "{actor.name}"'
        blocks.append(context(f"_And {len(cases) - HOME_CASES:,} more. To see them all, run on the bot's server (or "
                              f"ask whoever looks after it): {escape(command)}_"))
    return blocks


def _value(item: Any, *names: str, default: Any = None) -> Any:
    for name in names:
        if hasattr(item, name):
            return getattr(item, name)
    return default


def acknowledgement_blocks(core: Core, person: StaffMember) -> list[Block]:
    schedule = service(core, "schedule")
    if schedule is None:
        return []
    try:
        statuses = schedule.acks.status_for(person.id)
    except Exception:
        log.exception("could not read acknowledgement status")
        return [context("_Your acknowledgement status is not available just now._")]
    blocks: list[Block] = [header("Your policy acknowledgements")]
    if not statuses:
        blocks.append(context("Nothing for you to acknowledge."))
    for status in statuses:
        title = escape(str(_value(status, "title", "policy_id", default="Policy")))
        version = str(_value(status, "version", default=""))
        acknowledged_at = _value(status, "acknowledged_at")
        if acknowledged_at is not None:
            line = f":white_check_mark: *{title}*, version {escape(version)}: you accepted it on " \
                   f"{escape(when(acknowledged_at, core.school.tz))}."
            blocks.append(mrkdwn_section(line))
            continue
        line = f":warning: *{title}*, version {escape(version)}: *not yet acknowledged*."
        changes = list(_value(status, "changes", default=[]) or [])
        if changes:
            line += "\nWhat changed:\n" + "\n".join(f"• {escape(str(c))}" for c in changes[:10])
        policy_id = str(_value(status, "policy_id", default=""))
        blocks.append({**mrkdwn_section(line), "accessory": button(
            "ack.accept", f"I have read and accept version {version}", f"{policy_id}:{version}", "primary")})
    return blocks


def sections_blocks(core: Core) -> list[Block]:
    options = []
    library = core.policies  # once: a running bot may put edited policy files in force at any moment
    for policy, section in library.sections():
        label = section.title if len(library.policies) == 1 else f"{policy.title}: {section.title}"
        options.append({"text": plain(label, 75), "value": section.id})
    if not options:
        return []
    select = {"type": "static_select", "action_id": "policy.section.select",
              "placeholder": plain("Choose a section"), "options": options[:100]}
    policies = ", ".join(escape(p.title) for p in library.policies.values())
    return [header("Read the policy"),
            {**mrkdwn_section(f"Every section of the {policies}, word for word:"), "accessory": select}]


def oversight_blocks(core: Core) -> list[Block]:
    """For the headteacher: each policy's review status (overdue flagged) and acknowledgement compliance."""
    schedule = service(core, "schedule")
    if schedule is None:
        return []
    from bot.schedule.reviews import review_buttons

    blocks: list[Block] = [divider(), header("Reviews and compliance")]
    try:
        for review in schedule.reviews.status():
            overdue = int(_value(review, "days_overdue", default=0) or 0)
            title = escape(str(_value(review, "title", "policy_id", default="Policy")))
            # The state says it once: "OVERDUE by 1,336 days (was due ...)" or "up to date; next review due ...".
            state = escape(str(_value(review, "state", "state_text", default="")))
            state = state or (f"overdue by {counted(overdue, 'day')}" if overdue > 0 else "up to date")
            policy_id = str(_value(review, "policy_id", default=""))
            icon = ":red_circle:" if overdue > 0 else ":large_green_circle:"
            text = f"{icon} *{title}* (version {escape(str(_value(review, 'version', default='')))}): {state}"
            block = mrkdwn_section(text)
            blocks.append(block)
            if overdue > 0 and policy_id:
                blocks += actions([button_element(b) for b in review_buttons(policy_id)])  # as on the prompt
        blocks += [context(escape(line)) for line in compliance_lines(schedule.acks.compliance(None))]
    except Exception:
        log.exception("could not read review status or compliance")
        blocks.append(context("_Review status is not available just now._"))
    return blocks


def compliance_lines(rows: Sequence[Any]) -> list[str]:
    """One line per policy version being acknowledged: how many have, and who has not yet (first few)."""
    grouped: dict[tuple[str, str], list[Any]] = {}
    for row in rows:
        grouped.setdefault((str(row.title), str(row.version)), []).append(row)
    lines = []
    for (title, version), members in grouped.items():
        # Someone with no Slack id is never reminded (their acceptance is recorded on paper): the head should know.
        waiting = sorted(str(r.name) + ("" if getattr(r, "on_slack", True) else " (no Slack account)")
                         for r in members if r.acknowledged_at is None)
        line = f"{title} version {version}: {len(members) - len(waiting):,} of {len(members):,} staff have accepted it"
        if waiting:
            shown = ", ".join(waiting[:10]) + (f" and {len(waiting) - 10:,} more" if len(waiting) > 10 else "")
            line += f". Not yet: {shown}"
        if not getattr(members[0], "reminded", True):
            line += ". It has not been published, so nobody is reminded to accept it"
        lines.append(line + ".")
    return lines or ["No acknowledgement campaign is open."]


def home_view(core: Core, slack_user_id: str) -> dict[str, Any]:
    person = staff_member(core, slack_user_id)
    blocks: list[Block] = [header(f"{core.school.name}: policies")]
    said = records_say(core, slack_user_id) if person is None else None
    if said:  # a leaver, or a starter before their first day
        # Someone starting early may take the date for a mistake: said whom to ask, as for what they cannot do.
        blocks.append(mrkdwn_section(f"{escape(said)}. You can read the policy, ask me about it with /policy and "
                                     "report a concern. If that date is wrong, please ask the school office."))
    elif person is None:
        blocks.append(mrkdwn_section(
            "I don't recognise your Slack account as one of the school's staff. You can still read the policy "
            "and report a concern; to see your acknowledgements, ask the school office to add you."))
    else:
        blocks.append(context(f"Hello {escape(person.name)}. Ask me a question any time with /policy."))
        blocks += concerns_blocks(core, slack_user_id)
        blocks += acknowledgement_blocks(core, person)
        blocks.append(context(PHOTOS_HINT))  # the reminder the policy implies, found nowhere else but Slack's list
    blocks += sections_blocks(core)
    blocks += [divider(), header("Worried about a child or a colleague?"),
               {**mrkdwn_section("Tell the Designated Safeguarding Leads, anonymously if you wish."),
                "accessory": button("report.open", "Report a concern", "", "danger")}]
    schedule = getattr(core, "schedule", None)
    if person is not None and schedule is not None and schedule.reviews.may_oversee(person):
        blocks += oversight_blocks(core)
    return {"type": "home", "blocks": fit(blocks, VIEW_BLOCKS)}


def publish_home(core: Core, client: WebClient, slack_user_id: str) -> None:
    try:
        client.views_publish(user_id=slack_user_id, view=home_view(core, slack_user_id))
    except SlackApiError as exc:
        log.warning("could not publish the Home tab: %s", exc.response.get("error"))
