"""At the door: capacity and waiting, red passes, office hours, several offices on one
phone, resends and shared addresses, and what a visitor's pages carry."""

from __future__ import annotations

import re
import uuid
from datetime import datetime, time, timedelta, timezone

import pytest
import sqlalchemy as sa

from patrol import create_app
from patrol.demo.seed import demo_shift_start
from patrol.extensions import db
from patrol.models import AuditEvent, CheckIn, Entrance
from patrol.routes.checkin import PASS_COOKIE
from patrol.rules.timeutil import WIB
from patrol.services import checkins as checkin_service
from tests.conftest import CsrfClient, base_config


def rows(office=None) -> list[CheckIn]:
    db.session.expire_all()
    query = sa.select(CheckIn).order_by(CheckIn.id)
    if office is not None:
        query = query.where(CheckIn.office_id == office.id)
    return list(db.session.scalars(query))


def door(entrance) -> str:
    return f"/c/{entrance.token}"


def phone_of(app) -> CsrfClient:
    """A visitor's phone: a client of its own (its own cookies and session)."""
    return app.test_client()


def arrive(app, served_form, entrance, **fields):
    """A visitor scans the poster, fills in the form and sends it; returns (phone, answer)."""
    phone = phone_of(app)
    response = phone.post(door(entrance), data=served_form(phone, door(entrance), **fields))
    return phone, response


@pytest.fixture
def guard_client(app, create_user, create_guard_post, login):
    def _guard(office):
        guard = create_user("guard", full_name="Pak Satpam")
        create_guard_post(guard, office)
        client = app.test_client()
        login(client, guard)
        return client

    return _guard


# Capacity: the pass says "wait" when the office is full ---------------------------------


def test_a_capacity_5_office_with_7_arrivals_lets_5_in_and_asks_2_to_wait(
    app, create_office, served_form, guard_client
):
    office = create_office(name="Balai Kota Malang", capacity=5)
    phones = []
    for n in range(7):
        phone, response = arrive(app, served_form, office.entrances[0], name=f"Tamu {n + 1}")
        assert response.status_code == 302
        phones.append(phone)
    states = [
        re.search(r'data-pass-state="(\w+)"', p.get("/c/tiket").get_data(as_text=True))[1]
        for p in phones
    ]
    assert states == ["green"] * 5 + ["wait"] * 2
    waiting_page = phones[5].get("/c/tiket").get_data(as_text=True)
    assert "Tunggu di pintu" in waiting_page and "Silakan masuk" not in waiting_page
    assert 'http-equiv="refresh"' in waiting_page  # the decision shows without a tap
    assert [c.status for c in rows()] == ["admitted"] * 5 + ["waiting"] * 2

    guard = guard_client(office)
    board = guard.get(f"/jaga/kantor/{office.id}").get_data(as_text=True)
    assert "5 / kapasitas 5" in board
    assert "2 orang menunggu di pintu" in board
    assert "Tamu 6" in board and "Tamu 7" in board

    # Someone leaves; the guard lets the first waiting visitor in from the board.
    first = rows()[0]
    guard.post(f"/jaga/kantor/{office.id}/keluar/{first.id}")
    sixth = rows()[5]
    answer = guard.post(
        f"/jaga/kantor/{office.id}/persilakan/{sixth.id}", headers={"HX-Request": "true"}
    )
    assert answer.status_code == 200
    assert "5 / kapasitas 5" in answer.get_data(as_text=True)
    assert "1 orang menunggu di pintu" in answer.get_data(as_text=True)
    assert 'data-pass-state="green"' in phones[5].get("/c/tiket").get_data(as_text=True)
    # Admitting twice (another guard was quicker) is a clear 404, not a second admission.
    again = guard.post(f"/jaga/kantor/{office.id}/persilakan/{sixth.id}")
    assert again.status_code == 404 and "tidak lagi menunggu" in again.get_data(as_text=True)


def test_an_office_may_let_everyone_in_past_capacity(app, create_office, served_form):
    office = create_office(capacity=2, wait_when_full=False)
    for _ in range(3):
        arrive(app, served_form, office.entrances[0])
    assert [c.status for c in rows()] == ["admitted"] * 3


def test_a_waiting_visitor_may_give_up_and_leave(app, create_office, served_form):
    office = create_office(capacity=1)
    arrive(app, served_form, office.entrances[0])
    phone, _ = arrive(app, served_form, office.entrances[0])
    page = phone.get("/c/tiket").get_data(as_text=True)
    assert "Batal, saya pergi" in page
    waiting = rows()[1]
    phone.post("/c/keluar", data={"pass": waiting.id})
    assert rows()[1].checked_out_at is not None
    assert checkin_service.waiting_list(office.id) == []


def test_a_guard_of_another_office_cannot_admit_or_refuse(
    app, create_office, served_form, guard_client
):
    office, other = create_office(capacity=1), create_office()
    arrive(app, served_form, office.entrances[0])
    arrive(app, served_form, office.entrances[0])
    waiting = rows()[1]
    guard = guard_client(other)
    assert guard.post(f"/jaga/kantor/{office.id}/persilakan/{waiting.id}").status_code == 403
    assert guard.post(f"/jaga/kantor/{other.id}/persilakan/{waiting.id}").status_code == 404
    assert guard.post(f"/jaga/kantor/{other.id}/tolak/{waiting.id}").status_code == 404
    assert rows()[1].status == "waiting"


# Red passes -----------------------------------------------------------------------------


def test_a_red_pass_is_not_counted_inside_and_is_turned_away_in_one_tap(
    app, create_office, served_form, guard_client
):
    office = create_office(capacity=10)
    arrive(app, served_form, office.entrances[0], name="Ani Sehat")
    phone, _ = arrive(app, served_form, office.entrances[0], name="Budi Demam", has_symptoms="yes")
    page = phone.get("/c/tiket").get_data(as_text=True)
    assert 'data-pass-state="red"' in page and "Jangan masuk" in page
    budi = rows()[1]
    assert budi.status == "waiting" and budi.screening == "red"

    guard = guard_client(office)
    board = guard.get(f"/jaga/kantor/{office.id}").get_data(as_text=True)
    assert "1 / kapasitas 10" in board
    assert "1 orang menunggu di pintu" in board and "merah: bergejala" in board
    tap = guard.post(f"/jaga/kantor/{office.id}/tolak/{budi.id}", headers={"HX-Request": "true"})
    assert tap.status_code == 200
    assert "menunggu di pintu" not in tap.get_data(as_text=True)
    budi = rows()[1]
    assert budi.status == "turned_away" and budi.turned_away_reason == "Bergejala sakit"
    assert budi.checkout_by == "guard"
    assert "Ditolak masuk" in phone.get("/c/tiket").get_data(as_text=True)


def test_an_office_may_count_red_passes_inside_and_still_turn_them_away_in_one_tap(
    app, create_office, served_form, guard_client
):
    office = create_office(capacity=10, hold_red=False)
    arrive(app, served_form, office.entrances[0], name="Budi Demam", has_symptoms="yes")
    budi = rows()[0]
    assert budi.status == "admitted"
    guard = guard_client(office)
    board = guard.get(f"/jaga/kantor/{office.id}").get_data(as_text=True)
    assert "1 / kapasitas 10" in board
    assert f"/jaga/kantor/{office.id}/tolak/{budi.id}" in board
    guard.post(f"/jaga/kantor/{office.id}/tolak/{budi.id}")
    assert rows()[0].status == "turned_away"
    assert checkin_service.count_inside(office.id) == 0


def test_a_green_person_inside_has_no_one_tap_turn_away(
    app, create_office, served_form, guard_client
):
    office = create_office()
    arrive(app, served_form, office.entrances[0])
    ani = rows()[0]
    guard = guard_client(office)
    assert f"/tolak/{ani.id}" not in guard.get(f"/jaga/kantor/{office.id}").get_data(as_text=True)
    assert guard.post(f"/jaga/kantor/{office.id}/tolak/{ani.id}").status_code == 404


# Two offices, one phone ----------------------------------------------------------------


def test_two_offices_on_one_phone_each_keep_their_own_pass_and_check_out(
    app, create_office, served_form
):
    balai = create_office(name="Balai Kota Malang")
    dprd = create_office(name="Sekretariat DPRD")
    phone = phone_of(app)
    phone.post(door(balai.entrances[0]), data=served_form(phone, door(balai.entrances[0])))
    phone.post(door(dprd.entrances[0]), data=served_form(phone, door(dprd.entrances[0])))
    first, second = rows()
    page = phone.get("/c/tiket").get_data(as_text=True)
    assert page.index("Sekretariat DPRD") < page.index("Balai Kota Malang")  # newest on top
    assert page.count('name="pass"') == 2
    # Back at the Balai Kota door, the phone shows that office's pass.
    again = phone.get(door(balai.entrances[0])).get_data(as_text=True)
    assert "Balai Kota Malang" in again and "Sekretariat DPRD" not in again
    phone.post("/c/keluar", data={"pass": first.id})
    first, second = rows()
    assert first.checked_out_at is not None and first.checkout_by == "self"
    assert second.checked_out_at is None
    phone.post("/c/keluar", data={"pass": second.id})
    assert rows()[1].checked_out_at is not None


def test_a_phone_cannot_check_out_a_pass_it_does_not_hold(app, create_office, served_form):
    office = create_office()
    arrive(app, served_form, office.entrances[0])
    someone = rows()[0]
    stranger, _ = arrive(app, served_form, office.entrances[0])
    stranger.post("/c/keluar", data={"pass": someone.id})
    assert rows()[0].checked_out_at is None


# Office hours ------------------------------------------------------------------------------


@pytest.fixture
def clock(monkeypatch):
    """The services' clock (office hours, check-in time, closing)."""

    class Clock:
        now = datetime(2026, 11, 30, 20, 0, tzinfo=WIB).astimezone(timezone.utc)

        def __call__(self):
            return self.now

    moved = Clock()
    monkeypatch.setattr(checkin_service, "utcnow", moved)
    return moved


def test_an_after_hours_arrival_is_told_the_office_is_closed(
    app, create_office, served_form, visitor_form, clock
):
    office = create_office(name="Balai Kota Malang", after_hours_checkin=False)
    phone = phone_of(app)
    page = phone.get(door(office.entrances[0]))
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "Kantor sedang tutup" in text and "07:30 sampai 16:00 WIB" in text
    assert 'name="client_uuid"' not in text
    sent = phone.post(door(office.entrances[0]), data=visitor_form())
    assert sent.status_code == 403 and rows() == []
    clock.now = datetime(2026, 12, 1, 8, 0, tzinfo=WIB).astimezone(timezone.utc)
    assert "Nama lengkap" in phone.get(door(office.entrances[0])).get_data(as_text=True)


def test_an_office_allowing_after_hours_leaves_nobody_inside_overnight(
    app, runner, create_office, served_form, clock
):
    office = create_office(after_hours_checkin=True, closes_at=time(16, 0))
    arrive(app, served_form, office.entrances[0], name="Tamu Malam")
    late = rows()[0]
    assert late.status == "admitted"
    clock.now = datetime(2026, 12, 1, 0, 30, tzinfo=WIB).astimezone(timezone.utc)
    result = runner.invoke(args=["close-offices"])
    assert "checked out at closing time: 1" in result.output
    late = rows()[0]
    assert late.checkout_by == "auto"
    assert late.checked_out_at == datetime(2026, 12, 1, 0, 0, tzinfo=WIB)


def test_close_offices_also_sends_home_those_still_waiting(app, create_office, served_form, clock):
    clock.now = datetime(2026, 11, 30, 10, 0, tzinfo=WIB).astimezone(timezone.utc)
    office = create_office(capacity=1)
    arrive(app, served_form, office.entrances[0])
    arrive(app, served_form, office.entrances[0])
    clock.now = datetime(2026, 11, 30, 17, 0, tzinfo=WIB).astimezone(timezone.utc)
    checkin_service.close_offices()
    db.session.commit()
    assert all(c.checked_out_at == datetime(2026, 11, 30, 16, 0, tzinfo=WIB) for c in rows())
    assert checkin_service.waiting_list(office.id) == []


# Resends, replays, shared addresses --------------------------------------------------------


def test_a_check_in_replayed_from_another_phone_hands_over_nothing(app, create_office, served_form):
    office = create_office()
    victim = phone_of(app)
    form = served_form(victim, door(office.entrances[0]))
    victim.post(door(office.entrances[0]), data=form)
    attacker = phone_of(app)
    attacker.get(door(office.entrances[0]))  # a session of its own, for the CSRF token
    replay = attacker.post(door(office.entrances[0]), data=form)
    assert replay.status_code == 409
    assert "sudah pernah dikirim dari ponsel lain" in replay.get_data(as_text=True)
    assert attacker.get_cookie(PASS_COOKIE, path="/c/") is None
    assert attacker.get("/c/tiket").status_code == 404
    # The same phone resending (an answer lost on the way) still gets its pass.
    assert victim.post(door(office.entrances[0]), data=form).status_code == 302
    assert len(rows()) == 1


def test_a_form_with_errors_keeps_its_uuid_only_for_the_phone_it_was_given_to(
    client, create_office, served_form
):
    office = create_office()
    path = door(office.entrances[0])
    form = served_form(client, path, name="")
    again = client.post(path, data=form).get_data(as_text=True)
    assert f'name="client_uuid" value="{form["client_uuid"]}"' in again
    # A UUID typed in from elsewhere gets no seal: the form comes back with a new one.
    odd = client.post(path, data=form | {"seal": "ségél\u00e9"})  # any text: never a 500
    assert odd.status_code == 422
    foreign = str(uuid.uuid4())
    other = client.post(path, data=form | {"client_uuid": foreign}).get_data(as_text=True)
    assert foreign not in other


def test_the_pass_page_is_never_cached(app, create_office, served_form):
    office = create_office()
    phone, _ = arrive(app, served_form, office.entrances[0])
    response = phone.get("/c/tiket")
    assert response.headers["Cache-Control"] == "no-store"
    assert phone.get(door(office.entrances[0])).headers["Cache-Control"] == "no-store"


@pytest.fixture
def limited_app(app, database_uri):
    """A second app on the same database, with the default check-in limits switched on."""
    limited = create_app(base_config(database_uri) | {"RATELIMIT_ENABLED": True})
    limited.test_client_class = CsrfClient
    return limited


def test_40_visitors_from_one_address_in_a_few_minutes_all_check_in(
    limited_app, create_office, served_form
):
    office = create_office(capacity=100)
    statuses = []
    for _ in range(40):
        phone = limited_app.test_client()  # one office Wi-Fi: every phone the same address
        form = served_form(phone, door(office.entrances[0]))
        statuses.append(phone.post(door(office.entrances[0]), data=form).status_code)
        phone.post(door(office.entrances[0]), data=form)  # a double tap: a resend
    assert statuses == [302] * 40
    assert len(rows()) == 40


def test_resends_do_not_count_and_a_429_says_when_and_leads_back_to_the_form(
    app, database_uri, create_office, served_form
):
    limited = create_app(
        base_config(database_uri)
        | {"RATELIMIT_ENABLED": True, "CHECKIN_LIMIT_PER_IP": "3 per 10 minutes"}
    )
    limited.test_client_class = CsrfClient
    office = create_office()
    path = door(office.entrances[0])
    phone = limited.test_client()
    form = served_form(phone, path)
    for _ in range(6):  # one check-in sent six times: one counted
        assert phone.post(path, data=form).status_code == 302
    for _ in range(2):
        other = limited.test_client()
        assert other.post(path, data=served_form(other, path)).status_code == 302
    late = limited.test_client()
    response = late.post(path, data=served_form(late, path))
    assert response.status_code == 429
    assert 1 <= int(response.headers["Retry-After"]) <= 601  # the 10-minute window
    page = response.get_data(as_text=True)
    assert f'href="{path}"' in page and "Kembali ke formulir check-in" in page
    assert "/taman" not in page.split("<main", 1)[1]


# The form -----------------------------------------------------------------------------------


def test_the_empty_form_answers_every_error_at_once_with_the_first_focused(client, create_office):
    office = create_office()
    path = door(office.entrances[0])
    client.get(path)
    response = client.post(path, data={"client_uuid": str(uuid.uuid4())})
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    for message in (
        "Nama wajib diisi.",
        "Nomor HP wajib diisi.",
        "Keperluan kunjungan wajib diisi.",
        "Jawab pertanyaan gejala: ya atau tidak.",
        "Pilih jumlah dosis vaksin (0 sampai 10).",
    ):
        assert f">{message}</p>" in page, message
    assert "5 isian perlu diperbaiki" in page
    assert page.count("autofocus") == 1
    assert re.search(r'<input id="v-name"[^>]*autofocus', page)
    assert rows() == []


def test_the_form_asks_the_browser_for_its_own_checks_and_hints(client, create_office):
    page = client.get(door(create_office().entrances[0])).get_data(as_text=True)
    form = page[page.index('class="visit-form"') :]
    assert "novalidate" not in form[: form.index(">")]
    assert re.search(r'id="v-name"[^>]*autocomplete="name"[^>]*required', form)
    assert re.search(
        r'id="v-phone"[^>]*type="tel"[^>]*autocomplete="tel"[^>]*inputmode="tel"', form
    )
    assert re.search(r'id="v-purpose"[^>]*required', form)
    assert re.search(r'name="has_symptoms" value="no" required', form)
    assert re.search(r'name="vaccine_doses" required', form)


@pytest.mark.parametrize(
    "typed", ["0812-3456-7890", "+62 812 3456 7890", "62 812.3456.7890", "(0812) 3456 7890"]
)
def test_indonesian_phone_numbers_in_their_usual_forms_are_stored_alike(
    client, create_office, served_form, typed
):
    office = create_office()
    path = door(office.entrances[0])
    assert client.post(path, data=served_form(client, path, phone=typed)).status_code == 302
    assert rows()[0].visitor_phone == "+6281234567890"


def test_a_wrong_phone_is_reported_beside_the_field_with_an_example(
    client, create_office, served_form
):
    office = create_office()
    path = door(office.entrances[0])
    response = client.post(path, data=served_form(client, path, phone="12"))
    assert response.status_code == 422
    assert "0812-3456-7890" in response.get_data(as_text=True)
    assert 'id="v-phone-error"' in response.get_data(as_text=True)


def test_visitor_pages_load_no_htmx_and_the_pass_no_script(app, create_office, served_form):
    office = create_office()
    phone = phone_of(app)
    form_page = phone.get(door(office.entrances[0])).get_data(as_text=True)
    assert "htmx.min.js" not in form_page and "app.js" not in form_page
    assert form_page.count("<script") == 1 and "js/checkin.js" in form_page
    phone.post(door(office.entrances[0]), data=served_form(phone, door(office.entrances[0])))
    assert "<script" not in phone.get("/c/tiket").get_data(as_text=True)


def test_every_page_names_a_favicon_that_is_served(client, create_office):
    page = client.get(door(create_office().entrances[0])).get_data(as_text=True)
    href = re.search(r'<link rel="icon"[^>]*href="([^"]+)"', page)[1]
    icon = client.get(href)
    assert icon.status_code == 200 and icon.mimetype == "image/svg+xml"


def test_the_privacy_notice_names_what_the_purge_removes(
    app, runner, client, create_office, create_checkin
):
    office = create_office()
    notice = client.get(door(office.entrances[0])).get_data(as_text=True)
    for word in (
        "nama",
        "nomor HP",
        "keperluan",
        "jawaban kesehatan",
        "lokasi",
        "alasan penolakan",
    ):
        assert word in notice.split("Setelah 30 hari", 1)[1].split("</p>", 1)[0], word
    old = datetime.now(timezone.utc) - timedelta(days=40)
    create_checkin(
        office,
        checked_in_at=old,
        checked_out_at=old,
        status="turned_away",
        turned_away_reason="Suhu 38,5 derajat",
        has_symptoms=True,
        vaccine_doses=2,
        screening="red",
        lat=-7.97,
        lon=112.63,
        accuracy_m=20.0,
        distance_m=671650.0,
        remote=True,
    )
    assert runner.invoke(args=["purge-personal-data"]).exit_code == 0
    [purged] = rows()
    assert purged.visitor_name is None and purged.visitor_phone is None and purged.purpose is None
    assert purged.turned_away_reason is None
    assert purged.has_symptoms is None and purged.vaccine_doses is None
    assert (purged.lat, purged.lon, purged.accuracy_m, purged.distance_m) == (None,) * 4
    assert purged.purged_at is not None
    assert purged.status == "turned_away" and purged.office_id == office.id  # the count stays


# Screen mode, posters, the admin page -----------------------------------------------------


def test_an_admin_switches_screen_mode_per_entrance_from_the_office_page(
    admin_client, create_office
):
    office = create_office(entrances=["Pintu Utama", "Pintu Samping"])
    main, side = office.entrances
    page = admin_client.get(f"/admin/kantor/{office.id}").get_data(as_text=True)
    assert f"/jaga/kantor/{office.id}/poster/{main.id}" in page
    assert f"/jaga/kantor/{office.id}/layar/{main.id}" in page
    assert "data-confirm=" in page and "Cabut kode QR Pintu Utama?" in page
    assert "Terbitkan kode baru untuk Pintu Utama?" in page
    answer = admin_client.post(
        f"/jaga/kantor/{office.id}/pintu/{main.id}/mode-layar", data={"on": "1"}
    )
    assert answer.status_code == 302
    db.session.expire_all()
    assert main.screen_mode is True and side.screen_mode is False
    event = db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == "screen_on")).one()
    assert event.entity_id == str(main.id) or event.entity_id == main.id
    # The printed poster of that door now points to the screen, with no QR to scan.
    poster = admin_client.get(f"/jaga/kantor/{office.id}/poster/{main.id}").get_data(as_text=True)
    assert "Pindai kode QR di layar meja petugas" in poster
    assert "<svg" not in poster and main.token not in poster
    assert admin_client.get(f"/jaga/kantor/{office.id}/poster/{main.id}/qr.png").status_code == 404
    plain = admin_client.get(f"/jaga/kantor/{office.id}/poster/{side.id}").get_data(as_text=True)
    assert "<svg" in plain and side.token in plain
    admin_client.post(f"/jaga/kantor/{office.id}/pintu/{main.id}/mode-layar", data={"on": "0"})
    db.session.expire_all()
    assert main.screen_mode is False


def test_a_guard_cannot_switch_screen_mode(create_office, guard_client):
    office = create_office()
    guard = guard_client(office)
    entrance = office.entrances[0]
    answer = guard.post(
        f"/jaga/kantor/{office.id}/pintu/{entrance.id}/mode-layar", data={"on": "1"}
    )
    assert answer.status_code == 403
    db.session.expire_all()
    assert entrance.screen_mode is False


def test_screen_mode_switches_from_the_command_line(runner, create_office):
    office = create_office(name="Sekretariat DPRD")
    entrance = office.entrances[0]
    result = runner.invoke(args=["screen-mode", str(entrance.id), "on"])
    assert result.exit_code == 0, result.output
    assert "screen mode on: Sekretariat DPRD / Pintu Utama" in result.output
    db.session.expire_all()
    assert db.session.get(Entrance, entrance.id).screen_mode is True
    assert runner.invoke(args=["screen-mode", "999999", "off"]).exit_code != 0


def test_the_lobby_screen_shows_no_guard_name_or_staff_menu(create_office, guard_client):
    office = create_office()
    guard = guard_client(office)
    page = guard.get(f"/jaga/kantor/{office.id}/layar/{office.entrances[0].id}")
    text = page.get_data(as_text=True)
    assert page.status_code == 200 and "<svg" in text
    assert "Pak Satpam" not in text
    assert "Papan jaga" not in text.split("<main", 1)[0]
    assert "/logout" not in text
    board = guard.get(f"/jaga/kantor/{office.id}").get_data(as_text=True)
    assert "Pak Satpam" in board  # other staff pages still say who is logged in


def test_a_per_person_check_out_asks_first(app, create_office, served_form, guard_client):
    office = create_office()
    arrive(app, served_form, office.entrances[0], name="Ani Hijau")
    guard = guard_client(office)
    board = guard.get(f"/jaga/kantor/{office.id}").get_data(as_text=True)
    assert 'hx-confirm="Catat Ani Hijau keluar?"' in board
    # Each row's question and button are its own person's (the question and the URL are
    # made once per list and the person put in), and a name is escaped in the attribute.
    arrive(app, served_form, office.entrances[0], name='Tono "Bos" & Rekan')
    board = guard.get(f"/jaga/kantor/{office.id}").get_data(as_text=True)
    assert 'hx-confirm="Catat Tono &#34;Bos&#34; &amp; Rekan keluar?"' in board
    for checkin in db.session.scalars(sa.select(CheckIn).where(CheckIn.office_id == office.id)):
        url = f"/jaga/kantor/{office.id}/keluar/{checkin.id}"
        assert board.count(f'action="{url}"') == 1, url


def test_far_away_distances_read_in_kilometres_on_the_board(
    create_office, create_checkin, guard_client
):
    office = create_office()
    create_checkin(office, name="Dodi Jauh", remote=True, distance_m=671650.0)
    page = guard_client(office).get(f"/jaga/kantor/{office.id}").get_data(as_text=True)
    assert "lokasi jauh (672 km)" in page and "671650" not in page


# A newcomer's first run ----------------------------------------------------------------------


@pytest.mark.parametrize(("hour", "start_hour"), [(3, 19), (7, 7), (12, 7), (19, 19), (23, 19)])
def test_the_demo_officer_has_a_shift_whatever_the_hour(hour, start_hour):
    now = datetime(2026, 11, 30, hour, 0, tzinfo=WIB)
    start = demo_shift_start(now).astimezone(WIB)
    assert start.hour == start_hour
    assert start <= now < start + timedelta(hours=12)


def test_seed_demo_at_night_gives_the_officer_a_shift_now(app):
    from patrol.demo.seed import seed_demo
    from patrol.models import Assignment

    night = datetime(2026, 11, 30, 21, 30, tzinfo=WIB).astimezone(timezone.utc)
    seed_demo(password="demo-password-123", now=night)
    db.session.commit()
    shifts = list(db.session.scalars(sa.select(Assignment)))
    assert any(s.starts_at <= night < s.ends_at for s in shifts)


def test_an_admin_sets_an_offices_check_in_rules_on_its_page(admin_client, create_office):
    office = create_office(name="Balai Kota Malang")
    page = admin_client.get(f"/admin/kantor/{office.id}").get_data(as_text=True)
    assert "Aturan check-in" in page and "Izinkan check-in di luar jam buka" in page
    form = {
        "name": "Balai Kota Malang",
        "address": "Jl. Tugu No. 1",
        "lat": "-7.9769",
        "lon": "112.6334",
        "radius_m": "120",
        "capacity": "300",
        "opens_at": "07:30",
        "closes_at": "16:00",
        "active": "y",
        "wait_when_full": "y",
        "after_hours_checkin": "y",
    }  # hold_red left unticked
    assert admin_client.post(f"/admin/kantor/{office.id}", data=form).status_code == 302
    db.session.expire_all()
    assert (office.wait_when_full, office.hold_red, office.after_hours_checkin) == (
        True,
        False,
        True,
    )
    event = db.session.scalars(
        sa.select(AuditEvent).where(AuditEvent.entity == "office").order_by(AuditEvent.id.desc())
    ).first()
    assert event.after["after_hours_checkin"] is True and event.before["hold_red"] is True
