"""The value types inputs are made of: a client UUID, a time with its zone, a coordinate,
an id the database can hold, text without NUL characters.

Each type takes what a form (strings) or JSON (strings, numbers) sends, and refuses the rest
with a Bahasa Indonesia message (see ``messages``). A type is written once here and used by
the forms, the sync API and the OpenAPI description alike.
"""

from __future__ import annotations

import math
import re
import uuid
from datetime import date, datetime, timezone
from typing import Annotated

from flask_babel import gettext as _
from pydantic import AfterValidator, BeforeValidator, Field, StringConstraints, WithJsonSchema
from pydantic_core import PydanticCustomError

from patrol.web.urls import MAX_ID

UUID_PATTERN = r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$"
_UUID_RE = re.compile(UUID_PATTERN)
# Times outside these years are refused before any arithmetic (year 1 at +14:00 is before
# the first representable UTC instant).
FIRST_YEAR, LAST_YEAR = 2000, 2100
GPS_ERRORS = ("denied", "unavailable", "timeout", "unsupported")
MAX_FINE = 100_000_000


def is_blank(value) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def no_nul(value):
    if isinstance(value, str) and "\x00" in value:
        raise PydanticCustomError("nul_character", _("Isian tidak boleh memuat karakter NUL."))
    return value


def stripped(value) -> str:
    """Form text without NUL and the spaces around it ("" for nothing); not text: refused."""
    if value is None:
        return ""
    if not isinstance(value, str):
        raise PydanticCustomError("string_type", "")
    return no_nul(value).strip()


def canonical_uuid(value) -> str | None:
    """A UUID as text in canonical form (lower case, no spaces), or None when it is not one."""
    if isinstance(value, uuid.UUID):
        return str(value)
    if not isinstance(value, str) or not _UUID_RE.match(value.strip()):
        return None
    return value.strip().lower()


def _uuid(value):
    if is_blank(value):
        raise PydanticCustomError("uuid_missing", _("Kode entri (UUID) wajib diisi."))
    canonical = canonical_uuid(value)
    if canonical is None:
        raise PydanticCustomError("uuid_invalid", _("Kode entri (UUID) tidak sah."))
    return canonical


def _optional_uuid(value):
    return None if is_blank(value) else _uuid(value)


def _time(value):
    if isinstance(value, datetime):
        parsed = value
    elif not isinstance(value, str) or not value.strip():
        raise PydanticCustomError(
            "time_invalid",
            _("Waktu pencatatan (recorded_at) wajib diisi dalam format ISO 8601."),
        )
    else:
        try:
            parsed = datetime.fromisoformat(value.strip())
        except ValueError:
            raise PydanticCustomError(
                "time_invalid", _("Waktu pencatatan (recorded_at) bukan waktu ISO 8601 yang sah.")
            ) from None
    if parsed.tzinfo is None:
        raise PydanticCustomError("time_naive", _("Waktu harus menyertakan zona waktu."))
    try:
        in_utc = parsed.astimezone(timezone.utc)
    except OverflowError:
        in_utc = None
    if in_utc is None or not FIRST_YEAR <= in_utc.year <= LAST_YEAR:
        raise PydanticCustomError(
            "time_out_of_range",
            _(
                "Waktu pencatatan harus antara tahun %(first)d dan %(last)d.",
                first=FIRST_YEAR,
                last=LAST_YEAR,
            ),
        )
    return in_utc


def _date(value):
    if is_blank(value):
        return None
    if isinstance(value, date):
        parsed = value
    else:
        try:
            parsed = date.fromisoformat(str(value).strip())
        except ValueError:
            raise PydanticCustomError(
                "date_invalid", _("Tanggal tidak valid (tttt-bb-hh).")
            ) from None
    # Day arithmetic near year 1 or 9999 overflows; no record is that old or that new.
    if not FIRST_YEAR <= parsed.year <= LAST_YEAR:
        raise PydanticCustomError(
            "date_range",
            _(
                "Tanggal harus antara tahun %(first)d dan %(last)d.",
                first=FIRST_YEAR,
                last=LAST_YEAR,
            ),
        )
    return parsed


def _gps_number(message: str):
    """A finite number from a string or a number; None when empty."""

    def check(value):
        if is_blank(value):
            return None
        if isinstance(value, bool) or not isinstance(value, int | float | str):
            raise PydanticCustomError("gps_number", message)
        try:
            number = float(value)
        except (ValueError, OverflowError):
            raise PydanticCustomError("gps_number", message) from None
        if not math.isfinite(number):
            raise PydanticCustomError("gps_number", message)
        return number

    return check


def _latitude(value):
    number = _gps_number(_("Lintang harus berupa angka."))(value)
    if number is not None and not -90 <= number <= 90:
        raise PydanticCustomError("gps_range", _("Lintang harus antara -90 dan 90."))
    return number


def _longitude(value):
    number = _gps_number(_("Bujur harus berupa angka."))(value)
    if number is not None and not -180 <= number <= 180:
        raise PydanticCustomError("gps_range", _("Bujur harus antara -180 dan 180."))
    return number


def _accuracy(value):
    number = _gps_number(_("Akurasi GPS harus berupa angka."))(value)
    if number is not None and number < 0:
        raise PydanticCustomError("gps_negative", _("Akurasi GPS tidak boleh negatif."))
    return number


def _gps_error(value):
    if is_blank(value) or not isinstance(value, str):
        return None
    reason = value.strip().lower()
    return reason if reason in GPS_ERRORS else "unavailable"


def _id(value):
    if is_blank(value):
        return None
    if isinstance(value, bool):
        raise PydanticCustomError("id_invalid", _("Pilihan tidak dikenal."))
    if isinstance(value, str) and value.strip().isdigit():
        value = int(value.strip())
    if not isinstance(value, int) or not 0 < value <= MAX_ID:
        raise PydanticCustomError("id_invalid", _("Pilihan tidak dikenal."))
    return value


def _whole(value):
    """A count as sent: a whole number, or text the service reads (``"12"``); else refused."""
    if is_blank(value):
        return None
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise PydanticCustomError("int_type", "")
    return value


def _fine(value):
    """Rupiah as a number or as text (``"100.000"``); the service reads the text, and ignores
    it for an action without a fine."""
    if is_blank(value):
        return None
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise PydanticCustomError("fine_invalid", _("Jumlah denda harus berupa angka rupiah."))
    return value


def checked(validator, default=""):
    """A field checked by ``validator`` even when the input leaves it out (as if empty):
    ``name: Annotated[str, *checked(_name)]``."""
    return Field(default=default, validate_default=True), BeforeValidator(validator)


def text(max_length: int, description: str | None = None):
    """An optional text field of at most ``max_length`` characters, without NUL."""
    return Annotated[
        Annotated[str, StringConstraints(max_length=max_length), AfterValidator(no_nul)] | None,
        Field(default=None, description=description),
    ]


ClientUuid = Annotated[
    str,
    BeforeValidator(_uuid),
    WithJsonSchema({"type": "string", "format": "uuid", "pattern": UUID_PATTERN}),
]
OptionalUuid = Annotated[
    str | None,
    BeforeValidator(_optional_uuid),
    WithJsonSchema({"type": ["string", "null"], "format": "uuid"}),
]
AwareTime = Annotated[
    datetime,
    BeforeValidator(_time),
    WithJsonSchema(
        {
            "type": "string",
            "format": "date-time",
            "description": "ISO 8601 with its zone, between the years 2000 and 2100.",
        }
    ),
]
Day = Annotated[
    date | None,
    BeforeValidator(_date),
    WithJsonSchema({"type": ["string", "null"], "format": "date"}),
]
Latitude = Annotated[
    float | None,
    BeforeValidator(_latitude),
    WithJsonSchema({"type": ["number", "string", "null"], "minimum": -90, "maximum": 90}),
]
Longitude = Annotated[
    float | None,
    BeforeValidator(_longitude),
    WithJsonSchema({"type": ["number", "string", "null"], "minimum": -180, "maximum": 180}),
]
Accuracy = Annotated[
    float | None,
    BeforeValidator(_accuracy),
    WithJsonSchema({"type": ["number", "string", "null"], "minimum": 0}),
]
GpsError = Annotated[
    str | None,
    BeforeValidator(_gps_error),
    WithJsonSchema(
        {
            "type": ["string", "null"],
            "enum": [*GPS_ERRORS, None],
            "description": "Why there is no fix (when lat/lon are missing).",
        }
    ),
]
RowId = Annotated[
    int | None,
    BeforeValidator(_id),
    WithJsonSchema({"type": ["integer", "null"], "minimum": 1, "maximum": MAX_ID}),
]
WholeNumber = Annotated[
    int | str | None,
    BeforeValidator(_whole),
    WithJsonSchema(
        {
            "anyOf": [
                {"type": "integer", "minimum": 0, "maximum": 10_000},
                {"type": "string", "pattern": r"^\s*[0-9]+\s*$"},
                {"type": "null"},
            ]
        }
    ),
]
FineAmount = Annotated[
    int | str | None,
    BeforeValidator(_fine),
    WithJsonSchema(
        {
            "anyOf": [
                {"type": "integer", "minimum": 0, "maximum": MAX_FINE},
                {"type": "string", "pattern": r"^\s*[0-9][0-9.,]*\s*$", "examples": ["100.000"]},
                {"type": "null"},
            ],
            "description": (
                "Rupiah, as a number or as text with thousands dots or commas ('100.000'); "
                "at most 100.000.000. Empty for an action that needs a fine: the rule's default."
            ),
        }
    ),
]
Code = Annotated[
    Annotated[str, StringConstraints(max_length=64), AfterValidator(no_nul)] | None,
    Field(default=None),
]
