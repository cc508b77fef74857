"""Crowd levels of a park against its capacity (a pure module: plain values in and out)."""

from __future__ import annotations


def crowd_level(headcount: int, capacity: int, busy_ratio: float, over_ratio: float) -> str:
    """ "quiet", "busy" or "over" for a headcount against a capacity and two thresholds.

    A zone without a capacity (0) cannot be over it: any crowd there counts as busy, an
    empty park as quiet.
    """
    if capacity <= 0:
        return "busy" if headcount > 0 else "quiet"
    ratio = headcount / capacity
    if ratio >= over_ratio:
        return "over"
    if ratio >= busy_ratio:
        return "busy"
    return "quiet"
