"""Times are stored and compared in UTC; people read them in UK time."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

UK = ZoneInfo("Europe/London")


def utc_now() -> datetime:
    return datetime.now(UTC)


def as_utc(value: datetime) -> datetime:
    """Timezone-aware UTC. Naive datetimes are refused upstream; here they are taken to be UTC already."""
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value.astimezone(UTC)


def uk_time_text(value: datetime) -> str:
    """'Friday 3 July 2026 at 12:00 BST' - the deadline as a person in the UK reads it."""
    local = as_utc(value).astimezone(UK)
    return f"{local:%A} {local.day} {local:%B %Y} at {local:%H:%M} {local.tzname()}"
