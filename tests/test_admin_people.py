"""Admins keep users, offices with their entrances, guard posts, and read the audit trail."""

import pytest
import sqlalchemy as sa

from patrol.extensions import db
from patrol.models import AuditEvent, Entrance, GuardPost, Office, User
from tests.conftest import DEFAULT_PASSWORD


def audit_actions(entity: str) -> list[str]:
    return list(
        db.session.scalars(
            sa.select(AuditEvent.action).where(AuditEvent.entity == entity).order_by(AuditEvent.id)
        )
    )


# Users -------------------------------------------------------------------------------


def test_admin_creates_a_user_who_can_log_in(admin_client, app):
    response = admin_client.post(
        "/admin/pengguna/baru",
        data={
            "username": "Petugas7",
            "full_name": "Rina Wati",
            "role": "officer",
            "password": "kuat-sekali-1",
        },
    )
    assert response.status_code == 302
    user = db.session.scalar(sa.select(User).where(User.username == "petugas7"))
    assert user.role == "officer" and user.check_password("kuat-sekali-1")
    assert audit_actions("user") == ["create"]
    event = db.session.scalar(sa.select(AuditEvent))
    assert "password_hash" not in event.after
    fresh = app.test_client()
    login = fresh.post("/login", data={"username": "petugas7", "password": "kuat-sekali-1"})
    assert login.status_code == 302


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"password": "pendek"}, "Kata sandi minimal 8 karakter."),
        ({"username": "taken"}, "sudah dipakai"),
        ({"full_name": ""}, "Wajib diisi."),
    ],
)
def test_bad_user_input_is_refused_in_place(admin_client, create_user, overrides, message):
    create_user("guard", username="taken")
    data = {"username": "baru", "full_name": "Baru", "role": "guard", "password": "panjang-123"}
    response = admin_client.post("/admin/pengguna/baru", data=data | overrides)
    assert response.status_code == 422
    assert message in response.text
    assert db.session.scalar(sa.select(sa.func.count(User.id))) == 2


def test_deactivating_a_user_ends_their_session_at_once(app, admin_client, create_user, login):
    officer = create_user("officer")
    phone = app.test_client()
    login(phone, officer)
    assert phone.get("/patroli/").status_code == 200
    response = admin_client.post(
        f"/admin/pengguna/{officer.id}", data={"full_name": officer.full_name, "role": "officer"}
    )
    assert response.status_code == 302
    db.session.refresh(officer)
    assert officer.active is False
    assert phone.get("/patroli/").status_code == 302  # back to the login page
    assert audit_actions("user") == ["update"]
    event = db.session.scalar(sa.select(AuditEvent))
    assert (event.before["active"], event.after["active"]) == (True, False)


def test_resetting_a_password_ends_sessions_and_the_new_one_works(
    app, admin_client, create_user, login
):
    guard = create_user("guard")
    desk = app.test_client()
    login(desk, guard)
    response = admin_client.post(
        f"/admin/pengguna/{guard.id}/sandi", data={"password": "sandi-baru-99"}
    )
    assert response.status_code == 302
    assert desk.get("/jaga/").status_code == 302
    again = app.test_client()
    assert (
        again.post(
            "/login", data={"username": guard.username, "password": DEFAULT_PASSWORD}
        ).status_code
        == 401
    )
    login(again, guard, password="sandi-baru-99")
    assert audit_actions("user") == ["reset_password"]


def test_short_new_password_is_refused(admin_client, create_user):
    guard = create_user("guard")
    response = admin_client.post(f"/admin/pengguna/{guard.id}/sandi", data={"password": "abc"})
    assert response.status_code == 422
    assert "Kata sandi minimal 8 karakter." in response.text


def test_admin_cannot_deactivate_themselves(admin_client, admin):
    response = admin_client.post(
        f"/admin/pengguna/{admin.id}", data={"full_name": admin.full_name, "role": "admin"}
    )
    assert response.status_code == 422
    assert "akun Anda sendiri" in response.text
    db.session.refresh(admin)
    assert admin.active is True


def test_user_list_shows_everyone(admin_client, create_user):
    create_user("guard", full_name="Siti Rahayu")
    assert "Siti Rahayu" in admin_client.get("/admin/pengguna").text
    assert admin_client.get("/admin/pengguna/baru").status_code == 200


# Offices and entrances ---------------------------------------------------------------


def office_data(**overrides):
    data = {
        "name": "Balai Kota Malang",
        "address": "Jl. Tugu No. 1",
        "lat": "-7.9769",
        "lon": "112.6334",
        "radius_m": "120",
        "capacity": "300",
        "opens_at": "07:30",
        "closes_at": "16:00",
        "active": "y",
    }
    data.update(overrides)
    return data


def test_admin_adds_an_office_and_entrances(admin_client):
    assert admin_client.get("/admin/kantor/baru").status_code == 200
    response = admin_client.post("/admin/kantor/baru", data=office_data())
    assert response.status_code == 302
    office = db.session.scalar(sa.select(Office))
    assert (office.capacity, office.radius_m, office.opens_at.hour) == (300, 120, 7)
    response = admin_client.post(f"/admin/kantor/{office.id}/pintu", data={"name": "Pintu Utama"})
    assert response.status_code == 302
    entrance = db.session.scalar(sa.select(Entrance))
    assert len(entrance.token) >= 22  # 128 bits or more, URL-safe
    assert "Pintu Utama" in admin_client.get(f"/admin/kantor/{office.id}").text
    assert audit_actions("office") == ["create"]
    assert audit_actions("entrance") == ["create"]


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"lat": "51.5"}, "Lintang berada di luar wilayah yang diizinkan."),
        ({"radius_m": "5"}, "Jari-jari harus antara 10 m dan 5 km."),
        ({"closes_at": "07:00"}, "Jam tutup harus setelah jam buka."),
        ({"capacity": "-3"}, "Kapasitas tidak boleh negatif."),
        ({"name": ""}, "Wajib diisi."),
    ],
)
def test_bad_office_input_is_refused_in_place(admin_client, overrides, message):
    response = admin_client.post("/admin/kantor/baru", data=office_data(**overrides))
    assert response.status_code == 422
    assert message in response.text
    assert db.session.scalar(sa.select(sa.func.count(Office.id))) == 0


def test_editing_an_office_records_before_and_after(admin_client, create_office):
    office = create_office(name="Mini Block Office", capacity=200)
    response = admin_client.post(
        f"/admin/kantor/{office.id}", data=office_data(name="Mini Block Office", capacity="180")
    )
    assert response.status_code == 302
    event = db.session.scalar(sa.select(AuditEvent))
    assert (event.before["capacity"], event.after["capacity"]) == (200, 180)


def test_revoking_an_entrance_then_reissuing_gives_a_new_token(admin_client, create_office):
    entrance = create_office().entrances[0]
    old_token = entrance.token
    assert admin_client.post(f"/admin/pintu/{entrance.id}/cabut").status_code == 302
    db.session.refresh(entrance)
    assert entrance.revoked_at is not None and entrance.token == old_token
    assert admin_client.post(f"/admin/pintu/{entrance.id}/terbitkan").status_code == 302
    db.session.refresh(entrance)
    assert entrance.revoked_at is None and entrance.token != old_token
    assert audit_actions("entrance") == ["revoke", "reissue"]
    event = db.session.scalars(sa.select(AuditEvent).order_by(AuditEvent.id)).all()[-1]
    assert old_token not in str(event.before) and entrance.token not in str(event.after)


def test_empty_entrance_name_is_refused(admin_client, create_office):
    office = create_office()
    response = admin_client.post(f"/admin/kantor/{office.id}/pintu", data={"name": ""})
    assert response.status_code == 422
    assert "Wajib diisi." in response.text


# Guard posts -------------------------------------------------------------------------


def test_admin_places_a_guard_at_an_office_once(admin_client, create_user, create_office):
    guard, office = create_user("guard", full_name="Siti Rahayu"), create_office(name="Balai Kota")
    data = {"guard_id": str(guard.id), "office_id": str(office.id)}
    assert admin_client.post("/admin/pos-jaga", data=data).status_code == 302
    page = admin_client.get("/admin/pos-jaga").text
    assert "Siti Rahayu" in page and "Balai Kota" in page
    again = admin_client.post("/admin/pos-jaga", data=data)
    assert again.status_code == 422
    assert "Siti Rahayu sudah bertugas di Balai Kota." in again.text
    assert db.session.scalar(sa.select(sa.func.count(GuardPost.id))) == 1


def test_an_officer_cannot_be_posted_as_a_guard(admin_client, create_user, create_office):
    officer, office = create_user("officer"), create_office()
    response = admin_client.post(
        "/admin/pos-jaga", data={"guard_id": str(officer.id), "office_id": str(office.id)}
    )
    assert response.status_code == 422
    assert "Pilih petugas keamanan yang aktif." in response.text


def test_removing_a_guard_post(admin_client, create_user, create_office, create_guard_post):
    post = create_guard_post(create_user("guard"), create_office())
    assert admin_client.post(f"/admin/pos-jaga/{post.id}/hapus").status_code == 302
    assert db.session.scalar(sa.select(sa.func.count(GuardPost.id))) == 0
    assert audit_actions("guard_post") == ["delete"]


# Audit -------------------------------------------------------------------------------


def test_audit_page_lists_who_changed_what_before_and_after(admin_client, create_zone):
    zone = create_zone(name="Taman Slamet")
    admin_client.post(f"/admin/zona/{zone.id}/aktif")
    page = admin_client.get("/admin/audit")
    assert page.status_code == 200
    assert "Admin Kota" in page.text and "dinonaktifkan" in page.text and "Sebelum" in page.text
    assert "Taman Slamet" in admin_client.get("/admin/audit?jenis=zone").text
    assert "Taman Slamet" not in admin_client.get("/admin/audit?jenis=user").text


def test_audit_page_is_in_words_and_shift_times_in_wib(
    admin_client, create_user, create_zone, create_visit, create_violation
):
    from datetime import datetime, timezone

    officer = create_user("officer", full_name="Budi Santoso")
    zone = create_zone(name="Taman Slamet")
    data = {
        "officer_id": str(officer.id),
        "zone_id": str(zone.id),
        "day": "2037-12-01",
        "starts_at": "07:00",
        "ends_at": "15:00",
        "repeat_days": "1",
    }
    assert admin_client.post("/admin/shift/baru", data=data).status_code == 302
    violation = create_violation(
        create_visit(officer, zone, started_at=datetime(2026, 11, 3, 2, tzinfo=timezone.utc))
    )
    admin_client.post(
        f"/admin/laporan/tinjauan/{violation.id}",
        data={"outcome": "returned", "comment": "Foto kabur"},
    )
    page = admin_client.get("/admin/audit").text
    # 07:00 WIB is 00:00 UTC: the page says 07:00 WIB, never the stored UTC.
    assert "1 Des 2037 07:00 WIB" in page and "00:00:00+00:00" not in page
    assert "Pelanggaran #" in page and "ditinjau" in page and "dikembalikan ke petugas" in page
    assert "Shift #" in page and "dibuat" in page and "Mulai" in page
    for raw in ("violation #", " review<", "reviewed_at", "starts_at", "officer_id", '"outcome"'):
        assert raw not in page


@pytest.mark.parametrize("role", ["officer", "guard"])
def test_other_roles_cannot_open_planning_pages(client, create_user, login, role):
    login(client, create_user(role))
    for url in ("/admin/zona", "/admin/shift", "/admin/pengguna", "/admin/audit"):
        assert client.get(url).status_code == 403
