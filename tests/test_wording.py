"""The small pieces of English the messages share."""

from __future__ import annotations

from bot.wording import and_list, counted


def test_a_count_agrees_with_its_noun() -> None:
    assert [counted(n, "member") for n in (0, 1, 2)] == ["0 members", "1 member", "2 members"]
    assert counted(1, "day") == "1 day" and counted(3, "person", "people") == "3 people"
    assert counted(1336, "day") == "1,336 days"


def test_and_list() -> None:
    assert [and_list(items) for items in ([], ["A"], ["A", "B"], ["A", "B", "C"])] == ["", "A", "A and B", "A, B and C"]


def test_a_date_and_time_in_the_long_form() -> None:
    import datetime as dt

    from bot.wording import long_date_time

    assert long_date_time(dt.datetime(2026, 11, 27, 16, 48)) == "Friday 27 November 2026 at 16:48"
    assert long_date_time(dt.datetime(2027, 1, 4, 9, 5)) == "Monday 4 January 2027 at 09:05"


def test_a_date_and_time_in_the_short_form_says_its_year() -> None:
    import datetime as dt

    from bot.wording import short_date_time

    assert short_date_time(dt.datetime(2026, 11, 27, 19, 20)) == "Fri 27 Nov 2026 19:20"
    assert short_date_time(dt.datetime(2027, 1, 4, 9, 5)) == "Mon 4 Jan 2027 09:05"
