"""Test fixtures for the field area (registered in conftest.pytest_plugins)."""

from __future__ import annotations

import io
import uuid
from dataclasses import dataclass

import pytest
from PIL import Image

from patrol.models import User, Visit, Zone

# Alun-Alun Tugu, the centre of the default test zone (radius 100 m).
INSIDE = {"lat": "-7.97705", "lon": "112.63404", "accuracy": "10"}
# About 1 km north: clearly outside.
OUTSIDE = {"lat": "-7.96800", "lon": "112.63404", "accuracy": "10"}


@dataclass
class Field:
    """An officer on shift in a zone, logged in, with a visit in progress."""

    officer: User
    zone: Zone
    visit: Visit
    client: object

    @property
    def visit_url(self) -> str:
        return f"/patroli/kunjungan/{self.visit.uuid}"

    def post_violation(self, htmx: bool = True, **fields):
        data = {"uuid": str(uuid.uuid4()), "category": "no_mask", "action": "verbal_warning"}
        data |= INSIDE | fields
        data = {k: v for k, v in data.items() if v is not None}
        headers = {"HX-Request": "true"} if htmx else {}
        return self.client.post(self.visit_url + "/pelanggaran", data=data, headers=headers)

    def post_count(self, headcount, **fields):
        data = {"uuid": str(uuid.uuid4()), "headcount": headcount} | INSIDE | fields
        data = {k: v for k, v in data.items() if v is not None}
        return self.client.post(
            self.visit_url + "/hitung", data=data, headers={"HX-Request": "true"}
        )


@pytest.fixture
def field_setup(client, create_user, create_zone, create_assignment, create_visit, login):
    """An officer on a shift at a zone (capacity 100), logged in, with an open visit."""
    officer = create_user("officer", full_name="Budi Santoso")
    zone = create_zone(name="Alun-Alun Tugu", capacity=100)
    shift = create_assignment(officer, zone)
    visit = create_visit(officer, zone, assignment_id=shift.id)
    login(client, officer)
    return Field(officer=officer, zone=zone, visit=visit, client=client)


@pytest.fixture
def make_image():
    """Factory: image bytes in a format, optionally with EXIF (including GPS tags)."""

    def _make(size=(2400, 1800), fmt="JPEG", exif=False) -> bytes:
        image = Image.new("RGB", size, (200, 30, 30))
        out = io.BytesIO()
        kwargs = {}
        if exif:
            data = Image.Exif()
            data[0x010F] = "PhoneMaker"  # Make
            data[0x0132] = "2026:11:27 10:00:00"  # DateTime
            gps = data.get_ifd(0x8825)
            gps[1] = "S"
            gps[2] = (7.0, 58.0, 37.38)
            gps[3] = "E"
            gps[4] = (112.0, 38.0, 2.54)
            kwargs["exif"] = data.tobytes()
        image.save(out, fmt, **kwargs)
        return out.getvalue()

    return _make
