"""identify → a CleverTap profile (and a push token); alias → a profile linking two ids."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any, Callable, Optional

from ._exceptions import InvalidMessageError
from ._keys import snake_case
from ._message import Context, get_identifier, get_mapping, get_timestamp, resolve_user
from ._properties import add_properties, join_path, put
from ._values import MAX_STRING_LENGTH, clevertap_date, describe, to_epoch

_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s.]+")
_PHONE = re.compile(r"\+[0-9]{8,15}")
_PHONE_PUNCTUATION = re.compile(r"[\s\-.()\[\]/]")
_GENDERS = {"m": "M", "male": "M", "f": "F", "female": "F"}
_YES_NO = {True: "Y", False: "N", "y": "Y", "yes": "Y", "true": "Y",
           "n": "N", "no": "N", "false": "N"}  # fmt: skip
_EDUCATION = {"school": "School", "college": "College", "graduate": "Graduate"}
_BOOLEANS = {True: True, False: False, "true": True, "false": False}
_NAME_PARTS = frozenset({"first_name", "last_name"})

# A special trait's check: the value CleverTap takes, or None when it would refuse this one.
Check = Callable[[Any, Context], Optional[Any]]


def _string(value: Any, _: Context) -> Optional[str]:
    if isinstance(value, str) and value.strip() and len(value) <= 512:
        return value
    return None


def _birthday(value: Any, _: Context) -> Optional[str]:
    epoch = to_epoch(value)
    return None if epoch is None else clevertap_date(epoch)


def _gender(value: Any, _: Context) -> Optional[str]:
    return _GENDERS.get(value.strip().lower()) if isinstance(value, str) else None


def _phone(value: Any, context: Context) -> Optional[str]:
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value)
    if not isinstance(value, str):
        return None
    if value[:1] == "+" and value[1:].isdigit():  # already in CleverTap's form
        return value if 8 <= len(value) - 1 <= 15 else None
    number = _PHONE_PUNCTUATION.sub("", value)
    if number.startswith("00"):
        number = "+" + number[2:]
    elif not number.startswith("+"):
        country = context.options.default_phone_country_code
        if country is None:
            return None
        number = f"+{country}{number.lstrip('0')}"
    return number if _PHONE.fullmatch(number) else None


def _email(value: Any, _: Context) -> Optional[str]:
    if isinstance(value, str) and len(value) <= 512 and _EMAIL.fullmatch(value.strip()):
        return value.strip()
    return None


def _lookup(table: Mapping[Any, Any]) -> Check:
    def check(value: Any, _: Context) -> Optional[Any]:
        if isinstance(value, str):
            value = value.strip().lower()
        elif not isinstance(value, bool):
            return None
        return table.get(value)

    return check


def _age(value: Any, _: Context) -> Optional[float]:
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        number = value
    elif isinstance(value, str):
        try:
            number = float(value.strip())
        except ValueError:
            return None
    else:
        return None
    if not 0 <= number < 200:  # also rules out NaN
        return None
    return int(number) if float(number).is_integer() else number


# Traits with a reserved CleverTap profile key: snake_case trait name → (key, check).
SPECIAL_TRAITS: dict[str, tuple[str, Check]] = {
    "name": ("Name", _string),
    "birthday": ("DOB", _birthday),
    "avatar": ("Photo", _string),
    "gender": ("Gender", _gender),
    "phone": ("Phone", _phone),
    "email": ("Email", _email),
}
# The same for extended_reserved_fields=True.
EXTENDED_TRAITS: dict[str, tuple[str, Check]] = {
    "employed": ("Employed", _lookup(_YES_NO)),
    "married": ("Married", _lookup(_YES_NO)),
    "education": ("Education", _lookup(_EDUCATION)),
    "customer_type": ("Customer Type", _string),
    "age": ("Age", _age),
    "msg_email": ("MSG-email", _lookup(_BOOLEANS)),
    "msg_push": ("MSG-push", _lookup(_BOOLEANS)),
    "msg_sms": ("MSG-sms", _lookup(_BOOLEANS)),
    "msg_whatsapp": ("MSG-whatsapp", _lookup(_BOOLEANS)),
}
_EXTENDED_SPECIAL = {**SPECIAL_TRAITS, **EXTENDED_TRAITS}
# Keys CleverTap validates as its own profile fields, plus the identity it addresses by.
RESERVED_PROFILE_KEYS = frozenset(
    [key for key, _ in _EXTENDED_SPECIAL.values()] + ["identity", "objectId"]
)


def _trait_sources(context: Context) -> list[tuple[str, Mapping[str, Any]]]:
    """Where traits come from: ``traits``, then the keys ``context.traits`` adds to them."""
    message = context.message
    traits = get_mapping(message, "traits", "traits") or {}
    sources: list[tuple[str, Mapping[str, Any]]] = [("traits", traits)]
    ctx = get_mapping(message, "context", "context")
    extra = get_mapping(ctx, "traits", "context.traits") if ctx is not None else None
    if extra:
        present = {snake_case(key) for key in traits if isinstance(key, str)}
        added = {
            key: value
            for key, value in extra.items()
            if not (isinstance(key, str) and snake_case(key) in present)
        }
        sources.append(("context.traits", added))
    return sources


def build_profile_data(context: Context, user_id: Optional[str]) -> dict[str, Any]:
    """``profileData`` from the message's traits."""
    special = _EXTENDED_SPECIAL if context.options.extended_reserved_fields else SPECIAL_TRAITS
    data: dict[str, Any] = {}
    if user_id is not None:
        data["identity"] = user_id
    names: dict[str, str] = {}
    preserve = context.options.key_case == "preserve"
    for parent, traits in _trait_sources(context):
        # Custom traits as (key, value) pairs: two input keys may share a fallback key below,
        # and add_properties must see both to refuse the collision.
        custom: list[tuple[Any, Any]] = []
        for key, value in traits.items():
            if value is None:
                continue
            normal = snake_case(key) if isinstance(key, str) else ""
            rule = special.get(normal)
            if rule is not None:
                reserved, check = rule
                accepted = check(value, context)
                if accepted is not None:
                    if reserved in data:
                        put(data, reserved, accepted, join_path(parent, key))
                    else:
                        data[reserved] = accepted
                    continue
                context.warn(
                    f"{join_path(parent, key)}: {describe(value)} is not a valid CleverTap "
                    f"{reserved}, so it is sent as the custom property {normal!r}"
                )
                # Under its snake_case key even in preserve mode: "Gender" is the reserved key.
                custom.append((normal, value))
                continue
            if normal in _NAME_PARTS and isinstance(value, str):
                names[normal] = value.strip()
            if preserve and key in RESERVED_PROFILE_KEYS:
                # CleverTap would validate "Age" or "MSG-push" as its own fields.
                context.warn(
                    f"{join_path(parent, key)}: {key!r} is a reserved CleverTap profile key, so "
                    f"it is sent as the custom property {normal!r}"
                )
                custom.append((normal, value))
                continue
            custom.append((key, value))
        # Custom traits after the special ones: specials win the reserved keys.
        add_properties(data, custom, parent, context, profile=True)
    if names and "Name" not in data:
        full = " ".join(part for part in (names.get("first_name"), names.get("last_name")) if part)
        if len(full) > MAX_STRING_LENGTH:
            context.warn(
                f"first_name and last_name make a Name of {len(full)} characters, more than "
                f"CleverTap's {MAX_STRING_LENGTH}; no Name is sent"
            )
        elif full:
            data["Name"] = full
    return data


def translate_identify(context: Context) -> list[dict[str, Any]]:
    """identify → a profile record, and a token record when the message carries a push token."""
    message = context.message
    user_id = get_identifier(message, "userId")
    anonymous_id = (
        get_identifier(message, "anonymousId")
        if context.options.anonymous_id_as_object_id
        else None
    )
    if user_id is not None and anonymous_id is not None:
        # Cloud mode: the anonymous ID is the CleverTap ID and the user id rides inside.
        key, identifier = "objectId", anonymous_id
    else:
        key, identifier = resolve_user(context)
        user_id = None
    timestamp = get_timestamp(context.message)
    profile: dict[str, Any] = {"type": "profile", key: identifier}
    if timestamp is not None:
        profile["ts"] = timestamp
    profile["profileData"] = build_profile_data(context, user_id)
    token = _token_record(context, anonymous_id, timestamp)
    return [profile] if token is None else [profile, token]


def translate_alias(context: Context) -> list[dict[str, Any]]:
    """alias → a profile record of ``previousId`` carrying ``userId`` as its identity."""
    message = context.message
    previous_id = get_identifier(message, "previousId")
    user_id = get_identifier(message, "userId")
    for name, value in (("previousId", previous_id), ("userId", user_id)):
        if value is None:
            msg = f"an alias call needs {name} (a non-empty string or integer)"
            raise InvalidMessageError(msg, path=name)
    record: dict[str, Any] = {"type": "profile", "identity": previous_id}
    timestamp = get_timestamp(message)
    if timestamp is not None:
        record["ts"] = timestamp
    record["profileData"] = {"identity": user_id}
    return [record]


TOKEN_TYPES = ("fcm", "gcm", "apns", "wns", "mpns", "chrome")
_ANDROID = frozenset({"android"})
_APPLE = frozenset({"ios", "ipados", "iphone os", "tvos", "watchos", "macos", "mac os x", "mac os"})


def clevertap_settings(message: Mapping[str, Any]) -> Optional[Mapping[str, Any]]:
    """The ``integrations.CleverTap`` object (key matched case-insensitively), if any."""
    integrations = message.get("integrations")
    if not isinstance(integrations, Mapping):
        return None
    for name, value in integrations.items():
        if isinstance(name, str) and name.lower() == "clevertap" and isinstance(value, Mapping):
            return value
    return None


def _platform_token_type(context: Context) -> Optional[str]:
    ctx = context.message.get("context")
    os_info = ctx.get("os") if isinstance(ctx, Mapping) else None
    device = ctx.get("device") if isinstance(ctx, Mapping) else None
    names = []
    if isinstance(os_info, Mapping):
        names.append(os_info.get("name"))
    if isinstance(device, Mapping):
        names.append(device.get("type"))
    for name in names:
        if isinstance(name, str):
            lowered = name.strip().lower()
            if lowered in _ANDROID:
                return "fcm"
            if lowered in _APPLE:
                return "apns"
    return None


def _token_record(
    context: Context, object_id: Optional[str], timestamp: Optional[int]
) -> Optional[dict[str, Any]]:
    ctx = context.message.get("context")
    device = ctx.get("device") if isinstance(ctx, Mapping) else None
    token = device.get("token") if isinstance(device, Mapping) else None
    if token is None:
        return None
    if not isinstance(token, str) or not token.strip():
        context.warn(f"context.device.token: {describe(token)} is not a token; no token record")
        return None
    if object_id is None:
        context.warn(
            "context.device.token: CleverTap needs the anonymous ID as objectId to register a "
            "push token, and the message has none to use; no token record"
        )
        return None
    settings = clevertap_settings(context.message) or {}
    token_data: dict[str, Any] = {"id": token}
    wanted = settings.get("deviceTokenType")
    token_type = wanted.strip().lower() if isinstance(wanted, str) else None
    if token_type not in TOKEN_TYPES:
        if wanted is not None:
            context.warn(
                f"integrations.CleverTap.deviceTokenType: {describe(wanted)} is not one of "
                f"{', '.join(TOKEN_TYPES)}; the platform decides instead"
            )
        token_type = _platform_token_type(context)
    if token_type is None:
        context.warn(
            "context.device.token: cannot tell the push token type (context.os.name or "
            "context.device.type should say android or ios); no token record"
        )
        return None
    token_data["type"] = token_type
    if token_type == "chrome":  # noqa: S105 - a token type, not a password
        keys = settings.get("chromeKeys")
        if not (
            isinstance(keys, Mapping)
            and isinstance(keys.get("p256dh"), str)
            and isinstance(keys.get("auth"), str)
        ):
            context.warn(
                "integrations.CleverTap.chromeKeys: a chrome token needs keys with the strings "
                "p256dh and auth; no token record"
            )
            return None
        token_data["keys"] = {"p256dh": keys["p256dh"], "auth": keys["auth"]}
    record: dict[str, Any] = {"type": "token", "objectId": object_id}
    if timestamp is not None:
        record["ts"] = timestamp
    record["tokenData"] = token_data
    return record
