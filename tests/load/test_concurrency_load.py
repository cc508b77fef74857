"""Load and faults against a real gunicorn with several workers, on SQLite and PostgreSQL.

200 concurrent check-ins (some retried with the same UUID) and concurrent officer entries
with reused UUIDs: exact counts, no duplicates, no "database is locked", no 500s. A worker
killed mid-load leaves no half-written rows. The figures are printed (``pytest -s``).
"""

from __future__ import annotations

import http.client
import json
import os
import re
import signal
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta, timezone
from datetime import time as clock_time

import pytest
import sqlalchemy as sa

from patrol import create_app
from patrol.demo.seed import circle, ensure_reference_data
from patrol.extensions import db
from patrol.models import Assignment, CheckIn, CrowdCount, Entrance, Office, User, Visit, Zone
from tests.conftest import base_config
from tests.load.harness import Browser, flask_cli, gunicorn

PASSWORD = "muatan-uji-123"
# A dropped connection: refused or reset (OSError), or cut in the middle of the answer
# (http.client.IncompleteRead) when the worker dies after sending its headers.
CONNECTION_LOST = (OSError, http.client.HTTPException)
# Client threads and gunicorn workers; raise them to push harder (LOAD_THREADS, LOAD_WORKERS).
THREADS = int(os.environ.get("LOAD_THREADS", "24"))
WORKERS = int(os.environ.get("LOAD_WORKERS", "4"))


def seed() -> dict:
    """An office with an entrance, and an officer on shift with an open visit."""
    now = datetime.now(timezone.utc)
    office = Office(
        name="Balai Kota Malang",
        address="Jl. Tugu No. 1",
        lat=-7.97690,
        lon=112.63340,
        radius_m=100,
        capacity=500,
        opens_at=clock_time(0, 0),
        closes_at=clock_time(23, 59),
    )
    office.entrances.append(Entrance(name="Pintu Utama"))
    officer = User(username="petugas-muatan", full_name="Petugas Muatan", role="officer")
    officer.set_password(PASSWORD)
    zone = Zone(
        name="Alun-Alun Tugu",
        kind="taman",
        kecamatan="Klojen",
        capacity=100,
        geometry=circle(-7.97705, 112.63404, 100),
    )
    db.session.add_all([office, officer, zone])
    db.session.flush()
    shift = Assignment(
        officer_id=officer.id,
        zone_id=zone.id,
        starts_at=now - timedelta(hours=1),
        ends_at=now + timedelta(hours=8),
    )
    db.session.add(shift)
    db.session.flush()
    visit = Visit(
        uuid=str(uuid.uuid4()),
        officer_id=officer.id,
        zone_id=zone.id,
        assignment_id=shift.id,
        started_at=now - timedelta(minutes=30),
    )
    db.session.add(visit)
    db.session.commit()
    return {"token": office.entrances[0].token, "visit": visit.uuid, "office_id": office.id}


@pytest.fixture
def target(backend, database_uri, tmp_path, request):
    """(database URL, an app on it for assertions, the seeded ids) on a fresh database."""
    if backend == "sqlite":
        url = "sqlite:///" + str(tmp_path / "load.db")
        flask_cli(url, "db", "upgrade")  # the schema as production builds it
        app = create_app(base_config(url))
        with app.app_context():
            ensure_reference_data()
            data = seed()
        yield url, app, data
        with app.app_context():
            db.engine.dispose()
    else:
        app = request.getfixturevalue("app")  # emptied tables on TEST_DATABASE_URL
        yield database_uri, app, seed()


def _visitor(client_uuid: str, n: int) -> dict:
    return {
        "client_uuid": client_uuid,
        "name": f"Pengunjung {n}",
        "phone": f"0812{n:08d}",
        "purpose": "Uji muatan",
        "has_symptoms": "no",
        "vaccine_doses": "3",
    }


# The phones of a test run by the check-in each one stands for: a double tap or a retry
# is the same phone sending the same form again (its client UUID is sealed to its session).
_PHONES: dict[tuple[str, str], tuple[Browser, dict]] = {}
_PHONES_LOCK = threading.Lock()
SERVED = re.compile(r'name="(csrf_token|client_uuid|seal)" value="([^"]*)"')


def phone_for(base: str, token: str, key: str, n: int) -> tuple[Browser, dict]:
    """The phone standing for ``key``: it opens the poster page once and fills the form."""
    with _PHONES_LOCK:
        known = _PHONES.get((base, key))
    if known is not None:
        return known
    phone = Browser(base)
    served = dict(SERVED.findall(phone.request(f"/c/{token}").body))
    form = _visitor(served["client_uuid"], n) | served
    with _PHONES_LOCK:
        return _PHONES.setdefault((base, key), (phone, form))


def served_uuid(base: str, key: str) -> str:
    """The client UUID the server gave the phone standing for ``key``."""
    return _PHONES[(base, key)][1]["client_uuid"]


def check_in(base: str, token: str, client_uuid: str, n: int, retries: int = 0):
    """One phone: open the poster page, send the form (again on a dropped connection)."""
    for attempt in range(retries + 1):
        try:
            phone, form = phone_for(base, token, client_uuid, n)
            return phone.request(f"/c/{token}", form)
        except CONNECTION_LOST:
            if attempt == retries:
                raise
            time.sleep(0.2)
    return None


def _figures(label: str, sent: int, replies, rows: int, unique: int, log: str) -> dict:
    statuses = [r.status if r else 0 for r in replies]
    locked = sum("database is locked" in (r.body if r else "") for r in replies)
    figures = {
        "requests sent": sent,
        "failures": sum(s not in (200, 302) for s in statuses),
        "500s": statuses.count(500),
        "503s": statuses.count(503),
        "rows": rows,
        "expected rows": unique,
        "duplicates": rows - unique,
        "database is locked": locked + log.count("database is locked"),
    }
    print(f"\n{label}: " + ", ".join(f"{k} {v}" for k, v in figures.items()))
    return figures


def _assert_clean(figures: dict) -> None:
    assert figures["failures"] == 0, figures
    assert figures["500s"] == 0, figures
    assert figures["duplicates"] == 0, figures
    assert figures["database is locked"] == 0, figures


def test_200_concurrent_check_ins_give_exact_counts(target, tmp_path):
    url, app, data = target
    uuids = [str(uuid.uuid4()) for _ in range(150)]
    # 150 phones, and 50 of them send their form a second time at once (a double tap).
    jobs = [(u, n) for n, u in enumerate(uuids)] + [(uuids[n], n) for n in range(50)]
    with gunicorn(url, tmp_path, WORKERS) as server, ThreadPoolExecutor(THREADS) as pool:
        started = time.monotonic()
        replies = list(pool.map(lambda job: check_in(server.url, data["token"], *job), jobs))
        seconds = time.monotonic() - started
        log = server.log_text()
    with app.app_context():
        rows = db.session.scalar(sa.select(sa.func.count(CheckIn.id)))
        distinct = db.session.scalar(sa.select(sa.func.count(sa.distinct(CheckIn.uuid))))
    figures = _figures("check-ins", len(jobs), replies, rows, len(uuids), log)
    print(f"check-ins: {len(jobs) / seconds:.0f} requests/s over {seconds:.1f} s")
    _assert_clean(figures)
    assert distinct == rows == len(uuids)
    assert all(r.status == 302 for r in replies)


def test_concurrent_officer_entries_with_reused_uuids_are_stored_once(target, tmp_path):
    url, app, data = target
    uuids = [str(uuid.uuid4()) for _ in range(60)]
    jobs = uuids + uuids[:40]  # 40 entries sent twice (the outbox retrying)
    with gunicorn(url, tmp_path, WORKERS) as server:
        officer = Browser(server.url)
        officer.log_in("petugas-muatan", PASSWORD)
        visit_url = f"/patroli/kunjungan/{data['visit']}"
        token = officer.csrf(visit_url)

        def post(entry_uuid):
            form = {
                "uuid": entry_uuid,
                "headcount": "25",
                "lat": "-7.97705",
                "lon": "112.63404",
                "accuracy": "10",
                "csrf_token": token,
            }
            return officer.request(visit_url + "/hitung", form)

        with ThreadPoolExecutor(THREADS) as pool:
            replies = list(pool.map(post, jobs))
        log = server.log_text()
    with app.app_context():
        rows = db.session.scalar(sa.select(sa.func.count(CrowdCount.id)))
    figures = _figures("officer entries", len(jobs), replies, rows, len(uuids), log)
    _assert_clean(figures)
    assert all(r.status == 200 for r in replies)


def _crowd_record(visit_uuid: str, n: int) -> dict:
    at = datetime.now(timezone.utc) - timedelta(minutes=20, seconds=n)
    return {
        "uuid": str(uuid.uuid4()),
        "kind": "crowd_count",
        "recorded_at": at.isoformat(timespec="milliseconds").replace("+00:00", "Z"),
        "visit_uuid": visit_uuid,
        "headcount": 10 + n % 50,
        "lat": -7.97705,
        "lon": 112.63404,
        "accuracy_m": 8,
    }


def test_concurrent_sync_batches_are_all_taken(target, tmp_path):
    """Phones coming back online at once: every batch is answered 200 and stored once.

    On SQLite this failed with 503s before write requests began with BEGIN IMMEDIATE
    (docs/decisions.md): a batch that had read could not upgrade its lock after another
    batch committed.
    """
    url, app, data = target
    batches = [[_crowd_record(data["visit"], b * 50 + n) for n in range(50)] for b in range(16)]
    replays = batches[:4]  # four outboxes that did not hear the answer send again
    with gunicorn(url, tmp_path, WORKERS) as server:
        officer = Browser(server.url)
        officer.log_in("petugas-muatan", PASSWORD)
        token = json.loads(officer.request("/api/v1/csrf-token").body)["csrf_token"]

        def sync(records):
            return officer.send_json("/api/v1/sync", {"records": records}, token)

        with ThreadPoolExecutor(8) as pool:
            replies = list(pool.map(sync, batches + replays))
        log = server.log_text()
    with app.app_context():
        rows = db.session.scalar(sa.select(sa.func.count(CrowdCount.id)))
    figures = _figures("sync batches", len(replies), replies, rows, 16 * 50, log)
    _assert_clean(figures)
    assert figures["503s"] == 0, figures
    results = [r["status"] for reply in replies for r in json.loads(reply.body)["results"]]
    assert results.count("created") == 16 * 50
    assert results.count("duplicate") == 4 * 50


def test_a_worker_killed_mid_load_leaves_no_half_written_rows(target, tmp_path):
    url, app, data = target
    uuids = [str(uuid.uuid4()) for _ in range(200)]
    killed = []
    with gunicorn(url, tmp_path, WORKERS) as server:
        done = threading.Semaphore(0)

        def job(n):
            try:
                return check_in(server.url, data["token"], uuids[n], n)
            except CONNECTION_LOST:
                return None  # the connection died with the worker (maybe mid-answer)
            finally:
                done.release()

        with ThreadPoolExecutor(THREADS) as pool:
            futures = [pool.submit(job, n) for n in range(len(uuids))]
            for _ in range(60):
                done.acquire()
            victim = server.workers()[0]
            os.kill(victim, signal.SIGKILL)
            killed.append(victim)
            first = [f.result() for f in futures]
        # The phones whose request failed try again with the same UUID.
        failed = [n for n, reply in enumerate(first) if reply is None or reply.status != 302]
        retried = [check_in(server.url, data["token"], uuids[n], n, retries=3) for n in failed]
        log = server.log_text()
    with app.app_context():
        rows = list(db.session.scalars(sa.select(CheckIn)))
    print(
        f"\nworker {killed[0]} killed: {len(failed)} of {len(uuids)} requests failed "
        f"and were retried; {len(rows)} rows"
    )
    assert all(r is not None and r.status == 302 for r in retried)
    # Exactly one row each.
    assert sorted(row.uuid for row in rows) == sorted(served_uuid(server.url, u) for u in uuids)
    for row in rows:  # every row complete: nothing half-written
        assert row.visitor_name and row.visitor_phone and row.purpose
        assert row.short_code and row.checkout_secret and row.screening == "green"
        assert row.vaccine_doses == 3 and row.checked_in_at is not None
    assert "database is locked" not in log


OUTAGE_TEXT = "Layanan sedang tidak dapat dihubungi"


def _admin_sql(database_uri: str, *statements: str) -> None:
    """Run statements on the test server outside a transaction (CREATE/ALTER DATABASE)."""
    engine = sa.create_engine(database_uri, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as connection:
            for statement in statements:
                connection.execute(sa.text(statement))
    finally:
        engine.dispose()


def _throwaway_postgres(database_uri: str) -> tuple[str, str]:
    """A fresh database beside the test database (name, URI), with the schema and seed."""
    url = sa.engine.make_url(database_uri)
    name = f"{url.database}_fault"
    _admin_sql(
        database_uri, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)', f'CREATE DATABASE "{name}"'
    )
    return name, url.set(database=name).render_as_string(hide_password=False)


def _assert_outage(server, officer, token):
    health = Browser(server.url).request("/healthz")
    assert health.status == 503
    assert '"status":"unavailable"' in health.body.replace(" ", "")
    for reply in (Browser(server.url).request(f"/c/{token}"), officer.request("/patroli/")):
        assert reply.status == 503, reply.body[:300]
        assert OUTAGE_TEXT in reply.body
        assert "Traceback" not in reply.body


def _assert_recovered(server, officer, token):
    assert Browser(server.url).request("/healthz").status == 200
    assert officer.request("/patroli/").status == 200
    assert check_in(server.url, token, str(uuid.uuid4()), 999).status == 302


def test_database_outage_gives_503_and_the_app_recovers_without_a_restart(
    backend, database_uri, tmp_path
):
    if backend == "sqlite":
        folder = tmp_path / "data"
        folder.mkdir()
        url = "sqlite:///" + str(folder / "patroli.db")
        flask_cli(url, "db", "upgrade")
    else:
        name, url = _throwaway_postgres(database_uri)
    app = create_app(base_config(url))
    with app.app_context():
        if backend == "postgresql":
            db.create_all()
        ensure_reference_data()
        data = seed()
        db.engine.dispose()
    try:
        with gunicorn(url, tmp_path, workers=2) as server:
            officer = Browser(server.url)
            officer.log_in("petugas-muatan", PASSWORD)
            assert check_in(server.url, data["token"], str(uuid.uuid4()), 1).status == 302
            if backend == "sqlite":
                # A connection a worker already holds keeps reading a moved file, so the
                # outage shows on new connections: the workers are recycled (as gunicorn's
                # max_requests does) and the folder goes away before the new ones connect.
                # The recovery below happens in those same workers, with no restart.
                for pid in server.workers():
                    os.kill(pid, signal.SIGTERM)
                folder.rename(tmp_path / "data-away")
                time.sleep(2)
            else:
                _admin_sql(
                    database_uri,
                    f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS false',
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                    f"WHERE datname = '{name}' AND pid <> pg_backend_pid()",
                )
            _assert_outage(server, officer, data["token"])
            if backend == "sqlite":
                (tmp_path / "data-away").rename(folder)
            else:
                _admin_sql(database_uri, f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS true')
            _assert_recovered(server, officer, data["token"])
    finally:
        if backend == "postgresql":
            _admin_sql(database_uri, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
