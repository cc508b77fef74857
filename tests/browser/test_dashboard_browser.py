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
    assert phone.locator(".park", has_text="Alun-Alun Tugu").get_by_text("Ramai").is_visible()
    assert (
        phone.locator(".park", has_text="Taman Merbabu").get_by_text("Tidak diketahui").is_visible()
    )
    assert phone.evaluate("document.documentElement.scrollWidth") <= 360
    problems = axe_violations(phone)
    assert not problems, describe(problems)


def test_dashboard_figures_alerts_and_map_follow_the_city_without_a_reload(
    app, desktop, create_user, create_office, create_violation, city
):
    app.config["DASHBOARD_REFRESH_SECONDS"] = 2
    log_in(desktop, create_user("admin"))
    desktop.goto("/admin/dasbor")
    desktop.wait_for_selector("#city-map.leaflet-container")
    offices = desktop.locator("#city-map path.leaflet-interactive")
    before = offices.count()
    expect(desktop.locator('[data-figure="violations"]')).to_have_text("1")
    visit = db.session.scalars(sa.select(Visit)).one()
    create_violation(visit, "crowding", recorded_at=datetime.now(timezone.utc))
    create_office(name="Kantor Kecamatan Klojen", lat=-7.9750, lon=112.6280)
    expect(desktop.locator('[data-figure="violations"]')).to_have_text("2", timeout=10_000)
    expect(offices).to_have_count(before + 1, timeout=10_000)
    # The alerts panel is swapped too, and stays where it was.
    assert desktop.locator("#dashboard-alerts").count() == 1
    problems = axe_violations(desktop)
    assert not problems, describe(problems)
