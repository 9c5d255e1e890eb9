"""Property keys: snake_case and the rules CleverTap sets for keys."""

from __future__ import annotations

import re

import inflection

from ._exceptions import InvalidPropertyError

MAX_KEY_LENGTH = 120

# Characters CleverTap refuses in event names and property keys; profile keys also refuse "#".
PROHIBITED_CHARACTERS = frozenset("%><!|&.:;$'\"\\")
PROHIBITED_PROFILE_CHARACTERS = PROHIBITED_CHARACTERS | {"#"}

_NOT_LETTER_OR_DIGIT = re.compile(r"[\W_]+")

# Keys repeat across messages, so snake_case results are cached. The cache is bounded so that a
# stream of unique keys (say, ids used as keys) cannot grow memory without limit.
_SNAKE_CACHE: dict[str, str] = {}
_SNAKE_CACHE_LIMIT = 20_000
# Input keys whose snake_case form passed every check, mapped to that form: the hot path's lookup.
VALID_SNAKE_KEYS: dict[str, str] = {}


def snake_case(key: str) -> str:
    """Lower-case ``key`` and join its words with single underscores.

    Camel case is split into words, and every run of characters other than letters and digits
    becomes one ``_``, with none at either end. The result is idempotent:
    ``snake_case(snake_case(k)) == snake_case(k)``.

    Example:
        >>> snake_case("firstName"), snake_case("Plan Type"), snake_case("productID")
        ('first_name', 'plan_type', 'product_id')
        >>> snake_case("Order-Total"), snake_case("price.usd"), snake_case("__a  b__")
        ('order_total', 'price_usd', 'a_b')

    Args:
        key: Any string.

    Returns:
        The snake_case form; ``""`` when ``key`` holds no letter or digit.
    """
    try:
        return _SNAKE_CACHE[key]
    except KeyError:
        pass
    result = _NOT_LETTER_OR_DIGIT.sub("_", inflection.underscore(key).lower()).strip("_")
    if len(_SNAKE_CACHE) < _SNAKE_CACHE_LIMIT:
        _SNAKE_CACHE[key] = result
    return result


def _describe(key: object) -> str:
    try:
        text = repr(key)
    except ValueError:  # an int of more than 4300 digits
        return f"<{type(key).__name__}>"
    return text if len(text) <= 60 else text[:57] + "..."


def snake_key(key: object, path: str) -> str:
    """The snake_case form of a property key, checked against CleverTap's key rules.

    Raises:
        InvalidPropertyError: The key is not a string, has no letters or digits, or its snake_case
            form is longer than 120 characters.
    """
    if not isinstance(key, str):
        msg = f"property keys must be strings, not {type(key).__name__} {_describe(key)}"
        raise InvalidPropertyError(msg, path=path, value=key, has_value=True)
    result = _SNAKE_CACHE.get(key)
    if result is None:
        result = snake_case(key)
    if not result:
        msg = f"key {_describe(key)} has no letters or digits, so it cannot be a CleverTap key"
        raise InvalidPropertyError(msg, path=path, value=key, has_value=True)
    if len(result) > MAX_KEY_LENGTH:
        msg = (
            f"key {_describe(result)} is {len(result)} characters long after snake_casing; "
            f"CleverTap allows at most {MAX_KEY_LENGTH}"
        )
        raise InvalidPropertyError(msg, path=path, value=key, has_value=True)
    if len(VALID_SNAKE_KEYS) < _SNAKE_CACHE_LIMIT:
        VALID_SNAKE_KEYS[key] = result
    return result


def preserved_key(key: object, path: str, *, profile: bool) -> str:
    """A property key kept as given, checked against CleverTap's key rules.

    Raises:
        InvalidPropertyError: The key is not a string, is blank, is longer than 120 characters
            or holds a character CleverTap prohibits.
    """
    if not isinstance(key, str):
        msg = f"property keys must be strings, not {type(key).__name__} {_describe(key)}"
        raise InvalidPropertyError(msg, path=path, value=key, has_value=True)
    if not key.strip():
        msg = "property keys must not be empty or blank"
        raise InvalidPropertyError(msg, path=path, value=key, has_value=True)
    if len(key) > MAX_KEY_LENGTH:
        msg = f"key is {len(key)} characters long; CleverTap allows at most {MAX_KEY_LENGTH}"
        raise InvalidPropertyError(msg, path=path, value=key, has_value=True)
    prohibited = PROHIBITED_PROFILE_CHARACTERS if profile else PROHIBITED_CHARACTERS
    bad = sorted(prohibited.intersection(key))
    if bad:
        msg = (
            f"key {_describe(key)} holds {' '.join(bad)}, which CleverTap prohibits in keys; "
            f"use key_case='snake' or rename it"
        )
        raise InvalidPropertyError(msg, path=path, value=key, has_value=True)
    return key


def remove_prohibited(name: str) -> str:
    """``name`` without the characters CleverTap prohibits in event names."""
    if PROHIBITED_CHARACTERS.isdisjoint(name):
        return name
    return "".join(char for char in name if char not in PROHIBITED_CHARACTERS)


# CleverTap's restricted system event names, compared lower-cased and without spaces.
RESTRICTED_EVENT_NAMES = frozenset(
    name.replace(" ", "").lower()
    for name in (
        "Notification Sent", "Notification Viewed", "Notification Clicked",
        "Notification Delivered", "Notification Replied", "Notification Bounced",
        "UTM Visited", "App Launched", "App Uninstalled", "App Version Changed", "Stayed",
        "Reply Sent", "Experiment Rendered", "Reachable By", "Identity Reset", "Identity Set",
        "Identity Error", "wzrk_d", "Geocluster Entered", "Geocluster Exited", "SCOutgoing",
        "SCIncoming", "SCEnd", "SCCampaignOptOut",
    )
)  # fmt: skip


def is_restricted_event_name(name: str) -> bool:
    """True when CleverTap reserves ``name`` for its own system events."""
    return name.replace(" ", "").lower() in RESTRICTED_EVENT_NAMES
