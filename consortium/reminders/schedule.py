"""When deadline reminders go: at 09:00 UK time, a bid's reminder days before the deadline's UK date.

UK time moves by an hour at the end of March and October, so a send time is worked out on the UK calendar and turned
into UTC by ``zoneinfo``: "7 days before 2 April 2027" is 09:00 GMT on 26 March, and "1 day before" is 09:00 BST on
1 April, whatever the clocks did in between."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime, time, timedelta

from consortium.timeutil import UK, as_utc

SEND_AT = time(9, 0)  # UK time
DEFAULT_DAYS = (7, 3, 1)
MOST_DAYS = 10  # reminder days a bid may have
LONGEST_DAYS = 60  # the earliest a reminder may go, in days before the deadline


def uk_date_of(moment: datetime) -> str:
    """The UK calendar date of ``moment`` as YYYY-MM-DD (a chase's once-a-day key)."""
    return as_utc(moment).astimezone(UK).date().isoformat()


def send_time(deadline: datetime, days: int) -> datetime:
    """When the reminder ``days`` before ``deadline`` goes, in UTC: 09:00 UK time on the UK date that many days
    before the deadline's UK date."""
    deadline_date = as_utc(deadline).astimezone(UK).date()
    local = datetime.combine(deadline_date - timedelta(days=days), SEND_AT, tzinfo=UK)
    return local.astimezone(UTC)


def due_day(deadline: datetime, reminder_days: Iterable[int], now: datetime) -> int | None:
    """The reminder day whose reminder is due at ``now``: of those whose time has come, the latest (a reminder missed
    while the service was down is sent late only until the next one comes due); None once the deadline has passed
    or before the first one comes due."""
    now = as_utc(now)
    if as_utc(deadline) <= now:
        return None
    come = [(send_time(deadline, days), days) for days in set(reminder_days) if send_time(deadline, days) <= now]
    return max(come)[1] if come else None
