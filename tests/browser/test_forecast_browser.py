"""/taman on the smallest phone: each park says when it is usually busy, with a chart that
fits and figures anyone can read."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from patrol.extensions import db
from patrol.models import CrowdHour
from patrol.rules.timeutil import wib_today
from tests.browser.conftest import axe_violations, describe

pytestmark = pytest.mark.browser


def test_the_park_page_shows_the_usual_day_at_320_px(phone, create_zone):
    park = create_zone(name="Taman Trunojoyo", capacity=100)
    create_zone(name="Taman Baru", capacity=0)
    today = wib_today()
    # Six weeks in which the park is busy (70 of 100) from 16.00 to 18.00, quiet otherwise.
    rows = [
        {
            "zone_id": park.id,
            "day": today - timedelta(days=n),
            "hour": hour,
            "counts": 1,
            "headcount_sum": 70 if 16 <= hour < 18 else 10,
        }
        for n in range(1, 43)
        for hour in range(6, 22)
    ]
    db.session.execute(sa.insert(CrowdHour), rows)
    db.session.commit()

    phone.set_viewport_size({"width": 320, "height": 640})
    phone.goto("/taman")
    card = phone.locator(".park", has_text="Taman Trunojoyo")
    assert card.get_by_text("Biasanya ramai 16.00–18.00").is_visible()
    chart = card.locator("svg.forecast-chart")
    box = chart.bounding_box()
    assert box["width"] <= 320 and box["height"] >= 40
    assert chart.locator("rect.bar").count() == 16
    assert chart.locator("rect.level-busy").count() == 2
    # The text alternative: the figures per hour, one tap away.
    card.get_by_text("Angka per jam").click()
    assert card.locator("tr", has_text="16.00").get_by_text("ramai").is_visible()
    new = phone.locator(".park", has_text="Taman Baru")
    assert new.get_by_text("Belum cukup hitungan untuk perkiraan.").is_visible()
    # Nothing sticks out sideways (the map's own layers aside).
    wide = phone.evaluate(
        "[...document.querySelectorAll('body *')].filter(e => !e.closest('.leaflet-container')"
        " && e.getBoundingClientRect().right > 321).map(e => e.tagName)"
    )
    assert wide == []
    problems = axe_violations(phone)
    assert not problems, describe(problems)
