"""Pure rules of office check-in: screening colours, short codes, rotating screen codes, closing.

Plain values in, plain values out (no request, no database), so every rule is tested
without an app. Time is always passed in, which lets tests move the clock without sleeping.
"""

from __future__ import annotations

import re
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


def screen_code_status(secret_key: str, entrance_id: int, code: str | None, now: datetime) -> str:
    """``valid``, ``expired`` (scan the screen again) or ``invalid`` (forged or another door).

    The form that follows a valid scan has its own window, counted from when it was served
    (``form_stamp_status``); the code itself never lives longer than its periods.
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
    allowed = SCREEN_PERIODS_ACCEPTED - 1
    if age < 0:
        return "invalid"
    return "valid" if age <= allowed else "expired"


def is_open(now: datetime, opens_at: time, closes_at: time) -> bool:
    """Whether an office is open at ``now`` (WIB wall clock, from opening to closing)."""
    local = now.astimezone(WIB).time()
    return opens_at <= local < closes_at


# A stay ends at the first of these after the check-in: the office's closing time, or
# midnight WIB (someone let in after hours is not left "inside" overnight).


def closing_after(checked_in_at: datetime, closes_at: time) -> datetime:
    """The end of a stay (UTC): the closing time (WIB) of its day when checked in at or
    before it, else the next midnight WIB."""
    local = checked_in_at.astimezone(WIB)
    closing = datetime.combine(local.date(), closes_at, WIB)
    if local > closing:
        closing = datetime.combine(local.date() + timedelta(days=1), time(0), WIB)
    return closing.astimezone(timezone.utc)


def last_closing(now: datetime, closes_at: time) -> datetime:
    """The latest check-in time (UTC) whose stay has ended by ``now``.

    A check-in at or before it has had its stay end (closing_after <= now); one after it
    has not, so the database can pick the overdue ones without loading the rest. Before
    today's closing that is the last instant before midnight (stays ending at midnight
    began before it; one beginning at midnight runs to the closing).
    """
    local = now.astimezone(WIB)
    closing = datetime.combine(local.date(), closes_at, WIB)
    if closing > local:
        closing = datetime.combine(local.date(), time(0), WIB) - timedelta(microseconds=1)
    return closing.astimezone(timezone.utc)


# Indonesian phone numbers as people write them: 0812-3456-7890, +62 812 3456 7890,
# 62812..., (0341) 123456. Stored as +62 and the digits after the trunk 0.
_PHONE_NOISE = re.compile(r"[\s\-.()/]")
_PHONE_ID = re.compile(r"^\+62[1-9][0-9]{6,12}$")
_PHONE_OTHER = re.compile(r"^\+[1-9][0-9]{7,14}$")


def normalise_phone(raw: str | None) -> str | None:
    """An Indonesian (or other international) number in one form, ``+62…``; None if invalid.

    An empty input gives ``""``.
    """
    phone = _PHONE_NOISE.sub("", raw or "")
    if not phone:
        return ""
    if phone.startswith("00"):
        phone = "+" + phone[2:]
    if phone.startswith("0"):
        phone = "+62" + phone[1:]
    elif phone.startswith("62"):
        phone = "+" + phone
    elif phone.startswith("8"):
        phone = "+62" + phone
    if _PHONE_ID.match(phone) or (not phone.startswith("+62") and _PHONE_OTHER.match(phone)):
        return phone
    return None


def format_distance(metres: float | None) -> str:
    """A distance for people: metres up to 1 km, kilometres above ("672 km", "1,5 km")."""
    if metres is None:
        return ""
    if metres <= 1000:
        return f"{round(metres)} m"
    km = metres / 1000
    if km < 10:
        return f"{km:.1f} km".replace(".", ",")
    return f"{round(km)} km"


# The screen-mode form: when it was served, signed with the code it was served for.
_FORM_SALT = "checkin-screen-form"


def make_form_stamp(secret_key: str, entrance_id: int, code: str, now: datetime) -> str:
    """A signed stamp of when a screen-mode form was served, for that door and code."""
    serializer = URLSafeSerializer(secret_key, salt=_FORM_SALT)
    return serializer.dumps([entrance_id, code, int(now.timestamp())])


def form_stamp_status(
    secret_key: str,
    entrance_id: int,
    code: str | None,
    stamp: str | None,
    now: datetime,
    form_seconds: int,
) -> str:
    """``valid`` when the form was served for this code within ``form_seconds`` and the code
    was current when it was served; else ``expired`` or ``invalid``."""
    if not stamp or not code:
        return "invalid"
    serializer = URLSafeSerializer(secret_key, salt=_FORM_SALT)
    try:
        payload = serializer.loads(stamp)
    except BadSignature:
        return "invalid"
    if not (
        isinstance(payload, list)
        and len(payload) == 3
        and payload[0] == entrance_id
        and payload[1] == code
        and isinstance(payload[2], int)
    ):
        return "invalid"
    served = datetime.fromtimestamp(payload[2], timezone.utc)
    if served > now + timedelta(seconds=5):
        return "invalid"
    status = screen_code_status(secret_key, entrance_id, code, served)
    if status != "valid":
        return status
    return "valid" if (now - served).total_seconds() <= form_seconds else "expired"
