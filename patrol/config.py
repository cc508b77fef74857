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
        # Check pooled connections before use, so the app recovers when the database returns.
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True},
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
        # Crowd levels: a headcount at this share of a zone's capacity is busy, and at this
        # share over capacity (Perwal rules change; the thresholds follow them).
        "CROWD_BUSY_RATIO": float(os.environ.get("CROWD_BUSY_RATIO", "0.5")),
        "CROWD_OVER_RATIO": float(os.environ.get("CROWD_OVER_RATIO", "1.0")),
        # Dashboard alert: a zone on shift that nobody visited for this many hours.
        "ALERT_UNVISITED_HOURS": float(os.environ.get("ALERT_UNVISITED_HOURS", "3")),
        # Map tiles for Leaflet pages.
        "TILE_URL": os.environ.get("TILE_URL", "https://tile.openstreetmap.org/{z}/{x}/{y}.png"),
        # Demo passwords for seed-demo (random and printed once when unset).
        "SEED_DEMO_PASSWORD": os.environ.get("SEED_DEMO_PASSWORD"),
    }
