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


# Object ownership: (who, method, url, status). Each stranger holds the right role but not
# the object: another officer's visit and entries, another office's board and its actions,
# another office's visitor through one's own board, another phone's pass.
OWNERSHIP = [
    ("other_officer", "GET", "/patroli/kunjungan/{visit.uuid}", 403),
    ("other_officer", "POST", "/patroli/kunjungan/{visit.uuid}/pelanggaran", 403),
    ("other_officer", "POST", "/patroli/kunjungan/{visit.uuid}/hitung", 403),
    ("other_officer", "POST", "/patroli/kunjungan/{visit.uuid}/selesai", 403),
    ("other_officer", "POST", "/patroli/pelanggaran/{violation.id}/ubah", 403),
    ("other_officer", "POST", "/patroli/pelanggaran/{violation.id}/tarik", 403),
    ("other_officer", "GET", "/patroli/pelanggaran/{violation.id}/cetak", 403),
    ("other_officer", "GET", "/patroli/pelanggaran/{violation.id}/foto", 403),
    ("other_officer", "POST", "/patroli/hitung/{crowd.id}/ubah", 403),
    ("other_officer", "POST", "/patroli/hitung/{crowd.id}/tarik", 403),
    ("guard", "GET", "/patroli/pelanggaran/{violation.id}/foto", 403),
    ("other_guard", "GET", "/jaga/kantor/{office.id}", 403),
    ("other_guard", "GET", "/jaga/kantor/{office.id}/langsung", 403),
    ("other_guard", "POST", "/jaga/kantor/{office.id}/keluar/{checkin.id}", 403),
    ("other_guard", "POST", "/jaga/kantor/{office.id}/tutup", 403),
    ("other_guard", "POST", "/jaga/kantor/{office.id}/masuk", 403),
    ("other_guard", "POST", "/jaga/kantor/{office.id}/tolak", 403),
    ("other_guard", "GET", "/jaga/kantor/{office.id}/layar/{entrance.id}", 403),
    ("guard", "POST", "/jaga/kantor/{office.id}/keluar/{other_checkin.id}", 404),
    (None, "POST", "/c/keluar", 302),
]


def _snapshot(world) -> tuple:
    from patrol.extensions import db
    from patrol.models import CheckIn

    db.session.expire_all()
    return (
        world.visit.ended_at,
        world.violation.withdrawn_at,
        world.violation.people_count,
        world.crowd.headcount,
        world.crowd.withdrawn_at,
        world.checkin.checked_out_at,
        world.other_checkin.checked_out_at,
        db.session.query(CheckIn).count(),
    )


@pytest.mark.parametrize(("who", "method", "pattern", "status"), OWNERSHIP)
def test_strangers_can_neither_see_nor_change_others_records(world, who, method, pattern, status):
    url = pattern.format(
        visit=world.visit,
        violation=world.violation,
        crowd=world.crowd,
        office=world.office,
        entrance=world.entrance,
        checkin=world.checkin,
        other_checkin=world.other_checkin,
    )
    before = _snapshot(world)
    client = world.client(who)
    if who is None:  # another phone: it holds a pass secret, just not this visitor's
        client.set_cookie("patroli_pass", "not-the-visitors-secret", path="/c/")
    data = {"headcount": "99", "people_count": "5", "reason": "x", "name": "Orang Asing"}
    data |= {"category": "crowding", "action": "verbal_warning", "has_symptoms": "no"}
    response = client.open(url, method=method, data=data if method == "POST" else None)
    assert response.status_code == status
    assert _snapshot(world) == before
