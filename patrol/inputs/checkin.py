"""What comes to the office door: the visitor's check-in form, the guard's manual check-in
and turn-away.

These forms show every broken rule at once (``parse_all``): a visitor in a queue fixes the
whole form in one go. Each error names the field it sits beside; the three location fields
share one place on the form (``location``).
"""

from __future__ import annotations

import uuid as uuid_module
from typing import Annotated, ClassVar

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from pydantic import BeforeValidator, Field, ValidationInfo, WithJsonSchema, field_validator
from pydantic_core import PydanticCustomError

from patrol.inputs.field import Input
from patrol.inputs.types import checked, is_blank, stripped
from patrol.rules import checkin as checkin_rules

MAX_DOSES = 10
NAME_MAX, PURPOSE_MAX, REASON_MAX = 120, 200, 200


def _form_uuid(value):
    """The UUID the page put in the form; without it the page is stale or forged."""
    try:
        return str(uuid_module.UUID(str(value or "").strip()))
    except ValueError:
        raise PydanticCustomError(
            "form_stale", _("Formulir tidak lengkap. Muat ulang halaman lalu coba lagi.")
        ) from None


def _short_text(kind: str, limit: int, missing, too_long, required: bool, empty=""):
    """A text field of at most ``limit`` characters; ``missing`` and ``too_long`` are the
    (lazy) messages, ``empty`` what an optional field left empty becomes."""

    def check(value):
        text = stripped(value)
        if not text and required:
            raise PydanticCustomError(f"{kind}_missing", str(missing))
        if len(text) > limit:
            raise PydanticCustomError(f"{kind}_long", str(too_long))
        return text or empty

    return check


def _name(required: bool):
    return _short_text(
        "name",
        NAME_MAX,
        _l("Nama wajib diisi."),
        _l("Nama terlalu panjang (paling banyak 120 huruf)."),
        required,
    )


def _phone(required: bool):
    def check(value):
        phone = checkin_rules.normalise_phone(stripped(value))
        if phone == "" and required:
            raise PydanticCustomError("phone_missing", _("Nomor HP wajib diisi."))
        if phone is None:
            raise PydanticCustomError(
                "phone_invalid",
                _("Nomor HP tidak valid. Tulis seperti 0812-3456-7890 atau +62 812 3456 7890."),
            )
        return phone or None

    return check


def _purpose(required: bool):
    return _short_text(
        "purpose",
        PURPOSE_MAX,
        _l("Keperluan kunjungan wajib diisi."),
        _l("Keperluan terlalu panjang (paling banyak 200 huruf)."),
        required,
        empty=None,
    )


def _symptoms(value):
    if value in ("yes", True):
        return True
    if value in ("no", False):
        return False
    raise PydanticCustomError("symptoms", _("Jawab pertanyaan gejala: ya atau tidak."))


def _doses(value):
    try:
        doses = int(str(value).strip()) if not isinstance(value, bool) else -1
    except ValueError:
        doses = -1
    if not 0 <= doses <= MAX_DOSES:
        raise PydanticCustomError("doses", _("Pilih jumlah dosis vaksin (0 sampai 10)."))
    return doses


def _coordinate(low: float, high: float):
    def check(value):
        if is_blank(value):
            return None
        try:
            number = float(value) if not isinstance(value, bool) else None
        except (TypeError, ValueError, OverflowError):
            number = None
        if number is None or not low <= number <= high:  # NaN fails both comparisons
            raise PydanticCustomError("location", _location_message())
        return number

    return check


def _location_message() -> str:
    return _("Lokasi dari ponsel tidak dapat dibaca. Coba bagikan lagi.")


FormUuid = Annotated[
    str, BeforeValidator(_form_uuid), WithJsonSchema({"type": "string", "format": "uuid"})
]


class DoorForm(Input):
    """A form at the door: every error is shown beside its field at once."""

    # Where a field's error is shown when not beside the field itself (None: the form's).
    error_fields: ClassVar[dict[str, str | None]] = {
        "client_uuid": None,
        "lat": "location",
        "lon": "location",
        "accuracy": "location",
    }

    client_uuid: Annotated[FormUuid, Field(default=None, validate_default=True)]


class VisitorCheckIn(DoorForm):
    """What a visitor declares at the door: who, a phone, why, symptoms, vaccine doses, and
    where the phone is when it shares its position."""

    name: Annotated[str, *checked(_name(True))]
    phone: Annotated[str | None, *checked(_phone(True))]
    purpose: Annotated[str | None, *checked(_purpose(True))]
    has_symptoms: Annotated[bool, *checked(_symptoms)]
    vaccine_doses: Annotated[int, *checked(_doses)]
    lat: Annotated[float | None, *checked(_coordinate(-90, 90), None)]
    lon: Annotated[float | None, *checked(_coordinate(-180, 180), None)]
    accuracy: Annotated[float | None, BeforeValidator(_coordinate(0, 100_000))] = None

    @field_validator("lon")
    @classmethod
    def _whole_fix(cls, lon, info: ValidationInfo):
        # Half a position is unreadable: a latitude needs its longitude and back.
        if "lat" in info.data and (info.data["lat"] is None) != (lon is None):
            raise PydanticCustomError("location", _location_message())
        return lon

    def details(self) -> dict:
        """The visitor's details as the check-in service takes them (``VisitorDetails``)."""
        return {
            "name": self.name,
            "phone": self.phone,
            "purpose": self.purpose,
            "has_symptoms": self.has_symptoms,
            "vaccine_doses": self.vaccine_doses,
            "lat": self.lat,
            "lon": self.lon,
            "accuracy_m": self.accuracy if self.lat is not None else None,
        }


class ManualCheckIn(VisitorCheckIn):
    """A guard checks in a visitor who has no phone: phone and purpose may stay empty."""

    phone: Annotated[str | None, *checked(_phone(False))]
    purpose: Annotated[str | None, *checked(_purpose(False))]


_reason = _short_text(
    "reason",
    REASON_MAX,
    _l("Alasan penolakan wajib diisi."),
    _l("Alasan terlalu panjang (paling banyak 200 huruf)."),
    required=True,
)


class TurnAway(DoorForm):
    """A guard turns someone away: the reason, and who (the code on their pass or a name)."""

    reason: Annotated[str, *checked(_reason)]
    short_code: Annotated[str, *checked(lambda value: stripped(value).upper()[:16])]
    name: Annotated[str, *checked(_name(False))]
