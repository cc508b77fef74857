"""Public pages cached for everyone; the app's static files under versioned URLs."""

import re

import pytest

from patrol.web.http_cache import _static_version

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
