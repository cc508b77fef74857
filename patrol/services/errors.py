"""The error a service raises when input breaks a rule; views show it beside the field."""

from __future__ import annotations


class ValidationError(Exception):
    """A rule was broken; ``message`` is for the user (already translated)."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field


class FormErrors(ValidationError):
    """Every broken rule of one form at once: ``errors`` maps each field to its message
    (the first one is also the error's own ``message`` and ``field``)."""

    def __init__(self, errors: dict[str | None, str]):
        field, message = next(iter(errors.items()))
        super().__init__(message, field)
        self.errors = errors
