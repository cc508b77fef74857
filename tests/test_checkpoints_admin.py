"""Admins place checkpoints, print stickers, define rounds."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from patrol.extensions import db
from patrol.models import AuditEvent, Checkpoint, PatrolRound
from tests.fixtures_checkpoints import NORTH, TUGU


@pytest.fixture
def admin_zone(client, create_user, create_zone, login):
    login(client, create_user("admin"))
    return create_zone(name="Alun-Alun Tugu")


def test_admin_places_a_checkpoint_with_typed_coordinates(client, admin_zone):
    response = client.post(
        f"/admin/titik/zona/{admin_zone.id}",
        data={"name": "Gerbang utara", "lat": str(NORTH[0]), "lon": str(NORTH[1])},
    )
    assert response.status_code == 303
    checkpoint = db.session.scalar(sa.select(Checkpoint))
    assert (checkpoint.name, checkpoint.lat, checkpoint.lon) == ("Gerbang utara", *NORTH)
    assert len(checkpoint.token) >= 43  # 256 bits, URL-safe
    assert db.session.scalar(sa.select(AuditEvent).where(AuditEvent.entity == "checkpoint"))
    page = client.get(f"/admin/titik/zona/{admin_zone.id}").get_data(as_text=True)
    assert "Gerbang utara" in page
    assert "Tulis tag NFC" in page
    assert 'id="checkpoint-map"' in page


@pytest.mark.parametrize(
    "data, message",
    [
        ({"name": "", "lat": "-7.97705", "lon": "112.63404"}, "Nama titik wajib diisi."),
        ({"name": "A", "lat": "", "lon": "112.63404"}, "Lintang wajib diisi"),
        ({"name": "A", "lat": "utara", "lon": "112.63404"}, "Lintang harus berupa angka."),
        ({"name": "A", "lat": "-7.96800", "lon": "112.63404"}, "Titik berada di luar zona"),
        ({"name": "A", "lat": "48.85", "lon": "2.35"}, "di luar wilayah yang diizinkan"),
    ],
)
def test_a_bad_checkpoint_is_refused_with_a_message_beside_the_field(
    client, admin_zone, data, message
):
    response = client.post(f"/admin/titik/zona/{admin_zone.id}", data=data)
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count(Checkpoint.id))) == 0


def test_the_sticker_carries_the_token_in_a_qr_code(client, admin_zone, create_checkpoint):
    checkpoint = create_checkpoint(admin_zone, name="Air mancur")
    page = client.get(f"/admin/titik/{checkpoint.id}/stiker").get_data(as_text=True)
    assert "<svg" in page
    assert "Air mancur" in page
    assert checkpoint.token in page


def test_a_new_token_makes_the_old_sticker_unknown(client, admin_zone, create_checkpoint):
    checkpoint = create_checkpoint(admin_zone)
    old = checkpoint.token
    assert client.post(f"/admin/titik/{checkpoint.id}/token-baru").status_code == 303
    db.session.refresh(checkpoint)
    assert checkpoint.token != old


def test_admin_defines_an_ordered_round_in_the_numbered_order(
    client, admin_zone, create_checkpoint
):
    gate = create_checkpoint(admin_zone, name="Gerbang utara")
    fountain = create_checkpoint(admin_zone, name="Air mancur")
    response = client.post(
        f"/admin/titik/zona/{admin_zone.id}/putaran",
        data={
            "name": "Putaran pagi",
            "interval": "45",
            "ordered": "1",
            "checkpoint": [str(gate.id), str(fountain.id)],
            f"order_{gate.id}": "2",
            f"order_{fountain.id}": "1",
        },
    )
    assert response.status_code == 303
    patrol_round = db.session.scalar(sa.select(PatrolRound))
    assert (patrol_round.name, patrol_round.interval_minutes, patrol_round.ordered) == (
        "Putaran pagi",
        45,
        True,
    )
    assert [s.checkpoint.name for s in patrol_round.stops] == ["Air mancur", "Gerbang utara"]


@pytest.mark.parametrize(
    "fields, message",
    [
        ({"interval": "0"}, "Selang waktu harus antara 5 menit dan 24 jam."),
        ({"interval": "satu jam"}, "Selang waktu harus berupa bilangan bulat menit."),
        ({"name": ""}, "Nama putaran wajib diisi."),
        ({"checkpoint": []}, "Pilih sedikitnya satu titik."),
    ],
)
def test_a_bad_round_is_refused_in_place(client, admin_zone, create_checkpoint, fields, message):
    gate = create_checkpoint(admin_zone)
    data = {"name": "Putaran", "interval": "60", "checkpoint": [str(gate.id)]} | fields
    response = client.post(f"/admin/titik/zona/{admin_zone.id}/putaran", data=data)
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count(PatrolRound.id))) == 0


def test_a_round_cannot_take_another_zones_checkpoint(
    client, admin_zone, create_zone, create_checkpoint
):
    create_checkpoint(admin_zone, name="Gerbang utara")
    other = create_zone(name="Taman Lain", lat=-7.98, lon=112.63)
    foreign = create_checkpoint(other, lat=-7.98, lon=112.63)
    response = client.post(
        f"/admin/titik/zona/{admin_zone.id}/putaran",
        data={"name": "Putaran", "interval": "60", "checkpoint": [str(foreign.id)]},
    )
    assert response.status_code == 422
    assert "Titik harus titik aktif di zona ini." in response.get_data(as_text=True)


def test_a_switched_off_checkpoint_is_marked_inactive(client, admin_zone, create_checkpoint):
    checkpoint = create_checkpoint(admin_zone, lat=TUGU[0], lon=TUGU[1])
    assert client.post(f"/admin/titik/{checkpoint.id}/aktif").status_code == 303
    db.session.refresh(checkpoint)
    assert checkpoint.active is False


def test_officers_cannot_open_the_checkpoint_pages(client, create_user, login, create_zone):
    zone = create_zone()
    login(client, create_user("officer"))
    assert client.get(f"/admin/titik/zona/{zone.id}").status_code == 403
    assert client.get("/admin/titik/peringatan").status_code == 403
