"""Time helpers: the database stores UTC, people live in WIB."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

WIB = ZoneInfo("Asia/Jakarta")


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


def wib_day_bounds(day: date) -> tuple[datetime, datetime]:
    """The UTC instants where a WIB calendar day starts and ends."""
    start = datetime.combine(day, time(0, 0), WIB).astimezone(timezone.utc)
    return start, start + timedelta(days=1)


def wib_today(now: datetime | None = None) -> date:
    return (now or utcnow()).astimezone(WIB).date()
