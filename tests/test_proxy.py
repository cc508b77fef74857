"""Behind a reverse proxy the client address and scheme come from X-Forwarded-*."""

from flask import request

from patrol import create_app
from patrol.access import public
from tests.conftest import base_config


def _echo_app(database_uri, hops):
    app = create_app(base_config(database_uri) | {"TRUSTED_PROXIES": hops})

    @public
    def whoami():
        return f"{request.remote_addr} {request.scheme}"

    app.add_url_rule("/whoami", "whoami", whoami)
    return app


def test_forwarded_headers_are_trusted_only_when_configured(app, database_uri):
    headers = {"X-Forwarded-For": "203.0.113.9", "X-Forwarded-Proto": "https"}
    trusted = _echo_app(database_uri, 1).test_client().get("/whoami", headers=headers)
    assert trusted.get_data(as_text=True) == "203.0.113.9 https"
    untrusted = _echo_app(database_uri, 0).test_client().get("/whoami", headers=headers)
    assert untrusted.get_data(as_text=True) == "127.0.0.1 http"
