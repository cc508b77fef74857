"""Public pages cached for everyone; the app's static files under versioned URLs."""

import re

import pytest
from flask import url_for

from patrol.web.http_cache import _static_version, init_static_versions

SHARED = ["/taman", "/api/v1/parks"]


@pytest.mark.parametrize("path", SHARED)
def test_a_first_visitor_gets_no_cookie_and_no_vary_cookie(client, path):
    response = client.get(path)
    assert response.status_code == 200
    assert "Set-Cookie" not in response.headers
    assert "Cookie" not in response.vary
    assert response.headers["Cache-Control"] == "public, max-age=60"


@pytest.mark.parametrize("path", SHARED)
def test_a_remembered_officer_gets_the_same_anonymous_page(client, create_user, login, path):
    officer = create_user("officer", full_name="Budi Rahasia")
    login(client, officer, remember=True)
    anonymous = client.application.test_client().get(path)

    response = client.get(path)
    assert response.status_code == 200
    assert "Set-Cookie" not in response.headers
    assert "Cookie" not in response.vary
    text = response.get_data(as_text=True)
    assert "Budi Rahasia" not in text
    assert text == anonymous.get_data(as_text=True)


def test_the_park_page_has_no_csrf_token_and_language_links(client):
    text = client.get("/taman").get_data(as_text=True)
    assert 'name="csrf_token"' not in text
    assert '<meta name="csrf-token" content="">' in text
    assert 'href="/taman?lang=en"' in text
    english = client.get("/taman?lang=en").get_data(as_text=True)
    assert '<html lang="en">' in english
    assert "How busy are the parks right now?" in english


def test_other_pages_keep_the_session_and_its_csrf_token(client):
    response = client.get("/login")
    assert "session=" in response.headers.get("Set-Cookie", "")
    assert "Cookie" in response.vary
    assert 'name="csrf_token" value="' in response.get_data(as_text=True)


def test_static_urls_carry_the_content_hash(client, app):
    text = client.get("/login").get_data(as_text=True)
    linked = re.search(r'href="/static/css/app\.css\?v=([0-9a-f]{12})"', text)
    assert linked, "app.css is linked without a version"
    assert linked.group(1) == _static_version(app.static_folder, "css/app.css")
    assert client.get(f"/static/css/app.css?v={linked.group(1)}").status_code == 200


def test_a_changed_static_file_gets_a_new_version(tmp_path):
    (tmp_path / "app.js").write_text("one")
    first = _static_version(str(tmp_path), "app.js")
    (tmp_path / "app.js").write_text("two!")
    assert _static_version(str(tmp_path), "app.js") != first
    assert _static_version(str(tmp_path), "missing.js") is None


def test_the_service_worker_precaches_the_versioned_urls(client, app, create_user, login):
    login(client, create_user("officer"))
    body = client.get("/patroli/sw.js").get_data(as_text=True)
    version = _static_version(app.static_folder, "js/app.js")
    assert f'"/static/js/app.js?v={version}"' in body


def test_production_looks_a_static_version_up_once_per_worker(app, monkeypatch):
    calls = []

    def counted(folder, filename):
        calls.append(filename)
        return "abcdef012345"

    monkeypatch.setattr("patrol.web.http_cache._static_version", counted)
    for env, expected in (("development", 2), ("production", 1)):
        calls.clear()
        app.config["PATROLI_ENV"] = env
        app.url_default_functions[None] = [
            f for f in app.url_default_functions[None] if f.__name__ != "versioned_static"
        ]
        init_static_versions(app)
        with app.test_request_context("/"):
            assert url_for("static", filename="js/app.js").endswith("?v=abcdef012345")
            url_for("static", filename="js/app.js")
        assert len(calls) == expected, env


def test_a_logged_in_page_does_not_resend_an_unchanged_session_cookie(client, create_user, login):
    # The cookie lives one shift from the login, like the login's row on the server:
    # sending it again on every answer would lengthen nothing.
    login(client, create_user("officer"))
    client.get("/patroli/")  # the first page may still add the CSRF token to the session
    response = client.get("/patroli/")
    assert response.status_code == 200
    assert not [c for c in response.headers.getlist("Set-Cookie") if c.startswith("session=")]
    assert client.get("/patroli/").status_code == 200  # still logged in
