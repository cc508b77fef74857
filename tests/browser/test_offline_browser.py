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
