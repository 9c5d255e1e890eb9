"""What became of every message in a command-line run: the counts, the summary, the exit status.

Every item read is counted exactly once: as translated or delivered, skipped (left out on purpose),
or as a problem at one of three stages: ``parse`` (the line is not a Segment message),
``translate`` (the message cannot become CleverTap records) or ``deliver`` (CleverTap did not
accept all of its records).
"""

from __future__ import annotations

import collections
import time
from typing import Any, Optional

#: Exit statuses.
EXIT_OK = 0
EXIT_PROBLEMS = 1
EXIT_USAGE = 2
EXIT_AUTH = 3

STAGES = ("parse", "translate", "deliver")
_STAGE_LABELS = {
    "parse": ("unreadable", "line", "lines", "not Segment messages"),
    "translate": ("rejected", "message", "messages", "at translation"),
    "deliver": ("failed", "message", "messages", "at delivery"),
}
_SUMMARY_KEYS = {"parse": "unreadable", "translate": "rejected", "deliver": "failed"}


def plural(count: int, one: str, many: str) -> str:
    """``"1 message"``, ``"2 messages"``, with thousands separators."""
    return f"{count:,} {one if count == 1 else many}"


class Tally:
    """The counts of one run, kept as it goes.

    Attributes:
        command: ``"translate"`` or ``"send"``.
        messages: Items read (Segment messages and lines that are not).
        records: Records written (``translate``) or handed to the sender (``send``).
        settled: Records the sender has settled, accepted or not (``send``).
        records_failed: Records CleverTap did not accept (``send``).
        done: Messages translated (``translate``) or delivered (``send``).
        skipped: Messages left out on purpose, by reason.
        warned: Messages translated with at least one warning.
        problems: Problems by stage, then by reason (an error type, ``code 513``, ``HTTP 400``…).
    """

    def __init__(
        self,
        command: str,
        *,
        dry_run: bool = False,
        rejects: Optional[str] = None,
        warnings: Optional[str] = None,
    ):
        self.command = command
        self.warnings = warnings
        self.dry_run = dry_run
        self.rejects = rejects
        self.rejects_written = 0
        self.started = time.monotonic()
        self.elapsed: Optional[float] = None
        self.inputs = 0
        self.messages = 0
        self.records = 0
        self.settled = 0
        self.records_failed = 0
        self.done = 0
        self.skipped: collections.Counter[str] = collections.Counter()
        self.warned = 0
        self.problems: dict[str, collections.Counter[str]] = {
            stage: collections.Counter() for stage in STAGES
        }
        self.requests = 0
        self.retries = 0
        #: Whether the sender's report said how many requests it made (not when interrupted).
        self.requests_known = False
        self.interrupted: Optional[str] = None
        self.stopped_at: Optional[dict[str, Any]] = None
        self.error: Optional[str] = None
        #: An unexpected exception that stopped the run (a bug), as text.
        self.crash: Optional[str] = None

    # -- counting -------------------------------------------------------------------------

    def problem(self, stage: str, reason: str) -> None:
        """One more message (or line) that did not make it, at ``stage``, for ``reason``."""
        self.problems[stage][reason] += 1

    def problem_count(self, stage: Optional[str] = None) -> int:
        """Items that did not make it, at ``stage`` or at any stage."""
        stages = STAGES if stage is None else (stage,)
        return sum(sum(self.problems[name].values()) for name in stages)

    def finish(self) -> None:
        """Stop the clock."""
        self.elapsed = time.monotonic() - self.started

    def seconds(self) -> float:
        """Seconds since the start (until :meth:`finish`)."""
        return self.elapsed if self.elapsed is not None else time.monotonic() - self.started

    def rate(self) -> float:
        """Messages read per second."""
        return self.messages / max(self.seconds(), 1e-9)

    def status(self) -> int:
        """The exit status: 0 when everything made it, 1 when something did not."""
        if self.error is not None:
            return EXIT_AUTH
        return EXIT_PROBLEMS if self.problem_count() else EXIT_OK

    # -- reporting ------------------------------------------------------------------------

    def progress_text(self, fraction: Optional[float] = None) -> str:
        """One line of counts for the progress display."""
        read = plural(self.messages, "message", "messages") + " read"
        if fraction is not None:
            read += f" ({fraction:.0%} of the input)"
        parts = [read]
        if self.command == "send":
            parts.append(
                f"{self.records:,} records sent, {self.settled - self.records_failed:,} accepted, "
                f"{self.records_failed:,} failed"
            )
        else:
            parts.append(f"{self.records:,} records written")
        problems = self.problem_count("parse") + self.problem_count("translate")
        parts.append(f"{problems:,} rejected")
        return ", ".join(parts) + f"; {self.rate():,.0f} messages/s"

    def summary_lines(self) -> list[str]:
        """The summary printed at the end, for people."""
        head = (
            f"clevertap-segment {self.command}: {plural(self.messages, 'message', 'messages')} "
            f"read from {plural(self.inputs, 'input', 'inputs')} in {self.seconds():.2f} s "
            f"({self.rate():,.0f} messages/s)"
        )
        lines = [head]
        if self.command == "send":
            verb = "validated" if self.dry_run else "delivered"
            note = " (dry run: CleverTap validated them and stored nothing)" if self.dry_run else ""
            accepted = self.settled - self.records_failed
            requests = ""
            if self.requests_known:
                requests = (
                    f" in {plural(self.requests, 'request', 'requests')} "
                    f"({plural(self.retries, 'retry', 'retries')})"
                )
            lines.append(
                f"  {verb:<11} {plural(self.done, 'message', 'messages')}: "
                f"{plural(accepted, 'record', 'records')} accepted{requests}{note}"
            )
        else:
            lines.append(
                f"  {'translated':<11} {plural(self.done, 'message', 'messages')} into "
                f"{plural(self.records, 'record', 'records')}"
            )
        skipped = sum(self.skipped.values())
        if skipped:
            reasons = "; ".join(self.skipped)
            lines.append(
                f"  {'skipped':<11} {plural(skipped, 'message', 'messages')}, on purpose: {reasons}"
            )
        if self.warned:
            where = f"in {self.warnings}" if self.warnings else "--warnings FILE lists them"
            lines.append(
                f"  {'warned':<11} {plural(self.warned, 'message', 'messages')} translated with "
                f"fields changed or left out ({where})"
            )
        for stage in STAGES:
            count = self.problem_count(stage)
            if count:
                label, one, many, where = _STAGE_LABELS[stage]
                reasons = ", ".join(
                    f"{number:,} {reason}" for reason, number in _by_count(self.problems[stage])
                )
                lines.append(f"  {label:<11} {plural(count, one, many)} {where}: {reasons}")
        if self.rejects is not None:
            lines.append(
                f"  {'rejects':<11} {plural(self.rejects_written, 'line', 'lines')} "
                f"written to {self.rejects}"
            )
        if self.interrupted is not None or self.error is not None or self.crash is not None:
            lines.append(self.stop_text())
        return lines

    def stop_text(self) -> str:
        """What a run that stopped early did and did not do."""
        if self.interrupted:
            why = f"interrupted by {self.interrupted}"
        elif self.crash:
            why = f"stopped by an internal error ({self.crash}; please report it)"
        else:
            why = "stopped"
        if self.stopped_at is None:
            text = f"  {why} after reading all of the input"
        else:
            text = (
                f"  {why} after reading up to {self.stopped_at['file']} line "
                f"{self.stopped_at['line']}: the rest of the input was not read"
            )
        if self.command == "send":
            text += (
                "; messages read and not delivered are in the rejects file, to send again with "
                "--from-rejects"
            )
        return text

    def missing_rejects_hint(self) -> Optional[str]:
        """What to say when something did not make it and there is no rejects file."""
        count = self.problem_count()
        if not count or self.rejects is not None:
            return None
        return (
            f"{plural(count, 'message', 'messages')} did not make it; run again with "
            "--rejects FILE to get each of them, and why, in a file"
        )

    def to_dict(self) -> dict[str, Any]:
        """The summary as plain data, for ``--summary-json``."""
        data: dict[str, Any] = {
            "command": self.command,
            "status": self.status_with_interruption(),
            "elapsedSeconds": round(self.seconds(), 3),
            "messagesPerSecond": round(self.rate(), 1),
            "inputs": self.inputs,
            "messages": self.messages,
            "records": self.records,
            ("delivered" if self.command == "send" else "translated"): self.done,
            "skipped": sum(self.skipped.values()),
            "warned": self.warned,
        }
        for stage in STAGES:
            data[_SUMMARY_KEYS[stage]] = {
                "total": self.problem_count(stage),
                "byReason": dict(_by_count(self.problems[stage])),
            }
        if self.command == "send":
            data.update(
                recordsAccepted=self.settled - self.records_failed,
                recordsFailed=self.records_failed,
                requests=self.requests if self.requests_known else None,
                retries=self.retries if self.requests_known else None,
                dryRun=self.dry_run,
            )
        data.update(
            rejectsFile=self.rejects,
            rejectsWritten=self.rejects_written,
            interrupted=self.interrupted,
            stoppedAt=self.stopped_at,
            error=self.error,
            internalError=self.crash,
        )
        return data

    def status_with_interruption(self) -> int:
        """The exit status, 128 + the signal number when a signal stopped the run."""
        if self.interrupted is not None:
            return 128 + _SIGNAL_NUMBERS.get(self.interrupted, 2)
        return self.status()


_SIGNAL_NUMBERS = {"SIGINT": 2, "SIGTERM": 15}


def _by_count(counter: collections.Counter[str]) -> list[tuple[str, int]]:
    """Reasons, most frequent first, then by name: a stable order for people and tests."""
    return sorted(counter.items(), key=lambda item: (-item[1], item[0]))
