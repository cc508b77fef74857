"""The guard's board, closing time, purging, posters and the rotating-code screen."""

import re
import uuid
from datetime import datetime, time, timedelta, timezone

import pytest
import sqlalchemy as sa

from patrol.extensions import db
from patrol.models import CheckIn
from patrol.rules.timeutil import WIB

HTMX = {"HX-Request": "true"}


def checkins():
    db.session.expire_all()
    return list(db.session.scalars(sa.select(CheckIn).order_by(CheckIn.id)))


@pytest.fixture
def guard_at(create_user, create_guard_post, login, client):
    """Factory: a guard posted at an office, logged in on ``client``."""

    def _guard(office):
        guard = create_user("guard", full_name="Pak Satpam")
        create_guard_post(guard, office)
        login(client, guard)
        return guard

    return _guard


def test_guard_sees_people_inside_with_flags_and_no_phone(
    client, create_office, create_checkin, guard_at
):
    office = create_office(name="Balai Kota Malang", capacity=10)
    guard_at(office)
    create_checkin(office, name="Ani Hijau", visitor_phone="081211112222")
    create_checkin(office, name="Beni Kuning", screening="yellow")
    create_checkin(office, name="Cici Merah", screening="red", has_symptoms=True)
    create_checkin(office, name="Dodi Jauh", remote=True, distance_m=1234.0)
    create_checkin(office, name="Eko Keluar", checked_out_at=datetime.now(timezone.utc))
    response = client.get(f"/jaga/kantor/{office.id}")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    for name in ("Ani Hijau", "Beni Kuning", "Cici Merah", "Dodi Jauh"):
        assert name in page
    assert "Eko Keluar" not in page
    assert "081211112222" not in page
    assert "kuning: periksa" in page and "merah: bergejala" in page
    assert "lokasi jauh (1,2 km)" in page
    assert "4 / kapasitas 10" in page
    assert "Kapasitas penuh" not in page


def test_guard_sees_only_their_own_offices(client, create_office, guard_at):
    mine, other = create_office(name="Kantor Saya"), create_office(name="Kantor Lain")
    guard_at(mine)
    assert "/poster/" not in client.get(f"/jaga/kantor/{mine.id}").get_data(as_text=True)
    assert client.get(f"/jaga/kantor/{other.id}").status_code == 403
    assert client.get(f"/jaga/kantor/{other.id}/langsung").status_code == 403
    boards = client.get("/jaga/").get_data(as_text=True)
    assert "Kantor Saya" in boards and "Kantor Lain" not in boards


def test_admin_sees_every_board(client, create_user, login, create_office):
    login(client, create_user("admin"))
    office = create_office()
    response = client.get(f"/jaga/kantor/{office.id}")
    assert response.status_code == 200
    poster = f"/jaga/kantor/{office.id}/poster/{office.entrances[0].id}"
    assert poster in response.get_data(as_text=True)
    assert client.get("/jaga/kantor/999999").status_code == 404


@pytest.mark.parametrize(
    ("inside", "level", "alert"), [(3, "quiet", False), (4, "busy", False), (5, "full", True)]
)
def test_capacity_colour_and_clear_alert_at_capacity(
    client, create_office, create_checkin, guard_at, inside, level, alert
):
    office = create_office(capacity=5)
    guard_at(office)
    for n in range(inside):
        create_checkin(office, name=f"Tamu {n}")
    page = client.get(f"/jaga/kantor/{office.id}/langsung", headers=HTMX).get_data(as_text=True)
    assert f"counter level-{level}" in page
    assert ("Kapasitas penuh" in page) is alert


def test_the_board_polls_only_the_list_every_10_seconds(client, create_office, guard_at):
    office = create_office()
    guard_at(office)
    page = client.get(f"/jaga/kantor/{office.id}").get_data(as_text=True)
    assert page.count('hx-trigger="every') == 1
    assert 'hx-trigger="every 10s"' in page
    live_start = page.index('id="board-live"')
    live_end = page.index("</section>", live_start)
    assert 'id="manual-form"' not in page[live_start:live_end]
    assert 'id="manual-form"' in page and 'id="away-form"' in page


@pytest.fixture
def busy_office(app, create_office, create_checkin, guard_at):
    """An office with 8 people inside (Siti came first) and a board listing 5 of them."""
    app.config["CHECKIN_BOARD_LIST_SIZE"] = 5
    now = datetime.now(timezone.utc)
    # Closed an hour ago at the latest: opening the board closes nobody of these.
    closes_at = (now.astimezone(WIB) - timedelta(hours=1)).time().replace(second=0, microsecond=0)
    office = create_office(name="Balai Kota Malang", capacity=20, closes_at=closes_at)
    guard_at(office)
    start = now - timedelta(minutes=10)
    people = [create_checkin(office, name="Siti Aminah", checked_in_at=start, short_code="K7QX")]
    for n in range(1, 8):
        people.append(
            create_checkin(office, name=f"Tamu {n}", checked_in_at=start + timedelta(minutes=n))
        )
    return office, people


def listed(page: str) -> list[str]:
    return re.findall(r'<p class="person-name">([^<]*)</p>', page)


def test_the_board_lists_the_newest_few_and_counts_everyone(client, busy_office):
    office, _people = busy_office
    for path, headers in (
        (f"/jaga/kantor/{office.id}", {}),
        (f"/jaga/kantor/{office.id}/langsung", HTMX),
    ):
        page = client.get(path, headers=headers).get_data(as_text=True)
        assert listed(page) == ["Tamu 7", "Tamu 6", "Tamu 5", "Tamu 4", "Tamu 3"]
        assert "8 / kapasitas 20" in page
        assert "5 orang terakhir masuk dari 8. Cari nama atau kode untuk yang lain." in page


@pytest.mark.parametrize("query", ["siti", "  SITI   aminah ", "k7q", "K7QX"])
def test_search_finds_someone_beyond_the_list(client, busy_office, query):
    office, _people = busy_office
    page = client.get(
        f"/jaga/kantor/{office.id}/langsung", query_string={"q": query}, headers=HTMX
    ).get_data(as_text=True)
    assert listed(page) == ["Siti Aminah"]
    assert "8 / kapasitas 20" in page  # the counter stays exact
    assert 'Cocok dengan "' in page and '": 1 orang.' in page


def test_search_without_htmx_and_with_no_match(client, busy_office):
    office, _people = busy_office
    page = client.get(f"/jaga/kantor/{office.id}", query_string={"q": "Siti"}).get_data(
        as_text=True
    )
    assert listed(page) == ["Siti Aminah"] and 'value="Siti"' in page
    page = client.get(
        f"/jaga/kantor/{office.id}/langsung", query_string={"q": "Zainal_%"}, headers=HTMX
    ).get_data(as_text=True)
    assert listed(page) == []
    assert 'Tidak ada orang di dalam dengan nama atau kode "Zainal_%".' in page
    assert "Belum ada orang di dalam." not in page


def test_search_lists_at_most_the_list_size(client, busy_office):
    office, _people = busy_office
    page = client.get(
        f"/jaga/kantor/{office.id}/langsung", query_string={"q": "tamu"}, headers=HTMX
    ).get_data(as_text=True)
    assert len(listed(page)) == 5
    assert "5 orang pertama yang cocok" in page


def test_checking_out_from_a_search_keeps_the_search(client, busy_office):
    office, people = busy_office
    response = client.post(
        f"/jaga/kantor/{office.id}/keluar/{people[0].id}", data={"q": "siti"}, headers=HTMX
    )
    page = response.get_data(as_text=True)
    assert listed(page) == []
    assert (
        "7 / kapasitas 20" in page
        and 'id="board-counter" class="counter level-quiet" hx-swap-oob="true"' in page
    )


def test_check_out_everyone_reaches_those_beyond_the_list(client, busy_office):
    office, _people = busy_office
    response = client.post(f"/jaga/kantor/{office.id}/tutup")
    assert "8 orang dicatat keluar" in client.get(response.headers["Location"]).get_data(
        as_text=True
    )
    assert all(c.checked_out_at is not None for c in checkins())


def test_the_refresh_answers_304_until_the_board_changes(client, busy_office, create_checkin):
    office, people = busy_office
    live = f"/jaga/kantor/{office.id}/langsung"
    first = client.get(live, headers=HTMX)
    etag = first.headers["ETag"]
    assert first.status_code == 200
    assert first.headers["Cache-Control"] == "no-cache, private"

    def again(tag, **query):
        return client.get(live, query_string=query, headers=HTMX | {"If-None-Match": tag})

    unchanged = again(etag)
    assert unchanged.status_code == 304 and unchanged.data == b""
    assert unchanged.headers["ETag"] == etag
    assert unchanged.headers["Cache-Control"] == "no-cache, private"
    assert again(etag, q="siti").status_code == 200  # another search, another answer

    create_checkin(office, name="Baru Datang")
    came = again(etag)
    assert came.status_code == 200 and "Baru Datang" in came.get_data(as_text=True)
    assert came.headers["ETag"] != etag
    etag = came.headers["ETag"]
    assert again(etag).status_code == 304

    client.post(f"/jaga/kantor/{office.id}/keluar/{people[0].id}", headers=HTMX)
    left = again(etag)
    assert left.status_code == 200 and "8 / kapasitas 20" in left.get_data(as_text=True)
    assert again(left.headers["ETag"]).status_code == 304


def test_a_turned_away_person_changes_the_refresh(client, busy_office):
    office, people = busy_office
    live = f"/jaga/kantor/{office.id}/langsung"
    etag = client.get(live, headers=HTMX).headers["ETag"]
    client.post(
        f"/jaga/kantor/{office.id}/tolak",
        data={"client_uuid": str(uuid.uuid4()), "short_code": "K7QX", "reason": "Bergejala"},
        headers=HTMX,
    )
    changed = client.get(live, headers=HTMX | {"If-None-Match": etag})
    assert changed.status_code == 200 and "7 / kapasitas 20" in changed.get_data(as_text=True)


def test_the_refresh_is_only_for_the_office_guard(client, busy_office, create_user, login):
    office, _people = busy_office
    live = f"/jaga/kantor/{office.id}/langsung"
    etag = client.get(live, headers=HTMX).headers["ETag"]
    client.post("/logout")
    login(client, create_user("guard"))
    assert client.get(live, headers=HTMX | {"If-None-Match": etag}).status_code == 403


def test_guard_checks_one_person_out(client, create_office, create_checkin, guard_at):
    office = create_office()
    guard = guard_at(office)
    stays = create_checkin(office, name="Tetap")
    leaves = create_checkin(office, name="Pulang")
    response = client.post(f"/jaga/kantor/{office.id}/keluar/{leaves.id}", headers=HTMX)
    assert response.status_code == 200
    assert "Pulang" not in response.get_data(as_text=True)
    out = {c.visitor_name: c for c in checkins()}
    assert out["Pulang"].checkout_by == "guard" and out["Pulang"].checkout_guard_id == guard.id
    assert out["Tetap"].checked_out_at is None and stays.id == out["Tetap"].id


def test_guard_cannot_check_out_someone_in_another_office(
    client, create_office, create_checkin, guard_at
):
    office, other = create_office(), create_office()
    guard_at(office)
    elsewhere = create_checkin(other)
    assert client.post(f"/jaga/kantor/{office.id}/keluar/{elsewhere.id}").status_code == 404
    assert client.post(f"/jaga/kantor/{other.id}/keluar/{elsewhere.id}").status_code == 403
    assert checkins()[0].checked_out_at is None


def test_guard_checks_everybody_out_at_closing(client, create_office, create_checkin, guard_at):
    office, other = create_office(), create_office()
    guard_at(office)
    for n in range(3):
        create_checkin(office, name=f"Tamu {n}")
    create_checkin(other, name="Di kantor lain")
    response = client.post(f"/jaga/kantor/{office.id}/tutup")
    assert response.status_code == 302
    assert "3 orang dicatat keluar" in client.get(response.headers["Location"]).get_data(
        as_text=True
    )
    by_office = {(c.office_id, c.checkout_by) for c in checkins()}
    assert by_office == {(office.id, "guard"), (other.id, None)}


def manual_form(**overrides):
    form = {
        "client_uuid": str(uuid.uuid4()),
        "name": "Mbah Sarmi",
        "phone": "",
        "purpose": "",
        "has_symptoms": "no",
        "vaccine_doses": "2",
    }
    form.update(overrides)
    return form


def test_manual_check_in_for_a_visitor_without_a_phone(client, create_office, guard_at):
    office = create_office()
    guard = guard_at(office)
    form = manual_form()
    response = client.post(f"/jaga/kantor/{office.id}/masuk", data=form, headers=HTMX)
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    # The fresh form comes back, and the list is swapped out of band.
    assert 'id="manual-form"' in page and 'hx-swap-oob="true"' in page
    assert "Mbah Sarmi" in page
    client.post(f"/jaga/kantor/{office.id}/masuk", data=form, headers=HTMX)
    [checkin] = checkins()
    assert checkin.guard_id == guard.id and checkin.entrance_id is None
    assert checkin.visitor_phone is None and checkin.status == "admitted"


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("name", "", "Nama wajib diisi."),
        ("has_symptoms", "", "Jawab pertanyaan gejala"),
        ("phone", "12", "Nomor HP tidak valid"),
    ],
)
def test_manual_check_in_errors_come_back_in_place(
    client, create_office, guard_at, field, value, message
):
    office = create_office()
    guard_at(office)
    response = client.post(
        f"/jaga/kantor/{office.id}/masuk", data=manual_form(**{field: value}), headers=HTMX
    )
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert message in page and 'id="manual-form"' in page and "hx-swap-oob" not in page
    assert checkins() == []
    # Without htmx the whole board comes back with the message.
    response = client.post(f"/jaga/kantor/{office.id}/masuk", data=manual_form(**{field: value}))
    assert response.status_code == 422 and message in response.get_data(as_text=True)


def test_turn_away_someone_who_checked_in_by_their_pass_code(
    client, create_office, create_checkin, guard_at
):
    office = create_office()
    guard = guard_at(office)
    create_checkin(office, name="Cici Merah", screening="red", short_code="ABC234")
    response = client.post(
        f"/jaga/kantor/{office.id}/tolak",
        data={"client_uuid": str(uuid.uuid4()), "short_code": "abc234", "reason": "Demam"},
        headers=HTMX,
    )
    assert response.status_code == 200
    [checkin] = checkins()
    assert checkin.status == "turned_away" and checkin.turned_away_reason == "Demam"
    assert checkin.guard_id == guard.id and checkin.checked_out_at is not None
    assert "Cici Merah" not in client.get(f"/jaga/kantor/{office.id}/langsung").get_data(
        as_text=True
    )


def test_turn_away_a_walk_in_is_recorded_with_the_reason(client, create_office, guard_at):
    office = create_office()
    guard = guard_at(office)
    form = {
        "client_uuid": str(uuid.uuid4()),
        "name": "Pak Tanpa Masker",
        "reason": "Menolak masker",
    }
    client.post(f"/jaga/kantor/{office.id}/tolak", data=form)
    client.post(f"/jaga/kantor/{office.id}/tolak", data=form)
    [checkin] = checkins()
    assert (checkin.visitor_name, checkin.status, checkin.guard_id) == (
        "Pak Tanpa Masker",
        "turned_away",
        guard.id,
    )
    assert checkin.turned_away_reason == "Menolak masker"


@pytest.mark.parametrize(
    ("form", "message"),
    [
        ({"name": "Tamu", "reason": ""}, "Alasan penolakan wajib diisi."),
        ({"name": "", "reason": "Demam"}, "Isi kode pada layar pengunjung atau namanya."),
        (
            {"short_code": "ZZZ999", "reason": "Demam"},
            "Tidak ada orang di dalam dengan kode ZZZ999",
        ),
    ],
)
def test_turn_away_needs_a_reason_and_a_person(client, create_office, guard_at, form, message):
    office = create_office()
    guard_at(office)
    form = {"client_uuid": str(uuid.uuid4())} | form
    response = client.post(f"/jaga/kantor/{office.id}/tolak", data=form, headers=HTMX)
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert checkins() == []


def test_a_visitor_turned_away_sees_it_on_their_pass(
    client, app, create_office, guard_at, visitor_form
):
    office = create_office()
    phone = app.test_client()
    phone.post(f"/c/{office.entrances[0].token}", data=visitor_form())
    guard_at(office)
    code = checkins()[0].short_code
    client.post(
        f"/jaga/kantor/{office.id}/tolak",
        data={"client_uuid": str(uuid.uuid4()), "short_code": code, "reason": "Suhu 38,5"},
    )
    page = phone.get("/c/tiket").get_data(as_text=True)
    assert "Ditolak masuk" in page and "Suhu 38,5" in page
    assert "/c/keluar" not in page


# Closing time and privacy ----------------------------------------------------------------


def wib_at(days_ago: int, hour: int, minute: int = 0) -> datetime:
    day = datetime.now(WIB).date() - timedelta(days=days_ago)
    return datetime.combine(day, time(hour, minute), WIB).astimezone(timezone.utc)


def test_close_offices_checks_out_at_closing_time(runner, create_office, create_checkin):
    office = create_office(closes_at=time(16, 0))
    yesterday = create_checkin(office, name="Kemarin", checked_in_at=wib_at(1, 9))
    late = create_checkin(office, name="Lewat tutup", checked_in_at=wib_at(2, 17))
    result = runner.invoke(args=["close-offices"])
    assert result.exit_code == 0, result.output
    assert "checked out at closing time: 2" in result.output
    db.session.expire_all()
    assert yesterday.checkout_by == "auto" and yesterday.checked_out_at == wib_at(1, 16)
    # Let in after closing two days ago: out at that midnight, not the next day's closing.
    assert late.checked_out_at == wib_at(1, 0)


def test_nobody_is_checked_out_before_closing_time(app, create_office, create_checkin):
    from patrol.services.checkins import close_offices

    office = create_office(closes_at=time(16, 0))
    morning = create_checkin(office, checked_in_at=wib_at(3, 9))
    assert close_offices(now=wib_at(3, 15, 59)) == 0
    assert morning.checked_out_at is None
    assert close_offices(now=wib_at(3, 16, 1)) == 1
    assert morning.checked_out_at == wib_at(3, 16) and morning.checkout_by == "auto"


def test_opening_a_board_applies_closing_time(client, create_office, create_checkin, guard_at):
    office = create_office(closes_at=time(16, 0))
    guard_at(office)
    create_checkin(office, name="Lupa Keluar", checked_in_at=wib_at(1, 10))
    page = client.get(f"/jaga/kantor/{office.id}").get_data(as_text=True)
    assert "Lupa Keluar" not in page
    assert checkins()[0].checkout_by == "auto"


def test_opening_a_board_sends_home_who_waited_past_closing(
    client, create_office, create_checkin, guard_at
):
    """Only someone waiting at the door is overdue: the board's probe must still see it."""
    office = create_office(closes_at=time(16, 0))
    guard_at(office)
    waited = create_checkin(
        office, name="Tunggu Lama", status="waiting", checked_in_at=wib_at(1, 10)
    )
    today = create_checkin(office, name="Baru Datang")
    page = client.get(f"/jaga/kantor/{office.id}").get_data(as_text=True)
    assert "Tunggu Lama" not in page and "Baru Datang" in page
    db.session.expire_all()
    assert waited.checkout_by == "auto" and waited.checked_out_at == wib_at(1, 16)
    assert today.checked_out_at is None


@pytest.mark.parametrize(("args", "purged"), [([], 1), (["--days", "5"], 2)])
def test_purge_removes_names_and_phones_but_keeps_counts(
    runner, create_office, create_checkin, args, purged
):
    office = create_office()
    old = datetime.now(timezone.utc) - timedelta(days=31)
    create_checkin(office, name="Lama", checked_in_at=old, checked_out_at=old, lat=-7.9, lon=112.6)
    week = datetime.now(timezone.utc) - timedelta(days=7)
    create_checkin(office, name="Minggu lalu", checked_in_at=week, checked_out_at=week)
    create_checkin(office, name="Hari ini")
    result = runner.invoke(args=["purge-personal-data", *args])
    assert result.exit_code == 0, result.output
    assert f": {purged}" in result.output
    rows = checkins()
    assert len(rows) == 3
    blanked = [c for c in rows if c.purged_at is not None]
    assert len(blanked) == purged
    assert all(c.visitor_name is None and c.visitor_phone is None for c in blanked)
    assert all(c.lat is None for c in blanked)
    assert rows[2].visitor_name == "Hari ini" and rows[2].visitor_phone
    assert "0812" not in result.output


def test_purge_refuses_negative_days(runner):
    result = runner.invoke(args=["purge-personal-data", "--days", "-1"])
    assert result.exit_code != 0


# Posters and the rotating-code screen ----------------------------------------------------


def test_admin_prints_a_poster_with_the_short_absolute_url(
    client, create_user, login, create_office
):
    login(client, create_user("admin"))
    office = create_office(name="Perkantoran Terpadu", entrances=["Pintu Timur"])
    entrance = office.entrances[0]
    response = client.get(f"/jaga/kantor/{office.id}/poster/{entrance.id}")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "Perkantoran Terpadu" in page and "Pintu Timur" in page
    assert "<svg" in page and "Buka kamera ponsel" in page
    assert f"http://localhost/c/{entrance.token}<" in page
    assert "css/checkin.css" in page


def test_poster_qr_downloads_as_png_and_svg(client, create_user, login, create_office):
    login(client, create_user("admin"))
    office = create_office()
    entrance = office.entrances[0]
    png = client.get(f"/jaga/kantor/{office.id}/poster/{entrance.id}/qr.png")
    assert png.status_code == 200 and png.mimetype == "image/png"
    assert png.data.startswith(b"\x89PNG")
    assert "attachment" in png.headers["Content-Disposition"]
    svg = client.get(f"/jaga/kantor/{office.id}/poster/{entrance.id}/qr.svg")
    assert svg.mimetype == "image/svg+xml" and b"<svg" in svg.data


def test_poster_uses_the_configured_public_address(app, client, create_user, login, create_office):
    app.config["CHECKIN_BASE_URL"] = "https://patroli.malangkota.go.id"
    login(client, create_user("admin"))
    office = create_office()
    entrance = office.entrances[0]
    page = client.get(f"/jaga/kantor/{office.id}/poster/{entrance.id}").get_data(as_text=True)
    assert f"https://patroli.malangkota.go.id/c/{entrance.token}" in page


def test_posters_are_for_admins_and_revoked_doors_have_none(
    client, create_user, login, create_office, create_guard_post
):
    office = create_office()
    entrance = office.entrances[0]
    guard = create_user("guard")
    create_guard_post(guard, office)
    login(client, guard)
    assert client.get(f"/jaga/kantor/{office.id}/poster/{entrance.id}").status_code == 403
    client.post("/logout")
    login(client, create_user("admin"))
    entrance.revoked_at = datetime.now(timezone.utc)
    db.session.commit()
    response = client.get(f"/jaga/kantor/{office.id}/poster/{entrance.id}")
    assert response.status_code == 404 and "sudah dicabut" in response.get_data(as_text=True)
    other = create_office()
    assert client.get(f"/jaga/kantor/{other.id}/poster/{entrance.id}").status_code == 404


def test_guard_screen_shows_a_rotating_code_that_opens_the_form(
    client, app, create_office, guard_at
):
    office = create_office()
    entrance = office.entrances[0]
    entrance.screen_mode = True
    db.session.commit()
    guard_at(office)
    page = client.get(f"/jaga/kantor/{office.id}/layar/{entrance.id}").get_data(as_text=True)
    assert "<svg" in page and 'hx-trigger="every 5s"' in page
    partial = client.get(f"/jaga/kantor/{office.id}/layar/{entrance.id}/kode").get_data(
        as_text=True
    )
    link = partial.split('data-url="')[1].split('"')[0].replace("&amp;", "&")
    assert link.startswith(f"http://localhost/c/{entrance.token}?k=")
    visitor = app.test_client()
    assert visitor.get(link.removeprefix("http://localhost")).status_code == 200


def test_a_retry_racing_the_first_request_returns_the_first_check_in(
    app, create_office, monkeypatch
):
    from patrol.services import checkins as service

    office = create_office()
    details = service.VisitorDetails("Siti", "081234567890", "Rapat", False, 2)
    first = service.check_in(
        office, office.entrances[0], "6f1c1a4e-6a38-4b0e-9a52-2c6f8f0c0a11", details
    )
    db.session.commit()
    # The second request looked before the first had committed: it saw no row yet.
    real_lookup = service._by_uuid
    calls = []

    def late_lookup(client_uuid):
        calls.append(client_uuid)
        return None if len(calls) == 1 else real_lookup(client_uuid)

    monkeypatch.setattr(service, "_by_uuid", late_lookup)
    second = service.check_in(
        office, office.entrances[0], "6f1c1a4e-6a38-4b0e-9a52-2c6f8f0c0a11", details
    )
    db.session.commit()
    assert second.id == first.id and len(calls) == 2
    assert len(checkins()) == 1
