"""At the door on real phones: the one-submit form, a returning visitor, waiting and red
passes on the guard's 320 px board, two offices on one phone, an office closed."""

from __future__ import annotations

import json
from datetime import datetime, time

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from patrol.extensions import db
from patrol.models import CheckIn
from patrol.rules.timeutil import WIB
from tests.browser.conftest import axe_violations, describe
from tests.conftest import DEFAULT_PASSWORD

pytestmark = pytest.mark.browser

SMALL = {"width": 320, "height": 640}
REMEMBERED = {
    "name": "Siti Aminah",
    "phone": "0812-3456-7890",
    "purpose": "Mengurus izin usaha",
    "vaccine_doses": "3",
}


@pytest.fixture
def small_phone(browser, live_server):
    """A small phone (320x640)."""
    context = browser.new_context(
        viewport=SMALL, is_mobile=True, has_touch=True, locale="id-ID", base_url=live_server
    )
    yield context.new_page()
    context.close()


def in_view(page, locator, height) -> bool:
    box = locator.bounding_box()
    return box is not None and box["y"] >= 0 and box["y"] + box["height"] <= height


def remember_visitor(page, token):
    """This phone has checked in before: its details are kept in its own storage."""
    page.goto(f"/c/{token}")
    page.evaluate(f"localStorage.setItem('patroli.visitor', {json.dumps(json.dumps(REMEMBERED))})")
    page.goto(f"/c/{token}")


def test_the_empty_form_shows_every_error_at_once_on_a_320_px_phone(small_phone, create_office):
    office = create_office(name="Balai Kota Malang")
    page = small_phone
    page.goto(f"/c/{office.entrances[0].token}")
    page.get_by_role("button", name="Check in", exact=True).click()
    errors = page.locator(".visit-form .field-error")
    expect(errors).to_have_count(5)
    for message in (
        "Nama wajib diisi.",
        "Nomor HP wajib diisi.",
        "Keperluan kunjungan wajib diisi.",
        "Jawab pertanyaan gejala: ya atau tidak.",
        "Pilih jumlah dosis vaksin (0 sampai 10).",
    ):
        expect(page.get_by_text(message, exact=True)).to_have_count(1)
    name = page.get_by_label("Nama lengkap")
    expect(name).to_be_focused()
    assert in_view(page, name, SMALL["height"])
    assert page.url.endswith(office.entrances[0].token)  # nothing was sent
    assert db.session.scalar(sa.select(sa.func.count(CheckIn.id))) == 0
    assert page.evaluate("document.documentElement.scrollWidth") <= SMALL["width"]
    # Fixing one field takes its message away; the others stay until fixed.
    name.fill("Siti Aminah")
    name.blur()
    expect(errors).to_have_count(4)
    # The page loads no htmx: the visitor's page uses only its own script.
    scripts = page.evaluate("[...document.scripts].map(s => s.src)")
    assert len(scripts) == 1 and scripts[0].split("?")[0].endswith("/static/js/checkin.js")


def test_a_returning_visitor_reaches_the_pass_with_the_button_on_the_first_screen(
    phone, create_office
):
    office = create_office(name="Balai Kota Malang")
    token = office.entrances[0].token
    remember_visitor(phone, token)
    expect(phone.get_by_text("Siti Aminah · 0812-3456-7890 · Mengurus izin usaha")).to_be_visible()
    button = phone.get_by_role("button", name="Check in", exact=True)
    assert in_view(phone, button, 740)
    assert axe_violations(phone) == [], describe(axe_violations(phone))
    phone.get_by_label("Tidak", exact=True).check()
    assert in_view(phone, button, 740)
    button.click()
    phone.wait_for_url("**/c/tiket")
    expect(phone.get_by_text("Silakan masuk")).to_be_visible()
    checkin = db.session.scalar(sa.select(CheckIn))
    assert checkin.visitor_phone == "+6281234567890" and checkin.vaccine_doses == 3


def test_waiting_and_red_passes_on_the_guards_320_px_board(
    app, phone, small_phone, create_office, create_user, create_guard_post, create_checkin
):
    app.config["CHECKIN_WAITING_REFRESH_SECONDS"] = 1
    app.config["CHECKIN_BOARD_POLL_SECONDS"] = 1
    office = create_office(name="Balai Kota Malang", capacity=1)
    create_checkin(office, name="Ani Sudah Di Dalam Dengan Nama Yang Sangat Panjang Sekali")
    create_checkin(office, name="Budi Demam", status="waiting", screening="red", has_symptoms=True)
    guard = create_user("guard", full_name="Pak Satpam")
    create_guard_post(guard, office)

    # The visitor arrives at a full office: a pass that says wait, not green.
    remember_visitor(phone, office.entrances[0].token)
    phone.get_by_label("Tidak", exact=True).check()
    phone.get_by_role("button", name="Check in", exact=True).click()
    phone.wait_for_url("**/c/tiket")
    expect(phone.get_by_text("Tunggu di pintu")).to_be_visible()
    expect(phone.get_by_text("Silakan masuk")).to_have_count(0)

    board = small_phone
    board.goto("/login")
    board.get_by_label("Nama pengguna").fill(guard.username)
    board.get_by_label("Kata sandi").fill(DEFAULT_PASSWORD)
    board.get_by_role("button", name="Masuk", exact=True).click()
    board.goto(f"/jaga/kantor/{office.id}")
    expect(board.get_by_text("1 / kapasitas 1")).to_be_visible()
    expect(board.get_by_text("2 orang menunggu di pintu")).to_be_visible()
    assert board.evaluate("document.documentElement.scrollWidth") <= SMALL["width"]

    # The red pass: one tap turns Budi away; nobody retypes a code.
    board.get_by_role("button", name="Tolak Budi Demam").click()
    expect(board.get_by_text("1 orang menunggu di pintu")).to_be_visible()
    # Ani leaves (the guard confirms); Siti is let in, and her pass turns green by itself.
    board.once("dialog", lambda dialog: dialog.accept())
    board.get_by_role("button", name="Check out Ani", exact=False).click()
    expect(board.get_by_text("0 / kapasitas 1")).to_be_visible()
    board.get_by_role("button", name="Persilakan masuk Siti Aminah").click()
    expect(board.get_by_text("1 / kapasitas 1")).to_be_visible()
    expect(board.get_by_text("menunggu di pintu")).to_have_count(0)
    assert board.evaluate("document.documentElement.scrollWidth") <= SMALL["width"]
    expect(phone.get_by_text("Silakan masuk")).to_be_visible(timeout=5000)


def closed_now() -> dict:
    """Opening hours that do not include this moment (WIB), whatever the hour."""
    now = datetime.now(WIB)
    if now.hour >= 3:
        return {"opens_at": time(0, 0), "closes_at": time(now.hour - 1, 0)}
    return {"opens_at": time(now.hour + 1, 0), "closes_at": time(now.hour + 2, 0)}


def test_two_offices_on_one_phone_and_a_third_closed(phone, create_office):
    balai = create_office(name="Balai Kota Malang")
    dprd = create_office(name="Sekretariat DPRD")
    closed = create_office(
        name="Kantor Kecamatan Klojen", after_hours_checkin=False, **closed_now()
    )
    for office in (balai, dprd):
        remember_visitor(phone, office.entrances[0].token)
        phone.get_by_label("Tidak", exact=True).check()
        phone.get_by_role("button", name="Check in", exact=True).click()
        phone.wait_for_url("**/c/tiket")
    expect(phone.locator("[data-pass-state=green]")).to_have_count(2)
    phone.get_by_role("button", name="Check out Balai Kota Malang").click()
    expect(phone.locator("[data-pass-state=out]")).to_have_count(1)
    expect(phone.get_by_role("button", name="Check out Sekretariat DPRD")).to_be_visible()
    db.session.expire_all()
    first, second = db.session.scalars(sa.select(CheckIn).order_by(CheckIn.id))
    assert first.checkout_by == "self" and second.checked_out_at is None

    phone.goto(f"/c/{closed.entrances[0].token}")
    expect(phone.get_by_role("heading", name="Kantor sedang tutup")).to_be_visible()
    expect(phone.get_by_label("Nama lengkap")).to_have_count(0)


def test_revoking_or_reissuing_an_entrance_code_asks_first(desktop, create_office, create_user):
    admin = create_user("admin")
    office = create_office(name="Balai Kota Malang")
    token = office.entrances[0].token
    desktop.goto("/login")
    desktop.get_by_label("Nama pengguna").fill(admin.username)
    desktop.get_by_label("Kata sandi").fill(DEFAULT_PASSWORD)
    desktop.get_by_role("button", name="Masuk", exact=True).click()
    desktop.goto(f"/admin/kantor/{office.id}")
    asked = []
    desktop.once("dialog", lambda dialog: (asked.append(dialog.message), dialog.dismiss()))
    desktop.get_by_role("button", name="Terbitkan kode baru Pintu Utama").click()
    desktop.wait_for_timeout(300)
    assert asked and "Poster lama langsung tidak berlaku" in asked[0]
    db.session.expire_all()
    assert office.entrances[0].token == token  # dismissed: nothing changed
    # The poster and the QR screen are one click away from the office page.
    desktop.get_by_role("link", name="Poster Pintu Utama").click()
    expect(desktop.get_by_role("heading", name="Balai Kota Malang")).to_be_visible()
    expect(desktop.get_by_role("button", name="Cetak poster (A4)")).to_be_visible()
    desktop.go_back()
    desktop.once("dialog", lambda dialog: (asked.append(dialog.message), dialog.accept()))
    desktop.get_by_role("button", name="Cabut kode Pintu Utama").click()
    expect(desktop.get_by_text("Kode QR Pintu Utama dicabut.")).to_be_visible()
    assert "Semua poster pintu ini langsung tidak berlaku" in asked[1]
