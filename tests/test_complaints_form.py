"""The public complaint form /aduan: filing, every field's bad input, abuse limits."""

from __future__ import annotations

import io

import pytest
import sqlalchemy as sa
from PIL import Image

from patrol import create_app
from patrol.extensions import db
from patrol.models import Complaint
from tests.conftest import CsrfClient, base_config
from tests.fixtures_complaints import SURABAYA, png_header_only


def complaints_in_db() -> list[Complaint]:
    return list(db.session.scalars(sa.select(Complaint)))


def uploads(app) -> list:
    from pathlib import Path

    folder = Path(app.config["UPLOAD_FOLDER"])
    return list(folder.iterdir()) if folder.exists() else []


def test_taman_links_to_the_complaint_form(client):
    page = client.get("/taman").get_data(as_text=True)
    assert 'href="/aduan"' in page


def test_form_needs_no_login_and_lists_categories_and_parks(client, create_zone):
    create_zone(name="Taman Merbabu")
    response = client.get("/aduan")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    for label in ("Kerumunan", "Tidak bermasker", "PKL di luar jam", "Sampah", "Fasilitas rusak"):
        assert label in page
    assert ">Taman Merbabu</option>" in page
    assert "<script>" not in page  # no inline script (CSP 'self')
    assert 'name="website"' in page  # the honeypot is there for robots


def test_resident_files_a_complaint_and_lands_on_its_tracking_page(
    client, create_zone, complaint_form
):
    zone = create_zone(name="Alun-Alun Tugu")
    response = client.post("/aduan", data=complaint_form())
    assert response.status_code == 303
    [complaint] = complaints_in_db()
    assert response.headers["Location"].endswith(f"/aduan/{complaint.code}?baru=1")
    assert complaint.status == "received" and complaint.zone_id == zone.id
    assert complaint.place_source == "gps" and complaint.reporter_phone is None
    assert len(complaint.code) == 10 and complaint.code.isalnum()


def test_a_park_from_the_list_places_the_complaint_at_its_centre(
    client, create_zone, complaint_form
):
    zone = create_zone(name="Taman Merbabu", lat=-7.9741, lon=112.6219)
    data = complaint_form(place_source="park", lat=None, lon=None, accuracy=None)
    response = client.post("/aduan", data=data | {"zone_id": str(zone.id)})
    assert response.status_code == 303
    [complaint] = complaints_in_db()
    assert complaint.zone_id == zone.id and complaint.place_source == "park"
    assert (round(complaint.lat, 4), round(complaint.lon, 4)) == (-7.9741, 112.6219)


def test_the_same_form_sent_twice_files_one_complaint(client, create_zone, complaint_form):
    create_zone()
    data = complaint_form()
    first = client.post("/aduan", data=data)
    second = client.post("/aduan", data=data)
    assert first.headers["Location"] == second.headers["Location"]
    assert len(complaints_in_db()) == 1


def test_phone_with_consent_is_kept_for_admins_as_whatsapp_number(
    client, create_zone, complaint_form
):
    create_zone()
    data = complaint_form(reporter_phone="0812-3456-7890", consent="1")
    assert client.post("/aduan", data=data).status_code == 303
    [complaint] = complaints_in_db()
    assert complaint.reporter_phone == "6281234567890" and complaint.reply_consent


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"category": None}, "Pilih apa yang terjadi."),
        ({"category": "ufo"}, "Jenis aduan tidak dikenal."),
        ({"description": "   "}, "Ceritakan singkat apa yang terjadi."),
        ({"description": "x" * 10_000}, "Keterangan terlalu panjang (paling banyak 500 huruf)."),
        (
            {"lat": None, "lon": None, "place_source": None},
            "Tentukan tempatnya: GPS ponsel, titik di peta, atau pilih taman.",
        ),
        (SURABAYA, "Tempat ini di luar wilayah kota."),
        ({"lat": "utara", "lon": "112.6"}, "Lintang harus berupa angka."),
        ({"lat": "nan", "lon": "112.6"}, "Lintang harus berupa angka."),
        ({"place_source": "park", "zone_id": "999999"}, "Pilih taman dari daftar."),
        ({"place_source": "park", "zone_id": "abc"}, "Pilih taman dari daftar."),
        ({"reporter_phone": "12345", "consent": "1"}, "Nomor WhatsApp tidak sah."),
        ({"reporter_phone": "081234567890"}, "Centang persetujuan"),
        ({"uuid": "not-a-uuid"}, "Kode formulir tidak sah"),
    ],
    ids=[
        "no-category",
        "unknown-category",
        "no-description",
        "10000-char-description",
        "no-place",
        "other-city",
        "lat-not-a-number",
        "lat-nan",
        "unknown-park",
        "park-not-an-id",
        "bad-phone",
        "phone-without-consent",
        "bad-uuid",
    ],
)
def test_bad_input_is_refused_in_bahasa_and_nothing_saved(
    app, client, create_zone, complaint_form, fields, message
):
    create_zone()
    response = client.post("/aduan", data=complaint_form(**fields))
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert message in page
    assert 'role="alert"' in page
    assert complaints_in_db() == []


def test_a_refused_form_keeps_what_was_typed(client, create_zone, complaint_form):
    create_zone()
    data = complaint_form(description="Sampah menumpuk di pojok", category=None)
    page = client.post("/aduan", data=data).get_data(as_text=True)
    assert "Sampah menumpuk di pojok</textarea>" in page


def test_photo_is_shrunk_and_re_encoded_without_metadata(
    app, client, create_zone, complaint_form, make_image
):
    create_zone()
    data = complaint_form() | {"photo": (io.BytesIO(make_image(exif=True)), "p.jpg")}
    assert client.post("/aduan", data=data).status_code == 303
    [complaint] = complaints_in_db()
    [stored] = uploads(app)
    assert complaint.photo_path == stored.name
    with Image.open(stored) as image:
        assert image.format == "JPEG" and max(image.size) == 1600
        assert not image.getexif()


@pytest.mark.parametrize(
    ("photo", "message"),
    [
        (b"%PDF-1.4 not a photo", "Berkas ini bukan foto"),
        (png_header_only(8000, 6000), "Foto terlalu besar ukurannya (piksel)."),
        (png_header_only(40000, 40000), "Foto terlalu besar ukurannya (piksel)."),
    ],
    ids=["not-an-image", "photo-bomb-48-megapixel", "photo-bomb-1600-megapixel"],
)
def test_bad_photo_is_refused_before_decoding_and_nothing_saved(
    app, client, create_zone, complaint_form, photo, message
):
    create_zone()
    data = complaint_form() | {"photo": (io.BytesIO(photo), "p.png")}
    response = client.post("/aduan", data=data)
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert complaints_in_db() == [] and uploads(app) == []


def test_too_large_a_photo_file_is_refused(app, client, create_zone, complaint_form):
    create_zone()
    app.config["PHOTO_MAX_BYTES"] = 1000
    data = complaint_form() | {"photo": (io.BytesIO(b"x" * 2000), "p.jpg")}
    response = client.post("/aduan", data=data)
    assert response.status_code == 422
    assert "Foto terlalu besar" in response.get_data(as_text=True)
    assert complaints_in_db() == []


def test_honeypot_filled_by_a_robot_saves_nothing(client, create_zone, complaint_form):
    create_zone()
    response = client.post("/aduan", data=complaint_form(website="http://spam.example"))
    assert response.status_code == 422
    assert complaints_in_db() == []


def test_form_without_csrf_token_is_refused(client, create_zone, complaint_form):
    create_zone()
    response = client.post("/aduan", data=complaint_form(), csrf=False)
    assert response.status_code == 400
    assert complaints_in_db() == []


# Rate limits ---------------------------------------------------------------------------


@pytest.fixture
def limited_app(app, database_uri, tmp_path):
    """A second app on the same database with the complaint limits switched on."""
    limited = create_app(
        base_config(database_uri)
        | {
            "RATELIMIT_ENABLED": True,
            "COMPLAINT_LIMIT_PER_IP": "3 per hour",
            "COMPLAINT_LIMIT_PER_PHONE": "2 per day",
            "UPLOAD_FOLDER": str(tmp_path / "uploads"),
        }
    )
    limited.test_client_class = CsrfClient
    return limited


def test_a_flood_from_one_address_is_stopped(limited_app, create_zone, complaint_form):
    create_zone()
    client = limited_app.test_client()
    statuses = [client.post("/aduan", data=complaint_form()).status_code for _ in range(5)]
    assert statuses == [303, 303, 303, 429, 429]
    assert "Terlalu banyak" in client.post("/aduan", data=complaint_form()).get_data(as_text=True)
    assert len(complaints_in_db()) == 3
    assert client.get("/aduan").status_code == 200  # reading the form is not limited
    neighbour = limited_app.test_client()
    neighbour.environ_base["REMOTE_ADDR"] = "10.9.9.9"
    assert neighbour.post("/aduan", data=complaint_form()).status_code == 303


def test_one_phone_number_is_limited_across_addresses(limited_app, create_zone, complaint_form):
    create_zone()
    statuses = []
    for n in range(3):
        client = limited_app.test_client()
        client.environ_base["REMOTE_ADDR"] = f"10.0.0.{n + 1}"
        data = complaint_form(reporter_phone="0812 3456 7890", consent="1")
        statuses.append(client.post("/aduan", data=data).status_code)
    assert statuses == [303, 303, 429]
    other = limited_app.test_client()
    other.environ_base["REMOTE_ADDR"] = "10.0.0.9"
    data = complaint_form(reporter_phone="0813 0000 1111", consent="1")
    assert other.post("/aduan", data=data).status_code == 303


def test_every_broken_field_is_shown_at_once(client, create_zone, complaint_form):
    create_zone()
    data = complaint_form(category=None, description=" ", reporter_phone="12345", consent="1")
    response = client.post("/aduan", data=data)
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    for message in (
        "Pilih apa yang terjadi.",
        "Ceritakan singkat apa yang terjadi.",
        "Nomor WhatsApp tidak sah.",
    ):
        assert message in page
    assert complaints_in_db() == []
