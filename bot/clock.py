"""Where "now" comes from: injected everywhere so tests and simulations control time."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

Clock = Callable[[], dt.datetime]  # returns an aware datetime


def system_clock() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class AcceleratedClock:
    """Simulated time: starts at `start` and runs `speed` times faster than the real clock.

    Lets a whole countdown play out in seconds (`parade-bot console --speed 86400`).
    """

    def __init__(self, start: dt.datetime, speed: float, real: Clock = system_clock) -> None:
        if speed <= 0:
            raise ValueError("speed must be positive")
        self.start = start
        self.speed = speed
        self._real = real
        self._origin = real()

    def __call__(self) -> dt.datetime:
        return self.start + (self._real() - self._origin) * self.speed

    def real_time_of(self, moment: dt.datetime) -> dt.datetime:
        """When, on the real clock, this clock will show `moment`."""
        return self._origin + (moment - self.start) / self.speed
