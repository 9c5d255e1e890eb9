"""Reading Segment messages for the command line: files or standard input, NDJSON, gzip, batches.

Inputs are read line by line and never whole, so memory stays flat for any size. Each non-blank
line is one item of the stream:

- a JSON object is a Segment message;
- a JSON object with a ``batch`` key and no ``type`` (the body of Segment's HTTP batch call) stands
  for the messages in its ``batch`` list; the envelope's ``context`` and ``integrations`` are merged
  into each of them, the message's own keys winning, as Segment's HTTP API does;
- anything else (not JSON, not UTF-8, not an object) becomes an :class:`InputProblem`, which the
  command reports as a ``parse`` reject instead of stopping.

With ``from_rejects``, each line is a line of a rejects file and the item is its ``message``.
"""

from __future__ import annotations

import gzip
import io
import os
import stat
import sys
import zlib
from collections.abc import Iterator, Sequence
from typing import Any, BinaryIO, Callable, Optional

#: Standard input, as an input name.
STDIN = "-"
#: Characters of an unreadable line kept in its reject: enough to recognise it, bounded so that a
#: corrupt multi-megabyte line does not make a multi-megabyte reject. ``source`` finds the rest.
MAX_RAW_LINE = 10_000

_GZIP_MAGIC = b"\x1f\x8b"
_UTF8_BOM = b"\xef\xbb\xbf"
_READ_BUFFER = 256 * 1024
# What a truncated or corrupt input raises part way through (BadGzipFile is an OSError).
_READ_ERRORS = (OSError, EOFError, zlib.error)


class InputUsageError(Exception):
    """An input cannot be used at all (missing, a directory, unreadable): a usage error."""


class InputProblem:
    """An item of the input that is not a Segment message.

    Attributes:
        error: What is wrong, in words.
        error_type: A short name for the kind of problem (``"JSONDecodeError"``,
            ``"NotAnObject"``, ``"UnicodeDecodeError"``, ``"ReadError"``, ``"NotReplayable"``).
        line: The raw text of the line (cut to :data:`MAX_RAW_LINE` characters), if there is one.
        carried: For a rejects file's ``parse`` reject, which has no message to replay: the reject
            as it was read, to be carried over unchanged.
    """

    __slots__ = ("carried", "error", "error_type", "line")

    def __init__(
        self,
        error: str,
        error_type: str,
        *,
        line: Optional[str] = None,
        carried: Optional[dict[str, Any]] = None,
    ) -> None:
        self.error = error
        self.error_type = error_type
        self.line = line
        self.carried = carried

    def __repr__(self) -> str:
        return f"InputProblem({self.error!r}, {self.error_type!r})"


def raw_text(raw: bytes) -> str:
    """The text of a raw line for a reject: decoded leniently, without its line end, cut short."""
    return raw[: MAX_RAW_LINE * 4].decode("utf-8", "replace").rstrip("\r\n")[:MAX_RAW_LINE]


def check_inputs(paths: Sequence[str]) -> None:
    """Make sure every input can be opened, before anything is read or sent.

    Raises:
        InputUsageError: An input is missing, is a directory, cannot be read, or standard input
            is named twice; the message names it.
    """
    if list(paths).count(STDIN) > 1:
        msg = "standard input ('-') can be read only once"
        raise InputUsageError(msg)
    for path in paths:
        if path == STDIN:
            if sys.stdin is None:
                msg = "there is no standard input to read; name the input files"
                raise InputUsageError(msg)
            continue
        try:
            mode = os.stat(path).st_mode
        except OSError as error:
            msg = f"cannot read input {path!r}: {error.strerror}"
            raise InputUsageError(msg) from None
        if stat.S_ISDIR(mode):
            msg = f"input {path!r} is a directory; name its files (for example {path}/*.gz)"
            raise InputUsageError(msg)
        if not os.access(path, os.R_OK):
            msg = f"cannot read input {path!r}: permission denied"
            raise InputUsageError(msg)


def input_size(paths: Sequence[str]) -> Optional[int]:
    """Total bytes of the inputs, if they are all regular files (for a progress percentage)."""
    total = 0
    for path in paths:
        if path == STDIN:
            return None
        try:
            info = os.stat(path)
        except OSError:
            return None
        if not stat.S_ISREG(info.st_mode):
            return None
        total += info.st_size
    return total


def open_input(path: str) -> tuple[BinaryIO, BinaryIO]:
    """Open an input for reading lines: ``(lines, raw)``.

    ``lines`` yields the decompressed lines; ``raw`` is the underlying file, whose position says how
    much of the input has been read. Gzip is recognised by its magic bytes, whatever the name; a
    UTF-8 byte order mark is skipped.

    Raises:
        OSError: The file cannot be opened, or is not valid gzip from its first bytes.
        EOFError: The gzip stream ends within its first block.
    """
    if path == STDIN:
        raw: BinaryIO = sys.stdin.buffer
    else:
        raw = open(path, "rb", buffering=_READ_BUFFER)  # noqa: SIM115 - closed by the reader
    try:
        lines = raw
        if _peek(raw, 2) == _GZIP_MAGIC:
            # BufferedReader over GzipFile: lines are then split in C, not per readline() call.
            decompressed: Any = gzip.GzipFile(fileobj=raw, mode="rb")
            lines = io.BufferedReader(decompressed, buffer_size=_READ_BUFFER)
        if _peek(lines, 3) == _UTF8_BOM:
            lines.read(3)
    except BaseException:
        if path != STDIN:
            raw.close()
        raise
    return lines, raw


def _peek(stream: BinaryIO, size: int) -> bytes:
    peek: Optional[Callable[[int], bytes]] = getattr(stream, "peek", None)
    if peek is None:  # pragma: no cover - every stream open_input makes can peek
        return b""
    return peek(size)[:size]


class MessageReader:
    """The items of a list of inputs, one at a time, and where the last one came from.

    Iterating yields Segment messages (dicts) and :class:`InputProblem` items, in input order.
    After each item, :attr:`current` is that item, and :attr:`file`, :attr:`line` and
    :attr:`batch_index` say where it came from.

    Args:
        paths: Input file names; ``-`` is standard input.
        loads: Parses one raw line (bytes) into a Python value; raises ``ValueError`` (or
            ``RecursionError``) if it cannot.
        from_rejects: The inputs are rejects files: each item is a line's ``message``.
    """

    def __init__(
        self,
        paths: Sequence[str],
        *,
        loads: Callable[[bytes], Any],
        from_rejects: bool = False,
    ) -> None:
        self.paths = list(paths)
        self.file = ""
        self.line = 0
        self.batch_index: Optional[int] = None
        #: The item last yielded.
        self.current: Any = None
        self.files_done = 0
        #: Whether every input was read to its end.
        self.exhausted = False
        self._loads = loads
        self._from_rejects = from_rejects
        self._done_bytes = 0
        self._raw: Optional[BinaryIO] = None

    def source(self) -> dict[str, Any]:
        """Where the last item came from, as it appears in a reject: file, line, batch index."""
        where: dict[str, Any] = {"file": self.file, "line": self.line}
        if self.batch_index is not None:
            where["batchIndex"] = self.batch_index
        return where

    def position(self) -> int:
        """Bytes of the inputs read so far (compressed bytes for gzip inputs)."""
        raw = self._raw
        if raw is None:
            return self._done_bytes
        try:
            return self._done_bytes + raw.tell()
        except (OSError, ValueError):  # a pipe cannot tell; a closed file neither
            return self._done_bytes

    def __iter__(self) -> Iterator[Any]:
        for path in self.paths:
            self.file = path
            self.line = 0
            self.batch_index = None
            try:
                lines, raw = open_input(path)
            except _READ_ERRORS as error:  # corrupt from its first bytes, or gone since checked
                yield self._read_error(0, error)
                self.files_done += 1
                continue
            self._raw = raw
            try:
                if self._from_rejects:
                    yield from self._read_rejects(lines)
                else:
                    yield from self._read_messages(lines)
            finally:
                self._done_bytes = self.position()
                self._raw = None
                if path != STDIN:
                    lines.close()
                    raw.close()
            self.files_done += 1
        self.exhausted = True

    def _read_messages(self, lines: BinaryIO) -> Iterator[Any]:
        loads = self._loads
        number = 0
        try:
            for number, raw in enumerate(lines, 1):
                try:
                    item = loads(raw)
                except (ValueError, RecursionError) as error:
                    if raw.isspace():
                        continue
                    item = _unparsable(raw, error)
                else:
                    if type(item) is dict:
                        if "batch" in item and "type" not in item:
                            self.line = number
                            yield from self._expand_batch(item, raw)
                            continue
                    else:
                        item = _not_an_object(item, raw)
                self.line = number
                self.current = item
                yield item
        except _READ_ERRORS as error:
            yield self._read_error(number, error)

    def _expand_batch(self, envelope: dict[str, Any], raw: bytes) -> Iterator[Any]:
        batch = envelope["batch"]
        if not isinstance(batch, list):
            self.current = InputProblem(
                f'a batch line\'s "batch" must be a list of messages, not {_json_type(batch)}',
                "NotAnObject",
                line=raw_text(raw),
            )
            yield self.current
            return
        context = envelope.get("context")
        integrations = envelope.get("integrations")
        for position, message in enumerate(batch):
            self.batch_index = position
            if type(message) is not dict:
                item: Any = InputProblem(
                    f"item {position} of the batch is {_json_type(message)}, not a message object",
                    "NotAnObject",
                    line=raw_text(raw),
                )
            else:
                item = message
                if isinstance(context, dict) and context:
                    item = _merged(item, "context", context)
                if isinstance(integrations, dict) and integrations:
                    item = _merged(item, "integrations", integrations)
            self.current = item
            yield item
        self.batch_index = None

    def _read_rejects(self, lines: BinaryIO) -> Iterator[Any]:
        loads = self._loads
        number = 0
        try:
            for number, raw in enumerate(lines, 1):
                try:
                    entry = loads(raw)
                except (ValueError, RecursionError) as error:
                    if raw.isspace():
                        continue
                    item: Any = _unparsable(raw, error)
                else:
                    item = _replayable(entry, raw)
                self.line = number
                self.current = item
                yield item
        except _READ_ERRORS as error:
            yield self._read_error(number, error)

    def _read_error(self, number: int, error: BaseException) -> InputProblem:
        """The problem standing for the rest of an input that cannot be read."""
        self.line = number + 1
        self.batch_index = None
        reason = str(error) or type(error).__name__
        problem = InputProblem(
            f"cannot read the rest of this input (it may be truncated or corrupt): {reason}",
            "ReadError",
        )
        self.current = problem
        return problem


def _replayable(entry: Any, raw: bytes) -> Any:
    """The message to replay from a line of a rejects file, or the problem with the line."""
    if type(entry) is not dict or "message" not in entry:
        return InputProblem(
            'not a line of a rejects file: it has no "message" field',
            "NotARejectsLine",
            line=raw_text(raw),
        )
    message = entry["message"]
    if type(message) is dict:
        return message
    if message is None:
        return InputProblem(
            "this reject has no message to replay (its line was not a Segment message): "
            "fix the line in its source",
            "NotReplayable",
            carried=entry,
        )
    return _not_an_object(message, raw)


def _merged(message: dict[str, Any], key: str, envelope_value: dict[str, Any]) -> dict[str, Any]:
    """``message`` with the envelope's ``key`` object under its own (a new dict: never mutated)."""
    own = message.get(key)
    if own is None:
        return {**message, key: envelope_value}
    if isinstance(own, dict):
        return {**message, key: {**envelope_value, **own}}
    return message  # not an object: translation reports it as the message's own problem


def _json_type(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, (int, float)):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "an array"
    return "an object"


def _unparsable(raw: bytes, error: BaseException) -> InputProblem:
    if isinstance(error, UnicodeDecodeError):
        text = f"not UTF-8 text: {error.reason} at byte {error.start}"
    elif isinstance(error, RecursionError):
        text = "not JSON this reader accepts: nested too deeply"
    else:
        text = f"not JSON: {error}"
    return InputProblem(text, type(error).__name__, line=raw_text(raw))


def _not_an_object(value: Any, raw: bytes) -> InputProblem:
    return InputProblem(
        f"a Segment message must be a JSON object, not {_json_type(value)}",
        "NotAnObject",
        line=raw_text(raw),
    )
