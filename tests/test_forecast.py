"""Busy-hour forecasts: the model on synthetic weeks, the hourly summary, the open data."""

from __future__ import annotations

import random
import uuid
from datetime import date, datetime, time, timedelta, timezone

import pytest
import sqlalchemy as sa

from patrol.extensions import db
from patrol.models import CrowdCount, CrowdHour, Zone
from patrol.rules import forecast as model
from patrol.rules.timeutil import WIB, wib_today
from patrol.services import crowd_hours

# The model on plain values -----------------------------------------------------------

OPEN_HOURS = range(6, 22)
CHRISTMAS = date(2026, 12, 25)  # a Friday


def weekly_pattern(day: date, hour: int, holidays=frozenset()) -> float:
    """Weekday evenings peak at 80, weekend (and holiday) mornings at 90."""
    if day.weekday() >= 5 or day in holidays:
        return 90.0 if 7 <= hour <= 9 else 25.0
    return 80.0 if 17 <= hour <= 19 else 20.0


def history(first: date, days: int, noise: float = 5.0, holidays=frozenset(), seed=7):
    rng = random.Random(seed)
    out = []
    for n in range(days):
        day = first + timedelta(days=n)
        for hour in OPEN_HOURS:
            value = max(weekly_pattern(day, hour, holidays) + rng.gauss(0, noise), 0)
            out.append(model.Observation(day, hour, value))
    return out


def no_holidays(_day: date) -> bool:
    return False


def test_the_model_beats_the_naive_average_on_held_out_weeks():
    observations = history(date(2026, 8, 3), 84)
    result = model.evaluate(observations, no_holidays, holdout_days=14)
    assert result.hours_compared == 14 * len(OPEN_HOURS)
    # The weekly rhythm is most of the signal: the model's error is well below the naive one.
    assert result.model_mae < 0.4 * result.naive_mae
    assert result.model_mae < 8


def test_a_weekday_evening_and_a_weekend_morning_are_forecast_as_peaks():
    observations = history(date(2026, 8, 3), 84)
    today = date(2026, 10, 26)  # a Monday, the day after the history
    wednesday = model.forecast_day(observations, date(2026, 10, 28), today, no_holidays)
    sunday = model.forecast_day(observations, date(2026, 11, 1), today, no_holidays)
    assert wednesday.hours[18] == pytest.approx(80, abs=6)
    assert wednesday.hours[8] == pytest.approx(20, abs=6)
    assert sunday.hours[8] == pytest.approx(90, abs=6)
    assert sunday.hours[18] == pytest.approx(25, abs=6)
    assert wednesday.based_on_days == 84
    # Nobody counts at night: nothing is known there.
    assert wednesday.hours[2] is None


def test_a_public_holiday_is_forecast_like_a_sunday():
    observations = history(date(2026, 9, 28), 84)
    is_holiday = {CHRISTMAS}.__contains__
    today = date(2026, 12, 21)
    friday = model.forecast_day(observations, CHRISTMAS, today, is_holiday)
    ordinary_friday = model.forecast_day(observations, date(2026, 12, 18), today, is_holiday)
    assert friday.hours[8] == pytest.approx(90, abs=8)
    assert ordinary_friday.hours[8] == pytest.approx(20, abs=8)


def test_a_park_with_its_own_holiday_history_uses_it():
    # Two earlier holidays on which this park was empty in the morning (a closed park).
    holidays = {date(2026, 8, 17), date(2026, 9, 4)}
    observations = [o for o in history(date(2026, 8, 3), 84) if o.day not in holidays] + [
        model.Observation(day, h, 5.0) for day in holidays for h in OPEN_HOURS
    ]
    today = date(2026, 10, 26)
    result = model.forecast_day(
        observations, CHRISTMAS, today, holidays.union({CHRISTMAS}).__contains__
    )
    assert result.hours[8] < 30


def test_recent_weeks_weigh_more():
    old = [model.Observation(date(2026, 8, 3) + timedelta(days=7 * w), 10, 10.0) for w in range(8)]
    new = [model.Observation(date(2026, 9, 28) + timedelta(days=7 * w), 10, 50.0) for w in range(4)]
    today = date(2026, 10, 26)
    result = model.forecast_day(old + new, date(2026, 10, 26), today, no_holidays)
    plain_mean = (8 * 10 + 4 * 50) / 12
    assert result.hours[10] > plain_mean


def test_a_thin_day_kind_leans_on_the_parks_all_days_profile():
    # Mondays 40 at 10:00 on eleven weeks, one Tuesday with 100.
    mondays = [
        model.Observation(date(2026, 8, 3) + timedelta(days=7 * w), 10, 40.0) for w in range(11)
    ]
    tuesday = [model.Observation(date(2026, 10, 20), 10, 100.0)]
    result = model.forecast_day(
        mondays + tuesday, date(2026, 10, 27), date(2026, 10, 26), no_holidays
    )
    assert 40 < result.hours[10] < 100


def test_hours_the_park_never_saw_are_borrowed_from_similar_parks():
    borrow = model.occupancy_profile(
        [("taman", 0, 10, 50.0, 100.0), ("alun-alun", 0, 10, 400.0, 500.0)]
    )
    assert borrow("taman", 200, 0, 10) == pytest.approx(100.0)
    # A kind with no data borrows from the city; a park without capacity cannot borrow.
    assert borrow("hutan kota", 100, 0, 10) == pytest.approx(450 / 600 * 100)
    assert borrow("taman", 0, 0, 10) is None
    assert borrow("taman", 100, 0, 3) is None
    result = model.forecast_day(
        [], date(2026, 10, 26), date(2026, 10, 26), no_holidays, lambda kind, h: 7.0
    )
    assert result.hours[10] == 7.0
    assert result.based_on_days == 0


@pytest.mark.parametrize(
    "levels, window",
    [
        ([None] * 24, None),
        (["quiet"] * 16 + ["busy", "busy", "over"] + ["quiet"] * 5, (16, 19)),
        (["busy"] + ["quiet"] * 22 + ["busy"], (0, 1)),
        (["quiet"] * 23 + ["over"], (23, 24)),
    ],
)
def test_the_busy_window_is_the_longest_crowded_run(levels, window):
    assert model.busy_window(levels) == window


def test_public_holidays_come_from_the_calendar_library():
    assert crowd_hours.is_holiday(date(2026, 8, 17))  # Hari Kemerdekaan
    assert crowd_hours.is_holiday(CHRISTMAS)
    assert not crowd_hours.is_holiday(date(2026, 8, 18))


# The hourly summary ---------------------------------------------------------------------


def _count(visit, headcount, at, **fields):
    crowd = CrowdCount(
        uuid=str(uuid.uuid4()),
        visit_id=visit.id,
        zone_id=visit.zone_id,
        recorded_at=at,
        headcount=headcount,
        level="quiet",
        geofence="inside",
        **fields,
    )
    db.session.add(crowd)
    db.session.commit()
    return crowd


def _hours():
    return {
        (r.zone_id, r.day, r.hour): (r.counts, r.headcount_sum)
        for r in db.session.scalars(sa.select(CrowdHour))
    }


@pytest.fixture
def park_visit(create_user, create_zone, create_visit):
    officer = create_user(role="officer")
    zone = create_zone(capacity=100)
    return create_visit(officer, zone)


def test_the_summary_follows_counts_added_corrected_and_withdrawn(park_visit):
    # 23:30 UTC is 06:30 WIB on the next day: the summary thinks in WIB.
    at = datetime(2026, 11, 2, 23, 30, tzinfo=timezone.utc)
    first = _count(park_visit, 40, at)
    _count(park_visit, 60, at + timedelta(minutes=10))
    key = (park_visit.zone_id, date(2026, 11, 3), 6)
    assert _hours() == {key: (2, 100)}

    first.headcount = 10
    db.session.commit()
    assert _hours()[key] == (2, 70)

    first.withdrawn_at = datetime.now(timezone.utc)
    db.session.commit()
    assert _hours()[key] == (1, 60)

    # A rebuild from the counts gives the same rows.
    crowd_hours.rebuild_crowd_hours()
    db.session.commit()
    assert _hours() == {key: (1, 60)}


def test_the_summary_follows_the_officers_form(field_setup):
    field_setup.post_count(25)
    field_setup.post_count(35)
    now = datetime.now(timezone.utc).astimezone(WIB)
    rows = _hours()
    assert rows[(field_setup.zone.id, now.date(), now.hour)][1] in (60, 35)  # an hour may turn
    assert sum(c for c, _ in rows.values()) == 2


def test_rebuild_since_a_day_keeps_earlier_hours(park_visit):
    old = datetime(2026, 10, 1, 3, 0, tzinfo=timezone.utc)
    new = datetime(2026, 11, 1, 3, 0, tzinfo=timezone.utc)
    _count(park_visit, 10, old)
    _count(park_visit, 20, new)
    db.session.execute(sa.delete(CrowdHour))
    db.session.commit()
    written = crowd_hours.rebuild_crowd_hours(since=new)
    db.session.commit()
    assert written == 1
    assert list(_hours().values()) == [(1, 20)]


def test_rebuild_crowd_hours_command(runner, park_visit):
    _count(park_visit, 10, datetime(2026, 10, 1, 3, 0, tzinfo=timezone.utc))
    db.session.execute(sa.delete(CrowdHour))
    db.session.commit()
    result = runner.invoke(args=["rebuild-crowd-hours"])
    assert result.exit_code == 0, result.output
    assert "1 zone-hours" in result.output
    assert len(_hours()) == 1


# The open data --------------------------------------------------------------------------


def _fill_weeks(zone, weeks=6, today=None):
    """Hourly rows for the last weeks: weekday evenings busy (80 of 100), else quiet."""
    today = today or wib_today()
    rows = []
    for n in range(1, weeks * 7 + 1):
        day = today - timedelta(days=n)
        for hour in OPEN_HOURS:
            mean = int(weekly_pattern(day, hour))
            rows.append(
                {
                    "zone_id": zone.id,
                    "day": day,
                    "hour": hour,
                    "counts": 2,
                    "headcount_sum": 2 * mean,
                }
            )
    db.session.execute(sa.insert(CrowdHour), rows)
    db.session.commit()


def test_forecast_answers_each_hour_with_a_level(client, create_zone):
    zone = create_zone(capacity=100)
    _fill_weeks(zone)
    tomorrow = wib_today() + timedelta(days=1)
    response = client.get(f"/api/v1/parks/{zone.id}/forecast?date={tomorrow.isoformat()}")
    assert response.status_code == 200
    body = response.get_json()
    assert set(body) == {"zone_id", "date", "based_on_days", "hours"}
    assert body["zone_id"] == zone.id
    assert body["date"] == tomorrow.isoformat()
    assert body["based_on_days"] == 42
    assert [h["hour"] for h in body["hours"]] == list(range(24))
    assert all(set(h) == {"hour", "expected_headcount", "level"} for h in body["hours"])
    night = body["hours"][2]
    assert night == {"hour": 2, "expected_headcount": None, "level": None}
    peak = 8 if tomorrow.weekday() >= 5 else 18
    assert body["hours"][peak]["level"] == "busy"
    assert body["hours"][peak]["expected_headcount"] > 60
    assert response.headers["Cache-Control"].startswith("public, max-age=")
    assert response.headers["Access-Control-Allow-Origin"] == "*"


def test_forecast_without_a_date_is_for_today(client, create_zone):
    zone = create_zone()
    body = client.get(f"/api/v1/parks/{zone.id}/forecast").get_json()
    assert body["date"] == wib_today().isoformat()
    assert body["based_on_days"] == 0


@pytest.mark.parametrize(
    "value, status",
    [
        ("2026-13-01", 400),
        ("kemarin", 400),
        ("20261201", 400),
        ("2026-12-01T10:00", 400),
        ("9999-12-31", 422),
        ("0001-01-01", 422),
        ("", 200),
    ],
)
def test_forecast_refuses_bad_dates_with_a_message(client, create_zone, value, status):
    zone = create_zone()
    response = client.get(f"/api/v1/parks/{zone.id}/forecast", query_string={"date": value})
    assert response.status_code == status
    if status != 200:
        assert response.get_json()["field"] == "date"
        assert response.get_json()["error"].startswith(("Tanggal", "Perkiraan"))


def test_forecast_horizon_edges(client, create_zone):
    zone = create_zone()
    today = wib_today()
    url = f"/api/v1/parks/{zone.id}/forecast"
    assert (
        client.get(url, query_string={"date": str(today + timedelta(days=28))}).status_code == 200
    )
    assert (
        client.get(url, query_string={"date": str(today + timedelta(days=29))}).status_code == 422
    )
    assert client.get(url, query_string={"date": str(today - timedelta(days=1))}).status_code == 422


def test_forecast_of_an_unknown_or_closed_park_is_404(client, create_zone):
    closed = create_zone(active=False)
    for zone_id in (closed.id, 999999, 2**70):
        response = client.get(f"/api/v1/parks/{zone_id}/forecast")
        assert response.status_code == 404


def test_forecast_cost_does_not_grow_with_years_of_counts(client, create_zone, count_queries):
    zone = create_zone(capacity=100)
    other = create_zone(capacity=100, kind="alun_alun")
    _fill_weeks(other, weeks=2)
    url = f"/api/v1/parks/{zone.id}/forecast"
    with count_queries() as few:
        assert client.get(url).status_code == 200
    # Three years of hours before the window change nothing in what is read.
    rows = [
        {
            "zone_id": zone.id,
            "day": wib_today() - timedelta(days=100 + n),
            "hour": 10,
            "counts": 1,
            "headcount_sum": 5,
        }
        for n in range(3 * 365)
    ]
    db.session.execute(sa.insert(CrowdHour), rows)
    db.session.commit()
    with count_queries() as many:
        body = client.get(url).get_json()
    assert many["n"] == few["n"]
    assert body["based_on_days"] == 0


def test_a_park_never_counted_borrows_from_similar_parks(client, create_zone):
    counted = create_zone(capacity=100)
    _fill_weeks(counted, weeks=2)
    new = create_zone(capacity=200)
    body = client.get(f"/api/v1/parks/{new.id}/forecast").get_json()
    assert body["based_on_days"] == 0
    expected = [h["expected_headcount"] for h in body["hours"]]
    assert expected[12] is not None and expected[12] > 0
    assert expected[2] is None


def test_a_park_counted_at_some_hours_borrows_only_the_others(client, create_zone):
    """The fallback is read for the hours a park lacks; its own hours stay its own."""
    counted = create_zone(capacity=100)
    _fill_weeks(counted, weeks=2)
    partial = create_zone(capacity=100)
    day = wib_today() - timedelta(days=1)
    db.session.execute(
        sa.insert(CrowdHour),
        [
            {"zone_id": partial.id, "day": day, "hour": 10, "counts": 1, "headcount_sum": 3},
            {"zone_id": partial.id, "day": day, "hour": 11, "counts": 1, "headcount_sum": 3},
        ],
    )
    db.session.commit()
    body = client.get(f"/api/v1/parks/{partial.id}/forecast").get_json()
    expected = [h["expected_headcount"] for h in body["hours"]]
    assert expected[10] == expected[11] == 3.0  # its own count
    borrowed = [h for h in OPEN_HOURS if h not in (10, 11)]
    assert all(expected[h] is not None and expected[h] > 0 for h in borrowed), expected
    assert expected[2] is None  # nobody counts at night


def test_the_forecast_is_described_in_the_openapi(client):
    spec = client.get("/api/v1/openapi.json").get_json()
    assert "/parks/{zone_id}/forecast" in spec["paths"]


def test_today_slot_is_wib():
    at = datetime.combine(date(2026, 11, 30), time(17, 30), timezone.utc)
    assert crowd_hours.local_slot(at) == (date(2026, 12, 1), 0)


def test_each_worker_keeps_a_forecast_for_a_while(app, client, create_zone, count_queries):
    zone = create_zone()
    app.config["FORECAST_CACHE_SECONDS"] = 60
    url = f"/api/v1/parks/{zone.id}/forecast"
    first = client.get(url)
    with count_queries() as again:
        second = client.get(url)
    assert second.data == first.data
    # Only the park itself is looked up (is it still active?); the forecast is kept.
    assert again["n"] == 1


def test_the_demo_has_six_weeks_of_counts_behind_its_forecasts(runner, client):
    result = runner.invoke(args=["seed-demo"])
    assert result.exit_code == 0, result.output
    zone = db.session.scalar(sa.select(Zone).where(Zone.name == "Alun-Alun Tugu"))
    body = client.get(f"/api/v1/parks/{zone.id}/forecast").get_json()
    assert body["based_on_days"] == 42
    levels = {h["level"] for h in body["hours"]}
    assert "busy" in levels or "over" in levels
    # A second run adds no second history.
    before = db.session.scalar(sa.select(sa.func.count(CrowdCount.id)))
    runner.invoke(args=["seed-demo"])
    assert db.session.scalar(sa.select(sa.func.count(CrowdCount.id))) == before


# Patrol planning ------------------------------------------------------------------------


def _busy_now(zone, weeks=4, share=0.9):
    """Past weeks in which the zone was at ``share`` of its capacity at this WIB hour."""
    now = datetime.now(timezone.utc).astimezone(WIB)
    rows = [
        {
            "zone_id": zone.id,
            "day": now.date() - timedelta(days=7 * w),
            "hour": now.hour,
            "counts": 1,
            "headcount_sum": int(zone.capacity * share),
        }
        for w in range(1, weeks + 1)
    ]
    db.session.execute(sa.insert(CrowdHour), rows)
    db.session.commit()


def test_a_free_officer_is_told_where_to_go_and_why(
    client, create_user, create_zone, create_visit, login
):
    officer = create_user(role="officer")
    crowded = create_zone(name="Taman Ramai", capacity=100)
    _busy_now(crowded)
    quiet = create_zone(name="Taman Sepi", capacity=100)
    _busy_now(quiet, share=0.1)
    create_visit(officer, quiet, ended_at=datetime.now(timezone.utc))
    login(client, officer)
    page = client.get("/patroli/").get_data(as_text=True)
    assert "Zona yang perlu didatangi" in page
    assert "Taman Ramai" in page
    assert "biasanya ramai jam ini (sekitar 90 orang, kapasitas 100)" in page
    # Just visited and not expected to be busy: nothing to say about it.
    assert "Taman Sepi" not in page.split("Zona yang perlu didatangi")[1]


def test_no_suggestions_during_a_visit(client, create_user, create_zone, create_visit, login):
    officer = create_user(role="officer")
    zone = create_zone(name="Taman Ramai", capacity=100)
    _busy_now(zone)
    create_visit(officer, zone)
    login(client, officer)
    assert "Zona yang perlu didatangi" not in client.get("/patroli/").get_data(as_text=True)


def test_the_shift_planner_shows_the_days_forecast(client, create_user, create_zone, login):
    admin = create_user(role="admin")
    zone = create_zone(name="Taman Trunojoyo", capacity=100)
    _fill_weeks(zone)
    login(client, admin)
    tomorrow = wib_today() + timedelta(days=1)
    page = client.get(f"/admin/shift?tanggal={tomorrow.isoformat()}").get_data(as_text=True)
    assert "Perkiraan keramaian" in page
    window = "07.00–10.00" if tomorrow.weekday() >= 5 else "17.00–20.00"
    assert window in page
    assert "42 hari hitungan" in page
    # Beyond the horizon (or in the past) there is no forecast to show.
    far = wib_today() + timedelta(days=40)
    assert "Perkiraan keramaian" not in client.get(
        f"/admin/shift?tanggal={far.isoformat()}"
    ).get_data(as_text=True)
