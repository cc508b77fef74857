"""The officer's today: current and next shift, the zone on a small map, directions by geo: URI."""

from datetime import datetime, timedelta, timezone


def test_today_shows_the_current_shift_its_map_and_directions(
    client, create_user, create_zone, create_assignment, login
):
    officer = create_user("officer")
    zone = create_zone(name="Alun-Alun Tugu", lat=-7.97705, lon=112.63404, radius_m=90)
    create_assignment(officer, zone)
    later = create_zone(name="Taman Merbabu")
    create_assignment(officer, later, starts_at=datetime.now(timezone.utc) + timedelta(hours=9))
    login(client, officer)
    page = client.get("/patroli/").text
    assert "Shift sekarang" in page and "Alun-Alun Tugu" in page
    assert "Shift berikutnya" in page and "Taman Merbabu" in page
    assert "data-zone-map" in page and '"radius_m": 90' in page
    assert 'href="geo:-7.977050,112.634040?q=-7.977050,112.634040(Alun-Alun%20Tugu)"' in page


def test_without_a_current_shift_the_next_zone_is_shown(
    client, create_user, create_zone, create_assignment, login
):
    officer = create_user("officer")
    square = {
        "type": "Polygon",
        "coordinates": [[[112.62, -7.98], [112.63, -7.98], [112.63, -7.97], [112.62, -7.98]]],
    }
    zone = create_zone(name="Lapangan Rampal", geometry=square)
    create_assignment(officer, zone, starts_at=datetime.now(timezone.utc) + timedelta(hours=2))
    login(client, officer)
    page = client.get("/patroli/").text
    assert "Tidak ada shift sekarang" in page
    assert (
        "Peta zona berikutnya" in page
        and "Peta kecil zona Lapangan Rampal" in page
        and 'href="geo:' in page
    )


def test_no_map_when_nothing_is_planned(client, create_user, login):
    login(client, create_user("officer"))
    page = client.get("/patroli/").text
    assert "Tidak ada shift sekarang" in page and "data-zone-map" not in page
