"""The pure check-in rules: screening colours, rotating screen codes, closing time."""

from datetime import datetime, time, timedelta, timezone

import pytest

from patrol.rules import checkin as checkin_rules
from patrol.rules.checkin import closing_after, is_remote, make_screen_code, screen_code_status

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


def test_the_form_grace_lets_a_slow_typist_submit_after_a_valid_scan():
    code = make_screen_code(SECRET, 7, T0)
    later = T0 + timedelta(minutes=4)
    assert screen_code_status(SECRET, 7, code, later) == "expired"
    assert screen_code_status(SECRET, 7, code, later, grace_seconds=600) == "valid"
    assert screen_code_status(SECRET, 7, code, T0 + timedelta(minutes=11), 600) == "expired"


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


def test_closing_is_the_same_day_before_closing_and_the_next_day_after():
    closes = time(16, 0)
    morning = datetime(2026, 11, 27, 2, 0, tzinfo=timezone.utc)  # 09:00 WIB
    assert closing_after(morning, closes) == datetime(2026, 11, 27, 9, 0, tzinfo=timezone.utc)
    evening = datetime(2026, 11, 27, 11, 0, tzinfo=timezone.utc)  # 18:00 WIB
    assert closing_after(evening, closes) == datetime(2026, 11, 28, 9, 0, tzinfo=timezone.utc)


def test_short_codes_avoid_ambiguous_characters():
    codes = {checkin_rules.new_short_code() for _ in range(200)}
    assert len(codes) > 190
    assert all(len(c) == 6 and not set(c) & set("01ILO") for c in codes)
