"""What the server tells the officer app's service worker: which pages it may keep
(never a personal one) and whose they are."""

from __future__ import annotations

import sqlalchemy as sa

from patrol.extensions import db
from patrol.models import Violation
from patrol.web import pwa

OWNER = pwa.CACHE_OWNER_HEADER


def test_personal_pages_are_no_store_and_the_offline_pages_may_be_kept(field_setup):
    client = field_setup.client
    field_setup.post_violation(offender_name="Andi Wijaya")
    visit_page = client.get(field_setup.visit_url)
    assert "Andi Wijaya" in visit_page.get_data(as_text=True)
    assert "no-store" in visit_page.headers["Cache-Control"]
    entry_id = db.session.scalar(sa.select(Violation.id))
    record = client.get(f"/patroli/pelanggaran/{entry_id}/cetak")
    assert record.status_code == 200 and "no-store" in record.headers["Cache-Control"]
    for page in ("/patroli/", "/patroli/luring"):
        assert client.get(page).headers["Cache-Control"] == "private, no-cache", page


def test_pages_name_their_owner_and_anonymous_pages_none(app, client, create_user, login):
    budi, sari = create_user("officer"), create_user("officer")
    assert OWNER not in client.get("/login").headers
    login(client, budi)
    first = client.get("/patroli/").headers[OWNER]
    assert client.get("/patroli/luring").headers[OWNER] == first
    other = app.test_client()
    login(other, sari)
    assert other.get("/patroli/").headers[OWNER] not in (first, "", None)
    assert str(budi.id) != first  # an opaque name, not the user id


def test_the_service_worker_honours_no_store_and_the_owner(client):
    source = client.get("/patroli/sw.js").get_data(as_text=True)
    assert "no-store" in source and OWNER in source and "patroli-session-ended" in source


def test_the_login_page_tells_the_service_worker_that_no_one_is_logged_in(client):
    page = client.get("/login").get_data(as_text=True)
    assert "js/session-ended.js" in page
    script = client.get("/static/js/session-ended.js").get_data(as_text=True)
    assert "patroli-session-ended" in script
