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


def test_zone_bounds_default_to_kota_malang(admin_client):
    jakarta = zone_data(geometry="", center_lat="-6.1754", center_lon="106.8272", radius_m="100")
    response = admin_client.post("/admin/zona/baru", data=jakarta)
    assert response.status_code == 422
    assert db.session.scalar(sa.select(sa.func.count(Zone.id))) == 0
    malang = zone_data(geometry="", center_lat="-7.9666", center_lon="112.6326", radius_m="100")
    assert admin_client.post("/admin/zona/baru", data=malang).status_code == 302


def test_the_editor_shows_the_other_zones_and_names_stay_text(admin_client, create_zone):
    create_zone(name='<img src=x onerror="alert(1)">')
    create_zone(name="Alun-Alun Tugu")
    editing = create_zone(name="Taman Slamet", lat=-7.9700, lon=112.6200)
    page = admin_client.get(f"/admin/zona/{editing.id}").text
    others = page[page.index("data-other-zones='") :]
    others = json.loads(
        others[len("data-other-zones='") : others.index("'", 20)].replace("&#34;", '"')
    )
    assert sorted(z["name"] for z in others) == ['<img src=x onerror="alert(1)">', "Alun-Alun Tugu"]
    assert "<img src=x" not in page
    assert "data-bounds='[-8.06, 112.55, -7.88, 112.72]'" in page


def test_saving_a_zone_over_another_warns_about_the_overlap(admin_client, create_zone):
    # Alun-Alun Tugu: a 100 m circle around the square's corner.
    create_zone(name="Alun-Alun Tugu", lat=-7.9780, lon=112.6330, radius_m=100)
    create_zone(name="Taman Jauh", lat=-7.9500, lon=112.6100, radius_m=100)
    response = admin_client.post("/admin/zona/baru", data=zone_data(), follow_redirects=True)
    assert "Zona Taman Merbabu disimpan." in response.text
    assert "Perhatian: zona Taman Merbabu bertumpuk dengan Alun-Alun Tugu." in response.text
    assert "Taman Jauh." not in response.text


def test_zones_that_only_touch_do_not_overlap():
    from patrol.rules.zone_overlap import overlapping

    east = {
        "type": "Polygon",
        "coordinates": [
            [
                [112.6350, -7.9780],
                [112.6370, -7.9780],
                [112.6370, -7.9760],
                [112.6350, -7.9760],
                [112.6350, -7.9780],
            ]
        ],
    }
    assert overlapping(SQUARE, [("Timur", east)]) == []
    inner = {"type": "Point", "coordinates": [112.6340, -7.9770], "properties": {"radius_m": 10}}
    assert overlapping(SQUARE, [("Dalam", inner)]) == ["Dalam"]


def test_zone_edit_without_a_geometry_field_is_refused_not_a_crash(admin_client, create_zone):
    zone = create_zone(name="Taman Slamet")
    data = zone_data(name="Taman Slamet")
    del data["geometry"]
    response = admin_client.post(f"/admin/zona/{zone.id}", data=data)
    assert response.status_code == 422 and 'class="field-error"' in response.text
