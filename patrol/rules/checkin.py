"""Pure rules of office check-in: screening colours, short codes, rotating screen codes, closing.

Plain values in, plain values out (no request, no database), so every rule is tested
without an app. Time is always passed in, which lets tests move the clock without sleeping.
"""

from __future__ import annotations

import secrets
from datetime import datetime, time, timedelta, timezone

from itsdangerous import BadSignature, URLSafeSerializer

from patrol.rules.timeutil import WIB

# A screen-mode QR code changes every 30 s; the current and the previous period are
# accepted, so a code is good for between 30 and 60 seconds after it appeared.
SCREEN_PERIOD_SECONDS = 30
SCREEN_PERIODS_ACCEPTED = 2
_SCREEN_SALT = "checkin-screen-code"

# No 0/O, 1/I/L: the guard reads the code off a phone screen, often in sunlight.
SHORT_CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
SHORT_CODE_LENGTH = 6


def screening(
    has_symptoms: bool, vaccine_doses: int, *, min_doses: int, symptoms_colour: str
) -> str:
    """The pass colour: symptoms give ``symptoms_colour`` (red by default), too few doses yellow."""
    if has_symptoms:
        return symptoms_colour
    if vaccine_doses < min_doses:
        return "yellow"
    return "green"


def new_short_code() -> str:
    """A short random code shown big on the pass, for the guard to read and type."""
    return "".join(secrets.choice(SHORT_CODE_ALPHABET) for _ in range(SHORT_CODE_LENGTH))


def is_remote(distance_m: float, radius_m: float, accuracy_m: float) -> bool:
    """A fix is remote when even its accuracy circle cannot reach the office's radius."""
    return distance_m > radius_m + accuracy_m


def screen_period(now: datetime) -> int:
    """The number of the 30-second period that contains ``now``."""
    return int(now.timestamp()) // SCREEN_PERIOD_SECONDS


def make_screen_code(secret_key: str, entrance_id: int, now: datetime) -> str:
    """The signed code shown on an entrance's screen during the period that contains ``now``."""
    serializer = URLSafeSerializer(secret_key, salt=_SCREEN_SALT)
    return serializer.dumps([entrance_id, screen_period(now)])


def screen_code_status(
    secret_key: str, entrance_id: int, code: str | None, now: datetime, grace_seconds: int = 0
) -> str:
    """``valid``, ``expired`` (scan the screen again) or ``invalid`` (forged or another door).

    ``grace_seconds`` widens the window for the form submitted after a valid scan, so that
    a visitor typing their name for a minute is not refused.
    """
    if not code:
        return "invalid"
    serializer = URLSafeSerializer(secret_key, salt=_SCREEN_SALT)
    try:
        payload = serializer.loads(code)
    except BadSignature:
        return "invalid"
    if not (isinstance(payload, list) and len(payload) == 2 and payload[0] == entrance_id):
        return "invalid"
    period = payload[1]
    if not isinstance(period, int):
        return "invalid"
    age = screen_period(now) - period
    allowed = SCREEN_PERIODS_ACCEPTED - 1 + grace_seconds // SCREEN_PERIOD_SECONDS
    if age < 0:
        return "invalid"
    return "valid" if age <= allowed else "expired"


def closing_after(checked_in_at: datetime, closes_at: time) -> datetime:
    """The first closing time (WIB wall clock) at or after a check-in, as a UTC instant."""
    local = checked_in_at.astimezone(WIB)
    closing = datetime.combine(local.date(), closes_at, WIB)
    if closing < local:
        closing = datetime.combine(local.date() + timedelta(days=1), closes_at, WIB)
    return closing.astimezone(timezone.utc)


def last_closing(now: datetime, closes_at: time) -> datetime:
    """The latest closing time (WIB wall clock) at or before ``now``, as a UTC instant.

    A check-in at or before it has had its closing time pass (closing_after <= now); one
    after it has not, so the database can pick the overdue ones without loading the rest.
    """
    local = now.astimezone(WIB)
    closing = datetime.combine(local.date(), closes_at, WIB)
    if closing > local:
        closing = datetime.combine(local.date() - timedelta(days=1), closes_at, WIB)
    return closing.astimezone(timezone.utc)
