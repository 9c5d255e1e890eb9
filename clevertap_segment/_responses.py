"""Reading CleverTap's answers.

An HTTP 200 does not mean every record was stored: the body says which were not, by their 1-based
position in the request (``Skipped record number : K``). The echoed record is normalised by the
server, so failures are mapped back by that position, never by comparing records.
"""

from __future__ import annotations

import json
import re
from typing import Any, Optional

import attrs

_SKIPPED = re.compile(r"\s*Skipped record number\s*:\s*(\d+)\s*\.?\s*$")
_KNOWN_STATUSES = frozenset({"success", "partial", "fail"})
#: Longest piece of a non-JSON body quoted in an error.
_QUOTE_LIMIT = 200


class MalformedAnswerError(Exception):
    """A 200 whose body cannot be trusted to say which records were stored (internal)."""


@attrs.frozen(kw_only=True)
class Answer:
    """What a 200 said about the records of one request.

    Attributes:
        rejected: 0-based index in the request → (code, error) for each record not stored.
        request_error: (code, error) when the body refuses the request as a whole instead.
        processed: The count the body claims were stored, when it gives one.
    """

    rejected: dict[int, tuple[Optional[int], str]] = attrs.Factory(dict)
    request_error: Optional[tuple[Optional[int], str]] = None
    processed: Optional[int] = None


def read_answer(content: bytes, sent: int) -> Answer:
    """Read the body of a 200 answer to a request that carried ``sent`` records.

    Raises:
        MalformedAnswerError: The body is not the JSON CleverTap sends, or it names records that
            were not in the request: nothing in it can be trusted.
    """
    try:
        body = json.loads(content)
    except ValueError:
        msg = f"HTTP 200 with a body that is not JSON: {quote(content)!r}"
        raise MalformedAnswerError(msg) from None
    if not isinstance(body, dict) or body.get("status") not in _KNOWN_STATUSES:
        msg = f"HTTP 200 with an unexpected body: {quote(content)!r}"
        raise MalformedAnswerError(msg)
    processed = body.get("processed")
    if processed is not None and (isinstance(processed, bool) or not isinstance(processed, int)):
        msg = f"HTTP 200 with a non-integer 'processed': {processed!r}"
        raise MalformedAnswerError(msg)
    entries = body.get("unprocessed", [])
    if not isinstance(entries, list):
        msg = "HTTP 200 with an 'unprocessed' that is not a list"
        raise MalformedAnswerError(msg)
    if body["status"] == "fail" and not entries:
        if "error" not in body and "code" not in body:
            msg = "HTTP 200 with status 'fail' and no reason"
            raise MalformedAnswerError(msg)
        return Answer(request_error=_code_and_error(body), processed=processed)
    rejected: dict[int, tuple[Optional[int], str]] = {}
    for entry in entries:
        index, code, error = _read_entry(entry, sent)
        if index in rejected:
            msg = f"HTTP 200 naming record {index + 1} twice"
            raise MalformedAnswerError(msg)
        rejected[index] = (code, error)
    return Answer(rejected=rejected, processed=processed)


def _read_entry(entry: Any, sent: int) -> tuple[int, Optional[int], str]:
    if not isinstance(entry, dict) or not isinstance(entry.get("error"), str):
        msg = f"HTTP 200 with an 'unprocessed' entry without an error text: {entry!r:.200}"
        raise MalformedAnswerError(msg)
    text: str = entry["error"]
    match = _SKIPPED.search(text)
    if match is None:
        msg = f"HTTP 200 with an 'unprocessed' entry that names no record: {text!r:.200}"
        raise MalformedAnswerError(msg)
    number = int(match.group(1))
    if not 1 <= number <= sent:
        msg = f"HTTP 200 naming record {number} of a request of {sent}"
        raise MalformedAnswerError(msg)
    code, _ = _code_and_error(entry)
    error = text[: match.start()].strip() or "rejected by CleverTap"
    return number - 1, code, error


def _code_and_error(body: dict[str, Any]) -> tuple[Optional[int], str]:
    code = body.get("code")
    if isinstance(code, str) and code.isdigit():
        code = int(code)
    if isinstance(code, bool) or not isinstance(code, int):
        code = None
    error = body.get("error")
    return code, error if isinstance(error, str) and error else "no reason given"


def describe_error_body(content: bytes) -> tuple[Optional[int], str]:
    """The code and error text of a non-200 answer, as well as can be made out."""
    try:
        body = json.loads(content)
    except ValueError:
        body = None
    if isinstance(body, dict) and ("error" in body or "code" in body):
        return _code_and_error(body)
    return None, quote(content)


def quote(content: bytes) -> str:
    """A short, single-line excerpt of a body for an error message."""
    text = content[:_QUOTE_LIMIT].decode("utf-8", "replace")
    text = " ".join(text.split())
    return text + "…" if len(content) > _QUOTE_LIMIT else text
