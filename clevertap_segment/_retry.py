"""When and how long to wait before sending a batch again.

The policy is plain data; the waiting is computed by pure functions so that it can be tested
without a clock, and the sender takes the sleep and clock functions it uses as arguments so that
tests never sleep.

What is retried (an explicit list, see ``docs/sending.md``): connection errors, timeouts, and HTTP
429, 500, 502, 503 and 504. Everything else is final.
"""

from __future__ import annotations

import math
import random
import time
from datetime import timezone
from email.utils import parsedate_to_datetime
from typing import Callable, Optional

import attrs

#: HTTP statuses worth sending the same request again for.
RETRYABLE_STATUSES = frozenset({429, 500, 502, 503, 504})


def _attempts(instance: object, attribute: attrs.Attribute[int], value: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        msg = f"{attribute.name} must be an integer of at least 1, not {value!r}"
        raise ValueError(msg)


def _seconds(instance: object, attribute: attrs.Attribute[float], value: float) -> None:
    if (
        isinstance(value, bool)
        or not isinstance(value, (int, float))
        or not math.isfinite(value)
        or value < 0
    ):
        msg = f"{attribute.name} must be a finite number of seconds >= 0, not {value!r}"
        raise ValueError(msg)


@attrs.frozen(kw_only=True)
class RetryPolicy:
    """How often, and for how long, a failing batch is sent again.

    A batch is given up when it has been tried ``max_attempts`` times, or when the next wait would
    take it past ``deadline`` seconds after its first attempt, whichever comes first. Waits grow
    exponentially with full jitter (a random wait between 0 and ``initial * 2 ** (retry - 1)``,
    capped at ``max_wait``), which spreads the retries of concurrent batches apart. A
    ``Retry-After`` header, when the server sends one, replaces the computed wait (still capped at
    ``max_wait``).

    Attributes:
        max_attempts: Attempts per batch, the first included; ``1`` never retries.
        initial: Upper bound, in seconds, of the first wait.
        max_wait: Longest single wait, in seconds, ``Retry-After`` included.
        deadline: Seconds a batch may spend from its first attempt to its last, waits included.

    Example:
        >>> RetryPolicy(max_attempts=3, deadline=60)
        RetryPolicy(max_attempts=3, initial=0.5, max_wait=30.0, deadline=60)
    """

    max_attempts: int = attrs.field(default=6, validator=_attempts)
    initial: float = attrs.field(default=0.5, validator=_seconds)
    max_wait: float = attrs.field(default=30.0, validator=_seconds)
    deadline: float = attrs.field(default=300.0, validator=_seconds)

    def __attrs_post_init__(self) -> None:
        if self.max_wait < self.initial:
            msg = f"max_wait ({self.max_wait}) must not be less than initial ({self.initial})"
            raise ValueError(msg)

    @classmethod
    def never(cls) -> RetryPolicy:
        """A policy that sends each batch once."""
        return cls(max_attempts=1)


def backoff_ceiling(policy: RetryPolicy, retry: int) -> float:
    """The longest wait before the ``retry``-th retry (1-based), before jitter."""
    # Bound the exponent: 2.0 ** 1100 overflows a float, and the cap is reached long before.
    return min(policy.max_wait, policy.initial * 2.0 ** min(retry - 1, 64))


def compute_wait(
    policy: RetryPolicy,
    retry: int,
    *,
    retry_after: Optional[float] = None,
    uniform: Callable[[float, float], float] = random.uniform,
) -> float:
    """Seconds to wait before the ``retry``-th retry (1-based) of a batch.

    Args:
        policy: The retry policy.
        retry: 1 for the first retry, 2 for the second, …
        retry_after: Seconds the server asked for in ``Retry-After``, if it did.
        uniform: Draws the jitter; ``random.uniform`` unless a test wants it fixed.
    """
    if retry_after is not None:
        return min(max(retry_after, 0.0), policy.max_wait)
    return uniform(0.0, backoff_ceiling(policy, retry))


def parse_retry_after(value: Optional[str], *, now: Optional[float] = None) -> Optional[float]:
    """Seconds to wait according to a ``Retry-After`` header, or ``None`` if absent or unreadable.

    The header is either a number of seconds or an HTTP date (RFC 9110, section 10.2.3).

    Args:
        value: The header's value.
        now: The current UNIX time, for dates; ``time.time()`` when not given.

    Example:
        >>> parse_retry_after("7")
        7.0
    """
    if value is None:
        return None
    text = value.strip()
    try:
        seconds = float(text)
    except ValueError:
        pass
    else:
        return max(seconds, 0.0) if math.isfinite(seconds) else None
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:  # RFC 9110 dates are GMT; read an unqualified one as such
        when = when.replace(tzinfo=timezone.utc)
    current = time.time() if now is None else now
    return max(when.timestamp() - current, 0.0)
