"""Violations: saved through htmx into the timeline, validated, NIK hashed, printable."""

from __future__ import annotations

import hashlib
import hmac
import uuid
from datetime import datetime, timedelta, timezone

import pytest
import sqlalchemy as sa

from patrol.extensions import db
from patrol.models import AuditEvent, Violation
from patrol.services import entries, offenders, records
from tests.fixtures_field import OUTSIDE

NIK = "3573012345678901"


def violations() -> list[Violation]:
    db.session.expire_all()  # the requests committed in sessions of their own
    return list(db.session.scalars(sa.select(Violation).order_by(Violation.id)))


def test_violation_form_shows_categories_and_actions_as_buttons(field_setup):
    response = field_setup.client.get(
        field_setup.visit_url + "/pelanggaran", headers={"HX-Request": "true"}
    )
    text = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "<html" not in text  # only the partial for htmx
    for label in ("Tidak memakai masker", "PKL di luar jam operasional", "Teguran lisan"):
        assert label in text
    assert 'value="1"' in text  # people count defaults to one
    assert 'accept="image/*" capture="environment"' in text


def test_the_common_case_saves_with_category_and_action_only(field_setup):
    response = field_setup.post_violation()
    assert response.status_code == 200
    text = response.get_data(as_text=True)
    assert "Pelanggaran tersimpan." in text
    assert "Tidak memakai masker" in text  # now on the timeline
    (saved,) = violations()
    assert (saved.people_count, saved.geofence) == (1, "inside")
    assert saved.action.code == "verbal_warning"
    assert saved.fine_amount is None


def test_violation_outside_the_zone_gets_the_outside_verdict(field_setup):
    field_setup.post_violation(**OUTSIDE)
    assert violations()[0].geofence == "outside"


def test_violation_without_gps_is_saved_with_the_reason(field_setup):
    field_setup.post_violation(lat=None, lon=None, accuracy=None, gps_error="denied")
    (saved,) = violations()
    assert (saved.geofence, saved.gps_note, saved.lat) == ("no_gps", "denied", None)


def test_fine_uses_the_rules_default_amount(field_setup):
    field_setup.post_violation(action="fine")
    assert violations()[0].fine_amount == 100_000


def test_fine_amount_given_by_the_officer(field_setup):
    response = field_setup.post_violation(action="fine", fine_amount="250.000")
    assert "Rp250.000" in response.get_data(as_text=True)
    assert violations()[0].fine_amount == 250_000


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"category": "jaywalking"}, "Jenis pelanggaran tidak dikenal."),
        ({"category": ""}, "Pilih jenis pelanggaran."),
        ({"action": "flogging"}, "Tindakan tidak dikenal."),
        ({"people_count": "-1"}, "Jumlah orang tidak boleh kurang dari 1."),
        ({"people_count": "0"}, "Jumlah orang tidak boleh kurang dari 1."),
        ({"people_count": "10001"}, "Jumlah orang tidak boleh lebih dari 10.000."),
        ({"people_count": "dua"}, "Jumlah orang harus berupa bilangan bulat."),
        ({"lat": "95"}, "Lintang harus antara -90 dan 90."),
        ({"lon": "-200"}, "Bujur harus antara -180 dan 180."),
        ({"offender_nik": "12345"}, "NIK harus terdiri dari 16 angka."),
        ({"action": "fine", "fine_amount": "banyak"}, "Jumlah denda harus berupa angka rupiah."),
        ({"notes": "x" * 2001}, "Catatan terlalu panjang"),
    ],
)
def test_bad_violation_input_gets_a_message_in_place(field_setup, fields, message):
    response = field_setup.post_violation(**fields)
    assert response.status_code == 422
    text = response.get_data(as_text=True)
    assert message in text
    # htmx swaps only the form back into its panel, with what the officer chose.
    assert 'id="violation-form-title"' in text and 'id="visit-main"' not in text
    assert 'class="timeline-item' not in text
    assert violations() == []


def test_violation_on_a_closed_visit_is_refused(field_setup):
    field_setup.visit.ended_at = datetime.now(timezone.utc) - timedelta(minutes=1)
    field_setup.visit.closed_by = "system"
    db.session.commit()
    response = field_setup.post_violation()
    assert response.status_code == 422
    assert "Kunjungan ini sudah selesai" in response.get_data(as_text=True)
    assert violations() == []


def test_a_saved_violation_is_answered_alone_with_a_fresh_form(field_setup):
    for category in ("crowding", "no_distancing", "no_mask"):
        field_setup.post_violation(category=category)
    key = str(uuid.uuid4())
    response = field_setup.post_violation(uuid=key, category="crowding", notes="Di gerbang")
    text = response.get_data(as_text=True)
    assert response.status_code == 200
    newest = violations()[-1]
    assert len(violations()) == 4
    # Only the new entry, inserted at the top of the timeline; the three before stay put.
    assert text.count('class="timeline-item') == 1
    assert '<ol hx-swap-oob="afterbegin:#timeline">' in text
    assert f'id="violation-{newest.id}"' in text and "Di gerbang" in text
    inserted = text.split('hx-swap-oob="afterbegin:#timeline"')[1]
    assert "Berkerumun" in inserted and "Tidak memakai masker" not in inserted
    assert 'hx-swap-oob="delete"' not in text
    # The message, then a fresh empty form with a new UUID; the buttons out of band.
    assert text.index("Pelanggaran tersimpan.") < text.index('id="violation-form-title"')
    assert f'value="{key}"' not in text and "data-fresh" in text
    assert 'id="entry-buttons" hx-swap-oob="true"' in text
    assert 'id="visit-main"' not in text


def test_the_visit_page_shows_the_empty_timeline_list_for_the_first_entry(field_setup):
    text = field_setup.client.get(field_setup.visit_url).get_data(as_text=True)
    assert '<ol class="timeline" id="timeline"></ol>' in text
    assert "Belum ada catatan di kunjungan ini." in text


def test_without_htmx_the_whole_visit_page_answers(field_setup):
    field_setup.post_violation(category="crowding")
    response = field_setup.post_violation(htmx=False)
    text = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "<html" in text and "Pelanggaran tersimpan." in text
    assert text.count('class="timeline-item') == 2


def test_a_retry_replaces_the_entry_shown_instead_of_adding_one(field_setup):
    key = str(uuid.uuid4())
    field_setup.post_violation(uuid=key)
    (saved,) = violations()
    again = field_setup.post_violation(uuid=key, category="crowding")
    text = again.get_data(as_text=True)
    assert again.status_code == 200
    assert "Pelanggaran ini sudah tersimpan." in text
    # The copy already on the timeline goes, the stored one comes back once.
    assert f'<li id="violation-{saved.id}" hx-swap-oob="delete"></li>' in text
    assert text.count(f'id="violation-{saved.id}"') == 2
    assert text.count('class="timeline-item') == 1
    inserted = text.split('hx-swap-oob="afterbegin:#timeline"')[1]
    assert "Tidak memakai masker" in inserted and "Berkerumun" not in inserted
    assert len(violations()) == 1


def test_same_uuid_twice_returns_the_existing_violation(field_setup):
    key = str(uuid.uuid4())
    field_setup.post_violation(uuid=key)
    again = field_setup.post_violation(uuid=key, category="crowding")
    assert again.status_code == 200
    assert "sudah tersimpan" in again.get_data(as_text=True)
    (saved,) = violations()
    assert saved.category.code == "no_mask"


def test_a_racing_duplicate_is_caught_by_the_unique_constraint(field_setup, monkeypatch):
    key = str(uuid.uuid4())
    first, _created = entries.log_violation(
        field_setup.officer.id, field_setup.visit.uuid, key, "no_mask", "verbal_warning"
    )
    db.session.commit()
    # The second request raced past the look-up: only the constraint can stop it.
    monkeypatch.setattr(records, "find_by_uuid", lambda model, value: None)
    again, created = entries.log_violation(
        field_setup.officer.id, field_setup.visit.uuid, key, "crowding", "verbal_warning"
    )
    db.session.commit()
    assert (again.id, created) == (first.id, False)
    assert [v.category.code for v in violations()] == ["no_mask"]


def test_nik_is_stored_only_as_keyed_hash_and_last_four(app, field_setup):
    field_setup.post_violation(offender_name="Andi", offender_nik="3573 0123 4567 8901")
    (saved,) = violations()
    assert saved.nik_last4 == "8901"
    key = hmac.new(b"test-secret-key", b"patroli-nik-hmac-v1", hashlib.sha256).digest()
    assert saved.nik_hash == hmac.new(key, NIK.encode(), hashlib.sha256).hexdigest()
    assert saved.nik_hash != hashlib.sha256(NIK.encode()).hexdigest()
    row = db.session.execute(sa.text("SELECT * FROM violations")).one()
    assert all(NIK not in str(value) for value in row)
    text = field_setup.client.get(field_setup.visit_url).get_data(as_text=True)
    assert NIK not in text and "8901" in text


def test_configured_nik_key_is_used(app, field_setup):
    app.config["NIK_HMAC_KEY"] = "another-key"
    field_setup.post_violation(offender_nik=NIK)
    expected = hmac.new(b"another-key", NIK.encode(), hashlib.sha256).hexdigest()
    assert violations()[0].nik_hash == expected


def test_bad_nik_is_not_echoed_back(field_setup):
    response = field_setup.post_violation(offender_nik="35730123456789")
    assert "35730123456789" not in response.get_data(as_text=True)


@pytest.mark.parametrize(
    ("earlier", "count_text", "level"),
    [(0, None, "Ringan"), (1, "1 pelanggaran sebelumnya", "Sedang"), (2, "2 pelanggaran", "Berat")],
)
def test_repeat_offender_hint_counts_and_suggests_next_level(
    field_setup, earlier, count_text, level
):
    for _n in range(earlier):
        field_setup.post_violation(offender_nik=NIK)
    field_setup.post_violation(offender_nik="3573019999999999")  # someone else
    response = field_setup.client.post(
        "/patroli/nik", data={"offender_nik": NIK}, headers={"HX-Request": "true"}
    )
    text = response.get_data(as_text=True)
    assert response.status_code == 200
    assert level in text
    if count_text:
        assert count_text in text
        assert "WIB" in text  # when
    else:
        assert "Belum ada pelanggaran sebelumnya" in text


def test_withdrawn_violations_do_not_count_as_earlier(field_setup):
    field_setup.post_violation(offender_nik=NIK)
    entries.withdraw_violation(field_setup.officer.id, violations()[0])
    db.session.commit()
    assert offenders.offender_history(NIK).count == 0


def test_author_corrects_within_15_minutes_and_it_is_audited(field_setup):
    field_setup.post_violation()
    saved = violations()[0]
    form = field_setup.client.get(
        f"/patroli/pelanggaran/{saved.id}/ubah", headers={"HX-Request": "true"}
    )
    assert "Ubah pelanggaran" in form.get_data(as_text=True)
    response = field_setup.client.post(
        f"/patroli/pelanggaran/{saved.id}/ubah",
        data={"category": "crowding", "action": "dispersal", "people_count": "12"},
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 200
    assert "Pelanggaran diperbarui." in response.get_data(as_text=True)
    db.session.refresh(saved)
    assert (saved.category.code, saved.people_count) == ("crowding", 12)
    event = db.session.scalars(sa.select(AuditEvent)).one()
    assert (event.action, event.entity, event.actor_id) == (
        "correct",
        "violation",
        field_setup.officer.id,
    )
    assert event.before["category"] == "no_mask" and event.after["people_count"] == 12


def test_author_withdraws_and_the_record_stays(field_setup):
    field_setup.post_violation()
    saved = violations()[0]
    url = f"/patroli/pelanggaran/{saved.id}/tarik"
    refused = field_setup.client.post(url, headers={"HX-Request": "true"})
    assert refused.status_code == 422
    assert "Tulis alasan menarik catatan ini." in refused.get_data(as_text=True)
    assert violations()[0].withdrawn_at is None
    # htmx sends the answer to its prompt in a header.
    response = field_setup.client.post(
        url, headers={"HX-Request": "true", "HX-Prompt": "Salah orang"}
    )
    assert response.status_code == 200
    assert "Ditarik" in response.get_data(as_text=True)
    (kept,) = violations()
    assert kept.withdrawn_at is not None and kept.withdrawn_reason == "Salah orang"
    event = db.session.scalars(sa.select(AuditEvent)).one()
    assert event.action == "withdraw" and event.after["reason"] == "Salah orang"


def test_correction_after_15_minutes_is_refused(field_setup):
    field_setup.post_violation()
    saved = violations()[0]
    saved.created_at = datetime.now(timezone.utc) - timedelta(minutes=16)
    db.session.commit()
    response = field_setup.client.post(
        f"/patroli/pelanggaran/{saved.id}/ubah",
        data={"category": "crowding", "action": "dispersal", "people_count": "2"},
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 422
    assert "Batas 15 menit" in response.get_data(as_text=True)
    withdraw = field_setup.client.post(f"/patroli/pelanggaran/{saved.id}/tarik")
    assert withdraw.status_code == 422
    db.session.refresh(saved)
    assert saved.category.code == "no_mask" and saved.withdrawn_at is None


def test_other_officer_cannot_correct_or_withdraw(client, field_setup, create_user, login):
    field_setup.post_violation()
    saved = violations()[0]
    client.post("/logout")
    login(client, create_user("officer"))
    assert client.post(f"/patroli/pelanggaran/{saved.id}/tarik").status_code == 403
    assert client.get(f"/patroli/pelanggaran/{saved.id}/ubah").status_code == 403
    assert client.get(f"/patroli/pelanggaran/{saved.id}/cetak").status_code == 403


def test_printable_record_for_the_officer_and_admins(client, field_setup, create_user, login):
    field_setup.post_violation(action="written_warning", offender_name="Andi", offender_nik=NIK)
    saved = violations()[0]
    text = client.get(f"/patroli/pelanggaran/{saved.id}/cetak").get_data(as_text=True)
    assert "Teguran tertulis" in text and "Andi" in text and "8901" in text
    assert "Alun-Alun Tugu" in text and "Budi Santoso" in text
    assert "css/field.css" in text  # carries the print stylesheet
    client.post("/logout")
    login(client, create_user("admin"))
    assert client.get(f"/patroli/pelanggaran/{saved.id}/cetak").status_code == 200
