"""The sync API fuzzed: any JSON a phone (or an attacker) sends gets per-record answers
or a clear 4xx, never a 500, and a rejected record stores nothing."""

from __future__ import annotations

import os

import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from patrol.extensions import db
from patrol.models import CrowdCount, Violation, Visit

EXAMPLES = int(os.environ.get("HARDENING_FUZZ_EXAMPLES", "20"))
FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

JSON_VALUES = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=40),
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=8), children, max_size=3)
    ),
    max_leaves=6,
)
FIELDS = [
    "uuid",
    "kind",
    "recorded_at",
    "lat",
    "lon",
    "accuracy_m",
    "zone_id",
    "visit_uuid",
    "category",
    "action",
    "people_count",
    "fine_amount",
    "offender_name",
    "offender_nik",
    "notes",
    "headcount",
    "token",
]


def _count(model) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


def _setup(create_user, create_zone, create_assignment, login, client):
    officer = create_user("officer")
    zone = create_zone()
    create_assignment(officer, zone)
    login(client, officer)
    return zone


def test_sync_fuzzed_records_never_500(
    client, create_user, create_zone, create_assignment, login, offline_records
):
    zone = _setup(create_user, create_zone, create_assignment, login, client)
    valid = offline_records.visit_start(zone.id)

    @FUZZ
    @given(
        changes=st.dictionaries(st.sampled_from(FIELDS), JSON_VALUES, max_size=4),
        drop=st.lists(st.sampled_from(FIELDS), max_size=3),
        kind=st.sampled_from(
            ["visit_start", "violation", "crowd_count", "visit_end", "checkpoint_scan", "other"]
        ),
    )
    def check(changes, drop, kind):
        record = dict(valid, kind=kind) | changes
        for name in drop:
            record.pop(name, None)
        before = (_count(Visit), _count(Violation), _count(CrowdCount))
        response = client.post("/api/v1/sync", json={"records": [record]})
        assert response.status_code < 500, response.get_data(as_text=True)[:300]
        if response.status_code == 200:
            (result,) = response.get_json()["results"]
            assert result["status"] in {"created", "duplicate", "conflict", "rejected"}
            if result["status"] == "rejected":
                assert result["error"]
                db.session.expire_all()
                assert (_count(Visit), _count(Violation), _count(CrowdCount)) == before
        else:
            assert response.get_json()["error"]

    check()


@FUZZ
@given(body=JSON_VALUES)
def test_sync_fuzzed_bodies_get_a_clear_4xx(client, create_user, login, body):
    if not getattr(client, "_logged_in", False):
        login(client, create_user("officer"))
        client._logged_in = True
    response = client.post("/api/v1/sync", json=body)
    if isinstance(body, dict) and isinstance(body.get("records"), list):
        assert response.status_code in (200, 400)
    else:
        assert response.status_code == 400
        assert response.get_json()["error"]


def test_a_kind_that_is_not_text_is_rejected_not_a_500(
    client, create_user, create_zone, create_assignment, login, offline_records
):
    zone = _setup(create_user, create_zone, create_assignment, login, client)
    record = offline_records.visit_start(zone.id) | {"kind": ["visit_start"]}
    response = client.post("/api/v1/sync", json={"records": [record]})
    assert response.status_code == 200
    (result,) = response.get_json()["results"]
    assert result["status"] == "rejected" and result["field"] == "kind"
