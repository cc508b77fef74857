"""Admins draw, edit and deactivate patrol zones; bad geometry is refused in place."""

import json

import pytest
import sqlalchemy as sa

from patrol.extensions import db
from patrol.models import AuditEvent, Zone

SQUARE = {
    "type": "Polygon",
    "coordinates": [
        [
            [112.6330, -7.9780],
            [112.6350, -7.9780],
            [112.6350, -7.9760],
            [112.6330, -7.9760],
            [112.6330, -7.9780],
        ]
    ],
}


def zone_data(**overrides):
    data = {
        "name": "Taman Merbabu",
        "kind": "taman",
        "kecamatan": "Klojen",
        "capacity": "150",
        "geometry": json.dumps(SQUARE),
    }
    data.update(overrides)
    return data


def test_admin_sees_the_zone_list_and_the_map_form(admin_client, create_zone):
    create_zone(name="Alun-Alun Tugu")
    page = admin_client.get("/admin/zona")
    assert page.status_code == 200
    assert "Alun-Alun Tugu" in page.text
    form = admin_client.get("/admin/zona/baru")
    assert form.status_code == 200
    assert 'id="zone-map"' in form.text
    assert "leaflet-1.9.4/leaflet.js" in form.text
    assert 'data-tile-url="https://tile.openstreetmap.org/' in form.text


def test_tile_url_comes_from_config(app, admin_client):
    app.config["TILE_URL"] = "https://tiles.example.id/{z}/{x}/{y}.png"
    assert 'data-tile-url="https://tiles.example.id/' in admin_client.get("/admin/zona/baru").text


def test_admin_saves_a_pasted_polygon_and_the_change_is_audited(admin_client, admin):
    response = admin_client.post("/admin/zona/baru", data=zone_data())
    assert response.status_code == 302
    zone = db.session.scalar(sa.select(Zone).where(Zone.name == "Taman Merbabu"))
    assert zone.geometry["type"] == "Polygon"
    assert zone.capacity == 150
    event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.entity == "zone"))
    assert (event.actor_id, event.action, event.before) == (admin.id, "create", None)
    assert event.after["name"] == "Taman Merbabu"


def test_typed_centre_and_radius_make_a_circle_without_the_map(admin_client):
    data = zone_data(geometry="", center_lat="-7.97705", center_lon="112.63404", radius_m="90")
    assert admin_client.post("/admin/zona/baru", data=data).status_code == 302
    zone = db.session.scalar(sa.select(Zone))
    assert zone.geometry == {
        "type": "Point",
        "coordinates": [112.63404, -7.97705],
        "properties": {"radius_m": 90.0},
    }


OPEN_RING = {"type": "Polygon", "coordinates": [SQUARE["coordinates"][0][:-1]]}
BOW_TIE = {
    "type": "Polygon",
    "coordinates": [
        [
            [112.633, -7.978],
            [112.635, -7.976],
            [112.635, -7.978],
            [112.633, -7.976],
            [112.633, -7.978],
        ]
    ],
}


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"geometry": json.dumps(OPEN_RING)}, "Poligon harus tertutup"),
        ({"geometry": json.dumps(BOW_TIE)}, "tidak boleh saling berpotongan"),
        (
            {"geometry": "", "center_lat": "-7.97", "center_lon": "112.63", "radius_m": "5"},
            "Jari-jari harus antara 10 m dan 5 km.",
        ),
        (
            {"geometry": "", "center_lat": "-7.97", "center_lon": "112.63", "radius_m": "5001"},
            "Jari-jari harus antara 10 m dan 5 km.",
        ),
        (
            {"geometry": "", "center_lat": "51.5", "center_lon": "-0.12", "radius_m": "100"},
            "di luar wilayah yang diizinkan",
        ),
        ({"geometry": "{not json"}, "GeoJSON tidak dapat dibaca"),
        ({"geometry": ""}, "Gambar zona di peta"),
        ({"name": ""}, "Wajib diisi."),
        ({"capacity": "-1"}, "Kapasitas tidak boleh negatif."),
    ],
)
def test_bad_zone_input_is_shown_beside_the_field_and_nothing_is_saved(
    admin_client, fields, message
):
    response = admin_client.post("/admin/zona/baru", data=zone_data(**fields))
    assert response.status_code == 422
    assert message in response.text
    assert 'class="field-error"' in response.text
    assert db.session.scalar(sa.select(sa.func.count(Zone.id))) == 0
    assert db.session.scalar(sa.select(sa.func.count(AuditEvent.id))) == 0


def test_configured_bounds_replace_indonesia(app, admin_client):
    app.config["ZONE_BOUNDS"] = (51.0, -1.0, 52.0, 1.0)
    data = zone_data(geometry="", center_lat="51.5", center_lon="-0.12", radius_m="100")
    assert admin_client.post("/admin/zona/baru", data=data).status_code == 302


def test_duplicate_zone_name_is_refused(admin_client, create_zone):
    create_zone(name="Taman Merbabu")
    response = admin_client.post("/admin/zona/baru", data=zone_data())
    assert response.status_code == 422
    assert "sudah dipakai" in response.text


def test_editing_a_zone_redraws_it_and_records_before_and_after(admin_client, create_zone):
    zone = create_zone(name="Taman Slamet", radius_m=60)
    page = admin_client.get(f"/admin/zona/{zone.id}")
    assert "radius_m" in page.text  # the current geometry is in the editable field
    response = admin_client.post(
        f"/admin/zona/{zone.id}", data=zone_data(name="Taman Slamet", active="y")
    )
    assert response.status_code == 302
    db.session.refresh(zone)
    assert zone.geometry["type"] == "Polygon"
    event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "update"))
    assert event.before["geometry"]["type"] == "Point"
    assert event.after["geometry"]["type"] == "Polygon"


def test_deactivating_a_zone_keeps_it_listed_as_inactive(admin_client, create_zone):
    zone = create_zone(name="Taman Kendedes")
    assert admin_client.post(f"/admin/zona/{zone.id}/aktif").status_code == 302
    db.session.refresh(zone)
    assert zone.active is False
    assert "nonaktif" in admin_client.get("/admin/zona").text
    event = db.session.scalar(sa.select(AuditEvent))
    assert (event.action, event.before["active"], event.after["active"]) == (
        "deactivate",
        True,
        False,
    )


def test_unknown_zone_is_not_found(admin_client):
    assert admin_client.get("/admin/zona/4242").status_code == 404
