"""An officer logs in on a phone; every foundation page passes axe-core."""

import pytest

from tests.browser.conftest import axe_violations, describe
from tests.conftest import DEFAULT_PASSWORD

pytestmark = pytest.mark.browser


def test_officer_logs_in_on_a_phone_and_sees_today(
    phone, create_user, create_zone, create_assignment
):
    officer = create_user("officer", full_name="Budi Santoso")
    create_assignment(officer, create_zone(name="Alun-Alun Tugu"))

    phone.goto("/")
    phone.get_by_role("link", name="Masuk untuk petugas").click()
    assert phone.get_by_role("heading", name="Masuk ke Patroli").is_visible()
    phone.get_by_label("Nama pengguna").fill(officer.username)
    phone.get_by_label("Kata sandi").fill(DEFAULT_PASSWORD)
    phone.get_by_role("button", name="Masuk", exact=True).click()

    phone.wait_for_url("**/patroli/")
    assert phone.get_by_role("heading", name="Hari ini").is_visible()
    assert phone.locator(".big", has_text="Alun-Alun Tugu").is_visible()
    # Nothing overflows sideways at 360 px: no horizontal scrolling with one thumb.
    assert phone.evaluate("document.documentElement.scrollWidth") <= 360


def test_wrong_password_shows_message_in_place(phone, create_user):
    officer = create_user("officer")
    phone.goto("/login")
    phone.get_by_label("Nama pengguna").fill(officer.username)
    phone.get_by_label("Kata sandi").fill("salah-sekali")
    phone.get_by_role("button", name="Masuk", exact=True).click()
    assert phone.get_by_text("Nama pengguna atau kata sandi salah.").is_visible()


def test_touch_targets_are_at_least_48px(phone):
    phone.goto("/login")
    for name in ("Masuk",):
        box = phone.get_by_role("button", name=name, exact=True).bounding_box()
        assert box["height"] >= 48
    assert phone.get_by_label("Nama pengguna").bounding_box()["height"] >= 48


@pytest.mark.parametrize("role", [None, "officer", "guard", "admin"])
def test_pages_have_no_serious_accessibility_problems(
    phone, role, create_user, create_zone, create_office, create_guard_post, create_assignment
):
    if role is not None:
        user = create_user(role)
        if role == "officer":
            create_assignment(user, create_zone())
        if role == "guard":
            create_guard_post(user, create_office())
        phone.goto("/login")
        phone.get_by_label("Nama pengguna").fill(user.username)
        phone.get_by_label("Kata sandi").fill(DEFAULT_PASSWORD)
        phone.get_by_role("button", name="Masuk", exact=True).click()
        phone.wait_for_load_state()
    else:
        phone.goto("/login")
    problems = axe_violations(phone)
    assert not problems, describe(problems)
