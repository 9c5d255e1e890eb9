"""Reading the input, batching it, and keeping a bounded number of batches in flight.

Runs in the thread that called the client: it reads the input lazily, hands sealed batches to the
worker threads, and counts each settled batch into the tally, so the counting needs no locks.
Every record read ends up accepted or as a :class:`RecordFailure`, also when the run is stopped
(authentication refused) or interrupted (Ctrl-C, an exception from the input or a callback).
"""

from __future__ import annotations

from collections.abc import Iterable
from concurrent.futures import ALL_COMPLETED, FIRST_COMPLETED, Executor, Future, wait
from typing import Any, Callable, Optional

from ._batching import Batch, Batcher, Owner
from ._delivery import BatchResult, Run
from ._reports import RecordFailure
from ._tally import RecordTally

Check = Callable[[Any], Optional[str]]
"""Why an item cannot be sent at all, or ``None``."""


class Pipeline:
    """One upload: batches ``items`` and sends them, at most ``max_concurrency`` at a time.

    With ``max_concurrency=1`` batches are sent from the calling thread itself: handing each to a
    worker thread and back would only add two thread wake-ups per request.

    Args:
        executor: Runs ``deliver`` for each batch; ``None`` with ``max_concurrency=1``.
        deliver: Sends one batch until it is settled (see :class:`Deliverer`).
        run: Shared with ``deliver``: how a stop is signalled.
        tally: Where settled records are counted.
        batcher: Cuts the input into batches.
        max_concurrency: Batches handed to workers at once, at most.
        wake: Wakes workers waiting for room to send, once the run is stopped.
    """

    def __init__(
        self,
        *,
        executor: Optional[Executor],
        deliver: Callable[[Batch], BatchResult],
        run: Run,
        tally: RecordTally,
        batcher: Batcher,
        max_concurrency: int,
        wake: Callable[[], None],
    ) -> None:
        self._executor = executor
        self._deliver = deliver
        self._run = run
        self._tally = tally
        self._batcher = batcher
        self._max_concurrency = max_concurrency
        self._wake = wake
        self._in_flight: dict[Future[BatchResult], Batch] = {}
        self._waiting: list[Batch] = []  # sealed, not yet handed to a worker
        self._sending: Optional[Batch] = None  # being sent from this thread

    def feed(self, items: Iterable[tuple[Any, Optional[Owner]]], check: Check) -> None:
        """Send every item, or as many as the run allows; return once all are settled."""
        tally, batcher, run = self._tally, self._batcher, self._run
        position = -1
        try:
            for position, (record, owner) in enumerate(items):
                error = check(record)
                if error is not None:
                    tally.failure(never_sent(record, position, owner, error, retryable=False))
                    continue
                closed = batcher.add(record, position, owner)
                if closed is not None:
                    self._dispatch(closed)
                    if run.stopped:
                        break
            tally.records = position + 1
            last = batcher.flush()
            if last is not None:
                self._dispatch(last)
            self._settle(ALL_COMPLETED)
        except BaseException:
            # Let the requests in flight finish, so that the report says what became of them,
            # and account for what was read but not sent; then re-raise.
            tally.records = position + 1
            run.stop("the upload was interrupted")
            self._wake()
            self._settle(ALL_COMPLETED, report_progress=False)
            if self._sending is not None:
                self._interrupted_while_sending(self._sending)
            last = batcher.flush()
            for unsent in [*self._waiting, *([last] if last is not None else [])]:
                self._not_sent(unsent)
            self._waiting.clear()
            tally.report_progress()
            raise

    def _dispatch(self, batch: Batch) -> None:
        ready, unsendable = self._batcher.seal(batch)
        self._waiting.extend(ready)
        for item in unsendable:
            failure = never_sent(
                item.record, item.position, item.owner, item.error, retryable=False
            )
            self._tally.failure(failure)
        while self._waiting:
            if self._run.stopped:
                for unsent in self._waiting:
                    self._not_sent(unsent)
                self._waiting.clear()
                return
            ready_batch = self._waiting.pop(0)
            if self._executor is None:
                self._sending = ready_batch
                result = self._deliver(ready_batch)
                self._sending = None
                self._count(ready_batch, result)
                self._tally.report_progress()
                continue
            self._in_flight[self._executor.submit(self._deliver, ready_batch)] = ready_batch
            # Read on only once a request slot is free: memory holds just the batches in flight,
            # and serialising the next batch does not compete for the GIL with workers reading
            # answers while every slot is busy.
            while len(self._in_flight) >= self._max_concurrency and not self._run.stopped:
                self._settle(FIRST_COMPLETED)

    def _settle(self, return_when: str, *, report_progress: bool = True) -> None:
        """Wait for batches in flight to settle and count them."""
        if not self._in_flight:
            return
        done, _ = wait(self._in_flight, return_when=return_when)
        # Settle in submission order so that callbacks see a stable order.
        for future in [future for future in self._in_flight if future in done]:
            batch = self._in_flight.pop(future)
            self._count(batch, future.result())
            if report_progress:
                self._tally.report_progress()

    def _count(self, batch: Batch, result: BatchResult) -> None:
        tally = self._tally
        tally.requests += result.requests
        tally.retries += result.retries
        owners = batch.owners
        tally.accepted(
            None if owners is None else [owners[index] for index in result.accepted],
            len(result.accepted),
        )
        for failure in result.failures:
            tally.failure(failure)

    def _interrupted_while_sending(self, batch: Batch) -> None:
        # Its request may have reached CleverTap: say so, rather than "not sent".
        owners = batch.owners
        error = "interrupted while being sent: CleverTap may have stored it"
        for index, record in enumerate(batch.records):
            owner = owners[index] if owners is not None else None
            failure = never_sent(record, batch.positions[index], owner, error, retryable=True)
            self._tally.failure(failure)

    def _not_sent(self, batch: Batch) -> None:
        owners = batch.owners
        error = f"not sent: {self._run.reason}"
        for index, record in enumerate(batch.records):
            owner = owners[index] if owners is not None else None
            failure = never_sent(record, batch.positions[index], owner, error, retryable=True)
            self._tally.failure(failure)


def never_sent(
    record: Any, position: int, owner: Optional[Owner], error: str, *, retryable: bool
) -> RecordFailure:
    """A failure for a record that never reached CleverTap."""
    return RecordFailure(
        record=record,
        position=position,
        error=error,
        retryable=retryable,
        message_index=owner[0] if owner is not None else None,
        message_id=owner[1] if owner is not None else None,
    )
