"""The installable officer app: manifest, service-worker cache version, precached URLs."""

from __future__ import annotations

import hashlib
import hmac
from functools import lru_cache
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

# Static files an officer's pages need offline (paths under /static/). The service worker
# precaches them under url_for's URLs, which carry ?v=<content hash> (patrol/http_cache.py),
# the same URLs the pages link.
# tests/test_offline_app.py checks that every file the officer's pages link is here.
PRECACHE_STATIC = (
    "css/app.css",
    "css/checkpoints.css",
    "css/field.css",
    "css/offline.css",
    "css/planning.css",
    "css/reports.css",
    "js/app.js",
    "js/checkpoints.js",
    "js/complaint-tasks.js",
    "js/field.js",
    "js/offline-visit.js",
    "js/outbox-core.js",
    "js/outbox.js",
    "js/sos.js",
    "js/zone-map.js",
    "vendor/htmx-2.0.11/htmx.min.js",
    "vendor/jsqr-1.4.0/jsQR.min.js",
    "vendor/leaflet-1.9.4/leaflet.css",
    "vendor/leaflet-1.9.4/leaflet.js",
    "icons/favicon.svg",
    "icons/icon-192.png",
    "icons/icon-512.png",
    "icons/maskable-512.png",
)


def _app_version() -> str:
    try:
        return version("patroli")
    except PackageNotFoundError:
        return "0"


@lru_cache(maxsize=4)
def cache_version(static_folder: str) -> str:
    """A short hash of the app version and every static file: a new release, new caches."""
    digest = hashlib.sha256(_app_version().encode())
    root = Path(static_folder)
    for path in sorted(p for p in root.rglob("*") if p.is_file()):
        digest.update(str(path.relative_to(root)).encode())
        digest.update(path.read_bytes())
    # The service worker's own template changes what is cached, too.
    template = Path(__file__).parent.parent / "templates" / "patrol" / "sw.js"
    digest.update(template.read_bytes())
    return digest.hexdigest()[:12]


# The officer's pages the service worker may keep for offline use send this instead of
# the staff default "private, no-store"; the worker never keeps a no-store page, so
# pages with personal data (a visit's timeline, a printable record) never reach its cache.
OFFLINE_PAGE_CACHE_CONTROL = "private, no-cache"
# Header naming whose pages these are (a keyed hash, not the user id): the worker empties
# its page cache when another user's page arrives, or a page without it (no session).
CACHE_OWNER_HEADER = "X-Patroli-Cache-Owner"


def cache_owner(secret_key: str, user_id: int) -> str:
    """An opaque, stable name for a user's offline cache."""
    digest = hmac.new(str(secret_key).encode(), f"cache-owner:{user_id}".encode(), "sha256")
    return digest.hexdigest()[:24]
