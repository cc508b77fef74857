"""The admin dashboard, officer SOS, crowd levels, and the public park page and feed."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import pytest
import sqlalchemy as sa

from patrol.extensions import db
from patrol.models import SosAlert
from patrol.rules.crowd import crowd_level
from patrol.rules.timeutil import WIB
from patrol.services import dashboard
from patrol.web.microcache import MicroCache


@pytest.mark.parametrize(
    ("headcount", "capacity", "level"),
    [
        (0, 100, "quiet"),
        (49, 100, "quiet"),
        (50, 100, "busy"),
        (99, 100, "busy"),
        (100, 100, "busy"),  # full, not yet over
        (101, 100, "over"),
        (250, 100, "over"),
        (0, 0, "quiet"),
        (5, 0, "busy"),
    ],
)
def test_crowd_level_against_capacity(headcount, capacity, level):
    assert crowd_level(headcount, capacity, 50, 100) == level


def test_crowd_level_thresholds_are_configurable():
    assert crowd_level(31, 100, 25, 30) == "over"
    assert crowd_level(30, 100, 50, 80) == "quiet"


def now_utc() -> datetime:
    return datetime.now(timezone.utc)


@pytest.fixture
def admin_client(client, create_user, login):
    login(client, create_user("admin"))
    return client


def test_zone_levels_use_the_latest_fresh_count(
    app, create_user, create_zone, create_visit, create_crowd_count
):
    officer = create_user("officer")
    now = now_utc()
    busy = create_zone(name="Taman Ramai", capacity=100)
    stale = create_zone(name="Taman Lama", capacity=100)
    create_zone(name="Taman Kosong", capacity=100)
    visit = create_visit(officer, busy, started_at=now - timedelta(hours=1))
    create_crowd_count(visit, 120, recorded_at=now - timedelta(minutes=50))
    create_crowd_count(visit, 70, recorded_at=now - timedelta(minutes=10))
    old = create_visit(officer, stale, started_at=now - timedelta(hours=5))
    create_crowd_count(old, 150, recorded_at=now - timedelta(hours=3))
    levels = {z.name: (z.level, z.headcount) for z in dashboard.zone_levels(now, 50, 100)}
    assert levels == {
        "Taman Ramai": ("busy", 70),
        "Taman Lama": ("unknown", 150),
        "Taman Kosong": ("unknown", None),
    }


def test_dashboard_shows_today_in_figures(
    admin_client,
    create_user,
    create_zone,
    create_visit,
    create_violation,
    create_office,
    create_timed_checkin,
):
    officer = create_user("officer")
    zone = create_zone()
    now = now_utc()
    visit = create_visit(officer, zone, started_at=now)
    create_violation(visit, "no_mask", recorded_at=now)
    create_violation(visit, "crowding", recorded_at=now)
    create_violation(visit, "crowding", recorded_at=now - timedelta(days=3))
    office = create_office(capacity=10)
    create_timed_checkin(office, now, minutes=None)
    create_timed_checkin(office, now, minutes=None)
    create_timed_checkin(office, now - timedelta(minutes=1), minutes=1)
    text = admin_client.get("/admin/dasbor").get_data(as_text=True)
    assert 'data-figure="visits">1<' in text
    assert 'data-figure="violations">2<' in text
    assert 'data-figure="checkins">3<' in text
    assert 'data-figure="inside">2<' in text
    assert 'id="city-map"' in text and "data-map=" in text


def test_the_whole_dashboard_refreshes_at_once_without_a_reload(
    admin_client,
    create_user,
    create_zone,
    create_visit,
    create_violation,
    create_office,
    create_timed_checkin,
    create_assignment,
):
    page = admin_client.get("/admin/dasbor").get_data(as_text=True)
    assert 'hx-get="/admin/dasbor/angka" hx-trigger="every 60s"' in page
    # One poll for everything: no second timer for the map.
    assert page.count("every 60s") == 1
    assert 'data-map-source="city-map-data"' in page and "data-map-url" not in page
    assert 'id="dashboard-alerts"' in page and "hx-swap-oob" not in page
    assert 'id="dashboard-refreshed"' in page
    # What happened after the page was loaded...
    now = now_utc()
    officer = create_user("officer", full_name="Budi Santoso")
    zone = create_zone(name="Alun-Alun Tugu", capacity=100)
    create_assignment(officer, zone, starts_at=now - timedelta(hours=2), hours=8)
    visit = create_visit(
        officer, zone, started_at=now - timedelta(minutes=5), start_lat=-7.977, start_lon=112.634
    )
    create_violation(visit, "no_mask", recorded_at=now)
    office = create_office(name="Balai Kota Malang", capacity=10)
    create_timed_checkin(office, now - timedelta(minutes=3))
    create_timed_checkin(office, now - timedelta(minutes=2), minutes=1)
    # ...shows up in the polled fragment: figures, and the alerts swapped out of band.
    response = admin_client.get("/admin/dasbor/angka", headers={"HX-Request": "true"})
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    fragment = response.get_data(as_text=True)
    assert fragment.lstrip().startswith('<section id="dashboard-figures"')
    assert "<html" not in fragment and "<nav" not in fragment
    assert 'data-figure="visits">1<' in fragment
    assert 'data-figure="violations">1<' in fragment
    assert 'data-figure="checkins">2<' in fragment
    assert 'data-figure="inside">1<' in fragment
    assert '<section id="dashboard-alerts" hx-swap-oob="true">' in fragment
    # The tables, the officers in the field and the map's data come along, out of band.
    assert '<div class="dashboard-grid" id="dashboard-tables" hx-swap-oob="true">' in fragment
    assert "Budi Santoso · Alun-Alun Tugu" in fragment
    assert 'id="city-map-data" hidden data-map=' in fragment
    map_div = fragment[fragment.index('<div id="city-map-data"') :]
    map_div = map_div[: map_div.index(">")]
    assert 'hx-swap-oob="true"' in map_div and "Budi Santoso" in map_div
    assert '<p id="dashboard-refreshed" class="muted" hx-swap-oob="true"' in fragment
    assert "Tidak ada SOS" not in fragment and 'id="city-map" ' not in fragment
    # The map's layers as JSON.
    response = admin_client.get("/admin/dasbor/peta.json")
    assert response.status_code == 200 and response.headers["Cache-Control"] == "no-store"
    data = response.get_json()
    assert [(o["name"], o["inside"], o["capacity"]) for o in data["offices"]] == [
        ("Balai Kota Malang", 1, 10)
    ]
    assert [(z["name"], z["level"]) for z in data["zones"]] == [("Alun-Alun Tugu", "unknown")]
    assert data["officers"] == [{"name": "Budi Santoso", "lat": -7.977, "lon": 112.634}]


@pytest.mark.parametrize("url", ["/admin/dasbor/angka", "/admin/dasbor/peta.json"])
@pytest.mark.parametrize("role", ["officer", "guard"])
def test_dashboard_fragments_are_for_admins(client, create_user, login, url, role):
    login(client, create_user(role))
    assert client.get(url).status_code == 403


# Alert rules (docs/alerts.md), each at its edges ------------------------------------------

# 07:00 WIB on a fixed day: shifts below run 07:00-15:00 WIB.
SHIFT_START = datetime(2026, 11, 3, 7, 0, tzinfo=WIB).astimezone(timezone.utc)
SHIFT_END = SHIFT_START + timedelta(hours=8)


@pytest.fixture
def shift_in_zone(app, create_user, create_zone, create_assignment):
    """Budi's 07:00-15:00 WIB shift in Taman Merbabu."""
    budi = create_user("officer", full_name="Budi Santoso")
    zone = create_zone(name="Taman Merbabu")
    create_assignment(budi, zone, starts_at=SHIFT_START, hours=8)
    return budi, zone


@pytest.mark.parametrize(
    ("minutes_into_shift", "listed"), [(0, False), (29, False), (30, True), (31, True)]
)
def test_zone_is_not_visited_only_after_the_grace_period(shift_in_zone, minutes_into_shift, listed):
    now = SHIFT_START + timedelta(minutes=minutes_into_shift)
    result = dashboard.alerts(now, unvisited_hours=3, grace_minutes=30)
    assert result["unvisited"] == (["Taman Merbabu"] if listed else [])


def test_grace_period_is_configurable_on_the_dashboard(
    admin_client, app, shift_in_zone, monkeypatch
):
    app.config["ALERT_GRACE_MINUTES"] = 10
    monkeypatch.setattr("patrol.routes.reports.utcnow", lambda: SHIFT_START + timedelta(minutes=11))
    page = admin_client.get("/admin/dasbor/angka").get_data(as_text=True)
    assert '<li data-alert="unvisited">Taman Merbabu</li>' in page


@pytest.mark.parametrize(
    ("geofence", "cleared"),
    [("inside", True), ("uncertain", True), ("outside", False), ("no_gps", False)],
)
def test_only_a_visit_inside_the_zone_clears_not_visited(
    shift_in_zone, create_visit, geofence, cleared
):
    budi, zone = shift_in_zone
    create_visit(
        budi,
        zone,
        started_at=SHIFT_START + timedelta(minutes=10),
        start_geofence=geofence,
        start_distance_m=2000.0 if geofence == "outside" else None,
    )
    result = dashboard.alerts(SHIFT_START + timedelta(hours=1), unvisited_hours=3)
    assert result["unvisited"] == ([] if cleared else ["Taman Merbabu"])


def test_a_visit_that_ends_inside_counts_for_the_zone(shift_in_zone, create_visit):
    budi, zone = shift_in_zone
    create_visit(
        budi,
        zone,
        started_at=SHIFT_START + timedelta(minutes=10),
        start_geofence="outside",
        end_geofence="inside",
    )
    result = dashboard.alerts(SHIFT_END + timedelta(minutes=1), unvisited_hours=3)
    assert result["unvisited"] == [] and result["missed"] == []


@pytest.mark.parametrize(
    ("minutes_after_end", "missed"), [(-345, False), (-1, False), (0, True), (1, True)]
)
def test_shift_is_missed_only_once_it_has_ended_without_a_visit(
    shift_in_zone, minutes_after_end, missed
):
    now = SHIFT_END + timedelta(minutes=minutes_after_end)
    result = dashboard.alerts(now, unvisited_hours=3)
    assert [(r.full_name, r.zone) for r in result["missed"]] == (
        [("Budi Santoso", "Taman Merbabu")] if missed else []
    )


def test_a_visit_outside_the_zone_does_not_keep_the_shift(shift_in_zone, create_visit):
    budi, zone = shift_in_zone
    create_visit(
        budi,
        zone,
        started_at=SHIFT_START + timedelta(hours=1),
        start_geofence="outside",
        start_distance_m=2000.0,
    )
    result = dashboard.alerts(SHIFT_END + timedelta(minutes=1), unvisited_hours=3)
    assert [r.zone for r in result["missed"]] == ["Taman Merbabu"]
    assert [(r.full_name, r.start_distance_m) for r in result["outside"]] == [
        ("Budi Santoso", 2000.0)
    ]


def test_a_visit_inside_the_zone_keeps_the_shift(shift_in_zone, create_visit):
    budi, zone = shift_in_zone
    create_visit(budi, zone, started_at=SHIFT_END - timedelta(minutes=1), start_geofence="inside")
    result = dashboard.alerts(SHIFT_END + timedelta(minutes=1), unvisited_hours=3)
    assert result["missed"] == []


def test_dashboard_and_coverage_report_agree_on_kept_shifts(
    app, create_user, create_zone, create_assignment, create_visit
):
    from patrol.services import reports

    budi = create_user("officer", full_name="Budi Santoso")
    zone = create_zone(name="Taman Merbabu")
    kept = create_assignment(budi, zone, starts_at=SHIFT_START - timedelta(days=1), hours=8)
    create_assignment(budi, zone, starts_at=SHIFT_START, hours=8)  # outside visit only
    create_assignment(budi, zone, starts_at=SHIFT_START + timedelta(days=1), hours=8)  # to come
    create_visit(
        budi, zone, started_at=kept.starts_at + timedelta(hours=1), start_geofence="inside"
    )
    create_visit(budi, zone, started_at=SHIFT_START + timedelta(hours=1), start_geofence="outside")
    now = SHIFT_END + timedelta(hours=1)
    f = reports.Filters(start=date(2026, 11, 1), end=date(2026, 11, 5))
    [row] = reports.coverage_report(f, now=now)
    assert (row["shifts"], row["kept"], row["missed"]) == (3, 1, 1)
    assert [r.starts_at for r in dashboard.alerts(now, unvisited_hours=3)["missed"]] == [
        SHIFT_START
    ]


def test_alert_queries_do_not_grow_with_shifts_and_zones(
    app, create_user, create_zone, create_assignment, count_queries
):
    def statements(n: int) -> int:
        for _ in range(n):
            officer = create_user("officer")
            zone = create_zone()
            create_assignment(officer, zone, starts_at=SHIFT_START, hours=8)
            create_assignment(officer, zone, starts_at=SHIFT_START - timedelta(hours=10), hours=8)
        with count_queries() as queries:
            dashboard.alerts(SHIFT_START + timedelta(hours=1), unvisited_hours=3)
        return queries["n"]

    # Unvisited zones, missed shifts, visits outside, late complaints: one query each.
    assert statements(1) == statements(10) == 4


def test_officer_positions_show_open_visits_during_shifts(
    app, create_user, create_zone, create_assignment, create_visit
):
    now = now_utc()
    on_shift = create_user("officer", full_name="Budi Santoso")
    off_shift = create_user("officer", full_name="Ani Lestari")
    zone = create_zone(name="Alun-Alun Tugu")
    create_assignment(on_shift, zone)
    create_visit(on_shift, zone, start_lat=-7.977, start_lon=112.634)
    create_visit(off_shift, zone, start_lat=-7.978, start_lon=112.635)
    rows = dashboard.officer_positions(now)
    assert [(r.full_name, r.lat, r.lon) for r in rows] == [("Budi Santoso", -7.977, 112.634)]


# Officer SOS --------------------------------------------------------------------------------


def test_officer_sos_reaches_the_dashboard_until_acknowledged(client, app, create_user, login):
    officer = create_user("officer", full_name="Budi Santoso")
    login(client, officer)
    response = client.post(
        "/api/v1/sos",
        json={
            "uuid": "5b0e3b53-0000-4000-8000-000000000001",
            "lat": -7.977,
            "lon": 112.634,
            "accuracy_m": 8,
        },
    )
    assert response.status_code == 201
    client.post("/logout")

    admin = app.test_client()
    login(admin, create_user("admin"))
    text = admin.get("/admin/dasbor/sos").get_data(as_text=True)
    assert "Budi Santoso" in text and 'data-sos-open="1"' in text
    assert "-7.97700, 112.63400" in text
    alert_id = response.get_json()["id"]
    after = admin.post(f"/admin/sos/{alert_id}/terima", data={"note": "Regu 2 menuju lokasi"})
    assert after.status_code == 200
    assert 'data-sos-open="0"' in after.get_data(as_text=True)
    db.session.expire_all()
    alert = db.session.get(SosAlert, alert_id)
    assert alert.acknowledged_at is not None and alert.note == "Regu 2 menuju lokasi"


def test_a_retried_sos_is_one_alert(client, create_user, login):
    login(client, create_user("officer"))
    body = {"uuid": "5b0e3b53-0000-4000-8000-000000000002", "lat": -7.977, "lon": 112.634}
    first = client.post("/api/v1/sos", json=body)
    second = client.post("/api/v1/sos", json=body)
    assert first.get_json()["id"] == second.get_json()["id"]
    assert db.session.scalar(sa.select(sa.func.count(SosAlert.id))) == 1


def test_sos_without_gps_is_still_sent(client, create_user, login):
    login(client, create_user("officer"))
    response = client.post("/api/v1/sos", json={"uuid": "5b0e3b53-0000-4000-8000-000000000003"})
    assert response.status_code == 201
    assert db.session.scalar(sa.select(SosAlert.lat)) is None


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"lat": -7.9, "lon": 112.6}, "uuid"),
        ({"uuid": "5b0e3b53-0000-4000-8000-000000000004", "lat": 95, "lon": 112.6}, "lat"),
        ({"uuid": "5b0e3b53-0000-4000-8000-000000000005", "lat": "utara", "lon": 1}, "lat"),
        ({"uuid": "5b0e3b53-0000-4000-8000-000000000006", "lat": -7.9, "lon": 200}, "lon"),
    ],
)
def test_bad_sos_is_refused_with_a_reason(client, create_user, login, body, field):
    login(client, create_user("officer"))
    response = client.post("/api/v1/sos", json=body)
    assert response.status_code == 422
    assert response.get_json()["field"] == field
    assert db.session.scalar(sa.select(sa.func.count(SosAlert.id))) == 0


def test_sos_needs_the_csrf_token(client, create_user, login):
    login(client, create_user("officer"))
    response = client.post("/api/v1/sos", json={"uuid": "x" * 36}, csrf=False)
    assert response.status_code == 400


@pytest.mark.parametrize("role", ["guard", "admin"])
def test_only_officers_raise_sos(client, create_user, login, role):
    login(client, create_user(role))
    assert client.post("/api/v1/sos", json={"uuid": "y" * 36}).status_code == 403


def test_officer_pages_carry_the_sos_button(client, create_user, login):
    login(client, create_user("officer"))
    text = client.get("/patroli/").get_data(as_text=True)
    assert 'id="sos-button"' in text and "js/sos.js" in text


def test_other_roles_have_no_sos_button(client, create_user, login):
    login(client, create_user("admin"))
    assert 'id="sos-button"' not in client.get("/admin/dasbor").get_data(as_text=True)


# Public park page and open data ---------------------------------------------------------


@pytest.fixture
def parks_with_personal_data_around(
    create_user,
    create_zone,
    create_visit,
    create_crowd_count,
    create_violation,
    create_office,
    create_timed_checkin,
):
    """Parks with counts, and personal data nearby that must never leak to the public."""
    now = now_utc()
    officer = create_user("officer", full_name="Bripka Rahasia Sekali", username="rahasia")
    tugu = create_zone(name="Alun-Alun Tugu", capacity=400)
    create_zone(name="Taman Merbabu", capacity=150)
    visit = create_visit(
        officer, tugu, started_at=now - timedelta(minutes=30), start_lat=-7.9771, start_lon=112.6341
    )
    create_crowd_count(visit, 420, recorded_at=now - timedelta(minutes=20), lat=-7.97713)
    create_violation(
        visit, offender_name="Pelanggar Bernama", nik_last4="9876", notes="KTP ditahan"
    )
    office = create_office()
    create_timed_checkin(
        office, now, visitor_name="Pengunjung Pribadi", visitor_phone="081299998888"
    )
    return ["Rahasia", "rahasia", "Pelanggar", "9876", "Pengunjung", "081299998888", "-7.97713"]


def test_public_park_page_shows_levels_in_words_without_login(
    client, parks_with_personal_data_around
):
    response = client.get("/taman")
    assert response.status_code == 200
    text = response.get_data(as_text=True)
    assert "Alun-Alun Tugu" in text and "Melebihi kapasitas" in text
    assert "Taman Merbabu" in text and "Tidak diketahui" in text
    assert "Belum pernah dihitung" in text
    assert 'href="/login"' in text
    for secret in parks_with_personal_data_around:
        assert secret not in text


def test_open_data_feed_is_cacheable_cors_json_without_personal_data(
    client, parks_with_personal_data_around
):
    response = client.get("/api/v1/parks")
    assert response.status_code == 200
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    assert "max-age=" in response.headers["Cache-Control"]
    parks = {p["name"]: p for p in response.get_json()["parks"]}
    assert parks["Alun-Alun Tugu"]["level"] == "over"
    assert parks["Alun-Alun Tugu"]["headcount"] == 420
    assert parks["Alun-Alun Tugu"]["last_counted_at"] is not None
    assert parks["Taman Merbabu"]["level"] == "unknown"
    assert set(parks["Alun-Alun Tugu"]) == {
        "id",
        "name",
        "kind",
        "lat",
        "lon",
        "capacity",
        "level",
        "headcount",
        "last_counted_at",
    }
    body = response.get_data(as_text=True)
    for secret in parks_with_personal_data_around:
        assert secret not in body


def test_each_worker_keeps_the_open_data_feed_for_a_few_seconds(
    app, client, count_queries, create_user, create_zone, create_visit, create_crowd_count
):
    """The feed is the same for everyone: computed once per window, fresh after it."""
    clock = {"now": 1000.0}
    app.extensions["patrol_microcache"] = MicroCache(clock=lambda: clock["now"])
    app.config["PUBLIC_FEED_CACHE_SECONDS"] = 10
    officer = create_user("officer")
    zone = create_zone(name="Alun-Alun Tugu", capacity=400)
    visit = create_visit(officer, zone, started_at=now_utc() - timedelta(minutes=30))
    create_crowd_count(visit, 100, recorded_at=now_utc() - timedelta(minutes=20))

    def feed():
        with count_queries() as counter:
            response = client.get("/api/v1/parks")
        assert response.status_code == 200
        return response.get_json()["parks"][0]["headcount"], counter["n"]

    headcount, queries = feed()
    assert (headcount, queries > 0) == (100, True)
    create_crowd_count(visit, 380, recorded_at=now_utc() - timedelta(minutes=5))
    clock["now"] += 9
    assert feed() == (100, 0)  # inside the window: no query, the kept answer
    clock["now"] += 2
    headcount, queries = feed()
    assert (headcount, queries > 0) == (380, True)
