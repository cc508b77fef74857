"""The officer app's offline cache holds no personal pages, belongs to the user who
filled it, and is emptied when the server says the session is gone."""

from __future__ import annotations

import uuid

import pytest
import sqlalchemy as sa

from patrol.extensions import db
from patrol.models import User, Violation, ViolationAction, ViolationCategory
from patrol.rules.timeutil import utcnow
from tests.browser.test_field_browser import log_in

pytestmark = pytest.mark.browser

KEPT_JS = """async () => {
  const kept = [];
  for (const name of await caches.keys()) {
    if (!name.startsWith('patroli-pages-')) continue;
    const cache = await caches.open(name);
    for (const request of await cache.keys()) kept.push(new URL(request.url).pathname);
  }
  return kept;
}"""
KEPT_HOME_JS = """async () => {
  const hit = await caches.match('/patroli/');
  return hit ? await hit.text() : null;
}"""


def add_violation(visit, offender_name) -> Violation:
    category = db.session.scalars(sa.select(ViolationCategory).limit(1)).one()
    action = db.session.scalars(
        sa.select(ViolationAction).where(ViolationAction.requires_amount.is_(False)).limit(1)
    ).one()
    violation = Violation(
        uuid=str(uuid.uuid4()),
        visit_id=visit.id,
        recorded_at=utcnow(),
        category_id=category.id,
        action_id=action.id,
        people_count=1,
        offender_name=offender_name,
        nik_last4="8901",
    )
    db.session.add(violation)
    db.session.commit()
    return violation


def test_offline_cache_keeps_no_personal_page_and_leaves_with_the_session(
    phone, create_user, create_zone, create_assignment, create_visit
):
    budi = create_user("officer", full_name="Budi Santoso")
    sari = create_user("officer", full_name="Sari Dewi")
    zone = create_zone(name="Alun-Alun Tugu")
    create_assignment(budi, zone)
    visit = create_visit(budi, zone)
    entry = add_violation(visit, "Andi Wijaya")
    record = f"/patroli/pelanggaran/{entry.id}/cetak"

    log_in(phone, budi)
    phone.wait_for_function("() => navigator.serviceWorker.controller !== null")
    phone.goto(record)
    phone.get_by_text("Andi Wijaya").wait_for()
    phone.goto(f"/patroli/kunjungan/{visit.uuid}")
    phone.goto("/patroli/")
    phone.wait_for_function(
        "async () => { const k = await (" + KEPT_JS + ")(); return k.includes('/patroli/'); }"
    )
    kept = phone.evaluate(KEPT_JS)
    assert record not in kept
    assert f"/patroli/kunjungan/{visit.uuid}" not in kept

    # Without signal the printable record is not on the phone.
    phone.context.set_offline(True)
    phone.goto(record)
    assert "Andi Wijaya" not in phone.content()
    phone.context.set_offline(False)

    # Another officer logs in on the same phone: Budi's pages go before Sari's are kept.
    phone.goto("/patroli/")
    phone.get_by_role("button", name="Keluar", exact=True).click()
    phone.wait_for_url("**/login")
    log_in(phone, sari)
    phone.wait_for_function(
        "async () => { const t = await ("
        + KEPT_HOME_JS
        + ")(); return !!t && t.includes('Sari'); }"
    )
    assert "Budi Santoso" not in phone.evaluate(KEPT_HOME_JS)

    # "Log out on all devices" elsewhere: the next answer says the session is gone, and
    # the kept pages leave the phone.
    ended = db.session.get(User, sari.id)
    ended.end_sessions()
    db.session.commit()
    phone.goto("/patroli/")
    phone.wait_for_url(lambda url: "/login?next=" in url)
    phone.wait_for_function("async () => (await (" + KEPT_JS + ")()).length === 0")
    phone.context.set_offline(True)
    phone.goto("/patroli/")
    assert "Sari Dewi" not in phone.content()
    phone.context.set_offline(False)
