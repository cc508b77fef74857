"""Test fixtures for checkpoints and rounds (registered in conftest.pytest_plugins)."""

from __future__ import annotations

import pytest

from patrol.extensions import db
from patrol.models import Checkpoint, PatrolRound, RoundStop, Zone

# Alun-Alun Tugu, the default test zone's centre, and a point about 60 m north of it.
TUGU = (-7.97705, 112.63404)
NORTH = (-7.97651, 112.63404)


@pytest.fixture
def create_checkpoint(app):
    """Factory: ``create_checkpoint(zone, name=..., lat=..., lon=..., active=True)``."""

    def _create(zone: Zone, name="Gerbang utara", lat=TUGU[0], lon=TUGU[1], **fields):
        checkpoint = Checkpoint(zone_id=zone.id, name=name, lat=lat, lon=lon, **fields)
        db.session.add(checkpoint)
        db.session.commit()
        return checkpoint

    return _create


@pytest.fixture
def create_round(app):
    """Factory: a round over the given checkpoints, in that order."""

    def _create(zone: Zone, checkpoints, interval_minutes=60, ordered=False, name="Putaran"):
        patrol_round = PatrolRound(
            zone_id=zone.id, name=name, interval_minutes=interval_minutes, ordered=ordered
        )
        patrol_round.stops = [
            RoundStop(checkpoint_id=c.id, position=n) for n, c in enumerate(checkpoints, 1)
        ]
        db.session.add(patrol_round)
        db.session.commit()
        return patrol_round

    return _create
