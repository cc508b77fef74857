"""The JSON bodies of /api/v1 beside the sync records: the SOS and the sync batch."""

from __future__ import annotations

from typing import Annotated, Any

from flask_babel import gettext as _
from pydantic import BeforeValidator, Field, WithJsonSchema
from pydantic_core import PydanticCustomError

from patrol.inputs.field import Input
from patrol.inputs.types import Accuracy, Latitude, Longitude

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

    records: Annotated[
        list[Any],
        Field(max_length=MAX_RECORDS),
        WithJsonSchema(
            {
                "type": "array",
                "maxItems": MAX_RECORDS,
                "items": {"$ref": "#/components/schemas/SyncRecord"},
            }
        ),
    ]
