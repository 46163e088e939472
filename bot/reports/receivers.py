"""Who receives reports today, as people are told it: the start-up log's warnings (those who handle reports and
no platform reaches, kinds of concern nobody could be sent), where new reports go while someone is away or once they
leave (while_away), who sees a report, who may be alerted and which roles a report names (for the report form), and
what someone's absence changes for those who cover for them (away_notes, on their Slack Home).

Routing's own rules are in routing.py; this only reads them, and the school's people, and says what they mean.
"""

from __future__ import annotations

import datetime as dt

from bot.people import Person
from bot.reports.domain import Actor
from bot.reports.routing import (
    GOVERNORS_PHRASE,
    HANDLER_ROLES,
    about_the_head,
    at_work,
    passed_over,
    reachable_on,
    roles_mentioned,
    route_people,
    sent_to,
    unreachable_warning,
    with_role,
    would_receive,
)
from bot.reports.shared import ReportsPart, in_a_sentence
from bot.wording import and_list, long_date, upper_first

ROUTE_ROLE_LABELS = {
    "dsl": "Designated Safeguarding Lead",
    "deputy_dsl": "Deputy DSL",
    "headteacher": "Headteacher",
    "chair_of_governors": "Chair of Governors",
    "vice_chair_of_governors": "Vice-Chair of Governors",
}


class Receivers(ReportsPart):
    """Who receives reports today, and who covers for whom, in words (see the module's docstring)."""

    def unreachable_handlers(self) -> list[str]:
        """The names of people who handle reports (DSLs, deputies, headteacher, chair) that no platform in use can
        reach: alerts meant for them could only go to the console."""
        return [person.name for person in self._unreachable()]

    def unreachable_warnings(self) -> list[str]:
        """For each of `unreachable_handlers`, why and what to do, and for each kind of concern that nobody could be
        sent (a concern about the headteacher, with no chair of governors): one line each, for the start-up log. With
        nobody at all set up to receive reports, one line saying so."""
        lines = [unreachable_warning(self.settings, person) for person in self._unreachable()]
        with self.db.session() as session:
            everyone = self._everyone(session)
        today = self._today()
        if not with_role(everyone, *HANDLER_ROLES, on=today):  # a fresh install: not one kind "only to" a role
            office = self.school.contact("office")
            lines.append(
                "Nobody who receives reports is set up yet, so no report can be sent: senders are told so and given "
                f"{office.describe() if office else 'the school office'} (for a concern about the headteacher, "
                f"{self._outside_contact()}). To name them: `policybot people add \"NAME\" --role dsl`, and likewise "
                "--role deputy_dsl, headteacher and chair_of_governors."
            )
            return lines
        for category in self._categories:
            about = [p for p in everyone if p.has_role(*category.about)]
            if route_people(everyone, category, {p.id for p in about}, today):
                continue
            # A concern about the headteacher: the vice-chair would take it too (see routing's rules).
            governors = about_the_head(category, about)
            lines.append(f"New reports of {in_a_sentence(category.label)} cannot be sent: they go only to "
                         f"{GOVERNORS_PHRASE if governors else sent_to(category)}, and nobody holds "
                         f"{'either role' if governors else 'that role'}, so senders are told so and given "
                         f"{self._outside_contact()}. To name one: "
                         f"`policybot people add \"NAME\" --role {category.route[0]}`"
                         + (" (or --role vice_chair_of_governors)." if governors else "."))
        return lines

    def _unreachable(self) -> list[Person]:
        with self.db.session() as session:
            people = with_role(self._everyone(session), *HANDLER_ROLES)
            return [p for p in people if not any(reachable_on(self.settings, p))]

    def while_away(self, name: str, *, leaving: dt.date | None = None) -> str | None:
        """Where new reports go while `name` is away (see routing's rules), or from `leaving`, the day they leave, for
        whoever records it; None when they handle no reports."""
        with self.db.session() as session:
            everyone, today = self._everyone(session), leaving or self._today()
            person = next((p for p in everyone if p.name == name), None)
            if person is None or not person.has_role(*HANDLER_ROLES):
                return None
            # (names, whether they are all away too, whether the sender is then given the LADO): kinds of concern
            going: dict[tuple[tuple[str, ...], bool, bool], list[str]] = {}
            escalated = False
            for category in self._categories:
                about = [p for p in everyone if p.has_role(*category.about)]  # never the people it is about
                head = about_the_head(category, about)
                # The vice-chair stands in for the chair on a concern about the headteacher (see routing's rules);
                # whoever it would fall back to, but for their being away or leaving (the deputy, with the DSLs
                # away), too.
                conflicts = {p.id for p in about}
                if person.has_role(*category.route) or (head and person.has_role("vice_chair_of_governors")) \
                        or would_receive(everyone, category, conflicts, today, person):
                    alerted = route_people(everyone, category, conflicts, today)
                    names = tuple(p.name for p in alerted)
                    away_too = bool(alerted) and name not in names and not at_work(alerted, today)
                    going.setdefault((names, away_too, head), []).append(in_a_sentence(category.label))
                escalated |= any(person.has_role(*step.to) for step in category.escalation)
        lines = []
        for (names, away_too, head), labels in going.items():
            what = f"new reports of {and_list(labels)}"
            if name in names:
                lines.append(f"{what} still go to {and_list(list(names))}: nobody else at work can take them.")
            elif away_too:  # as the sender is told (see SenderSide._while_all_away)
                told = f": senders are told so, and given {self._outside_contact()}" if head else ""
                lines.append(f"{what} go to {and_list(list(names))}, who {'is' if len(names) == 1 else 'are'} away "
                             f"too{told}.")
            elif names:
                lines.append(f"{what} go to {and_list(list(names))}.")
            else:  # as the sender is told (see SenderSide._nobody_to_receive)
                office = self.school.contact("office")
                to = self._outside_contact() if head else office.describe() if office else "the school office"
                lines.append(f"{what} cannot be sent to anyone at the school: senders are told so, and given {to}.")
        if escalated and leaving is None:
            lines.append(f"a report nobody acknowledges in time goes on to {name} only where nobody else at work "
                         "holds their role.")
        return " ".join(upper_first(line) for line in lines) or None

    def handlers(self) -> list[tuple[str, str]]:
        """(name, role) of everyone who may be alerted about reports today: for a form to ask whether the concern is
        about one of them (then passed to `submit` as `named_people`, so it is kept from them)."""
        with self.db.session() as session:
            people = with_role(self._everyone(session), *HANDLER_ROLES, on=self._today())
            return [(p.name, ROUTE_ROLE_LABELS[next(r for r in HANDLER_ROLES if p.has_role(r))]) for p in people]

    def who_sees(self) -> str:
        """Who sees a report, as the report form tells its sender: the governors who take a concern about the
        headteacher as the school names them today (see routing's rules), or, with none, that it cannot be sent here
        and whom to contact instead."""
        with self.db.session() as session:
            everyone = self._everyone(session)
        today = self._today()
        chair = with_role(everyone, "chair_of_governors", on=today)
        vice = with_role(everyone, "vice_chair_of_governors", on=today)
        staff = ("Only the people who deal with concerns see a report: the Designated Safeguarding Leads, the "
                 "Headteacher")
        if not chair and not vice:
            return (f"{staff}. A concern about the Headteacher cannot be sent here, as no Chair of Governors is named: "
                    f"please contact {self._outside_contact()}.")
        if chair and vice:
            governors = "the Chair of Governors (and the Vice-Chair, if the Chair is away or does not answer in time)"
        else:
            governors = "the Chair of Governors" if chair else "the Vice-Chair of Governors"
        return f"{staff} or, for a concern about the Headteacher, {governors}."

    def mentioned_roles(self, text: str, category_key: str | None = None) -> list[tuple[str, str, list[str]]]:
        """(role, label, names) for each role handling reports that `text` names by role ("the headteacher grabbed
        my son"), held by someone today: a form asks whether the concern is about them, as a mention of a role alone
        cannot say ("I told the DSL" is not about the DSL). Names chosen are passed to `submit` as `named_people`.
        Not a role the chosen kind of concern is about (`category_key`): "the head" in a concern about the headteacher
        is kept from them whatever the sender says, and asking would suggest it might not be."""
        about = self._by_key[category_key].about if category_key in self._by_key else ()
        roles = [role for role in roles_mentioned(text) if role not in about]
        if not roles:
            return []
        with self.db.session() as session:
            everyone = self._everyone(session)
        today = self._today()
        found = [(role, [p.name for p in with_role(everyone, role, on=today)]) for role in roles]
        return [(role, ROUTE_ROLE_LABELS[role], names) for role, names in found if names]

    def away_notes(self, actor: Actor) -> list[str]:
        """What someone being away changes for `actor` today, for where they work (Slack's Home): that they are
        recorded as away themselves, and which new reports come to them because those they usually go to are away
        (routing's rules). Empty when nobody's absence changes anything for them."""
        with self.db.session() as session:
            person = self._handler(session, actor)
            everyone, today = self._everyone(session), self._today()
            notes = []
            if person.is_away(today) and person.away_until is not None:
                notes.append(f"You are recorded as away until {long_date(person.away_until)}, that day included: new "
                             "reports go to others at work meanwhile. Cases already with you are still yours to open.")
            covering: dict[tuple[str, ...], list[str]] = {}
            for category in self._categories:
                about = {p.id for p in with_role(everyone, *category.about)}  # never the people it is about
                if person not in route_people(everyone, category, about, today):
                    continue
                away = tuple(f"{p.name} (until {long_date(p.away_until)})"
                             for p in sorted(passed_over(everyone, category, about, today), key=lambda p: p.name)
                             if p.away_until is not None)
                if away:
                    covering.setdefault(away, []).append(in_a_sentence(category.label))
        for away, labels in covering.items():
            notes.append(f"{and_list(list(away))} {'is' if len(away) == 1 else 'are'} away: new reports of "
                         f"{and_list(labels)} come to you meanwhile.")
        return notes
