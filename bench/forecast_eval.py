"""The busy-hour forecast against the naive "same hour, all days" average, on held-out weeks.

Seeds a year of load data (``seed-load``, whose parks follow a weekly rhythm with noise)
into a temporary SQLite database, trains on all but the last two weeks of each park's
hourly summary and compares both forecasts with those weeks (mean absolute error in
people). ``make forecast-eval [SCALE=0.05]``; the figures go to docs/forecast.md by hand.
"""

from __future__ import annotations

import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

import sqlalchemy as sa

from patrol import create_app
from patrol.demo.seed_load import seed_load
from patrol.extensions import db
from patrol.models import CrowdHour, Zone
from patrol.rules import forecast as model
from patrol.services.crowd_hours import is_holiday


def main() -> int:
    scale = float(sys.argv[1]) if len(sys.argv) > 1 else 0.05
    with tempfile.TemporaryDirectory() as tmp:
        app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{Path(tmp) / 'eval.db'}"})
        with app.app_context():
            db.create_all()
            seed_load(scale=scale)
            db.session.commit()
            rows = db.session.execute(
                sa.select(
                    CrowdHour.zone_id,
                    CrowdHour.day,
                    CrowdHour.hour,
                    CrowdHour.counts,
                    CrowdHour.headcount_sum,
                )
            ).all()
            names = dict(db.session.execute(sa.select(Zone.id, Zone.name)).all())
    by_zone: dict[int, list[model.Observation]] = {}
    for zone_id, day, hour, counts, total in rows:
        by_zone.setdefault(zone_id, []).append(model.Observation(day, hour, total / counts))
    print(f"seed-load --scale {scale}: {len(rows)} zone-hours in {len(by_zone)} parks")
    print(f"{'park':32} {'held-out hours':>14} {'model MAE':>10} {'naive MAE':>10}")
    model_sum = naive_sum = hours = 0.0
    began = time.perf_counter()
    for zone_id, observations in sorted(by_zone.items()):
        # The model sees the last HISTORY_DAYS before the held-out weeks, as in service.
        last = max(o.day for o in observations)
        window = last - timedelta(days=model.HISTORY_DAYS + 14)
        recent = [o for o in observations if o.day > window]
        result = model.evaluate(recent, is_holiday, holdout_days=14)
        print(
            f"{names[zone_id][:32]:32} {result.hours_compared:>14} "
            f"{result.model_mae:>10.1f} {result.naive_mae:>10.1f}"
        )
        model_sum += result.model_mae * result.hours_compared
        naive_sum += result.naive_mae * result.hours_compared
        hours += result.hours_compared
    elapsed = time.perf_counter() - began
    print(
        f"{'all parks':32} {int(hours):>14} {model_sum / hours:>10.1f} {naive_sum / hours:>10.1f}"
    )
    print(f"evaluation took {elapsed:.2f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
