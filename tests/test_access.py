"""The access matrix: every endpoint declares who may reach it, and is held to it."""

import pytest
from werkzeug.routing.converters import NumberConverter

from patrol.access import PUBLIC, declared_access

ROLES = [None, "officer", "guard", "admin"]
SKIP_METHODS = {"HEAD", "OPTIONS"}


def endpoints(app):
    """(endpoint, method, url) for every rule, with placeholder arguments."""
    out = []
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static" or rule.endpoint.endswith(".static"):
            continue
        args = {}
        for name in rule.arguments:
            number = isinstance(rule._converters[name], NumberConverter)
            args[name] = 999999 if number else "x"
        url = rule.build(args, append_unknown=False)[1]
        for method in sorted(rule.methods - SKIP_METHODS):
            out.append((rule.endpoint, method, url))
    return out


def test_every_endpoint_declares_its_audience(app):
    missing = [
        rule.endpoint for rule in app.url_map.iter_rules() if declared_access(rule.endpoint) is None
    ]
    assert missing == [], f"endpoints without @public or @roles(...): {missing}"


def test_an_undeclared_view_is_refused(app, client):
    app.add_url_rule("/undeclared", "undeclared", lambda: "open?")
    assert client.get("/undeclared").status_code == 403


@pytest.mark.parametrize("role", ROLES, ids=lambda r: r or "anonymous")
def test_access_matrix(app, create_user, login, role):
    client = app.test_client()
    if role:
        login(client, create_user(role))
    problems = []
    for endpoint, method, url in endpoints(app):
        allowed = declared_access(endpoint)
        if endpoint in {"auth.logout", "auth.logout_everywhere"}:
            continue  # would end the session under test; covered in test_auth
        response = client.open(url, method=method)
        status = response.status_code
        if status >= 500:
            problems.append(f"{method} {url}: {status}")
        elif PUBLIC in allowed:
            if status in (401, 403):
                problems.append(f"{method} {url}: public but {status}")
        elif role is None:
            redirected = status == 302 and "/login" in response.headers.get("Location", "")
            if not (redirected or status == 401):
                problems.append(f"{method} {url}: anonymous got {status}")
        elif role not in allowed:
            if status != 403:
                problems.append(f"{method} {url}: {role} should get 403, got {status}")
        elif status in (401, 403):
            problems.append(f"{method} {url}: {role} refused with {status}")
    assert problems == []


@pytest.mark.parametrize(
    ("role", "url", "status"),
    [
        ("officer", "/admin/", 403),
        ("guard", "/admin/", 403),
        ("officer", "/jaga/", 403),
        ("guard", "/patroli/", 403),
        ("admin", "/patroli/", 403),
        ("admin", "/jaga/", 200),
    ],
)
def test_roles_see_only_their_pages(client, create_user, login, role, url, status):
    login(client, create_user(role))
    assert client.get(url).status_code == status


def test_forbidden_page_is_in_indonesian(client, create_user, login):
    login(client, create_user("officer"))
    response = client.get("/admin/")
    assert "Anda tidak berhak membuka halaman ini." in response.get_data(as_text=True)


def test_guard_board_lists_only_their_offices(
    client, create_user, login, create_office, create_guard_post
):
    guard = create_user("guard")
    mine, _other = create_office(name="Balai Kota"), create_office(name="Kantor Lain")
    create_guard_post(guard, mine)
    login(client, guard)
    text = client.get("/jaga/").get_data(as_text=True)
    assert "Balai Kota" in text
    assert "Kantor Lain" not in text


def test_anonymous_api_gets_json_401(client):
    response = client.get("/api/v1/csrf-token")
    assert response.status_code == 401
    assert "Silakan masuk" in response.get_json()["error"]


def test_anonymous_htmx_request_is_redirected_by_header(client):
    response = client.get("/patroli/", headers={"HX-Request": "true"})
    assert response.status_code == 401
    assert response.headers["HX-Redirect"].startswith("/login")
