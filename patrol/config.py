"""Configuration, read from the environment once per app.

Every key says what it is for. Secrets have no usable default in production: with
``PATROLI_ENV=production`` the app refuses to start without ``SECRET_KEY``.
"""

from __future__ import annotations

import os
import secrets
from datetime import timedelta
from pathlib import Path


def _int(name: str, default: int) -> int:
    return int(os.environ.get(name, default))


def _bounds(name: str) -> tuple[float, float, float, float] | None:
    """``south,west,north,east`` from the environment, or None for the built-in default."""
    value = os.environ.get(name)
    if not value:
        return None
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
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_urlsafe(48))
        path.chmod(0o600)
    return path.read_text().strip()


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
        # Reverse proxies in front of the app whose X-Forwarded-* headers are trusted (nginx: 1).
        # Client addresses for rate limits and HTTPS detection depend on it.
        "TRUSTED_PROXIES": _int("TRUSTED_PROXIES", 0),
        # Where rate-limit counters live: memory:// for one process, redis://... across hosts.
        "RATELIMIT_STORAGE_URI": os.environ.get("RATELIMIT_STORAGE_URI", "memory://"),
        # Failed logins allowed per client address, and per username.
        "LOGIN_LIMIT_PER_IP": os.environ.get("LOGIN_LIMIT_PER_IP", "20 per 10 minutes"),
        "LOGIN_LIMIT_PER_USER": os.environ.get("LOGIN_LIMIT_PER_USER", "5 per 15 minutes"),
        # Remember-me and session lifetime: one shift.
        "REMEMBER_COOKIE_DURATION": timedelta(hours=_int("SESSION_HOURS", 12)),
        "PERMANENT_SESSION_LIFETIME": timedelta(hours=_int("SESSION_HOURS", 12)),
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
        "BABEL_DEFAULT_TIMEZONE": "Asia/Jakarta",
        "LANGUAGES": ["id", "en"],
        # Dashboard alert: a zone on shift that nobody visited for this many hours.
        "ALERT_UNVISITED_HOURS": float(os.environ.get("ALERT_UNVISITED_HOURS", "3")),
        # How often the dashboard redraws its figures, alerts and map (seconds).
        "DASHBOARD_REFRESH_SECONDS": int(os.environ.get("DASHBOARD_REFRESH_SECONDS", "60")),
        # Map tiles for Leaflet pages.
        "TILE_URL": os.environ.get("TILE_URL", "https://tile.openstreetmap.org/{z}/{x}/{y}.png"),
        # Office check-in (blueprint checkin). Check-ins allowed per client address and per
        # entrance; an office's guest Wi-Fi puts many visitors behind one address.
        "CHECKIN_LIMIT_PER_IP": os.environ.get("CHECKIN_LIMIT_PER_IP", "20 per 10 minutes"),
        "CHECKIN_LIMIT_PER_ENTRANCE": os.environ.get(
            "CHECKIN_LIMIT_PER_ENTRANCE", "300 per 10 minutes"
        ),
        # Screening: fewer vaccine doses than this gives a yellow pass (the guard checks);
        # declared symptoms give this colour (red: do not enter; "yellow" to let guards decide).
        "CHECKIN_MIN_VACCINE_DOSES": _int("CHECKIN_MIN_VACCINE_DOSES", 2),
        "CHECKIN_SYMPTOMS_COLOUR": os.environ.get("CHECKIN_SYMPTOMS_COLOUR", "red"),
        # Seconds a visitor has to submit the form after scanning a screen-mode (rotating) code.
        "CHECKIN_FORM_SECONDS": _int("CHECKIN_FORM_SECONDS", 600),
        # How long the phone keeps its pass (the check-out secret cookie), in hours.
        "CHECKIN_PASS_HOURS": _int("CHECKIN_PASS_HOURS", 24),
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
        # Where zone and office coordinates may lie ("south,west,north,east"); Indonesia if unset.
        "ZONE_BOUNDS": _bounds("ZONE_BOUNDS"),
        # Demo passwords for seed-demo (random and printed once when unset).
        "SEED_DEMO_PASSWORD": os.environ.get("SEED_DEMO_PASSWORD"),
        # Key of the HMAC that turns an offender's NIK into a repeat-offender hash. When unset
        # it is derived from SECRET_KEY (patrol.services.field.nik_key), so rotating
        # SECRET_KEY without setting this first breaks matching against earlier records.
        "NIK_HMAC_KEY": os.environ.get("NIK_HMAC_KEY"),
        # Violation photos (re-encoded JPEGs with random names); the instance folder by default.
        "UPLOAD_FOLDER": os.environ.get("UPLOAD_FOLDER", str(Path(instance_path) / "uploads")),
        # Largest photo an officer may upload, in bytes (before re-encoding).
        "PHOTO_MAX_BYTES": _int("PHOTO_MAX_BYTES", 10 * 1024 * 1024),
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
        # An open visit without a shift is closed by the system this many hours after its start.
        "VISIT_MAX_HOURS": _int("VISIT_MAX_HOURS", 12),
        # A checkpoint scan farther than this (metres) from the checkpoint is flagged.
        "CHECKPOINT_RADIUS_M": _int("CHECKPOINT_RADIUS_M", 30),
    }
