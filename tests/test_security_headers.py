"""Security headers and cookie flags on every response."""

import pytest

from patrol import create_app
from patrol.web.security import content_security_policy, tile_origin
from tests.conftest import DEFAULT_PASSWORD, CsrfClient, base_config


@pytest.mark.parametrize("url", ["/login", "/healthz", "/tidak-ada", "/static/css/app.css"])
def test_every_response_carries_the_security_headers(client, url):
    headers = client.get(url).headers
    csp = headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp
    assert "'unsafe-inline'" not in csp and "'unsafe-eval'" not in csp
    assert "frame-ancestors 'none'" in csp
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Referrer-Policy"] == "strict-origin-when-cross-origin"
    assert "geolocation=(self)" in headers["Permissions-Policy"]
    assert "camera=(self)" in headers["Permissions-Policy"]
    assert "Strict-Transport-Security" not in headers  # plain HTTP


def test_hsts_under_https(client):
    response = client.get("/login", base_url="https://patroli.example")
    assert response.headers["Strict-Transport-Security"].startswith("max-age=31536000")


def test_tiles_are_the_only_outside_image_source():
    assert tile_origin("https://{s}.tile.example.org/{z}/{x}/{y}.png") == (
        "https://*.tile.example.org"
    )
    csp = content_security_policy("https://tile.openstreetmap.org/{z}/{x}/{y}.png")
    assert "img-src 'self' data: blob: https://tile.openstreetmap.org" in csp


def test_staff_pages_are_not_cached(client, create_user, create_zone, create_visit, login):
    officer = create_user("officer")
    visit = create_visit(officer, create_zone())
    login(client, officer)
    page = client.get(f"/patroli/kunjungan/{visit.uuid}")
    assert page.headers["Cache-Control"] == "private, no-store"
    # The home and the offline shell hold no one else's data: the phone keeps them offline.
    assert client.get("/patroli/").headers["Cache-Control"] == "private, no-cache"


def test_session_cookies_are_httponly_and_lax(client, create_user):
    user = create_user("officer")
    response = client.post(
        "/login", data={"username": user.username, "password": DEFAULT_PASSWORD, "remember": "y"}
    )
    cookies = response.headers.getlist("Set-Cookie")
    for name in ("session=", "remember_token="):
        cookie = next(c for c in cookies if c.startswith(name))
        assert "HttpOnly" in cookie
        assert "SameSite=Lax" in cookie
        assert "Secure" not in cookie  # development over plain HTTP


def test_cookies_are_secure_in_production(database_uri, app, monkeypatch):
    monkeypatch.setenv("PATROLI_ENV", "production")
    monkeypatch.setenv("SECRET_KEY", "production-secret")
    monkeypatch.setenv("NIK_HMAC_KEY", "production-nik-key")
    prod = create_app(base_config(database_uri) | {"SECRET_KEY": "production-secret"})
    prod.test_client_class = CsrfClient
    assert prod.config["SESSION_COOKIE_SECURE"] and prod.config["REMEMBER_COOKIE_SECURE"]


def test_production_refuses_to_start_without_secret_key(monkeypatch):
    monkeypatch.setenv("PATROLI_ENV", "production")
    monkeypatch.delenv("SECRET_KEY", raising=False)
    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        create_app()
