"""Cutting a stream of records into request bodies CleverTap accepts.

Records are gathered up to the record and token limits, then the batch is serialised in one call
(much cheaper than record by record). Only when that fails (a value JSON cannot hold) or the body
is over the byte cap are the records serialised one by one, to set aside the culprits and to cut
the batch where the cap falls. The body is kept and reused for every attempt at sending it.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any, Optional

import attrs

#: CleverTap's documented limits per upload request.
MAX_RECORDS = 1000
MAX_TOKEN_RECORDS = 100
#: Profiles per delete request.
MAX_DELETE_IDS = 100
#: CleverTap documents no body size limit (UNCONFIRMED); 4 MiB is far above what 1000 ordinary
#: records take and well below the limits common HTTP front ends enforce.
DEFAULT_MAX_BYTES = 4 * 1024 * 1024

# Compact separators; ensure_ascii (the default) keeps the text ASCII so that its length in
# characters is its length in bytes, which is what the byte cap counts.
_encoder = json.JSONEncoder(separators=(",", ":"), allow_nan=False)
_ENCODING_ERRORS = (TypeError, ValueError, RecursionError)

Owner = tuple[int, Optional[str]]
"""The Segment message a record came from: its index and its ``messageId``."""


class UnsendableRecordError(Exception):
    """A record that cannot be sent at all (internal: it becomes a :class:`RecordFailure`)."""


def check_record(record: Any) -> Optional[str]:
    """Why ``record`` cannot be uploaded (it is not a JSON object), or ``None``."""
    if type(record) is dict or isinstance(record, Mapping):
        return None
    return f"a record must be a JSON object (a dict), not {type(record).__name__}"


def check_identifier(value: Any) -> Optional[str]:
    """Why ``value`` cannot identify a profile to delete, or ``None``."""
    if isinstance(value, str) and value:
        return None
    return f"an identifier must be a non-empty string, not {value!r:.100}"


def encode_record(record: Any) -> str:
    """Serialise one record (or identifier) as compact JSON.

    Raises:
        UnsendableRecordError: It holds values JSON cannot represent (NaN, infinities, sets,
            objects, circular references).
    """
    try:
        if isinstance(record, Mapping) and type(record) is not dict:
            record = dict(record)
        return _encoder.encode(record)
    except _ENCODING_ERRORS as error:
        msg = f"the record cannot be serialised as JSON: {error}"
        raise UnsendableRecordError(msg) from None


def envelope(key: str, parts: Sequence[str]) -> str:
    """Wrap serialised items in the request's object, ``{"d":[...]}``."""
    return f'{{"{key}":[{",".join(parts)}]}}'


@attrs.define(eq=False)
class Batch:
    """Records bound for one request, with where each came from.

    Attributes:
        key: The body's list key: ``"d"`` for uploads, ``"identity"`` or ``"guid"`` for deletes.
        records: The records (or identifiers) as the caller gave them.
        positions: Their 0-based positions in the caller's input.
        owners: For :meth:`Client.send`, the message each record came from.
        tokens: How many are token records.
        encoded: The request body for all of them, once :meth:`Batcher.seal` has made it.
    """

    key: str
    records: list[Any] = attrs.Factory(list)
    positions: list[int] = attrs.Factory(list)
    owners: Optional[list[Owner]] = None
    tokens: int = 0
    encoded: bytes = b""

    def __len__(self) -> int:
        return len(self.records)

    def body(self, indices: Optional[Sequence[int]] = None) -> bytes:
        """The request body for all records, or for those at ``indices`` (a retry of a few)."""
        if indices is None:
            return self.encoded
        parts = [encode_record(self.records[index]) for index in indices]
        return envelope(self.key, parts).encode("ascii")

    def _take(self, source: Batch, index: int) -> None:
        self.records.append(source.records[index])
        self.positions.append(source.positions[index])
        if self.owners is not None and source.owners is not None:
            self.owners.append(source.owners[index])


@attrs.frozen
class Unsendable:
    """A record :meth:`Batcher.seal` set aside, with why."""

    record: Any
    position: int
    owner: Optional[Owner]
    error: str


class Batcher:
    """Groups records into batches within CleverTap's limits, keeping their order.

    Feed records with :meth:`add`, which hands back a batch when it is full; :meth:`flush` hands
    back the last one. Pass each to :meth:`seal` to get request bodies within ``max_bytes``.
    """

    def __init__(
        self,
        *,
        key: str = "d",
        max_records: int = MAX_RECORDS,
        max_token_records: int = MAX_TOKEN_RECORDS,
        max_bytes: int = DEFAULT_MAX_BYTES,
        track_owners: bool = False,
    ) -> None:
        self.key = key
        self.max_records = max_records
        self.max_token_records = max_token_records
        self.max_bytes = max_bytes
        self._track_owners = track_owners
        self._current = self._new_batch()

    def _new_batch(self) -> Batch:
        return Batch(key=self.key, owners=[] if self._track_owners else None)

    def add(self, record: Any, position: int, owner: Optional[Owner] = None) -> Optional[Batch]:
        """Add a record; return the batch it closed, if adding it closed one."""
        current = self._current
        # The common case (a dict) without a function call: this runs once per record.
        is_token = record.get("type") == "token" if type(record) is dict else _is_token(record)
        closed: Optional[Batch] = None
        if len(current.records) >= self.max_records or (
            is_token and current.tokens >= self.max_token_records
        ):
            closed = current
            current = self._current = self._new_batch()
        current.records.append(record)
        current.positions.append(position)
        if current.owners is not None and owner is not None:
            current.owners.append(owner)
        if is_token:
            current.tokens += 1
        return closed

    def flush(self) -> Optional[Batch]:
        """Hand back the batch being filled, if it holds anything, and start a new one."""
        current = self._current
        self._current = self._new_batch()
        return current if current.records else None

    def seal(self, batch: Batch) -> tuple[list[Batch], list[Unsendable]]:
        """Serialise ``batch``: the batches to send (in order), and the records set aside.

        Usually the batch goes whole. Records JSON cannot hold, or too large for a request on
        their own, are set aside; the rest is cut into as few bodies within ``max_bytes`` as
        order allows.
        """
        try:
            text = _encoder.encode({self.key: batch.records})
        except _ENCODING_ERRORS:
            text = None
        if text is not None and len(text) <= self.max_bytes:
            batch.encoded = text.encode("ascii")
            return [batch], []
        return self._seal_one_by_one(batch)

    def _seal_one_by_one(self, batch: Batch) -> tuple[list[Batch], list[Unsendable]]:
        ready: list[Batch] = []
        unsendable: list[Unsendable] = []
        empty = len(envelope(self.key, ()))
        current, size = self._new_batch(), empty
        parts: list[str] = []
        for index, record in enumerate(batch.records):
            try:
                part = encode_record(record)
            except UnsendableRecordError as unencodable:
                unsendable.append(_set_aside(batch, index, str(unencodable)))
                continue
            if empty + len(part) > self.max_bytes:
                too_large = (
                    f"the record takes {len(part)} bytes, more than a request may "
                    f"(max_batch_bytes={self.max_bytes})"
                )
                unsendable.append(_set_aside(batch, index, too_large))
                continue
            added = len(part) + (1 if parts else 0)
            if parts and size + added > self.max_bytes:
                current.encoded = envelope(self.key, parts).encode("ascii")
                ready.append(current)
                current, parts, size, added = self._new_batch(), [], empty, len(part)
            current._take(batch, index)
            if _is_token(record):
                current.tokens += 1
            parts.append(part)
            size += added
        if parts:
            current.encoded = envelope(self.key, parts).encode("ascii")
            ready.append(current)
        return ready, unsendable


def _is_token(record: Any) -> bool:
    return (type(record) is dict or isinstance(record, Mapping)) and record.get("type") == "token"


def _set_aside(batch: Batch, index: int, error: str) -> Unsendable:
    owner = batch.owners[index] if batch.owners is not None else None
    return Unsendable(batch.records[index], batch.positions[index], owner, error)
