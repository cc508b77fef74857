"""Statements per POST of `make bench`: a visitor's check-in and an officer's entry (htmx).

The benchmark's two write paths (bench/run.py ``lua_checkin``, ``lua_violation``) are
measured against a twin that runs one INSERT; each statement more is a round trip and its
ORM work in every request (docs/benchmarks.md). These budgets list what each one asks.
"""

from __future__ import annotations

import uuid

import pytest

from patrol.extensions import db
from patrol.models import CheckIn, CrowdCount, Violation

# The door (entrance and office, one join), the form's UUID (a resend?), the office's
# lock and the count inside (wait_when_full), the savepoint, the check-in, its key row,
# the release, the hour's count in checkin_hours.
CHECKIN = 9
# A resend of the same form: the door, the pass cookie's check-ins, the UUID; no write.
CHECKIN_RESEND = 3
# The login's user, the visit (the view's access check; the service is told it), the
# active categories and actions (the answer's fresh form lists them, and the chosen ones
# are found there), the entry's UUID, the zone (geofence), the savepoint, the insert, the
# release. Nothing is reloaded after the commit to render the answer.
VIOLATION = 9
# The user, the visit, the UUID, the zone, the savepoint, the insert, the hour's sum in
# crowd_hours, the release; no form after it (the panel closes).
CROWD_COUNT = 8


def _statements(count_queries, post) -> tuple[int, object]:
    with count_queries() as counter:
        response = post()
    return counter["n"], response


@pytest.mark.parametrize("inside", [0, 20])
def test_a_visitor_check_in_costs_a_fixed_number_of_statements(
    client, count_queries, create_office, create_checkin, served_form, inside
):
    office = create_office(capacity=100)
    for n in range(inside):
        create_checkin(office, name=f"Tamu {n}")
    door = f"/c/{office.entrances[0].token}"
    form = served_form(client, door)
    n, response = _statements(count_queries, lambda: client.post(door, data=form))
    assert response.status_code == 302
    assert n == CHECKIN
    assert db.session.query(CheckIn).count() == inside + 1
    # The same form again (a double tap): its pass back, nothing written.
    n, response = _statements(count_queries, lambda: client.post(door, data=form))
    assert response.status_code == 302
    assert n == CHECKIN_RESEND
    assert db.session.query(CheckIn).count() == inside + 1


def test_a_violation_post_costs_a_fixed_number_of_statements(field_setup, count_queries):
    field_setup.post_violation()  # the visit's timeline is not what the answer costs
    n, response = _statements(count_queries, field_setup.post_violation)
    assert response.status_code == 200
    assert "Pelanggaran tersimpan." in response.get_data(as_text=True)
    assert n == VIOLATION
    assert db.session.query(Violation).count() == 2


def test_a_crowd_count_post_costs_a_fixed_number_of_statements(field_setup, count_queries):
    field_setup.post_count(40)
    n, response = _statements(count_queries, lambda: field_setup.post_count(45))
    assert response.status_code == 200
    assert "Jumlah pengunjung tersimpan." in response.get_data(as_text=True)
    assert n == CROWD_COUNT
    assert db.session.query(CrowdCount).count() == 2


def test_a_retried_violation_answers_what_was_stored(field_setup, count_queries):
    key = str(uuid.uuid4())
    field_setup.post_violation(uuid=key, notes="Di gerbang")
    response = field_setup.post_violation(uuid=key, notes="Di parkiran")
    text = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Pelanggaran ini sudah tersimpan." in text
    # Rendered from the stored row, kept as it was loaded (no reload after the commit).
    assert "Di gerbang" in text and "Di parkiran" not in text
