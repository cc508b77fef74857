"""`make scale-test`: two Patroli instances on one PostgreSQL and one Redis behave as one.

Starts two gunicorn instances (production settings, one SECRET_KEY) on two loopback ports,
against a fresh database made beside SCALE_DATABASE_URL or TEST_DATABASE_URL (dropped at
the end) and Redis at SCALE_REDIS_URL (default redis://127.0.0.1:6379/5; only keys of this
run's random names are written, nothing is flushed). Then checks, through real HTTP:

- a session made on one instance works on the other (page and CSRF-checked POST);
- the login limit per username counts failures made on both instances together;
- concurrent check-ins through both instances, each retried on the other, give the exact
  occupancy;
- a batch of field records replayed through the other instance creates no duplicates
  (POST /api/v1/sync when the branch has it, else the violation and crowd count forms).

Prints one line per check and a closing "N passed, M failed"; exits 1 on any failure.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import subprocess
import sys
import tempfile
import traceback
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from harness import (  # noqa: E402
    ROOT,
    VENV_BIN,
    Browser,
    drop_postgres,
    fresh_postgres,
    start_gunicorn,
)

UNLIMITED = "1000000 per minute"
CHECKINS = int(os.environ.get("SCALE_CHECKINS", "60"))
USER_LIMIT = 5  # LOGIN_LIMIT_PER_USER below: "5 per 15 minutes"


class Run:
    """The two instances, the data made for them, and a direct database connection."""

    def __init__(self, a, b, data: dict, database_url: str):
        self.a, self.b, self.data, self.database_url = a, b, data, database_url

    def sql(self, query: str, *params) -> list[tuple]:
        import psycopg

        with psycopg.connect(self.database_url) as conn:
            return conn.execute(query, params).fetchall()

    def officer(self, index: int, login_on) -> tuple[Browser, dict]:
        officer = self.data["officers"][index]
        browser = Browser(login_on.base)
        reply = browser.login(officer["username"], self.data["password"])
        assert reply.status == 302, f"login on {login_on.name}: {reply.status}"
        return browser, officer


# Checks ---------------------------------------------------------------------------------


def session_works_on_the_other_instance(run: Run) -> str:
    browser, officer = run.officer(0, run.a)
    home = browser.get("/patroli/", base=run.b.base)
    assert home.status == 200, f"officer home on B answered {home.status}"
    assert "Petugas 00" in home.text, "B does not know who is logged in"
    visit = f"/patroli/kunjungan/{officer['visit_uuid']}"
    token = browser.csrf(visit, base=run.a.base)
    zone = run.data["zone"]
    saved = browser.post(
        visit + "/hitung",
        {
            "uuid": str(uuid.uuid4()),
            "headcount": "25",
            "lat": zone["lat"],
            "lon": zone["lon"],
            "accuracy": "8",
        },
        headers={"X-CSRFToken": token, "HX-Request": "true"},
        base=run.b.base,
    )
    assert saved.status == 200, f"POST on B with A's CSRF token answered {saved.status}"
    return "logged in on A; B serves the officer's home and takes a POST with A's CSRF token"


def login_limit_counts_across_instances(run: Run) -> str:
    # A fresh username and client address per run: counters of earlier runs never interfere.
    username = f"tamu_{secrets.token_hex(4)}"
    address = f"10.{secrets.randbelow(250)}.{secrets.randbelow(250)}.{secrets.randbelow(250)}"
    statuses = []
    for attempt in range(USER_LIMIT + 2):
        server = run.a if attempt % 2 == 0 else run.b
        browser = Browser(server.base, forwarded_for=address)
        statuses.append(browser.login(username, "wrong-password").status)
    expected = [401] * USER_LIMIT + [429, 429]
    assert statuses == expected, f"statuses {statuses}, expected {expected}"
    on_a = (USER_LIMIT + 1) // 2
    return (
        f"{USER_LIMIT} failures split {on_a}/{USER_LIMIT - on_a} over A/B; "
        "the next attempt on either is refused (429)"
    )


def _check_in(run: Run, n: int) -> tuple[int, int]:
    first, other = (run.a, run.b) if n % 2 == 0 else (run.b, run.a)
    visitor = Browser(first.base)
    door = f"/c/{run.data['door_token']}"
    page = visitor.get(door).text
    form = {
        # The form as served: its client UUID is sealed to this visitor's session, so the
        # retry below (the same phone) gets its pass back.
        **dict(re.findall(r'name="(csrf_token|client_uuid|seal)" value="([^"]*)"', page)),
        "name": f"Pengunjung {n:03d}",
        "phone": f"0813{n:08d}",
        "purpose": "Rapat",
        "has_symptoms": "no",
        "vaccine_doses": "2",
    }
    # Sent through the other instance, then retried (same client UUID) through the first.
    sent = visitor.post(door, form, base=other.base).status
    retried = visitor.post(door, form, base=first.base).status
    return sent, retried


def concurrent_checkins_give_exact_occupancy(run: Run) -> str:
    with ThreadPoolExecutor(max_workers=12) as pool:
        results = list(pool.map(lambda n: _check_in(run, n), range(CHECKINS)))
    bad = [r for r in results if r != (302, 302)]
    assert not bad, f"{len(bad)} check-ins not accepted: {bad[:3]}"
    office_id = run.data["door_office_id"]
    rows = run.sql(
        "SELECT count(*), count(DISTINCT uuid) FROM checkins "
        "WHERE office_id = %s AND checked_out_at IS NULL AND status = 'admitted'",
        office_id,
    )[0]
    assert rows == (CHECKINS, CHECKINS), f"database holds {rows}, expected {CHECKINS}"
    admin = Browser(run.b.base)
    assert admin.login("admin", run.data["password"]).status == 302
    for server in (run.a, run.b):
        live = admin.get(f"/jaga/kantor/{office_id}/langsung", base=server.base)
        shown = re.search(r'data-inside="(\d+)"', live.text)
        assert shown and int(shown.group(1)) == CHECKINS, (
            f"board on {server.name} shows {shown and shown.group(1)}, expected {CHECKINS}"
        )
    return (
        f"{CHECKINS} visitors, each sent through one instance and retried through the other, "
        f"12 at a time: {CHECKINS} rows, both boards show {CHECKINS} inside"
    )


def _sync_available(run: Run) -> bool:
    return Browser(run.a.base).post("/api/v1/sync", b"{}").status != 404


def _replay_sync(run: Run, browser: Browser, officer: dict, token: str) -> str:
    """The outbox's way: one JSON batch through A, the same batch through B (and A again)."""
    zone = run.data["zone"]
    at = datetime.now(UTC).isoformat(timespec="seconds")
    gps = {"lat": zone["lat"], "lon": zone["lon"], "accuracy_m": 8}
    records = []
    for n in range(25):
        common = {"visit_uuid": officer["visit_uuid"], "recorded_at": at, **gps}
        records.append(
            {"kind": "violation", "uuid": str(uuid.uuid4()), "category": "no_mask"}
            | {"action": "verbal_warning", "people_count": 1}
            | common
        )
        records.append(
            {"kind": "crowd_count", "uuid": str(uuid.uuid4()), "headcount": 10 + n} | common
        )
    body = json.dumps({"records": records}).encode()
    headers = {"Content-Type": "application/json", "X-CSRFToken": token}

    def send(server):
        reply = browser.post("/api/v1/sync", body, headers=headers, base=server.base)
        assert reply.status == 200, f"sync on {server.name}: {reply.status} {reply.text[:200]}"
        return [r["status"] for r in json.loads(reply.body)["results"]]

    first = send(run.a)
    with ThreadPoolExecutor(max_workers=2) as pool:
        replays = list(pool.map(send, [run.b, run.a]))
    assert set(first) == {"created"}, f"first send: {sorted(set(first))}"
    for statuses in replays:
        assert set(statuses) == {"duplicate"}, f"replay: {sorted(set(statuses))}"
    uuids = [r["uuid"] for r in records]
    rows = run.sql(
        "SELECT (SELECT count(*) FROM violations WHERE uuid = ANY(%s))"
        " + (SELECT count(*) FROM crowd_counts WHERE uuid = ANY(%s))",
        uuids,
        uuids,
    )[0][0]
    assert rows == len(records), f"{rows} rows for {len(records)} records"
    return (
        f"a batch of {len(records)} records synced through A, replayed through B and A at "
        f"once: all 'duplicate', {rows} rows (POST /api/v1/sync)"
    )


def replay_creates_no_duplicates(run: Run) -> str:
    browser, officer = run.officer(1, run.a)
    visit = f"/patroli/kunjungan/{officer['visit_uuid']}"
    if _sync_available(run):
        return _replay_sync(run, browser, officer, browser.csrf(visit, base=run.a.base))
    token = browser.csrf(visit, base=run.a.base)
    zone = run.data["zone"]
    gps = {"lat": zone["lat"], "lon": zone["lon"], "accuracy": "8"}
    batch = []
    for n in range(10):
        batch.append(
            (
                "/pelanggaran",
                {
                    "uuid": str(uuid.uuid4()),
                    "category": "no_mask",
                    "action": "verbal_warning",
                    "people_count": "1",
                    **gps,
                },
            )
        )
        batch.append(("/hitung", {"uuid": str(uuid.uuid4()), "headcount": str(10 + n), **gps}))
    headers = {"X-CSRFToken": token, "HX-Request": "true"}

    def send(item_and_server):
        (suffix, form), server = item_and_server
        return browser.post(visit + suffix, form, headers=headers, base=server.base).status

    # The whole batch through A, then replayed through B while A gets it a third time.
    first = [send((item, run.a)) for item in batch]
    with ThreadPoolExecutor(max_workers=8) as pool:
        replays = list(pool.map(send, [(i, s) for i in batch for s in (run.b, run.a)]))
    assert set(first) == {200} and set(replays) == {200}, f"statuses {first} / {replays}"
    uuids = [form["uuid"] for _, form in batch]
    found = run.sql(
        "SELECT uuid FROM violations WHERE uuid = ANY(%s) "
        "UNION ALL SELECT uuid FROM crowd_counts WHERE uuid = ANY(%s)",
        uuids,
        uuids,
    )
    assert sorted(str(u) for (u,) in found) == sorted(uuids), (
        f"{len(found)} rows for {len(uuids)} records"
    )
    how = "the violation and crowd count forms (POST /api/v1/sync is not on this branch)"
    return (
        f"{len(batch)} records sent through A, replayed through B and A at once: "
        f"{len(batch)} rows, via {how}"
    )


CHECKS = [
    session_works_on_the_other_instance,
    login_limit_counts_across_instances,
    concurrent_checkins_give_exact_occupancy,
    replay_creates_no_duplicates,
]


# Set-up ---------------------------------------------------------------------------------


def redis_ok(url: str) -> bool:
    import redis

    try:
        return bool(redis.Redis.from_url(url, socket_timeout=2).ping())
    except redis.RedisError:
        return False


def prepare(env: dict) -> dict:
    def run(*cmd):
        return subprocess.run(
            cmd, env=os.environ | env, cwd=ROOT, capture_output=True, text=True, check=True
        ).stdout

    run(str(VENV_BIN / "flask"), "--app", "patrol", "db", "upgrade")
    out = run(str(VENV_BIN / "python"), "bench/fixtures.py", "2", "0")
    return json.loads(out.strip().splitlines()[-1])


def main() -> int:
    base_url = os.environ.get("SCALE_DATABASE_URL") or os.environ.get("TEST_DATABASE_URL")
    redis_url = os.environ.get("SCALE_REDIS_URL", "redis://127.0.0.1:6379/5")
    if not base_url or not base_url.startswith(("postgresql://", "postgres://")):
        print("scale-test needs SCALE_DATABASE_URL or TEST_DATABASE_URL (PostgreSQL)")
        print("scale-test: 0 passed, 1 failed")
        return 1
    if not redis_ok(redis_url):
        print(f"scale-test needs Redis at {redis_url}")
        print("scale-test: 0 passed, 1 failed")
        return 1
    database_url = fresh_postgres(base_url, f"scale{os.getpid()}")
    servers = []
    passed = failed = 0
    try:
        with tempfile.TemporaryDirectory(prefix="patroli-scale-") as tmpdir:
            tmp = Path(tmpdir)
            env = {
                "PATROLI_ENV": "production",
                "SECRET_KEY": secrets.token_urlsafe(48),
                "NIK_HMAC_KEY": secrets.token_urlsafe(48),
                "LOGIN_LIMIT_SUCCESS_PER_IP": UNLIMITED,
                "DATABASE_URL": database_url,
                "RATELIMIT_STORAGE_URI": redis_url,
                "TRUSTED_PROXIES": "1",
                "LOGIN_LIMIT_PER_IP": UNLIMITED,
                "LOGIN_LIMIT_PER_USER": f"{USER_LIMIT} per 15 minutes",
                "CHECKIN_LIMIT_PER_IP": UNLIMITED,
                "CHECKIN_LIMIT_PER_ENTRANCE": UNLIMITED,
                "UPLOAD_FOLDER": str(tmp / "uploads"),  # the shared path of docs/deploy.md
                "ACCESS_LOG": "/dev/null",
            }
            data = prepare(env)
            for name in ("A", "B"):
                servers.append(start_gunicorn(name, "wsgi:app", env, 2, tmp / f"{name}.log"))
            run = Run(servers[0], servers[1], data, database_url)
            print(f"instances A {run.a.base} and B {run.b.base}; PostgreSQL and {redis_url}")
            for check in CHECKS:
                name = check.__name__.replace("_", " ")
                try:
                    detail = check(run)
                except Exception as error:  # noqa: BLE001 - every failure is reported, then counted
                    failed += 1
                    print(f"FAIL {name}: {error}")
                    if not isinstance(error, AssertionError):
                        traceback.print_exc()
                else:
                    passed += 1
                    print(f"PASS {name}: {detail}")
    finally:
        for server in servers:
            server.stop()
        drop_postgres(database_url)
    print(f"scale-test: {passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
