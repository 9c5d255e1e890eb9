"""Translation options: every default in one place."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any, Optional

import attrs
import cattrs

from ._keys import PROHIBITED_CHARACTERS, is_restricted_event_name

KEY_CASES = ("snake", "preserve")
NESTED_TRAITS_POLICIES = ("flatten", "reject", "stringify", "drop")
NESTED_PROPERTIES_POLICIES = ("reject", "flatten", "stringify", "drop")

_COUNTRY_CODE = re.compile(r"\+?[1-9][0-9]{0,3}")


def _normalise_country_code(value: Optional[str]) -> Optional[str]:
    if value is None:
        return None
    text = str(value).strip()
    if not _COUNTRY_CODE.fullmatch(text):
        msg = (
            f"default_phone_country_code must be 1 to 4 digits with an optional leading '+' "
            f"(like '+1' or '91'), not {value!r}"
        )
        raise ValueError(msg)
    return text.lstrip("+")


def _event_name(instance: object, attribute: attrs.Attribute[str], value: str) -> None:
    if not isinstance(value, str) or not value.strip():
        msg = f"{attribute.name} must be a non-empty string, not {value!r}"
        raise ValueError(msg)
    bad = sorted(PROHIBITED_CHARACTERS.intersection(value))
    if bad:
        msg = f"{attribute.name} {value!r} holds {' '.join(bad)}, which CleverTap prohibits"
        raise ValueError(msg)
    if is_restricted_event_name(value):
        msg = f"{attribute.name} {value!r} is a CleverTap system event name, which it refuses"
        raise ValueError(msg)


def _positive(instance: object, attribute: attrs.Attribute[int], value: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        msg = f"{attribute.name} must be a positive integer, not {value!r}"
        raise ValueError(msg)


def _one_of(*allowed: str) -> Any:
    def check(instance: object, attribute: attrs.Attribute[str], value: str) -> None:
        if value not in allowed:
            msg = f"{attribute.name} must be one of {', '.join(allowed)}; not {value!r}"
            raise ValueError(msg)

    return check


def _boolean(instance: object, attribute: attrs.Attribute[bool], value: bool) -> None:
    if not isinstance(value, bool):
        msg = f"{attribute.name} must be True or False, not {value!r}"
        raise TypeError(msg)


@attrs.frozen(kw_only=True)
class TranslationOptions:
    """How Segment messages become CleverTap records.

    Every field has a default that follows Segment's CleverTap destination in cloud mode; the
    mapping reference in the docs explains each rule.

    Example:
        >>> TranslationOptions(nested_properties="flatten", page_event_name="Page Viewed")
        TranslationOptions(key_case='snake', ...)
    """

    key_case: str = attrs.field(
        default="snake",
        validator=_one_of(*KEY_CASES),
        metadata={
            "help": "'snake' lower-cases and snake_cases trait and property keys; "
            "'preserve' keeps them as given.",
            "choices": KEY_CASES,
        },
    )
    anonymous_id_as_object_id: bool = attrs.field(
        default=True,
        validator=_boolean,
        metadata={"help": "Send the Segment anonymous ID as the CleverTap ID (objectId)."},
    )
    default_phone_country_code: Optional[str] = attrs.field(
        default=None,
        converter=_normalise_country_code,
        metadata={
            "help": "Country code (like '+1') for phone numbers given without one; "
            "unset, such numbers are sent as a custom 'phone' property."
        },
    )
    extended_reserved_fields: bool = attrs.field(
        default=False,
        validator=_boolean,
        metadata={
            "help": "Also map employed, married, education, customer_type, age and the msg_* "
            "subscription traits to CleverTap's reserved profile keys."
        },
    )
    convert_dates: bool = attrs.field(
        default=True,
        validator=_boolean,
        metadata={"help": "Send ISO-8601 date strings as CleverTap dates ($D_<epoch>)."},
    )
    nested_traits: str = attrs.field(
        default="flatten",
        validator=_one_of(*NESTED_TRAITS_POLICIES),
        metadata={
            "help": "What to do with object traits: flatten into parent_child keys, reject the "
            "message, stringify as JSON, or drop the trait.",
            "choices": NESTED_TRAITS_POLICIES,
        },
    )
    nested_properties: str = attrs.field(
        default="reject",
        validator=_one_of(*NESTED_PROPERTIES_POLICIES),
        metadata={
            "help": "What to do with object or array event properties: reject the message, "
            "flatten objects into parent_child keys, stringify as JSON, or drop the property.",
            "choices": NESTED_PROPERTIES_POLICIES,
        },
    )
    max_event_properties: int = attrs.field(
        default=100,
        validator=_positive,
        metadata={"help": "Most properties an event may carry (CleverTap's account limit)."},
    )
    order_completed_event_name: str = attrs.field(
        default="Charged",
        validator=_event_name,
        metadata={"help": "CleverTap event name for Segment's 'Order Completed'."},
    )
    page_event_name: str = attrs.field(
        default="Web Page Viewed",
        validator=_event_name,
        metadata={"help": "CleverTap event name for page calls."},
    )
    screen_event_name: str = attrs.field(
        default="App Screen Viewed",
        validator=_event_name,
        metadata={"help": "CleverTap event name for screen calls."},
    )

    @classmethod
    def from_mapping(cls, settings: Mapping[str, Any]) -> TranslationOptions:
        """Build options from a mapping, such as a parsed configuration file.

        Unknown keys are refused, so that a typo does not silently leave a default in place.

        Raises:
            ValueError: A key is unknown or a value is not allowed; the message names it.
        """
        known = {field.name for field in attrs.fields(cls)}
        unknown = sorted(str(key) for key in settings if key not in known)
        if unknown:
            msg = (
                f"unknown translation option(s) {', '.join(unknown)}; "
                f"known options: {', '.join(sorted(known))}"
            )
            raise ValueError(msg)
        try:
            return _converter.structure(dict(settings), cls)
        except cattrs.BaseValidationError as error:
            causes = "; ".join(cattrs.transform_error(error, format_exception=_describe_error))
            msg = f"invalid translation options: {causes}"
            raise ValueError(msg) from error

    def to_dict(self) -> dict[str, Any]:
        """The options as a plain dict, ready for JSON."""
        result: dict[str, Any] = _converter.unstructure(self)
        return result


def _describe_error(error: BaseException, _: Any) -> str:
    return str(error)


# cattrs would call bool(), str() or int() on whatever it is given, turning null into "None" and
# 12.7 into 12: these hooks take only values of the right type.
def _structure_strict_bool(value: Any, _: type) -> bool:
    if isinstance(value, bool):
        return value
    msg = f"expected true or false, not {value!r}"
    raise ValueError(msg)


def _structure_strict_str(value: Any, _: type) -> str:
    if isinstance(value, str):
        return value
    msg = f"expected a string, not {value!r}"
    raise ValueError(msg)


def _structure_strict_int(value: Any, _: type) -> int:
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    msg = f"expected an integer, not {value!r}"
    raise ValueError(msg)


# Our own converter: never register hooks on cattrs' global one.
_converter = cattrs.Converter(forbid_extra_keys=True)
_converter.register_structure_hook(bool, _structure_strict_bool)
_converter.register_structure_hook(str, _structure_strict_str)
_converter.register_structure_hook(int, _structure_strict_int)

DEFAULT_OPTIONS = TranslationOptions()
