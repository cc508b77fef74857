"""htmx plumbing: is this request from htmx, and the answers that depend on it."""

from __future__ import annotations

from flask import Flask, request

HEADER = "HX-Request"


def is_htmx() -> bool:
    """True when htmx sent this request (it then gets a fragment, not the whole page)."""
    return request.headers.get(HEADER) == "true"


def init_htmx(app: Flask) -> None:
    """Send ``Vary: HX-Request`` (a page and its fragment share one URL) and give templates
    ``is_htmx``."""

    @app.after_request
    def vary_on_htmx(response):
        response.vary.add(HEADER)
        return response

    @app.context_processor
    def htmx_context():
        return {"is_htmx": is_htmx()}
