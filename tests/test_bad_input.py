"""The input faults the fuzzing found, pinned down as plain cases (both databases)."""

import io

import pytest

from patrol.extensions import db
from patrol.models import CheckIn, Entrance


@pytest.mark.parametrize(
    ("who", "url"),
    [
        ("admin", "/admin/zona/99999999999999999999"),
        ("admin", "/admin/pengguna/2147483648"),
        ("admin", "/jaga/kantor/9223372036854775808"),
        ("officer", "/patroli/pelanggaran/99999999999999999999/cetak"),
    ],
)
def test_an_id_too_large_for_the_database_is_not_found(world, who, url):
    assert world.client(who).get(url).status_code == 404


@pytest.mark.parametrize(
    ("url", "data"),
    [
        ("/admin/shift/baru", {"officer_id": "99999999999999999999", "zone_id": "1"}),
        ("/admin/pos-jaga", {"guard_id": "2147483648", "office_id": "1"}),
        ("/admin/kantor/baru", {"name": "Kantor Besar", "capacity": "10" * 20}),
    ],
)
def test_a_huge_number_in_an_admin_form_is_refused_beside_the_field(world, url, data):
    response = world.client("admin").post(url, data=data)
    assert response.status_code == 422


@pytest.mark.parametrize(("query"), ["?sebelum=99999999999999999999", "?jenis=zone&sebelum=-5"])
def test_a_huge_paging_id_in_the_audit_list_shows_the_list(world, query):
    assert world.client("admin").get("/admin/audit" + query).status_code == 200


def test_a_huge_zone_when_starting_a_visit_is_refused(world):
    response = world.client("other_officer").post(
        "/patroli/kunjungan", data={"zone_id": "99999999999999999999"}
    )
    assert response.status_code == 422


@pytest.mark.parametrize(
    ("who", "url", "field", "status", "message"),
    [
        ("admin", "/admin/pengguna/{guard.id}/sandi", "password", 422, "Wajib diisi."),
        ("admin", "/admin/kantor/{office.id}/pintu", "name", 422, "Wajib diisi."),
        (None, "/login", "username", 400, "Nama pengguna wajib diisi."),
    ],
)
def test_a_file_sent_where_text_belongs_is_a_form_error(world, who, url, field, status, message):
    url = url.format(guard=world.guard, office=world.office)
    data = {field: (io.BytesIO(b"not text"), "a.txt")}
    response = world.client(who).post(url, data=data)
    assert response.status_code == status
    assert message in response.get_data(as_text=True)


def test_a_nul_character_is_refused_and_nothing_is_saved(world, visitor_form):
    before = db.session.query(CheckIn).count()
    response = world.client(None).post(
        f"/c/{world.entrance.token}", data=visitor_form(name="Siti\x00Aminah")
    )
    assert response.status_code == 400
    assert "karakter yang tidak diizinkan" in response.get_data(as_text=True)
    assert db.session.query(CheckIn).count() == before


def test_a_nul_character_in_an_admin_form_is_refused(world):
    response = world.client("admin").post(
        f"/admin/kantor/{world.office.id}/pintu", data={"name": "Pintu\x00Timur"}
    )
    assert response.status_code == 400
    assert db.session.query(Entrance).count() == 2
