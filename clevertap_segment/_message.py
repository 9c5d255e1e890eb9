"""Reading a Segment message: its fields, identifiers and timestamp.

Segment's wire format spells fields in camelCase (``userId``); warehouse exports spell them in
snake_case (``user_id``). Both are read, camelCase first.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any, Optional

from ._exceptions import InvalidMessageError
from ._options import TranslationOptions
from ._values import describe, iso_to_epoch, to_epoch

# Field names as Segment sends them, and as warehouse exports spell them.
_SPELLINGS = {
    "userId": "user_id",
    "anonymousId": "anonymous_id",
    "messageId": "message_id",
    "previousId": "previous_id",
    "originalTimestamp": "original_timestamp",
    "receivedAt": "received_at",
    "sentAt": "sent_at",
}
# Where ``ts`` comes from, best first.
_TIMESTAMP_FIELDS = ("timestamp", "originalTimestamp", "receivedAt", "sentAt")


class Context:
    """What the steps of one translation share: the options and the warnings so far."""

    __slots__ = ("message", "options", "warnings")

    def __init__(self, message: Mapping[str, Any], options: TranslationOptions) -> None:
        self.message = message
        self.options = options
        self.warnings: list[str] = []

    def warn(self, text: str) -> None:
        """Note something that was changed or left out on the way."""
        self.warnings.append(text)


def get_field(message: Mapping[str, Any], name: str) -> tuple[str, Any]:
    """The value of a top-level field under either spelling, and the spelling found."""
    value = message.get(name)
    if value is None:
        other = _SPELLINGS.get(name)
        if other is not None and other in message:
            return other, message[other]
    return name, value


def get_mapping(container: Mapping[str, Any], name: str, path: str) -> Optional[Mapping[str, Any]]:
    """A field that must be an object when present; None when absent or null."""
    value = container.get(name)
    if value is None or type(value) is dict or isinstance(value, Mapping):
        return value
    msg = f"{name} must be an object, not {type(value).__name__}"
    raise InvalidMessageError(msg, path=path, value=value, has_value=True)


def get_identifier(message: Mapping[str, Any], name: str) -> Optional[str]:
    """A user identifier field as a string; None when absent, null or blank.

    Raises:
        InvalidMessageError: The field is neither a string nor a number.
    """
    value = message.get(name)
    if type(value) is str and value and not value[0].isspace():  # the common case
        return value
    path, value = get_field(message, name)
    if value is None:
        return None
    if isinstance(value, str):
        return value if value and (not value[0].isspace() or value.strip()) else None
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    msg = f"{path} must be a string or an integer, not {type(value).__name__}"
    raise InvalidMessageError(msg, path=path, value=value, has_value=True)


def get_timestamp(message: Mapping[str, Any]) -> Optional[int]:
    """Epoch seconds of the message, or None when it has no timestamp.

    Read from ``timestamp``, else ``originalTimestamp``, else ``receivedAt``, else ``sentAt``.

    Raises:
        InvalidMessageError: The first timestamp present cannot be parsed, or is not after 1970.
    """
    value = message.get("timestamp")
    if type(value) is str:  # the common case, straight to the parser
        epoch = iso_to_epoch(value)
        if epoch is not None and epoch > 0:
            return epoch
    for name in _TIMESTAMP_FIELDS:
        path, value = get_field(message, name)
        if value is None:
            continue
        if isinstance(value, (str, dt.date)) or (
            isinstance(value, (int, float)) and not isinstance(value, bool)
        ):
            epoch = to_epoch(value)
        else:
            epoch = None
        if epoch is None:
            msg = (
                f"cannot read {describe(value)} as a timestamp; allowed: an ISO-8601 string, "
                f"a datetime, "
                f"or epoch seconds or milliseconds"
            )
            raise InvalidMessageError(msg[:300], path=path, value=value, has_value=True)
        if epoch <= 0:
            msg = f"timestamp {describe(value)} is not after 1970-01-01, which CleverTap requires"
            raise InvalidMessageError(msg, path=path, value=value, has_value=True)
        return epoch
    return None


def get_email_trait(context: Context) -> Optional[str]:
    """The ``email`` trait from ``traits`` or ``context.traits``, when it is a usable string."""
    message = context.message
    sources = [("traits", get_mapping(message, "traits", "traits"))]
    ctx = get_mapping(message, "context", "context")
    if ctx is not None:
        sources.append(("context.traits", get_mapping(ctx, "traits", "context.traits")))
    for _, traits in sources:
        if traits is None:
            continue
        for key, value in traits.items():
            if (
                isinstance(key, str)
                and key.lower() == "email"
                and isinstance(value, str)
                and value.strip()
            ):
                return value.strip()
    return None


def resolve_user(context: Context) -> tuple[str, str]:
    """Who a message is about: ``(record key, identifier)``.

    The record key is ``"identity"`` (the user id, or else the email trait) or ``"objectId"``
    (the anonymous ID).

    Raises:
        InvalidMessageError: No identifier can be found.
    """
    message = context.message
    user_id = get_identifier(message, "userId")
    anonymous_id = get_identifier(message, "anonymousId")
    use_anonymous = context.options.anonymous_id_as_object_id
    if user_id is not None:
        return "identity", user_id
    if anonymous_id is not None and use_anonymous:
        return "objectId", anonymous_id
    email = get_email_trait(context)
    if email is not None:
        return "identity", email
    allowed = "userId, anonymousId" if use_anonymous else "userId"
    msg = f"the message has no user identifier; one of {allowed} or an email trait is required"
    if anonymous_id is not None:
        msg += " (anonymousId is not used because anonymous_id_as_object_id is False)"
    raise InvalidMessageError(msg, path="userId")
