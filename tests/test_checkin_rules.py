"""The pure check-in rules: screening colours, rotating screen codes, closing time."""

from datetime import datetime, time, timedelta, timezone

import pytest

from patrol.rules import checkin as checkin_rules
from patrol.rules.checkin import closing_after, is_remote, make_screen_code, screen_code_status
from patrol.rules.timeutil import WIB

SECRET = "test-secret"
T0 = datetime(2026, 11, 27, 3, 0, 0, tzinfo=timezone.utc)  # 10:00 WIB, a period boundary


@pytest.mark.parametrize(
    ("symptoms", "doses", "min_doses", "colour", "expected"),
    [
        (False, 3, 2, "red", "green"),
        (False, 2, 2, "red", "green"),
        (False, 1, 2, "red", "yellow"),
        (False, 0, 0, "red", "green"),
        (True, 3, 2, "red", "red"),
        (True, 3, 2, "yellow", "yellow"),
    ],
)
def test_screening_colour_follows_the_configured_rules(
    symptoms, doses, min_doses, colour, expected
):
    assert (
        checkin_rules.screening(symptoms, doses, min_doses=min_doses, symptoms_colour=colour)
        == expected
    )


@pytest.mark.parametrize(
    ("age_seconds", "expected"),
    [
        (0, "valid"),
        (29, "valid"),
        (30, "valid"),
        (59, "valid"),
        (60, "expired"),
        (61, "expired"),
        (3600, "expired"),
    ],
)
def test_only_codes_from_the_last_two_periods_are_accepted(age_seconds, expected):
    code = make_screen_code(SECRET, 7, T0)
    assert screen_code_status(SECRET, 7, code, T0 + timedelta(seconds=age_seconds)) == expected


def test_a_code_for_another_door_a_forged_code_or_a_future_code_is_invalid():
    code = make_screen_code(SECRET, 7, T0)
    assert screen_code_status(SECRET, 8, code, T0) == "invalid"
    assert screen_code_status("other-secret", 7, code, T0) == "invalid"
    assert screen_code_status(SECRET, 7, code + "x", T0) == "invalid"
    assert screen_code_status(SECRET, 7, None, T0) == "invalid"
    future = make_screen_code(SECRET, 7, T0 + timedelta(minutes=5))
    assert screen_code_status(SECRET, 7, future, T0) == "invalid"


def test_the_form_window_starts_when_the_form_is_served_not_when_the_code_appeared():
    code = make_screen_code(SECRET, 7, T0)
    served = T0 + timedelta(seconds=50)  # scanned late in the code's life, still valid
    stamp = checkin_rules.make_form_stamp(SECRET, 7, code, served)
    status = checkin_rules.form_stamp_status
    assert status(SECRET, 7, code, stamp, served + timedelta(seconds=600), 600) == "valid"
    assert status(SECRET, 7, code, stamp, served + timedelta(seconds=601), 600) == "expired"
    # The code alone is long dead by then; a POST without the stamp is refused.
    assert screen_code_status(SECRET, 7, code, served + timedelta(minutes=4)) == "expired"
    assert status(SECRET, 7, code, None, served, 600) == "invalid"


def test_a_form_stamp_for_a_code_already_old_when_served_is_refused():
    code = make_screen_code(SECRET, 7, T0)
    served = T0 + timedelta(minutes=5)  # a photographed code opened minutes later
    stamp = checkin_rules.make_form_stamp(SECRET, 7, code, served)
    assert checkin_rules.form_stamp_status(SECRET, 7, code, stamp, served, 600) == "expired"


def test_a_form_stamp_is_bound_to_its_door_and_code():
    code = make_screen_code(SECRET, 7, T0)
    other = make_screen_code(SECRET, 7, T0 + timedelta(seconds=30))
    stamp = checkin_rules.make_form_stamp(SECRET, 7, code, T0)
    status = checkin_rules.form_stamp_status
    assert status(SECRET, 7, other, stamp, T0 + timedelta(seconds=30), 600) == "invalid"
    assert status(SECRET, 8, code, stamp, T0, 600) == "invalid"
    assert status(SECRET, 7, code, stamp + "x", T0, 600) == "invalid"


def test_codes_change_every_30_seconds():
    assert make_screen_code(SECRET, 7, T0) == make_screen_code(
        SECRET, 7, T0 + timedelta(seconds=29)
    )
    assert make_screen_code(SECRET, 7, T0) != make_screen_code(
        SECRET, 7, T0 + timedelta(seconds=30)
    )


@pytest.mark.parametrize(
    ("distance", "radius", "accuracy", "remote"),
    [(50, 100, 10, False), (105, 100, 10, False), (111, 100, 10, True), (1000, 100, 500, True)],
)
def test_remote_means_beyond_radius_plus_accuracy(distance, radius, accuracy, remote):
    assert is_remote(distance, radius, accuracy) is remote


def test_a_stay_ends_at_closing_or_after_hours_at_midnight_never_the_next_day():
    closes = time(16, 0)
    morning = datetime(2026, 11, 27, 2, 0, tzinfo=timezone.utc)  # 09:00 WIB
    assert closing_after(morning, closes) == datetime(2026, 11, 27, 9, 0, tzinfo=timezone.utc)
    evening = datetime(2026, 11, 27, 11, 0, tzinfo=timezone.utc)  # 18:00 WIB
    # Midnight WIB of the 28th is 17:00 UTC on the 27th.
    assert closing_after(evening, closes) == datetime(2026, 11, 27, 17, 0, tzinfo=timezone.utc)


@pytest.mark.parametrize("hour", [0, 3, 9, 15, 16, 17, 23])
@pytest.mark.parametrize("in_hour", [0, 6, 10, 16, 19, 23])
def test_last_closing_picks_exactly_the_stays_that_have_ended(hour, in_hour):
    closes = time(16, 0)
    now = datetime(2026, 11, 28, hour, 0, tzinfo=WIB)
    for day in (27, 28):
        checked_in = datetime(2026, 11, day, in_hour, 0, tzinfo=WIB)
        if checked_in > now:
            continue
        ended = closing_after(checked_in, closes) <= now
        assert ended == (checked_in <= checkin_rules.last_closing(now, closes))


@pytest.mark.parametrize(
    ("raw", "normal"),
    [
        ("0812-3456-7890", "+6281234567890"),
        ("0812 3456 7890", "+6281234567890"),
        ("+62 812 3456 7890", "+6281234567890"),
        ("62812.3456.7890", "+6281234567890"),
        ("812 3456 7890", "+6281234567890"),
        ("(0341) 551234", "+62341551234"),
        ("+44 20 7946 0958", "+442079460958"),
        ("", ""),
        ("0812", None),
        ("08xx-3456-7890", None),
        ("+62 0812 3456 7890", None),
    ],
)
def test_indonesian_phone_numbers_are_accepted_in_their_usual_forms(raw, normal):
    assert checkin_rules.normalise_phone(raw) == normal


@pytest.mark.parametrize(
    ("metres", "text"),
    [(12.4, "12 m"), (999.6, "1000 m"), (1500, "1,5 km"), (671650, "672 km"), (None, "")],
)
def test_distances_above_a_kilometre_read_in_km(metres, text):
    assert checkin_rules.format_distance(metres) == text


@pytest.mark.parametrize(
    ("hour", "minute", "open_"), [(7, 29, False), (7, 30, True), (15, 59, True), (16, 0, False)]
)
def test_an_office_is_open_from_opening_until_closing_wib(hour, minute, open_):
    now = datetime(2026, 11, 27, hour, minute, tzinfo=WIB)
    assert checkin_rules.is_open(now, time(7, 30), time(16, 0)) is open_


def test_short_codes_avoid_ambiguous_characters():
    codes = {checkin_rules.new_short_code() for _ in range(200)}
    assert len(codes) > 190
    assert all(len(c) == 6 and not set(c) & set("01ILO") for c in codes)
