"""Keeping count of records and messages while an upload runs.

Counts only, plus the failures: memory does not grow with what went well. Everything here runs in
the thread that called :meth:`Client.upload` or :meth:`Client.send`, so it needs no locks.
"""

from __future__ import annotations

from typing import Callable, Optional

import attrs

from ._outcome import Outcome
from ._reports import MessageResult, RecordFailure, SendReport, UploadReport

ProgressCallback = Callable[[int, int], None]
"""Called as ``progress(records_done, records_failed)`` after each batch is settled."""

FailureCallback = Callable[[RecordFailure], None]
MessageCallback = Callable[[MessageResult], None]


class RecordTally:
    """Counts for :class:`UploadReport`, fed as batches are settled."""

    def __init__(
        self,
        *,
        keep_failures: bool = True,
        on_failure: Optional[FailureCallback] = None,
        progress: Optional[ProgressCallback] = None,
        messages: Optional[MessageTracker] = None,
    ) -> None:
        self.records = 0
        self.processed = 0
        self.failed = 0
        self.requests = 0
        self.retries = 0
        self._failures: list[RecordFailure] = []
        self._keep_failures = keep_failures
        self._on_failure = on_failure
        self._progress = progress
        self._messages = messages

    def accepted(self, owners: Optional[list[tuple[int, Optional[str]]]], count: int) -> None:
        """``count`` records were accepted; ``owners`` are their messages, for ``send``."""
        self.processed += count
        if self._messages is not None and owners is not None:
            for owner in owners:
                self._messages.record_settled(owner[0], None)

    def failure(self, failure: RecordFailure) -> None:
        """A record was not accepted."""
        self.failed += 1
        if self._keep_failures:
            self._failures.append(failure)
        if self._on_failure is not None:
            self._on_failure(failure)
        if self._messages is not None and failure.message_index is not None:
            self._messages.record_settled(failure.message_index, failure)

    def report_progress(self) -> None:
        """Tell the caller's progress callback where things stand."""
        if self._progress is not None:
            self._progress(self.processed + self.failed, self.failed)

    def report(self) -> UploadReport:
        """The report as things stand."""
        return UploadReport(
            records=self.records,
            processed=self.processed,
            failed=self.failed,
            failures=tuple(sorted(self._failures, key=_by_position)),
            requests=self.requests,
            retries=self.retries,
        )


@attrs.define
class _Pending:
    """A message some of whose records are still on their way."""

    message_id: Optional[str]
    records: int
    remaining: int
    warnings: tuple[str, ...]
    failures: list[RecordFailure] = attrs.Factory(list)


class MessageTracker:
    """Counts for :class:`SendReport`: settles each message once all its records are settled."""

    def __init__(
        self, *, keep_failures: bool = True, on_message: Optional[MessageCallback] = None
    ) -> None:
        self.messages = 0
        self.skipped = 0
        self.rejected = 0
        self.delivered = 0
        self.failed = 0
        self.warned = 0
        self._failures: list[MessageResult] = []
        self._keep_failures = keep_failures
        self._on_message = on_message
        self._pending: dict[int, _Pending] = {}

    def translated(self, outcome: Outcome) -> None:
        """A message was translated (or not); its records, if any, are about to be uploaded."""
        self.messages += 1
        if outcome.warnings:
            self.warned += 1
        if outcome.error is not None:
            self.rejected += 1
            self._settle(
                MessageResult(
                    index=outcome.index,
                    message_id=outcome.message_id,
                    status="rejected",
                    stage="translate",
                    error=str(outcome.error),
                    error_type=type(outcome.error).__name__,
                    warnings=outcome.warnings,
                )
            )
        elif outcome.skipped is not None:
            self.skipped += 1
            if self._on_message is not None:
                self._on_message(
                    MessageResult(
                        index=outcome.index,
                        message_id=outcome.message_id,
                        status="skipped",
                        error=outcome.skipped,
                        warnings=outcome.warnings,
                    )
                )
        elif not outcome.records:
            self.delivered += 1
            self._delivered(outcome.index, outcome.message_id, 0, outcome.warnings)
        else:
            count = len(outcome.records)
            self._pending[outcome.index] = _Pending(
                outcome.message_id, count, count, outcome.warnings
            )

    def record_settled(self, index: int, failure: Optional[RecordFailure]) -> None:
        """One record of message ``index`` was accepted (``failure`` is ``None``) or failed."""
        pending = self._pending[index]
        pending.remaining -= 1
        if failure is not None:
            pending.failures.append(failure)
        if pending.remaining == 0:
            del self._pending[index]
            self._finish(index, pending, None)

    def abandon(self, reason: str) -> None:
        """Settle every message still waiting for records as failed: they will not be sent."""
        for index in sorted(self._pending):
            self._finish(index, self._pending[index], f"not sent: {reason}")
        self._pending.clear()

    def _finish(self, index: int, pending: _Pending, abandoned: Optional[str]) -> None:
        if not pending.failures and abandoned is None:
            self.delivered += 1
            self._delivered(index, pending.message_id, pending.records, pending.warnings)
            return
        self.failed += 1
        failures = tuple(sorted(pending.failures, key=_by_position))
        first = failures[0] if failures else None
        self._settle(
            MessageResult(
                index=index,
                message_id=pending.message_id,
                status="failed",
                stage="deliver",
                code=first.code if first else None,
                error=first.error if first else abandoned,
                retryable=abandoned is not None or any(f.retryable for f in failures),
                records=pending.records,
                failures=failures,
                warnings=pending.warnings,
            )
        )

    def _delivered(
        self, index: int, message_id: Optional[str], records: int, warnings: tuple[str, ...]
    ) -> None:
        if self._on_message is not None:
            self._on_message(
                MessageResult(
                    index=index,
                    message_id=message_id,
                    status="delivered",
                    records=records,
                    warnings=warnings,
                )
            )

    def _settle(self, result: MessageResult) -> None:
        if self._keep_failures:
            self._failures.append(result)
        if self._on_message is not None:
            self._on_message(result)

    def report(self, upload: UploadReport) -> SendReport:
        """The report as things stand."""
        return SendReport(
            messages=self.messages,
            skipped=self.skipped,
            rejected=self.rejected,
            delivered=self.delivered,
            failed=self.failed,
            warned=self.warned,
            failures=tuple(sorted(self._failures, key=_by_index)),
            upload=upload,
        )


def _by_position(failure: RecordFailure) -> int:
    return failure.position


def _by_index(result: MessageResult) -> int:
    return result.index
