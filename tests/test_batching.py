"""Tests for cutting records into request bodies."""

from __future__ import annotations

import json
import math
from collections import UserDict
from typing import Any, Optional

import pytest

from clevertap_segment._batching import (
    Batch,
    Batcher,
    Unsendable,
    UnsendableRecordError,
    check_identifier,
    check_record,
    encode_record,
)


def _event(index: int, **extra: Any) -> dict[str, Any]:
    return {
        "type": "event",
        "identity": f"u-{index}",
        "evtName": "E",
        "evtData": {"i": index},
        **extra,
    }


def _token(index: int) -> dict[str, Any]:
    return {"type": "token", "objectId": f"o-{index}", "tokenData": {"id": "t", "type": "fcm"}}


def _batch_all(batcher: Batcher, records: list[Any]) -> tuple[list[Batch], list[Unsendable]]:
    """Feed, seal and collect, as the client does."""
    batches: list[Batch] = []
    unsendable: list[Unsendable] = []

    def seal(batch: Batch) -> None:
        ready, aside = batcher.seal(batch)
        batches.extend(ready)
        unsendable.extend(aside)

    for position, record in enumerate(records):
        closed: Optional[Batch] = batcher.add(record, position)
        if closed is not None:
            seal(closed)
    last = batcher.flush()
    if last is not None:
        seal(last)
    return batches, unsendable


class TestEncodeRecord:
    def test_compact(self) -> None:
        """Records are serialised without spaces."""
        assert encode_record({"a": [1, 2], "b": "x"}) == '{"a":[1,2],"b":"x"}'

    def test_ascii(self) -> None:
        """Non-ASCII text is escaped, so characters and bytes count the same."""
        assert encode_record({"name": "Zoë"}) == '{"name":"Zo\\u00eb"}'

    def test_mapping(self) -> None:
        """A mapping that is not a dict is serialised as an object."""
        assert encode_record(UserDict({"a": 1})) == '{"a":1}'

    @pytest.mark.parametrize("value", [math.nan, math.inf, {1, 2}, object()])
    def test_unserialisable(self, value: object) -> None:
        """Values JSON cannot hold make the record unsendable, not a crash."""
        with pytest.raises(UnsendableRecordError, match="cannot be serialised"):
            encode_record({"evtData": {"x": value}})

    def test_circular(self) -> None:
        """A record that contains itself is unsendable."""
        record: dict[str, Any] = {}
        record["self"] = record
        with pytest.raises(UnsendableRecordError):
            encode_record(record)


class TestChecks:
    @pytest.mark.parametrize("record", ["text", 3, None, [1]])
    def test_record_must_be_an_object(self, record: object) -> None:
        """A record must be a JSON object."""
        assert "must be a JSON object" in (check_record(record) or "")

    def test_record_ok(self) -> None:
        """Dicts and mappings pass."""
        assert check_record({}) is None
        assert check_record(UserDict()) is None

    @pytest.mark.parametrize("value", ["", 5, None])
    def test_identifier(self, value: object) -> None:
        """Identifiers are non-empty strings."""
        assert "non-empty string" in (check_identifier(value) or "")
        assert check_identifier("u-1") is None


class TestBatcher:
    def test_record_limit(self) -> None:
        """A batch holds at most max_records records."""
        batches, _ = _batch_all(Batcher(max_records=1000), [_event(i) for i in range(2500)])
        assert [len(batch) for batch in batches] == [1000, 1000, 500]

    def test_order_and_positions(self) -> None:
        """Records keep their input order, and their positions."""
        batches, _ = _batch_all(Batcher(max_records=3), [_event(i) for i in range(7)])
        assert [batch.positions for batch in batches] == [[0, 1, 2], [3, 4, 5], [6]]
        assert [r["identity"] for r in batches[1].records] == ["u-3", "u-4", "u-5"]

    def test_token_limit(self) -> None:
        """A batch holds at most 100 token records, whatever else it holds."""
        records = [_token(i) if i % 2 else _event(i) for i in range(400)]
        batches, _ = _batch_all(Batcher(), records)
        assert [batch.tokens for batch in batches] == [100, 100]
        assert sum(len(batch) for batch in batches) == 400

    def test_byte_cap(self) -> None:
        """No body exceeds max_bytes, and nothing is lost cutting to it."""
        records = [_event(i) for i in range(500)]
        batches, _ = _batch_all(Batcher(max_bytes=2000), records)
        assert len(batches) > 1
        assert all(len(batch.body()) <= 2000 for batch in batches)
        sent = [record for batch in batches for record in json.loads(batch.body())["d"]]
        assert sent == records

    def test_body(self) -> None:
        """The body is {"d": [...]} holding the records."""
        (batch,), _ = _batch_all(Batcher(), [_event(0), _event(1)])
        assert json.loads(batch.body()) == {"d": [_event(0), _event(1)]}

    def test_body_of_some(self) -> None:
        """A retry of some records sends only those."""
        (batch,), _ = _batch_all(Batcher(), [_event(i) for i in range(4)])
        assert json.loads(batch.body([1, 3])) == {"d": [_event(1), _event(3)]}

    def test_unserialisable_set_aside(self) -> None:
        """A record JSON cannot hold is set aside; the others still go, in order."""
        records = [_event(0), _event(1, evtData={"x": math.nan}), _event(2)]
        (batch,), (aside,) = _batch_all(Batcher(), records)
        assert batch.positions == [0, 2]
        assert (aside.position, aside.record) == (1, records[1])
        assert "cannot be serialised" in aside.error

    def test_oversized_set_aside(self) -> None:
        """A record larger than a request may be is set aside."""
        records = [_event(0), _event(1, evtData={"x": "y" * 500}), _event(2)]
        batches, (aside,) = _batch_all(Batcher(max_bytes=300), records)
        assert [batch.positions for batch in batches] == [[0, 2]]
        assert "max_batch_bytes=300" in aside.error

    def test_mapping_records(self) -> None:
        """Mappings that are not dicts are sent as objects."""
        (batch,), _ = _batch_all(Batcher(), [UserDict(_event(0))])
        assert json.loads(batch.body()) == {"d": [_event(0)]}

    def test_flush_empty(self) -> None:
        """Flushing an empty batcher gives nothing."""
        assert Batcher().flush() is None

    def test_owners(self) -> None:
        """With owners tracked, each record keeps its message, also when cut by size."""
        batcher = Batcher(track_owners=True, max_bytes=200)
        for index in range(3):
            batcher.add(_event(index), index, (index + 10, f"m-{index}"))
        batch = batcher.flush()
        assert batch is not None
        ready, _ = batcher.seal(batch)
        assert [owner for part in ready for owner in part.owners or []] == [
            (10, "m-0"),
            (11, "m-1"),
            (12, "m-2"),
        ]

    def test_delete_key(self) -> None:
        """Delete batches wrap identifiers under their own key."""
        batches, _ = _batch_all(
            Batcher(key="guid", max_records=100), [f"g-{i}" for i in range(150)]
        )
        assert json.loads(batches[1].body())["guid"][:2] == ["g-100", "g-101"]
