"""The error a service raises when input breaks a rule; views show it beside the field."""

from __future__ import annotations


class ValidationError(Exception):
    """A rule was broken; ``message`` is for the user (already translated)."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field
