"""Progress on standard error: a progress bar at a terminal, a plain periodic line otherwise.

The bar is tqdm's (the ``cli`` extra), imported only when it is shown; without tqdm the plain line
is shown instead. The commands call :meth:`Progress.update` often (every few hundred messages and
after every request); the display throttles itself, so an update costs a clock read.
"""

from __future__ import annotations

import contextlib
import time
from typing import Any, Callable, Optional, TextIO

from ._cli_report import Tally

#: Seconds between two redraws of the bar.
_BAR_INTERVAL = 0.25


class Progress:
    """No progress shown (``--quiet``); the base of the displays."""

    def __init__(self, stream: TextIO) -> None:
        self._stream = stream

    def write(self, text: str) -> None:
        """Show a line of text (a log message) without garbling the display."""
        with contextlib.suppress(OSError):  # standard error went away: nowhere left to say it
            self._stream.write(text + "\n")
            self._stream.flush()

    def update(self) -> None:
        """Show where things stand, if it is time to."""

    def close(self) -> None:
        """Show the final state and release the display."""


class LineProgress(Progress):
    """A line of counts every ``interval`` seconds, for logs (standard error is not a terminal)."""

    def __init__(
        self,
        tally: Tally,
        stream: TextIO,
        *,
        interval: float,
        fraction: Callable[[], Optional[float]],
    ) -> None:
        super().__init__(stream)
        self._tally = tally
        self._interval = interval
        self._fraction = fraction
        self._next = time.monotonic() + interval

    def update(self) -> None:
        """Write a line if ``interval`` seconds passed since the last one."""
        now = time.monotonic()
        if now < self._next:
            return
        self._next = now + self._interval
        text = self._tally.progress_text(self._fraction())
        try:
            self._stream.write(f"clevertap-segment {self._tally.command}: {text}\n")
            self._stream.flush()
        except OSError:  # standard error went away: carry on without progress
            self._interval = float("inf")
            self._next = float("inf")


class BarProgress(Progress):
    """A tqdm progress bar: over the input's bytes when its size is known, else over messages."""

    def __init__(
        self,
        tally: Tally,
        stream: TextIO,
        tqdm: Any,
        *,
        total_bytes: Optional[int],
        position: Callable[[], int],
    ) -> None:
        super().__init__(stream)
        self._tqdm = tqdm
        self._tally = tally
        self._position = position
        self._by_bytes = total_bytes is not None
        self._shown = 0
        self._next = 0.0
        options: dict[str, Any] = {"unit": "B", "unit_scale": True, "unit_divisor": 1024}
        if not self._by_bytes:
            options = {"unit": " messages", "unit_scale": True}
        self._bar = tqdm(
            total=total_bytes,
            desc=tally.command,
            file=stream,
            dynamic_ncols=True,
            mininterval=_BAR_INTERVAL,
            leave=True,
            **options,
        )

    def write(self, text: str) -> None:
        """Print a line above the bar."""
        self._tqdm.write(text, file=self._stream)

    def update(self) -> None:
        """Move the bar and refresh its counts, at most every quarter of a second."""
        now = time.monotonic()
        if now < self._next:
            return
        self._next = now + _BAR_INTERVAL
        self._advance()

    def _advance(self) -> None:
        tally = self._tally
        current = self._position() if self._by_bytes else tally.messages
        postfix = f"{tally.messages:,} messages, {tally.records:,} records"
        problems = tally.problem_count()
        if problems:
            postfix += f", {problems:,} not made it"
        if self._by_bytes:
            postfix += f", {tally.rate():,.0f} messages/s"
        self._bar.set_postfix_str(postfix, refresh=False)
        self._bar.update(max(current - self._shown, 0))
        self._shown = max(current, self._shown)

    def close(self) -> None:
        """Draw the final state and leave the bar on screen."""
        self._advance()
        self._bar.close()


def make_progress(
    tally: Tally,
    stream: TextIO,
    *,
    quiet: bool,
    interval: float,
    total_bytes: Optional[int],
    position: Callable[[], int],
) -> Progress:
    """The display for this run: none, a bar (a terminal, with tqdm), or periodic lines."""
    if quiet:
        return Progress(stream)

    def fraction() -> Optional[float]:
        return min(position() / total_bytes, 1.0) if total_bytes else None

    if _is_terminal(stream):
        try:
            from tqdm import tqdm  # noqa: PLC0415 - the cli extra, imported only to be shown
        except ImportError:
            stream.write(
                "clevertap-segment: install the cli extra for a progress bar: "
                "pip install 'clevertap-segment[cli]'\n"
            )
        else:
            return BarProgress(tally, stream, tqdm, total_bytes=total_bytes, position=position)
    return LineProgress(tally, stream, interval=interval, fraction=fraction)


def _is_terminal(stream: TextIO) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):  # a replaced or closed stream
        return False
