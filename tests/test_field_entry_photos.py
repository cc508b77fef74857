"""A violation's photo sent on its own, by the entry's UUID, exactly once (issue 16)."""

from __future__ import annotations

import io
import uuid
from pathlib import Path

import pytest
import sqlalchemy as sa
from PIL import Image

from patrol.extensions import db
from patrol.models import Violation
from tests.fixtures_field import INSIDE


def photo_url(entry_uuid: str) -> str:
    return f"/api/v1/entries/{entry_uuid}/photo"


def send_photo(client, entry_uuid, data: bytes, name="foto.jpg", **kwargs):
    return client.post(
        photo_url(entry_uuid),
        data={"photo": (io.BytesIO(data), name)},
        content_type="multipart/form-data",
        **kwargs,
    )


@pytest.fixture
def saved_violation(field_setup):
    """A violation saved without a photo; answers its UUID."""
    entry_uuid = str(uuid.uuid4())
    assert field_setup.post_violation(uuid=entry_uuid).status_code == 200
    return entry_uuid


def stored(entry_uuid) -> Violation:
    db.session.expire_all()
    return db.session.scalar(sa.select(Violation).where(Violation.uuid == entry_uuid))


def files(app) -> list[str]:
    folder = Path(app.config["UPLOAD_FOLDER"])
    return sorted(p.name for p in folder.iterdir()) if folder.is_dir() else []


def test_photo_for_a_saved_entry_is_stored_with_a_thumbnail(
    app, field_setup, saved_violation, make_image
):
    response = send_photo(field_setup.client, saved_violation, make_image((4000, 3000)))
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    violation = stored(saved_violation)
    assert violation.photo_path
    assert body["uuid"] == saved_violation
    assert body["photo_url"] == f"/patroli/pelanggaran/{violation.id}/foto"
    assert body["thumbnail_url"] == f"/patroli/pelanggaran/{violation.id}/foto/kecil"
    folder = Path(app.config["UPLOAD_FOLDER"])
    with Image.open(folder / violation.photo_path) as full:
        assert max(full.size) == 1600
    thumb = field_setup.client.get(body["thumbnail_url"])
    assert thumb.status_code == 200 and thumb.mimetype == "image/jpeg"
    with Image.open(io.BytesIO(thumb.data)) as small:
        assert max(small.size) == 320
    assert len(files(app)) == 2  # the photo and its thumbnail


def test_duplicate_photo_gets_the_same_answer_and_stores_nothing(
    app, field_setup, saved_violation, make_image
):
    first = send_photo(field_setup.client, saved_violation, make_image((800, 600)))
    path = stored(saved_violation).photo_path
    again = send_photo(field_setup.client, saved_violation, make_image((640, 480), fmt="PNG"))
    assert first.status_code == again.status_code == 200
    assert first.get_json() == again.get_json()
    assert stored(saved_violation).photo_path == path
    assert len(files(app)) == 2


def test_photo_for_an_unknown_entry_is_not_found(app, field_setup, make_image):
    for wrong in (str(uuid.uuid4()), "not-a-uuid"):
        response = send_photo(field_setup.client, wrong, make_image((100, 100)))
        assert response.status_code == 404
        assert response.get_json()["error"] == "Catatan untuk foto ini tidak ditemukan."
    assert files(app) == []


def test_photo_for_a_visit_uuid_is_not_found(app, field_setup, make_image):
    response = send_photo(field_setup.client, field_setup.visit.uuid, make_image((100, 100)))
    assert response.status_code == 404


def test_photo_for_someone_elses_entry_is_refused(
    app, client, field_setup, saved_violation, create_user, login, make_image
):
    other = create_user("officer", username="siti", full_name="Siti")
    client.post("/logout")
    login(client, other)
    response = send_photo(client, saved_violation, make_image((100, 100)))
    assert response.status_code == 403
    assert response.get_json()["error"] == "Catatan ini milik petugas lain."
    assert stored(saved_violation).photo_path is None
    assert files(app) == []


@pytest.mark.parametrize(
    "data", [b"%PDF-1.4 not a photo", b"\xff\xd8\xff\xe0 broken jpeg", b""], ids=str
)
def test_photo_that_is_not_an_image_is_refused_in_bahasa(app, field_setup, saved_violation, data):
    response = send_photo(field_setup.client, saved_violation, data, name="x.jpg")
    assert response.status_code == 422
    assert response.get_json()["error"] in {
        "Berkas ini bukan foto (JPEG, PNG atau WebP).",
        "Pilih foto untuk dikirim.",
    }
    assert stored(saved_violation).photo_path is None
    assert files(app) == []


def test_photo_without_a_file_is_refused(field_setup, saved_violation):
    response = field_setup.client.post(photo_url(saved_violation), data={})
    assert response.status_code == 422
    assert response.get_json()["error"] == "Pilih foto untuk dikirim."


def test_photo_too_big_is_refused_in_bahasa(app, field_setup, saved_violation, make_image):
    app.config["PHOTO_MAX_BYTES"] = 20_000
    response = send_photo(field_setup.client, saved_violation, b"\xff\xd8" + b"0" * 30_000)
    assert response.status_code == 413
    assert response.get_json()["error"] == "Foto terlalu besar (paling besar 0 MB)."
    assert stored(saved_violation).photo_path is None


def test_photo_endpoint_needs_the_csrf_header(field_setup, saved_violation, make_image):
    response = send_photo(field_setup.client, saved_violation, make_image((100, 100)), csrf=False)
    assert response.status_code == 400
    assert stored(saved_violation).photo_path is None


def test_photo_endpoint_is_for_officers_only(
    client, field_setup, saved_violation, create_user, login, make_image
):
    client.post("/logout")
    assert send_photo(client, saved_violation, make_image((100, 100))).status_code == 401
    login(client, create_user("admin", username="kepala"))
    assert send_photo(client, saved_violation, make_image((100, 100))).status_code == 403


def test_photo_sent_with_the_form_gets_a_thumbnail_in_the_timeline(app, field_setup, make_image):
    entry_uuid = str(uuid.uuid4())
    response = field_setup.client.post(
        field_setup.visit_url + "/pelanggaran",
        data={
            "uuid": entry_uuid,
            "category": "no_mask",
            "action": "verbal_warning",
            "photo": (io.BytesIO(make_image((1200, 900))), "a.jpg"),
        }
        | INSIDE,
        headers={"HX-Request": "true"},
        content_type="multipart/form-data",
    )
    assert response.status_code == 200
    violation = stored(entry_uuid)
    html = response.get_data(as_text=True)
    assert f"/patroli/pelanggaran/{violation.id}/foto/kecil" in html
    assert len(files(app)) == 2


def test_openapi_describes_the_photo_endpoint(client):
    paths = client.get("/api/v1/openapi.json").get_json()["paths"]
    post = paths["/entries/{entry_uuid}/photo"]["post"]
    assert {"200", "403", "404", "413", "422"} <= set(post["responses"])


def test_a_violation_form_with_several_mistakes_shows_them_all_and_saves_nothing(
    app, field_setup, make_image
):
    response = field_setup.client.post(
        field_setup.visit_url + "/pelanggaran",
        data={
            "uuid": str(uuid.uuid4()),
            "people_count": "0",
            "offender_nik": "12345",
            "photo": (io.BytesIO(make_image((800, 600))), "a.jpg"),
        }
        | INSIDE,
        headers={"HX-Request": "true"},
        content_type="multipart/form-data",
    )
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    for message in (
        "Pilih jenis pelanggaran.",
        "Pilih tindakan.",
        "Jumlah orang tidak boleh kurang dari 1.",
        "NIK harus terdiri dari 16 angka.",
    ):
        assert message in html
    assert html.count('class="field-error"') >= 4
    db.session.expire_all()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Violation)) == 0
    assert files(app) == []
