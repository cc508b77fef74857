"""The OpenAPI 3.1 description of /api/v1, served at GET /api/v1/openapi.json.

Generated, not written: the paths, methods and path parameters come from the app's URL
map; each view says what it is for with ``@described(...)`` beside its route; the request
bodies and queries are the input models themselves (``patrol.inputs``), so what the API
describes is what it checks; the answers are the small models below. A route under
/api/v1 without ``@described`` makes the document fail (and its test).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from importlib.metadata import PackageNotFoundError, version
from typing import Literal, TypeVar

from flask import Flask
from pydantic import BaseModel, Field, TypeAdapter
from pydantic.json_schema import models_json_schema

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


# What each view says about itself -------------------------------------------------------

F = TypeVar("F", bound=Callable)
# Who may call: the security requirement of each kind of caller.
SECURITY = {
    "public": [],
    "user": [{"session": []}],
    "officer": [{"session": [], "csrf": []}],
}


@dataclass(frozen=True)
class Operation:
    """One endpoint's description: what it does, who calls it, what it takes and answers.

    ``answer`` is the model of the success answer (``None``: any JSON object); every other
    status in ``responses`` answers an ``Error``. ``query`` and ``body`` are input models.
    """

    summary: str
    who: Literal["public", "user", "officer"]
    responses: dict[int, str]
    answer: type[BaseModel] | None = None
    description: str | None = None
    query: type[BaseModel] | None = None
    body: type[BaseModel] | None = None
    body_media: tuple[str, ...] = ("application/json",)
    upload: str | None = None  # a multipart field holding a file
    path: dict[str, dict] = field(default_factory=dict)  # more about path parameters


def described(**details) -> Callable[[F], F]:
    """Describe a view for the OpenAPI document (put it under ``@bp.route``)."""
    operation = Operation(**details)

    def mark(view: F) -> F:
        view.openapi = operation  # type: ignore[attr-defined]
        return view

    return mark


# The document -----------------------------------------------------------------------------

PREFIX = "/api/v1"
_PARAMETER = re.compile(r"<(?:(\w+)(?:\([^)]*\))?:)?(\w+)>")
_CONVERTERS = {"int": {"type": "integer", "minimum": 1}, "float": {"type": "number"}}


def _app_version() -> str:
    try:
        return version("patroli")
    except PackageNotFoundError:
        return "0"


def _operations(app: Flask) -> list[tuple[str, str, list[dict], Operation]]:
    """(path, method, path parameters, operation) for every route under /api/v1."""
    found = []
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
        if not rule.rule.startswith(PREFIX + "/"):
            continue
        operation = getattr(app.view_functions[rule.endpoint], "openapi", None)
        if operation is None:
            raise LookupError(f"{rule.rule} has no @described(...) for the OpenAPI document")
        parameters = [
            {
                "name": name,
                "in": "path",
                "required": True,
                "schema": dict(_CONVERTERS.get(converter, {"type": "string"})),
            }
            | operation.path.get(name, {})
            for converter, name in _PARAMETER.findall(rule.rule)
        ]
        path = _PARAMETER.sub(r"{\2}", rule.rule.removeprefix(PREFIX))
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            found.append((path, method.lower(), parameters, operation))
    return found


def _schemas(operations: list[Operation]) -> dict:
    inputs = {op.body for op in operations if op.body is not None}  # queries: parameters
    answers = {op.answer for op in operations if op.answer is not None} | {Error}
    models = sorted(inputs | set(RECORD_KINDS.values()), key=lambda m: m.__name__)
    _, top = models_json_schema(
        [(m, "validation") for m in models]
        + [(m, "serialization") for m in sorted(answers, key=lambda m: m.__name__)],
        ref_template=REF,
    )
    schemas = top["$defs"]
    record = TypeAdapter(SyncRecord).json_schema(ref_template=REF)
    schemas.update(record.pop("$defs", {}))
    schemas["SyncRecord"] = record | {
        "description": "One record of the outbox; its kind says which schema applies."
    }
    return schemas


def _ref(model: type[BaseModel]) -> dict:
    return {"$ref": REF.format(model=model.__name__)}


def _query_parameters(model: type[BaseModel]) -> list[dict]:
    schema = model.model_json_schema(ref_template=REF)
    required = set(schema.get("required", ()))
    return [
        {
            "name": name,
            "in": "query",
            "required": name in required,
            "schema": {
                key: value
                for key, value in prop.items()
                if key not in ("description", "title") and not (key == "default" and value is None)
            },
        }
        | ({"description": prop["description"]} if "description" in prop else {})
        for name, prop in schema["properties"].items()
    ]


def _operation(operation: Operation, parameters: list[dict]) -> dict:
    out: dict = {"summary": operation.summary, "security": SECURITY[operation.who]}
    if operation.description:
        out["description"] = operation.description
    parameters = parameters + (_query_parameters(operation.query) if operation.query else [])
    if parameters:
        out["parameters"] = parameters
    if operation.body is not None:
        media = {kind: {"schema": _ref(operation.body)} for kind in operation.body_media}
        out["requestBody"] = {"required": True, "content": media}
    elif operation.upload is not None:
        out["requestBody"] = {
            "required": True,
            "content": {
                "multipart/form-data": {
                    "schema": {
                        "type": "object",
                        "required": [operation.upload],
                        "properties": {
                            operation.upload: {"type": "string", "contentMediaType": "image/*"}
                        },
                    }
                }
            },
        }
    responses = {}
    for status, description in sorted(operation.responses.items()):
        if status < 400:
            schema = _ref(operation.answer) if operation.answer else {"type": "object"}
        else:
            schema = _ref(Error)
        responses[str(status)] = {
            "description": description,
            "content": {"application/json": {"schema": schema}},
        }
    out["responses"] = responses
    return out


def describe_api(app: Flask, server_url: str) -> dict:
    """The API description as a plain dict (JSON-ready), from ``app``'s routes."""
    found = _operations(app)
    paths: dict[str, dict] = {}
    for path, method, parameters, operation in found:
        paths.setdefault(path, {})[method] = _operation(operation, parameters)
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
        "servers": [{"url": server_url + PREFIX}],
        "components": {
            "securitySchemes": {
                "session": {"type": "apiKey", "in": "cookie", "name": "session"},
                "csrf": {"type": "apiKey", "in": "header", "name": "X-CSRFToken"},
            },
            "schemas": _schemas([operation for *_, operation in found]),
        },
        "paths": paths,
    }
