"""No signal in the park: a visit, three violations and a count wait on the phone, then
arrive exactly once when the network returns."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from patrol.extensions import db
from patrol.models import CrowdCount, Violation, Visit
from tests.browser.conftest import PHONE, axe_violations, describe
from tests.browser.test_field_browser import log_in

pytestmark = pytest.mark.browser

PENDING_JS = "async () => (await PatroliOutbox.pending({user})).map(i => i.record)"
REPLAY_JS = """async (records) => {
  const token = (await (await fetch('/api/v1/csrf-token')).json()).csrf_token;
  const response = await fetch('/api/v1/sync', {
    method: 'POST',
    headers: {'Content-Type': 'application/json', 'X-CSRFToken': token},
    body: JSON.stringify({records}),
  });
  return (await response.json()).results.map(r => r.status);
}"""


def counts():
    db.session.expire_all()
    return tuple(
        db.session.scalar(sa.select(sa.func.count()).select_from(model))
        for model in (Visit, Violation, CrowdCount)
    )


def log_violation(page, category, action):
    page.get_by_role("button", name="Pelanggaran").click()
    page.get_by_text(category, exact=True).click()
    page.get_by_text(action, exact=True).click()
    page.get_by_role("button", name="Simpan").click()
    page.get_by_text("Tersimpan di ponsel, menunggu dikirim.").wait_for()


def test_a_visit_logged_without_signal_arrives_once(
    phone, create_user, create_zone, create_assignment
):
    officer = create_user("officer", full_name="Budi Santoso")
    zone = create_zone(name="Alun-Alun Tugu", capacity=100)
    create_assignment(officer, zone)
    log_in(phone, officer)
    # The service worker has cached the app before the signal goes.
    phone.wait_for_function("() => navigator.serviceWorker.controller !== null")

    phone.context.set_offline(True)
    phone.get_by_role("button", name="Mulai kunjungan").click()
    phone.wait_for_url("**/patroli/luring?kunjungan=*")
    phone.get_by_role("heading", name="Alun-Alun Tugu").wait_for()
    phone.get_by_text("GPS siap, akurasi ±10 m").wait_for()

    log_violation(phone, "Tidak memakai masker", "Teguran lisan")
    log_violation(phone, "Berkerumun", "Pembubaran kerumunan")
    log_violation(phone, "Tidak menjaga jarak", "Teguran tertulis")
    phone.get_by_role("button", name="Hitung pengunjung").click()
    for _ in range(4):
        phone.get_by_role("button", name="Tambah sepuluh").click()
    assert "Sepi" in phone.locator("#crowd-level").inner_text()
    phone.get_by_role("button", name="Simpan").click()
    phone.get_by_text("Pengunjung: 40").wait_for()
    phone.get_by_text("5 menunggu dikirim").wait_for()
    assert counts() == (0, 0, 0)

    # A reload without signal: the screen and the outbox are still there.
    phone.reload()
    phone.get_by_text("5 menunggu dikirim").wait_for()
    items = phone.locator(".timeline-item")
    items.nth(3).wait_for()
    assert items.count() == 4
    assert all("menunggu dikirim" in text for text in items.all_inner_texts())
    assert phone.get_by_role("heading", name="Alun-Alun Tugu").is_visible()
    problems = axe_violations(phone)
    assert not problems, describe(problems)
    assert phone.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    batch = phone.evaluate(PENDING_JS.format(user=officer.id))
    assert len(batch) == 5

    phone.context.set_offline(False)
    phone.get_by_text("Semua catatan terkirim.").wait_for()
    assert phone.locator(".timeline-item").count() == 0
    assert counts() == (1, 3, 1)
    visit = db.session.scalar(sa.select(Visit))
    assert visit.officer_id == officer.id and visit.start_geofence == "inside"
    sent = {r["uuid"] for r in batch}
    stored = (
        {visit.uuid} | {v.uuid for v in visit.violations} | {c.uuid for c in visit.crowd_counts}
    )
    assert stored == sent
    assert visit.crowd_counts[0].headcount == 40

    # The same batch again: all known, nothing new.
    assert phone.evaluate(REPLAY_JS, batch) == ["duplicate"] * 5
    assert counts() == (1, 3, 1)

    # The visit's own screen takes over now that the server has it.
    phone.get_by_role("link", name="Buka halaman kunjungan").click()
    phone.wait_for_url(f"**/patroli/kunjungan/{visit.uuid}")
    assert phone.locator(".timeline-violation").count() == 3


ADD_JS = "async ([user, record]) => { await PatroliOutbox.add(user, record); }"


def test_expired_token_expired_session_and_rejected_entries(
    phone, create_user, create_zone, create_assignment
):
    import uuid

    from tests.fixtures_offline import HERE, minutes_ago

    officer = create_user("officer", full_name="Budi Santoso")
    zone = create_zone(name="Alun-Alun Tugu", capacity=100)
    create_assignment(officer, zone)
    log_in(phone, officer)
    start = {
        "uuid": str(uuid.uuid4()),
        "kind": "visit_start",
        "recorded_at": minutes_ago(3),
        "zone_id": zone.id,
    } | HERE
    stray = {
        "uuid": str(uuid.uuid4()),
        "kind": "crowd_count",
        "recorded_at": minutes_ago(2),
        "visit_uuid": str(uuid.uuid4()),
        "headcount": 5,
    } | HERE
    phone.evaluate(ADD_JS, [officer.id, start])
    phone.evaluate(ADD_JS, [officer.id, stray])

    # The session ends (logged out elsewhere): the officer is asked to log in, nothing is lost.
    officer.session_token = "ended-elsewhere"
    db.session.commit()
    phone.evaluate("() => window.dispatchEvent(new Event('online'))")
    phone.get_by_text("Sesi berakhir. Masuk lagi").wait_for()
    assert phone.get_by_text("2 menunggu dikirim").is_visible()
    assert counts() == (0, 0, 0)

    # Logged in again, with a CSRF token that has expired by the time the outbox goes.
    expired = {"done": False}

    def csrf_expired_once(route):
        if expired["done"]:
            route.continue_()
            return
        expired["done"] = True
        route.fulfill(status=400, json={"error": "Formulir sudah kedaluwarsa (token CSRF)."})

    phone.route("**/api/v1/sync", csrf_expired_once)
    with phone.expect_request("**/api/v1/csrf-token"):
        phone.get_by_role("link", name="Masuk lagi").click()
        log_in_form(phone, officer)
    # The visit went in; the count for an unknown visit is set aside with the reason.
    rejected = phone.locator("[data-outbox-rejected]")
    rejected.get_by_text("Kunjungan tidak ditemukan.").wait_for()
    assert expired["done"]
    assert counts() == (1, 0, 0)
    assert phone.evaluate(PENDING_JS.format(user=officer.id)) == []
    assert not phone.get_by_text("menunggu dikirim").is_visible()
    phone.get_by_role("button", name="Sudah dicatat, hapus daftar ini").click()
    rejected.wait_for(state="hidden")


def log_in_form(page, user):
    from tests.conftest import DEFAULT_PASSWORD

    page.get_by_label("Nama pengguna").fill(user.username)
    page.get_by_label("Kata sandi").fill(DEFAULT_PASSWORD)
    page.get_by_role("button", name="Masuk", exact=True).click()
    page.wait_for_url("**/patroli/")


def test_a_visit_ended_without_signal_is_continued_and_closed_from_today(
    phone, create_user, create_zone, create_assignment
):
    officer = create_user("officer", full_name="Budi Santoso")
    zone = create_zone(name="Alun-Alun Tugu", capacity=100)
    create_assignment(officer, zone)
    log_in(phone, officer)
    phone.wait_for_function("() => navigator.serviceWorker.controller !== null")
    phone.context.set_offline(True)
    phone.get_by_role("button", name="Mulai kunjungan").click()
    phone.wait_for_url("**/patroli/luring?kunjungan=*")
    # Back to today (the phone's copy): the visit is continued, not started twice.
    phone.get_by_role("link", name="Hari ini").click()
    phone.get_by_role("link", name="Buka kunjungan tanpa sinyal").click()
    phone.wait_for_url("**/patroli/luring?kunjungan=*")
    phone.get_by_role("button", name="Selesai kunjungan").click()
    phone.wait_for_url("**/patroli/")
    phone.get_by_text("2 menunggu dikirim").wait_for()
    assert phone.get_by_role("button", name="Mulai kunjungan").is_visible()
    phone.get_by_role("button", name="Kirim sekarang").wait_for()
    phone.context.set_offline(False)
    phone.get_by_text("Semua catatan terkirim.").wait_for()
    visit = db.session.scalar(sa.select(Visit))
    db.session.refresh(visit)
    assert visit.closed_by == "officer" and visit.end_uuid is not None
    assert visit.ended_at > visit.started_at


def test_signal_lost_in_a_visit_started_online(phone, create_user, create_zone, create_assignment):
    officer = create_user("officer", full_name="Budi Santoso")
    zone = create_zone(name="Alun-Alun Tugu", capacity=100)
    create_assignment(officer, zone)
    log_in(phone, officer)
    phone.wait_for_function("() => navigator.serviceWorker.controller !== null")
    phone.get_by_role("button", name="Mulai kunjungan").click()
    phone.wait_for_url("**/patroli/kunjungan/*")
    phone.get_by_text("GPS siap").wait_for()

    # The form was open when the signal went: Simpan puts it in the outbox.
    phone.get_by_role("button", name="Pelanggaran").click()
    phone.get_by_text("Tidak memakai masker", exact=True).click()
    phone.get_by_text("Teguran lisan", exact=True).click()
    phone.context.set_offline(True)
    phone.get_by_role("button", name="Simpan").click()
    phone.get_by_text("1 menunggu dikirim").wait_for()
    pending = phone.locator(".timeline-item.is-pending")
    assert "Tidak memakai masker" in pending.inner_text()
    assert "menunggu dikirim" in pending.inner_text()

    # Without signal, the next entry goes on in the offline screen of the same visit.
    phone.get_by_role("button", name="Hitung pengunjung").click()
    phone.wait_for_url("**/patroli/luring?kunjungan=*#offline-crowd")
    phone.get_by_role("heading", name="Alun-Alun Tugu").wait_for()
    phone.get_by_role("button", name="Tambah sepuluh").click()
    phone.get_by_role("button", name="Simpan").click()
    phone.get_by_text("2 menunggu dikirim").wait_for()
    assert counts() == (1, 0, 0)

    phone.context.set_offline(False)
    phone.get_by_text("Semua catatan terkirim.").wait_for()
    assert counts() == (1, 1, 1)
    phone.get_by_role("link", name="Buka halaman kunjungan").click()
    phone.wait_for_url("**/patroli/kunjungan/*")
    assert "Tidak memakai masker" in phone.locator(".timeline-violation").inner_text()
    assert "Pengunjung: 10" in phone.locator(".timeline-crowd").inner_text()
    assert phone.locator(".timeline-item.is-pending").count() == 0
