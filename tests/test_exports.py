"""Exports as background jobs: progress, the file when ready, expiry; and what the files hold."""
# ruff: noqa: F811 - violation_week is a fixture imported from test_reports

from __future__ import annotations

import csv
import io
import json
import re
import time
import zipfile
from datetime import timedelta

import pytest
import redis
import sqlalchemy as sa

from patrol.extensions import db
from patrol.models import ExportJob
from patrol.rules.timeutil import utcnow
from patrol.services import export_jobs, exports
from tests.test_reports import WEEK, violation_week, wib  # noqa: F401

CSV_URL = "/admin/laporan/pelanggaran.csv"


@pytest.fixture
def admin(create_user):
    return create_user("admin", full_name="Admin Kota")


@pytest.fixture
def admin_client(client, admin, login):
    login(client, admin)
    return client


@pytest.fixture
def small_screen(app, tmp_path):
    """A screenful of three rows, and export files in the test's own folder."""
    app.config["EXPORT_INLINE_ROWS"] = 3
    app.config["EXPORT_FOLDER"] = str(tmp_path / "exports")
    return app


def wait_until_finished(client, location: str, seconds: float = 20) -> str:
    """Poll the job fragment as htmx does until it stops polling; return its last HTML."""
    deadline = time.monotonic() + seconds
    while True:
        html = client.get(location, headers={"HX-Request": "true"}).get_data(as_text=True)
        if "hx-trigger" not in html or time.monotonic() > deadline:
            return html
        time.sleep(0.05)


def sheet_xml(data: bytes, n: int = 1) -> str:
    with zipfile.ZipFile(io.BytesIO(data)) as book:
        return book.read(f"xl/worksheets/sheet{n}.xml").decode()


def sheet_names(data: bytes) -> list[str]:
    with zipfile.ZipFile(io.BytesIO(data)) as book:
        return re.findall(r'<sheet name="([^"]+)"', book.read("xl/workbook.xml").decode())


def test_a_screenful_is_answered_at_once(admin_client, small_screen, violation_week):
    response = admin_client.get(
        CSV_URL, query_string=WEEK | {"zone_id": violation_week["merbabu"].id}, buffered=True
    )
    assert response.status_code == 200
    assert "attachment" in response.headers["Content-Disposition"]
    assert db.session.scalar(sa.select(sa.func.count()).select_from(ExportJob)) == 0


def test_a_long_export_becomes_a_job_whose_page_gives_the_file(
    admin_client, small_screen, violation_week
):
    response = admin_client.get(CSV_URL, query_string=WEEK)
    assert response.status_code == 303
    location = response.headers["Location"]
    assert re.fullmatch(r"/admin/laporan/ekspor/\d+", location)
    page = admin_client.get(location).get_data(as_text=True)
    assert "export-" in page and "Daftar ekspor saya" in page

    html = wait_until_finished(admin_client, location)
    assert "Selesai: 6 baris." in html
    download = admin_client.get(location + "/unduh")
    assert download.status_code == 200
    assert download.headers["Cache-Control"] == "no-store"
    assert (
        "filename=pelanggaran_2026-11-02_2026-11-08.csv" in download.headers["Content-Disposition"]
    )
    text = download.get_data(as_text=True)
    assert text.startswith("\ufeffid,recorded_at_wib,")
    rows = list(csv.DictReader(io.StringIO(text.lstrip("\ufeff"))))
    assert len(rows) == 6
    # Half past midnight WIB on the 5th, written as WIB wall-clock time.
    assert "2026-11-05 00:30:00" in {r["recorded_at_wib"] for r in rows}
    job = db.session.scalar(sa.select(ExportJob))
    assert (job.status, job.rows_done, job.rows_expected) == ("done", 6, 6)
    assert export_jobs.file_path(job).stat().st_mode & 0o777 == 0o600


def test_the_admin_finds_the_file_again_in_their_list_after_leaving(
    admin_client, small_screen, violation_week
):
    location = admin_client.get(CSV_URL, query_string=WEEK).headers["Location"]
    wait_until_finished(admin_client, location)
    listing = admin_client.get("/admin/laporan/ekspor/").get_data(as_text=True)
    assert "pelanggaran_2026-11-02_2026-11-08.csv" in listing
    assert location + "/unduh" in listing


def test_a_running_job_shows_rows_done_of_rows_expected_and_keeps_polling(admin_client, admin, app):
    job = export_jobs.create_job(admin.id, "kunjungan-kantor", "csv", WEEK, "x.csv")
    job.status, job.rows_done, job.rows_expected, job.heartbeat_at = (
        "running",
        5000,
        20000,
        utcnow(),
    )
    db.session.commit()
    html = admin_client.get(
        f"/admin/laporan/ekspor/{job.id}", headers={"HX-Request": "true"}
    ).get_data(as_text=True)
    assert '<progress value="5000" max="20000"' in html
    assert "5.000 dari 20.000 baris" in html
    assert 'hx-trigger="every 2s"' in html
    # Not ready yet: the download link leads back to the progress page.
    early = admin_client.get(f"/admin/laporan/ekspor/{job.id}/unduh")
    assert early.status_code == 303


def test_a_job_whose_runner_died_says_so(admin_client, admin):
    job = export_jobs.create_job(admin.id, "pelanggaran", "csv", WEEK, "x.csv")
    job.status, job.heartbeat_at = "running", utcnow() - timedelta(minutes=30)
    db.session.commit()
    html = admin_client.get(f"/admin/laporan/ekspor/{job.id}").get_data(as_text=True)
    assert "Ekspor terhenti" in html and "hx-trigger" not in html
    db.session.expire_all()
    assert db.session.get(ExportJob, job.id).status == "failed"


def test_another_admin_cannot_see_or_fetch_my_export(
    app, client, admin_client, small_screen, violation_week, create_user, login
):
    location = admin_client.get(CSV_URL, query_string=WEEK).headers["Location"]
    wait_until_finished(admin_client, location)
    other = app.test_client()
    login(other, create_user("admin"))
    assert other.get(location).status_code == 404
    assert other.get(location + "/unduh").status_code == 404
    assert "pelanggaran_2026" not in other.get("/admin/laporan/ekspor/").get_data(as_text=True)


def test_expired_exports_are_gone_with_their_files(admin_client, small_screen, violation_week):
    location = admin_client.get(CSV_URL, query_string=WEEK).headers["Location"]
    wait_until_finished(admin_client, location)
    job = db.session.scalar(sa.select(ExportJob))
    path = export_jobs.file_path(job)
    assert path.is_file()
    job.expires_at = utcnow() - timedelta(minutes=1)
    db.session.commit()
    assert admin_client.get(location + "/unduh").status_code == 404
    assert export_jobs.purge_expired() == 1
    db.session.commit()
    assert not path.exists()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(ExportJob)) == 0


def test_xlsx_splits_sheets_at_the_row_limit_with_real_dates(
    admin_client, small_screen, violation_week, monkeypatch
):
    monkeypatch.setattr(exports, "XLSX_SHEET_ROWS", 3)  # a header and two rows a sheet
    location = admin_client.get("/admin/laporan/pelanggaran.xlsx", query_string=WEEK).headers[
        "Location"
    ]
    wait_until_finished(admin_client, location)
    data = admin_client.get(location + "/unduh").data
    assert sheet_names(data) == ["pelanggaran", "pelanggaran (2)", "pelanggaran (3)"]
    for n in (1, 2, 3):
        rows = re.findall(r"<row .*?</row>", sheet_xml(data, n))
        assert len(rows) == 3 and "recorded_at_wib" in rows[0]
    # The time column (B) holds a number with a date format, not text.
    cell = re.search(r'<c r="B2" s="\d+"(?: t="n")?><v>([\d.]+)</v>', sheet_xml(data, 1))
    assert cell is not None and 46000 < float(cell.group(1)) < 47000


def test_a_cell_that_looks_like_a_formula_stays_text(
    admin_client, create_user, create_zone, create_visit, create_violation
):
    officer = create_user("officer", full_name='=HYPERLINK("http://x","klik")')
    zone = create_zone(name="+Taman Jahat")
    visit = create_visit(officer, zone, started_at=wib(3, 9))
    create_violation(visit, recorded_at=wib(3, 9, 5), review_comment="@SUM(A1)", lat=-7.97705)
    text = admin_client.get(CSV_URL, query_string=WEEK, buffered=True).get_data(as_text=True)
    row = next(csv.DictReader(io.StringIO(text.lstrip("\ufeff"))))
    assert row["officer"].startswith("'=HYPERLINK")
    assert row["zone"] == "'+Taman Jahat"
    assert row["review_comment"] == "'@SUM(A1)"
    assert row["lat"] == "-7.97705"  # a number is a number, never quoted
    data = admin_client.get("/admin/laporan/pelanggaran.xlsx", query_string=WEEK).data
    sheet = sheet_xml(data)
    assert "<f>" not in sheet
    # Written as a text cell, never a formula cell.
    assert '<c r="D2" t="inlineStr"><is><t>=HYPERLINK(' in sheet


def test_visits_export_lists_each_visit_in_wib(
    admin_client, create_user, create_zone, create_visit, create_assignment
):
    officer = create_user("officer", full_name="Budi Santoso")
    zone = create_zone(name="Alun-Alun Tugu")
    shift = create_assignment(officer, zone, starts_at=wib(3, 8))
    create_visit(
        officer, zone, started_at=wib(3, 9), ended_at=wib(3, 9, 45), assignment_id=shift.id
    )
    create_visit(officer, zone, started_at=wib(4, 23, 30))
    response = admin_client.get("/admin/laporan/kunjungan.csv", query_string=WEEK, buffered=True)
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    assert [(r["started_at_wib"], r["minutes"], r["scheduled"]) for r in rows] == [
        ("2026-11-03 09:00:00", "45", "ya"),
        ("2026-11-04 23:30:00", "", "tidak"),
    ]
    assert rows[0]["officer"] == "Budi Santoso" and rows[0]["zone"] == "Alun-Alun Tugu"


def test_a_year_of_checkins_exports_completely_as_csv_in_a_job(
    admin_client, small_screen, create_office, create_timed_checkin
):
    office = create_office(name="Balai Kota Malang")
    for day in range(2, 9):
        create_timed_checkin(office, wib(day, 10), minutes=15)
    location = admin_client.get(
        "/admin/laporan/kunjungan-kantor.csv",
        query_string={"start": "2025-11-09", "end": "2026-11-08"},
    ).headers["Location"]
    wait_until_finished(admin_client, location)
    text = admin_client.get(location + "/unduh").get_data(as_text=True)
    assert len(text.lstrip("\ufeff").splitlines()) == 1 + 7
    assert "Siti" not in text


def test_jobs_run_on_the_rq_queue_by_the_export_worker(
    admin_client, small_screen, violation_week, runner
):
    url = "redis://127.0.0.1:6379/5"
    connection = redis.Redis.from_url(url)
    connection.flushdb()
    small_screen.config["EXPORT_QUEUE_URL"] = url
    location = admin_client.get(CSV_URL, query_string=WEEK).headers["Location"]
    job = db.session.scalar(sa.select(ExportJob))
    assert job.status == "queued"  # waiting for a worker, not run by the web process
    result = runner.invoke(args=["export-worker", "--burst"])
    assert result.exit_code == 0, result.output
    html = admin_client.get(location, headers={"HX-Request": "true"}).get_data(as_text=True)
    assert "Selesai: 6 baris." in html
    assert admin_client.get(location + "/unduh").status_code == 200
    connection.flushdb()


def test_an_unreachable_queue_is_said_plainly(admin_client, small_screen, violation_week):
    small_screen.config["EXPORT_QUEUE_URL"] = "redis://127.0.0.1:1/0"  # nothing listens
    location = admin_client.get(CSV_URL, query_string=WEEK).headers["Location"]
    html = admin_client.get(location).get_data(as_text=True)
    assert "Antrean ekspor sedang tidak tersedia" in html and "hx-trigger" not in html


def test_a_long_geojson_export_is_a_job_with_times_in_wib(
    admin_client, small_screen, create_user, create_zone, create_visit, create_violation
):
    officer = create_user("officer")
    zone = create_zone(name="Alun-Alun Tugu")
    visit = create_visit(officer, zone, started_at=wib(3, 9))
    for minute in range(5):
        create_violation(visit, recorded_at=wib(3, 9, minute), lat=-7.977, lon=112.634)
    reply = admin_client.get("/admin/laporan/pelanggaran.geojson", query_string=WEEK)
    location = reply.headers["Location"]
    wait_until_finished(admin_client, location)
    data = json.loads(admin_client.get(location + "/unduh").get_data(as_text=True))
    assert len(data["features"]) == 5
    times = sorted(f["properties"]["recorded_at"] for f in data["features"])
    assert times[0] == "2026-11-03T09:00:00+07:00"
