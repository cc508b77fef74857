"""Test fixtures for the hardening area (registered in conftest.pytest_plugins)."""

from __future__ import annotations

import io
import uuid
from dataclasses import dataclass, field

import pytest
from PIL import Image

from patrol.extensions import db
from patrol.models import Checkpoint, CrowdCount, Violation, ViolationAction, ViolationCategory
from patrol.services.photos import save_photo

# Hostile names used by the XSS tests and mixed into the fuzzing.
XSS_PAYLOADS = ("<script>alert(1)</script>", '"><img src=x onerror=alert(1)>')


def tiny_png() -> bytes:
    """A valid 4x4 PNG, small enough to upload thousands of times."""
    out = io.BytesIO()
    Image.new("RGB", (4, 4), (10, 120, 30)).save(out, "PNG")
    return out.getvalue()


@dataclass
class World:
    """One of everything, and a logged-in client per user: the targets of the fuzzing.

    ``other_officer`` and ``other_office`` (with its own guard and visitor) are the
    strangers of the ownership tests.
    """

    app: object
    users: dict
    zone: object
    shift: object
    office: object
    other_office: object
    visit: object
    violation: object
    crowd: object
    checkin: object
    other_checkin: object
    checkpoint: object
    login: object
    _clients: dict = field(default_factory=dict)

    @property
    def entrance(self):
        return self.office.entrances[0]

    def __getattr__(self, name):
        users = self.__dict__.get("users", {})
        if name in users:
            return users[name]
        raise AttributeError(name)

    def client(self, who: str | None):
        """A test client logged in as that user (``None``: anonymous), made on first use."""
        if who not in self._clients:
            client = self.app.test_client()
            if who is not None:
                self.login(client, self.users[who])
            self._clients[who] = client
        return self._clients[who]


@pytest.fixture
def world(
    app,
    create_user,
    create_zone,
    create_office,
    create_guard_post,
    create_assignment,
    create_visit,
    create_checkin,
    login,
):
    """An officer on shift with an open visit and entries, a guard at an office, and strangers."""
    users = {
        "admin": create_user("admin"),
        "officer": create_user("officer"),
        "other_officer": create_user("officer"),
        "guard": create_user("guard"),
        "other_guard": create_user("guard"),
    }
    zone = create_zone(name="Alun-Alun Tugu", capacity=100)
    shift = create_assignment(users["officer"], zone)
    visit = create_visit(users["officer"], zone, assignment_id=shift.id)
    office = create_office(name="Balai Kota Malang")
    other_office = create_office(name="Kecamatan Klojen")
    create_guard_post(users["guard"], office)
    create_guard_post(users["other_guard"], other_office)
    category = db.session.scalar(db.select(ViolationCategory).limit(1))
    action = db.session.scalar(
        db.select(ViolationAction).where(ViolationAction.code == "verbal_warning")
    )
    violation = Violation(
        uuid=str(uuid.uuid4()),
        visit_id=visit.id,
        recorded_at=visit.started_at,
        category_id=category.id,
        action_id=action.id,
        people_count=1,
        photo_path=save_photo(tiny_png()),
    )
    crowd = CrowdCount(
        uuid=str(uuid.uuid4()),
        visit_id=visit.id,
        zone_id=zone.id,
        recorded_at=visit.started_at,
        headcount=10,
        level="quiet",
    )
    checkpoint = Checkpoint(zone_id=zone.id, name="Gerbang utara", lat=-7.97705, lon=112.63404)
    db.session.add_all([violation, crowd, checkpoint])
    db.session.commit()
    return World(
        app=app,
        users=users,
        zone=zone,
        shift=shift,
        office=office,
        other_office=other_office,
        visit=visit,
        violation=violation,
        crowd=crowd,
        checkin=create_checkin(office),
        other_checkin=create_checkin(other_office),
        checkpoint=checkpoint,
        login=login,
    )
