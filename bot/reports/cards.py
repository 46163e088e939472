"""The cards and notices queued through the outbox for those who handle reports: a case's alert, escalation and
update cards (the same card, kept up to date where a platform edits it in place), the last card of someone now kept
from a case or of the DSL channel once a case has left it, and the redraws of their Slack Home. Also the outbox's
own hooks for reports: where "reply:REFERENCE" and a console address are delivered (resolve_recipient), and a card
the DSL channel refused for good (reroute_refused_card).

Who has a case is decided here too, as the cards queued are its record (`holders`: everyone sent a card of it, and
the DSLs while the DSL channel has it). Nothing here changes a report itself: what queues a card or a redraw does so
in its caller's transaction.
"""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Callable, Iterable, Sequence
from dataclasses import replace
from functools import cache, partial

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.config import School, Settings
from bot.outbox import OutboxRow
from bot.people import People, Person
from bot.ports import REDRAW_HOME, Button, OutboundMessage, Recipient
from bot.reports import chronology, in_words
from bot.reports.domain import CLOSED, CUT_SHORT, NEW, Category, outcome_label, outcome_sharing
from bot.reports.models import ReportRow
from bot.reports.routing import (
    HANDLER_ROLES,
    about_the_head,
    may_handle,
    reachable_on,
    recipients,
    route_people,
    uses_shared_channel,
    with_role,
)
from bot.reports.shared import ReportsPart, ReportsSetup, local_time, log
from bot.wording import and_list

ALERT_PREVIEW = 2_800  # alerts quote this much; the whole text is one click away
OUTCOME_PREVIEW = 1_000  # a closed case's card quotes this much of its outcome, before the report's text
# The last card of someone now kept from a case: honest, and the same whatever the reason (it may be about them).
WITHDRAWN = "This case is now with others at the school who handle concerns. Nothing more about it will be shown here."
CARD_KINDS = ("report_alert", "report_escalation", "report_update")
KEPT_AWAY = "withdrawn"  # the key part of the last card of someone now kept from a case (see queue_kept_away_cards)
REMINDER = "reminder"  # the key part of an escalation step's reminder on a card someone already has
MOVED = "moved"  # the key part of the DSL channel's last card of a case that left it (see queue_moved_card)


def _how_to_open(code: str, target: Recipient) -> str:
    """An alert that does not quote the report says how to read it: a DSL in Slack is never sent to a server
    command. (On Telegram, see where_to_act.)"""
    if target.has_buttons:
        return "Open it with the button below."
    return f"Open it on the server: policybot reports show {code}"


# A Telegram card's buttons, where alerts carry the report's text (see bot.reports.in_words): every step is there.
IN_CHAT_NEW = "Acknowledge it with the first button below; the others open the whole report and act on it, here."
IN_CHAT = "Open the whole report, or act on it, with the buttons below."


def where_to_act(
    settings: Settings, person: Person | None, code: str, *, closed: bool = False, in_chat: bool = False
) -> str:
    """Where someone alerted on Telegram reads the whole case and acts on it. `in_chat`: with the card's buttons, there
    (the school lets alerts carry report text). Else, its alert there can only be acknowledged: in Slack when Slack
    reaches them (its alert there has every button), or on the bot's server, with the exact command to type.
    `closed`: what a closed case still takes (a note, re-opening), as its Slack card's buttons."""
    if in_chat:
        return IN_CHAT
    what, then = ("add a note or re-open it", "note or reopen") if closed else (
        "add a note, ask the sender a question or close it", "note, ask or close")
    if person is not None and reachable_on(settings, person)[0]:
        return f"To read all of it, {what}, open the report's alert in Slack."
    name = person.name if person is not None else "YOUR FULL NAME"
    return (f'To read all of it, {what}, type on the bot\'s server: policybot reports show {code} --as "{name}" (then '
            f"reports {then}, in the same way).")


def not_for_a_leaver(session: Session, message: OutboundMessage, today: dt.date) -> str | None:
    """Why a message about a case, held back (Slack down, retries), is not delivered on `today`: it was for someone
    who has left since (their leave date has come), who may no longer open the case and must not read it in a card
    (an outbox Withhold). The others it went to, and the DSL channel, have their own; a case nobody acknowledges
    escalates. None: deliver it (also for a channel, an address nobody listed has, or a card's last update taking the
    case out of it, which only removes what it showed; a Home redraw is drawn as they may see it when delivered)."""
    if message.kind not in CARD_KINDS or (message.key.startswith("report:") and f":{KEPT_AWAY}:" in message.key):
        return None
    person = People.reached_at(session, message.recipient)
    if person is not None and person.has_left(today):
        return "its recipient has left, and may no longer see the case"
    return None


class Cards(ReportsPart):
    """The cards of each case and the Home redraws, queued in the caller's transaction (see the module's docstring)."""

    def __init__(self, setup: ReportsSetup) -> None:
        super().__init__(setup)
        self._homes_redrawn_on: dt.date | None = None  # the day redraw_homes_for_today last went through the people


    def queue_card(
        self,
        session: Session,
        report: ReportRow,
        category: Category,
        targets: Sequence[Recipient],
        *,
        kind: str,
        key_part: str,
        status_line: str | None = None,
        body: str | None = None,
        files: int | None = None,
        ping: str | None = None,
        everyone: Sequence[Person] | None = None,
    ) -> None:
        """The case as a card for the people handling it: the same shape for alerts, escalations and updates.
        `everyone`: the people, if the caller has read them already in this request."""
        if body is None:
            body = self.vault.decrypt(report.text)
        if files is None:
            files = len(self._attachment_rows(session, report))
        urgency = "urgent" if category.urgent else "routine"
        title = {
            "report_alert": f"{'Urgent' if category.urgent else 'New'} concern: {category.label}",
            "report_escalation": f"Not yet acknowledged: {category.label}",
        }.get(kind, f"Concern {report.code}: {category.label}")
        fields = {
            "Reference": report.code,
            "Category": category.label,
            "Urgency": urgency,
            "Status": report.status,
            "Received": local_time(report.created_at, self.school),
        }
        if files:
            fields["Pictures"] = str(files)
        if report.acknowledged_by:
            fields["Acknowledged by"] = report.acknowledged_by
        lines = [status_line] if status_line else []
        # A card kept up to date while nobody has acknowledged the case says who else it has gone to since.
        updating_new = kind == "report_update" and report.status == NEW
        escalated = self._escalated_to(session, report, everyone) if updating_new else []
        full = self.school.alert_contents == "full"
        if report.status == CLOSED and report.outcome:
            lines.append(self._outcome_line(report) if full
                         else f"The outcome ({outcome_sharing(report.outcome_shared)}) is in the report.")
        first_lines = len(lines)  # the lines before the report's own, where the escalation line goes
        lines.append(f"Report {report.code}. {category.label} ({urgency}), received {fields['Received']}.")
        if self._about_the_head_by_choice(session, report, category):
            lines.append("The sender says this concern is about the Headteacher, so it has come to the governors.")
        contact = self.school.contact(category.contact) if category.contact else None
        if contact is not None:  # the school's own words for whom to call: the LADO, for a concern about staff
            lines.append(f"From the school's contacts: {contact.describe()}.")
        cut_short = full and len(body) > ALERT_PREVIEW
        if full:
            lines += ["", body[:ALERT_PREVIEW].rstrip() + " [...]" if cut_short else body]
        ack = (Button("report.ack", "Acknowledge", report.code, "primary"),) if report.status == NEW else ()
        # The whole case where the DSL is (all of the text, pictures, notes and the sender's replies), then its next
        # steps: a closed case is still read and still takes notes (a late call from a parent, say), and is
        # re-opened when something new comes to light (the same case again, not a second record).
        buttons: tuple[Button, ...] = (*ack, *(
            Button(step, label, report.code) for step, label in [in_words.OPEN_BUTTON, *in_words.steps(report.status)]
        ))
        # On Telegram without the report's text, only Acknowledge: the others would show it there (see acts_in_chat).
        in_chat = buttons if self.acts_in_chat else ack
        for target in targets:
            how = self._how_to_act(session, report, target) if target.platform == "telegram" else (
                None if full else _how_to_open(report.code, target))
            sent_on = _sent_on(escalated, target, report.created_at, self.school)
            said = [*lines[:first_lines], *sent_on, *lines[first_lines:]]
            if cut_short:  # where the rest is read: the card's button in Slack, the line below on Telegram, or here
                where = "" if how else " " + _how_to_open(report.code, target)
                said += ["", CUT_SHORT if target.platform == "slack" else f"(The report continues.){where}"]
            self.outbox.enqueue(
                session,
                OutboundMessage(
                    key=_card_key(report.code, key_part, target),
                    recipient=target,
                    kind=kind,
                    text="\n".join([*said, "", how] if how else said),
                    title=title,
                    fields=fields,
                    buttons=in_chat if target.platform == "telegram" else buttons,
                    ref=report.code,
                    urgent=category.urgent and kind != "report_update",
                    # Each update is the whole card: the newest per recipient is the only one worth sending.
                    slot=_card_slot(report.code, target) if kind == "report_update" else None,
                    ping=ping,
                ),
            )

    def _about_the_head_by_choice(self, session: Session, report: ReportRow, category: Category) -> bool:
        """A concern of a kind that goes to the headteacher that its sender said is about them (routing's
        about_the_head): its cards say why the governors have it, as its kind does not."""
        if category.about or set(category.route) != {"headteacher"}:  # (no need to read who it names)
            return False
        conflicts = self._conflicts(report)
        return about_the_head(category, [p for p in self._everyone(session) if p.id in conflicts])

    def _how_to_act(self, session: Session, report: ReportRow, target: Recipient) -> str:
        """A card on Telegram: what its buttons do, or, where only Acknowledge can be pressed there (alerts without
        the report's text), that, and exactly where to do the rest."""
        if self.acts_in_chat:
            return IN_CHAT_NEW if report.status == NEW else IN_CHAT
        person = People.by_telegram_chat(session, int(target.address)) if target.address.lstrip("-").isdigit() else None
        where = where_to_act(self.settings, person, report.code, closed=report.status == CLOSED)
        return f"Acknowledge it with the button below. {where}" if report.status == NEW else where

    @property
    def acts_in_chat(self) -> bool:
        """Whether a case may be read and acted on in a Telegram chat (bot.reports.in_words): only where the school
        lets alerts carry the report's text, which would otherwise go into the chat's history."""
        return self.school.alert_contents == "full"

    def where_to_act(self, telegram_chat_id: int, code: str) -> str:
        """What someone who acknowledged a case from Telegram is told about the rest (see where_to_act)."""
        with self.db.session() as session:
            person = People.by_telegram_chat(session, telegram_chat_id)
            return where_to_act(self.settings, person, code, in_chat=self.acts_in_chat)

    def _escalated_to(
        self, session: Session, report: ReportRow, everyone: Sequence[Person] | None = None
    ) -> list[tuple[dt.datetime, Person]]:
        """Who escalation sent the case on to, and when, oldest first (each person once, at the first time): from
        the escalation cards queued, as the chronology's names are only in its text. Not anyone now kept from it."""
        conflicts = self._conflicts(report)
        everyone = self._everyone(session) if everyone is None else everyone
        owner = {address: p for p in everyone if p.id not in conflicts for address in own_addresses(p)}
        rows = session.scalars(
            select(OutboxRow).where(OutboxRow.ref == report.code, OutboxRow.kind == "report_escalation")
            .order_by(OutboxRow.id)
        )
        sent: dict[int, tuple[dt.datetime, Person]] = {}
        for row in rows:
            person = owner.get(self.outbox.message(row).recipient)
            if person is not None and person.id not in sent:
                sent[person.id] = (row.created_at, person)
        return list(sent.values())

    def _outcome_line(self, report: ReportRow) -> str:
        """A closed case's outcome on its card, before the report's text (which a long report's card cuts short)."""
        outcome = self.vault.decrypt(report.outcome or "")
        label = outcome_label(report.outcome_shared)
        if len(outcome) <= OUTCOME_PREVIEW:
            return f"{label}: {outcome}"
        return f"{label}: {outcome[:OUTCOME_PREVIEW].rstrip()} [...] (open the report to read all of it)"

    def queue_update(
        self,
        session: Session,
        report: ReportRow,
        category: Category,
        what: str,
        *,
        news: bool = False,
        in_place_only: bool = False,
        everyone: Sequence[Person] | None = None,
    ) -> None:
        """Tell everyone who has been alerted about this case that it moved (adapters edit their card). `news`: it
        moved because of something they have not seen (the sender replied), so they are notified, not only shown.
        `in_place_only`: only cards edited in place are kept current (Slack); elsewhere an update is a new message.
        `everyone`: the people, if the caller has read them already in this request; the Home redraws use them too."""
        session.flush()
        conflicts, today = self._conflicts(report), self._today()
        everyone = self._everyone(session) if everyone is None else everyone
        people = route_people(everyone, category, conflicts, today)
        # The same addresses as the alerts were sent to, so adapters can edit each card where it was posted.
        urgent = category.urgent
        targets = recipients(
            self.settings, people, urgent=urgent, shared_channel=uses_shared_channel(category, conflicts)
        )
        # And every card already sent (an escalation's, or one sent while someone on the route was away), except
        # those of people now kept from the case, and the DSL channel's once the case has left it.
        kept = self.kept_addresses(report, category, conflicts, everyone)
        targets += [target for target in self.carded(session, report) if target not in kept]
        if in_place_only:
            targets = [target for target in targets if target.edits_in_place]
        seq = chronology.last_seq(session, report)
        self.queue_card(
            session,
            report,
            category,
            list(dict.fromkeys(targets)),
            kind="report_update",
            key_part=f"update:{seq}",
            status_line=f"{what}.",
            ping=f"{what} (report {report.code}). Open the report to read it." if news else None,
            everyone=everyone,
        )
        self.queue_home(session, report, category, everyone)

    def queue_home(
        self, session: Session, report: ReportRow, category: Category, everyone: Sequence[Person] | None = None
    ) -> None:
        """Have the Home tab (Slack's) of everyone who follows this case drawn again, as it has changed: a DSL who
        keeps the tab open sees it as it is, not as it was when they opened it. Who follows it is cases_to_follow's
        rule, whatever its status (a case closed leaves their list): never anyone it is kept from. The tab is drawn
        when the message is delivered; one still waiting covers this change too (Outbox.enqueue_redraw).
        `everyone`: the people as the caller read them in this request (a card update has), else read here."""
        if not self.settings.slack_enabled:
            return
        session.flush()
        everyone = self._everyone(session) if everyone is None else everyone
        today, conflicts = self._today(), self._conflicts(report)
        held = cache(partial(self.holders, session, report, category, conflicts, everyone))  # asked once, if at all
        seq = chronology.last_seq(session, report)
        for person in with_role(everyone, *HANDLER_ROLES, on=today):
            if not person.slack_user_id or not may_handle(person, category, conflicts, everyone, today):
                continue
            if follows(person, report, held):
                self.queue_redraw(session, person.slack_user_id, f"{report.code}:{seq}")

    def queue_redraw(self, session: Session, slack_user_id: str, key_part: str) -> None:
        """One person's Slack Home drawn again when delivered; `key_part` names the change (a case's step, say)."""
        self.outbox.enqueue_redraw(session, OutboundMessage(
            key=f"home:{key_part}:slack:{slack_user_id}",
            recipient=Recipient("slack", slack_user_id),
            kind=REDRAW_HOME,
            text="",  # nothing about any case: the tab is drawn from the database when this is delivered
            slot=f"home:slack:{slack_user_id}",
        ))

    def redraw_homes_after(
        self,
        session: Session,
        person: Person,
        roles: Iterable[str],
        *,
        change: str | None = None,
        everyone: Sequence[Person] | None = None,
    ) -> None:
        """A change to `person` made in `session` (their roles, away or back, leaving, their name): their own Slack
        Home drawn again, and, when they handle reports or did before the change (`roles`: theirs before and
        after), the Home of everyone who handles them: which cases each follows, who covers for whom while someone
        is away (away_notes) and whose name a case shows as acknowledging it may all have changed. A school has a
        handful of such people, so all of them are redrawn rather than worked out one by one. `change` names it
        in the redraws' keys (so it is queued once); by default each call is a change of its own."""
        if not self.settings.slack_enabled:
            return
        session.flush()
        whose = [person]
        if set(roles) & set(HANDLER_ROLES):
            everyone = self._everyone(session) if everyone is None else everyone
            whose += with_role(everyone, *HANDLER_ROLES, on=self._today())
        change = change or f"people:{person.id}:{secrets.token_hex(6)}"  # (no step number to name it)
        for slack_user_id in dict.fromkeys(p.slack_user_id for p in whose if p.slack_user_id):
            self.queue_redraw(session, slack_user_id, change)

    def redraw_homes_for_today(self) -> None:
        """The Homes that a new day changes by itself, redrawn once that day: those of someone back from time away
        (it ended yesterday), someone whose leave date or start date is today, and, if they handle reports, everyone
        who does (see redraw_homes_after). Run every minute by the scheduler: the people are read once a day, and each
        redraw's key queues it once that day whichever process runs it. A change made during the day (someone away,
        a leave date) redraws through People's hook."""
        today = self._today()
        if not self.settings.slack_enabled or today == self._homes_redrawn_on:
            return
        with self.db.session() as session:
            everyone = self._everyone(session)
            for person in everyone:
                back = person.away_until is not None and person.away_until == today - dt.timedelta(days=1)
                if back or today in (person.leave_date, person.start_date):
                    self.redraw_homes_after(session, person, person.roles, change=f"day:{today}:{person.id}",
                                            everyone=everyone)
        self._homes_redrawn_on = today

    def carded(self, session: Session, report: ReportRow) -> list[Recipient]:
        """Every address a card of this case was queued for, oldest first (the DSL channel included)."""
        rows = session.scalars(
            select(OutboxRow).where(OutboxRow.ref == report.code, OutboxRow.kind.in_(CARD_KINDS)).order_by(OutboxRow.id)
        )
        return list(dict.fromkeys(self.outbox.message(row).recipient for row in rows))

    def kept_addresses(
        self, report: ReportRow, category: Category, conflicts: set[int], everyone: Sequence[Person]
    ) -> set[Recipient]:
        """Where the case's cards must go no more: the people kept from it, and the DSL channel once it has left."""
        kept = {address for p in everyone if p.id in conflicts for address in own_addresses(p)}
        if self.settings.slack_dsl_channel and not uses_shared_channel(category, conflicts):
            kept.add(Recipient("slack", self.settings.slack_dsl_channel))
        return kept

    def holders(
        self, session: Session, report: ReportRow, category: Category, conflicts: set[int], everyone: Sequence[Person]
    ) -> set[int]:
        """Who has the case: everyone sent a card of it (not who the route would pick today: someone away then, or
        back since, may not have it), and the DSLs when the DSL channel has it; never someone who may no longer open
        it (made a teacher again, or left since), whom escalation would otherwise remind in vain."""
        carded = set(self.carded(session, report)) - self.kept_addresses(report, category, conflicts, everyone)
        today = self._today()
        sent = [p for p in everyone if carded & set(own_addresses(p))]
        channel = self.settings.slack_dsl_channel
        if channel and Recipient("slack", channel) in carded:
            sent += with_role(everyone, "dsl")
        return {p.id for p in sent if p.is_current(today) and may_handle(p, category, conflicts, everyone, today)}

    def queue_kept_away_cards(
        self, session: Session, report: ReportRow, category: Category, named: Sequence[Person]
    ) -> None:
        """The last update of each card a person now kept from the case was sent (by DM, on Telegram): without the
        report or buttons, whose presses would only be refused and recorded. It says where the case is, not why:
        it may be about them. Nobody who was never sent a card is sent one now."""
        carded = set(self.carded(session, report))
        for person in named:
            for target in own_addresses(person):
                if target in carded:
                    self._queue_last_card(session, report, category, target, KEPT_AWAY, WITHDRAWN)

    def queue_moved_card(self, session: Session, report: ReportRow, category: Category) -> None:
        """The DSL channel's card of a case that now goes by direct message: its last update, without buttons, so
        nobody there takes it for a case still to be handled there. It says where, not why."""
        channel = self.settings.slack_dsl_channel
        if not (self.settings.slack_enabled and channel):
            return
        moved = ("This case has moved to direct messages with the people handling it. Nothing more about it will be "
                 "shown here.")
        self._queue_last_card(session, report, category, Recipient("slack", channel), MOVED, moved)

    def _queue_last_card(
        self, session: Session, report: ReportRow, category: Category, target: Recipient, key_part: str, text: str
    ) -> None:
        """A card's last update, in its slot: only the case reference and `text`, no report and no buttons."""
        self.outbox.enqueue(
            session,
            OutboundMessage(
                key=_card_key(report.code, key_part, target),
                recipient=target,
                kind="report_update",
                text=f"Report {report.code}. {text}",
                title=f"Concern {report.code}: {category.label}",
                fields={"Reference": report.code, "Category": category.label},
                ref=report.code,
                slot=_card_slot(report.code, target),
            ),
        )

    def resolve_recipient(self, recipient: Recipient) -> Recipient | None:
        """The outbox's resolver, at delivery time: "reply:REFERENCE" becomes the sender's real address; a message
        queued for someone on the console (while no platform reached them, e.g. a report made in the console chat before
        Slack was set up) goes to them on Slack, else Telegram, once one reaches them."""
        if recipient.platform == "console":
            with self.db.session() as session:
                person = People.by_name(session, recipient.address)
                on_slack, on_telegram = reachable_on(self.settings, person) if person else (False, False)
            if person is not None and on_slack:
                return Recipient("slack", str(person.slack_user_id))
            if person is not None and on_telegram:
                return Recipient("telegram", str(person.telegram_chat_id))
            return recipient
        if not recipient.address.startswith("reply:"):
            return recipient
        code = recipient.address.removeprefix("reply:")
        with self.db.session() as session:
            row = self._reply_channel(session, code)
            return self._reply_address(row) if row is not None else None

    def reroute_refused_card(self, session: Session, message: OutboundMessage, error: str) -> int:
        """A card the DSLs' shared channel refused for good (the bot was removed from it, or it was archived) goes
        to each DSL and deputy DSL by direct message instead, so no concern is left with nobody alerted. (An urgent
        card's direct messages already queued are not queued twice: they share the key.)

        The channel's "moved" card is not rerouted: it only tells the channel that a case left it, and in each DSL's
        card slot it would replace the case itself ("it is with you: please acknowledge it") with a card that has
        no buttons."""
        channel = self.settings.slack_dsl_channel
        if not channel or message.recipient != Recipient("slack", channel) or not message.ref:
            return 0
        if message.key == _card_key(message.ref, MOVED, message.recipient):
            log.warning("the DSL channel refused the last card of a case now handled by direct message (%s): its "
                        "old card there may still show buttons. Invite the bot to the channel (/invite @policybot)",
                        error)
            return 0
        report = session.scalar(select(ReportRow).where(ReportRow.code == message.ref))
        if report is None:
            return 0
        conflicts, today, everyone = self._conflicts(report), self._today(), self._everyone(session)
        # The DSLs and their deputies: whoever may be reading the channel, so one away does not leave it unread.
        people = [p for p in with_role(everyone, "dsl", "deputy_dsl", on=today)
                  if p.id not in conflicts and p.slack_user_id]
        key_part = message.key.removeprefix(f"report:{report.code}:").removesuffix(f":slack:{channel}")
        queued = 0
        for person in people:
            target = Recipient("slack", str(person.slack_user_id))
            queued += self.outbox.enqueue(session, replace(
                message,
                key=_card_key(report.code, key_part, target),
                recipient=target,
                slot=_card_slot(report.code, target) if message.slot else None,
            ))
        log.error(
            "the DSL channel refused a %s for good (%s): it goes to %d DSL(s) and deputies by direct message instead. "
            "Invite the bot to the channel (/invite @policybot), or set SLACK_DSL_CHANNEL to one it is in",
            message.kind.replace("_", " "), error, len(people),
        )
        return queued


def follows(person: Person, report: ReportRow, holders: Callable[[], set[int]]) -> bool:
    """Whether someone who may handle a case follows it where they work (cases_to_follow): a DSL or deputy DSL every
    case they may handle; the headteacher and the chair of governors only those they hold (`holders`, asked only
    for them), or acknowledged."""
    return person.has_role("dsl", "deputy_dsl") or report.acknowledged_by == person.name or person.id in holders()


def _sent_on(
    escalated: Sequence[tuple[dt.datetime, Person]], target: Recipient, received: dt.datetime, school: School
) -> list[str]:
    """The line of an unacknowledged case's card saying who escalation sent it on to, and when ("Not yet
    acknowledged: also sent to Sam Deputy at 10:15, then to Alex Head at 11:00."); none if nobody. The card's reader
    is not named to themselves. A day other than the day it was received is said too."""
    day = received.astimezone(school.tz).date()
    steps: dict[str, list[str]] = {}  # by the minute: the people of one step, or of steps a late run took together
    for at, person in escalated:
        if target in own_addresses(person):
            continue
        local = at.astimezone(school.tz)
        when = f"at {local:%H:%M}" if local.date() == day else f"on {local:%a} {local.day} {local:%b} at {local:%H:%M}"
        steps.setdefault(when, []).append(person.name)
    parts = [f"{and_list(names)} {when}" for when, names in steps.items()]
    return [f"Not yet acknowledged: also sent to {', then to '.join(parts)}."] if parts else []


def _card_key(code: str, key_part: str, target: Recipient) -> str:
    """The outbox key of a case's card for one recipient ("report:CODE:alert:slack:U..."): queued once each."""
    return f"report:{code}:{key_part}:{target.platform}:{target.address}"[:200]


def _card_slot(code: str, target: Recipient) -> str:
    """The slot of a case's card for one recipient: of its updates, only the newest is sent."""
    return f"card:{code}:{target.platform}:{target.address}"[:200]


def own_addresses(person: Person) -> list[Recipient]:
    """Everywhere a card about a case may have been sent to this person alone."""
    return [
        *([Recipient("slack", person.slack_user_id)] if person.slack_user_id else []),
        *([Recipient("telegram", str(person.telegram_chat_id))] if person.telegram_chat_id is not None else []),
        Recipient("console", person.name),
    ]
