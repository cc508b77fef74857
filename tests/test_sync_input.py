"""The JSON inputs (offline sync and SOS) refuse what they cannot take with a 4xx or a
rejected record and a Bahasa Indonesia message, never a 500, and store nothing for it.

Each case here was once a 500 found by an outside test or by the fuzzing below; they stay
as explicit cases so that a derandomised CI run checks them every time.
"""

from __future__ import annotations

import json
import re
import uuid
from datetime import datetime, timedelta, timezone
from functools import cache
from pathlib import Path

import pytest
import sqlalchemy as sa
from babel.messages.pofile import read_po
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from patrol.extensions import db
from patrol.models import CrowdCount, SosAlert, Violation, Visit
from tests.fixtures_offline import minutes_ago

POT = Path(__file__).parent.parent / "patrol" / "translations" / "messages.pot"
FUZZ = settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@cache
def _catalog_patterns() -> list[re.Pattern]:
    with POT.open("rb") as handle:
        catalog = read_po(handle)
    patterns = []
    for message in catalog:
        if not message.id or not isinstance(message.id, str):
            continue
        parts = re.split(r"%\(\w+\)[sdf]", message.id)
        patterns.append(re.compile(".*?".join(re.escape(part) for part in parts), re.S))
    return patterns


def is_bahasa(message: str) -> bool:
    """The message is one of the app's own (Indonesian) strings, its values filled in."""
    return any(pattern.fullmatch(message) for pattern in _catalog_patterns())


def _count(model) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


def send(client, records):
    return client.post("/api/v1/sync", json={"records": records})


@pytest.fixture
def officer_visit(client, sync_officer, create_visit):
    officer, zone = sync_officer
    return officer, zone, create_visit(officer, zone)


def _rejected(response) -> dict:
    assert response.status_code == 200, response.get_data(as_text=True)[:300]
    (result,) = response.get_json()["results"]
    assert result["status"] == "rejected", result
    assert is_bahasa(result["error"]), result["error"]
    return result


def _nested(depth: int):
    value = "x"
    for _ in range(depth):
        value = {"a": [value]}
    return value


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"category": ["no_mask"]}, "category"),
        ({"category": {"code": "no_mask"}}, "category"),
        ({"action": 7}, "action"),
        ({"action": _nested(40)}, "action"),
        ({"uuid": 12345}, "uuid"),
        ({"uuid": ["x"]}, "uuid"),
        ({"visit_uuid": {"a": 1}}, "visit_uuid"),
        ({"recorded_at": "0001-01-01T00:00:00+14:00"}, "recorded_at"),
        ({"recorded_at": "9999-12-31T23:59:59-14:00"}, "recorded_at"),
        ({"recorded_at": 1700000000}, "recorded_at"),
        ({"lat": float("nan")}, "lat"),
        ({"lon": float("inf")}, "lon"),
        ({"accuracy_m": float("-inf")}, "accuracy_m"),
        ({"lat": 2**1100}, "lat"),
        ({"people_count": [1]}, "people_count"),
        ({"people_count": 2**70}, "people_count"),
        ({"fine_amount": {"rp": 1}}, "fine_amount"),
        ({"notes": "x" * 2001}, "notes"),
        ({"offender_name": ["Andi"]}, "offender_name"),
    ],
)
def test_a_wrongly_typed_violation_is_rejected_with_a_bahasa_message(
    client, officer_visit, offline_records, change, field
):
    _officer, _zone, visit = officer_visit
    record = offline_records.violation(visit.uuid, minutes=0) | change
    result = _rejected(send(client, [record]))
    assert result["field"] == field
    assert _count(Violation) == 0


@pytest.mark.parametrize(
    "change",
    [{"kind": 5}, {"kind": ["visit_start"]}, {"kind": {"k": "visit_start"}}, {"kind": None}],
)
def test_a_kind_that_is_not_text_is_rejected(client, sync_officer, offline_records, change):
    _officer, zone = sync_officer
    result = _rejected(send(client, [offline_records.visit_start(zone.id) | change]))
    assert result["field"] == "kind"


@pytest.mark.parametrize("zone_id", [2**70, 2**31, -1, 0, True, "1; DROP TABLE zone", 1.5])
def test_a_zone_id_the_database_cannot_hold_is_rejected(
    client, sync_officer, offline_records, zone_id
):
    result = _rejected(send(client, [offline_records.visit_start(1) | {"zone_id": zone_id}]))
    assert result["field"] == "zone_id"
    assert _count(Visit) == 0


def test_an_entry_in_a_visit_dated_year_one_is_rejected_not_a_500(
    client, sync_officer, create_visit, offline_records
):
    officer, zone = sync_officer
    ancient = create_visit(officer, zone, started_at=datetime(1, 1, 1, tzinfo=timezone.utc))
    response = send(
        client,
        [
            offline_records.violation(ancient.uuid, minutes=0),
            offline_records.crowd_count(ancient.uuid, minutes=0),
        ],
    )
    assert response.status_code == 200
    statuses = [r["status"] for r in response.get_json()["results"]]
    # The visit itself is closed after its (long gone) shift: nothing new is added to it.
    assert set(statuses) <= {"rejected", "created"}
    for result in response.get_json()["results"]:
        if result["status"] == "rejected":
            assert is_bahasa(result["error"])


def test_a_visit_started_in_year_one_is_refused(client, sync_officer, offline_records):
    _officer, zone = sync_officer
    record = offline_records.visit_start(zone.id) | {"recorded_at": "0001-01-01T00:00:00Z"}
    assert _rejected(send(client, [record]))["field"] == "recorded_at"
    assert _count(Visit) == 0


def test_a_record_older_than_the_allowed_age_is_refused(app, client, sync_officer, offline_records):
    """A visit synced today for last month's missed shift does not make that shift kept."""
    _officer, zone = sync_officer
    days = app.config["SYNC_MAX_AGE_DAYS"]
    old = (datetime.now(timezone.utc) - timedelta(days=days, hours=1)).isoformat()
    result = _rejected(send(client, [offline_records.visit_start(zone.id) | {"recorded_at": old}]))
    assert result["field"] == "recorded_at" and f"{days} hari" in result["error"]
    recent = (datetime.now(timezone.utc) - timedelta(days=days - 1)).isoformat()
    response = send(client, [offline_records.visit_start(zone.id) | {"recorded_at": recent}])
    assert response.get_json()["results"][0]["status"] == "created"


def test_a_record_from_the_future_beyond_the_clock_skew_is_refused(
    client, sync_officer, offline_records
):
    _officer, zone = sync_officer
    record = offline_records.visit_start(zone.id) | {"recorded_at": minutes_ago(-30)}
    assert "masa depan" in _rejected(send(client, [record]))["error"]


def test_one_bad_record_is_rejected_alone_and_the_rest_are_taken(
    client, officer_visit, offline_records
):
    _officer, _zone, visit = officer_visit
    good = offline_records.crowd_count(visit.uuid, minutes=2)
    bad = offline_records.violation(visit.uuid, minutes=1) | {"category": {"nested": [1, 2]}}
    also_good = offline_records.violation(visit.uuid, minutes=0)
    response = send(client, [good, bad, also_good])
    assert response.status_code == 200
    results = response.get_json()["results"]
    assert [r["status"] for r in results] == ["created", "rejected", "created"]
    assert is_bahasa(results[1]["error"])
    assert (_count(CrowdCount), _count(Violation)) == (1, 1)


def test_deeply_nested_json_is_refused_with_a_400(client, sync_officer):
    body = '{"records": [' + "[" * 100_000 + "]" * 100_000 + "]}"
    response = client.post("/api/v1/sync", data=body, content_type="application/json")
    assert response.status_code == 400
    assert is_bahasa(response.get_json()["error"])


def test_a_nul_character_inside_json_is_refused(client, officer_visit, offline_records):
    _officer, _zone, visit = officer_visit
    record = offline_records.violation(visit.uuid, minutes=0) | {"notes": "a\x00b"}
    response = send(client, [record])
    assert response.status_code == 400
    assert is_bahasa(response.get_json()["error"])
    assert _count(Violation) == 0


@pytest.mark.parametrize(
    "body",
    [
        {"uuid": {"a": [1]}},
        {"uuid": 123456789},
        {"uuid": ["abcdefgh"]},
        {"uuid": str(uuid.uuid4()), "lat": {"x": 1}},
        {"uuid": str(uuid.uuid4()), "lat": "NaN", "lon": 112.6},
        {"uuid": str(uuid.uuid4()), "accuracy_m": [5]},
        [1, 2, 3],
    ],
)
def test_sos_with_wrong_types_is_a_422_with_a_bahasa_message(client, sync_officer, body):
    response = client.post("/api/v1/sos", json=body)
    assert response.status_code == 422, response.get_data(as_text=True)[:300]
    assert is_bahasa(response.get_json()["error"])
    assert _count(SosAlert) == 0


def test_sos_with_deeply_nested_json_is_refused(client, sync_officer):
    body = '{"uuid": ' + "[" * 100_000 + "]" * 100_000 + "}"
    response = client.post("/api/v1/sos", data=body, content_type="application/json")
    assert 400 <= response.status_code < 500
    assert is_bahasa(response.get_json()["error"])


def test_a_valid_sos_is_still_taken(client, sync_officer):
    body = {"uuid": str(uuid.uuid4()), "lat": -7.97, "lon": "112.63", "accuracy_m": 12}
    response = client.post("/api/v1/sos", json=body)
    assert response.status_code == 201
    again = client.post("/api/v1/sos", json=body)
    assert again.get_json()["id"] == response.get_json()["id"]


# Fuzzing: nested, wrongly typed, huge, NaN/Infinity, far-past and far-future values --------

NASTY = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**80), max_value=2**80),
    st.sampled_from([float("nan"), float("inf"), float("-inf"), 1e308, -1e308, 2**63, 2**64]),
    st.sampled_from(
        [
            "0001-01-01T00:00:00+14:00",
            "9999-12-31T23:59:59-14:00",
            "1970-01-01T00:00:00Z",
            "2999-01-01T00:00:00Z",
            "2026-02-30T10:00:00Z",
            "",
            " ",
            "NaN",
            "1e309",
        ]
    ),
    st.text(max_size=30),
    st.recursive(
        st.integers() | st.text(max_size=5),
        lambda children: (
            st.lists(children, max_size=3)
            | st.dictionaries(st.text(max_size=4), children, max_size=3)
        ),
        max_leaves=8,
    ),
)
FIELDS = [
    "uuid",
    "kind",
    "recorded_at",
    "lat",
    "lon",
    "accuracy_m",
    "gps_error",
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


def test_fuzzed_records_are_taken_or_rejected_in_bahasa(
    client, officer_visit, offline_records, create_checkpoint
):
    _officer, zone, visit = officer_visit
    checkpoint = create_checkpoint(zone)
    valid = {
        "visit_start": offline_records.visit_start(zone.id, minutes=0),
        "violation": offline_records.violation(visit.uuid, minutes=0),
        "crowd_count": offline_records.crowd_count(visit.uuid, minutes=0),
        "checkpoint_scan": offline_records.crowd_count(visit.uuid, minutes=0)
        | {"kind": "checkpoint_scan", "token": checkpoint.token},
        "visit_end": offline_records.visit_end(visit.uuid, minutes=0),
    }

    @FUZZ
    @given(
        kind=st.sampled_from(sorted(valid)),
        changes=st.dictionaries(st.sampled_from(FIELDS), NASTY, min_size=1, max_size=3),
    )
    @example(kind="violation", changes={"recorded_at": "0001-01-01T00:00:00+14:00"})
    @example(kind="visit_start", changes={"zone_id": 2**70})
    @example(kind="violation", changes={"category": {"a": [1]}, "lat": float("nan")})
    @example(kind="crowd_count", changes={"headcount": 2**64})
    @example(kind="visit_end", changes={"recorded_at": "9999-12-31T23:59:59-14:00"})
    def check(kind, changes):
        record = dict(valid[kind]) | changes | {"uuid": changes.get("uuid", str(uuid.uuid4()))}
        before = (_count(Visit), _count(Violation), _count(CrowdCount))
        response = client.post(
            "/api/v1/sync",
            data=json.dumps({"records": [record]}),
            content_type="application/json",
        )
        assert response.status_code in (200, 400), response.get_data(as_text=True)[:300]
        if response.status_code == 400:
            assert is_bahasa(response.get_json()["error"])
            return
        (result,) = response.get_json()["results"]
        assert result["status"] in {"created", "duplicate", "conflict", "rejected"}
        if result["status"] == "rejected":
            assert is_bahasa(result["error"]), result["error"]
            db.session.expire_all()
            assert (_count(Visit), _count(Violation), _count(CrowdCount)) == before

    check()
