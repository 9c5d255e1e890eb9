"""Tests for the retry policy and the pure backoff computations."""

from __future__ import annotations

import math
from datetime import datetime, timezone
from email.utils import format_datetime

import attrs
import pytest

from clevertap_segment import RetryPolicy
from clevertap_segment._retry import (
    RETRYABLE_STATUSES,
    backoff_ceiling,
    compute_wait,
    parse_retry_after,
)


def _upper(low: float, high: float) -> float:
    """A stand-in for random.uniform that always draws the top of the range."""
    return high


class TestRetryPolicy:
    def test_defaults(self) -> None:
        """The defaults bound a batch to 6 attempts within 5 minutes."""
        policy = RetryPolicy()
        assert (policy.max_attempts, policy.initial, policy.max_wait, policy.deadline) == (
            6,
            0.5,
            30.0,
            300.0,
        )

    def test_frozen(self) -> None:
        """A policy cannot be changed after it is made."""
        with pytest.raises(attrs.exceptions.FrozenInstanceError):
            RetryPolicy().max_attempts = 2  # type: ignore[misc]

    def test_keyword_only(self) -> None:
        """Settings are given by name."""
        with pytest.raises(TypeError):
            RetryPolicy(3)  # type: ignore[call-arg]

    @pytest.mark.parametrize("value", [0, -1, 1.5, True, "3"])
    def test_rejects_bad_attempts(self, value: object) -> None:
        """max_attempts is an integer of at least 1."""
        with pytest.raises(ValueError, match="max_attempts"):
            RetryPolicy(max_attempts=value)  # type: ignore[arg-type]

    @pytest.mark.parametrize("field", ["initial", "max_wait", "deadline"])
    @pytest.mark.parametrize("value", [-0.1, math.nan, math.inf, False, "1"])
    def test_rejects_bad_seconds(self, field: str, value: object) -> None:
        """Durations are finite numbers of seconds, not negative."""
        with pytest.raises(ValueError, match=field):
            RetryPolicy(**{field: value})  # type: ignore[arg-type]

    def test_rejects_max_wait_below_initial(self) -> None:
        """The cap on a wait cannot be below the first wait."""
        with pytest.raises(ValueError, match="max_wait"):
            RetryPolicy(initial=5, max_wait=1)

    def test_never(self) -> None:
        """RetryPolicy.never() tries each batch once."""
        assert RetryPolicy.never().max_attempts == 1

    def test_retryable_statuses(self) -> None:
        """Exactly 429 and the transient 5xx statuses are retried."""
        assert frozenset({429, 500, 502, 503, 504}) == RETRYABLE_STATUSES


class TestComputeWait:
    def test_first_wait_is_at_most_initial(self) -> None:
        """The first retry waits up to `initial` seconds."""
        assert compute_wait(RetryPolicy(initial=0.5), 1, uniform=_upper) == 0.5

    def test_ceiling_doubles(self) -> None:
        """Each retry doubles the longest possible wait."""
        policy = RetryPolicy(initial=0.5, max_wait=100)
        assert [backoff_ceiling(policy, retry) for retry in (1, 2, 3, 4)] == [0.5, 1, 2, 4]

    def test_ceiling_is_capped(self) -> None:
        """No wait exceeds max_wait."""
        policy = RetryPolicy(initial=1, max_wait=30)
        assert compute_wait(policy, 10, uniform=_upper) == 30

    def test_full_jitter(self) -> None:
        """The wait is drawn between 0 and the ceiling."""
        drawn: list[tuple[float, float]] = []

        def record(low: float, high: float) -> float:
            drawn.append((low, high))
            return low

        assert compute_wait(RetryPolicy(initial=1, max_wait=30), 3, uniform=record) == 0
        assert drawn == [(0.0, 4.0)]

    def test_real_jitter_stays_in_range(self) -> None:
        """With the default random source, waits stay within the ceiling."""
        policy = RetryPolicy(initial=1, max_wait=8)
        waits = [compute_wait(policy, 3) for _ in range(200)]
        assert all(0 <= wait <= 4 for wait in waits)
        assert len(set(waits)) > 1

    def test_huge_retry_numbers_do_not_overflow(self) -> None:
        """A retry number far past the cap still gives max_wait."""
        assert backoff_ceiling(RetryPolicy(initial=1, max_wait=30), 5000) == 30

    def test_retry_after_replaces_backoff(self) -> None:
        """A Retry-After from the server is the wait."""
        assert compute_wait(RetryPolicy(), 1, retry_after=7, uniform=_upper) == 7

    def test_retry_after_is_capped(self) -> None:
        """A Retry-After longer than max_wait waits max_wait."""
        assert compute_wait(RetryPolicy(max_wait=30), 1, retry_after=3600) == 30

    def test_zero_initial_never_waits(self) -> None:
        """initial=0 retries at once."""
        assert compute_wait(RetryPolicy(initial=0, max_wait=0), 4) == 0


class TestParseRetryAfter:
    def test_seconds(self) -> None:
        """A number of seconds is read as such."""
        assert parse_retry_after("120") == 120

    def test_fractional_seconds(self) -> None:
        """Fractional seconds are tolerated."""
        assert parse_retry_after(" 1.5 ") == 1.5

    def test_negative_seconds_mean_now(self) -> None:
        """A negative number means no wait."""
        assert parse_retry_after("-5") == 0

    def test_http_date(self) -> None:
        """An HTTP date gives the seconds from now until then."""
        now = datetime(2026, 1, 1, 12, 0, 0, tzinfo=timezone.utc)
        header = "Thu, 01 Jan 2026 12:00:30 GMT"
        assert parse_retry_after(header, now=now.timestamp()) == 30

    def test_http_date_in_the_past(self) -> None:
        """A date already past means no wait."""
        now = datetime(2026, 1, 1, 12, 0, 0, tzinfo=timezone.utc)
        header = format_datetime(datetime(2025, 1, 1, tzinfo=timezone.utc), usegmt=True)
        assert parse_retry_after(header, now=now.timestamp()) == 0

    def test_date_without_zone_is_gmt(self) -> None:
        """A date with -0000 (no zone) is read as GMT."""
        now = datetime(2026, 1, 1, 12, 0, 0, tzinfo=timezone.utc)
        header = "Thu, 01 Jan 2026 12:00:10 -0000"
        assert parse_retry_after(header, now=now.timestamp()) == 10

    @pytest.mark.parametrize("header", ["soon", "", "nan", "inf", "Mon, 99 Foo 2026"])
    def test_unreadable(self, header: str) -> None:
        """An unreadable header is ignored."""
        assert parse_retry_after(header) is None

    def test_absent(self) -> None:
        """No header, no wait asked."""
        assert parse_retry_after(None) is None
