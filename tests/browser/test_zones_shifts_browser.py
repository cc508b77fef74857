"""An admin draws a zone on the map and puts an officer on a shift in it; pages pass axe."""

from datetime import timedelta

import pytest
import sqlalchemy as sa

from patrol.extensions import db
from patrol.models import Assignment, Zone
from patrol.rules.timeutil import wib_today
from tests.browser.conftest import axe_violations, describe
from tests.conftest import DEFAULT_PASSWORD

pytestmark = pytest.mark.browser


@pytest.fixture(autouse=True)
def no_tile_server(app):
    """Tiles from a path that does not exist: the map must work without its base layer."""
    app.config["TILE_URL"] = "/static/no-tiles/{z}/{x}/{y}.png"


def log_in(page, user):
    page.goto("/login")
    page.get_by_label("Nama pengguna").fill(user.username)
    page.get_by_label("Kata sandi").fill(DEFAULT_PASSWORD)
    page.get_by_role("button", name="Masuk", exact=True).click()
    page.wait_for_load_state()


def test_admin_draws_a_zone_and_puts_an_officer_on_a_shift_in_it(desktop, create_user):
    admin = create_user("admin")
    create_user("officer", full_name="Budi Santoso")
    log_in(desktop, admin)

    desktop.goto("/admin/zona/baru")
    desktop.get_by_label("Nama zona").fill("Taman Rekreasi Kota")
    desktop.get_by_label("Kapasitas (orang sekaligus)").fill("250")
    desktop.get_by_role("button", name="Poligon", exact=True).click()
    assert (
        desktop.get_by_role("button", name="Poligon", exact=True).get_attribute("aria-pressed")
        == "true"
    )
    the_map = desktop.locator("#zone-map")
    for x, y in [(200, 120), (420, 130), (430, 300), (210, 320)]:
        the_map.click(position={"x": x, "y": y})
    assert desktop.get_by_text("Titik poligon: 4.").is_visible()
    desktop.get_by_role("button", name="Selesaikan poligon").click()
    assert desktop.get_by_text("Poligon digambar.").is_visible()
    assert desktop.locator("#zone-map path.leaflet-interactive").count() == 1
    assert desktop.get_by_text("Peta dasar tidak dapat dimuat").is_visible()
    geometry = desktop.get_by_label("Geometri (GeoJSON)").input_value()
    assert '"type":"Polygon"' in geometry
    desktop.get_by_role("button", name="Simpan zona").click()
    desktop.wait_for_url("**/admin/zona")
    assert desktop.get_by_text("Zona Taman Rekreasi Kota disimpan.").is_visible()

    zone = db.session.scalar(sa.select(Zone).where(Zone.name == "Taman Rekreasi Kota"))
    ring = zone.geometry["coordinates"][0]
    assert zone.geometry["type"] == "Polygon" and len(ring) == 5 and ring[0] == ring[-1]
    # Drawn around the map's starting view over central Malang.
    assert all(-8.0 < lat < -7.95 and 112.6 < lon < 112.67 for lon, lat in ring)

    desktop.goto("/admin/shift/baru")
    desktop.get_by_label("Petugas").select_option(index=0)
    desktop.get_by_label("Zona", exact=True).select_option(label="Taman Rekreasi Kota")
    tomorrow = wib_today() + timedelta(days=1)
    desktop.get_by_label("Tanggal", exact=True).fill(tomorrow.isoformat())
    desktop.get_by_label("Mulai (WIB)").fill("08:00")
    desktop.get_by_label("Selesai (WIB)").fill("16:00")
    desktop.get_by_role("button", name="Simpan shift").click()
    desktop.wait_for_url("**/admin/shift?**")
    assert desktop.get_by_text("1 shift disimpan.").is_visible()
    assert desktop.get_by_role("link", name="Budi Santoso").is_visible()
    shift = db.session.scalar(sa.select(Assignment))
    assert shift.zone_id == zone.id

    # The same window again is refused with the clash named beside the form.
    desktop.goto("/admin/shift/baru")
    desktop.get_by_label("Zona", exact=True).select_option(label="Taman Rekreasi Kota")
    desktop.get_by_label("Tanggal", exact=True).fill(tomorrow.isoformat())
    desktop.get_by_label("Mulai (WIB)").fill("12:00")
    desktop.get_by_label("Selesai (WIB)").fill("18:00")
    desktop.get_by_role("button", name="Simpan shift").click()
    assert desktop.get_by_text("Bentrok: Budi Santoso sudah dijadwalkan").is_visible()


def test_admin_taps_a_circle_on_a_phone(phone, create_user):
    log_in(phone, create_user("admin"))
    phone.goto("/admin/zona/baru")
    phone.get_by_label("Nama zona").fill("Taman Kunang-Kunang")
    phone.get_by_label("Jari-jari (meter)").fill("60")
    phone.get_by_role("button", name="Lingkaran", exact=True).click()
    phone.locator("#zone-map").tap(position={"x": 160, "y": 120})
    assert phone.locator("#zone-map path.leaflet-interactive").count() == 1
    assert phone.get_by_label("Lintang pusat").input_value() != ""
    phone.get_by_role("button", name="Simpan zona").click()
    phone.wait_for_url("**/admin/zona")
    zone = db.session.scalar(sa.select(Zone))
    assert zone.geometry["type"] == "Point" and zone.geometry["properties"]["radius_m"] == 60
    assert phone.evaluate("document.documentElement.scrollWidth") <= 360


ADMIN_PAGES = [
    "/admin/",
    "/admin/zona",
    "/admin/zona/baru",
    "/admin/shift?tampilan=minggu",
    "/admin/shift/baru",
    "/admin/kantor",
    "/admin/kantor/{office}",
    "/admin/pos-jaga",
    "/admin/pengguna",
    "/admin/pengguna/{officer}",
    "/admin/audit",
]


@pytest.mark.parametrize("size", ["phone", "desktop"])
def test_admin_pages_pass_axe_and_fit_the_screen(
    request, size, create_user, create_zone, create_office, create_assignment
):
    page = request.getfixturevalue(size)
    admin = create_user("admin")
    officer = create_user("officer")
    zone = create_zone(name="Alun-Alun Tugu")
    create_assignment(officer, zone)
    office = create_office(name="Balai Kota Malang", entrances=("Pintu Utama", "Pintu Samping"))
    log_in(page, admin)
    width = page.viewport_size["width"]
    problems = {}
    for url in ADMIN_PAGES:
        page.goto(url.format(office=office.id, officer=officer.id))
        found = axe_violations(page)
        if found:
            problems[url] = describe(found)
        assert page.evaluate("document.documentElement.scrollWidth") <= width, url
    assert not problems, problems


def test_officer_sees_the_zone_on_a_small_map_with_directions(
    phone, create_user, create_zone, create_assignment
):
    officer = create_user("officer")
    create_assignment(officer, create_zone(name="Alun-Alun Tugu", radius_m=90))
    log_in(phone, officer)
    phone.wait_for_url("**/patroli/")
    # The map (Leaflet and tiles) loads only when asked for.
    assert phone.locator("script[src*=leaflet]").count() == 0
    phone.get_by_role("button", name="Tampilkan peta zona").click()
    phone.locator("[data-zone-map] path.leaflet-interactive").wait_for()
    link = phone.get_by_role("link", name="Petunjuk arah (aplikasi peta)")
    assert link.get_attribute("href").startswith("geo:-7.977050,112.634040")
    assert link.bounding_box()["height"] >= 48
    problems = axe_violations(phone)
    assert not problems, describe(problems)


def test_zone_editor_shows_other_zones_and_warns_about_an_overlap(phone, create_user, create_zone):
    # Alun-Alun Tugu where the editor opens (the middle of ZONE_BOUNDS, Kota Malang).
    create_zone(name="Alun-Alun Tugu", lat=-7.97, lon=112.635, radius_m=400)
    log_in(phone, create_user("admin"))
    phone.goto("/admin/zona/baru")
    the_map = phone.locator("#zone-map")
    the_map.locator("path.leaflet-interactive").first.wait_for()
    assert the_map.locator("path.leaflet-interactive").count() == 1  # the other zone
    warning = phone.locator("#overlap-warning")
    assert warning.is_hidden()
    phone.get_by_label("Nama zona").fill("Taman Baru")
    phone.get_by_label("Jari-jari (meter)").fill("50")
    phone.get_by_role("button", name="Lingkaran", exact=True).click()
    box = the_map.bounding_box()
    the_map.tap(position={"x": box["width"] / 2, "y": box["height"] / 2})
    assert warning.is_visible()
    assert warning.inner_text() == "Perhatian: zona ini bertumpuk dengan Alun-Alun Tugu."
    problems = axe_violations(phone)
    assert not problems, describe(problems)
    phone.get_by_role("button", name="Simpan zona").click()
    phone.wait_for_url("**/admin/zona")
    assert phone.get_by_text(
        "Perhatian: zona Taman Baru bertumpuk dengan Alun-Alun Tugu."
    ).is_visible()
