"""Scalar values: dates, numbers and strings in the forms CleverTap takes."""

from __future__ import annotations

import datetime as dt
import json
import math
import re
from decimal import Decimal
from typing import Any, Optional, Union

from ._exceptions import InvalidPropertyError

MAX_STRING_LENGTH = 512
# Numeric epochs above this are taken as milliseconds (10**11 seconds is the year 5138).
MILLISECONDS_THRESHOLD = 10**11

_UTC = dt.timezone.utc
_EPOCH = dt.datetime(1970, 1, 1, tzinfo=_UTC)
_EPOCH_NAIVE = dt.datetime(1970, 1, 1)
_fromisoformat = dt.datetime.fromisoformat

# ISO-8601 dates and date-times as Segment and warehouses write them. Checked before
# fromisoformat so that, say, "2024" or "12-01-2024" stay strings.
_ISO_DATE = re.compile(
    r"(\d{4})-(\d{2})-(\d{2})"
    r"(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?"
    r"(Z|z|[+-]\d{2}(?::?\d{2})?)?)?"
)
_EPOCH_STRING = re.compile(r"-?\d{1,16}(?:\.\d+)?")

Scalar = Union[str, int, float, bool]
# CleverTap stores numbers as 64-bit values; a larger integer cannot be stored as it is.
MAX_INTEGER = 2**63 - 1


def describe(value: object, limit: int = 60) -> str:
    """A short ``repr`` of a value from a message, for error messages and warnings.

    Never raises: Python refuses to print integers of more than 4300 digits in decimal.
    """
    try:
        text = repr(value)
    except ValueError:
        bits = value.bit_length() if isinstance(value, int) else 0
        return f"<{type(value).__name__} of {bits} bits>"
    return text if len(text) <= limit else text[: limit - 3] + "..."


def is_iso_date_like(text: str) -> bool:
    """A cheap test of the shape of an ISO-8601 date, before the real parse.

    ``YYYY-MM-DD``, alone or followed by a time whose hours and minutes are separated by ``:``
    (which rules out week dates, ordinal dates and the basic format).
    """
    return (
        10 <= len(text) <= 40
        and text[4:5] == "-"
        and text[7:8] == "-"
        and text[5:7].isdigit()
        and (len(text) == 10 or (text[10] in "Tt " and text[13:14] == ":"))
    )


def iso_to_epoch(text: str) -> Optional[int]:
    """Epoch seconds of an ISO-8601 date or date-time string, or None if it is not one.

    Accepted: ``YYYY-MM-DD``, optionally followed by ``T`` (or a space) and ``HH:MM``,
    ``HH:MM:SS`` or ``HH:MM:SS.fraction``, optionally followed by ``Z`` or an offset. Naive
    date-times are taken as UTC; a bare date is midnight UTC.
    """
    if not 10 <= len(text) <= 40 or text[7:8] != "-":
        return None
    # The common shapes parse in C, then a cheap look at the shape keeps out what
    # fromisoformat takes beyond our grammar (week dates, hour-only times, odd separators).
    # Python 3.9 and 3.10 take no "Z" and fewer fraction digits: the pattern handles those.
    try:
        parsed = _fromisoformat(text)
    except ValueError:
        if not is_iso_date_like(text):
            return None
        pattern_parsed = _parse_iso_by_pattern(text)
        if pattern_parsed is None:
            return None
        parsed = pattern_parsed
    else:
        if len(text) != 10 and (text[13:14] != ":" or text[10] not in "Tt "):
            return None
    return datetime_to_epoch(parsed)


def _parse_iso_by_pattern(text: str) -> Optional[dt.datetime]:
    match = _ISO_DATE.fullmatch(text)
    if match is None:
        return None
    year, month, day, hour, minute, second, fraction, zone = match.groups()
    try:
        tzinfo: dt.tzinfo = _UTC
        if zone and zone not in "Zz":
            sign = -1 if zone[0] == "-" else 1
            digits = zone[1:].replace(":", "")
            offset = dt.timedelta(hours=int(digits[:2]), minutes=int(digits[2:4] or 0))
            tzinfo = dt.timezone(sign * offset)
        micro = int((fraction or "0")[:6].ljust(6, "0"))
        return dt.datetime(
            int(year),
            int(month),
            int(day),
            int(hour or 0),
            int(minute or 0),
            int(second or 0),
            micro,
            tzinfo=tzinfo,
        )
    except ValueError:  # month 13, hour 25, offset 24:00 and the like: not a date after all
        return None


def datetime_to_epoch(value: dt.datetime) -> int:
    """Whole epoch seconds of a datetime; a naive one is taken as UTC."""
    if value.tzinfo is None:
        delta = value - _EPOCH_NAIVE
    elif value.utcoffset() is None:  # a tzinfo that knows no offset: naive after all
        delta = value.replace(tzinfo=None) - _EPOCH_NAIVE
    else:
        delta = value - _EPOCH
    return delta.days * 86_400 + delta.seconds


def date_to_epoch(value: dt.date) -> int:
    """Epoch seconds of midnight UTC on a date (or of a datetime)."""
    if isinstance(value, dt.datetime):
        return datetime_to_epoch(value)
    return (value - _EPOCH.date()).days * 86_400


def number_to_epoch(value: float) -> Optional[int]:
    """Epoch seconds from a number of seconds or, above 10**11, milliseconds; None if invalid."""
    if isinstance(value, bool):
        return None
    # Out of range before any float arithmetic: an int like 10**400 overflows a float.
    if isinstance(value, int):
        if abs(value) > MILLISECONDS_THRESHOLD * 1000:
            return None
    elif not math.isfinite(value):
        return None
    if abs(value) > MILLISECONDS_THRESHOLD:
        value = value / 1000
        if abs(value) > MILLISECONDS_THRESHOLD:
            return None
    return math.floor(value)


def to_epoch(value: object, *, allow_numeric_strings: bool = True) -> Optional[int]:
    """Epoch seconds from a datetime, date, number, ISO-8601 string or digit string; else None."""
    if isinstance(value, str):
        text = value.strip()
        epoch = iso_to_epoch(text)
        if epoch is not None:
            return epoch
        if allow_numeric_strings and _EPOCH_STRING.fullmatch(text):
            return number_to_epoch(float(text))
        return None
    if isinstance(value, dt.date):
        return date_to_epoch(value)
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return number_to_epoch(value)
    if isinstance(value, Decimal):
        return number_to_epoch(float(value)) if value.is_finite() else None
    return None


def clevertap_date(epoch: int) -> str:
    """CleverTap's date value: ``"$D_<epoch seconds>"``."""
    return f"$D_{epoch}"


def normalise_scalar(value: Any, path: str, convert_dates: bool) -> Scalar:
    """A value as CleverTap takes it in event or profile data.

    Strings, booleans, integers and finite floats pass; ``Decimal`` becomes int or float; dates
    and datetimes (and, with ``convert_dates``, ISO-8601 strings) become ``"$D_<epoch>"``.

    Raises:
        InvalidPropertyError: A string longer than 512 characters, NaN or Infinity, or a type
            CleverTap cannot take (bytes, sets, objects…). Dicts and lists are the caller's.
    """
    kind = type(value)
    if kind is str:
        if len(value) > MAX_STRING_LENGTH:
            msg = f"string of {len(value)} characters; CleverTap allows at most {MAX_STRING_LENGTH}"
            raise InvalidPropertyError(msg, path=path, value=value, has_value=True)
        if convert_dates and value[4:5] == "-":
            epoch = iso_to_epoch(value)
            if epoch is not None:
                return f"$D_{epoch}"
        return value  # type: ignore[no-any-return]
    if kind is bool:
        return value  # type: ignore[no-any-return]
    if kind is int:
        return _integer(value, path)
    if kind is float:
        if math.isfinite(value):
            return value  # type: ignore[no-any-return]
        msg = f"{describe(value)} is not a number CleverTap can store; allowed: finite numbers"
        raise InvalidPropertyError(msg, path=path, value=value, has_value=True)
    return _normalise_other(value, path, convert_dates)


def _normalise_other(value: Any, path: str, convert_dates: bool) -> Scalar:
    # Subclasses and rarer types, off the hot path.
    if isinstance(value, bool):
        return bool(value)
    if isinstance(value, int):
        return _integer(int(value), path)
    if isinstance(value, str):
        return normalise_scalar(str(value), path, convert_dates)
    if isinstance(value, float):
        return normalise_scalar(float(value), path, convert_dates)
    if isinstance(value, Decimal):
        if not value.is_finite():
            msg = f"{describe(value)} is not a number CleverTap can store; allowed: finite numbers"
            raise InvalidPropertyError(msg, path=path, value=value, has_value=True)
        if value.adjusted() > 18:  # before int(): Decimal("1e999999999") would take forever
            return _integer(MAX_INTEGER + 1, path)
        if value == value.to_integral_value():
            return _integer(int(value), path)
        return float(value)
    if isinstance(value, dt.date):
        return clevertap_date(date_to_epoch(value))
    msg = (
        f"values of type {type(value).__name__} cannot be sent to CleverTap; allowed: "
        f"string, number, boolean, date or datetime"
    )
    raise InvalidPropertyError(msg, path=path, value=value, has_value=True)


def _integer(value: int, path: str) -> int:
    if -MAX_INTEGER <= value <= MAX_INTEGER:
        return value
    msg = "integer out of range; CleverTap stores integers from -(2**63 - 1) to 2**63 - 1"
    raise InvalidPropertyError(msg, path=path, value=value, has_value=True)


def _json_default(value: Any) -> Any:
    if isinstance(value, (dt.date, dt.time)):
        return value.isoformat()
    if isinstance(value, Decimal) and value.is_finite():
        return int(value) if value == value.to_integral_value() else float(value)
    msg = f"values of type {type(value).__name__} cannot be written as JSON"
    raise TypeError(msg)


def stringify(value: Any, path: str) -> str:
    """Compact JSON text of a nested value, for the ``stringify`` policies.

    Raises:
        InvalidPropertyError: The value cannot be written as JSON (NaN, bytes…) or its JSON text
            is longer than 512 characters.
    """
    try:
        text = json.dumps(
            value, separators=(",", ":"), ensure_ascii=False, allow_nan=False, default=_json_default
        )
    except (TypeError, ValueError) as error:
        msg = f"cannot stringify this value as JSON: {error}"
        raise InvalidPropertyError(msg, path=path, value=value, has_value=True) from None
    except RecursionError:
        msg = "cannot stringify this value as JSON: it is nested too deeply"
        raise InvalidPropertyError(msg, path=path, value=value, has_value=True) from None
    if len(text) > MAX_STRING_LENGTH:
        msg = (
            f"stringified value is {len(text)} characters long; CleverTap allows at most "
            f"{MAX_STRING_LENGTH}"
        )
        raise InvalidPropertyError(msg, path=path, value=value, has_value=True)
    return text
