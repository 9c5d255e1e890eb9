"""Stopping a run cleanly on SIGINT (Ctrl-C) and SIGTERM (what schedulers send to stop a task)."""

from __future__ import annotations

import contextlib
import signal
import threading
from collections.abc import Iterator
from types import FrameType
from typing import Any, Callable, Optional


class Interrupted(KeyboardInterrupt):
    """A signal asked the run to stop."""

    def __init__(self, signum: int) -> None:
        super().__init__(signum)
        self.signal_name = signal.Signals(signum).name


class SignalGuard:
    """Stops a run at a safe point on the first SIGINT or SIGTERM, at once on the second.

    The first signal only sets :attr:`requested`; the commands check it between two messages and
    raise :class:`Interrupted` there, so that every message read is fully accounted for. A second
    signal raises :class:`Interrupted` wherever the run is (a read from a terminal that waits for
    input, a slow server), except inside :meth:`critical`, which it lets finish first. A signal the
    parent process told us to ignore (``nohup``, a background job) stays ignored.
    """

    _SIGNALS = (signal.SIGINT, signal.SIGTERM)

    def __init__(self, notify: Callable[[str], None]) -> None:
        #: The first signal received, or ``None``.
        self.requested: Optional[int] = None
        self._notify = notify
        self._depth = 0
        self._deferred: Optional[int] = None
        self._previous: dict[int, Any] = {}

    def __enter__(self) -> None:
        if threading.current_thread() is threading.main_thread():
            for signum in self._SIGNALS:
                if signal.getsignal(signum) is not signal.SIG_IGN:
                    self._previous[signum] = signal.signal(signum, self._handle)

    def __exit__(self, *exc_info: object) -> None:
        for signum, handler in self._previous.items():
            signal.signal(signum, handler)
        self._previous.clear()

    def _handle(self, signum: int, frame: Optional[FrameType]) -> None:
        if self.requested is None:
            self.requested = signum
            self._notify(
                f"clevertap-segment: {signal.Signals(signum).name}: stopping after the messages "
                "under way (send the signal again, or press Ctrl-C again, to stop at once)"
            )
            return
        if self._depth:
            self._deferred = signum
            return
        raise Interrupted(signum)

    @contextlib.contextmanager
    def critical(self) -> Iterator[None]:
        """A block a signal must not cut in two: a second signal takes effect after it."""
        self._depth += 1
        try:
            yield
        finally:
            self._depth -= 1
        if not self._depth and self._deferred is not None:
            signum, self._deferred = self._deferred, None
            raise Interrupted(signum)
