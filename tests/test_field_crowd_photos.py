"""Crowd counts with their level, and violation photos (re-encoded, private)."""

from __future__ import annotations

import io
import uuid
from datetime import datetime, timedelta, timezone

import pytest
import sqlalchemy as sa
from PIL import Image

from patrol.extensions import db
from patrol.models import AuditEvent, CrowdCount, Violation
from patrol.rules.crowd import crowd_level


def counts() -> list[CrowdCount]:
    db.session.expire_all()
    return list(db.session.scalars(sa.select(CrowdCount).order_by(CrowdCount.id)))


@pytest.mark.parametrize(
    ("headcount", "capacity", "level"),
    [
        (0, 100, "quiet"),
        (49, 100, "quiet"),
        (50, 100, "busy"),
        (100, 100, "busy"),
        (101, 100, "over"),
        (0, 0, "quiet"),
        (5, 0, "busy"),
    ],
)
def test_crowd_level_thresholds(headcount, capacity, level):
    assert crowd_level(headcount, capacity) == level


def test_crowd_level_thresholds_are_configurable():
    assert crowd_level(30, 100, busy_percent=25, over_percent=80) == "busy"
    assert crowd_level(81, 100, busy_percent=25, over_percent=80) == "over"


def test_crowd_form_has_big_steppers_and_shows_the_level(field_setup):
    text = field_setup.client.get(
        field_setup.visit_url + "/hitung", headers={"HX-Request": "true"}
    ).get_data(as_text=True)
    for label in ("Tambah satu", "Kurangi satu", "Tambah sepuluh", "kapasitas 100"):
        assert label in text
    assert 'data-capacity="100"' in text and 'data-busy="50"' in text


@pytest.mark.parametrize(
    ("headcount", "level", "label"),
    [("10", "quiet", "Sepi"), ("60", "busy", "Ramai"), ("150", "over", "Melebihi kapasitas")],
)
def test_crowd_count_is_saved_with_its_level(field_setup, headcount, level, label):
    response = field_setup.post_count(headcount)
    assert response.status_code == 200
    text = response.get_data(as_text=True)
    assert "Jumlah pengunjung tersimpan." in text and label in text
    (saved,) = counts()
    assert (saved.headcount, saved.level, saved.zone_id) == (
        int(headcount),
        level,
        field_setup.zone.id,
    )
    assert saved.geofence == "inside"


def test_configured_thresholds_decide_the_stored_level(app, field_setup):
    app.config["CROWD_BUSY_PERCENT"] = 10
    field_setup.post_count("20")
    assert counts()[0].level == "busy"


@pytest.mark.parametrize(
    ("headcount", "message"),
    [
        ("-1", "Jumlah pengunjung tidak boleh kurang dari 0."),
        ("10001", "Jumlah pengunjung tidak boleh lebih dari 10.000."),
        ("", "Jumlah pengunjung wajib diisi."),
        ("1e3", "Jumlah pengunjung harus berupa bilangan bulat."),
    ],
)
def test_bad_headcount_is_refused_in_place(field_setup, headcount, message):
    response = field_setup.post_count(headcount)
    assert response.status_code == 422
    text = response.get_data(as_text=True)
    assert message in text
    assert 'id="crowd-form-title"' in text and 'class="timeline-item' not in text
    assert f'value="{headcount}"' in text  # what was typed stays
    assert counts() == []


def test_bad_latitude_on_a_count_is_refused(field_setup):
    response = field_setup.post_count("5", lat="-100")
    assert response.status_code == 422
    assert "Lintang harus antara -90 dan 90." in response.get_data(as_text=True)
    assert counts() == []


def test_same_count_uuid_twice_gives_one_row(field_setup):
    key = str(uuid.uuid4())
    field_setup.post_count("5", uuid=key)
    again = field_setup.post_count("7", uuid=key)
    text = again.get_data(as_text=True)
    assert "sudah tersimpan" in text
    assert [c.headcount for c in counts()] == [5]
    (saved,) = counts()
    assert f'<li id="crowd-{saved.id}" hx-swap-oob="delete"></li>' in text
    assert text.count('class="timeline-item') == 1 and "Pengunjung: 5" in text


def test_a_saved_count_is_answered_alone(field_setup):
    field_setup.post_count("10")
    field_setup.post_violation()
    response = field_setup.post_count("60")
    text = response.get_data(as_text=True)
    newest = counts()[-1]
    assert text.count('class="timeline-item') == 1
    assert f'id="crowd-{newest.id}"' in text and "Pengunjung: 60" in text
    assert '<ol hx-swap-oob="afterbegin:#timeline">' in text
    assert "Tidak memakai masker" not in text
    # The panel closes with the message (a count is taken once a visit or so).
    assert "Jumlah pengunjung tersimpan." in text and 'id="crowd-form-title"' not in text
    assert 'id="entry-buttons" hx-swap-oob="true"' in text and "is-active" not in text


def test_count_is_corrected_and_withdrawn_with_audit(field_setup):
    field_setup.post_count("5")
    saved = counts()[0]
    response = field_setup.client.post(
        f"/patroli/hitung/{saved.id}/ubah",
        data={"headcount": "150"},
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 200
    assert (counts()[0].headcount, counts()[0].level) == (150, "over")
    url = f"/patroli/hitung/{saved.id}/tarik"
    assert field_setup.client.post(url, headers={"HX-Request": "true"}).status_code == 422
    assert counts()[0].withdrawn_at is None
    field_setup.client.post(url, data={"reason": "Hitung ulang"}, headers={"HX-Request": "true"})
    assert counts()[0].withdrawn_at is not None
    events = db.session.scalars(sa.select(AuditEvent).order_by(AuditEvent.id)).all()
    assert [e.action for e in events] == ["correct", "withdraw"]
    assert events[1].after["reason"] == "Hitung ulang"


def test_a_withdraw_reason_that_htmx_had_to_encode_is_kept_as_typed(field_setup):
    field_setup.post_count("5")
    saved = counts()[0]
    headers = {
        "HX-Request": "true",
        "HX-Prompt": "Salah%20hitung%20%E2%80%94%20dobel",
        "HX-Prompt-URI-AutoEncoded": "true",
    }
    field_setup.client.post(f"/patroli/hitung/{saved.id}/tarik", headers=headers)
    event = db.session.scalars(sa.select(AuditEvent)).one()
    assert event.after["reason"] == "Salah hitung — dobel"


def test_count_correction_after_15_minutes_is_refused(field_setup):
    field_setup.post_count("5")
    saved = counts()[0]
    saved.created_at = datetime.now(timezone.utc) - timedelta(minutes=15, seconds=5)
    db.session.commit()
    response = field_setup.client.post(
        f"/patroli/hitung/{saved.id}/ubah", data={"headcount": "9"}, headers={"HX-Request": "true"}
    )
    assert response.status_code == 422
    assert counts()[0].headcount == 5


# Photos ---------------------------------------------------------------------------------


def upload(field_setup, data: bytes, name="foto.jpg"):
    return field_setup.client.post(
        field_setup.visit_url + "/pelanggaran",
        data={
            "uuid": str(uuid.uuid4()),
            "category": "no_mask",
            "action": "verbal_warning",
            "photo": (io.BytesIO(data), name),
        },
        headers={"HX-Request": "true"},
        content_type="multipart/form-data",
    )


def saved_violation() -> Violation:
    db.session.expire_all()
    return db.session.scalars(sa.select(Violation)).one()


def test_photo_is_shrunk_and_stripped_of_exif(app, field_setup, make_image):
    response = upload(field_setup, make_image(size=(4000, 3000), exif=True))
    assert response.status_code == 200
    violation = saved_violation()
    path = app.config["UPLOAD_FOLDER"] + "/" + violation.photo_path
    assert violation.photo_path.endswith(".jpg") and "foto" not in violation.photo_path
    with Image.open(path) as stored:
        assert stored.format == "JPEG"
        assert max(stored.size) == 1600
        assert len(stored.getexif()) == 0
        assert "exif" not in stored.info


def test_png_photo_is_accepted_and_reencoded(field_setup, make_image):
    assert upload(field_setup, make_image(size=(300, 200), fmt="PNG"), "x.png").status_code == 200
    assert saved_violation().photo_path.endswith(".jpg")


@pytest.mark.parametrize(
    "data",
    [b"%PDF-1.4 not a photo at all", b"GIF89a-truncated", b"\xff\xd8\xff\xe0 broken jpeg"],
)
def test_non_image_named_jpg_is_refused(field_setup, data):
    response = upload(field_setup, data, "foto.jpg")
    assert response.status_code == 422
    assert "bukan foto" in response.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count(Violation.id))) == 0


def test_photo_over_the_limit_is_refused(app, field_setup, make_image):
    app.config["PHOTO_MAX_BYTES"] = 1000
    response = upload(field_setup, make_image(size=(400, 400)))
    assert response.status_code == 422
    assert "Foto terlalu besar" in response.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count(Violation.id))) == 0


def test_photo_is_served_only_to_staff_who_may_see_the_record(
    app, client, field_setup, make_image, create_user, login
):
    upload(field_setup, make_image(size=(200, 100)))
    violation = saved_violation()
    url = f"/patroli/pelanggaran/{violation.id}/foto"
    mine = client.get(url)
    assert mine.status_code == 200 and mine.mimetype == "image/jpeg"
    assert "no-store" in mine.headers["Cache-Control"]
    for role, status in (("officer", 403), ("guard", 403), ("admin", 200)):
        client.post("/logout")
        login(client, create_user(role))
        assert client.get(url).status_code == status, role
    client.post("/logout")
    assert client.get(url).status_code == 302  # anonymous: to the login page


def test_a_runaway_upload_is_refused_before_parsing(app, field_setup):
    assert app.config["MAX_CONTENT_LENGTH"] > app.config["PHOTO_MAX_BYTES"]
    app.config["MAX_CONTENT_LENGTH"] = 1024 * 1024
    response = upload(field_setup, b"\xff\xd8" + b"0" * (2 * 1024 * 1024))
    assert response.status_code == 413
    assert db.session.scalar(sa.select(sa.func.count(Violation.id))) == 0
