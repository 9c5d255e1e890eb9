"""Tests for reading CleverTap's answers."""

from __future__ import annotations

import json
from typing import Any

import pytest

from clevertap_segment._responses import (
    MalformedAnswerError,
    describe_error_body,
    quote,
    read_answer,
)


def _body(payload: Any) -> bytes:
    return json.dumps(payload).encode()


def _skipped(code: int, text: str, number: int, record: Any = None) -> dict[str, Any]:
    return {
        "status": "fail",
        "code": code,
        "error": f"{text}Skipped record number : {number}",
        "record": record if record is not None else {"echo": "normalised"},
    }


class TestReadAnswer:
    def test_success(self) -> None:
        """A success names no failures."""
        answer = read_answer(_body({"status": "success", "processed": 3, "unprocessed": []}), 3)
        assert answer.rejected == {}
        assert answer.processed == 3

    def test_partial_maps_by_position(self) -> None:
        """Failures are mapped by 'Skipped record number', 1-based, to 0-based indices."""
        body = {
            "status": "partial",
            "processed": 1,
            "unprocessed": [
                _skipped(515, "Profile data is incorrect. Email is not valid.", 2),
                _skipped(512, "Only Items can have a nested structure.", 3),
            ],
        }
        answer = read_answer(_body(body), 3)
        assert answer.rejected == {
            1: (515, "Profile data is incorrect. Email is not valid."),
            2: (512, "Only Items can have a nested structure."),
        }

    def test_echoed_record_is_ignored(self) -> None:
        """The echoed record plays no part in the mapping."""
        body = {"status": "partial", "unprocessed": [_skipped(509, "x.", 1, record={"d": 1})]}
        assert read_answer(_body(body), 2).rejected == {0: (509, "x.")}

    def test_fail_with_entries(self) -> None:
        """A 'fail' listing every record is per-record failures."""
        body = {"status": "fail", "processed": 0, "unprocessed": [_skipped(523, "No id.", 1)]}
        assert read_answer(_body(body), 1).rejected == {0: (523, "No id.")}

    def test_request_level_failure(self) -> None:
        """A 'fail' without entries refuses the request as a whole."""
        body = {"status": "fail", "error": "Account ID is not valid", "code": 401}
        answer = read_answer(_body(body), 5)
        assert answer.request_error == (401, "Account ID is not valid")

    def test_string_code(self) -> None:
        """A numeric code sent as a string is read as a number."""
        body = {"status": "partial", "unprocessed": [{**_skipped(0, "e.", 1), "code": "515"}]}
        assert read_answer(_body(body), 1).rejected[0][0] == 515

    def test_bodies_without_list_count_as_success(self) -> None:
        """{"status": "success"} alone (the delete answer) names no failures."""
        assert read_answer(b'{"status": "success"}', 4).rejected == {}

    @pytest.mark.parametrize(
        "content",
        [
            b"",
            b"<html>oops</html>",
            b"[]",
            b'{"processed": 1}',
            b'{"status": "maybe"}',
            b'{"status": "success", "processed": "1"}',
            b'{"status": "partial", "unprocessed": {}}',
            b'{"status": "fail", "processed": 0}',
        ],
    )
    def test_malformed(self, content: bytes) -> None:
        """A body that cannot be trusted raises MalformedAnswerError."""
        with pytest.raises(MalformedAnswerError, match="HTTP 200"):
            read_answer(content, 2)

    @pytest.mark.parametrize(
        "entry",
        [
            "not an object",
            {"code": 515},
            {"code": 515, "error": "no number here"},
            _skipped(515, "x.", 0),
            _skipped(515, "x.", 3),
        ],
    )
    def test_unmappable_entry(self, entry: Any) -> None:
        """An entry naming no record of the request makes the body untrustworthy."""
        body = {"status": "partial", "unprocessed": [entry]}
        with pytest.raises(MalformedAnswerError):
            read_answer(_body(body), 2)

    def test_duplicate_entry(self) -> None:
        """A record named twice makes the body untrustworthy."""
        body = {"status": "partial", "unprocessed": [_skipped(1, "a.", 1), _skipped(2, "b.", 1)]}
        with pytest.raises(MalformedAnswerError, match="twice"):
            read_answer(_body(body), 2)


class TestDescribeErrorBody:
    def test_json(self) -> None:
        """A CleverTap error body gives its code and text."""
        assert describe_error_body(b'{"status":"fail","error":"Bad","code":400}') == (400, "Bad")

    def test_text(self) -> None:
        """Any other body is quoted."""
        assert describe_error_body(b"Service\n  Unavailable") == (None, "Service Unavailable")


class TestQuote:
    def test_truncates(self) -> None:
        """Long bodies are cut short."""
        assert quote(b"x" * 500) == "x" * 200 + "…"
