"""Statements per sync record: a batch's look-ups are loaded once, a record costs a few."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta, timezone

import pytest

from tests.fixtures_offline import HERE

URL = "/api/v1/sync"
# A created record may cost its savepoint, its insert and the savepoint's release.
PER_RECORD = 4
PER_BATCH = 40


def _at(minutes: float) -> str:
    return (datetime.now(timezone.utc) - timedelta(minutes=minutes)).isoformat()


def _batch(visit_uuid: str, tokens: list[str], n: int) -> list[dict]:
    """n records in one visit: violations, crowd counts and checkpoint scans in turn."""
    records = []
    for i in range(n):
        base = {"uuid": str(uuid.uuid4()), "visit_uuid": visit_uuid, "recorded_at": _at(80 - i)}
        if i % 3 == 0:
            record = base | {
                "kind": "violation",
                "category": "no_mask",
                "action": "verbal_warning",
                "people_count": 1,
            }
        elif i % 3 == 1:
            record = base | {"kind": "crowd_count", "headcount": i}
        else:
            # One checkpoint per scan, so that no scan repeats another within two minutes.
            record = base | {"kind": "checkpoint_scan", "token": tokens[i // 3]}
        records.append(record | HERE)
    return records


@pytest.fixture
def scanning_officer(client, sync_officer, create_checkpoint):
    _officer, zone = sync_officer
    tokens = [create_checkpoint(zone, name=f"Titik {i}").token for i in range(40)]
    return zone, tokens


def _statements(client, count_queries, records) -> tuple[int, list[str]]:
    with count_queries() as counter:
        response = client.post(URL, json={"records": records})
    assert response.status_code == 200, response.get_json()
    return counter["n"], [r["status"] for r in response.get_json()["results"]]


@pytest.mark.parametrize("offline_start", [False, True])
def test_a_sync_batch_costs_a_few_statements_per_record(
    client, count_queries, scanning_officer, create_visit, sync_officer, offline_start
):
    officer, zone = sync_officer
    _zone, tokens = scanning_officer
    costs = {}
    for n in (12, 60):
        if offline_start:
            visit_uuid = str(uuid.uuid4())
            start = {"uuid": visit_uuid, "kind": "visit_start", "recorded_at": _at(90)}
            records = [start | {"zone_id": zone.id} | HERE] + _batch(visit_uuid, tokens, n)
            # End it in the batch too, so that the next batch may start another.
            records.append({"uuid": str(uuid.uuid4()), "kind": "visit_end", "recorded_at": _at(1)})
            records[-1] |= {"visit_uuid": visit_uuid} | HERE
        else:
            visit = create_visit(
                officer, zone, started_at=datetime.now(timezone.utc) - timedelta(hours=1.5)
            )
            records = _batch(visit.uuid, tokens, n)
        costs[n], statuses = _statements(client, count_queries, records)
        assert statuses == ["created"] * len(records)
        # Sent again, every record is answered as stored, for as little.
        replayed, statuses = _statements(client, count_queries, records)
        assert statuses == ["duplicate"] * len(records)
        assert replayed <= PER_RECORD * len(records) + PER_BATCH
    assert costs[12] <= PER_RECORD * 12 + PER_BATCH
    assert costs[60] <= PER_RECORD * 60 + PER_BATCH
    assert (costs[60] - costs[12]) / 48 <= PER_RECORD, costs


def test_rejected_records_cost_no_look_ups_of_their_own(
    client, count_queries, scanning_officer, create_visit, sync_officer
):
    """A batch where every other record is bad: the good ones are taken, each bad one alone."""
    officer, zone = sync_officer
    _zone, tokens = scanning_officer
    visit = create_visit(
        officer, zone, started_at=datetime.now(timezone.utc) - timedelta(hours=1.5)
    )
    records = _batch(visit.uuid, tokens, 60)
    for record in records[::2]:
        if record["kind"] == "violation":
            record["category"] = "tidak_ada"
        elif record["kind"] == "crowd_count":
            record["headcount"] = -1
        else:
            record["token"] = "tidak-dikenal"
    n, statuses = _statements(client, count_queries, records)
    assert statuses == ["rejected", "created"] * 30
    assert n <= PER_RECORD * 60 + PER_BATCH
