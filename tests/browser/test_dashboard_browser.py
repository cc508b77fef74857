"""The admin's city dashboard at desktop size, the officer's SOS button on a phone, and
the public park page: driven in Chromium, checked with axe-core."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from patrol.extensions import db
from patrol.models import SosAlert, Visit
from tests.browser.conftest import axe_violations, describe
from tests.conftest import DEFAULT_PASSWORD

pytestmark = pytest.mark.browser


def log_in(page, user) -> None:
    page.goto("/login")
    page.get_by_label("Nama pengguna").fill(user.username)
    page.get_by_label("Kata sandi").fill(DEFAULT_PASSWORD)
    page.get_by_role("button", name="Masuk", exact=True).click()
    page.wait_for_load_state()


@pytest.fixture
def city(
    create_user,
    create_zone,
    create_visit,
    create_crowd_count,
    create_violation,
    create_office,
    create_assignment,
):
    now = datetime.now(timezone.utc)
    officer = create_user("officer", full_name="Budi Santoso")
    tugu = create_zone(name="Alun-Alun Tugu", capacity=100)
    create_zone(name="Taman Merbabu", lat=-7.97455, lon=112.62195, capacity=150)
    create_assignment(officer, tugu)
    visit = create_visit(
        officer,
        tugu,
        started_at=now - timedelta(minutes=20),
        start_lat=-7.97705,
        start_lon=112.63404,
    )
    create_crowd_count(visit, 80, recorded_at=now - timedelta(minutes=10))
    create_violation(visit, "no_mask", recorded_at=now - timedelta(minutes=5))
    create_office(name="Balai Kota Malang")
    return officer


def test_dashboard_shows_the_city_and_a_new_sos_until_acknowledged(
    desktop, create_user, create_sos, city
):
    log_in(desktop, create_user("admin"))
    desktop.goto("/admin/dasbor")
    assert desktop.get_by_role("heading", name="Dasbor kota").is_visible()
    desktop.wait_for_selector("#city-map.leaflet-container")
    assert desktop.locator("#city-map path.leaflet-interactive").count() >= 3
    assert desktop.locator('[data-figure="violations"]').inner_text() == "1"
    assert desktop.get_by_text("Tidak ada SOS terbuka.").is_visible()
    problems = axe_violations(desktop)
    assert not problems, describe(problems)

    # An SOS raised while the page is open shows up without a reload.
    create_sos(city)
    alert = desktop.get_by_role("alert").filter(has_text="Budi Santoso")
    alert.wait_for(timeout=12_000)
    # Locators, not wait_for_function: the CSP (no eval) applies to test code in the page too.
    desktop.locator("body.sos-active").wait_for(timeout=5_000)
    desktop.get_by_label("Catatan").fill("Regu 2 berangkat")
    desktop.get_by_role("button", name="Terima SOS").click()
    desktop.get_by_text("Tidak ada SOS terbuka.").wait_for()
    db.session.expire_all()
    assert db.session.scalar(sa.select(SosAlert.note)) == "Regu 2 berangkat"


def test_report_page_filters_in_place_and_passes_axe(desktop, create_user, city):
    log_in(desktop, create_user("admin"))
    desktop.goto("/admin/laporan/pelanggaran")
    assert desktop.locator('[data-figure="total"]').inner_text() == "1"
    assert desktop.locator("#report-body svg.chart").count() == 4
    problems = axe_violations(desktop)
    assert not problems, describe(problems)
    other = desktop.get_by_label("Zona", exact=True)
    other.select_option(label="Taman Merbabu")
    expect(desktop.locator('[data-figure="total"]')).to_have_text("0")
    assert "zone_id=" in desktop.url


def test_officer_holds_sos_and_help_is_called(phone, city):
    log_in(phone, city)
    button = phone.get_by_role("button", name="SOS")
    button.scroll_into_view_if_needed()
    box = button.bounding_box()
    assert box["height"] >= 48
    # A tap is not enough...
    button.click()
    phone.wait_for_timeout(300)
    assert db.session.scalar(sa.select(sa.func.count(SosAlert.id))) == 0
    # ...holding it is.
    phone.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    phone.mouse.down()
    phone.wait_for_timeout(2300)
    phone.mouse.up()
    phone.get_by_text("SOS terkirim").wait_for(timeout=10_000)
    db.session.expire_all()
    alert = db.session.scalars(sa.select(SosAlert)).one()
    assert alert.officer_id == city.id
    assert alert.lat == pytest.approx(-7.97705)


def test_public_park_page_on_a_phone(phone, city):
    phone.goto("/taman")
    assert phone.get_by_role("heading", name="Seberapa ramai taman sekarang?").is_visible()
    assert (
        phone.locator(".park", has_text="Alun-Alun Tugu")
        .locator(".badge", has_text="Ramai")
        .is_visible()
    )
    assert (
        phone.locator(".park", has_text="Taman Merbabu").get_by_text("Tidak diketahui").is_visible()
    )
    assert phone.evaluate("document.documentElement.scrollWidth") <= 360
    problems = axe_violations(phone)
    assert not problems, describe(problems)


def test_the_whole_dashboard_follows_a_new_crowd_count_without_a_reload(
    app, desktop, create_user, create_office, create_violation, create_crowd_count, city
):
    app.config["DASHBOARD_REFRESH_SECONDS"] = 2
    log_in(desktop, create_user("admin"))
    desktop.goto("/admin/dasbor")
    desktop.wait_for_selector("#city-map.leaflet-container")
    offices = desktop.locator("#city-map path.office-marker")
    before = offices.count()
    stamp = desktop.locator("#dashboard-refreshed").get_attribute("data-refreshed")
    tugu = desktop.locator("#dashboard-tables tr", has_text="Alun-Alun Tugu")
    expect(tugu.locator("[data-headcount]")).to_have_text("80 / 100")
    expect(desktop.locator('[data-figure="violations"]')).to_have_text("1")
    visit = db.session.scalars(sa.select(Visit)).one()
    now = datetime.now(timezone.utc)
    create_crowd_count(visit, 130, recorded_at=now)
    create_violation(visit, "crowding", recorded_at=now)
    create_office(name="Kantor Kecamatan Klojen", lat=-7.9750, lon=112.6280)
    # Figures, the zone table, the map and the time of the refresh move together.
    expect(tugu.locator("[data-headcount]")).to_have_text("130 / 100", timeout=10_000)
    expect(tugu.get_by_text("Melebihi kapasitas")).to_be_visible()
    expect(desktop.locator('[data-figure="violations"]')).to_have_text("2")
    expect(offices).to_have_count(before + 1, timeout=5_000)
    assert desktop.locator("#dashboard-refreshed").get_attribute("data-refreshed") != stamp
    assert desktop.locator("#city-map .zone-dot").first.is_visible()
    # The map's zone takes the new level's colour (over capacity: red).
    expect(desktop.locator('#city-map path[stroke="#b3261e"]').first).to_be_visible()
    assert desktop.locator("#dashboard-alerts").count() == 1
    assert desktop.locator("#officers-in-field").get_by_text("Budi Santoso").is_visible()
    problems = axe_violations(desktop)
    assert not problems, describe(problems)


def test_map_names_are_text_and_failed_tiles_are_said(
    app, desktop, create_user, create_zone, create_office
):
    # No tile arrives (offline, blocked): the map must say so and still draw outlines.
    desktop.context.route("https://tile.openstreetmap.org/**", lambda route: route.abort())
    create_zone(name='<img src=x onerror="document.title=1">Taman Jahil', lat=-7.9740, lon=112.6300)
    create_office(name="<b>Balai</b> Kota", lat=-7.9760, lon=112.6330)
    log_in(desktop, create_user("admin"))
    desktop.goto("/admin/dasbor")
    desktop.wait_for_selector("#city-map.leaflet-container")
    expect(desktop.locator("#city-map .map-note")).to_have_text(
        "Peta dasar tidak dapat dimuat. Batas zona tetap ditampilkan.", timeout=10_000
    )
    assert desktop.locator("#city-map path.leaflet-interactive").count() >= 2
    desktop.locator("#city-map .zone-dot").first.hover()
    tooltip = desktop.locator(".leaflet-tooltip")
    expect(tooltip).to_contain_text('<img src=x onerror="document.title=1">Taman Jahil')
    assert desktop.locator(".leaflet-tooltip img").count() == 0
    assert desktop.title() != "1"
    legend = desktop.locator(".map-legend")
    for words in (
        "Zona sepi",
        "Zona ramai",
        "Zona melebihi kapasitas",
        "Kantor",
        "Petugas di lapangan",
    ):
        assert legend.get_by_text(words).first.is_visible()
    desktop.goto("/taman")
    expect(desktop.locator("#park-map .map-note")).to_be_visible(timeout=10_000)


def test_review_screen_shows_the_photo_and_the_map_and_decides_by_keyboard(
    app, desktop, create_user, city
):
    from io import BytesIO

    from PIL import Image

    from patrol.models import Violation

    folder = app.config["UPLOAD_FOLDER"]
    import os

    os.makedirs(folder, exist_ok=True)
    buffer = BytesIO()
    Image.new("RGB", (64, 48), (200, 30, 30)).save(buffer, "JPEG")
    with open(os.path.join(folder, "bukti.jpg"), "wb") as handle:
        handle.write(buffer.getvalue())
    violation = db.session.scalars(sa.select(Violation)).one()
    violation.photo_path = "bukti.jpg"
    violation.notes = "Tidak bermasker di dekat air mancur"
    violation.lat, violation.lon, violation.accuracy_m = -7.97705, 112.63404, 12.0
    violation.geofence = "inside"
    violation.offender_name, violation.nik_last4 = "Joko", "4321"
    db.session.commit()

    log_in(desktop, create_user("admin"))
    desktop.goto("/admin/laporan/tinjauan")
    item = desktop.locator(f"#violation-{violation.id}")
    photo = item.get_by_role("img", name="Foto pelanggaran")
    expect(photo).to_be_visible()
    assert photo.evaluate("img => img.naturalWidth") == 64
    sketch = item.locator("svg.sketch-map")
    expect(sketch).to_be_visible()
    assert sketch.locator("circle.sketch-zone").count() == 1
    assert sketch.locator("circle.sketch-fix-inside").count() == 1
    assert item.get_by_text("NIK ****4321").is_visible()
    assert item.get_by_role("link", name="Catatan cetak").is_visible()
    problems = axe_violations(desktop)
    assert not problems, describe(problems)
    # At a desk: J to the first violation, S to approve it.
    desktop.keyboard.press("j")
    desktop.keyboard.press("s")
    expect(item.get_by_role("status").filter(has_text="Sudah ditinjau")).to_be_visible()
    db.session.expire_all()
    assert db.session.get(Violation, violation.id).review_outcome == "approved"
