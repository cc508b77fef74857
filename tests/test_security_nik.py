"""The repeat-offender hint (POST /patroli/nik) is no NIK oracle: only from an open visit,
a tight limit per officer, every look-up in the audit trail, bursts on the admin
dashboard, and a NIK key of its own in production."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from patrol import create_app
from patrol.extensions import db
from patrol.models import AuditEvent, Visit
from patrol.rules.timeutil import utcnow

NIK = "3573012345678901"


def look_up(client, nik=NIK):
    return client.post("/patroli/nik", data={"offender_nik": nik}, headers={"HX-Request": "true"})


def audit_events(action: str) -> list[AuditEvent]:
    db.session.expire_all()
    return list(db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == action)))


def test_the_repeat_offender_hint_still_works(field_setup):
    field_setup.post_violation(offender_nik=NIK)
    response = look_up(field_setup.client)
    assert response.status_code == 200
    assert "Pelanggar berulang: 1 pelanggaran sebelumnya." in response.get_data(as_text=True)


def test_a_look_up_needs_an_open_visit(app, create_user, login, field_setup):
    field_setup.post_violation(offender_nik=NIK)
    client = app.test_client()
    login(client, create_user("officer"))  # logged in, but no visit in progress
    response = look_up(client)
    assert response.status_code == 403
    text = response.get_data(as_text=True)
    assert "kunjungan yang sedang berjalan" in text
    assert "Pelanggar berulang" not in text and "Belum ada pelanggaran" not in text
    assert audit_events("nik_lookup") == []


def test_a_visit_that_has_ended_allows_no_look_up(field_setup):
    visit = db.session.get(Visit, field_setup.visit.id)
    visit.ended_at = utcnow()
    db.session.commit()
    assert look_up(field_setup.client).status_code == 403


def test_every_look_up_is_in_the_audit_trail(field_setup):
    assert look_up(field_setup.client).status_code == 200
    (event,) = audit_events("nik_lookup")
    assert event.actor_id == field_setup.officer.id
    assert event.entity == "visit" and event.entity_id == str(field_setup.visit.id)
    assert event.after == {"nik_last4": "8901", "earlier": 0}
    assert NIK not in str(event.before) + str(event.after)


def test_a_nik_still_being_typed_is_neither_looked_up_nor_counted(field_setup):
    for partial in ("3573", "3573 0123 4567", ""):
        assert look_up(field_setup.client, partial).status_code == 200
    assert audit_events("nik_lookup") == []


def test_look_ups_are_limited_per_officer(
    app, field_setup, create_user, create_zone, create_visit, login
):
    app.config["NIK_LOOKUPS_PER_HOUR"] = 3
    for n in range(3):
        assert look_up(field_setup.client, f"357301234567890{n}").status_code == 200
    refused = look_up(field_setup.client, "3573012345678909")
    assert refused.status_code == 429
    text = refused.get_data(as_text=True)
    assert "Cek NIK dibatasi 3 kali per jam." in text
    assert "Belum ada pelanggaran" not in text
    assert len(audit_events("nik_lookup_refused")) == 1
    # Another officer in their own visit is not affected.
    colleague = create_user("officer")
    create_visit(colleague, create_zone())
    other = app.test_client()
    login(other, colleague)
    assert look_up(other).status_code == 200


def test_admins_see_a_burst_of_look_ups_on_the_dashboard(app, field_setup, create_user, login):
    app.config["NIK_LOOKUP_ALERT"] = 3
    app.config["NIK_LOOKUPS_PER_HOUR"] = 2
    for n in range(3):
        look_up(field_setup.client, f"357301234567890{n}")
    admin = app.test_client()
    login(admin, create_user("admin"))
    page = admin.get("/admin/dasbor").get_data(as_text=True)
    assert 'data-alert="nik-lookups">Budi Santoso · 3 cek NIK · 1 ditolak' in page
    refresh = admin.get("/admin/dasbor/angka", headers={"HX-Request": "true"})
    assert "Budi Santoso · 3 cek NIK" in refresh.get_data(as_text=True)


def test_a_few_look_ups_raise_no_alert(app, field_setup, create_user, login):
    look_up(field_setup.client)
    admin = app.test_client()
    login(admin, create_user("admin"))
    assert 'data-alert="nik-lookups"' not in admin.get("/admin/dasbor").get_data(as_text=True)


def test_production_refuses_to_start_without_a_nik_key(monkeypatch):
    monkeypatch.setenv("PATROLI_ENV", "production")
    monkeypatch.setenv("SECRET_KEY", "production-secret")
    monkeypatch.delenv("NIK_HMAC_KEY", raising=False)
    with pytest.raises(RuntimeError, match="NIK_HMAC_KEY"):
        create_app()
    monkeypatch.setenv("NIK_HMAC_KEY", "production-nik-key")
    assert create_app().config["NIK_HMAC_KEY"] == "production-nik-key"
