"""Language and time zone: Bahasa Indonesia and WIB first, English on request."""

from __future__ import annotations

from datetime import datetime
from functools import lru_cache
from zoneinfo import ZoneInfo

from flask import Flask, current_app, has_request_context, request, session
from flask_babel import format_datetime, get_locale


def select_locale() -> str:
    """The language chosen on this device, else Indonesian (also for CLI output)."""
    languages = current_app.config["LANGUAGES"]
    chosen = None
    if has_request_context():
        from patrol.web.http_cache import is_shared_page

        # A page cached for everyone carries its language in the URL, not the session.
        chosen = request.args.get("lang") if is_shared_page() else session.get("lang")
    if chosen in languages:
        return chosen
    return current_app.config["BABEL_DEFAULT_LOCALE"]


@lru_cache(maxsize=8)
def _zone(name: str) -> ZoneInfo:
    return ZoneInfo(name)


def select_timezone() -> str:
    return current_app.config["BABEL_DEFAULT_TIMEZONE"]


def wib(value: datetime | None, fmt: str = "d MMM yyyy HH:mm") -> str:
    """A UTC datetime shown in WIB, e.g. ``27 Nov 2026 11.15 WIB``."""
    if value is None:
        return "–"
    return f"{format_datetime(value, fmt)} WIB"


def wib_time(value: datetime | None) -> str:
    """Hours and minutes in WIB, e.g. ``11:15 WIB``; digits only, so no locale data is needed.

    The guard board prints one per person inside; Babel's formatter costs several times more.
    """
    if value is None:
        return "–"
    return f"{value.astimezone(_zone(select_timezone())):%H:%M} WIB"


def register_template_helpers(app: Flask) -> None:
    app.jinja_env.filters["wib"] = wib
    app.jinja_env.filters["wib_time"] = wib_time

    @app.context_processor
    def language_context():
        return {"current_locale": str(get_locale()), "languages": app.config["LANGUAGES"]}
