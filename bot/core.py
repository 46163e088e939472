"""The core, assembled: settings, school, database, clock, vault, and the services built on them.

Adapters (Slack, Telegram, console, CLI) receive one `Core` and call its services; they hold no business rules.
Services are built on first use so that a quick `policybot ask` loads only what it needs.
"""

from __future__ import annotations

import datetime as dt
import logging
from functools import cached_property
from typing import TYPE_CHECKING

from bot.config import ConfigError, School, Settings, load_school
from bot.ports import Clock, SystemClock

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from bot.crypto import Vault
    from bot.outbox import Outbox
    from bot.people import People, Person
    from bot.policy.current import FilesSeen, PolicyData
    from bot.policy.loader import PolicyLibrary
    from bot.qa import QuestionAnswerer
    from bot.reports.service import ReportService
    from bot.schedule.service import ScheduleService
    from bot.storage import Database, RunLock

log = logging.getLogger(__name__)


class BotRunning(ConfigError):
    """Another process runs the bot on this SQLite database: `holder` says which ("process 123, started ...")."""

    def __init__(self, message: str, holder: str) -> None:
        super().__init__(message)
        self.holder = holder


class Core:
    def __init__(
        self,
        settings: Settings,
        school: School | None = None,
        clock: Clock | None = None,
        database: Database | None = None,
    ) -> None:
        self.settings = settings
        self.school = school or load_school(settings.resolved_school_file)
        self.clock: Clock = clock or SystemClock()
        if database is not None:
            self.__dict__["db"] = database
        self._run_lock: RunLock | None = None
        self._unloadable: FilesSeen | None = None  # policy files that failed to load (warned about once)

    # --- foundations ---
    @cached_property
    def db(self) -> Database:
        from bot.storage import Database

        return Database(self.settings.resolved_database_url)

    @cached_property
    def vault(self) -> Vault:
        from bot.crypto import Vault, load_or_create_keys

        settings = self.settings
        env_keys = settings.encryption_keys.get_secret_value() if settings.encryption_keys else None
        keys = load_or_create_keys(
            settings.resolved_key_file, env_keys, stored=self._sealed_kind, chosen=settings.key_file is not None
        )
        return Vault(keys)

    @cached_property
    def outbox(self) -> Outbox:
        from bot.outbox import Outbox
        from bot.reports.cards import not_for_a_leaver
        from bot.schedule.common import no_longer_theirs
        from bot.schedule.quiet import QuietHours

        # Routine staff reminders are delivered only in the school's messaging hours; alerts at any hour.
        outbox = Outbox(self.db, self.vault, self.clock, hours=QuietHours(self.school))
        # Held back until then, a reminder, or a card about a case, may meet a recipient who has left meanwhile: it is
        # withdrawn.
        outbox.withholds.append(lambda session, message: no_longer_theirs(session, message, self.today()))
        outbox.withholds.append(lambda session, message: not_for_a_leaver(session, message, self.today()))
        return outbox

    @cached_property
    def people(self) -> People:
        from bot.people import People

        return People(self.db, outbox=lambda: self.outbox, redraw_homes=self._redraw_homes)

    def _redraw_homes(self, session: Session, person: Person, roles: frozenset[str]) -> None:
        if self.settings.slack_enabled:  # (without Slack, no key is needed to change people)
            self.reports.redraw_homes_after(session, person, roles)

    # --- policy and questions ---
    @cached_property
    def policy_data(self) -> PolicyData:
        """The policies in force and their question answerer, as one object: `reload_policies` replaces it whole."""
        return self._load_policy_data()

    @property
    def policies(self) -> PolicyLibrary:
        return self.policy_data.library

    @property
    def qa(self) -> QuestionAnswerer:
        return self.policy_data.qa

    def _load_policy_data(self) -> PolicyData:
        from bot.policy.current import PolicyData, files_seen
        from bot.policy.loader import load_library

        files = files_seen(self.settings.policy_dir)  # before loading: a file saved meanwhile is loaded again later
        return PolicyData(load_library(self.settings.policy_dir), files, self._answerer_for)

    def _answerer_for(self, library: PolicyLibrary) -> QuestionAnswerer:
        from bot.qa import QuestionAnswerer

        return QuestionAnswerer(library, self.school, self.settings.qa_cache_file)

    def reload_policies(self) -> bool:
        """A running bot's check, every minute: when the policy files have changed since they were loaded, load them
        and build their question answerer (and its index, kept in the data folder), then put both in force in one
        step; questions answered meanwhile use the old ones. Files that do not load leave the last good ones in
        force, with one warning naming the problems for each change, not one a minute. True when it changed."""
        from bot.policy.current import files_seen, versions
        from bot.policy.loader import PolicyDataError, this_account

        current = self.policy_data
        seen = files_seen(self.settings.policy_dir)
        if seen in (current.files, self._unloadable):
            return False
        folder = self.settings.policy_dir
        kept = versions(current.library)
        try:
            fresh = self._load_policy_data()
            fresh.qa  # noqa: B018 - built here, not inside the next person's question
        except PolicyDataError as exc:
            self._unloadable = seen
            these, them = ("this problem", "it") if len(exc.problems) == 1 else ("these problems", "them")
            # Run as the bot's account: a file it may not read, root may, and the check as root says all is well.
            log.warning(
                "The policy files in %s were changed but cannot be loaded, so the bot goes on answering from the "
                "files as they were (%s). Correct %s (`policybot policy check`, run as %s, lists %s too); the bot "
                "loads the files by itself within a minute of their being saved:\n  %s",
                folder, kept, these, this_account(), them,
                "\n  ".join(exc.problems),
            )
            return False
        except Exception:  # a fault building the index: never stop answering from the files already loaded
            self._unloadable = seen
            log.exception("The policy files in %s were changed, but the bot could not build its question index from "
                          "them; it goes on answering from the files as they were (%s)", folder, kept)
            return False
        self.__dict__["policy_data"] = fresh
        self._unloadable = None
        log.info("The policy files in %s were changed: questions are now answered from %s (before: %s)",
                 folder, versions(fresh.library), kept)
        return True

    # --- concern reports ---
    @cached_property
    def reports(self) -> ReportService:
        from bot.reports.service import ReportService

        return ReportService(
            settings=self.settings,
            school=self.school,
            db=self.db,
            vault=self.vault,
            outbox=self.outbox,
            clock=self.clock,
        )

    # --- reviews, acknowledgements and the policy's own reminders ---
    @cached_property
    def schedule(self) -> ScheduleService:
        from bot.schedule.service import ScheduleService

        return ScheduleService(self)

    def today(self) -> dt.date:
        """Today's date at the school (its timezone, not the server's)."""
        return self.school.date_at(self.clock.now())

    def claim_run(self) -> None:
        """Only one process may run the bot on a SQLite database: a second would deliver every queued message again
        and take Telegram's updates from the first. PostgreSQL allows several: the advisory lock in scheduler.py
        picks the one that runs the schedule and delivers."""
        from bot.storage import RunLock, sqlite_file

        database = sqlite_file(self.db.url)  # self.db first: it makes the data folder, private
        if database is None:
            return
        lock = RunLock(database)
        holder = lock.acquire(self.clock.now().astimezone(self.school.tz))
        if holder is not None:
            raise BotRunning(
                f"the bot is already running on this database ({database}): {holder}. A second one would send "
                "every message twice. Stop that one first (`systemctl stop policybot`, or Ctrl-C in the terminal "
                "it runs in), or leave it running and do not start another.",
                holder,
            )
        self._run_lock = lock

    def free_dead_claims(self) -> None:
        """At the start of `policybot run` on SQLite (the run lock held, so no other process delivers): messages the
        last process was sending when it died (a crash, `kill -9`) go out now, not after their lease, which held
        back a safeguarding alert for two more minutes after the restart."""
        if self._run_lock is None:
            return
        if freed := self.outbox.release_claims():
            log.info("%d message(s) the last run was sending when it stopped are sent again", freed)

    def release_run(self) -> None:
        if self._run_lock is not None:
            self._run_lock.release()
            self._run_lock = None

    def prepare(self) -> None:
        """Start-up: bring the schema up to date and load the school's people. Fails loudly on bad data."""
        from bot.storage import keep_folder_private

        keep_folder_private(self.settings.data_dir)
        self._refuse_a_database_copied_away()
        self.policies  # noqa: B018 - a malformed policy file must stop start-up, with file, path and problem
        self._check_report_categories()
        self.db.upgrade()
        self._check_encryption_key()
        self._seal_plain_gaps()
        added = self.people.seed(self.school.people)
        if added:
            log.info("added %d people from the school settings", added)

    def _refuse_a_database_copied_away(self) -> None:
        """A SQLite database copied into PostgreSQL (`policybot db copy-to`) is not used again by mistake (the bot
        started before DATABASE_URL was changed, say): what it took then would be left behind in a file that is
        then deleted."""
        from bot.storage import copied_note, sqlite_file

        note = copied_note(self.db.url)
        if note is None or not note.exists():
            return
        target = note.read_text(encoding="utf-8").strip() or "another database"
        raise ConfigError(
            f"{sqlite_file(self.db.url)} was copied to {target} (policybot db copy-to): set DATABASE_URL to it in "
            f".env, then start again, so that nothing is left behind here. To use this one again after all, delete "
            f"{note}."
        )

    def _check_encryption_key(self) -> None:
        """The encryption key must open the reports already stored (or, with none yet, the unanswered questions). A
        database moved to a new machine without its key file would otherwise start with a fresh key: old reports
        unreadable, new ones under another key."""
        from bot.crypto import VaultError

        vault = self.vault  # a key file that cannot be read, or holds no key, says so itself (even with no reports)
        sealed = self._newest_sealed()
        if sealed is None:
            return
        what, newest = sealed
        try:
            vault.decrypt(newest)
        except VaultError:
            where = (
                "POLICYBOT_ENCRYPTION_KEYS" if self.settings.encryption_keys else str(self.settings.resolved_key_file)
            )
            raise ConfigError(
                f"The encryption key ({where}) cannot read the {what} already in the database. Put back the key "
                "this database was set up with (from your backup of the data folder, or the old server), then "
                "start again. No report or question has been changed."
            ) from None

    def _newest_sealed(self) -> tuple[str, str] | None:
        """The newest value stored encrypted, and what it is: a report's text or, with no reports yet, an unanswered
        question. None when nothing is (a new database, or one whose tables are not made yet)."""
        from sqlalchemy import inspect, select

        from bot.qa.gaps import KnowledgeGap
        from bot.reports.models import ReportRow

        if not inspect(self.db.engine).has_table(ReportRow.__tablename__):
            return None
        with self.db.session() as session:
            newest = session.scalars(select(ReportRow.text).order_by(ReportRow.id.desc()).limit(1)).first()
            if newest is not None:
                return "reports", newest
            question = session.scalars(
                select(KnowledgeGap.question_enc)
                .where(KnowledgeGap.question_enc.is_not(None))
                .order_by(KnowledgeGap.id.desc())
                .limit(1)
            ).first()
        return None if question is None else ("unanswered questions", question)

    def _sealed_kind(self) -> str | None:
        sealed = self._newest_sealed()
        return sealed[0] if sealed else None

    def _seal_plain_gaps(self) -> None:
        """Unanswered questions kept in plain text by an older version are encrypted now (a migration has no key)."""
        from bot.qa.gaps import seal_plain_gaps

        sealed = seal_plain_gaps(self)
        if sealed:
            log.info("encrypted %d unanswered questions kept in plain text by an older version", sealed)

    def unused_contacts(self) -> list[str]:
        """For each contact in the school file the bot never names (a misspelt one, say): one line, for the start-up
        log. Not a refusal: school files copied from an older example hold contacts it no longer has."""
        import difflib

        from bot.config import CONTACT_USES
        from bot.yamlfile import line_of

        named = (
            set(CONTACT_USES)
            | {c.contact for c in self.reports.categories() if c.contact}
            | {key for ref in self.policies.clauses() for key in ref.clause.contacts}
        )
        unused = [key for key in self.school.contacts if key not in named]
        if not unused:
            return []
        path = self.settings.resolved_school_file
        text = path.read_text(encoding="utf-8")
        lines = []
        for key in unused:
            line = line_of(text, ("contacts", key))
            close = difflib.get_close_matches(key, sorted(named), n=1)
            lines.append(
                f"{path}{f', line {line}' if line else ''}: the contact {key!r} is never shown to anyone"
                + (f": did you mean {close[0]!r}?" if close else "")
                + f" The bot names only {', '.join(sorted(named))}. Correct its name, or remove it."
            )
        return lines

    def _check_report_categories(self) -> None:
        """The school's own report categories, if any, must be valid before anyone can report."""
        from bot.reports.categories import CategoryDataError, load_categories

        try:
            load_categories(self.school.report_categories)
        except (CategoryDataError, KeyError, TypeError, ValueError) as exc:
            raise ConfigError(f"{self.settings.resolved_school_file}: report_categories: {exc}") from exc
