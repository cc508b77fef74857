"""In a real browser, a visitor named like a script shows as text and no dialog opens."""

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import axe_violations, describe
from tests.conftest import DEFAULT_PASSWORD
from tests.fixtures_world import XSS_PAYLOADS

pytestmark = pytest.mark.browser


def test_script_named_visitors_show_as_text_on_the_guard_board(world, phone, desktop):
    dialogs = []
    for page in (phone, desktop):
        page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    for payload in XSS_PAYLOADS:
        phone.context.clear_cookies()
        phone.goto(f"/c/{world.entrance.token}")
        # Each payload is a new visitor: forget the one this phone remembers.
        phone.evaluate("localStorage.clear()")
        phone.reload()
        phone.get_by_label("Nama lengkap").fill(payload)
        phone.get_by_label("Nomor HP").fill("0812 3456 7890")
        phone.get_by_label("Keperluan kunjungan").fill("Rapat")
        phone.get_by_label("Tidak", exact=True).check()
        phone.get_by_label("Jumlah dosis vaksin COVID-19").select_option("3")
        phone.get_by_role("button", name="Check in", exact=True).click()
        phone.wait_for_url("**/c/tiket")
        expect(phone.get_by_text(payload, exact=True).first).to_be_visible()

    desktop.goto("/login")
    desktop.get_by_label("Nama pengguna").fill(world.guard.username)
    desktop.get_by_label("Kata sandi").fill(DEFAULT_PASSWORD)
    desktop.get_by_role("button", name="Masuk", exact=True).click()
    desktop.wait_for_url("**/jaga/")
    desktop.goto(f"/jaga/kantor/{world.office.id}")
    for payload in XSS_PAYLOADS:
        expect(desktop.get_by_text(payload, exact=True).first).to_be_visible()
    assert desktop.locator("img[src='x']").count() == 0
    desktop.wait_for_timeout(500)  # time for an injected handler to fire, were there one
    assert dialogs == []
    assert describe(axe_violations(desktop)) == ""
