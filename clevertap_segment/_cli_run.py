"""What both commands set up and tear down: reader, tally, progress, rejects, summary."""

from __future__ import annotations

import contextlib
import logging
import os
import sys
from collections.abc import Iterator
from typing import Any, Optional, TextIO

from ._cli_input import InputProblem, MessageReader, input_size
from ._cli_output import LineFile, dumps_line, open_output
from ._cli_progress import Progress, make_progress
from ._cli_report import Tally
from ._cli_settings import CommonSettings, UsageError
from ._cli_signals import Interrupted, SignalGuard

#: Exit status when standard output is closed early (``| head``), as for a process ended by
#: SIGPIPE.
EXIT_BROKEN_PIPE = 128 + 13


class Run:
    """What both commands set up: reader, tally, progress, rejects and warnings files."""

    def __init__(self, command: str, common: CommonSettings, *, dry_run: bool = False) -> None:
        self.common = common
        self.reader = MessageReader(
            common.inputs, loads=common.codec.loads, from_rejects=common.from_rejects
        )
        self.tally = Tally(
            command, dry_run=dry_run, rejects=common.rejects, warnings=common.warnings
        )
        self.tally.inputs = len(common.inputs)
        self.stderr: TextIO = sys.stderr
        self.rejects = _line_file("--rejects", common.rejects)
        self.warnings = _line_file("--warnings", common.warnings)
        total = input_size(common.inputs)
        self.progress = make_progress(
            self.tally,
            self.stderr,
            quiet=common.quiet,
            interval=common.progress_interval,
            total_bytes=total,
            position=self.reader.position,
        )
        self.guard = SignalGuard(self.progress.write)

    def reject(
        self,
        index: int,
        item: Any,
        source: dict[str, Any],
        *,
        message_id: Optional[str] = None,
        stage: str,
        reason: str,
        error: Optional[str],
        error_type: Optional[str] = None,
        code: Optional[int] = None,
        status: Optional[int] = None,
        retryable: bool = False,
    ) -> None:
        """Count an item that did not make it and write its line to the rejects file."""
        if isinstance(item, InputProblem):
            self.tally.problem("parse", item.error_type)
            entry = _parse_reject(index, item, source)
        else:
            self.tally.problem(stage, reason)
            entry = {
                "index": index,
                "messageId": message_id,
                "stage": stage,
                "code": code,
                "status": status,
                "retryable": retryable,
                "error": error,
                "errorType": error_type,
                "source": source,
                "message": item,
                "line": None,
            }
        with self.guard.critical():
            self.rejects.write(entry)
        self.tally.rejects_written = self.rejects.lines

    def warn(
        self, index: int, message_id: Optional[str], warnings: tuple[str, ...], source: Any
    ) -> None:
        """Count a message translated with warnings, and write them to the warnings file."""
        self.tally.warned += 1
        entry = {
            "index": index,
            "messageId": message_id,
            "warnings": list(warnings),
            "source": source,
        }
        with self.guard.critical():
            self.warnings.write(entry)

    def interrupted(self, interrupt: KeyboardInterrupt) -> None:
        """Note which signal stopped the run, and where reading stopped."""
        name = interrupt.signal_name if isinstance(interrupt, Interrupted) else "SIGINT"
        self.tally.interrupted = name
        self.stopped()

    def note_late_signal(self) -> None:
        """A signal that came after the last message was read still makes the run interrupted."""
        if self.guard.requested is not None and self.tally.interrupted is None:
            self.interrupted(Interrupted(self.guard.requested))

    def crashed(self, error: Exception) -> None:
        """Note an unexpected exception (a bug) that stops the run, and where reading stopped."""
        self.tally.crash = f"{type(error).__name__}: {error}"
        self.stopped()

    def stopped(self) -> None:
        """Note where reading stopped, if it stopped before the end of the input."""
        if not self.reader.exhausted:
            self.tally.stopped_at = {"file": self.reader.file, "line": self.reader.line}

    @contextlib.contextmanager
    def logging_to_display(self) -> Iterator[None]:
        """Show the library's log messages (retries, …) on standard error, through the display."""
        logger = logging.getLogger("clevertap_segment")
        handler = _DisplayHandler(self.progress)
        previous = (logger.level, logger.propagate)
        if self.common.verbose:
            logger.setLevel(logging.DEBUG)
        elif self.common.quiet:
            logger.setLevel(logging.ERROR)
        else:
            logger.setLevel(logging.WARNING)
        logger.propagate = False
        logger.addHandler(handler)
        try:
            yield
        finally:
            logger.removeHandler(handler)
            logger.setLevel(previous[0])
            logger.propagate = previous[1]

    def finish(self, *, show_summary: bool = True) -> int:
        """Close the files, print the summary and return the exit status."""
        self.note_late_signal()
        self.tally.finish()
        self.rejects.close()
        self.warnings.close()
        if show_summary:
            self.progress.close()
        status = self.tally.status_with_interruption()
        path = self.common.summary_json
        if path is not None:
            with contextlib.closing(open_output(path)) as stream:
                stream.write(dumps_line(self.tally.to_dict()))
        if not show_summary:
            return status
        if not self.common.quiet:
            self.stderr.write("\n".join(self.tally.summary_lines()) + "\n")
        elif self.tally.problem_count() or self.tally.interrupted:
            # Quiet runs still say, in one line, that something did not make it.
            self.stderr.write(_quiet_line(self.tally) + "\n")
        hint = self.tally.missing_rejects_hint()
        if hint is not None:
            self.stderr.write(f"clevertap-segment: {hint}\n")
        self.stderr.flush()
        return status


class _DisplayHandler(logging.Handler):
    """Hands log records to the progress display, which keeps its bar intact."""

    def __init__(self, progress: Progress) -> None:
        super().__init__()
        self._progress = progress

    def emit(self, record: logging.LogRecord) -> None:
        try:
            text = record.getMessage()
        except (TypeError, ValueError):  # a malformed log call must not stop a delivery
            self.handleError(record)
            return
        self._progress.write(f"clevertap-segment: {record.levelname.lower()}: {text}")


def _line_file(option: str, path: Optional[str]) -> LineFile:
    try:
        return LineFile(path)
    except OSError as error:
        msg = f"{option}: cannot write {path!r}: {error.strerror or error}"
        raise UsageError(msg) from None


def _parse_reject(index: int, problem: InputProblem, source: dict[str, Any]) -> dict[str, Any]:
    if problem.carried is not None:
        # A parse reject read back from a rejects file: carried over as it was, pointing to the
        # line in its original input, under its index in this run.
        return {**problem.carried, "index": index}
    return {
        "index": index,
        "messageId": None,
        "stage": "parse",
        "code": None,
        "status": None,
        "retryable": False,
        "error": problem.error,
        "errorType": problem.error_type,
        "source": source,
        "message": None,
        "line": problem.line,
    }


def _quiet_line(tally: Tally) -> str:
    text = (
        f"clevertap-segment {tally.command}: {tally.problem_count():,} of "
        f"{tally.messages:,} messages did not make it"
    )
    if tally.rejects is not None:
        text += f" (see {tally.rejects})"
    if tally.interrupted is not None:
        text += f"; interrupted by {tally.interrupted}"
    return text


def quiet_broken_pipe() -> int:
    """Standard output was closed early: stop quietly, like a process ended by SIGPIPE."""
    # Python flushes standard output once more on exit; point it at /dev/null so that this final
    # flush does not complain about the closed pipe.
    with contextlib.suppress(OSError, ValueError):
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    return EXIT_BROKEN_PIPE
