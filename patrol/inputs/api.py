"""The JSON bodies of /api/v1 beside the sync records: the SOS and the sync batch."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from flask_babel import gettext as _
from pydantic import BeforeValidator, Field, WithJsonSchema
from pydantic_core import PydanticCustomError

from patrol.inputs.field import Input
from patrol.inputs.types import Accuracy, Latitude, Longitude, is_blank

MAX_RECORDS = 500


def _sos_key(value):
    # The phone's key for one press: retried sends carry the same one.
    if not isinstance(value, str) or not 8 <= len(value.strip()) <= 36 or "\x00" in value:
        raise PydanticCustomError("uuid_invalid", _("Permintaan tidak lengkap."))
    return value.strip()


class SosRequest(Input):
    """An officer's SOS: a key for this press, and the phone's fix when it has one."""

    uuid: Annotated[
        str,
        BeforeValidator(_sos_key),
        WithJsonSchema({"type": "string", "minLength": 8, "maxLength": 36}),
    ] = Field(description="Chosen by the phone; a retried send returns the first alert.")
    lat: Latitude = None
    lon: Longitude = None
    accuracy_m: Accuracy = None


class SyncBatch(Input):
    """The outbox sent in one request. Each record is checked on its own (a bad one is
    rejected alone), so here they are any JSON; their schemas are the record kinds."""

    # The view answers 413 beyond MAX_RECORDS (not a field error): the length is not a rule
    # of the model, only of its schema.
    records: Annotated[
        list[Any],
        WithJsonSchema(
            {
                "type": "array",
                "maxItems": MAX_RECORDS,
                "items": {"$ref": "#/components/schemas/SyncRecord"},
            }
        ),
    ]


def _forecast_date(value):
    # Exactly YYYY-MM-DD: a time or a compact date is refused, not guessed.
    if is_blank(value):
        return None
    text = value.strip() if isinstance(value, str) else ""
    try:
        if len(text) != 10:
            raise ValueError(text)
        return dt.date.fromisoformat(text)
    except ValueError:
        raise PydanticCustomError(
            "date_invalid", _("Tanggal harus berbentuk TTTT-BB-HH, misalnya 2026-12-01.")
        ) from None


class ForecastQuery(Input):
    """The query of a park's forecast (the horizon is checked against today by the service)."""

    date: Annotated[
        dt.date | None,
        BeforeValidator(_forecast_date),
        WithJsonSchema({"type": "string", "format": "date"}),
    ] = Field(
        default=None,
        description="YYYY-MM-DD (WIB), from today up to FORECAST_HORIZON_DAYS ahead (28); "
        "today when left out.",
    )
