"""The installable officer app: manifest, service worker, offline visit screen."""

from __future__ import annotations

import json
import re

import pytest
from PIL import Image

from patrol.web import pwa


def test_the_manifest_is_served_with_its_content_type(client):
    response = client.get("/patroli/manifest.webmanifest")
    assert response.status_code == 200
    assert response.mimetype == "application/manifest+json"
    manifest = json.loads(response.data)
    assert manifest["start_url"] == "/patroli/" and manifest["scope"] == "/patroli/"
    assert manifest["display"] == "standalone"
    purposes = {icon["purpose"] for icon in manifest["icons"]}
    assert purposes == {"any", "maskable"}
    for icon in manifest["icons"]:
        image = client.get(icon["src"])
        assert image.status_code == 200 and image.mimetype == "image/png"
        with Image.open(pwa_path(icon["src"])) as png:
            assert f"{png.width}x{png.height}" == icon["sizes"]


def pwa_path(src: str):
    from pathlib import Path

    import patrol

    # Static URLs carry ?v=<content hash> (patrol/http_cache.py).
    return Path(patrol.__file__).parent / src.split("?")[0].lstrip("/")


def test_the_service_worker_is_served_for_the_officer_pages(app, client):
    response = client.get("/patroli/sw.js")
    assert response.status_code == 200
    assert response.mimetype == "text/javascript"
    assert response.headers["Cache-Control"] == "no-cache"
    body = response.get_data(as_text=True)
    version = pwa.cache_version(app.static_folder)
    assert f'"{version}"' in body
    for name in pwa.PRECACHE_STATIC:
        assert f"/static/{name}" in body
        assert (pwa_path("/static/" + name)).is_file(), name
    assert '"/patroli/luring"' in body


LINKED_STATIC = re.compile(r'(?:src|href|data-jsqr-src)="/static/([^"?]+)')


def test_every_static_file_of_the_officer_pages_is_kept_for_offline(field_setup, create_checkpoint):
    """Without signal the phone has only what the service worker cached: a script the
    visit page loads later (the QR decoder, fetched when the camera opens) must be there."""
    create_checkpoint(field_setup.zone)
    linked = set()
    for page in ("/patroli/", f"/patroli/kunjungan/{field_setup.visit.uuid}", "/patroli/luring"):
        response = field_setup.client.get(page)
        assert response.status_code == 200, page
        linked |= set(LINKED_STATIC.findall(response.get_data(as_text=True)))
    assert {"js/checkpoints.js", "vendor/jsqr-1.4.0/jsQR.min.js", "js/sos.js"} <= linked
    assert linked - set(pwa.PRECACHE_STATIC) == set()


def test_a_changed_static_file_gives_new_caches(tmp_path):
    (tmp_path / "app.css").write_text("body {}")
    first = pwa.cache_version(str(tmp_path))
    pwa.cache_version.cache_clear()
    assert pwa.cache_version(str(tmp_path)) == first
    pwa.cache_version.cache_clear()
    (tmp_path / "app.css").write_text("body { color: red }")
    assert pwa.cache_version(str(tmp_path)) != first
    pwa.cache_version.cache_clear()


def test_officer_pages_link_the_manifest_and_the_outbox(client, create_user, login):
    login(client, create_user("officer"))
    page = client.get("/patroli/").get_data(as_text=True)
    assert 'rel="manifest"' in page and "js/outbox.js" in page
    assert "data-outbox" in page and "Kirim sekarang" in page


@pytest.mark.parametrize("role", ["guard", "admin"])
def test_other_roles_get_no_outbox(client, create_user, login, role):
    login(client, create_user(role))
    page = client.get(client.get("/").headers.get("Location", "/")).get_data(as_text=True)
    assert "data-outbox" not in page and "outbox.js" not in page


def test_the_offline_visit_screen_has_the_forms_from_the_reference_data(client, create_user, login):
    login(client, create_user("officer"))
    response = client.get("/patroli/luring")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert 'value="no_mask"' in page and 'value="verbal_warning"' in page
    assert 'data-offline-entry="violation"' in page and 'data-offline-entry="crowd_count"' in page
    assert "<script>" not in page and " style=" not in page


def test_the_csrf_token_endpoint_names_the_user(client, create_user, login):
    officer = create_user("officer")
    login(client, officer)
    body = client.get("/api/v1/csrf-token").get_json()
    assert body["user_id"] == officer.id and body["csrf_token"]
