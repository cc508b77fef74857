"""A visitor at an office door: the page behind the QR code, the pass, check-out."""

import logging
from datetime import datetime, timedelta, timezone

import pytest
import sqlalchemy as sa

from patrol import create_app
from patrol.extensions import db
from patrol.models import CheckIn, CheckinKey
from patrol.routes.checkin import PASS_COOKIE
from patrol.rules.geofence import geodesic_m
from tests.conftest import CsrfClient, base_config


def checkins():
    db.session.expire_all()
    return list(db.session.scalars(sa.select(CheckIn).order_by(CheckIn.id)))


def url(entrance, **query):
    extra = "".join(f"&{k}={v}" for k, v in query.items())
    return f"/c/{entrance.token}" + ("?" + extra[1:] if extra else "")


def test_poster_url_shows_office_and_entrance_large_with_privacy_notice(client, create_office):
    office = create_office(name="Balai Kota Malang", entrances=["Pintu Utama"])
    page = client.get(url(office.entrances[0])).get_data(as_text=True)
    assert 'class="place-office">Balai Kota Malang<' in page
    assert "Pintu Utama" in page
    assert "Pemberitahuan privasi" in page
    assert "Nomor 27 Tahun 2022" in page
    assert "30 hari" in page
    assert 'name="client_uuid"' in page


@pytest.mark.parametrize("case", ["unknown", "revoked", "office_inactive"])
def test_unknown_or_revoked_poster_gives_a_404_explaining_it_is_not_valid(
    client, create_office, case
):
    office = create_office()
    entrance = office.entrances[0]
    token = entrance.token
    if case == "unknown":
        token = "tidak-ada-token-seperti-ini"
    elif case == "revoked":
        entrance.revoked_at = datetime.now(timezone.utc)
    else:
        office.active = False
    db.session.commit()
    response = client.get(f"/c/{token}")
    assert response.status_code == 404
    assert "Kode QR ini tidak berlaku" in response.get_data(as_text=True)
    assert client.post(f"/c/{token}", data={}).status_code == 404


def test_check_in_leads_to_a_green_pass_with_office_time_and_code(
    client, create_office, visitor_form
):
    office = create_office(name="Balai Kota Malang")
    response = client.post(url(office.entrances[0]), data=visitor_form())
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/c/tiket")
    [checkin] = checkins()
    assert (checkin.visitor_name, checkin.visitor_phone) == ("Siti Aminah", "+6281234567890")
    assert checkin.screening == "green" and checkin.status == "admitted"
    assert checkin.entrance_id == office.entrances[0].id
    cookie = client.get_cookie(PASS_COOKIE, path="/c/")
    assert cookie.value == checkin.checkout_secret and cookie.http_only
    page = client.get("/c/tiket").get_data(as_text=True)
    assert "pass-green" in page and "Silakan masuk" in page
    assert "Balai Kota Malang" in page and checkin.short_code in page
    assert "WIB" in page
    assert "Check out" in page


@pytest.mark.parametrize(
    ("symptoms", "doses", "colour", "verdict"),
    [
        ("no", "3", "green", "Silakan masuk"),
        ("no", "1", "yellow", "petugas akan memeriksa"),
        ("yes", "3", "red", "Jangan masuk"),
    ],
)
def test_pass_colour_comes_from_the_screening_rules(
    client, create_office, visitor_form, symptoms, doses, colour, verdict
):
    office = create_office()
    client.post(
        url(office.entrances[0]), data=visitor_form(has_symptoms=symptoms, vaccine_doses=doses)
    )
    assert checkins()[0].screening == colour
    page = client.get("/c/tiket").get_data(as_text=True)
    assert f"pass-{colour}" in page and verdict in page


def test_screening_rules_are_configurable(app, client, create_office, visitor_form):
    app.config.update(CHECKIN_MIN_VACCINE_DOSES=0, CHECKIN_SYMPTOMS_COLOUR="yellow")
    office = create_office()
    client.post(url(office.entrances[0]), data=visitor_form(vaccine_doses="0"))
    client.post(url(office.entrances[0]), data=visitor_form(has_symptoms="yes"))
    assert [c.screening for c in checkins()] == ["green", "yellow"]


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("name", "", "Nama wajib diisi."),
        ("name", "x" * 121, "Nama terlalu panjang"),
        ("phone", "", "Nomor HP wajib diisi."),
        ("phone", "12ab5678", "Nomor HP tidak valid"),
        ("phone", "1234", "Nomor HP tidak valid"),
        ("purpose", " ", "Keperluan kunjungan wajib diisi."),
        ("has_symptoms", None, "Jawab pertanyaan gejala"),
        ("has_symptoms", "mungkin", "Jawab pertanyaan gejala"),
        ("vaccine_doses", "11", "Pilih jumlah dosis vaksin"),
        ("vaccine_doses", "dua", "Pilih jumlah dosis vaksin"),
        ("lat", "abc", "Lokasi dari ponsel tidak dapat dibaca"),
        ("lat", "95", "Lokasi dari ponsel tidak dapat dibaca"),
        ("lat", "NaN", "Lokasi dari ponsel tidak dapat dibaca"),
        ("lat", "-Infinity", "Lokasi dari ponsel tidak dapat dibaca"),
        ("lat", "1e400", "Lokasi dari ponsel tidak dapat dibaca"),
        ("client_uuid", "bukan-uuid", "Formulir tidak lengkap"),
        ("client_uuid", None, "Formulir tidak lengkap"),
    ],
)
def test_bad_input_shows_the_message_beside_the_form_and_saves_nothing(
    client, create_office, visitor_form, field, value, message
):
    office = create_office()
    form = visitor_form(**{field: value})
    if field == "lat":
        form["lon"] = "112.6"
    response = client.post(url(office.entrances[0]), data=form)
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert message in page
    assert checkins() == []
    if field != "name":
        assert 'value="Siti Aminah"' in page  # what was typed stays


def test_every_broken_field_is_shown_at_once_half_a_position_included(
    client, create_office, visitor_form
):
    office = create_office()
    form = visitor_form(name="", vaccine_doses="99", lat="-7.98")  # no longitude
    form.pop("lon", None)
    response = client.post(url(office.entrances[0]), data=form)
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    for message in (
        "Nama wajib diisi.",
        "Pilih jumlah dosis vaksin",
        "Lokasi dari ponsel tidak dapat dibaca",
    ):
        assert message in page
    assert checkins() == []


def test_a_double_tap_or_retry_never_makes_two_check_ins(client, create_office, served_form):
    office = create_office()
    form = served_form(client, url(office.entrances[0]))
    first = client.post(url(office.entrances[0]), data=form)
    second = client.post(url(office.entrances[0]), data=form)
    assert first.status_code == second.status_code == 302
    assert len(checkins()) == 1


def test_check_out_works_hours_later_on_the_same_phone(client, create_office, visitor_form):
    office = create_office()
    client.post(url(office.entrances[0]), data=visitor_form())
    [checkin] = checkins()
    # checkin_keys holds a copy of checked_in_at (the partition key): both move back.
    key = db.session.get(CheckinKey, checkin.uuid)
    key.checked_in_at = checkin.checked_in_at = datetime.now(timezone.utc) - timedelta(hours=5)
    db.session.commit()
    response = client.post("/c/keluar")
    assert response.status_code == 302
    [checkin] = checkins()
    assert checkin.checked_out_at is not None and checkin.checkout_by == "self"
    page = client.get("/c/tiket").get_data(as_text=True)
    assert "Sudah keluar" in page and "pass-out" in page


def test_another_phone_cannot_check_out_someone_else(app, client, create_office, visitor_form):
    office = create_office()
    client.post(url(office.entrances[0]), data=visitor_form())
    other = app.test_client()
    other.set_cookie(PASS_COOKIE, "tebakan", path="/c/")
    other.post("/c/keluar")
    assert checkins()[0].checked_out_at is None
    assert other.get("/c/tiket").status_code == 404


def test_scanning_the_same_office_again_while_inside_offers_check_out(
    client, create_office, visitor_form
):
    office = create_office(entrances=["Pintu Utama", "Pintu Samping"])
    other_office = create_office()
    client.post(url(office.entrances[0]), data=visitor_form())
    page = client.get(url(office.entrances[1])).get_data(as_text=True)
    assert "masih tercatat di dalam" in page and "Check out" in page
    assert 'name="client_uuid"' not in page
    # Another office's poster gives the normal form.
    assert 'name="client_uuid"' in client.get(url(other_office.entrances[0])).get_data(as_text=True)
    client.post("/c/keluar")
    assert 'name="client_uuid"' in client.get(url(office.entrances[0])).get_data(as_text=True)


@pytest.mark.parametrize("role", ["officer", "guard", "admin"])
def test_staff_logged_in_check_in_with_one_tap(client, create_user, login, create_office, role):
    user = create_user(role, full_name="Dewi Staf")
    login(client, user)
    office = create_office()
    page = client.get(url(office.entrances[0])).get_data(as_text=True)
    assert "Check in sebagai Dewi Staf" in page
    response = client.post(
        url(office.entrances[0]),
        data={"as_staff": "1", "client_uuid": "6f1c1a4e-6a38-4b0e-9a52-2c6f8f0c0a11"},
    )
    assert response.status_code == 302
    [checkin] = checkins()
    assert checkin.user_id == user.id and checkin.visitor_phone is None
    assert "Dewi Staf" in client.get("/c/tiket").get_data(as_text=True)


def test_one_tap_needs_a_login(client, create_office):
    office = create_office()
    response = client.post(
        url(office.entrances[0]),
        data={"as_staff": "1", "client_uuid": "6f1c1a4e-6a38-4b0e-9a52-2c6f8f0c0a11"},
    )
    assert response.status_code == 422
    assert checkins() == []


@pytest.mark.parametrize(
    ("lat", "lon", "accuracy", "remote"),
    [
        ("-7.97690", "112.63340", "10", False),
        ("-7.98700", "112.63340", "20", True),
        ("-7.97790", "112.63340", "30", False),
    ],
)
def test_a_far_away_location_is_checked_in_but_flagged_remote(
    client, create_office, visitor_form, lat, lon, accuracy, remote
):
    office = create_office(radius_m=100)
    response = client.post(
        url(office.entrances[0]), data=visitor_form(lat=lat, lon=lon, accuracy=accuracy)
    )
    assert response.status_code == 302
    [checkin] = checkins()
    assert checkin.remote is remote
    assert checkin.distance_m == pytest.approx(
        geodesic_m(float(lat), float(lon), office.lat, office.lon), abs=0.01
    )
    assert checkin.distance_m > 0 or lat == "-7.97690"
    assert checkin.accuracy_m == float(accuracy)


def test_without_a_location_nothing_is_flagged(client, create_office, visitor_form):
    office = create_office()
    client.post(url(office.entrances[0]), data=visitor_form())
    [checkin] = checkins()
    assert checkin.lat is None and checkin.distance_m is None and checkin.remote is False


def test_phone_numbers_never_appear_in_logs(app, client, create_office, visitor_form, caplog):
    office = create_office()
    caplog.set_level(logging.DEBUG)
    client.post(url(office.entrances[0]), data=visitor_form(phone="081299887766"))
    client.post(url(office.entrances[0]), data=visitor_form(phone="0812998877xx"))
    client.get("/c/tiket")
    assert "081299887766" not in caplog.text
    assert len(checkins()) == 1


# Rate limits ---------------------------------------------------------------------------


@pytest.fixture
def limited_app(app, database_uri):
    """A second app on the same database with the check-in limits switched on."""
    limited = create_app(
        base_config(database_uri)
        | {
            "RATELIMIT_ENABLED": True,
            "CHECKIN_LIMIT_PER_IP": "3 per 10 minutes",
            "CHECKIN_LIMIT_PER_ENTRANCE": "5 per 10 minutes",
        }
    )
    limited.test_client_class = CsrfClient
    return limited


def test_check_ins_are_limited_per_address(limited_app, create_office, visitor_form):
    office = create_office()
    client = limited_app.test_client()
    for _ in range(3):
        assert client.post(url(office.entrances[0]), data=visitor_form()).status_code == 302
    response = client.post(url(office.entrances[0]), data=visitor_form())
    assert response.status_code == 429
    assert "Terlalu banyak" in response.get_data(as_text=True)
    # Reading the page is not limited.
    assert client.get(url(office.entrances[0])).status_code == 200


def test_check_ins_are_limited_per_entrance(limited_app, create_office, visitor_form):
    office = create_office(entrances=["Pintu Utama", "Pintu Samping"])
    statuses = []
    for n in range(6):
        client = limited_app.test_client()
        client.environ_base["REMOTE_ADDR"] = f"10.0.0.{n + 1}"
        statuses.append(client.post(url(office.entrances[0]), data=visitor_form()).status_code)
    assert statuses == [302] * 5 + [429]
    client = limited_app.test_client()
    client.environ_base["REMOTE_ADDR"] = "10.0.1.1"
    assert client.post(url(office.entrances[1]), data=visitor_form()).status_code == 302


# Rotating screen codes -----------------------------------------------------------------


@pytest.fixture
def screen_entrance(create_office):
    office = create_office(name="Sekretariat DPRD")
    entrance = office.entrances[0]
    entrance.screen_mode = True
    db.session.commit()
    return entrance


def test_screen_mode_refuses_the_bare_poster_token(client, screen_entrance):
    response = client.get(url(screen_entrance))
    assert response.status_code == 410
    assert "Pindai ulang kode di layar petugas" in response.get_data(as_text=True)


@pytest.mark.parametrize("age", [0, 30])
def test_a_code_from_the_last_two_periods_opens_the_form(client, screen_entrance, screen_code, age):
    code = screen_code(screen_entrance, datetime.now(timezone.utc) - timedelta(seconds=age))
    response = client.get(url(screen_entrance, k=code))
    assert response.status_code == 200
    assert f'name="k" value="{code}"' in response.get_data(as_text=True)


def test_a_code_older_than_60_seconds_asks_to_scan_the_screen_again(
    client, screen_entrance, screen_code
):
    code = screen_code(screen_entrance, datetime.now(timezone.utc) - timedelta(seconds=61))
    response = client.get(url(screen_entrance, k=code))
    assert response.status_code == 410
    page = response.get_data(as_text=True)
    assert "sudah kedaluwarsa" in page and "Pindai ulang" in page


def test_a_code_from_another_entrance_is_refused(
    client, screen_entrance, create_office, screen_code
):
    other = create_office().entrances[0]
    assert client.get(url(screen_entrance, k=screen_code(other))).status_code == 410


@pytest.mark.parametrize(("minutes", "status"), [(9, 302), (11, 410)])
def test_the_form_window_counts_from_when_the_form_was_served(
    client, screen_entrance, screen_code, served_form, monkeypatch, minutes, status
):
    now = datetime.now(timezone.utc)
    form = served_form(client, url(screen_entrance, k=screen_code(screen_entrance, now)))
    later = now + timedelta(minutes=minutes)
    monkeypatch.setattr("patrol.routes.checkin.clock", lambda: later)
    response = client.post(url(screen_entrance), data=form)
    assert response.status_code == status
    assert len(checkins()) == (1 if status == 302 else 0)


def test_a_direct_post_with_an_old_code_and_no_served_form_is_refused(
    client, screen_entrance, screen_code, visitor_form
):
    code = screen_code(screen_entrance, datetime.now(timezone.utc) - timedelta(minutes=3))
    response = client.post(url(screen_entrance), data=visitor_form(k=code))
    assert response.status_code == 410
    assert checkins() == []


def test_a_photographed_code_opened_later_gives_no_form(
    client, screen_entrance, screen_code, visitor_form
):
    # A stamp cannot be forged for an old code: the form is only served for a fresh one.
    code = screen_code(screen_entrance, datetime.now(timezone.utc) - timedelta(minutes=2))
    assert client.get(url(screen_entrance, k=code)).status_code == 410
    forged = visitor_form(k=code, t="WzEsIiIsMF0.forged")
    assert client.post(url(screen_entrance), data=forged).status_code == 410


def test_the_server_clock_is_injectable(client, screen_entrance, screen_code, monkeypatch):
    code = screen_code(screen_entrance)
    later = datetime.now(timezone.utc) + timedelta(seconds=90)
    monkeypatch.setattr("patrol.routes.checkin.clock", lambda: later)
    assert client.get(url(screen_entrance, k=code)).status_code == 410
