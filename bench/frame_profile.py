"""What a request pays in-process: CPU time per request, statements per request, a profile.

    .venv/bin/python bench/frame_profile.py [N] [--profile PATH|checkin|violation]
                                            [--only checkin,violation] [--db URL]

Builds the app on a throwaway SQLite file (or, with ``--db``, on an existing PostgreSQL
database whose tables it drops and creates) with the data the benchmark makes
(bench/fixtures.py: the demo data, a check-in office, officers with open visits), and
times N requests (default 300) each of:

- pages that do little work of their own, so that the shared frame (session and user
  load, access rule, CSRF, locale, base template, security headers) is most of what is
  measured;
- the two POSTs of ``make bench`` (bench/run.py ``lua_checkin``, ``lua_violation``): a
  visitor's check-in at a door and an officer's violation (htmx), each with a new client
  UUID and the same headers and cookies as wrk sends (the cookie of the first GET only:
  wrk keeps no cookie it is given).

With ``--profile`` it prints pyinstrument's profile of one path, or of ``checkin`` or
``violation`` (pip install pyinstrument==5.1.3; make bench does). No HTTP server: the
Flask test client; the figures are this process's CPU time per request.
"""

from __future__ import annotations

import os
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from pathlib import Path

import sqlalchemy as sa

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import fixtures  # noqa: E402
from bench.harness import CSRF_INPUT, CSRF_META, violation_fields  # noqa: E402
from patrol import create_app  # noqa: E402
from patrol.extensions import db  # noqa: E402

PATHS = {
    "anonymous": ["/healthz", "/taman", "/api/v1/parks", "/login"],
    "officer": ["/patroli/"],
    "admin": ["/admin/titik/", "/admin/laporan/ekspor/"],
    # make bench's guard board and its refresh, with INSIDE people in (paths from the data).
    "guard": ["/jaga/kantor/{board_office_id}", "/jaga/kantor/{board_office_id}/langsung"],
}
INSIDE = int(os.environ.get("BENCH_INSIDE", "500"))
POSTS = ("checkin", "violation")


def build(tmp: Path, database_url: str | None = None):
    """The app on a fresh database holding what bench/fixtures.py makes; and that data."""
    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": database_url or f"sqlite:///{tmp / 'frame.db'}",
            "SECRET_KEY": "bench-frame",
            "RATELIMIT_ENABLED": False,
            "PUBLIC_FEED_CACHE_SECONDS": 0,
            "UPLOAD_FOLDER": str(tmp / "uploads"),
        }
    )
    with app.app_context():
        if database_url:
            db.drop_all()
        db.create_all()
        data = fixtures.build(officers=2, inside=INSIDE)
        db.session.commit()
    return app, data


def _token(page: str) -> str:
    match = CSRF_INPUT.search(page) or CSRF_META.search(page)
    assert match is not None, "no CSRF token on the page"
    return match.group(1)


def client_for(app, role: str):
    client = app.test_client()
    if role != "anonymous":
        username = {"officer": "petugas", "admin": "admin", "guard": "jaga_bench"}[role]
        token = _token(client.get("/login").get_data(as_text=True))
        reply = client.post(
            "/login",
            data={"csrf_token": token, "username": username, "password": fixtures.PASSWORD},
        )
        assert reply.status_code == 302, reply.status_code
    return client


def _cookie_header(client) -> str:
    return "; ".join(f"{c.key}={c.value}" for c in client._cookies.values())


def checkin_post(app, data: dict) -> Callable[[], int]:
    """A visitor's check-in as wrk sends it: the cookie and token of one GET, a new UUID."""
    visitor = app.test_client()
    door = f"/c/{data['door_token']}"
    csrf = _token(visitor.get(door).get_data(as_text=True))
    headers = {"Cookie": _cookie_header(visitor)}
    fixed = {
        "csrf_token": csrf,
        "name": "Budi Santoso",
        "phone": "081234567890",
        "purpose": "Rapat dinas",
        "has_symptoms": "no",
        "vaccine_doses": "2",
    }
    bare = app.test_client(use_cookies=False)

    def send() -> int:
        form = fixed | {"client_uuid": str(uuid.uuid4())}
        return bare.post(door, data=form, headers=headers).status_code

    return send


def violation_post(app, data: dict) -> Callable[[], int]:
    """An officer's violation (htmx) as wrk sends it, into an open visit, a new UUID each."""
    officer = data["officers"][0]
    browser = app.test_client()
    token = _token(browser.get("/login").get_data(as_text=True))
    reply = browser.post(
        "/login",
        data={
            "csrf_token": token,
            "username": officer["username"],
            "password": fixtures.PASSWORD,
        },
    )
    assert reply.status_code == 302, reply.status_code
    visit_path = f"/patroli/kunjungan/{officer['visit_uuid']}"
    csrf = _token(browser.get(visit_path).get_data(as_text=True))
    headers = {
        "Cookie": _cookie_header(browser),
        "X-CSRFToken": csrf,
        "HX-Request": "true",
    }
    zone = data["zone"]
    fixed = violation_fields(zone)
    bare = app.test_client(use_cookies=False)

    def send() -> int:
        form = fixed | {"uuid": str(uuid.uuid4())}
        return bare.post(visit_path + "/pelanggaran", data=form, headers=headers).status_code

    return send


POST_STATUS = {"checkin": 302, "violation": 200}
POST_MAKERS = {"checkin": checkin_post, "violation": violation_post}


class StatementCounter:
    """Statements sent to the database (savepoints included) while ``counting``."""

    def __init__(self, app):
        with app.app_context():
            self.engine = db.engine
        self.n = 0
        sa.event.listen(self.engine, "before_cursor_execute", self._count)

    def _count(self, *_args, **_kwargs):
        self.n += 1


def timed(send: Callable[[], int], status: int, n: int, counter=None) -> tuple[list[float], float]:
    """CPU ms of each of n calls of ``send``, and the statements per call."""
    assert send() == status  # warm: templates compiled, caches filled
    out = []
    before = counter.n if counter else 0
    for _ in range(n):
        # CPU time of this process: on a shared, loaded machine wall time mostly measures
        # the neighbours.
        began = time.process_time()
        got = send()
        out.append((time.process_time() - began) * 1000)
        assert got == status, got
    statements = (counter.n - before) / n if counter else 0.0
    return out, statements


def get_sender(app, path: str, data: dict) -> Callable[[], int]:
    role = next((r for r, paths in PATHS.items() if path in paths), "officer")
    client = client_for(app, role)
    url = path.format(**data)
    # The board's refresh is an htmx request (wrk sends the header too).
    headers = {"HX-Request": "true"} if url.endswith("/langsung") else {}
    return lambda: client.get(url, headers=headers).status_code


def sender(app, data: dict, what: str) -> tuple[Callable[[], int], int]:
    if what in POSTS:
        return POST_MAKERS[what](app, data), POST_STATUS[what]
    return get_sender(app, what, data), 200


def _option(args: list[str], name: str) -> str | None:
    return args[args.index(name) + 1] if name in args else None


def main() -> int:
    args = sys.argv[1:]
    n = int(args[0]) if args and args[0].isdigit() else 300
    profile = _option(args, "--profile")
    only = _option(args, "--only")
    database_url = _option(args, "--db")
    with tempfile.TemporaryDirectory() as tmpdir:
        app, data = build(Path(tmpdir), database_url)
        if profile:
            from pyinstrument import Profiler

            send, status = sender(app, data, profile)
            timed(send, status, 5)
            profiler = Profiler(interval=0.0005)
            profiler.start()
            timed(send, status, n)
            profiler.stop()
            print(profiler.output_text(unicode=False, color=False, show_all=False))
            return 0
        counter = StatementCounter(app)
        wanted = only.split(",") if only else [p for ps in PATHS.values() for p in ps] + [*POSTS]
        print("| request | CPU ms per request (median) | p90 | statements |")
        print("|---|---:|---:|---:|")
        for what in wanted:
            send, status = sender(app, data, what)
            samples, statements = timed(send, status, n, counter)
            p90 = statistics.quantiles(samples, n=10)[-1]
            label = f"POST {what}" if what in POSTS else f"`{what}`"
            print(f"| {label} | {statistics.median(samples):.2f} | {p90:.2f} | {statements:.1f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
