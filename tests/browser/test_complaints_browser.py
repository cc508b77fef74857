"""A resident files a complaint with a photo on a 320 px phone and follows it to selesai."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa
from PIL import Image
from playwright.sync_api import expect

from patrol.extensions import db
from patrol.inputs.field import GpsFix
from patrol.models import Complaint
from patrol.services import complaints, photos
from tests.browser.conftest import axe_violations, describe

pytestmark = pytest.mark.browser

SMALL_PHONE = {"width": 320, "height": 640}


def fits_the_screen(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def test_resident_files_with_a_photo_and_follows_it_to_selesai(
    phone, create_zone, create_user, make_image, tmp_path
):
    page = phone
    page.set_viewport_size(SMALL_PHONE)  # the cheapest phone's screen
    create_zone(name="Alun-Alun Tugu")
    officer = create_user("officer", full_name="Budi Santoso")
    admin = create_user("admin")
    photo = tmp_path / "foto.jpg"
    photo.write_bytes(make_image(size=(4000, 3000)))

    page.goto("/taman")
    page.get_by_role("link", name="Lapor kerumunan atau masalah di taman").click()
    expect(page.get_by_role("heading", name="Lapor ke Satpol PP")).to_be_visible()
    assert fits_the_screen(page)
    assert axe_violations(page) == [], describe(axe_violations(page))

    page.get_by_label("Kerumunan").check()
    page.get_by_role("button", name="Pakai lokasi ponsel saya").click()
    expect(page.get_by_text("Lokasi ponsel dipakai (akurasi ±10 m).")).to_be_visible()
    page.get_by_label("Ceritakan singkat").fill("Ramai sekali dekat air mancur, tanpa masker.")
    page.get_by_label("Foto (tidak wajib)").set_input_files(str(photo))
    expect(page.get_by_text(re.compile(r"Foto siap \(\d+ KB\)\."))).to_be_visible()
    with page.expect_request("**/aduan") as sent:
        page.get_by_role("button", name="Kirim aduan").click()
    # Shrunk on the phone: the 4000 px photo left it at 1600 px, a JPEG.
    body = sent.value.post_data_buffer
    assert len(body) < 1_000_000
    page.wait_for_url(re.compile(r"/aduan/[A-Z0-9]{10}\?baru=1$"))
    expect(page.get_by_text("Aduan terkirim. Terima kasih!")).to_be_visible()
    assert fits_the_screen(page)
    assert axe_violations(page) == [], describe(axe_violations(page))

    complaint = db.session.scalars(sa.select(Complaint)).one()
    assert complaint.place_source == "gps" and complaint.photo_path
    with Image.open(photos.upload_folder() / complaint.photo_path) as stored:
        assert max(stored.size) == 1600
    expect(page.locator(".code-big")).to_have_text(complaint.code)
    expect(page.get_by_text("Aduan Anda sudah kami terima dan menunggu petugas.")).to_be_visible()

    # An officer is sent, accepts on the spot, and closes it with a result.
    complaints.assign(complaint, officer.id, admin.id)
    complaints.accept(
        officer.id, complaint.id, None, GpsFix(lat=-7.97705, lon=112.63404, accuracy_m=8)
    )
    complaints.close_by_visit(
        officer.id, complaint.id, "Kerumunan dibubarkan dengan teguran lisan.", GpsFix.missing()
    )
    db.session.commit()

    # Later, from the form, the phone remembers the code and leads back to it.
    page.goto("/aduan")
    page.get_by_role("link", name=re.compile(complaint.code)).click()
    expect(
        page.get_by_text("Selesai ditangani: Kerumunan dibubarkan dengan teguran lisan.")
    ).to_be_visible()
    expect(page.locator("li.stage.reached")).to_have_count(4)
    expect(page.locator('[data-stage="done"]')).to_contain_text("WIB")
    assert "Budi Santoso" not in page.content()
    assert fits_the_screen(page)


def _officer_with_an_assigned_complaint(phone, create_user, create_zone, create_complaint):
    """Budi, logged in on the phone with its service worker, sees a complaint at Tugu
    assigned to him (the fragment the home page polls shows it without a reload)."""
    from tests.browser.test_field_browser import log_in

    create_zone(name="Alun-Alun Tugu")
    officer = create_user("officer", full_name="Budi Santoso")
    complaint = create_complaint(description="Kerumunan di air mancur")
    complaints.assign(complaint, officer.id, create_user("admin").id)
    db.session.commit()
    log_in(phone, officer)
    phone.wait_for_function("() => navigator.serviceWorker.controller !== null")
    phone.get_by_text("Kerumunan di air mancur").wait_for()
    return complaint


# An offline flow: it races the service worker like tests/browser/test_offline_browser.py.
@pytest.mark.flaky(reruns=2)
def test_officer_accepts_without_signal_and_it_arrives_when_the_network_returns(
    phone, create_user, create_zone, create_complaint
):
    complaint = _officer_with_an_assigned_complaint(
        phone, create_user, create_zone, create_complaint
    )

    phone.context.set_offline(True)
    phone.get_by_role("button", name="Terima").click()
    phone.wait_for_url("**/patroli/luring?kunjungan=*")
    phone.get_by_role("heading", name="Alun-Alun Tugu").wait_for()
    phone.get_by_text("1 menunggu dikirim").wait_for()
    db.session.expire_all()
    assert db.session.get(Complaint, complaint.id).status == "assigned"

    phone.context.set_offline(False)
    phone.get_by_text("Semua catatan terkirim.").wait_for()
    db.session.expire_all()
    accepted = db.session.get(Complaint, complaint.id)
    assert accepted.status == "accepted" and accepted.visit.unscheduled
    assert accepted.visit.uuid in phone.url


@pytest.mark.flaky(reruns=2)
@pytest.mark.parametrize("accepted", ["online", "offline"])
def test_officer_ends_the_complaints_visit_without_signal_and_the_reporter_reads_selesai(
    phone, create_user, create_zone, create_complaint, accepted
):
    complaint = _officer_with_an_assigned_complaint(
        phone, create_user, create_zone, create_complaint
    )

    if accepted == "online":
        phone.get_by_role("button", name="Terima").click()
        phone.wait_for_url("**/patroli/kunjungan/*")
        phone.get_by_text("GPS siap, akurasi ±10 m").wait_for()
        phone.context.set_offline(True)
        # Without signal the visit goes on in the offline screen, which knows the complaint.
        phone.get_by_role("button", name="Hitung pengunjung").click()
        phone.wait_for_url("**/patroli/luring?kunjungan=*#offline-crowd")
        waiting, before_sync = 1, "accepted"
    else:
        phone.context.set_offline(True)
        phone.get_by_role("button", name="Terima").click()
        phone.wait_for_url("**/patroli/luring?kunjungan=*")
        phone.get_by_text("1 menunggu dikirim").wait_for()
        waiting, before_sync = 2, "assigned"
    phone.get_by_role("heading", name="Alun-Alun Tugu").wait_for()

    result = phone.get_by_label("Hasil penanganan (dibaca pelapor, tanpa nama orang)")
    expect(result).to_be_visible()
    end = phone.get_by_role("button", name="Selesai kunjungan, tutup aduan")
    # The result is required, as on the server's page: an empty one sends nothing.
    end.click()
    assert result.evaluate("field => field.validity.valueMissing")
    assert "luring" in phone.url
    result.fill("Kerumunan dibubarkan, pengunjung diminta menjaga jarak.")
    phone.once("dialog", lambda dialog: dialog.accept())
    end.click()
    phone.wait_for_url("**/patroli/")
    phone.get_by_text(f"{waiting} menunggu dikirim").wait_for()
    db.session.expire_all()
    assert db.session.get(Complaint, complaint.id).status == before_sync

    phone.context.set_offline(False)
    phone.get_by_text("Semua catatan terkirim.").wait_for()
    db.session.expire_all()
    closed = db.session.get(Complaint, complaint.id)
    assert closed.status == "done" and not closed.visit.is_open

    phone.goto(f"/aduan/{complaint.code}")
    expect(
        phone.get_by_text(
            "Selesai ditangani: Kerumunan dibubarkan, pengunjung diminta menjaga jarak."
        )
    ).to_be_visible()
    expect(phone.locator('[data-stage="done"]')).to_have_class(re.compile(r"\breached\b"))
    assert fits_the_screen(phone)
