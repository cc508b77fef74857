"""A few seconds of memory for public answers that are the same for everyone.

The open-data parks feed is identical for every caller and changes within minutes, not
milliseconds; it already tells caches to keep it for a minute. Computing it costs a query
over every park and a JSON encoding, which is most of its cost per request. Each worker
process therefore keeps the encoded answer for ``PUBLIC_FEED_CACHE_SECONDS`` (10 by
default, 0 switches it off). Nothing personal is ever kept here, and nothing a request
changes: losing it (a restart, another instance) only means computing it again.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import TypeVar

from flask import current_app

T = TypeVar("T")


class MicroCache:
    """One value per key, recomputed when older than ``seconds``."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._values: dict[str, tuple[float, object]] = {}
        self._lock = threading.Lock()

    def get(self, key: str, seconds: float, compute: Callable[[], T]) -> T:
        if seconds <= 0:
            return compute()
        now = self._clock()
        with self._lock:
            kept = self._values.get(key)
        if kept is not None and kept[0] > now:
            return kept[1]  # type: ignore[return-value]
        value = compute()
        with self._lock:
            self._values[key] = (now + seconds, value)
        return value

    def clear(self) -> None:
        with self._lock:
            self._values.clear()


def app_cache() -> MicroCache:
    """This app's cache (one per app, so that test apps never share answers)."""
    return current_app.extensions.setdefault("patrol_microcache", MicroCache())
