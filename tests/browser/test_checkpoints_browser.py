"""Checkpoints in the browser: an officer scans a QR sticker with the phone's camera
(Chromium's fake camera plays a QR image), and an admin places a checkpoint on the map."""

from __future__ import annotations

import io

import pytest
import segno
import sqlalchemy as sa
from PIL import Image

from patrol.extensions import db
from patrol.models import CheckpointScan
from tests.browser.conftest import (
    MALANG,
    PHONE,
    _no_csp_errors,
    _prepare,
    axe_violations,
    chromium_path,
    describe,
)
from tests.browser.test_field_browser import log_in, start_visit
from tests.conftest import DEFAULT_PASSWORD

pytestmark = pytest.mark.browser


def qr_video(token: str, path) -> str:
    """An MJPEG file (JPEG frames one after another) showing the token's QR code."""
    qr = io.BytesIO()
    segno.make(token, error="m").save(qr, kind="png", scale=8, border=4)
    code = Image.open(io.BytesIO(qr.getvalue())).convert("RGB")
    frame = Image.new("RGB", (640, 480), "white")
    frame.paste(code, ((640 - code.width) // 2, (480 - code.height) // 2))
    jpeg = io.BytesIO()
    frame.save(jpeg, "JPEG", quality=90)
    path.write_bytes(jpeg.getvalue() * 30)
    return str(path)


@pytest.fixture
def camera_phone(browser, live_server, tmp_path):
    """A phone page in a Chromium of its own whose camera shows a QR code (given the token).

    The shared browser's Playwright launches it: a second Playwright cannot start in the
    same thread while the shared one runs.
    """
    opened = []

    def _open(token: str):
        camera_browser = browser.browser_type.launch(
            executable_path=chromium_path(),
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--use-fake-ui-for-media-stream",
                "--use-fake-device-for-media-stream",
                "--use-file-for-fake-video-capture=" + qr_video(token, tmp_path / "qr.mjpeg"),
            ],
        )
        context = camera_browser.new_context(
            viewport=PHONE,
            device_scale_factor=2,
            is_mobile=True,
            has_touch=True,
            locale="id-ID",
            timezone_id="Asia/Jakarta",
            geolocation=MALANG,
            permissions=["geolocation", "camera"],
            base_url=live_server,
        )
        page = _prepare(context)
        opened.append((camera_browser, page))
        return page

    yield _open
    for camera_browser, page in opened:
        _no_csp_errors(page)
        camera_browser.close()


@pytest.fixture
def gate_on_shift(create_user, create_zone, create_assignment, create_checkpoint):
    """An officer on shift at Alun-Alun Tugu, whose "Gerbang utara" checkpoint is here."""
    officer = create_user("officer", full_name="Budi Santoso")
    zone = create_zone(name="Alun-Alun Tugu", capacity=100)
    create_assignment(officer, zone)
    gate = create_checkpoint(
        zone, name="Gerbang utara", lat=MALANG["latitude"], lon=MALANG["longitude"]
    )
    return officer, zone, gate


def test_officer_scans_a_checkpoint_with_the_camera_and_it_lands_on_the_timeline(
    camera_phone, gate_on_shift, create_checkpoint, create_round
):
    officer, zone, gate = gate_on_shift
    fountain = create_checkpoint(zone, name="Air mancur", lat=-7.97680, lon=112.63420)
    create_round(zone, [gate, fountain], ordered=True, name="Putaran pagi")

    phone = camera_phone(gate.token)
    log_in(phone, officer)
    start_visit(phone, "Alun-Alun Tugu")
    phone.get_by_text("GPS siap, akurasi ±10 m").wait_for()
    assert phone.get_by_text("Putaran pagi · 0 dari 2 titik").is_visible()
    phone.evaluate("window.samePage = true")

    phone.get_by_role("button", name="Pindai titik").click()
    phone.get_by_text("Gerbang utara dipindai.").wait_for(timeout=20000)
    item = phone.locator("#scan-list li").first
    assert "Titik: Gerbang utara" in item.inner_text()
    assert "Di titik" in item.inner_text()
    assert phone.get_by_text("Putaran pagi · 1 dari 2 titik").is_visible()
    assert phone.evaluate("window.samePage") is True
    # The camera is closed again once the code was read.
    assert phone.locator("[data-scanner-video]").count() == 1
    assert phone.evaluate("!document.querySelector('[data-scanner-video]').srcObject")
    problems = axe_violations(phone)
    assert not problems, describe(problems)
    assert phone.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]

    # Web NFC is missing in desktop Chromium: the page says so plainly.
    phone.get_by_role("button", name="Baca tag NFC").click()
    assert phone.get_by_text("NFC Web tidak tersedia di peramban ini").is_visible()


def test_a_scan_without_signal_waits_on_the_phone_and_arrives_once(
    camera_phone, gate_on_shift, create_round
):
    officer, zone, gate = gate_on_shift
    create_round(zone, [gate], name="Putaran pagi")

    phone = camera_phone(gate.token)
    log_in(phone, officer)
    # The service worker has cached the app (the QR decoder included) before the signal goes.
    phone.wait_for_function("() => navigator.serviceWorker.controller !== null")
    start_visit(phone, "Alun-Alun Tugu")
    phone.get_by_text("GPS siap, akurasi ±10 m").wait_for()

    phone.context.set_offline(True)
    phone.get_by_role("button", name="Pindai titik").click()
    phone.get_by_text("1 menunggu dikirim").wait_for(timeout=20000)
    assert scans() == 0

    phone.context.set_offline(False)
    phone.get_by_text("Semua catatan terkirim.").wait_for(timeout=20000)
    assert scans() == 1
    scan = db.session.scalar(sa.select(CheckpointScan))
    assert (scan.checkpoint_id, scan.geofence) == (gate.id, "inside")


def scans() -> int:
    db.session.expire_all()
    return db.session.scalar(sa.select(sa.func.count()).select_from(CheckpointScan))


def test_admin_places_a_checkpoint_on_the_map_and_defines_a_round(
    desktop, create_user, create_zone
):
    admin = create_user("admin")
    zone = create_zone(name="Alun-Alun Tugu")
    desktop.goto("/login")
    desktop.get_by_label("Nama pengguna").fill(admin.username)
    desktop.get_by_label("Kata sandi").fill(DEFAULT_PASSWORD)
    desktop.get_by_role("button", name="Masuk", exact=True).click()
    desktop.goto(f"/admin/titik/zona/{zone.id}")
    desktop.get_by_label("Nama titik").fill("Gerbang utara")
    # A tap in the middle of the map (the zone's centre) fills the coordinates.
    desktop.locator("#checkpoint-map").click()
    assert desktop.get_by_label("Lintang").input_value().startswith("-7.97")
    desktop.get_by_role("button", name="Simpan titik").click()
    desktop.get_by_text("Titik Gerbang utara ditambahkan.").wait_for()
    problems = axe_violations(desktop)
    assert not problems, describe(problems)

    desktop.get_by_role("button", name="Tulis tag NFC").click()
    assert desktop.get_by_text("NFC Web tidak tersedia di peramban ini.").is_visible()

    desktop.get_by_role("link", name="Cetak stiker Gerbang utara").click()
    assert desktop.locator(".sticker-qr svg").is_visible()
    problems = axe_violations(desktop)
    assert not problems, describe(problems)
    desktop.go_back()

    desktop.get_by_label("Nama putaran").fill("Putaran pagi")
    desktop.get_by_role("button", name="Simpan putaran").click()
    desktop.get_by_text("Putaran Putaran pagi disimpan.").wait_for()
    desktop.goto("/admin/titik/peringatan")
    problems = axe_violations(desktop)
    assert not problems, describe(problems)
