"""Logins: logout ends the login on the server, a remember cookie lives one shift and is
new at each login, throttling never locks the real owner out, and a failed login takes
the same work whether the username exists or not."""

from __future__ import annotations

import hashlib
from datetime import timedelta

import pytest
import sqlalchemy as sa

from patrol import create_app
from patrol.extensions import db
from tests.conftest import DEFAULT_PASSWORD, CsrfClient, base_config


def log_in(client, user, remember=False, address="10.0.0.7", password=DEFAULT_PASSWORD):
    data = {"username": user.username, "password": password}
    if remember:
        data["remember"] = "y"
    return client.post("/login", data=data, environ_base={"REMOTE_ADDR": address})


def cookie(client, name: str) -> str:
    value = client.get_cookie(name)
    assert value is not None, name
    return value.value


# Logout on the server ---------------------------------------------------------------------


def test_replaying_the_session_cookie_after_logout_is_refused(app, create_user):
    user = create_user("officer")
    phone = app.test_client()
    assert log_in(phone, user).status_code == 302
    stolen = cookie(phone, "session")
    phone.post("/logout")
    thief = app.test_client()
    thief.set_cookie("session", stolen)
    response = thief.get("/patroli/")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_replaying_the_remember_cookie_after_logout_is_refused(app, create_user):
    user = create_user("officer")
    phone = app.test_client()
    assert log_in(phone, user, remember=True).status_code == 302
    stolen = cookie(phone, "remember_token")
    # The cookie works while the login lasts ...
    copy = app.test_client()
    copy.set_cookie("remember_token", stolen)
    assert copy.get("/patroli/").status_code == 200
    # ... and not once the officer has logged out.
    phone.post("/logout")
    thief = app.test_client()
    thief.set_cookie("remember_token", stolen)
    assert thief.get("/patroli/").status_code == 302


def test_logout_on_one_device_keeps_the_other_logged_in(app, create_user):
    user = create_user("officer")
    phone, desk = app.test_client(), app.test_client()
    log_in(phone, user)
    log_in(desk, user)
    phone.post("/logout")
    assert phone.get("/patroli/").status_code == 302
    assert desk.get("/patroli/").status_code == 200


def test_the_remember_cookie_is_new_at_each_login(app, create_user):
    user = create_user("officer")
    first, second = app.test_client(), app.test_client()
    log_in(first, user, remember=True)
    log_in(second, user, remember=True)
    assert cookie(first, "remember_token") != cookie(second, "remember_token")
    assert cookie(first, "session") != cookie(second, "session")


def test_the_remember_cookie_stops_working_after_one_shift(app, create_user):
    from patrol.models import LoginSession

    user = create_user("officer")
    phone = app.test_client()
    log_in(phone, user, remember=True)
    stolen = cookie(phone, "remember_token")
    login = db.session.scalars(sa.select(LoginSession)).one()
    assert login.expires_at - login.created_at == timedelta(hours=12)
    # One shift later (the row's end moved into the past) the cookie names no login.
    login.expires_at = login.created_at - timedelta(seconds=1)
    db.session.commit()
    thief = app.test_client()
    thief.set_cookie("remember_token", stolen)
    assert thief.get("/patroli/").status_code == 302
    assert phone.get("/patroli/").status_code == 302


def test_logout_everywhere_ends_every_stored_login(app, create_user):
    from patrol.models import LoginSession

    user = create_user("officer")
    phone, desk = app.test_client(), app.test_client()
    log_in(phone, user, remember=True)
    log_in(desk, user)
    desk.post("/logout-everywhere")
    assert db.session.scalar(sa.select(sa.func.count()).select_from(LoginSession)) == 0
    thief = app.test_client()
    thief.set_cookie("remember_token", cookie(phone, "remember_token"))
    assert thief.get("/patroli/").status_code == 302


# Throttling --------------------------------------------------------------------------------


@pytest.fixture
def limits(app, database_uri):
    """A second app on the same database with rate limits on (its own memory counters)."""

    def _make(**config):
        limited = create_app(base_config(database_uri) | {"RATELIMIT_ENABLED": True} | config)
        limited.test_client_class = CsrfClient
        return limited

    return _make


def test_a_stranger_guessing_does_not_lock_the_owner_out(limits, create_user):
    app = limits()  # the default limits
    user = create_user("officer")
    stranger = app.test_client()
    for _ in range(5):
        assert log_in(stranger, user, address="203.0.113.9", password="salah").status_code == 401
    refused = log_in(stranger, user, address="203.0.113.9", password="tebakan")
    assert refused.status_code == 429
    assert "Terlalu banyak percobaan" in refused.get_data(as_text=True)
    # The officer, on their own phone, logs in at once.
    assert log_in(app.test_client(), user, address="10.0.0.7").status_code == 302


def test_a_username_has_a_ceiling_across_all_addresses(limits, create_user):
    app = limits(LOGIN_LIMIT_PER_USER="6 per hour")
    user = create_user("officer")
    client = app.test_client()
    for n in range(6):
        address = f"198.51.100.{n // 3 + 1}"  # three failures from each of two addresses
        assert log_in(client, user, address=address, password="salah").status_code == 401
    assert log_in(client, user, address="198.51.100.77").status_code == 429


def test_successful_logins_per_address_are_limited(limits, create_user):
    app = limits(LOGIN_LIMIT_SUCCESS_PER_IP="3 per 10 minutes")
    user = create_user("officer")
    for _ in range(3):
        assert log_in(app.test_client(), user, address="192.0.2.5").status_code == 302
    assert log_in(app.test_client(), user, address="192.0.2.5").status_code == 429
    # Another address is not affected.
    assert log_in(app.test_client(), user, address="192.0.2.6").status_code == 302


# Equal work for unknown users -------------------------------------------------------------


@pytest.fixture
def scrypt_calls(monkeypatch):
    calls = []
    real = hashlib.scrypt

    def spy(password, **kwargs):
        calls.append((kwargs.get("n"), kwargs.get("r"), kwargs.get("p")))
        return real(password, **kwargs)

    monkeypatch.setattr(hashlib, "scrypt", spy)
    return calls


def test_a_failed_login_costs_one_password_check_whether_the_user_exists_or_not(
    client, create_user, scrypt_calls
):
    known = create_user("officer", username="budi")
    inactive = create_user("officer", username="lama", active=False)
    client.post("/login", data={"username": "pemanasan", "password": "x"})  # warm-up
    costs = {}
    for username in ("budi", "tidak-ada", "lama"):
        scrypt_calls.clear()
        response = client.post("/login", data={"username": username, "password": "salah-sekali"})
        assert response.status_code == 401
        costs[username] = list(scrypt_calls)
    assert len(costs["budi"]) == 1
    assert costs["tidak-ada"] == costs["budi"] == costs["lama"]
    assert known.active and not inactive.active


def test_rate_limits_are_checked_where_declared_not_before_every_request(database_uri):
    from flask import Flask
    from flask_limiter import Limiter
    from flask_limiter.util import get_remote_address

    from patrol import limit_only_where_declared
    from patrol.extensions import limiter

    # Patroli's limits sit on their views: no check runs before every other request ...
    app = create_app(base_config(database_uri) | {"RATELIMIT_ENABLED": True})
    assert limiter._check_request_limit not in app.before_request_funcs[None]

    # ... unless a limit for every route is configured: then the check stays and applies.
    wide = Flask("wide")
    wide.config["RATELIMIT_DEFAULT"] = "2 per minute"
    wide_limiter = Limiter(key_func=get_remote_address, storage_uri="memory://")
    wide_limiter.init_app(wide)
    limit_only_where_declared(wide, wide_limiter)
    wide.add_url_rule("/x", "x", lambda: "ok")
    client = wide.test_client()
    assert [client.get("/x").status_code for _ in range(3)] == [200, 200, 429]
