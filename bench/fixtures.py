"""Data the benchmark and the scale-out test need, made through the app's own services.

Run in a subprocess with ``DATABASE_URL`` set: ``python bench/fixtures.py OFFICERS INSIDE``.
Prints one JSON object (tokens, ids, visit UUIDs, usernames, the shared password).
"""

from __future__ import annotations

import json
import sys
import uuid
from datetime import time, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from patrol import create_app  # noqa: E402
from patrol.demo.seed import circle, seed_demo  # noqa: E402
from patrol.extensions import db  # noqa: E402
from patrol.inputs.field import GpsFix  # noqa: E402
from patrol.models import Assignment, Entrance, GuardPost, Office, Zone  # noqa: E402
from patrol.rules.timeutil import utcnow  # noqa: E402
from patrol.services import checkins  # noqa: E402
from patrol.services.people import create_user  # noqa: E402
from patrol.services.visits import start_visit  # noqa: E402

PASSWORD = "bench-password-1"  # noqa: S105 - a throwaway database made for one run


def _office(name: str, capacity: int) -> Office:
    # Open round the clock, so close_offices never empties the board during a run.
    office = Office(
        name=name,
        address="Jl. Tugu, Klojen",
        lat=-7.97690,
        lon=112.63340,
        radius_m=120,
        capacity=capacity,
        opens_at=time(0, 0),
        closes_at=time(23, 59),
    )
    office.entrances.append(Entrance(name="Pintu Utama"))
    db.session.add(office)
    db.session.flush()
    return office


def build(officers: int, inside: int) -> dict:
    """Demo seed, a board office with ``inside`` people in, a check-in office, open visits."""
    seed_demo(password=PASSWORD)
    board = _office("Kantor Papan Bench", capacity=inside * 2)
    door = _office("Kantor Pintu Bench", capacity=100_000)
    guard = create_user("jaga_bench", "guard", PASSWORD, "Penjaga Bench")
    db.session.add(GuardPost(guard_id=guard.id, office_id=board.id))
    for n in range(inside):
        details = checkins.VisitorDetails(
            name=f"Pengunjung {n:03d}",
            phone=f"0812{n:08d}",
            purpose="Rapat",
            has_symptoms=False,
            vaccine_doses=2,
        )
        checkins.check_in(board, board.entrances[0], str(uuid.uuid4()), details)
    # A zone of its own: seed-load (run before) may have filled the demo parks.
    zone = Zone(
        name="Taman Bench",
        kind="taman",
        kecamatan="Klojen",
        geometry=circle(-7.97705, 112.63404, 90),
        capacity=400,
    )
    db.session.add(zone)
    db.session.flush()
    centre = zone.geometry["coordinates"]
    now = utcnow()
    visits = []
    for n in range(officers):
        officer = create_user(f"petugas_bench{n:02d}", "officer", PASSWORD, f"Petugas {n:02d}")
        db.session.add(
            Assignment(
                officer_id=officer.id,
                zone_id=zone.id,
                starts_at=now - timedelta(hours=1),
                ends_at=now + timedelta(hours=11),
            )
        )
        db.session.flush()
        gps = GpsFix(lat=centre[1], lon=centre[0], accuracy_m=8.0)
        visit = start_visit(officer.id, zone.id, str(uuid.uuid4()), gps)
        visits.append({"username": officer.username, "visit_uuid": visit.uuid})
    db.session.commit()
    return {
        "password": PASSWORD,
        "board_office_id": board.id,
        "board_token": board.entrances[0].token,
        "door_office_id": door.id,
        "door_token": door.entrances[0].token,
        "guard": guard.username,
        "admin": "admin",
        "officers": visits,
        "zone": {"id": zone.id, "lat": centre[1], "lon": centre[0]},
    }


if __name__ == "__main__":
    app = create_app()
    with app.app_context():
        print(json.dumps(build(int(sys.argv[1]), int(sys.argv[2]))))
