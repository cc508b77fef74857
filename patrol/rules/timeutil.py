"""Time helpers: the database stores UTC, people live in WIB."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

# The one local time-zone setting: the app shows WIB, the database stores UTC. Everything
# else (Babel, the SQL that groups by local day, the seed data) reads it from here.
LOCAL_TIMEZONE = "Asia/Jakarta"
WIB = ZoneInfo(LOCAL_TIMEZONE)
# WIB has had no daylight saving since 1964: a fixed offset is exact (SQLite has no zones).
WIB_OFFSET_HOURS = 7
# The calendar days the app plans and reports on. Day arithmetic near year 1 or 9999
# overflows (a week view, an overnight shift, a copy of a day); no record is that old or new.
FIRST_DAY, LAST_DAY = date(2000, 1, 1), date(2100, 12, 31)


def utcnow() -> datetime:
    """Now, as an aware UTC datetime (the only clock the app reads)."""
    return datetime.now(timezone.utc)


def wib_day_bounds(day: date) -> tuple[datetime, datetime]:
    """The UTC instants where a WIB calendar day starts and ends."""
    start = datetime.combine(day, time(0, 0), WIB).astimezone(timezone.utc)
    return start, start + timedelta(days=1)


def wib_today(now: datetime | None = None) -> date:
    return (now or utcnow()).astimezone(WIB).date()


def in_calendar(day: date) -> bool:
    """True for a day between FIRST_DAY and LAST_DAY (the days the app works with)."""
    return FIRST_DAY <= day <= LAST_DAY
