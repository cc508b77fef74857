"""Complaint reports (category, zone, week; acknowledge and resolve times; closed without a
visit; CSV), and the purge of reporters' phones with the retention period."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from patrol.extensions import db
from patrol.inputs.field import GpsFix
from patrol.models import Complaint
from patrol.services import complaints

# Tuesday 3 Nov 2026, 09:00 WIB.
BASE = datetime(2026, 11, 3, 2, 0, tzinfo=timezone.utc)
PERIOD = {"start": "2026-11-01", "end": "2026-11-30"}


@pytest.fixture
def month(create_user, create_zone, create_complaint):
    """Five complaints: three answered by visits, one closed without, one rejected."""
    tugu = create_zone(name="Alun-Alun Tugu")
    merbabu = create_zone(name="Taman Merbabu", lat=-7.9741, lon=112.6219)
    officer = create_user("officer")
    admin = create_user("admin")
    answered = []
    # Acknowledged after 5, 10 and 30 minutes; resolved after 20, 40 and 90 minutes.
    for n, (ack, done) in enumerate([(5, 20), (10, 40), (30, 90)]):
        filed = BASE + timedelta(days=7 * n)
        complaint = create_complaint(created_at=filed, category="kerumunan" if n else "sampah")
        complaints.assign(complaint, officer.id, admin.id, filed + timedelta(minutes=1))
        complaints.accept(
            officer.id,
            complaint.id,
            None,
            GpsFix.missing(),
            filed + timedelta(minutes=ack),
            now=filed + timedelta(minutes=ack),
        )
        complaints.close_by_visit(
            officer.id,
            complaint.id,
            "Ditangani.",
            GpsFix.missing(),
            at=filed + timedelta(minutes=done),
            now=filed + timedelta(minutes=done),
        )
        answered.append(complaint)
    other = create_complaint(
        created_at=BASE + timedelta(days=1), place_source="park", zone_id=merbabu.id, lat=None
    )
    complaints.close_without_visit(
        other, admin.id, "Sudah ditangani DLH.", BASE + timedelta(days=1, hours=2)
    )
    spam = create_complaint(created_at=BASE + timedelta(days=2))
    complaints.reject(spam, admin.id, "Iklan.")
    # Outside the period: not counted.
    create_complaint(created_at=datetime(2026, 10, 15, 2, 0, tzinfo=timezone.utc))
    db.session.commit()
    return tugu, merbabu, answered


def test_report_counts_by_category_zone_and_week(month):
    since = datetime(2026, 10, 31, 17, 0, tzinfo=timezone.utc)
    until = datetime(2026, 11, 30, 17, 0, tzinfo=timezone.utc)
    data = complaints.report(since, until)
    assert data["total"] == 5
    assert {r["label"]: r["n"] for r in data["by_category"]} == {"Kerumunan": 4, "Sampah": 1}
    assert {r["name"]: r["n"] for r in data["by_zone"]} == {
        "Alun-Alun Tugu": 4,
        "Taman Merbabu": 1,
    }
    assert data["by_week"] == [
        {"week": "2026-W45", "n": 3},
        {"week": "2026-W46", "n": 1},
        {"week": "2026-W47", "n": 1},
    ]
    assert data["acknowledge"] == {"n": 3, "median": 10.0, "p90": 30.0}
    # Resolved: 20, 40, 90 (visits) and 120 (without a visit).
    assert data["resolve"] == {"n": 4, "median": 65.0, "p90": 120.0}
    assert data["closed_without_visit"] == 1
    assert data["rejected"] == 1


def test_report_filters_by_zone(month):
    _tugu, merbabu, _answered = month
    since = datetime(2026, 10, 31, 17, 0, tzinfo=timezone.utc)
    data = complaints.report(since, since + timedelta(days=30), merbabu.id)
    assert data["total"] == 1 and data["closed_without_visit"] == 1


def test_report_page_and_csv_export(admin_client, month):
    page = admin_client.get("/admin/laporan/aduan", query_string=PERIOD).get_data(as_text=True)
    assert 'data-figure="total">5<' in page
    assert 'data-figure="without-visit">1<' in page
    assert 'data-figure="ack-median">10.0<' in page
    assert "2026-W45" in page
    response = admin_client.get("/admin/laporan/aduan.csv", query_string=PERIOD, buffered=True)
    assert response.status_code == 200 and response.mimetype == "text/csv"
    lines = response.get_data(as_text=True).splitlines()
    assert lines[0].startswith("\ufeffcode,created_at,category,zone,status")  # BOM: Excel
    assert len(lines) == 6
    xlsx = admin_client.get("/admin/laporan/aduan.xlsx", query_string=PERIOD, buffered=True)
    assert xlsx.status_code == 200


def test_exports_never_carry_the_reporters_phone(admin_client, create_zone, create_complaint):
    create_zone()
    create_complaint(created_at=BASE, phone="081234567890", consent=True)
    body = admin_client.get(
        "/admin/laporan/aduan.csv", query_string=PERIOD, buffered=True
    ).get_data(as_text=True)
    assert "81234567890" not in body


def test_officers_cannot_read_the_complaints_report(client, create_user, login):
    login(client, create_user("officer"))
    assert client.get("/admin/laporan/aduan", query_string=PERIOD).status_code == 403
    assert client.get("/admin/laporan/aduan.csv", query_string=PERIOD).status_code == 403


def test_purge_removes_reporters_phones_after_the_retention_period(
    runner, create_zone, create_complaint
):
    create_zone()
    now = datetime.now(timezone.utc)
    old = create_complaint(created_at=now - timedelta(days=31), phone="081234567890", consent=True)
    recent = create_complaint(
        created_at=now - timedelta(days=2), phone="081300001111", consent=True
    )
    result = runner.invoke(args=["purge-personal-data", "--days", "30"])
    assert result.exit_code == 0, result.output
    assert "complaint reporters' phones removed (older than 30 days): 1" in result.output
    db.session.expire_all()
    old, recent = db.session.get(Complaint, old.id), db.session.get(Complaint, recent.id)
    assert old.reporter_phone is None and old.purged_at is not None
    assert old.code and old.description  # the complaint itself stays for the reports
    assert recent.reporter_phone == "6281300001111"
