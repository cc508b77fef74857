"""A violation the supervisor sent back shows on the officer's own pages with the reason."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from patrol.extensions import db


def test_officer_sees_a_sent_back_violation_with_the_supervisors_reason(
    app, client, create_user, create_zone, create_visit, create_violation, login
):
    officer = create_user("officer", full_name="Budi Santoso")
    zone = create_zone(name="Alun-Alun Tugu")
    started = datetime.now(timezone.utc) - timedelta(hours=3)
    visit = create_visit(officer, zone, started_at=started, ended_at=started + timedelta(hours=1))
    returned = create_violation(visit, category="no_mask")
    approved = create_violation(visit, category="crowding")
    pending = create_violation(visit, category="no_distancing")

    admin = app.test_client()
    login(admin, create_user("admin"))
    for violation, outcome, comment in (
        (returned, "returned", "Foto tidak jelas, jumlah orang tidak sesuai"),
        (approved, "approved", ""),
    ):
        answer = admin.post(
            f"/admin/laporan/tinjauan/{violation.id}", data={"outcome": outcome, "comment": comment}
        )
        assert answer.status_code == 200

    login(client, officer)
    home = client.get("/patroli/").get_data(as_text=True)
    assert "Dikembalikan pengawas" in home
    assert f'data-returned-violation="{returned.id}"' in home
    assert "Alasan pengawas: Foto tidak jelas, jumlah orang tidak sesuai" in home
    assert f'href="/patroli/kunjungan/{visit.uuid}#violation-{returned.id}"' in home
    for other in (approved, pending):
        assert f'data-returned-violation="{other.id}"' not in home

    page = client.get(f"/patroli/kunjungan/{visit.uuid}").get_data(as_text=True)
    item = page.split(f'id="violation-{returned.id}"')[1].split("</li>")[0]
    assert "Dikembalikan pengawas" in item
    assert "Alasan pengawas: Foto tidak jelas, jumlah orang tidak sesuai" in item
    other = page.split(f'id="violation-{approved.id}"')[1].split("</li>")[0]
    assert "Dikembalikan pengawas" not in other

    # Another officer's home page shows nothing of it; a withdrawn one drops off the list.
    stranger = app.test_client()
    login(stranger, create_user("officer"))
    assert "Dikembalikan pengawas" not in stranger.get("/patroli/").get_data(as_text=True)
    returned.withdrawn_at = datetime.now(timezone.utc)
    db.session.commit()
    assert "Dikembalikan pengawas" not in client.get("/patroli/").get_data(as_text=True)
