"""Officers scan checkpoints during a visit: token checks, GPS flags, duplicates."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
import sqlalchemy as sa

from patrol.extensions import db
from patrol.inputs.field import GpsFix
from patrol.models import CheckpointScan
from patrol.rules.timeutil import utcnow
from patrol.services import checkpoints
from patrol.services.errors import ValidationError
from tests.fixtures_checkpoints import NORTH, TUGU

HTMX = {"HX-Request": "true"}


def scan_count() -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(CheckpointScan))


def post_scan(field_setup, token, lat=TUGU[0], lon=TUGU[1], accuracy=5, **extra):
    data = {"uuid": str(uuid.uuid4()), "token": token, "lat": lat, "lon": lon}
    data |= {"accuracy": accuracy} | extra
    return field_setup.client.post(field_setup.visit_url + "/titik", data=data, headers=HTMX)


def test_officer_scans_a_checkpoint_and_sees_it_on_the_visit(field_setup, create_checkpoint):
    checkpoint = create_checkpoint(field_setup.zone, name="Air mancur")
    response = post_scan(field_setup, checkpoint.token)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "Air mancur dipindai." in html
    assert "Di titik" in html
    scan = db.session.scalar(sa.select(CheckpointScan))
    assert scan.checkpoint_id == checkpoint.id
    assert scan.geofence == "inside"
    page = field_setup.client.get(field_setup.visit_url).get_data(as_text=True)
    assert "Titik: Air mancur" in page


def test_a_scan_far_from_its_checkpoint_is_flagged(field_setup, create_checkpoint):
    checkpoint = create_checkpoint(field_setup.zone, lat=NORTH[0], lon=NORTH[1])
    # At the zone's centre, about 60 m south of the sticker's place (radius 30 m).
    response = post_scan(field_setup, checkpoint.token, lat=TUGU[0], lon=TUGU[1], accuracy=5)
    assert response.status_code == 200
    assert "Jauh dari titik" in response.get_data(as_text=True)
    scan = db.session.scalar(sa.select(CheckpointScan))
    assert scan.geofence == "outside"
    assert scan.gps_note == checkpoints.FAR_NOTE
    assert 25 < scan.distance_m < 35


def test_a_scan_without_gps_is_saved_marked_no_gps(field_setup, create_checkpoint):
    checkpoint = create_checkpoint(field_setup.zone)
    response = post_scan(
        field_setup, checkpoint.token, lat="", lon="", accuracy="", gps_error="denied"
    )
    assert response.status_code == 200
    scan = db.session.scalar(sa.select(CheckpointScan))
    assert (scan.geofence, scan.gps_note) == ("no_gps", "denied")


@pytest.mark.parametrize(
    "case, message",
    [
        ("unknown", "Kode titik tidak dikenal."),
        ("empty", "Kode titik kosong."),
        ("other_zone", "Titik ini milik zona lain (Taman Lain)"),
        ("inactive", "Titik ini sudah tidak aktif."),
    ],
)
def test_a_bad_token_is_refused_in_place(
    field_setup, create_zone, create_checkpoint, case, message
):
    if case == "unknown":
        token = "tidak-ada-titik-dengan-kode-ini"
    elif case == "empty":
        token = " "
    elif case == "other_zone":
        other = create_zone(name="Taman Lain", lat=-7.98, lon=112.63)
        token = create_checkpoint(other, lat=-7.98, lon=112.63).token
    else:
        token = create_checkpoint(field_setup.zone, active=False).token
    response = post_scan(field_setup, token)
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert scan_count() == 0


def test_the_same_scan_sent_twice_is_stored_once(field_setup, create_checkpoint):
    checkpoint = create_checkpoint(field_setup.zone)
    client_uuid = str(uuid.uuid4())
    first = post_scan(field_setup, checkpoint.token, uuid=client_uuid)
    again = post_scan(field_setup, checkpoint.token, uuid=client_uuid)
    assert first.status_code == again.status_code == 200
    assert "Pindaian ini sudah tersimpan." in again.get_data(as_text=True)
    assert scan_count() == 1


def test_a_double_tap_on_the_same_tag_is_refused(field_setup, create_checkpoint):
    checkpoint = create_checkpoint(field_setup.zone, name="Gerbang utara")
    assert post_scan(field_setup, checkpoint.token).status_code == 200
    response = post_scan(field_setup, checkpoint.token)
    assert response.status_code == 422
    assert "Gerbang utara baru saja dipindai" in response.get_data(as_text=True)
    assert scan_count() == 1


def test_scanning_in_someone_elses_visit_is_forbidden(
    client, create_user, create_zone, create_visit, create_checkpoint, login
):
    owner = create_user("officer")
    zone = create_zone()
    visit = create_visit(owner, zone)
    checkpoint = create_checkpoint(zone)
    login(client, create_user("officer"))
    response = client.post(
        f"/patroli/kunjungan/{visit.uuid}/titik",
        data={"uuid": str(uuid.uuid4()), "token": checkpoint.token},
    )
    assert response.status_code == 403
    assert scan_count() == 0


def test_a_scan_without_htmx_goes_back_to_the_visit(field_setup, create_checkpoint):
    checkpoint = create_checkpoint(field_setup.zone, name="Air mancur")
    response = field_setup.client.post(
        field_setup.visit_url + "/titik",
        data={"uuid": str(uuid.uuid4()), "token": checkpoint.token},
    )
    assert response.status_code == 303
    page = field_setup.client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Air mancur dipindai." in page


# The service the offline sync calls, with plain values -----------------------------------


def test_service_is_idempotent_by_uuid_and_keeps_the_phone_time(field_setup, create_checkpoint):
    checkpoint = create_checkpoint(field_setup.zone)
    when = utcnow() - timedelta(minutes=1)
    client_uuid = str(uuid.uuid4())
    gps = GpsFix(lat=TUGU[0], lon=TUGU[1], accuracy_m=8)
    args = (field_setup.officer.id, field_setup.visit.uuid, checkpoint.token, client_uuid)
    scan, created = checkpoints.record_checkpoint_scan(*args, when, gps)
    db.session.commit()
    again, created_again = checkpoints.record_checkpoint_scan(*args, when, gps)
    assert (created, created_again) == (True, False)
    assert again.id == scan.id
    assert scan.recorded_at == when
    assert scan_count() == 1


def test_service_refuses_a_scan_in_a_finished_visit(field_setup, create_checkpoint):
    checkpoint = create_checkpoint(field_setup.zone)
    field_setup.visit.ended_at = utcnow() - timedelta(minutes=5)
    db.session.commit()
    with pytest.raises(ValidationError) as error:
        checkpoints.record_checkpoint_scan(
            field_setup.officer.id,
            field_setup.visit.uuid,
            checkpoint.token,
            str(uuid.uuid4()),
            None,
            GpsFix(lat=TUGU[0], lon=TUGU[1], accuracy_m=5),
        )
    assert error.value.field == "visit_uuid"
