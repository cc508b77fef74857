"""Logging in and out, remember-me, revocable sessions, rate limits."""

import pytest

from patrol import create_app
from patrol.extensions import db
from tests.conftest import DEFAULT_PASSWORD, CsrfClient, base_config


@pytest.mark.parametrize(
    ("role", "home"),
    [("officer", "/patroli/"), ("guard", "/jaga/"), ("admin", "/admin/")],
)
def test_each_role_lands_on_its_home(client, create_user, login, role, home):
    user = create_user(role)
    response = login(client, user)
    assert response.headers["Location"] == home
    assert client.get("/").headers["Location"] == home


def test_anonymous_home_shows_parks_with_a_login_link(client):
    response = client.get("/", follow_redirects=True)
    assert response.request.path == "/taman"
    assert 'href="/login"' in response.get_data(as_text=True)


def test_wrong_password_is_refused_with_a_message(client, create_user):
    user = create_user("officer")
    response = client.post("/login", data={"username": user.username, "password": "salah"})
    assert response.status_code == 401
    assert "Nama pengguna atau kata sandi salah." in response.get_data(as_text=True)
    assert client.get("/patroli/").status_code == 302


def test_missing_fields_are_named(client):
    response = client.post("/login", data={"username": "", "password": ""})
    assert response.status_code == 400
    text = response.get_data(as_text=True)
    assert "Nama pengguna wajib diisi." in text
    assert "Kata sandi wajib diisi." in text


def test_username_is_not_case_sensitive(client, create_user, login):
    create_user("officer", username="budi")
    response = client.post("/login", data={"username": "  BUDI ", "password": DEFAULT_PASSWORD})
    assert response.status_code == 302


def test_deactivated_user_cannot_log_in(client, create_user):
    user = create_user("officer", active=False)
    response = client.post("/login", data={"username": user.username, "password": DEFAULT_PASSWORD})
    assert response.status_code == 401


@pytest.mark.parametrize(
    ("next_url", "expected"),
    [
        ("/patroli/", "/patroli/"),
        ("https://evil.example/", "/patroli/"),
        ("//evil.example/", "/patroli/"),
        ("/\\evil.example", "/patroli/"),
    ],
)
def test_next_url_stays_on_this_site(client, create_user, next_url, expected):
    user = create_user("officer")
    response = client.post(
        "/login",
        query_string={"next": next_url},
        data={"username": user.username, "password": DEFAULT_PASSWORD},
    )
    assert response.headers["Location"] == expected


def test_login_page_sends_a_logged_in_user_home(client, create_user, login):
    login(client, create_user("guard"))
    assert client.get("/login").headers["Location"] == "/jaga/"


def test_logout_ends_the_session(client, create_user, login):
    login(client, create_user("officer"))
    response = client.post("/logout", follow_redirects=True)
    assert "Anda sudah keluar." in response.get_data(as_text=True)
    assert client.get("/patroli/").status_code == 302


def test_remember_me_lasts_one_shift(client, create_user, app):
    user = create_user("officer")
    response = client.post(
        "/login", data={"username": user.username, "password": DEFAULT_PASSWORD, "remember": "y"}
    )
    cookies = response.headers.getlist("Set-Cookie")
    remember = next(c for c in cookies if c.startswith("remember_token="))
    assert "Max-Age=43200" in remember or "Expires=" in remember
    assert app.config["REMEMBER_COOKIE_DURATION"].total_seconds() == 12 * 3600


def test_logout_everywhere_ends_other_sessions(app, create_user, login):
    user = create_user("officer")
    phone, desk = app.test_client(), app.test_client()
    login(phone, user)
    login(desk, user)
    desk.post("/logout-everywhere")
    assert phone.get("/patroli/").status_code == 302


def test_password_change_ends_other_sessions(app, create_user, login):
    user = create_user("officer")
    phone = app.test_client()
    login(phone, user)
    user.set_password("kata-sandi-baru")
    db.session.commit()
    assert phone.get("/patroli/").status_code == 302


def test_deactivation_ends_sessions_at_once(app, create_user, login):
    user = create_user("guard")
    phone = app.test_client()
    login(phone, user)
    user.active = False
    db.session.commit()
    assert phone.get("/jaga/").status_code == 302


def test_remember_cookie_stops_working_after_logout_everywhere(app, create_user):
    user = create_user("officer")
    phone = app.test_client()
    phone.post(
        "/login", data={"username": user.username, "password": DEFAULT_PASSWORD, "remember": "y"}
    )
    remember = phone.get_cookie("remember_token")
    assert remember is not None
    user.end_sessions()
    db.session.commit()
    # A new browser session with only the old remember-me cookie is not let in.
    fresh = app.test_client()
    fresh.set_cookie("remember_token", remember.value)
    assert fresh.get("/patroli/").status_code == 302


@pytest.fixture
def limited_app(app, database_uri):
    """A second app on the same database with the login limits switched on."""
    limited = create_app(
        base_config(database_uri)
        | {
            "RATELIMIT_ENABLED": True,
            "LOGIN_LIMIT_PER_USER": "3 per 15 minutes",
            "LOGIN_LIMIT_PER_IP": "5 per 10 minutes",
        }
    )
    limited.test_client_class = CsrfClient
    return limited


def test_login_is_locked_per_username_with_a_clear_message(limited_app, create_user):
    user = create_user("officer")
    client = limited_app.test_client()
    for _ in range(3):
        client.post("/login", data={"username": user.username, "password": "salah"})
    response = client.post("/login", data={"username": user.username, "password": DEFAULT_PASSWORD})
    assert response.status_code == 429
    assert "Terlalu banyak percobaan" in response.get_data(as_text=True)
    # Another user on the same device is not locked by the first one's failures.
    other = create_user("officer")
    response = client.post(
        "/login", data={"username": other.username, "password": DEFAULT_PASSWORD}
    )
    assert response.status_code == 302


def test_login_is_limited_per_address(limited_app, create_user):
    client = limited_app.test_client()
    for n in range(5):
        client.post("/login", data={"username": f"tebak{n}", "password": "salah"})
    user = create_user("officer")
    response = client.post("/login", data={"username": user.username, "password": DEFAULT_PASSWORD})
    assert response.status_code == 429


def test_successful_logins_do_not_count_towards_the_limit(limited_app, create_user):
    user = create_user("officer")
    for _ in range(6):
        client = limited_app.test_client()
        response = client.post(
            "/login", data={"username": user.username, "password": DEFAULT_PASSWORD}
        )
        assert response.status_code == 302
