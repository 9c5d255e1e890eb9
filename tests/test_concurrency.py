"""Tests for the adaptive limit on requests in flight."""

from __future__ import annotations

import threading

from clevertap_segment._concurrency import AdaptiveLimit


def _take(limit: AdaptiveLimit, count: int) -> list[int]:
    stop = threading.Event()
    tokens = [limit.acquire(stop) for _ in range(count)]
    assert None not in tokens
    return [token for token in tokens if token is not None]


class TestAdaptiveLimit:
    def test_starts_at_maximum(self) -> None:
        """The limit starts at the configured maximum."""
        assert AdaptiveLimit(15).limit == 15

    def test_halves_on_throttle(self) -> None:
        """A 429 halves the limit."""
        limit = AdaptiveLimit(12)
        (token,) = _take(limit, 1)
        limit.release(token, throttled=True)
        assert limit.limit == 6

    def test_never_below_one(self) -> None:
        """The limit never falls below one request."""
        limit = AdaptiveLimit(2)
        for _ in range(5):
            (token,) = _take(limit, 1)
            limit.release(token, throttled=True)
        assert limit.limit == 1

    def test_one_burst_halves_once(self) -> None:
        """429s for requests sent under the same limit halve it only once."""
        limit = AdaptiveLimit(8)
        tokens = _take(limit, 8)
        for token in tokens:
            limit.release(token, throttled=True)
        assert limit.limit == 4

    def test_raises_slowly(self) -> None:
        """After a run of successes the limit rises by one."""
        limit = AdaptiveLimit(8, raise_after=3)
        (token,) = _take(limit, 1)
        limit.release(token, throttled=True)
        for _ in range(3):
            (token,) = _take(limit, 1)
            limit.release(token, succeeded=True)
        assert limit.limit == 5

    def test_never_above_maximum(self) -> None:
        """Successes never raise the limit past the maximum."""
        limit = AdaptiveLimit(2, raise_after=1)
        for _ in range(5):
            (token,) = _take(limit, 1)
            limit.release(token, succeeded=True)
        assert limit.limit == 2

    def test_blocks_at_limit(self) -> None:
        """A request waits while the limit is reached, and goes once room is made."""
        limit = AdaptiveLimit(1)
        (token,) = _take(limit, 1)
        got: list[object] = []
        waiter = threading.Thread(target=lambda: got.append(limit.acquire(threading.Event())))
        waiter.start()
        waiter.join(0.05)
        assert got == []
        limit.release(token, succeeded=True)
        waiter.join(5)
        assert got == [0]

    def test_stop_releases_waiters(self) -> None:
        """A stop makes a waiting acquire give up."""
        limit = AdaptiveLimit(1)
        _take(limit, 1)
        stop = threading.Event()
        got: list[object] = []
        waiter = threading.Thread(target=lambda: got.append(limit.acquire(stop)))
        waiter.start()
        stop.set()
        limit.wake()
        waiter.join(5)
        assert got == [None]

    def test_peak(self) -> None:
        """The peak of requests in flight is kept."""
        limit = AdaptiveLimit(5)
        for token in _take(limit, 3):
            limit.release(token)
        assert limit.peak == 3
