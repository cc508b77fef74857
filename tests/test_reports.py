"""Reports against known data: the numbers an admin reads, the exports, the review."""

from __future__ import annotations

import csv
import io
import json
from datetime import date, datetime, timedelta, timezone

import pytest

from patrol.extensions import db
from patrol.models import AuditEvent, Violation
from patrol.rules.timeutil import WIB
from patrol.services import reports

WEEK = {"start": "2026-11-02", "end": "2026-11-08"}


def wib(day: int, hour: int, minute: int = 0) -> datetime:
    """A moment of November 2026 given in WIB, as aware UTC."""
    return datetime(2026, 11, day, hour, minute, tzinfo=WIB).astimezone(timezone.utc)


@pytest.fixture
def admin_client(client, create_user, login):
    login(client, create_user("admin"))
    return client


@pytest.fixture
def violation_week(create_user, create_zone, create_visit, create_violation):
    """Two parks, one week: 4 violations in Tugu, 2 in Merbabu, and some that must not count."""
    officer = create_user("officer", full_name="Budi Santoso")
    tugu = create_zone(name="Alun-Alun Tugu", capacity=400)
    merbabu = create_zone(name="Taman Merbabu", capacity=150)
    visit_tugu = create_visit(officer, tugu, started_at=wib(3, 9))
    visit_merbabu = create_visit(officer, merbabu, started_at=wib(4, 22))
    create_violation(visit_tugu, "no_mask", recorded_at=wib(3, 9, 10), people_count=1)
    create_violation(visit_tugu, "no_mask", recorded_at=wib(3, 9, 20), people_count=3)
    create_violation(
        visit_tugu,
        "crowding",
        "fine",
        recorded_at=wib(3, 9, 30),
        people_count=5,
        fine_amount=100_000,
    )
    create_violation(
        visit_tugu,
        "crowding",
        "fine",
        recorded_at=wib(3, 9, 40),
        fine_amount=250_000,
        offender_name="Joko Pelanggar",
        nik_last4="4321",
    )
    # Half past midnight WIB on the 5th is still the 4th in UTC: it must count on the 5th.
    create_violation(visit_merbabu, "no_mask", recorded_at=wib(5, 0, 30))
    create_violation(visit_merbabu, "no_distancing", "dispersal", recorded_at=wib(4, 22, 15))
    # Withdrawn, and outside the week: neither counts.
    create_violation(
        visit_tugu,
        "no_mask",
        recorded_at=wib(3, 10),
        withdrawn_at=wib(3, 11),
        withdrawn_reason="salah input",
    )
    create_violation(visit_tugu, "no_mask", recorded_at=wib(10, 9))
    return {"tugu": tugu, "merbabu": merbabu, "officer": officer}


def test_violation_report_counts_by_category_zone_day_and_action(app, violation_week):
    data = reports.violations_report(reports.Filters(date(2026, 11, 2), date(2026, 11, 8)))
    assert [(r.label, r.n, r.people) for r in data["by_category"]] == [
        ("Tidak memakai masker", 3, 5),
        ("Tidak menjaga jarak", 1, 1),
        ("Berkerumun", 2, 6),
    ]
    assert [(r.name, r.n) for r in data["by_zone"]] == [("Alun-Alun Tugu", 4), ("Taman Merbabu", 2)]
    assert [(r.day, r.n) for r in data["by_day"]] == [
        ("2026-11-03", 4),
        ("2026-11-04", 1),
        ("2026-11-05", 1),
    ]
    actions = {r.label: (r.n, r.fines) for r in data["by_action"] if r.n}
    assert actions == {
        "Teguran lisan": (3, 0),
        "Denda administratif": (2, 350_000),
        "Pembubaran kerumunan": (1, 0),
    }
    assert (data["total"], data["fines"]) == (6, 350_000)


def test_violation_report_filters_by_zone(app, violation_week):
    f = reports.Filters(date(2026, 11, 2), date(2026, 11, 8), zone_id=violation_week["merbabu"].id)
    data = reports.violations_report(f)
    assert data["total"] == 2
    assert [r.name for r in data["by_zone"]] == ["Taman Merbabu"]


def test_admin_sees_violation_totals_and_a_chart_with_its_table(admin_client, violation_week):
    response = admin_client.get("/admin/laporan/pelanggaran", query_string=WEEK)
    assert response.status_code == 200
    text = response.get_data(as_text=True)
    assert 'data-figure="total">6<' in text
    assert 'data-figure="fines">Rp350.000<' in text
    assert "<td>Rp350.000</td>" in text
    assert text.count("<svg") == 4
    assert text.count("<table") == 4
    assert "Berkerumun" in text


@pytest.mark.parametrize(
    ("value", "args", "text"),
    [
        (0, (), "0"),
        (999, (), "999"),
        (10000, (), "10.000"),
        (81250000, (), "81.250.000"),
        (100000, ("Rp",), "Rp100.000"),
        (-2500, ("Rp",), "-Rp2.500"),
        (1234.55, ("", 1), "1.234,6"),
        (1.5, ("", 1), "1,5"),
        (None, (), "–"),
    ],
)
def test_numbers_and_money_are_written_the_indonesian_way(app, value, args, text):
    from patrol.rules.numbers import angka

    assert angka(value, *args) == text
    with app.app_context():
        template = app.jinja_env.from_string("{{ v | angka(*a) }}")
        assert template.render(v=value, a=args) == text


def test_time_chart_has_every_day_of_the_period_and_empty_days_are_zero(
    admin_client, violation_week
):
    series = reports.daily_series(
        reports.violations_report(reports.Filters(date(2026, 11, 2), date(2026, 11, 8)))["by_day"],
        date(2026, 11, 2),
        date(2026, 11, 8),
    )
    assert [(row["label"], row["n"]) for row in series] == [
        ("02/11", 0),
        ("03/11", 4),
        ("04/11", 1),
        ("05/11", 1),
        ("06/11", 0),
        ("07/11", 0),
        ("08/11", 0),
    ]


def test_a_year_of_days_labels_the_axis_without_overlap(admin_client, violation_week):
    import re

    text = admin_client.get(
        "/admin/laporan/pelanggaran", query_string={"start": "2025-11-09", "end": "2026-11-08"}
    ).text
    chart = text[text.index('aria-label="Pelanggaran per hari"') :]
    chart = chart[: chart.index("</svg>")]
    assert chart.count('class="chart-bar"') == 365
    ticks = [float(x) for x in re.findall(r'<text x="([\d.]+)" y="198"', chart)]
    assert 4 <= len(ticks) <= 20
    # "dd/mm" is 5 characters, about 40 px at the tick size: no two labels touch, none clips.
    assert all(b - a >= 44 for a, b in zip(ticks, ticks[1:], strict=False))
    assert max(ticks) + 40 <= 640


def test_long_names_in_bar_charts_are_not_cut(
    admin_client, create_user, create_zone, create_visit, create_violation
):
    zone = create_zone(name="Perkantoran Terpadu Kota Malang Blok Timur")
    create_violation(
        create_visit(create_user("officer"), zone, started_at=wib(3, 8)), recorded_at=wib(3, 9)
    )
    text = admin_client.get("/admin/laporan/pelanggaran", query_string=WEEK).text
    assert ">Perkantoran Terpadu Kota Malang Blok Timur<title>" in text


def test_htmx_filter_change_returns_only_the_report_body(admin_client, violation_week):
    response = admin_client.get(
        "/admin/laporan/pelanggaran",
        query_string=WEEK | {"zone_id": violation_week["merbabu"].id},
        headers={"HX-Request": "true"},
    )
    text = response.get_data(as_text=True)
    assert "<html" not in text
    assert 'data-figure="total">2<' in text


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ({"start": "2026-13-01"}, "Tanggal tidak valid"),
        ({"start": "2026-11-09", "end": "2026-11-02"}, "Tanggal mulai harus sebelum"),
        ({"start": "2024-01-01", "end": "2026-11-02"}, "Rentang paling lama satu tahun"),
        ({"zone_id": "abc"}, "Pilihan tidak dikenal"),
        ({"end": "0001-01-01"}, "Tanggal harus antara tahun 2000 dan 2100"),
        ({"start": "9999-12-31", "end": "9999-12-31"}, "Tanggal harus antara tahun 2000"),
    ],
)
def test_bad_filters_are_explained_not_crashed(admin_client, args, message):
    response = admin_client.get("/admin/laporan/pelanggaran", query_string=args)
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)


def test_unknown_report_is_not_found(admin_client):
    assert admin_client.get("/admin/laporan/rahasia").status_code == 404
    assert admin_client.get("/admin/laporan/cakupan.geojson").status_code == 404


@pytest.mark.parametrize("role", ["officer", "guard"])
def test_only_admins_open_reports_and_exports(client, create_user, login, role):
    login(client, create_user(role))
    for url in ("/admin/dasbor", "/admin/laporan/pelanggaran", "/admin/laporan/pelanggaran.csv"):
        assert client.get(url).status_code == 403


def test_violation_csv_lists_each_violation_without_offender_details(admin_client, violation_week):
    response = admin_client.get("/admin/laporan/pelanggaran.csv", query_string=WEEK, buffered=True)
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    text = response.get_data(as_text=True)
    rows = list(csv.DictReader(io.StringIO(text)))
    assert len(rows) == 6
    assert sum(int(r["fine_amount"] or 0) for r in rows) == 350_000
    assert {r["zone"] for r in rows} == {"Alun-Alun Tugu", "Taman Merbabu"}
    assert "Joko" not in text and "4321" not in text


def test_violation_geojson_has_a_point_per_located_violation(
    admin_client, violation_week, create_visit, create_violation
):
    visit = create_visit(violation_week["officer"], violation_week["tugu"], started_at=wib(6, 8))
    create_violation(visit, "no_mask", recorded_at=wib(6, 8, 5), lat=-7.977, lon=112.634)
    response = admin_client.get(
        "/admin/laporan/pelanggaran.geojson", query_string=WEEK, buffered=True
    )
    data = json.loads(response.get_data(as_text=True))
    assert data["type"] == "FeatureCollection"
    assert len(data["features"]) == 1
    feature = data["features"][0]
    assert feature["geometry"] == {"type": "Point", "coordinates": [112.634, -7.977]}
    assert feature["properties"]["category"] == "Tidak memakai masker"


@pytest.fixture
def crowd_week(create_user, create_zone, create_visit, create_crowd_count):
    officer = create_user("officer")
    tugu = create_zone(name="Alun-Alun Tugu", capacity=100)
    visit = create_visit(officer, tugu, started_at=wib(3, 8))
    for hour, headcount in ((8, 20), (12, 60), (17, 40)):
        create_crowd_count(visit, headcount, recorded_at=wib(3, hour), lat=-7.977, lon=112.634)
    later = create_visit(officer, tugu, started_at=wib(4, 8))
    create_crowd_count(later, 130, recorded_at=wib(4, 9), level="over")
    return tugu


def test_crowd_report_gives_average_peak_and_level_per_day(app, crowd_week):
    rows = reports.crowd_report(reports.Filters(date(2026, 11, 2), date(2026, 11, 8)), 50, 100)
    assert [(r["day"], r["n"], r["average"], r["peak"], r["level"]) for r in rows] == [
        ("2026-11-03", 3, 40.0, 60, "busy"),
        ("2026-11-04", 1, 130.0, 130, "over"),
    ]


def test_crowd_exports_summary_detail_and_geojson(admin_client, crowd_week):
    summary = admin_client.get("/admin/laporan/keramaian.csv", query_string=WEEK, buffered=True)
    rows = list(csv.DictReader(io.StringIO(summary.get_data(as_text=True))))
    assert [(r["day"], r["peak"], r["level"]) for r in rows] == [
        ("2026-11-03", "60", "busy"),
        ("2026-11-04", "130", "over"),
    ]
    detail = admin_client.get(
        "/admin/laporan/keramaian-detail.csv", query_string=WEEK, buffered=True
    )
    rows = list(csv.DictReader(io.StringIO(detail.get_data(as_text=True))))
    assert [int(r["headcount"]) for r in rows] == [20, 60, 40, 130]
    geo = json.loads(
        admin_client.get(
            "/admin/laporan/keramaian.geojson", query_string=WEEK, buffered=True
        ).get_data(as_text=True)
    )
    assert [f["properties"]["headcount"] for f in geo["features"]] == [20, 60, 40]


def test_crowd_report_page_shows_levels_in_words(admin_client, crowd_week):
    text = admin_client.get("/admin/laporan/keramaian", query_string=WEEK).get_data(as_text=True)
    assert "Ramai" in text and "Melebihi kapasitas" in text  # one crowd vocabulary
    assert "130 / 100" in text


@pytest.fixture
def office_week(create_office, create_timed_checkin):
    office = create_office(name="Balai Kota Malang", capacity=50)
    other = create_office(name="Kantor Kecamatan Klojen", capacity=20)
    # Balai Kota: 09:00-10:00, 09:15-09:45, 09:30-11:00 -> three inside at 09:30; 10:15 open.
    create_timed_checkin(office, wib(3, 9), minutes=60)
    create_timed_checkin(office, wib(3, 9, 15), minutes=30)
    create_timed_checkin(office, wib(3, 9, 30), minutes=90)
    create_timed_checkin(office, wib(3, 10, 15))
    create_timed_checkin(office, wib(3, 9, 50), status="turned_away", turned_away_reason="demam")
    create_timed_checkin(other, wib(4, 13), minutes=10)
    return office, other


def test_checkin_report_counts_per_hour_and_finds_the_peak(app, office_week):
    data = reports.checkins_report(reports.Filters(date(2026, 11, 2), date(2026, 11, 8)))
    assert data["hourly"] == {
        "Balai Kota Malang": {"09": 3, "10": 1},
        "Kantor Kecamatan Klojen": {"13": 1},
    }
    assert [(r.name, r.peak) for r in data["peaks"]] == [
        ("Balai Kota Malang", 3),
        ("Kantor Kecamatan Klojen", 1),
    ]
    assert data["total"] == 5


def test_checkin_report_filters_by_office_and_exports_without_names(admin_client, office_week):
    office, _other = office_week
    args = WEEK | {"office_id": office.id}
    text = admin_client.get("/admin/laporan/kunjungan-kantor", query_string=args).get_data(
        as_text=True
    )
    assert 'data-figure="total">4<' in text
    assert "Kantor Kecamatan Klojen" not in text.split('id="report-body"')[1]
    export = admin_client.get(
        "/admin/laporan/kunjungan-kantor.csv", query_string=args, buffered=True
    )
    body = export.get_data(as_text=True)
    assert len(list(csv.DictReader(io.StringIO(body)))) == 4
    assert "Siti" not in body and "0812" not in body


def test_coverage_report_counts_shifts_kept_missed_and_time_inside(
    app, admin_client, create_user, create_zone, create_assignment, create_visit
):
    budi = create_user("officer", full_name="Budi Santoso")
    ani = create_user("officer", full_name="Ani Lestari")
    tugu = create_zone(name="Alun-Alun Tugu")
    kept = create_assignment(budi, tugu, starts_at=wib(3, 7), hours=8)
    create_assignment(budi, tugu, starts_at=wib(4, 7), hours=8)  # nobody came: missed
    create_assignment(ani, tugu, starts_at=wib(5, 7), hours=8)
    create_visit(
        budi,
        tugu,
        started_at=wib(3, 8),
        created_at=wib(3, 8),  # sent at once (a late one keeps no shift)
        ended_at=wib(3, 9, 30),
        start_geofence="inside",
        assignment_id=kept.id,
    )
    create_visit(
        budi,
        tugu,
        started_at=wib(3, 10),
        created_at=datetime.now(timezone.utc),  # recorded in the past, sent now: late
        ended_at=wib(3, 11),
        start_geofence="outside",
    )
    create_visit(
        ani,
        tugu,
        started_at=wib(5, 7, 30),
        created_at=wib(5, 7, 30),
        ended_at=wib(5, 8),
        start_geofence="inside",
    )
    rows = reports.coverage_report(reports.Filters(date(2026, 11, 2), date(2026, 11, 8)))
    assert rows == [
        {
            "officer": "Ani Lestari",
            "shifts": 1,
            "kept": 1,
            "missed": 0,
            "visits": 1,
            "unscheduled": 0,
            "hours_inside": 0.5,
            "late_visits": 0,
        },
        {
            "officer": "Budi Santoso",
            "shifts": 2,
            "kept": 1,
            "missed": 1,
            "visits": 2,
            "unscheduled": 0,
            "hours_inside": 1.5,
            "late_visits": 1,  # the second, recorded in the past and sent now
        },
    ]
    export = admin_client.get("/admin/laporan/cakupan.csv", query_string=WEEK, buffered=True)
    lines = export.get_data(as_text=True).splitlines()
    assert (
        lines[0] == "\ufeffofficer,shifts,kept,missed,visits,unscheduled,hours_inside,late_visits"
    )
    assert lines[2] == "Budi Santoso,2,1,1,2,0,1.5,1"


def test_admin_marks_a_violation_reviewed_with_a_comment(admin_client, violation_week):
    pending = admin_client.get("/admin/laporan/tinjauan", query_string=WEEK).get_data(as_text=True)
    violation = db.session.query(Violation).filter_by(people_count=5).one()
    assert f'data-violation="{violation.id}"' in pending
    response = admin_client.post(
        f"/admin/laporan/tinjauan/{violation.id}",
        data={"comment": "Denda sudah dibayar"},
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 200
    assert "Sudah ditinjau" in response.get_data(as_text=True)
    db.session.expire_all()
    violation = db.session.get(Violation, violation.id)
    assert violation.review_comment == "Denda sudah dibayar"
    assert violation.reviewed_at is not None and violation.reviewed_by_id is not None
    event = db.session.query(AuditEvent).filter_by(entity="violation").one()
    assert (event.action, event.after["comment"]) == ("review", "Denda sudah dibayar")
    assert event.after["outcome"] == "approved"
    after = admin_client.get("/admin/laporan/tinjauan", query_string=WEEK).get_data(as_text=True)
    assert f'data-violation="{violation.id}"' not in after
    approved = admin_client.get(
        "/admin/laporan/tinjauan", query_string={**WEEK, "status": "approved"}
    ).get_data(as_text=True)
    assert f'data-violation="{violation.id}"' in approved and "Denda sudah dibayar" in approved


def test_review_shows_the_evidence_to_decide_from(admin_client, violation_week):
    violation = db.session.query(Violation).filter_by(nik_last4="4321").one()
    violation.notes = "Menolak memakai masker\nsetelah ditegur dua kali"
    violation.lat, violation.lon, violation.accuracy_m = -7.9775, 112.6345, 15.0
    violation.geofence, violation.distance_m = "outside", 42.0
    violation.photo_path = "ab/cd.jpg"
    db.session.commit()
    page = admin_client.get("/admin/laporan/tinjauan", query_string=WEEK).get_data(as_text=True)
    item = page[page.index(f'id="violation-{violation.id}"') :]
    item = item[: item.index("</article>")]
    assert "Joko Pelanggar" in item and "NIK ****4321" in item
    assert "Menolak memakai masker" in item
    assert "Di luar zona, 42 m dari batas" in item and "akurasi ±15 m" in item
    assert 'class="sketch-map"' in item and 'class="sketch-fix sketch-fix-outside"' in item
    assert f'src="/patroli/pelanggaran/{violation.id}/foto"' in item
    assert f'href="/patroli/pelanggaran/{violation.id}/cetak"' in item
    assert "Budi Santoso" in item and "Alun-Alun Tugu" in item
    assert "Rp250.000" in item
    assert "Dicatat" in item and "Diterima server" in item
    assert 'value="returned"' in item and 'value="approved"' in item


def test_sending_back_needs_a_reason_and_is_recorded(admin_client, violation_week):
    violation = db.session.query(Violation).filter_by(people_count=5).one()
    url = f"/admin/laporan/tinjauan/{violation.id}"
    response = admin_client.post(url, data={"outcome": "returned", "comment": " "})
    assert response.status_code == 422 and "alasan" in response.text
    db.session.expire_all()
    assert db.session.get(Violation, violation.id).reviewed_at is None
    response = admin_client.post(
        url,
        data={"outcome": "returned", "comment": "Foto tidak jelas, ulangi"},
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 200 and "Dikembalikan ke petugas" in response.text
    assert f'id="review-actions-{violation.id}" hx-swap-oob="true"' in response.text
    db.session.expire_all()
    assert db.session.get(Violation, violation.id).review_outcome == "returned"
    returned = admin_client.get(
        "/admin/laporan/tinjauan", query_string={**WEEK, "status": "returned"}
    ).text
    assert f'data-violation="{violation.id}"' in returned and "Foto tidak jelas" in returned
    pending = admin_client.get("/admin/laporan/tinjauan", query_string=WEEK).text
    assert f'data-violation="{violation.id}"' not in pending
    assert admin_client.post(url, data={"outcome": "maybe"}).status_code == 422


def test_review_queue_has_a_total_and_pages(
    admin_client, create_user, create_zone, create_visit, create_violation
):
    visit = create_visit(create_user("officer"), create_zone(), started_at=wib(3, 8))
    for minute in range(45):
        create_violation(visit, recorded_at=wib(3, 9) + timedelta(minutes=minute))
    first = admin_client.get("/admin/laporan/tinjauan", query_string=WEEK).text
    assert "45 pelanggaran" in first and "halaman 1 dari 3" in first
    assert first.count('class="review-item card"') == 20
    assert (
        'rel="next" href="/admin/laporan/tinjauan?start=2026-11-02&amp;end=2026-11-08&amp;page=2"'
        in first
    )
    last = admin_client.get("/admin/laporan/tinjauan", query_string={**WEEK, "page": "3"}).text
    assert last.count('class="review-item card"') == 5 and 'rel="next"' not in last
    assert 'rel="prev"' in last
    # Newest first across pages; a page past the end shows the last one.
    beyond = admin_client.get("/admin/laporan/tinjauan", query_string={**WEEK, "page": "9"}).text
    assert "halaman 3 dari 3" in beyond


@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        ({}, 6),
        ({"zone": "merbabu"}, 2),
        ({"category_id": "no_mask"}, 3),
        ({"officer": "ani"}, 0),
        ({"officer": "budi"}, 6),
        ({"start": "2026-11-05", "end": "2026-11-05"}, 1),
    ],
)
def test_review_queue_filters_by_zone_officer_category_and_date(
    admin_client, violation_week, create_user, filters, expected
):
    from patrol.models import ViolationCategory

    ani = create_user("officer", full_name="Ani Lestari")
    query = dict(WEEK)
    for key, value in filters.items():
        if key == "zone":
            query["zone_id"] = violation_week[value].id
        elif key == "officer":
            query["officer_id"] = (violation_week["officer"] if value == "budi" else ani).id
        elif key == "category_id":
            query[key] = db.session.query(ViolationCategory).filter_by(code=value).one().id
        else:
            query[key] = value
    page = admin_client.get("/admin/laporan/tinjauan", query_string=query).text
    assert page.count('class="review-item card"') == expected
    assert f"{expected} pelanggaran" in page


@pytest.mark.parametrize(
    "query",
    [
        {"status": "lain"},
        {"page": "0"},
        {"page": "abc"},
        {"officer_id": "x"},
        {"officer_id": str(2**70)},
        {"category_id": "1e20"},
        {"zone_id": "100000000000000000000"},
        {"start": "kemarin"},
    ],
)
def test_bad_review_filters_are_refused_with_a_message(admin_client, query):
    response = admin_client.get("/admin/laporan/tinjauan", query_string=query)
    assert response.status_code == 422 and 'role="alert"' in response.text


def test_review_comment_too_long_is_refused_and_nothing_saved(admin_client, violation_week):
    violation = db.session.query(Violation).filter_by(people_count=5).one()
    response = admin_client.post(
        f"/admin/laporan/tinjauan/{violation.id}", data={"comment": "x" * 2001}
    )
    assert response.status_code == 422
    assert "2000 karakter" in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Violation, violation.id).reviewed_at is None


def test_review_of_a_missing_violation_is_not_found(admin_client):
    assert admin_client.post("/admin/laporan/tinjauan/999999").status_code == 404


@pytest.mark.parametrize(
    "url",
    [
        "/admin/laporan/pelanggaran",
        "/admin/laporan/keramaian",
        "/admin/laporan/kunjungan-kantor",
        "/admin/laporan/cakupan",
        "/admin/laporan/tinjauan",
        "/admin/dasbor",
        "/admin/dasbor/angka",
        "/admin/dasbor/peta.json",
    ],
)
def test_queries_per_report_page_do_not_grow_with_the_data(
    admin_client,
    count_queries,
    url,
    create_user,
    create_zone,
    create_visit,
    create_violation,
    create_crowd_count,
    create_office,
    create_timed_checkin,
    create_assignment,
):
    def add_data(n: int) -> None:
        officer = create_user("officer")
        zone = create_zone(capacity=50)
        office = create_office()
        now = datetime.now(timezone.utc)
        for i in range(n):
            # Half in the report week, half today (for the dashboard).
            start = (wib(3, 8) if i % 2 else now - timedelta(hours=2)) + timedelta(minutes=i)
            create_assignment(officer, zone, starts_at=start, hours=0.01)
            visit = create_visit(officer, zone, started_at=start, ended_at=start)
            create_violation(visit, recorded_at=start)
            create_crowd_count(visit, 10 + i, recorded_at=start)
            create_timed_checkin(office, start, minutes=5)

    def page_queries() -> int:
        with count_queries() as counter:
            response = admin_client.get(url, query_string=WEEK)
        assert response.status_code == 200
        return counter["n"]

    add_data(1)
    small = page_queries()
    add_data(6)
    assert page_queries() == small


def xlsx_rows(response) -> list[str]:
    """The rows of an XLSX download's first sheet, as raw XML snippets."""
    import re
    import zipfile

    with zipfile.ZipFile(io.BytesIO(response.data)) as book:
        sheet = book.read("xl/worksheets/sheet1.xml").decode()
    return re.findall(r"<row .*?</row>", sheet)


def test_violation_xlsx_holds_the_same_rows_as_the_csv(admin_client, violation_week):
    response = admin_client.get("/admin/laporan/pelanggaran.xlsx", query_string=WEEK)
    assert response.status_code == 200
    assert response.mimetype.endswith("spreadsheetml.sheet")
    assert "attachment" in response.headers["Content-Disposition"]
    rows = xlsx_rows(response)
    assert len(rows) == 1 + 6
    assert "recorded_at_wib" in rows[0]
    assert sum("Alun-Alun Tugu" in row for row in rows) == 4
    assert not any("Joko" in row for row in rows)


@pytest.mark.parametrize("name", ["keramaian", "keramaian-detail", "kunjungan-kantor", "cakupan"])
def test_every_report_has_csv_and_xlsx(admin_client, name):
    for fmt in ("csv", "xlsx"):
        response = admin_client.get(
            f"/admin/laporan/{name}.{fmt}", query_string=WEEK, buffered=True
        )
        assert response.status_code == 200, (name, fmt)
        assert f"{name}_2026-11-02_2026-11-08.{fmt}" in response.headers["Content-Disposition"]
