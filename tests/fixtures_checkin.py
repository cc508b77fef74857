"""Test fixtures for the checkin area (registered in conftest.pytest_plugins)."""

from __future__ import annotations

import re
import uuid
from datetime import datetime, timedelta, timezone

import pytest

from patrol.extensions import db
from patrol.models import CheckIn, Office
from patrol.rules import checkin as checkin_rules
from patrol.services.checkins import record_key


@pytest.fixture
def visitor_form():
    """Factory: the fields a visitor sends from /c/<token>, with overrides."""

    def _form(**overrides) -> dict:
        form = {
            "client_uuid": str(uuid.uuid4()),
            "name": "Siti Aminah",
            "phone": "0812 3456 7890",
            "purpose": "Mengurus izin usaha",
            "has_symptoms": "no",
            "vaccine_doses": "3",
        }
        form.update(overrides)
        return {k: v for k, v in form.items() if v is not None}

    return _form


@pytest.fixture
def create_checkin(app):
    """Factory: someone inside an office (a visitor checked in at its first entrance)."""

    def _create(office: Office, name="Budi Visitor", **fields) -> CheckIn:
        # Someone already gone came in a little before they left.
        out = fields.get("checked_out_at")
        default_in = out - timedelta(hours=1) if out else datetime.now(timezone.utc)
        checkin = CheckIn(
            uuid=fields.pop("uuid", str(uuid.uuid4())),
            office_id=office.id,
            entrance_id=fields.pop(
                "entrance_id", office.entrances[0].id if office.entrances else None
            ),
            visitor_name=name,
            visitor_phone=fields.pop("visitor_phone", "081234567890"),
            purpose=fields.pop("purpose", "Rapat"),
            checked_in_at=fields.pop("checked_in_at", None) or default_in,
            short_code=fields.pop("short_code", checkin_rules.new_short_code()),
            **fields,
        )
        db.session.add(checkin)
        db.session.flush()
        record_key(checkin)
        db.session.commit()
        return checkin

    return _create


@pytest.fixture
def screen_code(app):
    """Factory: the rotating code an entrance's screen showed at ``now``."""

    def _code(entrance, now: datetime | None = None) -> str:
        return checkin_rules.make_screen_code(
            app.secret_key, entrance.id, now or datetime.now(timezone.utc)
        )

    return _code


@pytest.fixture
def served_form(visitor_form):
    """Factory: open a door's check-in page on ``client`` and fill in its form.

    The form's hidden fields (client UUID, its seal for this browser, a screen-mode
    code and stamp) come from the page, as a phone would send them.
    """

    def _served(client, path: str, **overrides) -> dict:
        page = client.get(path)
        assert page.status_code == 200, page.status_code
        html = page.get_data(as_text=True)
        form_html = html[html.index('class="visit-form"') :]
        hidden = dict(
            re.findall(
                r'<input type="hidden" name="(client_uuid|seal|k|t)" value="([^"]*)"', form_html
            )
        )
        form = visitor_form(**hidden)
        form.update({k: v for k, v in overrides.items() if v is not None})
        return {k: v for k, v in form.items() if overrides.get(k, "") is not None}

    return _served
