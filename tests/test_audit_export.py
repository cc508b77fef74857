"""Admins download the audit trail as CSV; nobody else can, and formulas stay text."""

import csv
import io

import pytest

from patrol.extensions import db
from patrol.services.audit_export import spreadsheet_safe


def _rows(response) -> list[dict]:
    return list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))


def test_admin_downloads_every_audit_event_as_csv(world):
    admin = world.client("admin")
    assert admin.post(f"/admin/kantor/{world.office.id}/pintu", data={"name": "Pintu Timur"})
    assert admin.post(f"/admin/pengguna/{world.guard.id}/sandi", data={"password": "baru-12345"})
    response = admin.get("/admin/audit.csv")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    assert response.headers["Cache-Control"] == "private, no-store"
    rows = _rows(response)
    assert [(r["action"], r["entity"]) for r in rows] == [
        ("create", "entrance"),
        ("reset_password", "user"),
    ]
    assert rows[0]["actor_username"] == world.admin.username
    assert "Pintu Timur" in rows[0]["after"]
    assert "baru-12345" not in response.get_data(as_text=True)


def test_the_csv_follows_the_kind_filter(world):
    admin = world.client("admin")
    admin.post(f"/admin/kantor/{world.office.id}/pintu", data={"name": "Pintu Timur"})
    admin.post(f"/admin/pengguna/{world.guard.id}/sandi", data={"password": "baru-12345"})
    rows = _rows(admin.get("/admin/audit.csv?jenis=user"))
    assert [r["entity"] for r in rows] == ["user"]
    assert (
        'filename="audit-user-'
        in admin.get("/admin/audit.csv?jenis=user").headers["Content-Disposition"]
    )


def test_the_audit_page_links_to_the_csv(world):
    html = world.client("admin").get("/admin/audit").get_data(as_text=True)
    assert "/admin/audit.csv" in html


@pytest.mark.parametrize("who", [None, "officer", "guard"])
def test_only_admins_download_the_audit_csv(world, who):
    response = world.client(who).get("/admin/audit.csv")
    assert response.status_code in (302, 401, 403)
    assert response.mimetype != "text/csv"


def test_a_name_that_looks_like_a_formula_is_exported_as_text(world):
    admin = world.client("admin")
    world.admin.full_name = "=HYPERLINK(1)"
    db.session.commit()
    admin.post(f"/admin/kantor/{world.office.id}/pintu", data={"name": "Pintu Timur"})
    assert _rows(admin.get("/admin/audit.csv"))[0]["actor_name"] == "'=HYPERLINK(1)"
    assert spreadsheet_safe("=1+1") == "'=1+1"
    assert spreadsheet_safe("@SUM(A1)") == "'@SUM(A1)"
    assert spreadsheet_safe("Pintu Timur") == "Pintu Timur"
