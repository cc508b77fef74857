"""An officer on a 360x740 phone with emulated GPS: visit, violation, crowd count."""

from __future__ import annotations

import pytest

from tests.browser.conftest import MALANG, PHONE, axe_violations, describe
from tests.conftest import DEFAULT_PASSWORD

pytestmark = pytest.mark.browser

NIK = "3573012345678901"
OUTSIDE = {"latitude": -7.96800, "longitude": 112.63404, "accuracy": 10}


def log_in(page, user):
    page.goto("/login")
    page.get_by_label("Nama pengguna").fill(user.username)
    page.get_by_label("Kata sandi").fill(DEFAULT_PASSWORD)
    page.get_by_role("button", name="Masuk", exact=True).click()
    page.wait_for_url("**/patroli/")


def start_visit(page, zone_name):
    assert page.get_by_text(zone_name, exact=True).first.is_visible()
    page.get_by_role("button", name="Mulai kunjungan").click()
    page.wait_for_url("**/patroli/kunjungan/*")


def assert_accessible(page):
    problems = axe_violations(page)
    assert not problems, describe(problems)
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]


@pytest.fixture
def officer_on_shift(create_user, create_zone, create_assignment):
    officer = create_user("officer", full_name="Budi Santoso")
    zone = create_zone(name="Alun-Alun Tugu", capacity=100)
    create_assignment(officer, zone)
    return officer, zone


def test_officer_logs_a_visit_a_violation_and_a_crowd_count(phone, officer_on_shift):
    officer, _zone = officer_on_shift
    log_in(phone, officer)
    assert_accessible(phone)
    start_visit(phone, "Alun-Alun Tugu")
    assert phone.get_by_text("Di dalam zona").first.is_visible()
    assert phone.get_by_text("akurasi ±10 m").first.is_visible()
    phone.get_by_text("GPS siap, akurasi ±10 m").wait_for()
    assert_accessible(phone)
    # Everything from here on happens without a page load.
    phone.evaluate("window.samePage = true")

    # The common case: four taps and nothing typed, from the visit screen to a saved record.
    taps = [
        phone.get_by_role("button", name="Pelanggaran"),
        phone.get_by_text("Tidak memakai masker", exact=True),
        phone.get_by_text("Teguran lisan", exact=True),
        phone.get_by_role("button", name="Simpan"),
    ]
    for tap in taps:
        tap.click()
    phone.get_by_text("Pelanggaran tersimpan.").wait_for()
    item = phone.locator(".timeline-violation").first
    assert "Tidak memakai masker" in item.inner_text()
    assert "Di dalam zona" in item.inner_text()

    phone.get_by_role("button", name="Hitung pengunjung").click()
    level = phone.locator("#crowd-level")
    assert "Sepi" in level.inner_text()
    for _ in range(6):
        phone.get_by_role("button", name="Tambah sepuluh").click()
    assert "Ramai" in level.inner_text()  # at once, before saving
    assert phone.get_by_label("Jumlah pengunjung sekarang").input_value() == "60"
    assert_accessible(phone)
    phone.get_by_role("button", name="Simpan").click()
    phone.get_by_text("Jumlah pengunjung tersimpan.").wait_for()
    assert "Pengunjung: 60" in phone.locator(".timeline-crowd").first.inner_text()

    # Correct the count within 15 minutes.
    phone.locator(".timeline-crowd").first.get_by_role("button", name="Ubah").click()
    phone.get_by_role("heading", name="Ubah hitungan").wait_for()
    for _ in range(7):
        phone.get_by_role("button", name="Tambah sepuluh").click()
    assert "Melebihi kapasitas" in phone.locator("#crowd-level").inner_text()
    phone.get_by_role("button", name="Simpan").click()
    phone.get_by_text("Jumlah pengunjung diperbarui.").wait_for()
    crowd = phone.locator(".timeline-crowd").first.inner_text()
    assert "Pengunjung: 130" in crowd and "Diubah" in crowd
    assert phone.evaluate("window.samePage === true")

    # The printable record of the violation, then back to the visit.
    phone.locator(".timeline-violation").first.get_by_role("link", name="Cetak").click()
    phone.get_by_role("heading", name="Catatan Pelanggaran Protokol Kesehatan").wait_for()
    assert phone.get_by_text("Teguran lisan").is_visible()
    assert_accessible(phone)
    phone.get_by_role("link", name="Kembali ke kunjungan").click()

    # Ending asks first: a dismissed question leaves the visit open.
    questions = []
    phone.once("dialog", lambda dialog: (questions.append(dialog.message), dialog.dismiss()))
    phone.get_by_role("button", name="Selesai kunjungan").click()
    phone.wait_for_timeout(300)
    assert questions == ["Selesaikan kunjungan di Alun-Alun Tugu sekarang?"]
    assert "/kunjungan/" in phone.url
    phone.once("dialog", lambda dialog: dialog.accept())
    phone.get_by_role("button", name="Selesai kunjungan").click()
    phone.wait_for_url("**/patroli/")
    assert phone.get_by_text("Kunjungan di Alun-Alun Tugu selesai.").is_visible()


def test_gps_outside_the_zone_gives_the_outside_verdict(phone, officer_on_shift):
    officer, _zone = officer_on_shift
    phone.context.set_geolocation(OUTSIDE)
    log_in(phone, officer)
    start_visit(phone, "Alun-Alun Tugu")
    assert phone.get_by_text("Di luar zona").first.is_visible()
    # Walking into the park: the next entry is inside.
    phone.context.set_geolocation(MALANG)
    phone.get_by_text("GPS siap").wait_for()
    phone.get_by_role("button", name="Pelanggaran").click()
    phone.get_by_text("Berkerumun", exact=True).click()
    phone.get_by_text("Pembubaran kerumunan", exact=True).click()
    phone.get_by_role("button", name="Simpan").click()
    phone.get_by_text("Pelanggaran tersimpan.").wait_for()
    assert "Di dalam zona" in phone.locator(".timeline-violation").first.inner_text()


def test_gps_denied_still_saves(browser, live_server, officer_on_shift):
    officer, _zone = officer_on_shift
    context = browser.new_context(
        viewport=PHONE,
        is_mobile=True,
        has_touch=True,
        locale="id-ID",
        timezone_id="Asia/Jakarta",
        base_url=live_server,
    )
    page = context.new_page()
    try:
        log_in(page, officer)
        start_visit(page, "Alun-Alun Tugu")
        assert page.get_by_text("Tanpa GPS").first.is_visible()
        assert page.get_by_text("izin lokasi ditolak").first.is_visible()
        page.get_by_role("button", name="Pelanggaran").click()
        page.get_by_text("Tidak memakai masker", exact=True).click()
        page.get_by_text("Denda administratif", exact=True).click()
        assert page.get_by_label("Jumlah denda (Rp)").input_value() == "100000"
        page.get_by_text("Data pelanggar, catatan, foto").click()
        page.get_by_label("NIK (16 angka)").fill(NIK)
        page.get_by_text("Belum ada pelanggaran sebelumnya").wait_for()
        page.get_by_role("button", name="Simpan").click()
        page.get_by_text("Pelanggaran tersimpan.").wait_for()
        item = page.locator(".timeline-violation").first.inner_text()
        assert "Rp100.000" in item and "Tanpa GPS" in item and "8901" in item
        assert NIK not in page.content()

        # The same person again, in the fresh form left open under the message: the form
        # tells how often before and what comes next.
        assert page.get_by_role("heading", name="Catat pelanggaran").is_visible()
        assert page.locator(".timeline-violation").count() == 1
        page.get_by_text("Data pelanggar, catatan, foto").click()
        page.get_by_label("NIK (16 angka)").fill(NIK)
        hint = page.locator("#nik-history")
        hint.get_by_text("1 pelanggaran sebelumnya").wait_for()
        assert "Sedang" in hint.inner_text()
    finally:
        context.close()


CLIPPED_JS = """() => [...document.querySelectorAll('.btn, button, a.btn, .choice span')]
  .filter(el => el.offsetParent !== null && (el.scrollWidth > el.clientWidth + 1))
  .map(el => el.textContent.trim())"""


def box_in_view(locator, height):
    box = locator.bounding_box()
    return box is not None and box["y"] >= 0 and box["y"] + box["height"] <= height


def test_what_the_officer_needs_in_the_moment(phone, officer_on_shift):
    import sqlalchemy as sa

    from patrol.extensions import db
    from patrol.models import AuditEvent, Violation

    officer, _zone = officer_on_shift
    log_in(phone, officer)
    # No label clips its button on a 320 px screen.
    phone.set_viewport_size({"width": 320, "height": 640})
    assert phone.evaluate(CLIPPED_JS) == []
    start_visit(phone, "Alun-Alun Tugu")
    phone.get_by_text("GPS siap, akurasi ±10 m").wait_for()
    assert phone.evaluate(CLIPPED_JS) == []
    assert phone.evaluate("document.documentElement.scrollWidth") <= 320

    # SOS: in view without scrolling, far from Selesai kunjungan.
    phone.set_viewport_size({"width": 360, "height": 640})
    phone.evaluate("window.scrollTo(0, 0)")
    sos = phone.get_by_role("button", name="SOS")
    assert box_in_view(sos, 640)
    end = phone.get_by_role("button", name="Selesai kunjungan").bounding_box()
    assert end["y"] - (sos.bounding_box()["y"] + sos.bounding_box()["height"]) > 300
    # The zone is drawn from its outline, without map tiles.
    assert "Di dalam zona" in phone.locator("[data-zone-sketch]").inner_text()

    # The violation form fits 360x640: category, action and Simpan without scrolling.
    phone.get_by_role("button", name="Pelanggaran").click()
    form = phone.locator("form.violation-form")
    form.wait_for()
    assert box_in_view(form.locator("fieldset").nth(0), 640)
    assert box_in_view(form.locator("fieldset").nth(1), 640)
    assert box_in_view(form.get_by_role("button", name="Simpan"), 640)
    phone.set_viewport_size({"width": 320, "height": 640})
    assert phone.evaluate(CLIPPED_JS) == []
    phone.set_viewport_size({"width": 360, "height": 640})
    form.scroll_into_view_if_needed()
    # Where the officer stands, before Simpan; outside shows before saving.
    live = form.locator("[data-live-geofence]")
    assert live.inner_text() == "Di dalam zona"
    phone.context.set_geolocation(OUTSIDE)
    phone.wait_for_function(
        "() => document.querySelector('[data-live-geofence]').textContent.startsWith('Di luar')"
    )
    assert "m dari batas" in live.inner_text()
    phone.context.set_geolocation(MALANG)
    phone.wait_for_function(
        "() => document.querySelector('[data-live-geofence]').textContent === 'Di dalam zona'"
    )

    # Simpan with nothing chosen: every error at once, the first one focused.
    form.get_by_role("button", name="Simpan").click()
    phone.get_by_text("Pilih jenis pelanggaran.").wait_for()
    assert phone.get_by_text("Pilih tindakan.").is_visible()
    phone.wait_for_function("() => document.activeElement.name === 'category'", timeout=3_000)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Violation)) == 0

    phone.get_by_text("Tidak memakai masker", exact=True).click()
    phone.get_by_text("Teguran lisan", exact=True).click()
    phone.get_by_role("button", name="Simpan").click()
    phone.get_by_text("Pelanggaran tersimpan.").wait_for()
    saved = phone.locator(".timeline-violation.is-new")
    phone.wait_for_timeout(300)
    assert box_in_view(saved, 640)

    # Withdrawing asks for the reason, kept in the audit.
    phone.once("dialog", lambda dialog: dialog.accept("Salah orang"))
    saved.get_by_role("button", name="Tarik").click()
    phone.locator(".timeline-violation.is-withdrawn").wait_for()
    db.session.expire_all()
    violation = db.session.scalar(sa.select(Violation))
    assert violation.withdrawn_reason == "Salah orang"
    event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "withdraw"))
    assert event.after["reason"] == "Salah orang"
