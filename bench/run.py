"""`make bench`: Patroli against its minimal twin, side by side, written to docs/benchmarks.md.

Patroli runs under gunicorn with the production settings (gunicorn.conf.py,
PATROLI_ENV=production) on SQLite, and on PostgreSQL too when BENCH_DATABASE_URL is set
(a fresh database <name>_bench_run is made beside it and dropped afterwards). The twin
(bench/minimal_app.py) runs beside it on the same database with the same gunicorn
settings. wrk drives one server at a time on loopback, at fixed concurrency for a bounded
time, twin and Patroli alternating within every round so that machine noise hits both.

Settings (environment): BENCH_SECONDS (5), BENCH_ROUNDS (2), BENCH_CONNECTIONS (8),
BENCH_WORKERS (gunicorn.conf.py's default), BENCH_OFFICERS (20), BENCH_INSIDE (500),
BENCH_SEED_SCALE (0.1: seed-load volumes for the report), BENCH_REPORT
(/admin/laporan/pelanggaran), BENCH_OUTPUT (docs/benchmarks.md), BENCH_SQLITE=0
(PostgreSQL only), BENCH_ONLY (run only the scenarios whose name contains this text, for
profiling one of them), BENCH_SYNC_CONNECTIONS (2) and BENCH_SYNC_SECONDS (15) for the
sync batches, which take seconds each. BENCH_EXPORTS=0 skips the long-exports scenario
(/taman and a sync measured idle and while two year exports run), BENCH_EXPORTS_ONLY=1
runs only it, BENCH_EXPORT_QUEUE_URL (redis://...) runs its jobs on RQ with two export
workers instead of the web process's thread; BENCH_WEIGHTS_ONLY=1 measures only the page
weights.
"""

from __future__ import annotations

import json
import os
import platform
import random
import secrets
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import contextlib

from harness import (  # noqa: E402
    ROOT,
    VENV_BIN,
    Browser,
    Server,
    WrkResult,
    drop_postgres,
    fresh_postgres,
    run_wrk,
    start_gunicorn,
    violation_fields,
)

SECONDS = int(os.environ.get("BENCH_SECONDS", "5"))
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "2"))
CONNECTIONS = int(os.environ.get("BENCH_CONNECTIONS", "8"))
SYNC_CONNECTIONS = int(os.environ.get("BENCH_SYNC_CONNECTIONS", "2"))
SYNC_SECONDS = int(os.environ.get("BENCH_SYNC_SECONDS", "15"))
OFFICERS = int(os.environ.get("BENCH_OFFICERS", "20"))
SYNC_OFFICERS = 5
INSIDE = int(os.environ.get("BENCH_INSIDE", "500"))
OUTPUT = Path(os.environ.get("BENCH_OUTPUT", ROOT / "docs" / "benchmarks.md"))
# BENCH_WEIGHTS_ONLY=1: set up as usual, measure only the page weights, print them.
WEIGHTS_ONLY = os.environ.get("BENCH_WEIGHTS_ONLY") == "1"
# BENCH_EXPORTS_ONLY=1: only the long-exports scenario (BENCH_EXPORTS=0 skips it).
EXPORTS_ONLY = os.environ.get("BENCH_EXPORTS_ONLY") == "1"
UNLIMITED = "1000000 per minute"

# Targets from issue 9: the ratio of Patroli to its twin.
TARGETS = {"post": 0.6, "page": 0.6, "json": 0.8, "info": None}
# Page weight targets in gzip bytes.
WEIGHT_TARGETS = {"visitor": 30_000, "officer": 50_000, "swap": 5_000}


@dataclass
class Scenario:
    name: str
    kind: str  # "post", "page", "json" (which target applies) or "info" (none)
    path: str
    twin_path: str
    lua: str | None = None
    twin_lua: str | None = None
    note: str = ""
    batch: int = 0  # records per request (sync scenarios)
    # Sync batches take seconds each: fewer connections and a longer run, so that whole
    # batches finish inside the window (the target compares records per second).
    connections: int | None = None
    seconds: int | None = None
    results: list[WrkResult] = field(default_factory=list)
    twin_results: list[WrkResult] = field(default_factory=list)


def lua_quote(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


# Each wrk thread numbers its requests; with a per-run nonce that makes unique UUIDs.
# A scenario's script serves every round: RUN (the second wrk started it) keeps a round's
# UUIDs apart from the round before, which would otherwise be answered as already stored.
LUA_UUID = """
local made = 0
function setup(thread) made = made + 1; thread:set("tid", made) end
counter = 0
RUN = os.time() % 4096
function next_uuid()
  counter = counter + 1
  return string.format("%s-%04x-4%03x-8000-%012x", NONCE, tid or 0, RUN, counter)
end
"""


def lua_get(headers: dict[str, str]) -> str:
    lines = [f"wrk.headers[{lua_quote(k)}] = {lua_quote(v)}" for k, v in headers.items()]
    return "\n".join(lines) + "\n"


def lua_checkin(cookie: str, token: str, csrf: str) -> str:
    """Visitor check-ins: one new client UUID per request, as a phone sends."""
    fixed = (
        f"csrf_token={csrf}&name=Budi+Santoso&phone=081234567890&purpose=Rapat+dinas"
        "&has_symptoms=no&vaccine_doses=2&client_uuid="
    )
    return (
        f"NONCE = {lua_quote(secrets.token_hex(4))}\n"
        + LUA_UUID
        + f"""
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
wrk.headers["Cookie"] = {lua_quote(cookie)}
function request()
  return wrk.format(nil, nil, nil, {lua_quote(fixed)} .. next_uuid())
end
"""
    )


def lua_violation(officers: list[dict], zone: dict) -> str:
    """Violation POSTs (htmx) spread over the officers' open visits, one new UUID each."""
    rows = ",\n".join(
        "{"
        + f"path={lua_quote(o['path'])}, cookie={lua_quote(o['cookie'])}, "
        + f"csrf={lua_quote(o['csrf'])}"
        + "}"
        for o in officers
    )
    fixed = urllib.parse.urlencode(violation_fields(zone)) + "&uuid="
    return (
        f"NONCE = {lua_quote(secrets.token_hex(4))}\n"
        + LUA_UUID
        + f"""
OFFICERS = {{
{rows}
}}
function request()
  local o = OFFICERS[(counter % #OFFICERS) + 1]
  local headers = {{}}
  headers["Content-Type"] = "application/x-www-form-urlencoded"
  headers["Cookie"] = o.cookie
  headers["X-CSRFToken"] = o.csrf
  headers["HX-Request"] = "true"
  return wrk.format("POST", o.path, headers, {lua_quote(fixed)} .. next_uuid())
end
"""
    )


def lua_sync(officers: list[dict], zone: dict, batch: int) -> str:
    """POST /api/v1/sync with ``batch`` new violations per request, as an outbox sends them."""
    rows = ",\n".join(
        "{"
        + f"cookie={lua_quote(o['cookie'])}, csrf={lua_quote(o['csrf'])}, "
        + f"visit={lua_quote(o['visit_uuid'])}"
        + "}"
        for o in officers
    )
    recorded = datetime.now(UTC).isoformat(timespec="seconds")
    tail = (
        f'","recorded_at":"{recorded}","category":"no_mask","action":"verbal_warning",'
        f'"people_count":1,"lat":{zone["lat"]},"lon":{zone["lon"]},"accuracy_m":8}}'
    )
    return (
        f"NONCE = {lua_quote(secrets.token_hex(4))}\n"
        + LUA_UUID
        + f"""
OFFICERS = {{
{rows}
}}
TAIL = {lua_quote(tail)}
function request()
  local o = OFFICERS[(counter % #OFFICERS) + 1]
  local parts = {{}}
  for i = 1, {batch} do
    parts[i] = '{{"kind":"violation","uuid":"' .. next_uuid() .. '","visit_uuid":"'
      .. o.visit .. TAIL
  end
  local headers = {{}}
  headers["Content-Type"] = "application/json"
  headers["Cookie"] = o.cookie
  headers["X-CSRFToken"] = o.csrf
  return wrk.format("POST", "/api/v1/sync", headers,
    '{{"records":[' .. table.concat(parts, ",") .. ']}}')
end
"""
    )


def lua_twin_insert() -> str:
    return (
        f"NONCE = {lua_quote(secrets.token_hex(4))}\n"
        + LUA_UUID
        + """
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
function request()
  return wrk.format(nil, nil, nil, "name=Budi+Santoso&uuid=" .. next_uuid())
end
"""
    )


# Servers and data ------------------------------------------------------------------------


def sqlalchemy_url(url: str) -> str:
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def flask(env: dict, *args: str, timeout: int = 900) -> str:
    """Run a Flask CLI command against the bench database; its output."""
    return subprocess.run(
        [str(VENV_BIN / "flask"), "--app", "patrol", *args],
        env=os.environ | env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
        timeout=timeout,
    ).stdout


def has_command(env: dict, name: str) -> bool:
    probe = subprocess.run(
        [str(VENV_BIN / "flask"), "--app", "patrol", name, "--help"],
        env=os.environ | env,
        cwd=ROOT,
        capture_output=True,
    )
    return probe.returncode == 0


def app_env(database_url: str, tmp: Path) -> dict:
    """Production settings; the limits are lifted, every request comes from one address."""
    return {
        "PATROLI_ENV": "production",
        "SECRET_KEY": secrets.token_urlsafe(48),
        "NIK_HMAC_KEY": secrets.token_urlsafe(48),
        "DATABASE_URL": database_url,
        "RATELIMIT_STORAGE_URI": os.environ.get("BENCH_RATELIMIT_STORAGE_URI", "memory://"),
        "CHECKIN_LIMIT_PER_IP": UNLIMITED,
        "CHECKIN_LIMIT_PER_ENTRANCE": UNLIMITED,
        "LOGIN_LIMIT_PER_IP": UNLIMITED,
        "LOGIN_LIMIT_SUCCESS_PER_IP": UNLIMITED,
        "UPLOAD_FOLDER": str(tmp / "uploads"),
        "ACCESS_LOG": "/dev/null",
        # gzip as make run serves it (and nginx in production): the page weights are read
        # from the wire; wrk asks for no compression, so the throughput runs pay none.
        "COMPRESS_RESPONSES": "1",
        "EXPORT_FOLDER": str(tmp / "exports"),
        # Set: export jobs run on RQ with two `flask export-worker` processes beside gunicorn.
        "EXPORT_QUEUE_URL": os.environ.get("BENCH_EXPORT_QUEUE_URL", ""),
        "BENCH_TWIN_DATABASE_URL": sqlalchemy_url(database_url),
    }


def prepare(env: dict) -> dict:
    """Migrate, seed the scenario data, and seed-load volumes when the command exists."""
    flask(env, "db", "upgrade")
    seed_scale = None
    if has_command(env, "seed-load"):
        # First, so that the scenario offices made next stay as the fixtures leave them.
        seed_scale = os.environ.get("BENCH_SEED_SCALE", "0.1")
        flask(env, "seed-load", "--scale", seed_scale)
    data = json.loads(
        subprocess.run(
            [str(VENV_BIN / "python"), "bench/fixtures.py", str(OFFICERS), str(INSIDE)],
            env=os.environ | env,
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=True,
        )
        .stdout.strip()
        .splitlines()[-1]
    )
    data["seed_load"] = seed_scale
    subprocess.run(
        [str(VENV_BIN / "python"), "bench/minimal_app.py"],
        env=os.environ | env,
        cwd=ROOT,
        check=True,
    )
    return data


def workers() -> int:
    from multiprocessing import cpu_count

    return int(os.environ.get("BENCH_WORKERS", min(cpu_count() * 2 + 1, 9)))


def start_pair(env: dict, tmp: Path, label: str) -> tuple[Server, Server]:
    n = workers()
    patroli = start_gunicorn(f"patroli-{label}", "wsgi:app", env, n, tmp / f"patroli-{label}.log")
    try:
        twin = start_gunicorn(
            f"twin-{label}", "bench.minimal_app:app", env, n, tmp / f"twin-{label}.log"
        )
    except Exception:
        patroli.stop()
        raise
    return patroli, twin


# Scenarios -------------------------------------------------------------------------------


def officer_sessions(base: str, data: dict) -> list[dict]:
    """Log every bench officer in through the real form; cookie, CSRF token, visit path."""
    sessions = []
    for officer in data["officers"]:
        browser = Browser(base)
        reply = browser.login(officer["username"], data["password"])
        assert reply.status == 302, f"login failed for {officer['username']}: {reply.status}"
        path = f"/patroli/kunjungan/{officer['visit_uuid']}"
        csrf = browser.csrf(path)
        sessions.append(
            {
                "browser": browser,
                "cookie": browser.cookie_header,
                "csrf": csrf,
                "path": path + "/pelanggaran",
                "visit_path": path,
                "visit_uuid": officer["visit_uuid"],
            }
        )
    return sessions


def logged_in(base: str, username: str, password: str) -> Browser:
    browser = Browser(base)
    reply = browser.login(username, password)
    assert reply.status == 302, f"login failed for {username}: {reply.status}"
    return browser


def report_path(browser: Browser) -> str | None:
    """The admin report to drive (BENCH_REPORT), if this branch has it."""
    path = os.environ.get("BENCH_REPORT", "/admin/laporan/pelanggaran")
    return path if browser.get(path).status == 200 else None


def board_etag(guard: Browser, board: str) -> str:
    """The ETag of the board's refresh as the guard's browser keeps it."""
    reply = guard.request("GET", board + "/langsung", headers={"HX-Request": "true"})
    return reply.headers.get("ETag") or ""


def scenarios(patroli: Server, data: dict) -> tuple[list[Scenario], dict, list[str]]:
    """The scenarios that the code on this branch supports, their sessions, and what is missing."""
    missing = []
    visitor = Browser(patroli.base)
    door = f"/c/{data['door_token']}"
    csrf = visitor.csrf(door)
    officers = officer_sessions(patroli.base, data)
    # Sync batches go to visits of their own, so the POSTs' timelines do not grow with them.
    posting, syncing = officers[: -SYNC_OFFICERS or None], officers[-SYNC_OFFICERS:]
    guard = logged_in(patroli.base, data["guard"], data["password"])
    admin = logged_in(patroli.base, data["admin"], data["password"])
    board = f"/jaga/kantor/{data['board_office_id']}"
    found = [
        Scenario(
            "Visitor check-in POST",
            "post",
            door,
            "/insert",
            lua_checkin(visitor.cookie_header, data["door_token"], csrf),
            lua_twin_insert(),
            "twin: one insert + tiny template",
        ),
        Scenario(
            "Officer violation POST (htmx)",
            "post",
            officers[0]["path"],
            "/insert",
            lua_violation(posting, data["zone"]),
            lua_twin_insert(),
            f"spread over {len(posting)} officers' open visits",
        ),
        Scenario(
            f"Guard board, {INSIDE} inside",
            "page",
            board,
            "/page",
            lua_get({"Cookie": guard.cookie_header}),
            note="twin: select 20 rows + tiny template",
        ),
        Scenario(
            "Guard board refresh (htmx swap)",
            "page",
            board + "/langsung",
            "/page",
            lua_get({"Cookie": guard.cookie_header, "HX-Request": "true"}),
            note="changed board: wrk sends no If-None-Match, so every answer is a 200",
        ),
        Scenario(
            "Guard board refresh, unchanged (304)",
            "page",
            board + "/langsung",
            "/page",
            lua_get(
                {
                    "Cookie": guard.cookie_header,
                    "HX-Request": "true",
                    "If-None-Match": board_etag(guard, board),
                }
            ),
            note="what a guard's browser sends most of the time: If-None-Match of its copy",
        ),
        Scenario(
            "Officer home",
            "page",
            "/patroli/",
            "/page",
            lua_get({"Cookie": officers[0]["cookie"]}),
        ),
        Scenario(
            "Officer's frame alone (CSRF token JSON)",
            "info",
            "/api/v1/csrf-token",
            "/page",
            lua_get({"Cookie": officers[0]["cookie"]}),
            note=(
                "the floor of a logged-in request: session, login row, access rule, a token"
                " and a tiny JSON, against the twin's page (select 20 rows + tiny template)"
            ),
        ),
    ]
    if visitor.get("/api/v1/parks").status == 200:
        found.append(Scenario("Public parks JSON", "json", "/api/v1/parks", "/ok"))
        found.append(
            Scenario(
                "Public parks JSON, against a query",
                "info",
                "/api/v1/parks",
                "/json",
                note="twin: select 20 rows + JSON (the bare /ok twin touches no database)",
            )
        )
    else:
        missing.append("Public parks JSON (GET /api/v1/parks is not on this branch)")
    path = report_path(admin)
    if path and data["seed_load"]:
        found.append(
            Scenario(
                "Admin report",
                "page",
                path,
                "/page",
                lua_get({"Cookie": admin.cookie_header}),
                note=f"{path} over seed-load --scale {data['seed_load']}",
            )
        )
    else:
        missing.append("Admin report over seed-load volumes (reports are not on this branch)")
    if Browser(patroli.base).post("/api/v1/sync", b"{}").status == 404:
        missing.append("Sync of 50 and 500 records (POST /api/v1/sync is not on this branch)")
    else:
        for batch in (50, 500):
            found.append(
                Scenario(
                    f"Sync of {batch} violations",
                    "info",
                    "/api/v1/sync",
                    "/insert",
                    lua_sync(syncing, data["zone"], batch),
                    lua_twin_insert(),
                    note=(
                        f"{batch} new records per request over {len(syncing)} officers; "
                        f"{SYNC_CONNECTIONS} connections, at least {SYNC_SECONDS} s per run"
                    ),
                    batch=batch,
                    connections=SYNC_CONNECTIONS,
                    seconds=max(SECONDS, SYNC_SECONDS),
                )
            )
    only = os.environ.get("BENCH_ONLY", "").lower()
    if only:
        found = [s for s in found if only in s.name.lower()]
    sessions = {
        "visitor": visitor,
        "officers": officers,
        "guard": guard,
        "board": board,
        "admin": admin,
        "syncing": syncing,
    }
    return found, sessions, missing


def drain(server: Server, probe: str) -> None:
    """Wait until a worker is free again: requests wrk left behind (a slow sync batch keeps
    a worker for seconds) must not eat into the next scenario's time."""
    import urllib.request

    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:
        started = time.monotonic()
        with contextlib.suppress(OSError):
            urllib.request.urlopen(server.base + probe, timeout=30).read()
        if time.monotonic() - started < 0.5:
            return
        time.sleep(0.5)


def settle(patroli: Server, twin: Server) -> None:
    drain(patroli, "/healthz")
    drain(twin, "/ok")


def measure(patroli: Server, twin: Server, found: list[Scenario]) -> None:
    """Warm up, then ROUNDS rounds; within a round twin and Patroli alternate who goes first."""
    for scenario in found:
        connections = scenario.connections or CONNECTIONS
        run_wrk(twin.base + scenario.twin_path, 1, connections, scenario.twin_lua)
        run_wrk(patroli.base + scenario.path, 1, connections, scenario.lua)
        settle(patroli, twin)
    for round_no in range(ROUNDS):
        for scenario in found:
            pair = [
                (twin.base + scenario.twin_path, scenario.twin_lua, scenario.twin_results),
                (patroli.base + scenario.path, scenario.lua, scenario.results),
            ]
            if round_no % 2:
                pair.reverse()
            for url, lua, results in pair:
                results.append(
                    run_wrk(
                        url,
                        scenario.seconds or SECONDS,
                        scenario.connections or CONNECTIONS,
                        lua,
                    )
                )
                settle(patroli, twin)


# Long exports beside the field traffic (issue 19) ------------------------------------------

# Two year-long exports: every check-in as CSV and every violation as XLSX.
YEAR_EXPORTS = ("/admin/laporan/kunjungan-kantor.csv", "/admin/laporan/pelanggaran.xlsx")


def start_export_workers(env: dict, tmp: Path) -> list[subprocess.Popen]:
    """Two RQ export workers when BENCH_EXPORT_QUEUE_URL is set (else the web process's
    thread runs the jobs, as under make run)."""
    if not env.get("EXPORT_QUEUE_URL"):
        return []
    cmd = [str(VENV_BIN / "flask"), "--app", "patrol", "export-worker"]
    return [
        subprocess.Popen(
            cmd,
            env=os.environ | env,
            cwd=ROOT,
            start_new_session=True,
            stdout=(tmp / f"export-worker-{n}.log").open("w"),
            stderr=subprocess.STDOUT,
        )
        for n in range(2)
    ]


def job_state(admin: Browser, location: str) -> str:
    html = admin.get(location, headers={"HX-Request": "true"}).text
    for word, state in (("hx-trigger", "running"), ("/unduh", "done")):
        if word in html:
            return state
    return "failed"


def exports_under_load(patroli: Server, sessions: dict, data: dict) -> list[str]:
    """/taman and a 50-record sync, idle and then while two year exports run."""
    admin = sessions["admin"]
    today = datetime.now(UTC).date()
    year = {"start": (today.replace(year=today.year - 1)).isoformat(), "end": today.isoformat()}
    query = "?" + "&".join(f"{k}={v}" for k, v in year.items())
    targets = [
        ("/taman", None, CONNECTIONS, SECONDS),
        (
            "/api/v1/sync",
            lua_sync(sessions["syncing"], data["zone"], 50),
            SYNC_CONNECTIONS,
            max(SECONDS, SYNC_SECONDS),
        ),
    ]
    idle = {
        path: run_wrk(patroli.base + path, secs, conns, lua) for path, lua, conns, secs in targets
    }
    drain(patroli, "/healthz")
    jobs = []
    for path in YEAR_EXPORTS:
        reply = admin.get(path + query)
        assert reply.status == 303, f"{path}: {reply.status} (not a job?)"
        jobs.append(reply.headers["Location"])
    began = time.monotonic()
    busy = {
        path: run_wrk(patroli.base + path, secs, conns, lua) for path, lua, conns, secs in targets
    }
    measured = time.monotonic() - began
    states = [job_state(admin, job) for job in jobs]
    while "running" in states and time.monotonic() - began < 1800:
        time.sleep(2)
        states = [job_state(admin, job) for job in jobs]
    took = time.monotonic() - began
    runner = (
        "RQ, 2 export workers"
        if os.environ.get("BENCH_EXPORT_QUEUE_URL")
        else ("a thread in the web worker that took the request (make run's default)")
    )
    lines = [
        "### Long exports beside the field traffic",
        "",
        f"Two exports of a year ({', '.join(YEAR_EXPORTS)}) started as jobs, run by {runner};",
        f"the measuring ran {measured:.0f} s, the exports took {took:.0f} s in all "
        f"(end states: {', '.join(states)}). Target: p90 and p99 within 2x of idle.",
        "",
        "| path | idle p50 | idle p90 | idle p99 | exporting p50 | p90 | p99 | p90 ratio | "
        "p99 ratio | target |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---|",
    ]
    for path, *_rest in targets:
        a, b = idle[path], busy[path]
        r90 = b.p90_ms / a.p90_ms if a.p90_ms else 0.0
        r99 = b.p99_ms / a.p99_ms if a.p99_ms else 0.0
        verdict = "<= 2x " + ("met" if max(r90, r99) <= 2 else "**missed**")
        lines.append(
            f"| `{path}` | {fmt_ms(a.p50_ms)} | {fmt_ms(a.p90_ms)} | {fmt_ms(a.p99_ms)} | "
            f"{fmt_ms(b.p50_ms)} | {fmt_ms(b.p90_ms)} | {fmt_ms(b.p99_ms)} | {r90:.2f} | "
            f"{r99:.2f} | {verdict} |"
        )
    return [*lines, ""]


# Page weight -----------------------------------------------------------------------------

ASSET = __import__("re").compile(r'(?:src|href)="(/static/[^"?]+)')


@dataclass
class Weight:
    name: str
    kind: str  # "visitor", "officer", "swap" or "page"
    total: int
    html: int
    assets: int


def cold_load(browser: Browser, name: str, kind: str, path: str) -> Weight:
    """A first visit: the page and every static file it links, body bytes on the wire."""
    page = browser.get(path)
    assert page.status == 200, f"{path}: {page.status}"
    html = page.wire
    assets = sorted(set(ASSET.findall(page.text)))
    total = html
    for asset in assets:
        total += browser.get(asset).wire
    return Weight(name, kind, total, html, len(assets))


def swap(browser: Browser, name: str, method: str, path: str, data=None, headers=None) -> Weight:
    """One htmx request: the partial's body bytes on the wire."""
    headers = {"HX-Request": "true", **(headers or {})}
    reply = browser.request(method, path, data=data, headers=headers)
    assert reply.status == 200, f"{method} {path}: {reply.status}"
    return Weight(name, "swap", reply.wire, reply.wire, 0)


def weights(patroli: Server, data: dict, sessions: dict) -> list[Weight]:
    """Cold loads of the three field pages and every htmx swap they make."""
    visitor = Browser(patroli.base)
    door = f"/c/{data['door_token']}"
    out = [cold_load(visitor, "Visitor check-in page", "visitor", door)]
    csrf = visitor.csrf(door)
    reply = visitor.post(
        door,
        {
            "csrf_token": csrf,
            "client_uuid": "00000000-0000-4000-8000-00000000beef",
            "name": "Budi Santoso",
            "phone": "081234567890",
            "purpose": "Rapat",
            "has_symptoms": "no",
            "vaccine_doses": "2",
        },
    )
    assert reply.status == 302, reply.status
    out.append(cold_load(visitor, "Visitor pass (after check-in)", "visitor", "/c/tiket"))
    officer = sessions["officers"][-1]
    browser = officer["browser"]
    out.append(cold_load(browser, "Officer visit page", "officer", officer["visit_path"]))
    out.append(cold_load(browser, "Officer home (shift; map on demand)", "officer", "/patroli/"))
    hx = {"X-CSRFToken": officer["csrf"]}
    out.append(swap(browser, "Swap: violation form", "GET", officer["path"]))
    zone = data["zone"]
    out.append(
        swap(
            browser,
            "Swap: violation saved (timeline)",
            "POST",
            officer["path"],
            {"uuid": "00000000-0000-4000-8000-0000000000aa"} | violation_fields(zone),
            hx,
        )
    )
    crowd = officer["visit_path"] + "/hitung"
    out.append(swap(browser, "Swap: crowd count form", "GET", crowd))
    out.append(
        swap(
            browser,
            "Swap: crowd count saved (timeline)",
            "POST",
            crowd,
            {
                "uuid": "00000000-0000-4000-8000-0000000000ab",
                "headcount": "40",
                "lat": str(zone["lat"]),
                "lon": str(zone["lon"]),
                "accuracy": "8",
            },
            hx,
        )
    )
    guard = sessions["guard"]
    board = sessions["board"]
    out.append(cold_load(guard, f"Guard board ({INSIDE} inside)", "page", board))
    out.append(swap(guard, f"Swap: board refresh ({INSIDE} inside)", "GET", board + "/langsung"))
    return out


# Report ----------------------------------------------------------------------------------


def summary(results: list[WrkResult]) -> dict:
    return {
        "rps": statistics.mean(r.rps for r in results),
        "p50": statistics.median(r.p50_ms for r in results),
        "p99": max(r.p99_ms for r in results),
        "errors": sum(r.errors for r in results),
        "requests": sum(r.requests for r in results),
    }


def good_rps(results: list[WrkResult]) -> float:
    """Successful answers per second: failed requests carry no records."""
    return statistics.mean(
        r.rps * (1 - r.errors / r.requests) if r.requests else 0 for r in results
    )


def fmt_ms(value: float) -> str:
    return f"{value:.1f}" if value < 100 else f"{value:.0f}"


def table(backend: str, found: list[Scenario]) -> list[str]:
    lines = [
        f"### {backend}",
        "",
        "| scenario | Patroli rps | p50 ms | p99 ms | errors | twin | twin rps | twin p50 | "
        "twin p99 | ratio | target |",
        "|---|---:|---:|---:|---:|---|---:|---:|---:|---:|---|",
    ]
    for s in found:
        a, b = summary(s.results), summary(s.twin_results)
        ratio = a["rps"] / b["rps"] if b["rps"] else 0.0
        target = TARGETS[s.kind]
        if target is None:
            verdict = "for comparison"
        else:
            verdict = f">= {target} " + ("met" if ratio >= target else "**missed**")
        lines.append(
            f"| {s.name} | {a['rps']:.0f} | {fmt_ms(a['p50'])} | {fmt_ms(a['p99'])} | "
            f"{a['errors']} | `{s.twin_path}` | {b['rps']:.0f} | {fmt_ms(b['p50'])} | "
            f"{fmt_ms(b['p99'])} | {ratio:.2f} | {verdict} |"
        )
    notes = [f"- {s.name}: {s.note}" for s in found if s.note]
    lines += ["", *notes, ""]
    single = next((s for s in found if s.name.startswith("Officer violation POST")), None)
    synced = [s for s in found if s.batch]
    if single and synced:
        post_rps = good_rps(single.results)
        lines += [
            "Sync against single violation POSTs, per record (target: a record in a batch "
            "of 500 costs at most a fifth of a single POST):",
            "",
            "| batch | records/s (successful) | cost per record / single POST | target |",
            "|---|---:|---:|---|",
            f"| 1 (form POST) | {post_rps:.0f} | 1.00 | |",
        ]
        for s in synced:
            per_second = good_rps(s.results) * s.batch
            cost = post_rps / per_second if per_second else float("inf")
            target = ""
            if s.batch == 500:
                target = "<= 0.20 " + ("met" if cost <= 0.2 else "**missed**")
            lines.append(f"| {s.batch} | {per_second:.0f} | {cost:.2f} | {target} |")
        lines.append("")
    return lines


def weight_table(rows: list[Weight]) -> list[str]:
    lines = [
        "| what | bytes on the wire | of which HTML | static files | target |",
        "|---|---:|---:|---:|---|",
    ]
    for w in rows:
        limit = WEIGHT_TARGETS.get(w.kind)
        if limit is None:
            target = "none set"
        else:
            target = f"<= {limit // 1000} KB " + ("met" if w.total <= limit else "**missed**")
        lines.append(f"| {w.name} | {w.total:,} | {w.html:,} | {w.assets} | {target} |")
    return [*lines, ""]


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem = ""
    try:
        kb = int(Path("/proc/meminfo").read_text().split()[1])
        mem = f", {kb / 1024 / 1024:.1f} GB RAM"
    except (OSError, ValueError, IndexError):
        pass
    return f"{platform.system()} {platform.release()}, {os.cpu_count()} cores ({cpu}){mem}"


FINDINGS = "<!-- Written by hand below this line; make bench keeps it. -->"


def kept_findings() -> str:
    """The hand-written analysis after the marker in the current file, if any."""
    if not OUTPUT.exists():
        return FINDINGS + "\n"
    text = OUTPUT.read_text()
    return text[text.index(FINDINGS) :] if FINDINGS in text else FINDINGS + "\n"


def write(blocks: list[str], weights_rows: list[Weight], missing: list[str]):
    started = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    head = [
        "# Benchmarks",
        "",
        "Written by `make bench` (bench/run.py); do not edit the tables by hand, run it again.",
        "",
        f"- Date: {started}",
        f"- Machine: {machine()}",
        f"- Python {platform.python_version()}, gunicorn.conf.py with {workers()} sync workers "
        "for Patroli and for the twin alike, `PATROLI_ENV=production`",
        f"- wrk: {CONNECTIONS} connections, 2 threads, {SECONDS} s per run, {ROUNDS} rounds, "
        "twin and Patroli alternating; loopback only; wrk shares the 2 cores with the servers",
        "- rps is the mean over rounds, p50 the median, p99 the worst round; errors are "
        "non-2xx/3xx answers and socket errors over all rounds",
        "- Rate limits: the limiter runs (memory:// storage) but the per-address limits are "
        "lifted, since every request comes from 127.0.0.1",
        "",
        "## Throughput and latency",
        "",
        "The ratio is Patroli's rps over its twin's (bench/minimal_app.py: the same work by the "
        "shortest path Flask allows, on the same database).",
        "",
    ]
    body = [*head, *blocks]
    if missing:
        body += ["Not measured in this run:", "", *[f"- {m}" for m in missing], ""]
    body += [
        "## Page weight",
        "",
        "Body bytes as they came over the wire from gunicorn with `COMPRESS_RESPONSES=1` "
        "(patrol/compress.py: gzip level 6 for pages, 9 for static files; nginx does alike in "
        "production), read by a client that accepts gzip. A cold load counts the page and "
        "every static file it links; a swap is one htmx answer.",
        "",
        *weight_table(weights_rows),
    ]
    OUTPUT.write_text("\n".join(body) + "\n" + kept_findings())


def backend_run(label: str, database_url: str, tmp: Path, with_weights: bool):
    env = app_env(database_url, tmp)
    print(f"[{label}] preparing database", flush=True)
    data = prepare(env)
    patroli, twin = start_pair(env, tmp, label)
    try:
        found, sessions, missing = scenarios(patroli, data)
        print(f"[{label}] {len(found)} scenarios, {ROUNDS} rounds of {SECONDS} s", flush=True)
        if not WEIGHTS_ONLY and not EXPORTS_ONLY:
            measure(patroli, twin, found)
        rows = weights(patroli, data, sessions) if with_weights and not EXPORTS_ONLY else []
        exporting = []
        if os.environ.get("BENCH_EXPORTS", "1") != "0" and not WEIGHTS_ONLY:
            workers_ = start_export_workers(env, tmp)
            try:
                exporting = exports_under_load(patroli, sessions, data)
            finally:
                for worker in workers_:
                    with contextlib.suppress(ProcessLookupError):
                        os.killpg(worker.pid, signal.SIGTERM)
                    worker.wait(timeout=30)
    finally:
        patroli.stop()
        twin.stop()
    return found, rows, missing, exporting


def print_only(rows: list[Weight], exporting: list[str]) -> int:
    """A BENCH_WEIGHTS_ONLY or BENCH_EXPORTS_ONLY run prints its one table, writes no file."""
    print("\n".join(weight_table(rows) if WEIGHTS_ONLY else exporting))
    return 0


def main() -> int:
    random.seed()
    blocks: list[str] = []
    with tempfile.TemporaryDirectory(prefix="patroli-bench-") as tmpdir:
        tmp = Path(tmpdir)
        rows: list[Weight] = []
        missing: list[str] = []
        pg_url = os.environ.get("BENCH_DATABASE_URL")
        if os.environ.get("BENCH_SQLITE", "1") != "0" or not pg_url:
            found, rows, missing, exporting = backend_run(
                "sqlite", f"sqlite:///{tmp / 'bench.db'}", tmp, True
            )
            if WEIGHTS_ONLY or EXPORTS_ONLY:
                return print_only(rows, exporting)
            blocks += table("SQLite", found) + exporting
        if pg_url:
            fresh = fresh_postgres(pg_url, "run")
            try:
                pg_found, pg_rows, pg_missing, pg_exporting = backend_run(
                    "postgresql", fresh, tmp, not rows
                )
            finally:
                drop_postgres(fresh)
            if WEIGHTS_ONLY or EXPORTS_ONLY:
                return print_only(pg_rows, pg_exporting)
            blocks += table("PostgreSQL", pg_found) + pg_exporting
            rows, missing = rows or pg_rows, missing or pg_missing
        else:
            missing.append("PostgreSQL (BENCH_DATABASE_URL is not set)")
    write(blocks, rows, missing)
    print("\n".join(blocks))
    print(f"written to {OUTPUT}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
