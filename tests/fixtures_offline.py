"""Test fixtures for offline sync (registered in conftest.pytest_plugins)."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta, timezone

import pytest

# Inside the default test zone (Alun-Alun Tugu, radius 100 m).
HERE = {"lat": -7.97705, "lon": 112.63404, "accuracy_m": 8}


def minutes_ago(minutes: float) -> str:
    """An ISO 8601 time with its zone, as the phone sends it."""
    at = datetime.now(timezone.utc) - timedelta(minutes=minutes)
    return at.isoformat(timespec="milliseconds").replace("+00:00", "Z")


@pytest.fixture
def offline_records():
    """Factory: sync records as the phone's outbox builds them."""

    class Records:
        def visit_start(self, zone_id, minutes=30, **fields):
            return (
                {
                    "uuid": str(uuid.uuid4()),
                    "kind": "visit_start",
                    "recorded_at": minutes_ago(minutes),
                    "zone_id": zone_id,
                }
                | HERE
                | fields
            )

        def violation(self, visit_uuid, minutes=20, **fields):
            return (
                {
                    "uuid": str(uuid.uuid4()),
                    "kind": "violation",
                    "recorded_at": minutes_ago(minutes),
                    "visit_uuid": visit_uuid,
                    "category": "no_mask",
                    "action": "verbal_warning",
                    "people_count": 1,
                }
                | HERE
                | fields
            )

        def crowd_count(self, visit_uuid, headcount=40, minutes=15, **fields):
            return (
                {
                    "uuid": str(uuid.uuid4()),
                    "kind": "crowd_count",
                    "recorded_at": minutes_ago(minutes),
                    "visit_uuid": visit_uuid,
                    "headcount": headcount,
                }
                | HERE
                | fields
            )

        def visit_end(self, visit_uuid, minutes=5, **fields):
            return (
                {
                    "uuid": str(uuid.uuid4()),
                    "kind": "visit_end",
                    "recorded_at": minutes_ago(minutes),
                    "visit_uuid": visit_uuid,
                }
                | HERE
                | fields
            )

    return Records()


@pytest.fixture
def sync_officer(client, create_user, create_zone, create_assignment, login):
    """An officer on shift in a zone, logged in on ``client``; returns (officer, zone)."""
    officer = create_user("officer", full_name="Sari Wulandari")
    zone = create_zone(name="Alun-Alun Tugu", capacity=100)
    create_assignment(officer, zone, starts_at=datetime.now(timezone.utc) - timedelta(hours=2))
    login(client, officer)
    return officer, zone
