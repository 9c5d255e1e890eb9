"""The sender: delivers CleverTap records, accounting for every one of them.

Needs the ``http`` extra (``pip install 'clevertap-segment[http]'``) for :mod:`requests`.

The calling thread reads the input lazily, cuts it into batches and keeps the counts (see
``_pipeline.py``); up to ``max_concurrency`` worker threads (or, for one, the calling thread
itself) send batches, each until it is settled (see ``_delivery.py``). Only the batches in flight
are held in memory.
"""

from __future__ import annotations

import functools
import math
import threading
import time
from collections.abc import Generator, Iterable
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING, Any, Callable, Optional

from ._exceptions import AuthenticationError, MissingDependencyError

try:
    import requests
except ImportError as error:  # pragma: no cover - exercised in a test that hides requests
    raise MissingDependencyError("Client", "http", "requests") from error

from . import __version__
from ._batching import (
    DEFAULT_MAX_BYTES,
    MAX_DELETE_IDS,
    MAX_RECORDS,
    MAX_TOKEN_RECORDS,
    Batcher,
    Owner,
    check_identifier,
    check_record,
)
from ._concurrency import MAX_CONCURRENCY, AdaptiveLimit
from ._delivery import Deliverer, Run
from ._options import TranslationOptions
from ._pipeline import Check, Pipeline
from ._regions import DEFAULT_REGION, base_url, normalise_region
from ._reports import SendReport, UploadReport
from ._retry import RetryPolicy
from ._tally import (
    FailureCallback,
    MessageCallback,
    MessageTracker,
    ProgressCallback,
    RecordTally,
)
from ._translate import translate_many

if TYPE_CHECKING:
    # Type checkers only: typing.Self needs Python 3.11, and typing_extensions is no dependency.
    from typing_extensions import Self

UPLOAD_PATH = "/1/upload"
DELETE_PATH = "/1/delete/profiles.json"
USER_AGENT = f"clevertap-segment/{__version__} python-requests/{requests.__version__}"


class _Secret:
    """A string that does not show itself in ``repr``, tracebacks with locals, or logs."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value

    def reveal(self) -> str:
        return self._value

    def __repr__(self) -> str:
        return "'***'"

    __str__ = __repr__


class Client:
    """Delivers records to CleverTap's Upload API, and Segment messages by translating them first.

    Every record handed to the client is either accepted by CleverTap or handed back in the report
    with the reason; nothing is dropped silently and nothing is retried forever. Only an
    :class:`AuthenticationError` (wrong account, passcode or region) raises: other failures are in
    the report.

    Args:
        account_id: The CleverTap account ID.
        passcode: The account passcode. It never appears in ``repr``, logs or errors.
        region: ``eu1`` (the default), ``in1``, ``sg1``, ``us1``, ``aps3``, ``mec1`` or ``sk1``,
            in any of the forms Segment stores (``"in1."``, ``"IN1"``, ``"in"``).
        endpoint: A base URL replacing the region's (a proxy, a test server such as
            :class:`clevertap_segment.testing.FakeCleverTap`). ``https://`` unless on a loopback
            host.
        session: A :class:`requests.Session` to send with, shared by the worker threads (for
            proxies or client certificates). It stays open when the client closes. By default
            each worker thread has a session of its own.
        timeout: Seconds to wait to connect, and between bytes of the answer.
        max_concurrency: Requests in flight at most (1 to 15, CleverTap's per-account limit).
        max_batch_records: Records per request at most (1 to 1000; token records are also limited
            to 100 per request).
        max_batch_bytes: Bytes per request body at most; a record larger than this on its own
            fails. CleverTap documents no limit; the default is 4 MiB.
        retry: When to send a failing batch again.
        dry_run: Ask CleverTap to validate without storing (``?dryRun=1``).
        sleep: Replaces the wait between retries (tests pass ``lambda seconds: None``). By default
            the client waits, cutting the wait short when an upload stops.
        clock: A monotonic clock in seconds, for the retry deadline.

    Raises:
        ValueError: A setting is out of range; an unknown region names the valid ones.

    Example:
        >>> with Client(account_id="ACC", passcode="…", region="in1") as client:  # doctest: +SKIP
        ...     report = client.upload([{"type": "event", "identity": "u-1", "evtName": "Hi"}])
    """

    def __init__(
        self,
        *,
        account_id: str,
        passcode: str,
        region: str = DEFAULT_REGION,
        endpoint: Optional[str] = None,
        session: Optional[requests.Session] = None,
        timeout: float = 30.0,
        max_concurrency: int = 3,
        max_batch_records: int = MAX_RECORDS,
        max_batch_bytes: int = DEFAULT_MAX_BYTES,
        retry: Optional[RetryPolicy] = None,
        dry_run: bool = False,
        sleep: Optional[Callable[[float], None]] = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        _require_text("account_id", account_id)
        _require_text("passcode", passcode)
        _require_int("max_concurrency", max_concurrency, 1, MAX_CONCURRENCY)
        _require_int("max_batch_records", max_batch_records, 1, MAX_RECORDS)
        _require_int("max_batch_bytes", max_batch_bytes, 1024, 2**31)
        if isinstance(timeout, bool) or not isinstance(timeout, (int, float)):
            msg = f"timeout must be a number of seconds, not {type(timeout).__name__}"
            raise TypeError(msg)
        if not math.isfinite(timeout) or timeout <= 0:
            msg = f"timeout must be a positive number of seconds, not {timeout!r}"
            raise ValueError(msg)
        if retry is not None and not isinstance(retry, RetryPolicy):
            msg = f"retry must be a RetryPolicy, not {type(retry).__name__}"
            raise TypeError(msg)
        if session is not None and session.verify is False:
            msg = "the session turns TLS verification off; the sender will not use it"
            raise ValueError(msg)
        self.account_id = account_id
        self.region = normalise_region(region)
        self.base_url = base_url(self.region, endpoint)
        self.timeout = float(timeout)
        self.max_concurrency = max_concurrency
        self.max_batch_records = max_batch_records
        self.max_batch_bytes = max_batch_bytes
        self.retry = RetryPolicy() if retry is None else retry
        self.dry_run = bool(dry_run)
        self._passcode = _Secret(passcode)
        self._user_session = session
        self._sleep = sleep
        self._clock = clock
        self._limit = AdaptiveLimit(max_concurrency)
        self._lock = threading.Lock()
        self._local = threading.local()
        self._sessions: list[requests.Session] = []
        self._executor: Optional[ThreadPoolExecutor] = None
        self._closed = False

    def __repr__(self) -> str:
        return (
            f"Client(account_id={self.account_id!r}, region={self.region!r}, "
            f"base_url={self.base_url!r}, max_concurrency={self.max_concurrency}, "
            f"dry_run={self.dry_run})"
        )

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    @property
    def closed(self) -> bool:
        """Whether :meth:`close` was called."""
        return self._closed

    @property
    def max_in_flight(self) -> int:
        """The most requests this client has had in flight at once."""
        return self._limit.peak

    def close(self) -> None:
        """Stop the worker threads and close the sessions the client opened. Idempotent."""
        with self._lock:
            self._closed = True
            executor, self._executor = self._executor, None
            sessions, self._sessions = self._sessions, []
        if executor is not None:
            executor.shutdown(wait=True)
        for session in sessions:
            session.close()

    def upload(
        self,
        records: Iterable[Any],
        *,
        progress: Optional[ProgressCallback] = None,
        on_failure: Optional[FailureCallback] = None,
        keep_failures: bool = True,
    ) -> UploadReport:
        """Send CleverTap records; report what was accepted and what was not, and why.

        The input is read lazily, so any number of records can be sent in flat memory.

        Args:
            records: CleverTap records (dicts with ``type``, an identity, ...), any iterable.
            progress: Called as ``progress(records_done, records_failed)`` after each batch.
            on_failure: Called with each :class:`RecordFailure` as it happens.
            keep_failures: Keep failures in the report; turn off for huge inputs that stream
                them through ``on_failure`` instead.

        Raises:
            AuthenticationError: CleverTap refused the credentials; ``error.report`` holds the
                report so far, and no more input is read.
        """
        tally = RecordTally(keep_failures=keep_failures, on_failure=on_failure, progress=progress)
        items = ((record, None) for record in records)
        run = self._run(items, tally, UPLOAD_PATH, self._upload_batcher(track_owners=False))
        report = tally.report()
        self._raise_for_auth(run, report)
        return report

    def send(
        self,
        messages: Iterable[Any],
        options: Optional[TranslationOptions] = None,
        *,
        progress: Optional[ProgressCallback] = None,
        on_message: Optional[MessageCallback] = None,
        keep_failures: bool = True,
    ) -> SendReport:
        """Translate Segment messages and send their records; report on every message.

        Each message is counted once, as skipped, rejected (translation failed), delivered (all
        its records accepted) or failed (some record was not). Memory stays flat: messages that
        went well are only counted.

        Args:
            messages: Segment messages, any iterable (read lazily).
            options: How to translate; the defaults follow Segment's CleverTap destination.
            progress: Called as ``progress(records_done, records_failed)`` after each batch.
            on_message: Called with the :class:`MessageResult` of every message once it is
                settled, in the order they settle (not necessarily input order).
            keep_failures: Keep rejected and failed messages in the report.

        Raises:
            AuthenticationError: CleverTap refused the credentials; ``error.report`` holds the
                :class:`SendReport` so far, and no more input is read.
        """
        tracker = MessageTracker(keep_failures=keep_failures, on_message=on_message)
        tally = RecordTally(keep_failures=keep_failures, progress=progress, messages=tracker)

        def records() -> Generator[tuple[Any, Optional[Owner]], None, None]:
            for outcome in translate_many(messages, options):
                tracker.translated(outcome)
                owner = (outcome.index, outcome.message_id)
                for record in outcome.records:
                    yield record, owner

        items = records()
        try:
            run = self._run(items, tally, UPLOAD_PATH, self._upload_batcher(track_owners=True))
        except BaseException:
            tracker.abandon("the upload was interrupted")
            raise
        finally:
            items.close()
        if run.stopped:
            tracker.abandon(run.reason)
        report = tracker.report(tally.report())
        self._raise_for_auth(run, report)
        return report

    def delete_profiles(
        self,
        *,
        identities: Optional[Iterable[str]] = None,
        object_ids: Optional[Iterable[str]] = None,
        progress: Optional[ProgressCallback] = None,
    ) -> UploadReport:
        """Delete user profiles, by identity or by CleverTap ID, 100 per request.

        Args:
            identities: Identities (the app's user IDs, emails or phones) of the profiles.
            object_ids: CleverTap IDs of the profiles. Give exactly one of the two.
            progress: Called as ``progress(done, failed)`` after each request.

        Returns:
            A report whose ``records`` are the identifiers; a failure's ``record`` is the
            identifier.

        Raises:
            ValueError: Neither or both of ``identities`` and ``object_ids`` were given, or the
                client is in dry-run mode (CleverTap documents no dry run for deletions, so
                nothing is sent rather than risk deleting for real).
            AuthenticationError: CleverTap refused the credentials.
        """
        if (identities is None) == (object_ids is None):
            msg = "give exactly one of identities= and object_ids="
            raise ValueError(msg)
        if self.dry_run:
            msg = "delete_profiles is not available in dry-run mode: CleverTap has no dry delete"
            raise ValueError(msg)
        key, values = ("identity", identities) if identities is not None else ("guid", object_ids)
        batcher = Batcher(
            key=key,
            max_records=MAX_DELETE_IDS,
            max_token_records=MAX_DELETE_IDS,
            max_bytes=self.max_batch_bytes,
        )
        tally = RecordTally(progress=progress)
        items = ((value, None) for value in values or ())
        run = self._run(items, tally, DELETE_PATH, batcher, check=check_identifier)
        report = tally.report()
        self._raise_for_auth(run, report)
        return report

    # -- plumbing ----------------------------------------------------------------------------

    def _upload_batcher(self, *, track_owners: bool) -> Batcher:
        return Batcher(
            max_records=self.max_batch_records,
            max_token_records=MAX_TOKEN_RECORDS,
            max_bytes=self.max_batch_bytes,
            track_owners=track_owners,
        )

    def _run(
        self,
        items: Iterable[tuple[Any, Optional[Owner]]],
        tally: RecordTally,
        path: str,
        batcher: Batcher,
        *,
        check: Check = check_record,
    ) -> Run:
        """Batch ``items`` and send the batches, settling each into ``tally``."""
        self._check_open()
        run = Run(self._sleep)
        pipeline = Pipeline(
            executor=None if self.max_concurrency == 1 else self._get_executor(),
            deliver=functools.partial(self._deliverer(path).deliver, path=path, run=run),
            run=run,
            tally=tally,
            batcher=batcher,
            max_concurrency=self.max_concurrency,
            wake=self._limit.wake,
        )
        pipeline.feed(items, check)
        return run

    def _raise_for_auth(self, run: Run, report: Any) -> None:
        if run.auth_failure is None:
            return
        status, error = run.auth_failure
        msg = (
            f"CleverTap refused the credentials ({error}); check the account ID, passcode and "
            f"region (account {self.account_id!r} at {self.base_url})"
        )
        raise AuthenticationError(self._redact(msg), status_code=status, report=report)

    def _check_open(self) -> None:
        if self._closed:
            msg = "this Client is closed"
            raise RuntimeError(msg)

    def _get_executor(self) -> ThreadPoolExecutor:
        with self._lock:
            self._check_open()
            if self._executor is None:
                self._executor = ThreadPoolExecutor(
                    max_workers=self.max_concurrency, thread_name_prefix="clevertap-segment"
                )
            return self._executor

    def _deliverer(self, path: str) -> Deliverer:
        return Deliverer(
            base_url=self.base_url,
            headers=self._headers,
            session=self._session,
            timeout=self.timeout,
            params={"dryRun": "1"} if self.dry_run and path == UPLOAD_PATH else {},
            policy=self.retry,
            limit=self._limit,
            clock=self._clock,
            redact=self._redact,
        )

    def _session(self) -> requests.Session:
        """The session of the calling worker thread (sessions are not documented thread-safe)."""
        if self._user_session is not None:
            return self._user_session
        session: Optional[requests.Session] = getattr(self._local, "session", None)
        if session is None:
            session = requests.Session()
            self._local.session = session
            with self._lock:
                self._sessions.append(session)
        return session

    def _headers(self) -> dict[str, str]:
        return {
            "X-CleverTap-Account-Id": self.account_id,
            "X-CleverTap-Passcode": self._passcode.reveal(),
            "Content-Type": "application/json; charset=utf-8",
            "User-Agent": USER_AGENT,
        }

    def _redact(self, text: str) -> str:
        """Remove the passcode from a text bound for a log, an error or a report."""
        return text.replace(self._passcode.reveal(), "***")


def _require_text(name: str, value: Any) -> None:
    # Never echo the value: it may be the passcode.
    if not isinstance(value, str) or not value.strip():
        msg = f"{name} must be a non-empty string"
        raise ValueError(msg)


def _require_int(name: str, value: Any, low: int, high: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        msg = f"{name} must be an integer from {low} to {high}, not {value!r}"
        raise ValueError(msg)
