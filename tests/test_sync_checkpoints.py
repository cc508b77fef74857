"""The checkpoint_scan record kind: offline scans reach the server exactly once."""

import uuid
from datetime import datetime, timedelta, timezone

import sqlalchemy as sa

from patrol.extensions import db
from patrol.models import CheckpointScan

TUGU = (-7.97705, 112.63404)


def _scan(visit_uuid, token, lat=TUGU[0], lon=TUGU[1], **extra):
    return {
        "uuid": str(uuid.uuid4()),
        "kind": "checkpoint_scan",
        "recorded_at": (datetime.now(timezone.utc) - timedelta(minutes=1)).isoformat(),
        "visit_uuid": visit_uuid,
        "token": token,
        "lat": lat,
        "lon": lon,
        "accuracy_m": 8,
        **extra,
    }


def test_offline_visit_and_scan_arrive_together_once(
    client, create_user, create_zone, create_assignment, create_checkpoint, login
):
    officer = create_user("officer")
    zone = create_zone(lat=TUGU[0], lon=TUGU[1], radius_m=150)
    create_assignment(officer, zone)
    gate = create_checkpoint(zone, name="Gerbang utara", lat=TUGU[0], lon=TUGU[1])
    login(client, officer)
    visit_uuid = str(uuid.uuid4())
    scan = _scan(visit_uuid, gate.token)
    start = {
        "uuid": visit_uuid,
        "kind": "visit_start",
        "recorded_at": (datetime.now(timezone.utc) - timedelta(minutes=5)).isoformat(),
        "zone_id": zone.id,
        "lat": TUGU[0],
        "lon": TUGU[1],
        "accuracy_m": 8,
    }
    # The scan comes first in the batch; it still links to the visit started offline.
    response = client.post("/api/v1/sync", json={"records": [scan, start]})
    assert response.status_code == 200
    statuses = {r["uuid"]: r["status"] for r in response.get_json()["results"]}
    assert statuses == {scan["uuid"]: "created", visit_uuid: "created"}

    again = client.post("/api/v1/sync", json={"records": [scan, start]}).get_json()["results"]
    assert {r["status"] for r in again} == {"duplicate"}
    stored = db.session.scalars(sa.select(CheckpointScan)).all()
    assert len(stored) == 1 and stored[0].geofence == "inside"


def test_scan_far_from_its_checkpoint_is_flagged_and_unknown_token_rejected(
    client, create_user, create_zone, create_assignment, create_visit, create_checkpoint, login
):
    officer = create_user("officer")
    zone = create_zone(lat=TUGU[0], lon=TUGU[1], radius_m=400)
    create_assignment(officer, zone)
    visit = create_visit(officer, zone)
    gate = create_checkpoint(zone, name="Air mancur", lat=TUGU[0], lon=TUGU[1])
    login(client, officer)
    far = _scan(visit.uuid, gate.token, lat=TUGU[0] + 0.002)  # about 220 m north
    unknown = _scan(visit.uuid, "bukan-token")
    changed = dict(far, token="lain")
    results = client.post("/api/v1/sync", json={"records": [far, unknown]}).get_json()["results"]
    by_uuid = {r["uuid"]: r for r in results}
    assert by_uuid[far["uuid"]]["status"] == "created"
    assert by_uuid[unknown["uuid"]]["status"] == "rejected"
    assert "tidak dikenal" in by_uuid[unknown["uuid"]]["error"]
    scan = db.session.scalar(sa.select(CheckpointScan))
    assert scan.geofence == "outside" and scan.gps_note == "far_from_checkpoint"
    conflict = client.post("/api/v1/sync", json={"records": [changed]}).get_json()["results"]
    assert conflict[0]["status"] == "conflict"
