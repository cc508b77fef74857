"""Statements per admin page stay the same however many shifts, rounds and scans there are."""

from __future__ import annotations

import itertools
import uuid
from datetime import timedelta

import pytest

from patrol.extensions import db
from patrol.models import Assignment, CheckpointScan, Visit
from patrol.rules.timeutil import utcnow

_n = itertools.count()


@pytest.fixture
def admin_client(client, create_user, login):
    login(client, create_user("admin"))
    return client


@pytest.fixture
def rounds_world(create_user, create_zone, create_checkpoint, create_round):
    """Five zones, each with a round over three checkpoints (every 30 minutes)."""
    zones = []
    for z in range(5):
        zone = create_zone(name=f"Taman {z}")
        stops = [create_checkpoint(zone, name=f"Titik {z}.{c}") for c in range(3)]
        create_round(zone, stops, interval_minutes=30, name=f"Putaran {z}")
        zones.append((zone, stops))
    officers = [create_user("officer") for _ in range(4)]
    return zones, officers


def add_shifts(zones, officers, n: int) -> None:
    """n one-hour shifts over the last six days, each with a visit scanning one checkpoint."""
    now = utcnow()
    for _ in range(n):
        i = next(_n)
        zone, stops = zones[i % len(zones)]
        officer = officers[i % len(officers)]
        # Hours apart per officer, so that no officer holds two overlapping shifts.
        start = now - timedelta(days=6) + timedelta(hours=i // len(officers) * 1.5 % 140)
        shift = Assignment(
            officer_id=officer.id,
            zone_id=zone.id,
            starts_at=start,
            ends_at=start + timedelta(hours=1),
        )
        db.session.add(shift)
        db.session.flush()
        visit = Visit(
            uuid=str(uuid.uuid4()),
            officer_id=officer.id,
            zone_id=zone.id,
            assignment_id=shift.id,
            started_at=start + timedelta(minutes=2),
            ended_at=start + timedelta(minutes=50),
        )
        db.session.add(visit)
        db.session.flush()
        db.session.add(
            CheckpointScan(
                uuid=str(uuid.uuid4()),
                visit_id=visit.id,
                checkpoint_id=stops[0].id,
                recorded_at=start + timedelta(minutes=5),
            )
        )
    db.session.commit()


@pytest.mark.parametrize(
    "url",
    [
        "/admin/titik/",
        "/admin/titik/peringatan",
        "/admin/laporan/cakupan",
        "/admin/dasbor",
        "/admin/dasbor/angka",
    ],
)
def test_statements_per_page_stay_flat_from_20_to_300_shifts_with_rounds(
    admin_client, count_queries, rounds_world, url
):
    zones, officers = rounds_world

    def page_queries() -> int:
        with count_queries() as counter:
            response = admin_client.get(url)
        assert response.status_code == 200
        return counter["n"]

    add_shifts(zones, officers, 20)
    at_20 = page_queries()
    add_shifts(zones, officers, 280)
    assert page_queries() == at_20


@pytest.mark.parametrize("url", ["/admin/kantor", "/admin/pos-jaga", "/jaga/"])
def test_office_and_guard_pages_stay_flat_with_more_offices_and_guards(
    admin_client, count_queries, create_user, create_office, create_guard_post, url
):
    def add_offices(n: int) -> None:
        for _ in range(n):
            guard = create_user("guard")
            office = create_office(entrances=("Pintu Utama", "Pintu Samping"))
            create_guard_post(guard, office)

    def page_queries() -> int:
        with count_queries() as counter:
            response = admin_client.get(url)
        assert response.status_code == 200
        return counter["n"]

    add_offices(2)
    at_2 = page_queries()
    add_offices(8)
    assert page_queries() == at_2
