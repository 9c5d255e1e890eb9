"""track, page and screen → CleverTap events; Order Completed → Charged."""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from decimal import Decimal
from typing import Any, Optional, Union

from ._exceptions import (
    InvalidMessageError,
    InvalidPropertyError,
    ReservedEventNameError,
)
from ._keys import is_restricted_event_name, remove_prohibited, snake_case
from ._message import Context, get_mapping, get_timestamp, resolve_user
from ._properties import add_properties
from ._values import MAX_INTEGER, describe, normalise_scalar

MAX_CHARGED_ITEMS = 256
_ORDER_COMPLETED = "order completed"
_SEPARATORS = re.compile(r"[\s_]+")


def _event_record(context: Context, name: str, data: dict[str, Any]) -> dict[str, Any]:
    max_properties = context.options.max_event_properties
    if len(data) > max_properties:
        msg = (
            f"the event has {len(data)} properties; at most {max_properties} are allowed "
            f"(max_event_properties, CleverTap's per-account limit)"
        )
        raise InvalidPropertyError(msg, path="properties")
    key, identifier = resolve_user(context)
    record: dict[str, Any] = {"type": "event", key: identifier}
    timestamp = get_timestamp(context.message)
    if timestamp is not None:
        record["ts"] = timestamp
    record["evtName"] = name
    record["evtData"] = data
    return record


def _properties(context: Context) -> Mapping[str, Any]:
    return get_mapping(context.message, "properties", "properties") or {}


def _event_name(context: Context) -> tuple[str, bool]:
    """The event name as CleverTap will take it, and whether it is Segment's Order Completed."""
    name = context.message.get("event")
    cached = _EVENT_NAMES.get(name) if type(name) is str else None
    if cached is None:
        cached = _check_event_name(name)  # raises unless name is a usable string
        if len(_EVENT_NAMES) < _EVENT_NAMES_LIMIT:
            _EVENT_NAMES[name] = cached  # type: ignore[index]
    cleaned, warning, order_completed = cached
    if warning:
        context.warn(warning)
    return cleaned, order_completed


# Event names repeat across messages; their checks are cached, bounded against unique names.
_EVENT_NAMES: dict[str, tuple[str, str, bool]] = {}
_EVENT_NAMES_LIMIT = 10_000


def _check_event_name(name: object) -> tuple[str, str, bool]:
    if not isinstance(name, str) or not name.strip():
        got = "nothing" if name is None else describe(name)
        msg = f"a track call needs event, a non-empty string; got {got}"
        raise InvalidMessageError(msg, path="event", value=name, has_value=name is not None)
    cleaned = remove_prohibited(name).strip()
    if not cleaned:
        msg = f"event name {name!r} holds only characters CleverTap prohibits in event names"
        raise InvalidMessageError(msg, path="event", value=name, has_value=True)
    warning = ""
    if cleaned != name.strip():
        warning = f"event: {name!r} holds characters CleverTap prohibits; sent as {cleaned!r}"
    if is_restricted_event_name(cleaned):
        msg = (
            f"{cleaned!r} is a CleverTap system event name, which CleverTap refuses from "
            f"uploads; rename the event"
        )
        raise ReservedEventNameError(msg, path="event", value=name, has_value=True)
    order_completed = _SEPARATORS.sub(" ", cleaned).strip().lower() == _ORDER_COMPLETED
    return cleaned, warning, order_completed


def translate_track(context: Context) -> list[dict[str, Any]]:
    """track → an event named after ``event``; Order Completed → Charged."""
    name, order_completed = _event_name(context)
    properties = _properties(context)
    if order_completed:
        data = _charged_data(context, properties)
        name = context.options.order_completed_event_name
    else:
        data = {}
        add_properties(data, properties, "properties", context, profile=False)
    return [_event_record(context, name, data)]


def _page_or_screen(context: Context, event_name: str) -> list[dict[str, Any]]:
    data: dict[str, Any] = {}
    add_properties(data, _properties(context), "properties", context, profile=False)
    message = context.message
    for field in ("name", "category"):
        value = message.get(field)
        if value is None:
            continue
        if not isinstance(value, str):
            msg = f"{field} must be a string, not {type(value).__name__}"
            raise InvalidMessageError(msg, path=field, value=value, has_value=True)
        if field not in data:
            add_properties(data, {field: value}, "", context, profile=False)
    return [_event_record(context, event_name, data)]


def translate_page(context: Context) -> list[dict[str, Any]]:
    """page → the event named by ``page_event_name``."""
    return _page_or_screen(context, context.options.page_event_name)


def translate_screen(context: Context) -> list[dict[str, Any]]:
    """screen → the event named by ``screen_event_name``."""
    return _page_or_screen(context, context.options.screen_event_name)


# Segment's Order Completed properties that become Charged's own fields, by snake_case name.
_CHARGED_ID_SOURCES = ("order_id", "checkout_id")
_AMOUNT_SOURCES = ("total", "revenue", "value")


def _charged_data(context: Context, properties: Mapping[str, Any]) -> dict[str, Any]:
    by_name: dict[str, tuple[str, Any]] = {}
    for key, value in properties.items():
        if isinstance(key, str) and value is not None:
            by_name.setdefault(snake_case(key), (key, value))
    consumed: set[str] = set()
    data: dict[str, Any] = {}

    charged_id = _first(by_name, _CHARGED_ID_SOURCES)
    if charged_id is not None:
        key, value = charged_id
        if isinstance(value, bool) or not isinstance(value, (str, int, float, Decimal)):
            msg = f"an order id must be a string or a number, not {type(value).__name__}"
            raise InvalidPropertyError(msg, path=f"properties.{key}", value=value, has_value=True)
        data["Charged ID"] = normalise_scalar(value, f"properties.{key}", convert_dates=False)
        consumed.add(key)

    amount = _first(by_name, _AMOUNT_SOURCES)
    if amount is not None:
        key, value = amount
        data["Amount"] = _amount(value, f"properties.{key}")
        consumed.add(key)

    products = by_name.get("products")
    if products is not None:
        key, value = products
        data["Items"] = _items(context, value, f"properties.{key}")
        consumed.add(key)

    rest = {key: value for key, value in properties.items() if key not in consumed}
    add_properties(data, rest, "properties", context, profile=False)
    return data


def _first(
    by_name: Mapping[str, tuple[str, Any]], names: tuple[str, ...]
) -> Optional[tuple[str, Any]]:
    for name in names:
        if name in by_name:
            return by_name[name]
    return None


def _amount(value: Any, path: str) -> Union[int, float]:
    number: Any = value
    if isinstance(value, str):
        try:
            number = float(value.strip().replace(",", ""))
        except ValueError:
            number = None
    elif isinstance(value, Decimal):
        number = float(value) if value.is_finite() else None  # float(sNaN) raises
    if (
        isinstance(number, bool)
        or not isinstance(number, (int, float))
        or (isinstance(number, float) and not math.isfinite(number))
    ):
        msg = f"the order amount must be a finite number or a numeric string, not {describe(value)}"
        raise InvalidPropertyError(msg, path=path, value=value, has_value=True)
    if isinstance(number, int) and not -MAX_INTEGER <= number <= MAX_INTEGER:
        msg = "the order amount is out of range; CleverTap stores numbers up to 2**63 - 1"
        raise InvalidPropertyError(msg, path=path, value=value, has_value=True)
    if isinstance(number, float) and number.is_integer() and not isinstance(value, float):
        return int(number)
    return number


def _items(context: Context, products: Any, path: str) -> list[dict[str, Any]]:
    if not isinstance(products, (list, tuple)):
        msg = f"products must be a list of objects, not {type(products).__name__}"
        raise InvalidMessageError(msg, path=path, value=products, has_value=True)
    if len(products) > MAX_CHARGED_ITEMS:
        msg = (
            f"{len(products)} products; a CleverTap Charged event takes at most {MAX_CHARGED_ITEMS}"
        )
        raise InvalidPropertyError(msg, path=path, value=products, has_value=True)
    items = []
    for position, product in enumerate(products):
        item_path = f"{path}[{position}]"
        if not isinstance(product, Mapping):
            msg = f"each product must be an object, not {type(product).__name__}"
            raise InvalidMessageError(msg, path=item_path, value=product, has_value=True)
        item: dict[str, Any] = {}
        add_properties(item, product, item_path, context, profile=False)
        items.append(item)
    return items
