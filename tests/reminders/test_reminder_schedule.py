"""When reminders go: 09:00 UK time on the UK date d days before the deadline's, across clock changes."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from consortium.reminders.schedule import due_day, send_time, uk_date_of
from consortium.timeutil import UK

# 12:00 BST on Friday 2 April 2027; the clocks go forward at 01:00 GMT on Sunday 28 March 2027.
DEADLINE = datetime(2027, 4, 2, 12, 0, tzinfo=UK)


def test_a_reminder_before_the_clock_change_goes_at_nine_gmt() -> None:
    assert send_time(DEADLINE, 7) == datetime(2027, 3, 26, 9, 0, tzinfo=UTC)


def test_a_reminder_after_the_clock_change_goes_at_nine_bst() -> None:
    assert send_time(DEADLINE, 3) == datetime(2027, 3, 30, 8, 0, tzinfo=UTC)
    assert send_time(DEADLINE, 1) == datetime(2027, 4, 1, 8, 0, tzinfo=UTC)


def test_the_day_counts_on_the_uk_calendar_not_in_utc() -> None:
    # 00:30 BST on 2 April is still 1 April in UTC: the reminder a day before is on 1 April, UK date.
    just_after_midnight = datetime(2027, 4, 2, 0, 30, tzinfo=UK)
    assert send_time(just_after_midnight, 1) == datetime(2027, 4, 1, 8, 0, tzinfo=UTC)
    # And in autumn: the clocks go back on 31 October 2027, so 7 days before 3 November is 09:00 BST on 27 October.
    assert send_time(datetime(2027, 11, 3, 17, 0, tzinfo=UK), 7) == datetime(2027, 10, 27, 8, 0, tzinfo=UTC)


def test_nothing_is_due_before_the_first_reminder_time() -> None:
    assert due_day(DEADLINE, [7, 3, 1], send_time(DEADLINE, 7) - timedelta(seconds=1)) is None


def test_each_day_is_due_from_its_time() -> None:
    assert due_day(DEADLINE, [7, 3, 1], send_time(DEADLINE, 7)) == 7
    assert due_day(DEADLINE, [7, 3, 1], send_time(DEADLINE, 3) + timedelta(minutes=4)) == 3


def test_only_the_latest_missed_reminder_is_due() -> None:
    # The service was down from before the 7-day reminder until after the 3-day one came due: only the 3-day one.
    assert due_day(DEADLINE, [7, 3, 1], send_time(DEADLINE, 3) + timedelta(hours=5)) == 3
    assert due_day(DEADLINE, [1, 7, 3], send_time(DEADLINE, 1) + timedelta(hours=1)) == 1


def test_nothing_is_due_once_the_deadline_has_passed() -> None:
    assert due_day(DEADLINE, [7, 3, 1], DEADLINE.astimezone(UTC)) is None
    assert due_day(DEADLINE, [7, 3, 1], DEADLINE + timedelta(days=1)) is None


def test_no_reminder_days_means_no_reminders() -> None:
    assert due_day(DEADLINE, [], send_time(DEADLINE, 1)) is None


def test_the_uk_date_of_a_moment() -> None:
    assert uk_date_of(datetime(2027, 6, 1, 23, 30, tzinfo=UTC)) == "2027-06-02"  # 00:30 BST
