"""Reading a deadline typed as UK date and time (day first, 24-hour clock) into UTC, whatever the browser's language:
GMT in winter, BST in summer, and a clear message for the hour skipped in March and the hour repeated in October."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from consortium.web.pages import forms


def read(day: str, at: str) -> tuple[datetime | None, list[str]]:
    errors = forms.FormErrors()
    found = forms.uk_datetime(day, at, "deadline_date", errors, what="the deadline")
    assert all(target == "deadline_date" for target, _ in errors.items)
    return found, [message for _, message in errors.items]


@pytest.mark.parametrize(
    ("day", "at", "expected"),
    [
        ("26/06/2026", "17:00", datetime(2026, 6, 26, 16, 0, tzinfo=UTC)),  # BST: an hour ahead of UTC
        ("15/01/2027", "17:00", datetime(2027, 1, 15, 17, 0, tzinfo=UTC)),  # GMT: UTC itself
        ("5/1/2027", "9:05", datetime(2027, 1, 5, 9, 5, tzinfo=UTC)),  # 5 January, not 1 May
        (" 26-06-2026 ", "17.00", datetime(2026, 6, 26, 16, 0, tzinfo=UTC)),
        ("26.06.2026", "1700", datetime(2026, 6, 26, 16, 0, tzinfo=UTC)),
        ("26 06 2026", "5pm", datetime(2026, 6, 26, 16, 0, tzinfo=UTC)),  # am/pm read onto the 24-hour clock
        ("26/06/2026", "12am", datetime(2026, 6, 25, 23, 0, tzinfo=UTC)),  # midnight at the start of the 26th
        ("26/06/2026", "12:30 p.m.", datetime(2026, 6, 26, 11, 30, tzinfo=UTC)),
        ("2026-06-26", "17:00", datetime(2026, 6, 26, 16, 0, tzinfo=UTC)),  # ISO, as scripts and date inputs send
        # The clock changes: 00:59 before the March change is GMT, 02:00 after it BST; in October 00:59 is still
        # BST and 02:00 is GMT again.
        ("28/03/2027", "00:59", datetime(2027, 3, 28, 0, 59, tzinfo=UTC)),
        ("28/03/2027", "02:00", datetime(2027, 3, 28, 1, 0, tzinfo=UTC)),
        ("25/10/2026", "00:59", datetime(2026, 10, 24, 23, 59, tzinfo=UTC)),
        ("25/10/2026", "02:00", datetime(2026, 10, 25, 2, 0, tzinfo=UTC)),
    ],
)
def test_uk_date_and_time_are_read_as_uk_time_and_stored_in_utc(day: str, at: str, expected: datetime) -> None:
    found, problems = read(day, at)
    assert problems == [] and found == expected
    assert found.tzinfo is UTC


@pytest.mark.parametrize(
    ("day", "at", "expected"),
    [
        ("", "17:00", "Enter the deadline's date, like 26/06/2026."),
        ("26/06/2026", "", "Enter the deadline's time on the 24-hour clock, like 17:00."),
        (
            "06/26/2026",
            "17:00",
            "There is no month 26: enter the deadline's date as day/month/year, with the day first",
        ),
        ("26/06/26", "17:00", "Enter the deadline's year in full, like 26/06/2026."),
        ("31/04/2027", "17:00", "April 2027 has no day 31: check the deadline's date."),
        ("29/02/2027", "17:00", "February 2027 has no day 29"),
        ("next friday", "17:00", "Enter the deadline's date as day/month/year, like 26/06/2026."),
        ("26/06/2026", "25:00", "Enter the deadline's time as hours and minutes on the 24-hour clock, like 17:00."),
        ("26/06/2026", "17:60", "on the 24-hour clock, like 17:00."),
        ("26/06/2026", "17pm", "on the 24-hour clock, like 17:00."),
        ("26/06/2026", "24:00", "Enter the deadline's time from 00:00 to 23:59. For the end of a day, enter 23:59."),
        (
            "28/03/2027",
            "01:30",
            "01:30 on 28 March 2027 does not happen in the UK: the clocks go forward an hour then, from 01:00 to "
            "02:00. Choose a time before 01:00 or from 02:00.",
        ),
        (
            "25/10/2026",
            "01:30",
            "01:30 on 25 October 2026 happens twice in the UK: the clocks go back an hour then, from 02:00 to 01:00. "
            "Choose a time before 01:00 or from 02:00.",
        ),
    ],
)
def test_a_date_or_time_that_cannot_be_read_says_what_to_type(day: str, at: str, expected: str) -> None:
    found, problems = read(day, at)
    assert found is None
    assert any(expected in problem for problem in problems), problems


def test_both_problems_are_said_at_once() -> None:
    found, problems = read("32/13/2026", "noon")
    assert found is None and len(problems) == 2
    assert "There is no month 13" in problems[0] and "24-hour clock" in problems[1]


def test_stored_times_are_shown_as_uk_date_and_24_hour_time() -> None:
    summer = datetime(2026, 6, 26, 16, 0, tzinfo=UTC)
    winter = datetime(2027, 1, 5, 17, 0, tzinfo=UTC)
    assert (forms.uk_date_value(summer), forms.uk_time_value(summer)) == ("26/06/2026", "17:00")
    assert (forms.uk_date_value(winter), forms.uk_time_value(winter)) == ("05/01/2027", "17:00")
    late = datetime(2026, 6, 26, 23, 30, tzinfo=UTC)  # 00:30 BST on the 27th: the UK date, not the UTC one
    assert (forms.uk_date_value(late), forms.uk_time_value(late)) == ("27/06/2026", "00:30")
    assert forms.uk_date_value(None) == "" and forms.uk_time_value(None) == ""
    # What the form shows reads back as the same moment.
    for moment in (summer, winter, late):
        assert read(forms.uk_date_value(moment), forms.uk_time_value(moment)) == (moment, [])
