"""Crowd levels: a headcount against a zone's capacity (pure functions on plain values)."""

from __future__ import annotations

from flask_babel import gettext as _

DEFAULT_BUSY_PERCENT = 50
DEFAULT_OVER_PERCENT = 100


def crowd_level(
    headcount: int,
    capacity: int,
    busy_percent: int = DEFAULT_BUSY_PERCENT,
    over_percent: int = DEFAULT_OVER_PERCENT,
) -> str:
    """``quiet`` below busy_percent of capacity, ``over`` above over_percent, else ``busy``.

    A zone without a capacity (0) can only be quiet (nobody) or busy: "over" needs a limit.
    """
    if capacity <= 0:
        return "quiet" if headcount == 0 else "busy"
    # Integer arithmetic, so that the browser (which shows the level at once) agrees exactly.
    if headcount * 100 > capacity * over_percent:
        return "over"
    if headcount * 100 >= capacity * busy_percent:
        return "busy"
    return "quiet"


def level_labels() -> dict[str, str]:
    """The words people see for each crowd level: one vocabulary for every page and map."""
    return {
        "quiet": _("Sepi"),
        "busy": _("Ramai"),
        "over": _("Melebihi kapasitas"),
        "unknown": _("Tidak diketahui"),
    }


def level_label(level: str) -> str:
    """One crowd level in words (its code when unknown)."""
    return level_labels().get(level, level)
