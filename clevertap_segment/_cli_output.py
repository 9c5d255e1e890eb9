"""Writing for the command line: JSON codecs, CleverTap records, and the rejects file.

Records are written in chunks of many lines (one ``write`` per chunk, not per record): the writes
are a visible share of the time otherwise. The standard library's :mod:`json` is always there;
``orjson`` (the ``fast`` extra) is used instead when installed, for the same output.
"""

from __future__ import annotations

import contextlib
import gzip
import json
import sys
from collections.abc import Sequence
from typing import Any, BinaryIO, Callable, ContextManager, Optional, cast

import attrs

from ._batching import DEFAULT_MAX_BYTES, MAX_RECORDS, MAX_TOKEN_RECORDS

#: Standard output, as an output name.
STDOUT = "-"
#: Records serialised before they are written out in one go.
_CHUNK = 4096
_EMPTY_BODY = b'{"d":[]}'

_std_decode = json.JSONDecoder().decode
# Compact, and readable: non-ASCII text stays as it is (UTF-8) rather than \u escapes. No circular
# check: translated records are trees.
_encoder = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False, check_circular=False)


def _reused_c_encoder() -> Optional[Callable[[Any], str]]:
    """``_encoder.encode`` without building a C encoder anew per call (a quarter of its time).

    ``json.encoder.c_make_encoder`` is what ``JSONEncoder.encode`` calls; it is not documented, so
    it is used only where it exists and gives exactly what ``encode`` gives.
    """
    make = getattr(json.encoder, "c_make_encoder", None)
    if make is None:  # pragma: no cover - Python builds without the _json accelerator
        return None
    try:
        scan = make(None, _encoder.default, json.encoder.encode_basestring, None, ":", ",",
                    False, False, True)  # fmt: skip
    except TypeError:  # pragma: no cover - a Python whose signature differs
        return None
    join = "".join

    def encode(record: Any) -> str:
        return join(scan(record, 0))

    sample = {"a": [1, 2.5, None, True, "é\u2028"], "b": {"c": '"x"'}}
    return encode if encode(sample) == _encoder.encode(sample) else None


_std_encode: Callable[[Any], str] = _reused_c_encoder() or _encoder.encode
# For the rare text UTF-8 cannot hold (a lone surrogate, which json.loads lets through).
_ascii_encode = json.JSONEncoder(separators=(",", ":")).encode


@attrs.frozen
class JsonCodec:
    """How lines are parsed and records serialised.

    Attributes:
        name: ``"stdlib"`` or ``"orjson"``.
        loads: Parses one raw line; raises ``ValueError`` (or ``RecursionError``) if it cannot.
        dump: Serialises one record (to ``str`` or ``bytes``, whichever is cheaper).
        dump_bytes: Serialises one record to UTF-8 bytes.
        join: Turns a list of serialised records into NDJSON bytes, a line end after each; it may
            change the list.
    """

    name: str
    loads: Callable[[bytes], Any]
    dump: Callable[[Any], Any]
    dump_bytes: Callable[[Any], bytes]
    join: Callable[[list[Any]], bytes]


def _std_loads(raw: bytes) -> Any:
    return _std_decode(raw.decode())


def _std_dump_bytes(record: Any) -> bytes:
    try:
        return _std_encode(record).encode()
    except UnicodeEncodeError:
        return _ascii_encode(record).encode()


def _std_join(parts: list[Any]) -> bytes:
    parts.append("")
    text = "\n".join(parts)
    try:
        return text.encode()
    except UnicodeEncodeError:
        return "\n".join(_encodable(part) for part in parts).encode()


def _encodable(part: str) -> str:
    try:
        part.encode()
    except UnicodeEncodeError:
        return _ascii_encode(json.loads(part))
    return part


STDLIB = JsonCodec(
    name="stdlib",
    loads=_std_loads,
    dump=_std_encode,
    dump_bytes=_std_dump_bytes,
    join=_std_join,
)


def _orjson_codec() -> Optional[JsonCodec]:
    try:
        import orjson  # noqa: PLC0415 - an optional extra, imported when it is asked for
    except ImportError:
        return None
    orjson_loads, orjson_dumps, orjson_error = orjson.loads, orjson.dumps, orjson.JSONDecodeError

    def loads(raw: bytes) -> Any:
        try:
            return orjson_loads(raw)
        except orjson_error:
            # The standard library is more lenient (integers beyond 64 bits, lone surrogates):
            # read with it what orjson refuses, and report its error when both refuse.
            return _std_loads(raw)

    def dump(record: Any) -> bytes:
        try:
            return orjson_dumps(record)
        except TypeError:  # orjson.JSONEncodeError: an integer beyond 64 bits, a lone surrogate
            return _ascii_encode(record).encode()

    def join(parts: list[Any]) -> bytes:
        parts.append(b"")
        return b"\n".join(parts)

    return JsonCodec(name="orjson", loads=loads, dump=dump, dump_bytes=dump, join=join)


JSON_LIBRARIES = ("auto", "stdlib", "orjson")


def json_codec(library: str) -> JsonCodec:
    """The codec for ``--json-library``: ``auto`` takes orjson when it is installed.

    Raises:
        ValueError: ``orjson`` was asked for and is not installed.
    """
    if library == "stdlib":
        return STDLIB
    codec = _orjson_codec()
    if codec is not None:
        return codec
    if library == "orjson":
        msg = "orjson is not installed: pip install 'clevertap-segment[fast]'"
        raise ValueError(msg)
    return STDLIB


def dumps_line(value: Any) -> bytes:
    """One NDJSON line for a rejects or summary file, whatever the value holds."""
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"), default=repr)
    try:
        return text.encode() + b"\n"
    except UnicodeEncodeError:
        return json.dumps(value, separators=(",", ":"), default=repr).encode() + b"\n"


def open_output(path: str) -> BinaryIO:
    """Open an output for writing: ``-`` is standard output; a ``.gz`` name is gzip-compressed.

    Raises:
        OSError: The file cannot be created.
    """
    if path == STDOUT:
        return sys.stdout.buffer
    if path.endswith(".gz"):
        # Level 6 is gzip's own default: most of the size gain at a fraction of level 9's time.
        return cast("BinaryIO", gzip.GzipFile(path, "wb", compresslevel=6))
    return open(path, "wb", buffering=256 * 1024)


class RecordLines:
    """Writes CleverTap records as NDJSON, one record a line (``--format records``).

    ``critical`` wraps each write, so that a signal cannot leave half a line behind.
    """

    def __init__(
        self,
        stream: BinaryIO,
        codec: JsonCodec,
        *,
        critical: Callable[[], ContextManager[None]] = contextlib.nullcontext,
    ) -> None:
        self.stream = stream
        self._critical = critical
        self.records = 0
        self._dump = codec.dump
        self._join = codec.join
        self._parts: list[Any] = []

    def write(self, records: Sequence[dict[str, Any]]) -> Optional[str]:
        """Add a message's records; ``None``, or why they cannot be written."""
        parts = self._parts
        dump = self._dump
        for record in records:
            parts.append(dump(record))
        self.records += len(records)
        if len(parts) >= _CHUNK:
            self.flush()
        return None

    def flush(self) -> None:
        """Write out what is pending."""
        with self._critical():
            if self._parts:
                data = self._join(self._parts)
                self._parts = []
                self.stream.write(data)
            self.stream.flush()


class UploadBodies:
    """Writes request bodies ``{"d": [...]}``, one a line, within CleverTap's limits (``upload``).

    A body closes at ``max_records`` records, 100 token records or 4 MiB, the sender's limits, so
    that each line can be posted to ``/1/upload`` as it is. ``critical`` wraps each write.
    """

    def __init__(
        self,
        stream: BinaryIO,
        codec: JsonCodec,
        *,
        max_records: int = MAX_RECORDS,
        critical: Callable[[], ContextManager[None]] = contextlib.nullcontext,
    ) -> None:
        self.stream = stream
        self._critical = critical
        self.records = 0
        self.bodies = 0
        self._dump = codec.dump_bytes
        self._max_records = max_records
        self._parts: list[bytes] = []
        self._size = len(_EMPTY_BODY)
        self._tokens = 0
        self._ready: list[bytes] = []

    def write(self, records: Sequence[dict[str, Any]]) -> Optional[str]:
        """Add a message's records; ``None``, or why they cannot be written (none of them is)."""
        parts = [self._dump(record) for record in records]
        for part in parts:
            if len(_EMPTY_BODY) + len(part) > DEFAULT_MAX_BYTES:
                return (
                    f"a record of this message takes {len(part):,} bytes, more than one request "
                    f"may carry ({DEFAULT_MAX_BYTES:,})"
                )
        for record, part in zip(records, parts):
            is_token = record.get("type") == "token"
            if self._parts and (
                len(self._parts) >= self._max_records
                or (is_token and self._tokens >= MAX_TOKEN_RECORDS)
                or self._size + 1 + len(part) > DEFAULT_MAX_BYTES
            ):
                self._close_body()
            self._parts.append(part)
            self._size += len(part) + 1
            self._tokens += is_token
            self.records += 1
        if len(self._ready) >= 8:
            self._write_ready()
        return None

    def flush(self) -> None:
        """Close the body being filled and write out every body."""
        if self._parts:
            self._close_body()
        self._write_ready()
        with self._critical():
            self.stream.flush()

    def _close_body(self) -> None:
        self._ready.append(b'{"d":[' + b",".join(self._parts) + b"]}")
        self.bodies += 1
        self._parts = []
        self._size = len(_EMPTY_BODY)
        self._tokens = 0

    def _write_ready(self) -> None:
        if self._ready:
            self._ready.append(b"")
            data = b"\n".join(self._ready)
            self._ready = []
            with self._critical():
                self.stream.write(data)


class LineFile:
    """An NDJSON file of rejects or warnings, or only a count when no file was asked for."""

    def __init__(self, path: Optional[str]) -> None:
        self.path = path
        self.lines = 0
        self._stream: Optional[BinaryIO] = open_output(path) if path is not None else None

    def write(self, entry: dict[str, Any]) -> None:
        """Add one line."""
        self.lines += 1
        if self._stream is not None:
            self._stream.write(dumps_line(entry))

    def close(self) -> None:
        """Flush and close the file. Idempotent."""
        stream, self._stream = self._stream, None
        if stream is None:
            return
        if self.path == STDOUT:
            stream.flush()
        else:
            stream.close()
