"""A visitor checks in on a phone at 360x740; the guard's board follows on its own."""

import functools
import re
from datetime import datetime, timedelta, timezone

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from patrol.extensions import db
from patrol.models import CheckIn
from patrol.rules.timeutil import WIB
from tests.browser.conftest import PHONE, axe_violations, describe
from tests.conftest import DEFAULT_PASSWORD

pytestmark = pytest.mark.browser


def log_in(page, user):
    page.goto("/login")
    page.get_by_label("Nama pengguna").fill(user.username)
    page.get_by_label("Kata sandi").fill(DEFAULT_PASSWORD)
    page.get_by_role("button", name="Masuk", exact=True).click()
    page.wait_for_url("**/jaga/")


def fill_visitor(page, name="Siti Aminah"):
    page.get_by_label("Nama lengkap").fill(name)
    page.get_by_label("Nomor HP").fill("0812 3456 7890")
    page.get_by_label("Keperluan kunjungan").fill("Mengurus izin usaha")
    page.get_by_label("Tidak", exact=True).check()
    page.get_by_label("Jumlah dosis vaksin COVID-19").select_option("3")


def test_visitor_checks_in_sees_the_pass_and_checks_out(
    app, phone, desktop, create_office, create_user, create_guard_post
):
    app.config["CHECKIN_BOARD_POLL_SECONDS"] = 1
    office = create_office(name="Balai Kota Malang", entrances=["Pintu Utama"], capacity=20)
    entrance = office.entrances[0]
    guard = create_user("guard", full_name="Pak Satpam")
    create_guard_post(guard, office)

    # The guard opens the board and starts typing a walk-in's name.
    log_in(desktop, guard)
    desktop.goto(f"/jaga/kantor/{office.id}")
    expect(desktop.get_by_text("Belum ada orang di dalam.")).to_be_visible()
    desktop.get_by_label("Nama pengunjung").fill("Sedang diketik")
    assert axe_violations(desktop) == [], describe(axe_violations(desktop))

    # The visitor scans the poster.
    phone.goto(f"/c/{entrance.token}")
    expect(phone.get_by_role("heading", name="Balai Kota Malang")).to_be_visible()
    expect(phone.get_by_text("Pintu Utama")).to_be_visible()
    expect(phone.get_by_text("Undang-Undang Nomor 27 Tahun 2022", exact=False)).to_be_visible()
    assert axe_violations(phone) == [], describe(axe_violations(phone))
    fill_visitor(phone)
    phone.get_by_role("button", name="Bagikan lokasi saya (tidak wajib)").click()
    expect(phone.get_by_text("Lokasi dibagikan.")).to_be_visible()
    phone.get_by_role("button", name="Check in", exact=True).click()

    phone.wait_for_url("**/c/tiket")
    expect(phone.get_by_text("Silakan masuk")).to_be_visible()
    expect(phone.get_by_role("heading", name="Balai Kota Malang")).to_be_visible()
    checkin = db.session.scalar(sa.select(CheckIn))
    assert checkin.lat == pytest.approx(-7.97705) and checkin.remote is False
    expect(phone.get_by_text(checkin.short_code, exact=True)).to_be_visible()
    expect(phone.get_by_text(re.compile(r"Masuk: .* WIB"))).to_be_visible()
    assert phone.evaluate("document.documentElement.scrollWidth") <= 360
    assert axe_violations(phone) == [], describe(axe_violations(phone))

    # The board shows the visitor without a reload, and keeps what the guard typed.
    expect(desktop.get_by_text("Siti Aminah")).to_be_visible(timeout=5000)
    expect(desktop.get_by_text("1 / kapasitas 20")).to_be_visible()
    assert desktop.get_by_label("Nama pengunjung").input_value() == "Sedang diketik"
    assert "0812" not in desktop.content()

    # Scanning the poster again offers check-out; the visitor leaves.
    phone.goto(f"/c/{entrance.token}")
    expect(phone.get_by_text("Anda masih tercatat di dalam gedung ini")).to_be_visible()
    box = phone.get_by_role("button", name="Check out").bounding_box()
    assert box["height"] >= 48
    phone.get_by_role("button", name="Check out").click()
    expect(phone.get_by_text("Sudah keluar")).to_be_visible()
    expect(desktop.get_by_text("Belum ada orang di dalam.")).to_be_visible(timeout=5000)

    # Next time the phone remembers the details (and only the phone).
    phone.goto(f"/c/{entrance.token}")
    assert phone.get_by_label("Nama lengkap").input_value() == "Siti Aminah"
    assert phone.get_by_label("Nomor HP").input_value() == "0812 3456 7890"


def test_a_revoked_poster_gives_a_404_in_bahasa_indonesia(phone, create_office):
    office = create_office()
    entrance = office.entrances[0]
    entrance.revoked_at = datetime.now(timezone.utc)
    db.session.commit()
    response = phone.goto(f"/c/{entrance.token}")
    assert response.status == 404
    expect(phone.get_by_text("Kode QR ini tidak berlaku")).to_be_visible()


def test_a_rotating_code_older_than_60_seconds_is_refused(phone, create_office, screen_code):
    office = create_office()
    entrance = office.entrances[0]
    entrance.screen_mode = True
    db.session.commit()
    old = screen_code(entrance, datetime.now(timezone.utc) - timedelta(seconds=61))
    response = phone.goto(f"/c/{entrance.token}?k={old}")
    assert response.status == 410
    expect(phone.get_by_role("heading", name="Pindai ulang kode di layar petugas")).to_be_visible()
    expect(phone.get_by_text("sudah kedaluwarsa", exact=False)).to_be_visible()
    fresh = screen_code(entrance)
    phone.goto(f"/c/{entrance.token}?k={fresh}")
    fill_visitor(phone, name="Rudi Layar")
    phone.get_by_role("button", name="Check in", exact=True).click()
    phone.wait_for_url("**/c/tiket")
    expect(phone.get_by_text("Rudi Layar")).to_be_visible()


def test_poster_and_screen_pages_pass_axe(desktop, create_office, create_user):
    admin = create_user("admin")
    office = create_office()
    entrance = office.entrances[0]
    desktop.goto("/login")
    desktop.get_by_label("Nama pengguna").fill(admin.username)
    desktop.get_by_label("Kata sandi").fill(DEFAULT_PASSWORD)
    desktop.get_by_role("button", name="Masuk", exact=True).click()
    desktop.wait_for_url("**/admin/")
    for path in (
        f"/jaga/kantor/{office.id}/poster/{entrance.id}",
        f"/jaga/kantor/{office.id}/layar/{entrance.id}",
    ):
        desktop.goto(path)
        expect(desktop.locator(".qr svg")).to_be_visible()
        assert axe_violations(desktop) == [], describe(axe_violations(desktop))


def test_guard_checks_everybody_out_after_confirming(
    phone, create_office, create_user, create_guard_post, create_checkin
):
    office = create_office(name="Kantor Kecamatan Klojen")
    guard = create_user("guard")
    create_guard_post(guard, office)
    create_checkin(office, name="Tamu Satu")
    create_checkin(office, name="Tamu Dua")
    log_in(phone, guard)
    phone.goto(f"/jaga/kantor/{office.id}")
    dialogs = []
    phone.once("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    phone.get_by_role("button", name="Check out semua orang").click()
    expect(phone.get_by_text("Tamu Satu")).to_be_visible()
    assert "Kantor Kecamatan Klojen" in dialogs[0]
    phone.once("dialog", lambda dialog: dialog.accept())
    phone.get_by_role("button", name="Check out semua orang").click()
    expect(phone.get_by_text("2 orang dicatat keluar.")).to_be_visible()
    expect(phone.get_by_text("Belum ada orang di dalam.")).to_be_visible()
    assert axe_violations(phone) == [], describe(axe_violations(phone))


def test_guard_finds_someone_beyond_the_list_on_a_phone(
    app, browser, live_server, create_office, create_user, create_guard_post, create_checkin
):
    app.config["CHECKIN_BOARD_POLL_SECONDS"] = 1
    app.config["CHECKIN_BOARD_LIST_SIZE"] = 5
    now = datetime.now(timezone.utc)
    # Closed an hour ago at the latest: opening the board closes nobody of these.
    closes_at = (now.astimezone(WIB) - timedelta(hours=1)).time().replace(second=0, microsecond=0)
    office = create_office(name="Balai Kota Malang", capacity=20, closes_at=closes_at)
    guard = create_user("guard")
    create_guard_post(guard, office)
    start = now - timedelta(minutes=10)
    create_checkin(office, name="Siti Aminah", checked_in_at=start)
    for n in range(1, 8):
        create_checkin(office, name=f"Tamu {n}", checked_in_at=start + timedelta(minutes=n))
    # A context of its own: routing (the fixtures serve axe that way) turns the HTTP cache
    # off, and this test is about the browser revalidating the refresh (ETag, 304).
    context = browser.new_context(
        viewport=PHONE, is_mobile=True, has_touch=True, locale="id-ID", base_url=live_server
    )
    phone = context.new_page()
    # What the server answered the refreshes (the browser shows a 304 as its kept 200).
    answered = []
    view = app.view_functions["checkin.board_live"]

    @functools.wraps(view)  # keeps the view's access mark
    def recording(**kwargs):
        response = view(**kwargs)
        answered.append(response.status_code)
        return response

    app.view_functions["checkin.board_live"] = recording
    try:
        log_in(phone, guard)
        phone.goto(f"/jaga/kantor/{office.id}")

        # The newest five and the exact count; Siti came first and is not listed.
        people = phone.locator(".person")
        expect(people).to_have_count(5)
        expect(phone.get_by_text("8 / kapasitas 20")).to_be_visible()
        expect(phone.get_by_text("Siti Aminah")).to_have_count(0)
        assert phone.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]

        # The search finds her; the refresh (every second here) keeps the search, and the
        # unchanged refreshes come back 304 (the browser hands htmx the copy it kept).
        phone.get_by_label("Cari orang di dalam (nama atau kode)").fill("siti")
        expect(people).to_have_count(1)
        expect(phone.get_by_text("Siti Aminah")).to_be_visible()
        phone.wait_for_timeout(2500)
        expect(people).to_have_count(1)
        assert 304 in answered, answered

        # One person's check-out asks first.
        asked = []
        phone.once("dialog", lambda dialog: (asked.append(dialog.message), dialog.accept()))
        phone.get_by_role("button", name="Check out Siti Aminah").click()
        expect(phone.get_by_text("7 / kapasitas 20")).to_be_visible()
        assert asked == ["Catat Siti Aminah keluar?"]
        expect(
            phone.get_by_text('Tidak ada orang di dalam dengan nama atau kode "siti".')
        ).to_be_visible()

        # Search cleared: the newest five again, and a newcomer appears on a refresh.
        phone.get_by_label("Cari orang di dalam (nama atau kode)").fill("")
        expect(people).to_have_count(5)
        create_checkin(office, name="Baru Datang")
        expect(phone.get_by_text("Baru Datang")).to_be_visible(timeout=5000)
        expect(phone.get_by_text("8 / kapasitas 20")).to_be_visible()
    finally:
        context.close()
