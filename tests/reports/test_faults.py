"""Fault tests: a confirmed report's alerts arrive exactly once, through outages and a killed process."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
from pathlib import Path

import pytest
from cryptography.fernet import Fernet
from pydantic import SecretStr

from bot.config import ConfigError, School, Settings
from bot.core import Core
from bot.crypto import VaultError
from bot.outbox import DELIVERED, OutboxRow
from bot.ports import ManualClock
from bot.reports.models import ReportRow
from tests.conftest import make_core, make_settings
from tests.reports.conftest import RecordingNotifier, deliver_all, delivered, notifiers

REPO = Path(__file__).resolve().parents[2]


def test_five_failures_then_success_delivers_exactly_once(core: Core, clock: ManualClock) -> None:
    receipt = core.reports.submit("child_at_risk", "A pupil disclosed something worrying.", channel="console")
    console = RecordingNotifier("console", failures=5)
    for _ in range(20):
        core.outbox.dispatch({"console": console}, core.reports.resolve_recipient)
        clock.advance(minutes=16)
    assert console.calls == 6
    assert [m.key for m in console.delivered] == [f"report:{receipt.reference}:alert:console:Dana Lead"]
    with core.db.session() as session:
        row = session.query(OutboxRow).one()
        assert (row.status, row.attempts) == (DELIVERED, 6)


def test_a_restart_before_delivery_still_delivers(
    settings: Settings, school: School, clock: ManualClock, core: Core
) -> None:
    receipt = core.reports.submit("extremism", "An older student is sharing extremist videos.", channel="console")
    core.db.dispose()  # the process stops here: the receipt was shown, nothing was delivered
    restarted = make_core(settings, school, clock)
    recorders = notifiers()
    deliver_all(restarted, recorders, clock)
    assert [m.ref for m in delivered(recorders)] == [receipt.reference]
    restarted.db.dispose()


def test_a_restart_with_another_key_stops_before_anything_is_written(
    settings: Settings, school: School, clock: ManualClock, core: Core
) -> None:
    """The database moved to a new machine without its key: start-up stops and says what to put back, instead of
    carrying on with a fresh key under which the reports already stored cannot be read."""
    receipt = core.reports.submit("online_abuse", "Threats to a Year 5 pupil on a gaming site.", channel="console")
    core.db.dispose()
    moved = settings.model_copy(update={"encryption_keys": SecretStr(Fernet.generate_key().decode())})
    with pytest.raises(ConfigError, match="cannot read the reports already in the database") as stopped:
        make_core(moved, school, clock)
    assert "POLICYBOT_ENCRYPTION_KEYS" in str(stopped.value)
    restarted = make_core(settings, school, clock)  # the right key: everything is still there
    dsl = restarted.reports.actor(name="Dana Lead")
    assert dsl is not None
    assert "Threats to a Year 5 pupil" in restarted.reports.case(receipt.reference, dsl).text
    restarted.db.dispose()


@pytest.mark.parametrize("lost", ["missing", "empty"])
def test_a_restart_without_the_key_file_says_to_put_it_back_and_makes_no_new_key(
    tmp_path: Path, school: School, clock: ManualClock, lost: str
) -> None:
    """A new key would read none of the reports: start-up used to make one anyway, leave it in place of the lost one,
    and then say only that "the key" could not read the reports."""
    settings = make_settings(tmp_path, POLICYBOT_ENCRYPTION_KEYS=None)  # the key file, made on first run
    core = make_core(settings, school, clock)
    receipt = core.reports.submit("online_abuse", "Threats to a Year 5 pupil on a gaming site.", channel="console")
    core.db.dispose()
    key_file = settings.resolved_key_file
    kept = key_file.read_text()
    if lost == "missing":
        key_file.unlink()
    else:
        key_file.write_text("")
    with pytest.raises(VaultError) as stopped:
        make_core(settings, school, clock)
    said = str(stopped.value)
    assert f"The key file {key_file} is {lost}, but the database already holds reports" in said
    assert f"Put that file back at {key_file} from your backup" in said and "No new key was made" in said
    assert not key_file.exists() if lost == "missing" else key_file.read_text() == ""  # no new key left there
    key_file.write_text(kept)  # put back from the backup: everything is there
    restarted = make_core(settings, school, clock)
    dsl = restarted.reports.actor(name="Dana Lead")
    assert dsl is not None and "Threats to a Year 5" in restarted.reports.case(receipt.reference, dsl).text
    restarted.db.dispose()


def test_a_restart_with_another_key_stops_too_when_only_unanswered_questions_are_stored(
    settings: Settings, school: School, clock: ManualClock, core: Core
) -> None:
    """No report yet, but questions encrypted under the old key: a fresh key would leave them unreadable."""
    from bot.qa.gaps import ask, gap_counts

    ask(core, "is the school disco on friday?", "parent", "telegram")
    core.db.dispose()
    moved = settings.model_copy(update={"encryption_keys": SecretStr(Fernet.generate_key().decode())})
    with pytest.raises(ConfigError, match="cannot read the unanswered questions already in the database"):
        make_core(moved, school, clock)
    restarted = make_core(settings, school, clock)
    assert gap_counts(restarted) == [("is the school disco on friday?", 1)]
    restarted.db.dispose()


def test_a_killed_process_loses_nothing(settings: Settings, school: School, clock: ManualClock, core: Core) -> None:
    """A real process submits, prints the receipt and is killed (SIGKILL) before any delivery."""
    script = (
        "import os, signal\n"
        "from bot.config import Settings\n"
        "from bot.core import Core\n"
        "core = Core(Settings(_env_file=None))\n"
        "core.prepare()\n"
        "receipt = core.reports.submit('child_at_risk', 'Killed before delivery.', channel='console')\n"
        "print(receipt.reference, flush=True)\n"
        "os.kill(os.getpid(), signal.SIGKILL)\n"
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "TELEGRAM_", "DATABASE_URL"))}
    env.update(
        {
            "PYTHONPATH": str(REPO),
            "DATA_DIR": str(settings.data_dir),
            "SCHOOL_FILE": str(settings.resolved_school_file),
            "POLICYBOT_ENCRYPTION_KEYS": settings.encryption_keys.get_secret_value(),  # type: ignore[union-attr]
        }
    )
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, env=env, timeout=60)
    assert result.returncode == -9, result.stderr
    code = result.stdout.strip()
    assert code.startswith("R-")

    clock.set(dt.datetime.now(dt.UTC) + dt.timedelta(seconds=1))  # the killed process ran on the real clock
    recorders = notifiers()
    deliver_all(core, recorders, clock)
    assert [m.ref for m in delivered(recorders)] == [code]
    with core.db.session() as session:
        assert session.query(ReportRow).filter_by(code=code).one().status == "new"
    # Delivering again changes nothing: once means once.
    clock.advance(hours=1)
    deliver_all(core, recorders, clock)
    assert len(delivered(recorders)) == 1


def test_a_dispatcher_killed_mid_delivery_is_picked_up_after_its_lease(core: Core, clock: ManualClock) -> None:
    core.reports.submit("other", "Something else the school should know.", channel="console")
    assert core.outbox._claim(10)  # claimed by a process that then died
    recorders = notifiers()
    assert core.outbox.dispatch(recorders).delivered == 0  # type: ignore[arg-type]
    clock.advance(minutes=3)
    assert core.outbox.dispatch(recorders).delivered == 1  # type: ignore[arg-type]


def test_a_restart_on_sqlite_sends_at_once_what_the_killed_process_was_sending(core: Core, clock: ManualClock) -> None:
    """The run lock says no other process delivers: the dead one's lease need not be waited out."""
    core.reports.submit("child_at_risk", "A child said they are scared to go home.", channel="console")
    assert core.outbox._claim(10)  # claimed by a process that was then killed
    core.claim_run()  # the next `policybot run`
    try:
        core.free_dead_claims()
        assert core.outbox.dispatch(notifiers()).delivered >= 1  # type: ignore[arg-type]
    finally:
        core.release_run()


def test_concurrent_senders_lose_nothing(any_core: Core, clock: ManualClock) -> None:
    """Many reports at once, on SQLite and PostgreSQL: each stored once, each alert queued and delivered once."""
    from concurrent.futures import ThreadPoolExecutor

    def send(n: int) -> str:
        return any_core.reports.submit("other", f"Concern {n} from a worried parent.", channel="telegram").reference

    with ThreadPoolExecutor(8) as pool:
        codes = list(pool.map(send, range(40)))
    assert len(set(codes)) == 40
    recorders = notifiers()
    deliver_all(any_core, recorders, clock)
    assert sorted(m.ref or "" for m in delivered(recorders)) == sorted(codes)
    with any_core.db.session() as session:
        assert session.query(ReportRow).count() == 40
