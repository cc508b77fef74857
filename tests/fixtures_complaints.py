"""Test fixtures for public complaints (registered in conftest.pytest_plugins)."""

from __future__ import annotations

import io
import struct
import uuid
import zlib
from datetime import datetime, timezone

import pytest

from patrol.extensions import db
from patrol.inputs import parse
from patrol.inputs.complaints import ComplaintForm
from patrol.models import Complaint
from patrol.services import complaints

# Alun-Alun Tugu, the centre of the default test zone; Surabaya is in another city.
TUGU = {"lat": "-7.97705", "lon": "112.63404", "accuracy": "12"}
SURABAYA = {"lat": "-7.25750", "lon": "112.75210", "accuracy": "12"}


@pytest.fixture
def complaint_form():
    """Factory: a valid public form's fields (a crowd by GPS at Alun-Alun Tugu)."""

    def _form(**fields) -> dict:
        data = {
            "uuid": str(uuid.uuid4()),
            "category": "kerumunan",
            "description": "Ramai sekali di dekat air mancur, banyak yang tidak bermasker.",
            "place_source": "gps",
        }
        data |= TUGU | fields
        return {k: v for k, v in data.items() if v is not None}

    return _form


@pytest.fixture
def create_complaint(app):
    """Factory: a complaint filed through the service (at Tugu, now, unless told)."""

    def _create(created_at: datetime | None = None, commit=True, **fields) -> Complaint:
        values = {
            "category": "kerumunan",
            "description": "Ramai di taman",
            "place_source": "gps",
            "lat": TUGU["lat"],
            "lon": TUGU["lon"],
            "accuracy": "10",
        } | fields
        photo = values.pop("photo", None)
        if "phone" in values:
            values["reporter_phone"] = values.pop("phone")
        form = parse(ComplaintForm, values)
        complaint, _created = complaints.file_complaint(
            form, photo=photo, now=created_at or datetime.now(timezone.utc)
        )
        if commit:
            db.session.commit()
        return complaint

    return _create


def png_header_only(width: int, height: int) -> bytes:
    """A PNG whose header claims this size, with hardly any pixel data (a 'photo bomb')."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        return (
            struct.pack(">I", len(body))
            + kind
            + body
            + struct.pack(">I", zlib.crc32(kind + body) & 0xFFFFFFFF)
        )

    out = io.BytesIO()
    out.write(b"\x89PNG\r\n\x1a\n")
    out.write(chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)))
    out.write(chunk(b"IDAT", zlib.compress(b"\x00" * 64)))
    out.write(chunk(b"IEND", b""))
    return out.getvalue()
