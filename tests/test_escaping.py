"""User strings are escaped everywhere they are shown: a payload in a name stays text."""

import pytest

from patrol.extensions import db
from tests.fixtures_world import XSS_PAYLOADS


def _assert_shown_as_text(html: str, payload: str) -> None:
    assert payload not in html  # the raw markup never reaches the page
    escaped = payload.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    assert escaped.replace('"', "&#34;") in html or escaped.replace('"', "&quot;") in html


@pytest.mark.parametrize("payload", XSS_PAYLOADS)
def test_a_visitor_named_like_a_script_shows_as_text_on_the_guard_board(
    world, visitor_form, payload
):
    response = world.client(None).post(
        f"/c/{world.entrance.token}", data=visitor_form(name=payload)
    )
    assert response.status_code == 302
    for who in ("guard", "admin"):
        board = world.client(who).get(f"/jaga/kantor/{world.office.id}")
        _assert_shown_as_text(board.get_data(as_text=True), payload)
        live = world.client(who).get(f"/jaga/kantor/{world.office.id}/langsung")
        _assert_shown_as_text(live.get_data(as_text=True), payload)


@pytest.mark.parametrize("payload", XSS_PAYLOADS)
def test_a_refused_visitor_name_is_echoed_back_as_text(world, visitor_form, payload):
    form = visitor_form(name=payload, phone="not a phone")
    response = world.client(None).post(f"/c/{world.entrance.token}", data=form)
    assert response.status_code == 422
    _assert_shown_as_text(response.get_data(as_text=True), payload)


@pytest.mark.parametrize("payload", XSS_PAYLOADS)
def test_script_like_names_show_as_text_in_admin_lists(world, payload):
    world.guard.full_name = payload
    world.zone.name = payload
    world.office.name = payload
    db.session.commit()
    admin = world.client("admin")
    for url in ("/admin/pengguna", "/admin/zona", "/admin/kantor", "/admin/pos-jaga", "/jaga/"):
        _assert_shown_as_text(admin.get(url).get_data(as_text=True), payload)


def test_audit_values_cannot_break_out_of_the_page(world):
    admin = world.client("admin")
    response = admin.post(
        f"/admin/kantor/{world.office.id}/pintu", data={"name": "</pre><script>alert(1)</script>"}
    )
    assert response.status_code == 302
    html = admin.get("/admin/audit").get_data(as_text=True)
    assert "<script>alert(1)</script>" not in html
    assert "</pre><script>" not in html
