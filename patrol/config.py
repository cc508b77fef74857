"""Configuration, read from the environment once per app.

Every key says what it is for. Secrets have no usable default in production: with
``PATROLI_ENV=production`` the app refuses to start without ``SECRET_KEY`` and
``NIK_HMAC_KEY``.
"""

from __future__ import annotations

import os
import secrets
from datetime import timedelta
from pathlib import Path

from patrol.rules.timeutil import LOCAL_TIMEZONE


def _int(name: str, default: int) -> int:
    return int(os.environ.get(name, default))


# Kota Malang with a margin (south, west, north, east): the demo deployment's city.
KOTA_MALANG_BOUNDS = (-8.06, 112.55, -7.88, 112.72)


def _bounds(name: str, default: tuple[float, float, float, float]):
    """``south,west,north,east`` from the environment, or ``default``."""
    value = os.environ.get(name)
    if not value:
        return default
    south, west, north, east = (float(part) for part in value.split(","))
    return south, west, north, east


def database_uri(url: str | None, instance_path: str) -> str:
    """Turn ``DATABASE_URL`` into an SQLAlchemy URI (psycopg 3 for PostgreSQL)."""
    if not url:
        return "sqlite:///" + str(Path(instance_path) / "patroli.db")
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def load_secret_key(instance_path: str, production: bool) -> str:
    """``SECRET_KEY`` from the environment, or a per-installation key kept in the instance folder.

    The file keeps every gunicorn worker of a development install on the same key, so that
    sessions survive restarts; production must set the variable.
    """
    key = os.environ.get("SECRET_KEY")
    if key:
        return key
    if production:
        raise RuntimeError("SECRET_KEY must be set when PATROLI_ENV=production")
    path = Path(instance_path) / "secret_key"
    if not path.exists():
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        # Owner-only from the start, and whole when it appears: written aside, then linked
        # into place (a worker that loses the race reads the winner's key).
        draft = path.with_name(f".secret_key.{os.getpid()}")
        descriptor = os.open(draft, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(descriptor, "w") as out:
            out.write(secrets.token_urlsafe(48))
        try:
            os.link(draft, path)
        except FileExistsError:
            pass
        finally:
            draft.unlink()
    return path.read_text().strip()


def load_nik_key(production: bool) -> str | None:
    """``NIK_HMAC_KEY`` from the environment; required in production, like ``SECRET_KEY``.

    Elsewhere it may be unset: the key is then derived from SECRET_KEY. In production a
    derived key would tie every NIK hash to SECRET_KEY, so rotating that key (after a
    leak) would silently end repeat-offender matching.
    """
    key = os.environ.get("NIK_HMAC_KEY")
    if production and not key:
        raise RuntimeError("NIK_HMAC_KEY must be set when PATROLI_ENV=production")
    return key or None


def from_env(instance_path: str) -> dict:
    """Build the configuration mapping from environment variables."""
    production = os.environ.get("PATROLI_ENV", "development") == "production"
    return {
        # "production" turns on the strict checks (secret key required, secure cookies).
        "PATROLI_ENV": "production" if production else "development",
        # Signs sessions, remember-me cookies and CSRF tokens.
        "SECRET_KEY": load_secret_key(instance_path, production),
        # SQLite file in the instance folder by default; PostgreSQL through DATABASE_URL.
        "SQLALCHEMY_DATABASE_URI": database_uri(os.environ.get("DATABASE_URL"), instance_path),
        # Connection pool per process. pre_ping checks a pooled connection before use, so
        # the app recovers by itself when the database comes back. A sync gunicorn worker
        # uses one connection at a time: workers x (DB_POOL_SIZE + DB_MAX_OVERFLOW) across
        # all hosts must stay below PostgreSQL's max_connections (docs/deploy.md).
        "SQLALCHEMY_ENGINE_OPTIONS": {
            "pool_pre_ping": True,
            "pool_size": _int("DB_POOL_SIZE", 2),
            "max_overflow": _int("DB_MAX_OVERFLOW", 2),
            "pool_recycle": 1800,
        },
        # gzip text answers and static files in the app (patrol/compress.py): on by default
        # outside production (make run serves gunicorn alone); production leaves it to nginx.
        "COMPRESS_RESPONSES": os.environ.get(
            "COMPRESS_RESPONSES", "0" if production else "1"
        ).lower()
        in ("1", "true", "yes", "on"),
        # Reverse proxies in front of the app whose X-Forwarded-* headers are trusted (nginx: 1).
        # Client addresses for rate limits and HTTPS detection depend on it.
        "TRUSTED_PROXIES": _int("TRUSTED_PROXIES", 0),
        # Where rate-limit counters live: memory:// for one process, redis://... across hosts.
        "RATELIMIT_STORAGE_URI": os.environ.get("RATELIMIT_STORAGE_URI", "memory://"),
        # Failed logins allowed per client address; per username from one address (what
        # throttles a guesser); and per username from everywhere, a ceiling far above it so
        # that a stranger cannot lock the real owner out.
        "LOGIN_LIMIT_PER_IP": os.environ.get("LOGIN_LIMIT_PER_IP", "20 per 10 minutes"),
        "LOGIN_LIMIT_PER_USER_IP": os.environ.get("LOGIN_LIMIT_PER_USER_IP", "5 per 15 minutes"),
        "LOGIN_LIMIT_PER_USER": os.environ.get("LOGIN_LIMIT_PER_USER", "100 per hour"),
        # Successful logins allowed per client address (each costs a password hash).
        "LOGIN_LIMIT_SUCCESS_PER_IP": os.environ.get(
            "LOGIN_LIMIT_SUCCESS_PER_IP", "30 per 10 minutes"
        ),
        # Remember-me and session lifetime: one shift.
        "REMEMBER_COOKIE_DURATION": timedelta(hours=_int("SESSION_HOURS", 12)),
        "PERMANENT_SESSION_LIFETIME": timedelta(hours=_int("SESSION_HOURS", 12)),
        # The cookie lives one shift from the login, as its row on the server does
        # (login_sessions): re-signing and re-sending it on every answer would not lengthen
        # the login, only cost every request a signature and a Set-Cookie header.
        "SESSION_REFRESH_EACH_REQUEST": False,
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "REMEMBER_COOKIE_HTTPONLY": True,
        "REMEMBER_COOKIE_SAMESITE": "Lax",
        # Secure cookies only under HTTPS (production sits behind TLS).
        "SESSION_COOKIE_SECURE": production,
        "REMEMBER_COOKIE_SECURE": production,
        # CSRF tokens stay valid for a whole shift; htmx sends them in X-CSRFToken.
        "WTF_CSRF_TIME_LIMIT": _int("SESSION_HOURS", 12) * 3600,
        # UI language and time zone: Bahasa Indonesia and WIB; the database stores UTC.
        "BABEL_DEFAULT_LOCALE": "id",
        "BABEL_DEFAULT_TIMEZONE": LOCAL_TIMEZONE,
        "LANGUAGES": ["id", "en"],
        # Dashboard alert: a zone on shift that nobody visited for this many hours.
        "ALERT_UNVISITED_HOURS": float(os.environ.get("ALERT_UNVISITED_HOURS", "3")),
        # Minutes into a shift before its zone may be reported "not visited" (docs/alerts.md).
        "ALERT_GRACE_MINUTES": _int("ALERT_GRACE_MINUTES", 30),
        # How often the dashboard redraws its figures, alerts and map (seconds).
        "DASHBOARD_REFRESH_SECONDS": int(os.environ.get("DASHBOARD_REFRESH_SECONDS", "60")),
        # Map tiles for Leaflet pages.
        "TILE_URL": os.environ.get("TILE_URL", "https://tile.openstreetmap.org/{z}/{x}/{y}.png"),
        # Office check-in (blueprint checkin). Check-ins allowed per client address and per
        # entrance; an office's guest Wi-Fi puts many visitors behind one address, so the
        # per-address limit allows a queue (resends of a check-in already made do not count).
        "CHECKIN_LIMIT_PER_IP": os.environ.get("CHECKIN_LIMIT_PER_IP", "120 per 10 minutes"),
        "CHECKIN_LIMIT_PER_ENTRANCE": os.environ.get(
            "CHECKIN_LIMIT_PER_ENTRANCE", "300 per 10 minutes"
        ),
        # Screening: fewer vaccine doses than this gives a yellow pass (the guard checks);
        # declared symptoms give this colour (red: do not enter; "yellow" to let guards decide).
        "CHECKIN_MIN_VACCINE_DOSES": _int("CHECKIN_MIN_VACCINE_DOSES", 2),
        "CHECKIN_SYMPTOMS_COLOUR": os.environ.get("CHECKIN_SYMPTOMS_COLOUR", "red"),
        # Seconds a visitor has to submit the form after scanning a screen-mode (rotating) code,
        # counted from when the form was served (a signed time in the form).
        "CHECKIN_FORM_SECONDS": _int("CHECKIN_FORM_SECONDS", 600),
        # How long the phone keeps its pass (the check-out secret cookie), in hours.
        "CHECKIN_PASS_HOURS": _int("CHECKIN_PASS_HOURS", 24),
        # How often a waiting pass (office full, or a red pass) reloads to show the guard's
        # decision, in seconds.
        "CHECKIN_WAITING_REFRESH_SECONDS": _int("CHECKIN_WAITING_REFRESH_SECONDS", 15),
        # How often the guard's board refreshes its list, in seconds (each board is one request
        # per interval: keep it at 10 or more on a busy server).
        "CHECKIN_BOARD_POLL_SECONDS": _int("CHECKIN_BOARD_POLL_SECONDS", 10),
        # How many of the people inside the board lists (the newest first); the counter is
        # exact and the search box finds anyone inside, so the board stays small at 500.
        "CHECKIN_BOARD_LIST_SIZE": _int("CHECKIN_BOARD_LIST_SIZE", 30),
        # Public address printed in poster QR codes, e.g. https://patroli.malangkota.go.id;
        # empty: the address the admin's browser used.
        "CHECKIN_BASE_URL": os.environ.get("CHECKIN_BASE_URL", "").rstrip("/"),
        # Days check-in names and phones are kept before purge-personal-data removes them.
        "CHECKIN_RETENTION_DAYS": _int("CHECKIN_RETENTION_DAYS", 30),
        # Where zone, office and checkpoint coordinates may lie ("south,west,north,east"): the
        # deployment's city, Kota Malang by default. Maps open on this box when empty.
        "ZONE_BOUNDS": _bounds("ZONE_BOUNDS", KOTA_MALANG_BOUNDS),
        # Demo passwords for seed-demo (random and printed once when unset).
        "SEED_DEMO_PASSWORD": os.environ.get("SEED_DEMO_PASSWORD"),
        # Key of the HMAC that turns an offender's NIK into a repeat-offender hash; required
        # when PATROLI_ENV=production. When unset elsewhere it is derived from SECRET_KEY
        # (patrol.services.offenders.nik_key), so rotating SECRET_KEY breaks matching.
        "NIK_HMAC_KEY": load_nik_key(production),
        # The repeat-offender look-up while typing a NIK: look-ups one officer may make per
        # hour (more are refused, 429), and look-ups (refused ones included) in an hour
        # that put the officer on the admin dashboard's alerts.
        "NIK_LOOKUPS_PER_HOUR": _int("NIK_LOOKUPS_PER_HOUR", 12),
        "NIK_LOOKUP_ALERT": _int("NIK_LOOKUP_ALERT", 8),
        # Violation photos (re-encoded JPEGs with random names); the instance folder by default.
        "UPLOAD_FOLDER": os.environ.get("UPLOAD_FOLDER", str(Path(instance_path) / "uploads")),
        # Largest photo an officer may upload, in bytes (before re-encoding).
        "PHOTO_MAX_BYTES": _int("PHOTO_MAX_BYTES", 10 * 1024 * 1024),
        # Most pixels a photo may declare (width x height), checked in its header before
        # decoding: a small file claiming a huge image is refused (a decompression bomb).
        "PHOTO_MAX_PIXELS": _int("PHOTO_MAX_PIXELS", 40_000_000),
        # Largest request body of any kind (413 above it): a photo plus its form, with room.
        "MAX_CONTENT_LENGTH": _int("PHOTO_MAX_BYTES", 10 * 1024 * 1024) + 2 * 1024 * 1024,
        # Seconds an officer's phone waits for the answer to saving an entry before it keeps
        # the entry in its outbox instead (to be sent again; the UUID makes that safe).
        "SAVE_TIMEOUT_SECONDS": _int("SAVE_TIMEOUT_SECONDS", 15),
        # Crowd levels against a zone's capacity: "ramai" from this percentage, "melebihi
        # kapasitas" above the second one, "sepi" below the first.
        "CROWD_BUSY_PERCENT": _int("CROWD_BUSY_PERCENT", 50),
        "CROWD_OVER_PERCENT": _int("CROWD_OVER_PERCENT", 100),
        # Seconds each worker keeps the public parks feed before computing it again
        # (patrol/microcache.py); 0 computes it on every request.
        "PUBLIC_FEED_CACHE_SECONDS": _int("PUBLIC_FEED_CACHE_SECONDS", 10),
        # Busy-hour forecasts (patrol/forecast.py): how many days ahead a forecast may be
        # asked for, and how many seconds each worker keeps a computed forecast.
        "FORECAST_HORIZON_DAYS": _int("FORECAST_HORIZON_DAYS", 28),
        "FORECAST_CACHE_SECONDS": _int("FORECAST_CACHE_SECONDS", 300),
        # An open visit without a shift is closed by the system this many hours after its start.
        "VISIT_MAX_HOURS": _int("VISIT_MAX_HOURS", 12),
        # An entry that reaches the server more than this many hours after its recorded
        # time (an offline phone, or a back-dated entry) is marked late in reports and on
        # its printable record.
        "LATE_ENTRY_HOURS": float(os.environ.get("LATE_ENTRY_HOURS", "12")),
        # A visit that reaches the server later than its shift's end plus this many minutes
        # does not count as that shift kept (a phone that was offline all shift has this
        # long after the shift to send it).
        "SHIFT_SYNC_GRACE_MINUTES": _int("SHIFT_SYNC_GRACE_MINUTES", 120),
        # A field record (visit, violation, count, scan) dated more than this many days
        # before it reaches the server is refused: a back-dated visit cannot fill a missed shift.
        "SYNC_MAX_AGE_DAYS": _int("SYNC_MAX_AGE_DAYS", 7),
        # A checkpoint scan farther than this (metres) from the checkpoint is flagged.
        "CHECKPOINT_RADIUS_M": _int("CHECKPOINT_RADIUS_M", 30),
        # Public complaints (aduan warga, /aduan) ----------------------------------------
        # Where complaints may lie ("south,west,north,east"); the zones' bounds by default.
        "COMPLAINT_CITY_BOUNDS": _bounds(
            "COMPLAINT_CITY_BOUNDS", _bounds("ZONE_BOUNDS", KOTA_MALANG_BOUNDS)
        ),
        # Complaints filed per client address (mobile carriers put a neighbourhood behind
        # few addresses) and per reply phone number.
        "COMPLAINT_LIMIT_PER_IP": os.environ.get("COMPLAINT_LIMIT_PER_IP", "30 per hour"),
        "COMPLAINT_LIMIT_PER_PHONE": os.environ.get("COMPLAINT_LIMIT_PER_PHONE", "10 per day"),
        # A complaint no officer acknowledged (Terima) this many minutes after filing
        # raises an alert on the dashboard.
        "COMPLAINT_ACK_MINUTES": _int("COMPLAINT_ACK_MINUTES", 15),
        # An officer's last GPS fix older than this many hours no longer ranks them.
        "COMPLAINT_POSITION_HOURS": _int("COMPLAINT_POSITION_HOURS", 12),
        # Complaints this near in metres and minutes are offered for merging as duplicates.
        "COMPLAINT_MERGE_METRES": _int("COMPLAINT_MERGE_METRES", 300),
        "COMPLAINT_MERGE_MINUTES": _int("COMPLAINT_MERGE_MINUTES", 120),
        # The answering officer counts as on site within this many metres of the place.
        "COMPLAINT_ON_SITE_METRES": _int("COMPLAINT_ON_SITE_METRES", 150),
        # A complaint photo whose header claims more pixels is refused before decoding.
        "COMPLAINT_PHOTO_MAX_PIXELS": _int("COMPLAINT_PHOTO_MAX_PIXELS", 40_000_000),
        # Seconds between checks for a newly assigned complaint on the officer's phone.
        "COMPLAINT_POLL_SECONDS": _int("COMPLAINT_POLL_SECONDS", 20),
        # Exports (services/export_jobs.py). One of more rows than this runs as a background
        # job with a progress page; a smaller one is answered at once (a screenful).
        "EXPORT_INLINE_ROWS": _int("EXPORT_INLINE_ROWS", 200),
        # Where export files are written; every app instance and export worker must reach it
        # (shared storage in production).
        "EXPORT_FOLDER": os.environ.get("EXPORT_FOLDER", str(Path(instance_path) / "exports")),
        # Hours an export file (and its entry in the admin's list) is kept.
        "EXPORT_KEEP_HOURS": _int("EXPORT_KEEP_HOURS", 24),
        # redis://... runs export jobs on RQ (flask --app patrol export-worker); empty runs
        # them in a background thread of the web process (the embedded default).
        "EXPORT_QUEUE_URL": os.environ.get("EXPORT_QUEUE_URL", ""),
        # Seconds an export worker gives one job before RQ stops it.
        "EXPORT_JOB_TIMEOUT": _int("EXPORT_JOB_TIMEOUT", 3600),
    }
