"""The input layer: one typed model per input, shared by the forms, the JSON API and the
OpenAPI description, with the Bahasa Indonesia messages in one place (``messages``).

Views call ``parse(Model, data)`` and hand the model's values to a service; a bad input
raises the services' ``ValidationError`` with a message beside the field it names.
"""

from __future__ import annotations

from typing import TypeVar

from flask import Request
from flask_babel import gettext as _
from pydantic import BaseModel
from pydantic import ValidationError as PydanticError
from werkzeug.datastructures import MultiDict

from patrol.inputs.messages import as_form_errors, as_validation_error
from patrol.services.errors import ValidationError

M = TypeVar("M", bound=BaseModel)


def parse(model: type[M], data) -> M:
    """``data`` (a dict, JSON or a form) checked as ``model``; ValidationError when it fails."""
    if isinstance(data, MultiDict):
        data = data.to_dict()
    if not isinstance(data, dict):
        raise ValidationError(_("Setiap catatan harus berupa objek JSON."), None)
    try:
        return model.model_validate(data)
    except PydanticError as error:
        raise as_validation_error(error) from None
    except RecursionError:
        raise ValidationError(_("Data JSON bertingkat terlalu dalam."), None) from None


def parse_all(model: type[M], data) -> M:
    """``data`` checked as ``model``, every broken rule at once: ``FormErrors`` maps each
    place on the form to its message (a model's ``error_fields`` group fields together)."""
    if isinstance(data, MultiDict):
        data = data.to_dict()
    try:
        return model.model_validate(data if isinstance(data, dict) else {})
    except PydanticError as error:
        raise as_form_errors(error, getattr(model, "error_fields", {})) from None


def json_body(request: Request):
    """The request's JSON (None when it is not JSON), never an error for nesting or NUL.

    Python's JSON reader fails with RecursionError, not ValueError, on deeply nested input;
    and a NUL character inside a JSON string would reach the database (PostgreSQL refuses it).
    """
    try:
        data = request.get_json(silent=True)
        holds_nul = _holds_nul(data)
    except RecursionError:
        raise ValidationError(_("Data JSON bertingkat terlalu dalam."), None) from None
    if holds_nul:
        raise ValidationError(_("Isian tidak boleh memuat karakter NUL."), None)
    return data


def _holds_nul(value) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(_holds_nul(k) or _holds_nul(v) for k, v in value.items())
    if isinstance(value, list):
        return any(_holds_nul(v) for v in value)
    return False
