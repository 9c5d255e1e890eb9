"""Sending one batch until it is settled: accepted, refused, or given up after bounded retries.

This runs in the sender's worker threads. Every record of the batch leaves :meth:`Deliverer.deliver`
either accepted or as a :class:`RecordFailure`; nothing here raises for a failed delivery.
"""

from __future__ import annotations

import logging
import threading
import time
from typing import Any, Callable, Optional

import attrs
import requests

from ._batching import Batch
from ._concurrency import AdaptiveLimit
from ._reports import RecordFailure
from ._responses import (
    Answer,
    MalformedAnswerError,
    describe_error_body,
    quote,
    read_answer,
)
from ._retry import RETRYABLE_STATUSES, RetryPolicy, compute_wait, parse_retry_after

logger = logging.getLogger("clevertap_segment")

#: Per-record code CleverTap uses for a miscellaneous server error: worth one more try.
MISC_SERVER_ERROR = 555
AUTH_STATUSES = frozenset({401, 403})


class Run:
    """State shared by the batches of one upload: whether to stop, and why."""

    def __init__(self, sleep: Optional[Callable[[float], None]]) -> None:
        self.stop_event = threading.Event()
        self.reason = ""
        #: (HTTP status, error text) of the first authentication failure.
        self.auth_failure: Optional[tuple[int, str]] = None
        self._sleep = sleep
        self._lock = threading.Lock()

    @property
    def stopped(self) -> bool:
        """Whether batches should stop sending."""
        return self.stop_event.is_set()

    def stop(self, reason: str, *, auth_failure: Optional[tuple[int, str]] = None) -> None:
        """Ask every batch to stop; the first reason given is kept."""
        with self._lock:
            if not self.stop_event.is_set():
                self.reason = reason
                self.auth_failure = auth_failure
                self.stop_event.set()

    def sleep(self, seconds: float) -> None:
        """Wait before a retry; a stop cuts the wait short unless a test replaced the sleep."""
        if self._sleep is not None:
            self._sleep(seconds)
        else:
            self.stop_event.wait(seconds)


@attrs.define(eq=False)
class BatchResult:
    """How one batch was settled: indices (into the batch) accepted, and failures."""

    batch: Batch
    accepted: list[int] = attrs.Factory(list)
    failures: list[RecordFailure] = attrs.Factory(list)
    requests: int = 0
    retries: int = 0


@attrs.frozen
class _Attempt:
    """What one request came to.

    ``kind`` is ``"answered"`` (a 200 with a readable body in ``answer``), ``"retry"`` (worth
    trying again), ``"final"`` (not worth it) or ``"auth"`` (credentials refused).
    """

    kind: str
    error: str = ""
    status: Optional[int] = None
    code: Optional[int] = None
    retry_after: Optional[float] = None
    answer: Any = None
    #: For ``"final"``: whether the same request could succeed later (it is not retried now).
    retryable: bool = False


class Deliverer:
    """Sends batches to CleverTap with retries, within an adaptive limit on requests in flight."""

    def __init__(
        self,
        *,
        base_url: str,
        headers: Callable[[], dict[str, str]],
        session: Callable[[], requests.Session],
        timeout: float,
        params: dict[str, str],
        policy: RetryPolicy,
        limit: AdaptiveLimit,
        clock: Callable[[], float],
        redact: Callable[[str], str],
    ) -> None:
        self._base_url = base_url
        self._headers = headers
        self._session = session
        self._timeout = timeout
        self._params = params
        self._policy = policy
        self._limit = limit
        self._clock = clock
        self._redact = redact

    def deliver(self, batch: Batch, path: str, run: Run) -> BatchResult:
        """Send ``batch`` to ``path`` until each of its records is accepted or failed."""
        result = BatchResult(batch)
        pending = list(range(len(batch)))
        # index → (code, error) of records CleverTap answered 555 for: they get one more try.
        misc_errors: dict[int, tuple[Optional[int], str]] = {}
        retried_misc = False
        started = self._clock()
        attempt: Optional[_Attempt] = None
        attempts = 0
        while True:
            token = None if run.stopped else self._limit.acquire(run.stop_event)
            if token is None:
                if attempt is None:
                    self._fail(result, pending, f"not sent: {run.reason}", status=None)
                else:
                    note = f"not retried: {run.reason}"
                    error = f"{attempt.error}; {note}"
                    self._fail(
                        result, pending, error, status=attempt.status, own=(misc_errors, note)
                    )
                return result
            attempts += 1
            result.requests += 1
            if attempts > 1:
                result.retries += 1
            sent = len(pending)
            body = batch.body(None if sent == len(batch) else pending)
            attempt = self._attempt(path, body, sent, token)
            if attempt.kind == "auth":
                run.stop(
                    "CleverTap refused the credentials",
                    auth_failure=(attempt.status or 0, attempt.error),
                )
                self._fail(result, pending, attempt.error, status=attempt.status)
                return result
            if attempt.kind == "final":
                self._fail(
                    result,
                    pending,
                    attempt.error,
                    status=attempt.status,
                    code=attempt.code,
                    retryable=attempt.retryable,
                )
                return result
            if attempt.kind == "answered":
                misc_errors = self._take_answer(
                    result, pending, attempt, retry_misc=not retried_misc
                )
                if not misc_errors:
                    return result
                retried_misc = True
                pending = sorted(misc_errors)
                attempt = attrs.evolve(
                    attempt, kind="retry", error="code 555 (miscellaneous server error)"
                )
            wait = self._wait_or_give_up(attempt, attempts, started)
            if wait is None:
                note = self._budget_spent(attempts, started)
                error = f"{attempt.error} ({note})"
                logger.warning("Giving up on %d record(s): %s", len(pending), error)
                self._fail(result, pending, error, status=attempt.status, own=(misc_errors, note))
                return result
            logger.warning(
                "Retrying %d record(s) after %s (attempt %d of %d) in %.2f s",
                len(pending),
                attempt.error,
                attempts,
                self._policy.max_attempts,
                wait,
            )
            run.sleep(wait)

    def _take_answer(
        self, result: BatchResult, pending: list[int], attempt: _Attempt, *, retry_misc: bool
    ) -> dict[int, tuple[Optional[int], str]]:
        """Count what a 200 said about the ``pending`` records it answered.

        Returns:
            The records to send once more (code 555, when ``retry_misc``), with their errors.
        """
        answer: Answer = attempt.answer
        misc_errors: dict[int, tuple[Optional[int], str]] = {}
        for k, (code, error) in answer.rejected.items():
            index = pending[k]
            if code == MISC_SERVER_ERROR and retry_misc:
                misc_errors[index] = (code, error)
                continue
            failure = self._failure(
                result.batch,
                index,
                error=error,
                code=code,
                status=attempt.status,
                retryable=code == MISC_SERVER_ERROR,
            )
            result.failures.append(failure)
        sent = len(pending)
        result.accepted.extend(pending[k] for k in range(sent) if k not in answer.rejected)
        counted = sent - len(answer.rejected)
        if answer.processed is not None and answer.processed != counted:
            # Positions are what we trust; a count that disagrees is worth knowing about.
            logger.warning(
                "CleverTap said %d record(s) were processed, its list of skipped records "
                "implies %d; counting by the list",
                answer.processed,
                counted,
            )
        return misc_errors

    def _attempt(self, path: str, body: bytes, sent: int, token: int) -> _Attempt:
        """Make one request and classify what came of it."""
        throttled = succeeded = False
        started = time.perf_counter()
        try:
            session = self._session()
            try:
                with session.post(
                    self._base_url + path,
                    data=body,
                    params=self._params,
                    headers=self._headers(),
                    timeout=self._timeout,
                    allow_redirects=False,  # a redirect would carry the passcode to another URL
                    # Never off, even if a caller's session was changed after it was checked;
                    # a CA bundle path is kept.
                    verify=session.verify or True,
                ) as response:
                    status = response.status_code
                    content = response.content
                    retry_after = response.headers.get("Retry-After")
                    location = response.headers.get("Location")
            except requests.RequestException as error:
                return self._transport_failure(error)
            throttled = status == 429
            logger.debug(
                "POST %s: HTTP %d for %d record(s) in %.3f s",
                path,
                status,
                sent,
                time.perf_counter() - started,
            )
            attempt = self._classify(status, content, sent, retry_after, location)
            succeeded = attempt.kind == "answered"
            return attempt
        finally:
            self._limit.release(token, throttled=throttled, succeeded=succeeded)

    def _classify(
        self,
        status: int,
        content: bytes,
        sent: int,
        retry_after: Optional[str],
        location: Optional[str],
    ) -> _Attempt:
        if 200 <= status < 300:
            try:
                answer = read_answer(content, sent)
            except MalformedAnswerError as malformed:
                return _Attempt("retry", self._redact(str(malformed)), status)
            if answer.request_error is None:
                return _Attempt("answered", status=status, answer=answer)
            code, text = answer.request_error
            error = self._redact(f"HTTP 200, status 'fail', code {code}: {text}")
            if code in AUTH_STATUSES:
                return _Attempt("auth", error, code)
            if code in RETRYABLE_STATUSES or code == MISC_SERVER_ERROR:
                return _Attempt("retry", error, status)
            return _Attempt("final", error, status, code)
        if 300 <= status < 400:
            error = (
                f"HTTP {status}: redirect to {location!r} refused "
                "(following it would send the passcode to another URL)"
            )
            return _Attempt("final", self._redact(error), status)
        _, text = describe_error_body(content)
        error = self._redact(f"HTTP {status}: {text}" if text else f"HTTP {status}")
        if status in AUTH_STATUSES:
            return _Attempt("auth", error, status)
        if status in RETRYABLE_STATUSES:
            return _Attempt("retry", error, status, retry_after=parse_retry_after(retry_after))
        return _Attempt("final", error, status)

    def _transport_failure(self, error: requests.RequestException) -> _Attempt:
        if isinstance(error, requests.exceptions.SSLError):
            # A certificate problem will not go away by asking again.
            return _Attempt("final", self._redact(f"TLS error: {_short(error)}"), retryable=True)
        if isinstance(error, requests.exceptions.ConnectTimeout):
            return _Attempt("retry", f"could not connect within {self._timeout} s")
        if isinstance(error, requests.exceptions.ReadTimeout):
            text = f"no answer within {self._timeout} s (CleverTap may still have stored records)"
            return _Attempt("retry", text)
        if isinstance(
            error, (requests.exceptions.ConnectionError, requests.exceptions.ChunkedEncodingError)
        ):
            return _Attempt("retry", self._redact(f"connection failed: {_short(error)}"))
        return _Attempt("final", self._redact(f"request failed: {_short(error)}"), retryable=True)

    def _wait_or_give_up(self, attempt: _Attempt, attempts: int, started: float) -> Optional[float]:
        """Seconds to wait before the next attempt, or ``None`` when the budget is spent."""
        if attempts >= self._policy.max_attempts:
            return None
        wait = compute_wait(self._policy, attempts, retry_after=attempt.retry_after)
        if self._clock() - started + wait > self._policy.deadline:
            return None
        return wait

    def _budget_spent(self, attempts: int, started: float) -> str:
        """Why retrying stopped, for the records' error texts."""
        if attempts >= self._policy.max_attempts:
            return f"gave up after {attempts} attempts"
        elapsed = self._clock() - started
        return (
            f"gave up after {attempts} attempts in {elapsed:.1f} s: "
            f"retry deadline of {self._policy.deadline:g} s"
        )

    def _fail(
        self,
        result: BatchResult,
        indices: list[int],
        error: str,
        *,
        status: Optional[int],
        code: Optional[int] = None,
        retryable: bool = True,
        own: Optional[tuple[dict[int, tuple[Optional[int], str]], str]] = None,
    ) -> None:
        """Fail the records at ``indices`` with ``error``.

        ``own`` is (per-record errors, note): a record with its own last error (code 555) keeps
        it, followed by the note, instead of the batch's error.
        """
        own_errors, note = own if own is not None else ({}, "")
        for index in indices:
            own_error = own_errors.get(index)
            if own_error is not None:
                own_code, own_text = own_error
                failure = self._failure(
                    result.batch,
                    index,
                    error=f"{own_text} ({note})",
                    code=own_code,
                    status=status,
                    retryable=True,
                )
            else:
                failure = self._failure(
                    result.batch,
                    index,
                    error=error,
                    code=code,
                    status=status,
                    retryable=retryable,
                )
            result.failures.append(failure)

    def _failure(
        self,
        batch: Batch,
        index: int,
        *,
        error: str,
        code: Optional[int],
        status: Optional[int],
        retryable: bool,
    ) -> RecordFailure:
        owner = batch.owners[index] if batch.owners is not None else (None, None)
        return RecordFailure(
            record=batch.records[index],
            position=batch.positions[index],
            code=code,
            error=error,
            retryable=retryable,
            http_status=status,
            message_index=owner[0],
            message_id=owner[1],
        )


def _short(error: BaseException) -> str:
    return quote(str(error).encode("utf-8", "replace"))
