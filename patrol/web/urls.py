"""URL helpers."""

from __future__ import annotations

from urllib.parse import urlsplit

from werkzeug.routing import IntegerConverter


def is_safe_next(target: str | None) -> bool:
    """True for a relative path on this site (no scheme, no host, no //evil.example)."""
    if not target:
        return False
    parts = urlsplit(target)
    return (
        not parts.scheme
        and not parts.netloc
        and target.startswith("/")
        and not target.startswith("//")
        and "\\" not in target
    )


# Primary keys are 32-bit integers on PostgreSQL and 64-bit on SQLite; a larger number in a
# URL or a form can name no row, and handing it to the database fails (out of range).
MAX_ID = 2**31 - 1


class IdConverter(IntegerConverter):
    """``<int:...>`` in routes: a positive id the database can hold, else the route is a 404."""

    def __init__(self, map, *args, **kwargs) -> None:  # noqa: A002 - Werkzeug's name
        kwargs.setdefault("max", MAX_ID)
        super().__init__(map, *args, **kwargs)


def parse_id(value) -> int | None:
    """A form's id field as an int the database can hold, or None for anything else."""
    try:
        number = int(str(value).strip())
    except (TypeError, ValueError):
        return None
    return number if 0 < number <= MAX_ID else None


def has_nul_byte(values) -> bool:
    """True when any of these strings holds a NUL character (PostgreSQL refuses to store it)."""
    return any("\x00" in value for value in values if isinstance(value, str))


class IdUrls:
    """``url_for(endpoint, **values, <name>=id)`` for many ids at the cost of one call.

    The URL is built once with MAX_ID in the id's place, and each id swapped in for its
    last occurrence (the id is the route's last part). A guard board's rows each carried
    two ``url_for`` calls at some 13 us each (docs/benchmarks.md).
    """

    def __init__(self, endpoint: str, name: str, **values) -> None:
        from flask import url_for

        self._head, self._tail = url_for(endpoint, **values, **{name: MAX_ID}).rsplit(
            str(MAX_ID), 1
        )

    def __call__(self, row_id: int) -> str:
        return f"{self._head}{int(row_id)}{self._tail}"
