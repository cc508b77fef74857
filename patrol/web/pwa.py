"""The installable officer app: manifest, service-worker cache version, precached URLs."""

from __future__ import annotations

import hashlib
from functools import lru_cache
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

# Static files an officer's pages need offline (paths under /static/).
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
    "js/field.js",
    "js/outbox-core.js",
    "js/outbox.js",
    "js/planning.js",
    "js/sos.js",
    "vendor/htmx-2.0.11/htmx.min.js",
    "vendor/jsqr-1.4.0/jsQR.js",
    "vendor/leaflet-1.9.4/leaflet.css",
    "vendor/leaflet-1.9.4/leaflet.js",
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
