"""Busy-hour forecasts for parks from their crowd counts (pure functions on plain values).

The model, in one paragraph: every hour in which officers counted a park gives one
observation, the mean headcount of that hour on that day (WIB). A forecast for a day and
hour is the weighted mean of the park's observations at that hour on days of the same
kind: the same day of the week, or for a public holiday the park's own holidays when it
has at least ``MIN_HOLIDAY_DAYS`` of them and Sundays otherwise. Recent weeks weigh more:
an observation's weight halves every ``HALF_LIFE_DAYS``. Where the park has few
observations of that kind, the estimate leans towards the park's mean at that hour over
all days: the two are blended by the effective number n of same-kind observations,
n / (n + ``PRIOR_WEIGHT``) of the first; where the park was never
counted at that hour, it borrows the occupancy (headcount / capacity) of similar parks
(the same kind) at that hour, then of the whole city, scaled to the park's capacity.
Hours nobody ever counted stay unknown (``None``).

Everything here takes and returns plain values, so that it is tested without a database
and its error is measured against the naive "same hour, all days" average
(:func:`evaluate`).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta

HALF_LIFE_DAYS = 28
PRIOR_WEIGHT = 0.5
MIN_HOLIDAY_DAYS = 2
HISTORY_DAYS = 84
SUNDAY = 6
HOLIDAY = "holiday"
HOURS = range(24)


@dataclass(frozen=True)
class Observation:
    """The mean headcount a park had in one WIB hour of one day, and how many counts."""

    day: date
    hour: int
    mean: float
    counts: int = 1


@dataclass(frozen=True)
class Forecast:
    """Expected headcount per WIB hour (``None`` where nothing is known)."""

    day: date
    based_on_days: int
    hours: tuple[float | None, ...]


def day_kind(day: date, holidays: Callable[[date], bool], holiday_days: int) -> int | str:
    """Which days a date is like: its weekday, or for a holiday its own kind or Sunday."""
    if holidays(day):
        return HOLIDAY if holiday_days >= MIN_HOLIDAY_DAYS else SUNDAY
    return day.weekday()


def _weight(day: date, today: date) -> float:
    age = max((today - day).days, 0)
    return 0.5 ** (age / HALF_LIFE_DAYS)


class _Mean:
    __slots__ = ("total", "weight", "square")

    def __init__(self) -> None:
        self.total = 0.0
        self.weight = 0.0
        self.square = 0.0

    def add(self, value: float, weight: float) -> None:
        self.total += value * weight
        self.weight += weight
        self.square += weight * weight

    @property
    def effective(self) -> float:
        """Kish's effective sample size of the weighted observations."""
        return self.weight * self.weight / self.square if self.square > 0 else 0.0

    @property
    def value(self) -> float | None:
        return self.total / self.weight if self.weight > 0 else None


def hourly_profile(
    observations: Iterable[Observation],
    today: date,
    holidays: Callable[[date], bool],
) -> tuple[dict[tuple[int | str, int], _Mean], dict[int, _Mean], int]:
    """Weighted means by (day kind, hour) and by hour, and the number of days observed."""
    rows = list(observations)
    holiday_days = len({o.day for o in rows if holidays(o.day)})
    by_kind: dict[tuple[int | str, int], _Mean] = defaultdict(_Mean)
    by_hour: dict[int, _Mean] = defaultdict(_Mean)
    for o in rows:
        w = _weight(o.day, today)
        by_kind[(day_kind(o.day, holidays, holiday_days), o.hour)].add(o.mean, w)
        by_hour[o.hour].add(o.mean, w)
    return by_kind, by_hour, len({o.day for o in rows})


def forecast_day(
    observations: Sequence[Observation],
    day: date,
    today: date,
    holidays: Callable[[date], bool],
    fallback: Callable[[int | str, int], float | None] | None = None,
) -> Forecast:
    """The forecast of one park for ``day`` from its observations before ``today``.

    ``fallback(kind, hour)`` gives an expected headcount borrowed from similar parks or
    the city where the park itself was never counted at that hour.
    """
    by_kind, by_hour, days = hourly_profile(observations, today, holidays)
    holiday_days = len({o.day for o in observations if holidays(o.day)})
    kind = day_kind(day, holidays, holiday_days)
    hours: list[float | None] = []
    for hour in HOURS:
        overall = by_hour[hour].value if hour in by_hour else None
        same = by_kind.get((kind, hour))
        if overall is None:
            hours.append(fallback(kind, hour) if fallback else None)
        elif same is None or same.weight == 0:
            hours.append(overall)
        else:
            hours.append((same.total + PRIOR_WEIGHT * overall) / (same.weight + PRIOR_WEIGHT))
    return Forecast(day=day, based_on_days=days, hours=tuple(hours))


def naive_day(observations: Sequence[Observation]) -> tuple[float | None, ...]:
    """The naive forecast: the plain mean at each hour over all days."""
    sums: dict[int, list[float]] = defaultdict(list)
    for o in observations:
        sums[o.hour].append(o.mean)
    return tuple((sum(sums[h]) / len(sums[h])) if sums[h] else None for h in HOURS)


def occupancy_profile(
    rows: Iterable[tuple[str, int | str, int, float, float]],
) -> Callable[[str, int, int | str, int], float | None]:
    """A fallback from other parks: ``rows`` are (park kind, day kind, hour, headcount sum,
    capacity sum); the answer scales their occupancy to a park's capacity, by the same
    kind of park first and the whole city second, at the same day kind or any day."""
    tables: dict[tuple, list[float]] = defaultdict(lambda: [0.0, 0.0])
    for park_kind, kind, hour, headcount, capacity in rows:
        for key in (
            (park_kind, kind, hour),
            (park_kind, None, hour),
            (None, kind, hour),
            (None, None, hour),
        ):
            tables[key][0] += headcount
            tables[key][1] += capacity

    def borrow(park_kind: str, capacity: int, kind: int | str, hour: int) -> float | None:
        if capacity <= 0:
            return None
        for key in ((park_kind, kind, hour), (park_kind, None, hour), (None, kind, hour)):
            total, cap = tables.get(key, (0.0, 0.0))
            if cap > 0:
                return total / cap * capacity
        total, cap = tables.get((None, None, hour), (0.0, 0.0))
        return total / cap * capacity if cap > 0 else None

    return borrow


def busy_window(levels: Sequence[str | None]) -> tuple[int, int] | None:
    """The longest run of hours at ``busy`` or ``over`` (start hour, end hour exclusive);
    the earliest such run on a tie; ``None`` when no hour is expected to be busy."""
    best: tuple[int, int] | None = None
    start = None
    for hour, level in enumerate([*levels, None]):
        crowded = level in ("busy", "over")
        if crowded and start is None:
            start = hour
        elif not crowded and start is not None:
            if best is None or hour - start > best[1] - best[0]:
                best = (start, hour)
            start = None
    return best


@dataclass(frozen=True)
class Evaluation:
    """Mean absolute error of the model and of the naive average on held-out days."""

    model_mae: float
    naive_mae: float
    hours_compared: int


def evaluate(
    observations: Sequence[Observation],
    holidays: Callable[[date], bool],
    holdout_days: int = 14,
) -> Evaluation:
    """Train on all but the last ``holdout_days`` and compare both forecasts with them."""
    if not observations:
        return Evaluation(0.0, 0.0, 0)
    last = max(o.day for o in observations)
    cut = last - timedelta(days=holdout_days - 1)
    train = [o for o in observations if o.day < cut]
    test = [o for o in observations if o.day >= cut]
    naive = naive_day(train)
    cache: dict[date, Forecast] = {}
    model_error = naive_error = 0.0
    compared = 0
    for o in test:
        if o.day not in cache:
            cache[o.day] = forecast_day(train, o.day, cut, holidays)
        expected = cache[o.day].hours[o.hour]
        baseline = naive[o.hour]
        if expected is None or baseline is None:
            continue
        model_error += abs(expected - o.mean)
        naive_error += abs(baseline - o.mean)
        compared += 1
    if not compared:
        return Evaluation(0.0, 0.0, 0)
    return Evaluation(model_error / compared, naive_error / compared, compared)
