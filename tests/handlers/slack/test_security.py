"""Only genuine, fresh, first-time requests from Slack are processed."""

from __future__ import annotations

import time

import pytest

from bot.core import Core
from tests.handlers.slack.conftest import STAFF, SlackWorld
from tests.handlers.slack.fake_slack_api import SignedSender, sign


def test_forged_signature_is_refused(slack: SlackWorld) -> None:
    sent = slack.sender.slash_command("/policy", "photos?", STAFF, signature="v0=" + "0" * 64)
    assert sent.status == 401
    time.sleep(0.1)
    assert slack.fake.calls == [] or all(c.method == "auth.test" for c in slack.fake.calls)


def test_stale_timestamp_is_refused(slack: SlackWorld) -> None:
    old = str(int(time.time()) - 10 * 60)
    sent = slack.sender.slash_command("/policy", "photos?", STAFF, timestamp=old)
    assert sent.status == 401


def test_replayed_request_is_refused(slack: SlackWorld) -> None:
    ts = str(int(time.time()))
    body = b"command=%2Fpolicy&text=photos&user_id=" + STAFF.encode() + b"&response_url=" + \
        slack.fake.response_url("x").encode() + b"&trigger_id=t.1&team_id=T0SCHOOL01&channel_id=C1"
    signature = sign(slack.sender.secret, ts, body)
    first = slack.sender.post(body, "application/x-www-form-urlencoded", timestamp=ts, signature=signature)
    second = slack.sender.post(body, "application/x-www-form-urlencoded", timestamp=ts, signature=signature)
    assert first.status == 200
    assert "Social Media Policy" in first.body  # answered once, in the acknowledgement
    assert second.status == 401
    assert "Social Media Policy" not in second.body


def test_unknown_path_is_not_found(slack: SlackWorld) -> None:
    import urllib.error
    import urllib.request

    url = slack.runner.url.replace("/slack/events", "/other")  # type: ignore[union-attr]
    try:
        urllib.request.urlopen(urllib.request.Request(url, data=b"x", method="POST"), timeout=5)  # noqa: S310
    except urllib.error.HTTPError as exc:
        assert exc.code == 404


def test_a_button_this_version_does_not_know_is_said_to_be_out_of_date(slack: SlackWorld) -> None:
    from handlers.slack.listeners.actions import UNKNOWN_BUTTON

    sent = slack.sender.block_action(STAFF, "retired.button", "x", channel="C0GENERAL1")
    assert sent.status == 200  # not Slack's bare warning sign
    assert slack.fake.wait_for_call("response_url")[0].params["text"] == UNKNOWN_BUTTON


def test_a_request_replayed_after_a_restart_is_refused(slack: SlackWorld) -> None:
    """Slack accepts a timestamp up to five minutes old, and a crashed bot is back within seconds (RestartSec=30):
    what was seen before the restart must still be refused after it."""
    from handlers.slack.server import start_http
    from tests.handlers.slack.conftest import SECRET

    ts = str(int(time.time()))
    body = b"command=%2Fpolicy&text=photos&user_id=" + STAFF.encode() + b"&response_url=" + \
        slack.fake.response_url("x").encode() + b"&trigger_id=t.1&team_id=T0SCHOOL01&channel_id=C1"
    signature = sign(slack.sender.secret, ts, body)
    assert slack.sender.post(body, "application/x-www-form-urlencoded", timestamp=ts, signature=signature).status == 200
    slack.runner()  # the bot stops; a new one starts on the same database
    slack.runner = start_http(slack.app, 0, SECRET, host="127.0.0.1", db=slack.core.db)
    try:
        again = SignedSender(slack.runner.url or "", SECRET, slack.fake)
        replayed = again.post(body, "application/x-www-form-urlencoded", timestamp=ts, signature=signature)
        assert replayed.status == 401
        assert "Social Media Policy" not in replayed.body
        assert again.slash_command("/policy", "photos?", STAFF).status == 200  # a fresh request is still answered
    finally:
        slack.runner()


def test_seen_requests_are_shared_by_processes_and_forgotten_once_out_of_the_window(any_core: Core) -> None:
    """Two processes on one PostgreSQL database, one proxy in front: a replay sent to the other is refused too.
    The pairs seen are pruned once Slack would refuse their timestamp anyway, so the table stays small."""
    from sqlalchemy import func, select

    from handlers.slack.models import SlackRequestSeen
    from handlers.slack.server import REPLAY_WINDOW, ReplayGuard

    now = [time.time()]
    first, second = (ReplayGuard(db=any_core.db, now=lambda: now[0]) for _ in range(2))
    ts = str(int(now[0]))
    assert first.first_sighting(ts, "v0=aaa")
    assert not second.first_sighting(ts, "v0=aaa")
    assert second.first_sighting(ts, "v0=bbb")
    now[0] += REPLAY_WINDOW + 61
    assert first.first_sighting(str(int(now[0])), "v0=ccc")
    with any_core.db.session() as session:
        assert session.scalar(select(func.count()).select_from(SlackRequestSeen)) == 1


def test_a_burst_sent_to_two_processes_at_once_is_taken_once_each(
    any_core: Core, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Requests arriving together are written in groups; each is still taken exactly once, by one process. (A write
    kept waiting past CHECK_WAIT_MS by the other process falls back to memory alone, by design: Slack's 3 s matter
    more. On a loaded machine that happened here, so the wait is made long enough never to be reached.)"""
    from concurrent.futures import ThreadPoolExecutor

    from handlers.slack import server
    from handlers.slack.server import ReplayGuard

    monkeypatch.setattr(server, "CHECK_WAIT_MS", 60_000)

    guards = [ReplayGuard(db=any_core.db), ReplayGuard(db=any_core.db)]
    ts = str(int(time.time()))
    sent = [(guard, f"v0={n:064x}") for n in range(60) for guard in guards]  # every request to both processes
    with ThreadPoolExecutor(max_workers=24) as pool:
        taken = list(pool.map(lambda each: each[0].first_sighting(ts, each[1]), sent))
    assert taken.count(True) == 60
    assert all(taken[i] != taken[i + 1] for i in range(0, len(taken), 2))  # one of the two took each
