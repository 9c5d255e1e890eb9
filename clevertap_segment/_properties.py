"""Custom properties: trait and event-property keys and values, nested values by policy."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from math import isfinite
from typing import Any, Union

from ._exceptions import InvalidPropertyError, NestedPropertyError
from ._keys import MAX_KEY_LENGTH, VALID_SNAKE_KEYS, preserved_key, snake_key
from ._message import Context
from ._values import (
    MAX_INTEGER,
    MAX_STRING_LENGTH,
    describe,
    iso_to_epoch,
    normalise_scalar,
    stringify,
)

MAX_MULTI_VALUE_ITEMS = 100
# Deeper nesting than this is refused rather than flattened into ever longer keys.
# Flattened keys pass CleverTap's 120 characters (60 levels of "a_") before this: it only
# guards the recursion.
MAX_DEPTH = 64


def join_path(parent: str, key: object) -> str:
    """The dotted path of ``key`` inside ``parent``."""
    if type(key) is not str:
        key = describe(key)
    return f"{parent}.{key}" if parent else key


def put(out: dict[str, Any], key: str, value: Any, path: str) -> None:
    """Set ``out[key]``, refusing to overwrite a different value already there."""
    if key in out:
        existing = out[key]
        if type(existing) is not type(value) or existing != value:
            msg = (
                f"two fields become the key {key!r} with different values "
                f"({existing!r} and {value!r}); rename one of them"
            )
            raise InvalidPropertyError(msg[:400], path=path, value=value, has_value=True)
    out[key] = value


def add_properties(
    out: dict[str, Any],
    source: Union[Mapping[str, Any], Iterable[tuple[Any, Any]]],
    parent: str,
    context: Context,
    *,
    profile: bool,
    key_prefix: str = "",
    depth: int = 0,
) -> None:
    """Normalise every key and value of ``source`` (a mapping, or key-value pairs) into ``out``.

    ``profile`` selects the rules for traits (lists of scalars become multi-value properties,
    nested objects follow ``nested_traits``) rather than event properties (``nested_properties``).
    """
    options = context.options
    snake = options.key_case == "snake"
    convert_dates = options.convert_dates
    pairs = source.items() if type(source) is dict or isinstance(source, Mapping) else source
    for key, value in pairs:
        if value is None:
            continue
        if snake:
            name = VALID_SNAKE_KEYS.get(key) or snake_key(key, join_path(parent, key))
        else:
            name = preserved_key(key, join_path(parent, key), profile=profile)
        if key_prefix:
            name = _prefixed(key_prefix, name, join_path(parent, key))
        kind = type(value)
        # Plain strings, numbers and booleans, by far the most common values, pass untouched.
        if kind is str:
            if len(value) > MAX_STRING_LENGTH:
                scalar = normalise_scalar(value, join_path(parent, key), convert_dates)
            elif convert_dates and value[4:5] == "-":
                epoch = iso_to_epoch(value)
                scalar = value if epoch is None else f"$D_{epoch}"
            else:
                scalar = value
        elif (
            kind is bool
            or (kind is int and -MAX_INTEGER <= value <= MAX_INTEGER)
            or (kind is float and isfinite(value))
        ):
            scalar = value
        elif kind is dict or isinstance(value, Mapping):
            _add_object(
                out, name, value, join_path(parent, key), context, profile=profile, depth=depth
            )
            continue
        elif isinstance(value, (list, tuple)):
            _add_array(out, name, value, join_path(parent, key), context, profile=profile)
            continue
        else:
            scalar = normalise_scalar(value, join_path(parent, key), convert_dates)
        if name in out:
            put(out, name, scalar, join_path(parent, key))
        else:
            out[name] = scalar


def _prefixed(prefix: str, name: str, path: str) -> str:
    name = f"{prefix}_{name}"
    if len(name) > MAX_KEY_LENGTH:
        msg = (
            f"flattened key {name[:40]!r}... is {len(name)} characters long; CleverTap allows "
            f"at most {MAX_KEY_LENGTH}"
        )
        raise InvalidPropertyError(msg, path=path)
    return name


def _policy(context: Context, profile: bool) -> str:
    return context.options.nested_traits if profile else context.options.nested_properties


def _add_object(
    out: dict[str, Any],
    name: str,
    value: Mapping[str, Any],
    path: str,
    context: Context,
    *,
    profile: bool,
    depth: int,
) -> None:
    policy = _policy(context, profile)
    if policy == "flatten":
        if depth >= MAX_DEPTH:
            msg = f"objects nested more than {MAX_DEPTH} levels deep cannot be flattened"
            raise InvalidPropertyError(msg, path=path, value=value, has_value=True)
        before = len(out)
        add_properties(out, value, path, context, profile=profile, key_prefix=name, depth=depth + 1)
        if len(out) == before and not value:
            context.warn(f"{path}: empty object left out")
    elif policy == "stringify":
        put(out, name, stringify(value, path), path)
    elif policy == "drop":
        context.warn(f"{path}: nested object dropped (nested_{_policy_name(profile)}='drop')")
    else:
        raise _nested_error(path, value, profile, "an object")


def _add_array(
    out: dict[str, Any], name: str, value: Any, path: str, context: Context, *, profile: bool
) -> None:
    policy = _policy(context, profile)
    if profile and _all_scalars(value):
        put(out, name, multi_value(value, path, context), path)
    elif policy == "flatten":
        # An array cannot become parent_child keys without inventing indices; keep it whole.
        put(out, name, stringify(value, path), path)
        what = "array of objects or arrays" if profile else "array"
        context.warn(f"{path}: {what} sent as a JSON string")
    elif policy == "stringify":
        put(out, name, stringify(value, path), path)
    elif policy == "drop":
        context.warn(f"{path}: array dropped (nested_{_policy_name(profile)}='drop')")
    else:
        raise _nested_error(path, value, profile, "an array")


def _policy_name(profile: bool) -> str:
    return "traits" if profile else "properties"


def _nested_error(path: str, value: Any, profile: bool, what: str) -> NestedPropertyError:
    if profile:
        allowed = "string, number, boolean or date values, or lists of strings and numbers"
    else:
        allowed = "string, number, boolean or date values"
    msg = (
        f"{what} is not allowed here: CleverTap takes {allowed}; flatten it first, or set "
        f"nested_{_policy_name(profile)} to flatten, stringify or drop"
    )
    return NestedPropertyError(msg, path=path, value=value, has_value=True)


def _all_scalars(items: Any) -> bool:
    return not any(isinstance(item, (Mapping, list, tuple)) for item in items)


def multi_value(items: Any, path: str, context: Context) -> dict[str, list[str]]:
    """A CleverTap multi-value property, ``{"$set": [...]}``, from a list of scalars.

    Values become strings (booleans as ``true``/``false``), nulls are left out, and repeats
    are removed, keeping the first.

    Raises:
        InvalidPropertyError: More than 100 distinct values, or a value longer than 512
            characters or of a type CleverTap cannot take.
    """
    seen: dict[str, None] = {}
    for position, item in enumerate(items):
        if item is None:
            continue
        item_path = f"{path}[{position}]"
        if isinstance(item, bool):
            text = "true" if item else "false"
        elif isinstance(item, str):
            text = item
        elif isinstance(item, (dt.date, dt.time)):
            # Multi-value properties hold plain strings: a "$D_" date would not be a date there.
            text = item.isoformat()
        else:
            # Numbers, Decimals, dates: validated like any value, then written as text.
            scalar = normalise_scalar(item, item_path, convert_dates=False)
            text = scalar if isinstance(scalar, str) else repr(scalar)
        if len(text) > MAX_STRING_LENGTH:
            msg = (
                f"multi-value item of {len(text)} characters; CleverTap allows at most "
                f"{MAX_STRING_LENGTH}"
            )
            raise InvalidPropertyError(msg, path=item_path, value=item, has_value=True)
        seen[text] = None
    if len(seen) > MAX_MULTI_VALUE_ITEMS:
        msg = (
            f"{len(seen)} distinct values; a CleverTap multi-value property holds at most "
            f"{MAX_MULTI_VALUE_ITEMS}"
        )
        raise InvalidPropertyError(msg, path=path, value=items, has_value=True)
    return {"$set": list(seen)}
