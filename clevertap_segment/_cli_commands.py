"""The two commands, ``translate`` and ``send``, once their settings are checked.

Each reads its inputs as a stream, counts every item exactly once, writes every item that did not
make it to the rejects file, and returns the exit status. A first SIGINT or SIGTERM stops them at
the next message, with every message read accounted for (see ``_cli_signals.py``).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any, Optional, Union

from ._cli_output import RecordLines, UploadBodies, open_output
from ._cli_report import Tally
from ._cli_run import Run, quiet_broken_pipe
from ._cli_settings import CommonSettings, SendSettings, UsageError
from ._cli_signals import Interrupted
from ._exceptions import AuthenticationError
from ._retry import RetryPolicy
from ._translate import message_id_of, translate_many

if TYPE_CHECKING:
    from ._client import Client
    from ._reports import MessageResult, SendReport


# -- translate ------------------------------------------------------------------------------


def run_translate(
    common: CommonSettings, *, output: str, output_format: str, batch_size: int
) -> int:
    """``clevertap-segment translate``: records (or request bodies) to ``output``.

    Raises:
        UsageError: The output cannot be created.
    """
    try:
        stream = open_output(output)
    except OSError as error:
        msg = f"cannot write output {output!r}: {error.strerror or error}"
        raise UsageError(msg) from None
    run = Run("translate", common)
    writer: Union[RecordLines, UploadBodies]
    if output_format == "upload":
        writer = UploadBodies(
            stream, common.codec, max_records=batch_size, critical=run.guard.critical
        )
    else:
        writer = RecordLines(stream, common.codec, critical=run.guard.critical)
    crash: Optional[Exception] = None
    try:
        with run.guard:
            try:
                _translate_all(run, writer)
            except KeyboardInterrupt as interrupt:
                run.interrupted(interrupt)
            except OSError:  # an output cannot be written (a closed pipe, a full disk): no bug
                raise
            except Exception as error:  # a bug: keep what was done, then show it  # noqa: BLE001
                run.crashed(error)
                crash = error
                _reject_crashed(run)
            writer.flush()
            run.tally.records = writer.records
            if output != "-":
                with run.guard.critical():
                    stream.close()
    except BrokenPipeError:
        run.finish(show_summary=False)
        return quiet_broken_pipe()
    status = run.finish()
    if crash is not None:
        raise crash
    return status


def _translate_all(run: Run, writer: Union[RecordLines, UploadBodies]) -> None:
    tally = run.tally
    reader = run.reader
    progress = run.progress
    guard = run.guard
    write = writer.write
    for outcome in translate_many(reader, run.common.options):
        tally.messages += 1
        records = outcome.records
        if records:
            problem = write(records)
            if problem is None:
                tally.done += 1
            else:
                run.reject(
                    outcome.index,
                    reader.current,
                    reader.source(),
                    message_id=outcome.message_id,
                    stage="translate",
                    reason="RecordTooLarge",
                    error=problem,
                    error_type="RecordTooLarge",
                )
        elif outcome.error is not None:
            error = outcome.error
            run.reject(
                outcome.index,
                reader.current,
                reader.source(),
                message_id=outcome.message_id,
                stage="translate",
                reason=type(error).__name__,
                error=str(error),
                error_type=type(error).__name__,
            )
        elif outcome.skipped is not None:
            tally.skipped[outcome.skipped] += 1
        else:
            tally.done += 1
        if outcome.warnings:
            run.warn(outcome.index, outcome.message_id, outcome.warnings, reader.source())
        if not tally.messages & 255:
            tally.records = writer.records
            progress.update()
        if guard.requested is not None:  # a safe point: this message is fully accounted for
            raise Interrupted(guard.requested)


def _reject_crashed(run: Run) -> None:
    """Put the message being translated when the run crashed in the rejects file."""
    reader = run.reader
    run.tally.messages += 1
    run.reject(
        run.tally.messages - 1,
        reader.current,
        reader.source(),
        message_id=message_id_of(reader.current),
        stage="translate",
        reason="InternalError",
        error=f"internal error: {run.tally.crash}",
        error_type="InternalError",
    )


# -- send -----------------------------------------------------------------------------------


def run_send(common: CommonSettings, settings: SendSettings) -> int:
    """``clevertap-segment send``: translate and deliver, reporting on every message.

    Raises:
        UsageError: The ``http`` extra is missing or a client setting is refused.
    """
    client = _make_client(settings)
    run = Run("send", common, dry_run=settings.dry_run)
    deliveries = _Deliveries(run)
    report: Optional[SendReport] = None
    crash: Optional[Exception] = None
    with run.guard, run.logging_to_display(), client:
        try:
            report = client.send(
                deliveries.messages(),
                common.options,
                progress=deliveries.on_progress,
                on_message=deliveries.on_message,
                keep_failures=False,
            )
        except AuthenticationError as error:
            run.tally.error = str(error)
            report = error.report
            run.stopped()
        except KeyboardInterrupt as interrupt:
            run.interrupted(interrupt)
        except OSError:  # an output cannot be written (a closed pipe, a full disk): no bug
            raise
        except Exception as error:  # a bug: keep what was done, then show it  # noqa: BLE001
            run.crashed(error)
            crash = error
        with run.guard.critical():
            deliveries.settle_leftovers()
    _count_records(run.tally, report)
    status = run.finish()  # EXIT_AUTH after an authentication error (unless interrupted)
    if run.tally.error is not None:
        run.stderr.write(f"clevertap-segment: error: {run.tally.error}\n")
    if crash is not None:
        raise crash
    return status


class _Deliveries:
    """What ``send`` hands the sender, and what it hears back about each message."""

    def __init__(self, run: Run) -> None:
        self.run = run
        # Messages read and not yet settled, by index: what a failure's reject line needs (the
        # original message and where it came from). Bounded by the messages in flight.
        self.pending: dict[int, tuple[Any, str, int, Optional[int]]] = {}

    def messages(self) -> Iterator[Any]:
        """The input, each message remembered until the sender settles it."""
        run, pending, tally, reader = self.run, self.pending, self.run.tally, self.run.reader
        for index, item in enumerate(reader):
            pending[index] = (item, reader.file, reader.line, reader.batch_index)
            tally.messages = index + 1
            if run.guard.requested is not None:
                # A safe point: the sender reports on every message it was given before it
                # re-raises, and this last one read is reported as not sent.
                raise Interrupted(run.guard.requested)
            if not index & 255:
                run.progress.update()
            yield item

    def on_message(self, result: MessageResult) -> None:
        """Count a settled message; write it to the rejects file if it did not make it."""
        # Every index is there; the default only keeps a bookkeeping slip from stopping a run.
        item, file, line, batch_index = self.pending.pop(result.index, (None, "", 0, None))
        tally = self.run.tally
        tally.records += result.records
        if result.status == "delivered":
            tally.done += 1
        elif result.status == "skipped":
            tally.skipped[result.error or "skipped"] += 1
        else:
            _reject_result(self.run, result, item, _source(file, line, batch_index))
        if result.warnings:
            source = _source(file, line, batch_index)
            self.run.warn(result.index, result.message_id, result.warnings, source)

    def on_progress(self, settled: int, failed: int) -> None:
        """The sender's progress: records settled, and how many of them failed."""
        self.run.tally.settled = settled
        self.run.tally.records_failed = failed
        self.run.progress.update()

    def settle_leftovers(self) -> None:
        """Report messages read whose fate the sender could not tell: the run stopped under them."""
        run = self.run
        if run.tally.interrupted is not None:
            reason = "not sent: the run was interrupted"
        elif run.tally.crash is not None:
            reason = "not sent: the run stopped on an internal error"
        else:
            reason = "not sent: the upload stopped"
        for index in sorted(self.pending):
            item, file, line, batch_index = self.pending[index]
            run.reject(
                index,
                item,
                _source(file, line, batch_index),
                message_id=message_id_of(item),
                stage="deliver",
                reason="not sent",
                error=reason,
                retryable=True,
            )
        self.pending.clear()


def _count_records(tally: Tally, report: Optional[SendReport]) -> None:
    """Take the record counts from the sender's report, when there is one."""
    if report is not None:
        tally.records = report.upload.records
        tally.settled = report.upload.processed + report.upload.failed
        tally.records_failed = report.upload.failed
        tally.requests = report.upload.requests
        tally.retries = report.upload.retries
        tally.requests_known = True


def _reject_result(run: Run, result: MessageResult, item: Any, source: dict[str, Any]) -> None:
    if result.stage == "translate":
        error_type = result.error_type or "TranslationError"
        run.reject(
            result.index,
            item,
            source,
            message_id=result.message_id,
            stage="translate",
            reason=error_type,
            error=result.error,
            error_type=error_type,
        )
        return
    first = result.failures[0] if result.failures else None
    http_status = first.http_status if first is not None else None
    run.reject(
        result.index,
        item,
        source,
        message_id=result.message_id,
        stage="deliver",
        reason=_delivery_reason(result.code, http_status, result.error),
        error=result.error,
        code=result.code,
        status=http_status,
        retryable=result.retryable,
    )


def _delivery_reason(code: Optional[int], http_status: Optional[int], error: Optional[str]) -> str:
    """How delivery failures are grouped in the summary."""
    if code is not None:
        return f"code {code}"
    if http_status is not None:
        return f"HTTP {http_status}"
    if error is not None and error.startswith("not sent"):
        return "not sent"
    return "no answer"


def _source(file: str, line: int, batch_index: Optional[int]) -> dict[str, Any]:
    where: dict[str, Any] = {"file": file, "line": line}
    if batch_index is not None:
        where["batchIndex"] = batch_index
    return where


def _make_client(settings: SendSettings) -> Client:
    try:
        from ._client import Client  # noqa: PLC0415 - needs the http extra: only for send
    except ImportError as error:  # MissingDependencyError names the extra to install
        raise UsageError(str(error)) from None
    try:
        retry = RetryPolicy(
            max_attempts=settings.max_attempts,
            initial=settings.retry_initial_wait,
            max_wait=max(30.0, settings.retry_initial_wait),
            deadline=settings.retry_deadline,
        )
        return Client(
            account_id=settings.account_id,
            passcode=settings.passcode,
            region=settings.region,
            endpoint=settings.endpoint,
            timeout=settings.timeout,
            max_concurrency=settings.concurrency,
            max_batch_records=settings.batch_size,
            retry=retry,
            dry_run=settings.dry_run,
        )
    except (TypeError, ValueError) as error:
        raise UsageError(str(error)) from None
