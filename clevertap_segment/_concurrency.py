"""How many requests may be in flight at once, adapting to CleverTap's 429 answers."""

from __future__ import annotations

import threading
from typing import Optional

#: CleverTap answers 429 above this many concurrent requests per account.
MAX_CONCURRENCY = 15

#: Consecutive successes after which a lowered limit is raised by one.
RAISE_AFTER = 10


class AdaptiveLimit:
    """A limit on requests in flight: halved on a 429, raised by one after a run of successes.

    Only the first 429 among requests sent under the same limit halves it: concurrent requests
    that were already in flight when it was lowered tell nothing new, and counting them would
    collapse the limit to 1 after a single burst.

    Attributes:
        maximum: The limit never rises above this.
        limit: The current limit.
        peak: The most requests ever in flight at once.
    """

    def __init__(self, maximum: int, *, raise_after: int = RAISE_AFTER) -> None:
        self.maximum = maximum
        self.limit = maximum
        self.peak = 0
        self._raise_after = raise_after
        self._in_flight = 0
        self._successes = 0
        self._generation = 0
        self._condition = threading.Condition()

    def acquire(self, stop: threading.Event) -> Optional[int]:
        """Wait for room for one more request.

        Returns:
            A token to hand to :meth:`release`, or ``None`` when ``stop`` was set while waiting.
        """
        with self._condition:
            while self._in_flight >= self.limit and not stop.is_set():
                # The timeout bounds how late a stop set without wake() is noticed.
                self._condition.wait(0.5)
            if stop.is_set():
                return None
            self._in_flight += 1
            self.peak = max(self.peak, self._in_flight)
            return self._generation

    def release(self, token: int, *, throttled: bool = False, succeeded: bool = False) -> None:
        """Give back the room taken by :meth:`acquire`, saying how the request went."""
        with self._condition:
            self._in_flight -= 1
            if throttled:
                self._successes = 0
                if token == self._generation:
                    self.limit = max(1, self.limit // 2)
                    self._generation += 1
            elif succeeded:
                self._successes += 1
                if self._successes >= self._raise_after and self.limit < self.maximum:
                    self.limit += 1
                    self._successes = 0
            self._condition.notify_all()

    def wake(self) -> None:
        """Wake every waiting :meth:`acquire` so that it sees a stop at once."""
        with self._condition:
            self._condition.notify_all()
