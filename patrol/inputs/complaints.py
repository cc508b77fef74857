"""What a resident sends from the public complaint form (``/aduan``).

The form shows every broken rule at once (``parse_all``). What needs the database or the
city's settings (a known category, an active park, a place inside the city) is checked by
``services.complaints.file_complaint`` with these values.
"""

from __future__ import annotations

import re
import uuid as uuid_module
from typing import Annotated, ClassVar

from flask_babel import gettext as _
from pydantic import BeforeValidator, ValidationInfo, field_validator
from pydantic_core import PydanticCustomError

from patrol.inputs.field import Input
from patrol.inputs.types import Accuracy, Latitude, Longitude, checked, is_blank, stripped
from patrol.web.urls import MAX_ID

DESCRIPTION_MAX = 500
PLACE_SOURCES = ("gps", "pin", "park")
_WHATSAPP_RE = re.compile(r"^(?:\+?62|0)(8\d{7,11})$")


def whatsapp_number(value) -> str | None:
    """An Indonesian mobile number as 62… (WhatsApp's form); None when left empty.
    Raises ValueError for anything else."""
    if value is not None and not isinstance(value, str):
        raise ValueError(value)
    text = re.sub(r"[\s.\-()]", "", value or "")
    if not text:
        return None
    match = _WHATSAPP_RE.match(text)
    if match is None:
        raise ValueError(value)
    return "62" + match.group(1)


def _form_uuid(value):
    # The page's UUID for this form (a resend is the same complaint); a fresh one when none.
    if is_blank(value):
        return str(uuid_module.uuid4())
    try:
        return str(uuid_module.UUID(str(value).strip()))
    except ValueError:
        raise PydanticCustomError(
            "form_stale", _("Kode formulir tidak sah; muat ulang halaman.")
        ) from None


def _category(value):
    code = stripped(value)
    if not code:
        raise PydanticCustomError("category_missing", _("Pilih apa yang terjadi."))
    if len(code) > 64:
        raise PydanticCustomError("category_unknown", _("Jenis aduan tidak dikenal."))
    return code


def _description(value):
    text = stripped(value)
    if not text:
        raise PydanticCustomError("description_missing", _("Ceritakan singkat apa yang terjadi."))
    if len(text) > DESCRIPTION_MAX:
        raise PydanticCustomError(
            "description_long",
            _(
                "%(label)s terlalu panjang (paling banyak %(n)d huruf).",
                label=_("Keterangan"),
                n=DESCRIPTION_MAX,
            ),
        )
    return text


def _place_source(value):
    source = stripped(value)
    return source if source in PLACE_SOURCES else None


def _phone(value):
    try:
        return whatsapp_number(value)
    except ValueError:
        raise PydanticCustomError(
            "phone_invalid", _("Nomor WhatsApp tidak sah. Contoh: 0812 3456 7890.")
        ) from None


def _park(value):
    if is_blank(value):
        return None
    text = str(value).strip() if isinstance(value, str | int) else ""
    if isinstance(value, bool) or not text.isdigit() or not 0 < int(text) <= MAX_ID:
        raise PydanticCustomError("park_unknown", _("Pilih taman dari daftar."))
    return int(text)


def _checkbox(value) -> bool:
    return value not in (None, "", False, "0", "off")


class ComplaintForm(Input):
    """A resident's complaint: what, where (GPS, a pin or a park), a description, and a
    WhatsApp number for the reply with consent. ``website`` is a field only robots fill."""

    # The place's fields share one place on the form; the UUID's error is the form's.
    error_fields: ClassVar[dict[str, str]] = {
        "uuid": "_form",
        "place_source": "place",
        "lat": "place",
        "lon": "place",
        "accuracy": "place",
        "zone_id": "place",
        "website": "_form",
    }

    uuid: Annotated[str, *checked(_form_uuid)]
    category: Annotated[str, *checked(_category)]
    description: Annotated[str, *checked(_description)]
    place_source: Annotated[str | None, BeforeValidator(_place_source)] = None
    lat: Latitude = None
    lon: Longitude = None
    accuracy: Accuracy = None
    zone_id: Annotated[int | None, BeforeValidator(_park)] = None
    reporter_phone: Annotated[str | None, BeforeValidator(_phone)] = None
    consent: Annotated[bool, *checked(_checkbox, False)]
    website: Annotated[str, BeforeValidator(lambda value: stripped(value)[:200])] = ""

    @field_validator("consent")
    @classmethod
    def _consent_with_phone(cls, consent: bool, info: ValidationInfo):
        # A number is kept only with the reporter's consent to be contacted on it.
        if info.data.get("reporter_phone") and not consent:
            raise PydanticCustomError(
                "consent_missing",
                _(
                    "Centang persetujuan bila ingin dibalas lewat WhatsApp, "
                    "atau kosongkan nomornya."
                ),
            )
        return consent

    @property
    def is_robot(self) -> bool:
        """The honeypot was filled: only a robot sees that field."""
        return bool(self.website)
