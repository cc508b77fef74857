"""The OpenAPI 3.1 description of /api/v1, served at GET /api/v1/openapi.json.

The request bodies are the input models themselves (``patrol.inputs``): what the API
describes is what it checks. The answers are described by the small models below.
"""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version
from typing import Literal

from pydantic import BaseModel, Field, TypeAdapter
from pydantic.json_schema import models_json_schema

from patrol.inputs.api import MAX_RECORDS, SosRequest, SyncBatch
from patrol.inputs.field import RECORD_KINDS, SyncRecord

REF = "#/components/schemas/{model}"


# The answers ------------------------------------------------------------------------------


class Error(BaseModel):
    """An error message in Bahasa Indonesia (and the field it is about, when there is one)."""

    error: str
    field: str | None = None


class CsrfToken(BaseModel):
    """A fresh CSRF token, and whose session it belongs to."""

    csrf_token: str
    user_id: int


class Park(BaseModel):
    """What the public may know about a park: place, level, last count; nothing personal."""

    id: int
    name: str
    kind: str
    lat: float | None = Field(description="The zone's centre (the centroid of its area).")
    lon: float | None
    capacity: int
    level: Literal["quiet", "busy", "over", "unknown"]
    headcount: int | None
    last_counted_at: str | None = Field(description="ISO 8601, UTC.")


class Parks(BaseModel):
    """Every active park's current crowd level."""

    parks: list[Park]
    fresh_hours: int = Field(description="A count older than this many hours is 'unknown'.")


class ForecastHour(BaseModel):
    """One WIB hour of a park's usual day (null where nobody has counted at that hour)."""

    hour: int = Field(ge=0, le=23, description="The hour, WIB.")
    expected_headcount: float | None = Field(ge=0)
    level: Literal["quiet", "busy", "over"] | None


class ParkForecast(BaseModel):
    """How crowded a park is expected to be, hour by hour, on one day (docs/forecast.md)."""

    zone_id: int
    date: str = Field(description="YYYY-MM-DD, WIB.")
    based_on_days: int = Field(description="Days of this park's own counts behind it.")
    hours: list[ForecastHour] = Field(min_length=24, max_length=24)


class EntryPhoto(BaseModel):
    """A violation's photo stored (now, or already: a retry changes nothing)."""

    uuid: str
    photo_url: str
    thumbnail_url: str


class SosCreated(BaseModel):
    """The alert raised (or the first one, for a retried send)."""

    id: int
    raised_at: str


class SyncResult(BaseModel):
    """What happened to one record."""

    uuid: str | None
    status: Literal["created", "duplicate", "conflict", "rejected"] = Field(
        description=(
            "duplicate: the UUID is stored with the same content (nothing new); "
            "conflict: stored with different content; rejected: invalid (see error)."
        )
    )
    id: int | None = None
    error: str | None = Field(default=None, description="Reason, in Bahasa Indonesia.")
    field: str | None = None


class SyncResults(BaseModel):
    """One result per record, in the order sent."""

    results: list[SyncResult]


# The document -----------------------------------------------------------------------------


def _app_version() -> str:
    try:
        return version("patroli")
    except PackageNotFoundError:
        return "0"


def _schemas() -> dict:
    models = [SosRequest, SyncBatch, *RECORD_KINDS.values()]
    answers = [Error, CsrfToken, Parks, ParkForecast, EntryPhoto, SosCreated, SyncResults]
    _, top = models_json_schema(
        [(m, "validation") for m in models] + [(m, "serialization") for m in answers],
        ref_template=REF,
    )
    schemas = top["$defs"]
    record = TypeAdapter(SyncRecord).json_schema(ref_template=REF)
    schemas.update(record.pop("$defs", {}))
    schemas["SyncRecord"] = record | {
        "description": "One record of the outbox; its kind says which schema applies."
    }
    return schemas


def _json(ref: str, description: str) -> dict:
    return {
        "description": description,
        "content": {"application/json": {"schema": {"$ref": REF.format(model=ref)}}},
    }


def _error(description: str) -> dict:
    return _json("Error", description)


def describe_api(server_url: str) -> dict:
    """The API description as a plain dict (JSON-ready)."""
    officer = [{"session": [], "csrf": []}]
    sos = {"$ref": REF.format(model="SosRequest")}
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Patroli API",
            "version": _app_version(),
            "description": (
                "Open data on how busy the parks are; offline sync and SOS for officers' "
                "phones; a CSRF token for scripts. Officer calls use the browser's session "
                "cookie and an X-CSRFToken header. Messages are in Bahasa Indonesia."
            ),
        },
        "servers": [{"url": server_url + "/api/v1"}],
        "components": {
            "securitySchemes": {
                "session": {"type": "apiKey", "in": "cookie", "name": "session"},
                "csrf": {"type": "apiKey", "in": "header", "name": "X-CSRFToken"},
            },
            "schemas": _schemas(),
        },
        "paths": {
            "/parks": {
                "get": {
                    "summary": "Open data: each active park's crowd level now (public)",
                    "security": [],
                    "responses": {"200": _json("Parks", "The parks (cached up to a minute).")},
                }
            },
            "/parks/{zone_id}/forecast": {
                "get": {
                    "summary": "Open data: a park's expected crowding per WIB hour (public)",
                    "description": (
                        "A seasonal profile of the park's crowd counts by day of week and "
                        "hour, recent weeks weighing more; public holidays are like Sundays "
                        "unless the park's own history says otherwise (docs/forecast.md)."
                    ),
                    "security": [],
                    "parameters": [
                        {
                            "name": "zone_id",
                            "in": "path",
                            "required": True,
                            "schema": {"type": "integer", "minimum": 1},
                        },
                        {
                            "name": "date",
                            "in": "query",
                            "required": False,
                            "description": (
                                "YYYY-MM-DD (WIB), from today up to FORECAST_HORIZON_DAYS "
                                "ahead (28); today when left out."
                            ),
                            "schema": {"type": "string", "format": "date"},
                        },
                    ],
                    "responses": {
                        "200": _json("ParkForecast", "24 hours (cached for minutes)."),
                        "400": _error("Not a date (YYYY-MM-DD)."),
                        "404": _error("No such park, or it is not active."),
                        "422": _error("A date before today or beyond the horizon."),
                    },
                }
            },
            "/sos": {
                "post": {
                    "summary": "An officer's SOS with the phone's position (officers only)",
                    "security": officer,
                    "requestBody": {
                        "required": True,
                        "content": {
                            "application/json": {"schema": sos},
                            "application/x-www-form-urlencoded": {"schema": sos},
                        },
                    },
                    "responses": {
                        "201": _json("SosCreated", "The alert (the first one for a retry)."),
                        "400": _error("The CSRF token expired, or the JSON is malformed."),
                        "401": _error("The session ended: log in again."),
                        "403": _error("Not an officer."),
                        "422": _error("A field is invalid (see field)."),
                    },
                }
            },
            "/sync": {
                "post": {
                    "summary": "Send the phone's outbox (officers only)",
                    "description": (
                        "Records are applied oldest first, each visit's start before its "
                        "entries, in any order within the batch; each in its own savepoint, "
                        "so one bad record is rejected alone and the rest are taken. "
                        f"At most {MAX_RECORDS}."
                    ),
                    "security": officer,
                    "requestBody": {
                        "required": True,
                        "content": {
                            "application/json": {"schema": {"$ref": REF.format(model="SyncBatch")}}
                        },
                    },
                    "responses": {
                        "200": _json("SyncResults", "One result per record, in the order sent."),
                        "400": _error("Not JSON, too deeply nested, or the CSRF token expired."),
                        "401": _error("The session ended: log in again."),
                        "403": _error("Not an officer."),
                        "413": _error(f"More than {MAX_RECORDS} records."),
                    },
                }
            },
            "/entries/{entry_uuid}/photo": {
                "post": {
                    "summary": "Attach a violation's photo by the violation's UUID (officers)",
                    "description": (
                        "Sent after the entry itself (online or from the outbox), shrunk on "
                        "the phone. Exactly once: while the entry has a photo, another "
                        "upload stores nothing and gets the same answer. The server "
                        "re-encodes it as JPEG without metadata and keeps a thumbnail."
                    ),
                    "security": officer,
                    "parameters": [
                        {
                            "name": "entry_uuid",
                            "in": "path",
                            "required": True,
                            "schema": {"type": "string", "format": "uuid"},
                            "description": "The violation's client UUID.",
                        }
                    ],
                    "requestBody": {
                        "required": True,
                        "content": {
                            "multipart/form-data": {
                                "schema": {
                                    "type": "object",
                                    "required": ["photo"],
                                    "properties": {
                                        "photo": {"type": "string", "contentMediaType": "image/*"}
                                    },
                                }
                            }
                        },
                    },
                    "responses": {
                        "200": _json("EntryPhoto", "Stored now, or already stored (a retry)."),
                        "400": _error("The CSRF token expired."),
                        "401": _error("The session ended: log in again."),
                        "403": _error("Another officer's entry."),
                        "404": _error("No violation has this UUID."),
                        "413": _error("The photo is too large."),
                        "422": _error("No photo, or not an image."),
                    },
                }
            },
            "/csrf-token": {
                "get": {
                    "summary": "A fresh CSRF token (any logged-in user)",
                    "security": [{"session": []}],
                    "responses": {
                        "200": _json("CsrfToken", "The token."),
                        "401": _error("The session ended."),
                    },
                }
            },
            "/openapi.json": {
                "get": {
                    "summary": "This description (public)",
                    "security": [],
                    "responses": {
                        "200": {
                            "description": "OpenAPI 3.1 document",
                            "content": {"application/json": {"schema": {"type": "object"}}},
                        }
                    },
                }
            },
        },
    }
