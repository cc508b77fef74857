"""The board's closing-time query bound agrees with the per-check-in rule it replaces."""

from datetime import UTC, datetime, time, timedelta

import pytest

from patrol.rules.checkin import closing_after, last_closing

NOW_CASES = [
    datetime(2026, 11, 27, 8, 59, tzinfo=UTC),  # 15:59 WIB, a minute before closing
    datetime(2026, 11, 27, 9, 0, tzinfo=UTC),  # 16:00 WIB, closing time itself
    datetime(2026, 11, 27, 9, 1, tzinfo=UTC),  # 16:01 WIB
    datetime(2026, 11, 27, 17, 30, tzinfo=UTC),  # 00:30 WIB the next day
]


@pytest.mark.parametrize("now", NOW_CASES)
@pytest.mark.parametrize("closes_at", [time(16, 0), time(0, 0), time(23, 59)])
def test_a_check_in_is_overdue_exactly_when_it_is_at_or_before_the_last_closing(now, closes_at):
    bound = last_closing(now, closes_at)
    assert bound <= now
    for minutes in range(-3 * 24 * 60, 1, 7):
        checked_in_at = now + timedelta(minutes=minutes)
        overdue = closing_after(checked_in_at, closes_at) <= now
        assert overdue == (checked_in_at <= bound), checked_in_at


def test_the_board_checks_out_only_those_left_from_before_closing(app, create_office):
    from patrol.extensions import db
    from patrol.services import checkins

    office = create_office()  # closes at 16:00 WIB
    details = checkins.VisitorDetails("Siti", "081234567890", "Rapat", False, 2)
    before = datetime(2026, 11, 27, 8, 30, tzinfo=UTC)  # 15:30 WIB
    after = datetime(2026, 11, 27, 9, 30, tzinfo=UTC)  # 16:30 WIB
    entrance = office.entrances[0]
    left = checkins.check_in(
        office, entrance, "6f1c1a4e-6a38-4b0e-9a52-2c6f8f0c0a21", details, now=before
    )
    late = checkins.check_in(
        office, entrance, "6f1c1a4e-6a38-4b0e-9a52-2c6f8f0c0a22", details, now=after
    )
    db.session.commit()
    assert checkins.close_offices(now=after + timedelta(minutes=5), office_ids=[office.id]) == 1
    assert left.checkout_by == "auto" and late.checked_out_at is None
