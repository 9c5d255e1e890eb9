"""Hypothesis strategies for the property tests: Segment messages as the issue describes them.

Everything here is built from the issue's description of the input (Segment's wire format, the
snake_case spellings of warehouse exports, the accepted timestamp forms, the special traits),
not from the implementation, so that the property tests check the implementation independently.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any, Optional

from hypothesis import strategies as st

from clevertap_segment import TranslationOptions

# Characters CleverTap prohibits in event names and property keys; profile keys also refuse "#".
PROHIBITED_KEY_CHARACTERS = "%><!|&.:;$'\"\\"
PROHIBITED_PROFILE_KEY_CHARACTERS = PROHIBITED_KEY_CHARACTERS + "#"

UTC = dt.timezone.utc
EPOCH = dt.datetime(1970, 1, 1, tzinfo=UTC)

# The top-level fields whose warehouse-export spelling differs from Segment's wire format.
SNAKE_SPELLINGS = {
    "userId": "user_id",
    "anonymousId": "anonymous_id",
    "messageId": "message_id",
    "previousId": "previous_id",
    "originalTimestamp": "original_timestamp",
    "receivedAt": "received_at",
    "sentAt": "sent_at",
}

# ---------------------------------------------------------------------------------------------
# JSON-like values

# Integers too large for a float are valid JSON (json.loads reads them as int).
big_integers = st.integers(min_value=2**63, max_value=10**330) | st.integers(
    min_value=-(10**330), max_value=-(2**63)
)
finite_floats = st.floats(allow_nan=False, allow_infinity=False)
# The integers CleverTap stores (64-bit); larger ones are refused, which other tests cover.
int64 = st.integers(min_value=-(2**63 - 1), max_value=2**63 - 1)
json_numbers = st.one_of(st.integers(), finite_floats, big_integers)


def long_texts(
    min_size: int, max_size: int, alphabet: Optional[str] = None
) -> st.SearchStrategy[str]:
    """Strings of ``min_size`` to ``max_size`` characters: a short random pattern, repeated.

    Far cheaper to generate (and to shrink) than ``st.text`` of that length.
    """
    patterns = (
        st.text(min_size=1, max_size=4)
        if alphabet is None
        else st.text(alphabet, min_size=1, max_size=4)
    )
    return st.tuples(patterns, st.integers(min_size, max_size)).map(
        lambda pair: (pair[0] * pair[1])[: pair[1]]
    )


# Strings just below and just above CleverTap's 512-character limit.
limit_texts = long_texts(505, 520)
json_scalars = st.one_of(st.none(), st.booleans(), json_numbers, st.text(max_size=20), limit_texts)
json_values: st.SearchStrategy[Any] = st.recursive(
    json_scalars,
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=4)
    ),
    max_leaves=8,
)

# ---------------------------------------------------------------------------------------------
# Dates and times

# Whole-minute offsets: ISO-8601 text cannot write seconds in an offset.
fixed_offsets = st.integers(min_value=-(23 * 60 + 59), max_value=23 * 60 + 59).map(
    lambda minutes: dt.timezone(dt.timedelta(minutes=minutes))
)
# Late enough that its epoch in milliseconds is above 10**11, early enough that its epoch in
# seconds is below it: both numeric forms are then unambiguous.
aware_datetimes = st.datetimes(
    min_value=dt.datetime(1974, 1, 1), max_value=dt.datetime(2200, 1, 1), timezones=fixed_offsets
)
naive_datetimes = st.datetimes(min_value=dt.datetime(1974, 1, 1), max_value=dt.datetime(2200, 1, 1))
dates = st.dates(min_value=dt.date(1900, 1, 1), max_value=dt.date(2200, 1, 1))


def epoch_of(moment: dt.datetime) -> int:
    """Whole epoch seconds of a datetime (naive = UTC), rounded down."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    delta = moment - EPOCH
    return delta.days * 86_400 + delta.seconds


def _offset_text(moment: dt.datetime, colon: bool) -> str:
    offset = moment.utcoffset() or dt.timedelta(0)
    sign = "-" if offset < dt.timedelta(0) else "+"
    minutes = abs(offset) // dt.timedelta(minutes=1)
    hours, minutes = divmod(minutes, 60)
    return f"{sign}{hours:02d}:{minutes:02d}" if colon else f"{sign}{hours:02d}{minutes:02d}"


# The forms of a timestamp the issue accepts.
ISO_TIMESTAMP_FORMS = (
    "iso-z",
    "iso-offset",
    "iso-offset-no-colon",
    "iso-naive",
    "iso-millis-z",
    "date-string",
)
TIMESTAMP_FORMS = (
    *ISO_TIMESTAMP_FORMS,
    "aware-datetime",
    "naive-datetime",
    "seconds",
    "float-seconds",
    "milliseconds",
)


@st.composite
def timestamps(draw: st.DrawFn, forms: tuple[str, ...] = TIMESTAMP_FORMS) -> tuple[Any, int]:
    """A timestamp in one of the forms the issue accepts, and its epoch seconds."""
    moment = draw(aware_datetimes)
    utc = moment.astimezone(UTC).replace(tzinfo=None)
    epoch = epoch_of(moment)
    millis = epoch * 1000 + utc.microsecond // 1000
    form = draw(st.sampled_from(forms))
    local = moment.replace(tzinfo=None)
    if form == "iso-z":
        return utc.isoformat() + "Z", epoch
    if form == "iso-offset":
        return local.isoformat() + _offset_text(moment, colon=True), epoch
    if form == "iso-offset-no-colon":
        return local.isoformat() + _offset_text(moment, colon=False), epoch
    if form == "iso-naive":
        return utc.isoformat(), epoch
    if form == "iso-millis-z":
        return utc.isoformat(timespec="milliseconds") + "Z", epoch
    if form == "aware-datetime":
        return moment, epoch
    if form == "naive-datetime":
        return utc, epoch
    if form == "seconds":
        return epoch, epoch
    if form == "float-seconds":
        # A fraction below one half: far from the next second, whatever the float rounding.
        return epoch + utc.microsecond / 2_000_000, epoch
    if form == "milliseconds":
        return millis, epoch
    midnight = dt.datetime.combine(utc.date(), dt.time(), tzinfo=UTC)
    return utc.date().isoformat(), epoch_of(midnight)


timestamp_values = timestamps().map(lambda pair: pair[0])

# ---------------------------------------------------------------------------------------------
# Keys

# Lower-case words; none of them is (or joins into) a special trait name.
ASCII_WORDS = (
    "plan",
    "type",
    "product",
    "id",
    "color",
    "size",
    "count",
    "score",
    "tier",
    "a1",
    "x9",
)
UNICODE_WORDS = ("ключ", "naïve", "日本", "données", "straße", "ångström")


# How word keys are written: (camelCase?, separator, case, prefix, suffix).
KEY_STYLES = (
    (True, "", "lower", "", ""),
    (True, "", "upper-first", "", ""),
    (True, "", "lower", "_", ""),
    (False, " ", "lower", "", ""),
    (False, " ", "title", "", ""),
    (False, "-", "title", "", ""),
    (False, ".", "lower", "", ""),
    (False, "_", "lower", "", ""),
    (False, "__", "upper", "_", "_"),
    (False, " - ", "lower", " ", " "),
    (False, "/", "lower", "", "?"),
    (False, ":", "upper", "", ""),
    (False, "  ", "title", "__", ""),
    (False, "#", "lower", "", "-"),
    (False, "$", "lower", "-", ""),
    (False, "|", "title", "", ""),
)


def _write_key(words: tuple[str, ...], style: tuple[bool, str, str, str, str]) -> str:
    camel, separator, case, prefix, suffix = style
    if camel and all(word.isascii() for word in words):
        key = words[0] + "".join(word.capitalize() for word in words[1:])
        if case == "upper-first":
            key = key[0].upper() + key[1:]
    else:
        if case == "upper":
            words = tuple(word.upper() for word in words)
        elif case == "title":
            words = tuple(word.capitalize() for word in words)
        key = (separator or " ").join(words)
    return prefix + key + suffix


def word_keys() -> st.SearchStrategy[tuple[str, tuple[str, ...]]]:
    """A key made of words (camelCase or separated, in some case), and its words.

    Two keys with different words never collide after snake_casing, which lets tests build
    dicts whose keys stay distinct.
    """
    return st.tuples(
        st.lists(st.sampled_from(ASCII_WORDS + UNICODE_WORDS), min_size=1, max_size=3).map(tuple),
        st.sampled_from(KEY_STYLES),
    ).map(lambda pair: (_write_key(*pair), pair[0]))


valid_keys = word_keys().map(lambda pair: pair[0])
# Keys whose snake_case form is given in the issue, and keys chosen to trip a naive snake_case.
NAMED_KEYS = (
    "firstName",
    "Plan Type",
    "productID",
    "Order-Total",
    "price.usd",
    "__a  b__",
    "HTTPServerURL",
    "already_snake",
    "ABC",
    "a",
    "İstanbul",
    "ǅemal",
    "ﬁleName",
    "\u212aelvinScale",  # the Kelvin sign lower-cases to an ASCII "k"
    "Straße",
    "日本語キー",
    "emoji😀key",
    "tab\tkey",
    "new\nline",
    "née",
    "x²",
    "٣rd",
)
BAD_KEYS = ("", " ", "   ", "$$$", "...", "_", "__", "😀", "-", "\u0301")
camel_case_keys = st.lists(
    st.text(
        alphabet="abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789",
        min_size=1,
        max_size=6,
    ),
    min_size=1,
    max_size=4,
).map(lambda parts: parts[0].lower() + "".join(part.capitalize() for part in parts[1:]))
punctuated_keys = st.text(
    alphabet=st.sampled_from(
        list("abcXYZ019 _-.")
        + list(PROHIBITED_PROFILE_KEY_CHARACTERS)
        + ["é", "ß", "İ", "日", "😀", "\u0301"]
    ),
    max_size=16,
)
long_keys = long_texts(100, 140, alphabet="abcdefXYZ_ -")
tricky_keys = st.one_of(
    st.sampled_from(NAMED_KEYS),
    st.sampled_from(BAD_KEYS),
    valid_keys,
    camel_case_keys,
    punctuated_keys,
    st.text(max_size=12),
    long_keys,
)
# Pairs of distinct keys that snake_case to the same key (the collision rule).
COLLIDING_KEY_PAIRS = (
    ("firstName", "first_name"),
    ("Plan Type", "plan_type"),
    ("price.usd", "price_usd"),
    ("Order-Total", "order total"),
    ("productID", "product_id"),
    ("a b", "A-B"),
)
colliding_key_pairs = st.sampled_from(COLLIDING_KEY_PAIRS)

# ---------------------------------------------------------------------------------------------
# Property and trait values

iso_date_strings = st.one_of(
    dates.map(dt.date.isoformat),
    naive_datetimes.map(lambda moment: moment.isoformat() + "Z"),
    aware_datetimes.map(dt.datetime.isoformat),
)
scalar_values = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**53), max_value=2**53),
    finite_floats,
    st.text(max_size=30),
    long_texts(505, 512),
    iso_date_strings,
    naive_datetimes,
    aware_datetimes,
    dates,
    # Within CleverTap's 64-bit range: larger numbers are refused, which other tests cover.
    st.decimals(
        min_value=-(10**15), max_value=10**15, allow_nan=False, allow_infinity=False, places=3
    ),
)
# Decimals that break naive float conversion (a signalling NaN raises on float()).
special_decimals = st.sampled_from(
    ["NaN", "sNaN", "-Infinity", "-0", "1E+400", "1E-400", "12.50"]
).map(Decimal)
# Anything a caller might put in a Python mapping that is not JSON: the translation must refuse
# it with a TranslationError or convert it, never crash.
python_values = st.one_of(
    scalar_values,
    st.binary(max_size=8),
    st.frozensets(st.integers(), max_size=3),
    st.tuples(st.integers(), st.text(max_size=3)),
    st.times(),
    st.timedeltas(),
    st.decimals(allow_nan=True, allow_infinity=True),
    special_decimals,
    st.complex_numbers(allow_nan=False, allow_infinity=False),
    st.just(object()),
    big_integers,
)
nested_values: st.SearchStrategy[Any] = st.recursive(
    scalar_values,
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(valid_keys, children, max_size=3)
    ),
    max_leaves=8,
).filter(lambda value: isinstance(value, (list, dict)))


@st.composite
def flat_properties(draw: st.DrawFn, min_size: int = 0, max_size: int = 8) -> dict[str, Any]:
    """Properties with valid, distinct keys and scalar values (some of them None or dates)."""
    entries = draw(
        st.lists(word_keys(), min_size=min_size, max_size=max_size, unique_by=lambda pair: pair[1])
    )
    return {key: draw(scalar_values) for key, _ in entries}


@st.composite
def tricky_properties(draw: st.DrawFn) -> dict[str, Any]:
    """Properties with tricky keys, scalar values, and sometimes a colliding pair."""
    properties = draw(st.dictionaries(tricky_keys, scalar_values, max_size=8))
    if draw(st.integers(0, 4)) == 0:
        first, second = draw(colliding_key_pairs)
        properties[first] = draw(scalar_values)
        properties[second] = draw(scalar_values)
    return properties


@st.composite
def properties_with_nesting(draw: st.DrawFn) -> dict[str, Any]:
    """Properties that may hold objects and arrays at any depth."""
    properties = draw(flat_properties())
    for key in draw(st.lists(valid_keys, max_size=3)):
        properties[key] = draw(st.one_of(nested_values, scalar_values))
    return properties


@st.composite
def nested_at_depth(draw: st.DrawFn, min_depth: int = 1, max_depth: int = 6) -> tuple[str, Any]:
    """A top-level key and a value holding a dict or list ``depth`` levels down."""
    depth = draw(st.integers(min_depth, max_depth))
    leaf: Any = draw(st.one_of(nested_values, st.just({}), st.just([])))
    for _ in range(depth - 1):
        leaf = {draw(valid_keys): leaf} if draw(st.booleans()) else [leaf]
    return draw(valid_keys), leaf


# ---------------------------------------------------------------------------------------------
# Traits

valid_emails = st.sampled_from(
    ["ada@example.com", "grace.hopper@navy.mil", "x+tag@sub.example.org"]
)
invalid_emails = st.sampled_from(["not-an-email", "a@b", "@example.com", "two@@example.com", ""])
valid_phones = st.sampled_from(
    [
        "+14155551234",
        "+1 (415) 555-1234",
        "+44 20 7946 0958",
        "0044 20 7946 0958",
        "+91.98765.43210",
    ]
)
invalid_phones = st.one_of(
    st.sampled_from(["12", "phone", "+1", "(415) 555-1234", "555 1234"]),
    st.integers(min_value=0, max_value=10**12),
)
names = st.one_of(st.text(max_size=20), long_texts(200, 512))


def _spelled(name: str) -> st.SearchStrategy[str]:
    """The trait name in the spellings the issue says must all match."""
    camel = name.split("_", maxsplit=1)[0] + "".join(
        part.capitalize() for part in name.split("_")[1:]
    )
    return st.sampled_from(
        sorted({name, name.upper(), name.capitalize(), camel, name.replace("_", " ")})
    )


SPECIAL_TRAIT_VALUES: dict[str, st.SearchStrategy[Any]] = {
    "email": valid_emails | invalid_emails,
    "phone": valid_phones | invalid_phones,
    "gender": st.sampled_from(["m", "M", "male", "Male", "f", "FEMALE", "female", "other", "x"])
    | st.integers(0, 3),
    "birthday": st.one_of(
        dates,
        dates.map(dt.date.isoformat),
        naive_datetimes,
        aware_datetimes,
        st.integers(0, 2 * 10**9),
        st.sampled_from(["not a date", "1990-13-45", "yesterday"]),
    ),
    "name": names,
    "avatar": st.sampled_from(["https://example.com/a.png", ""]) | st.text(max_size=10),
    "first_name": names,
    "last_name": names,
}
EXTENDED_TRAIT_VALUES: dict[str, st.SearchStrategy[Any]] = {
    "employed": st.sampled_from([True, False, "yes", "no", "maybe", 1]),
    "married": st.sampled_from([True, False, "Y", "N", "unknown"]),
    "education": st.sampled_from(["School", "college", "GRADUATE", "none", 3]),
    "customer_type": st.text(max_size=12),
    "age": st.one_of(st.integers(-5, 250), finite_floats, st.sampled_from(["42", "old"])),
    "msg_email": st.sampled_from([True, False, "true", "false", "nope"]),
    "msg_push": st.booleans(),
    "msg_sms": st.booleans(),
    "msg_whatsapp": st.booleans(),
}


ALL_TRAIT_VALUES = {**SPECIAL_TRAIT_VALUES, **EXTENDED_TRAIT_VALUES}
scalar_lists = st.lists(st.one_of(st.none(), st.booleans(), int64, st.text(max_size=8)))


@st.composite
def traits(draw: st.DrawFn, *, nested: bool = True) -> dict[str, Any]:
    """Traits: special ones in any spelling, extended ones, custom ones, lists and objects."""
    result: dict[str, Any] = {}
    special = draw(st.lists(st.sampled_from(sorted(ALL_TRAIT_VALUES)), max_size=6, unique=True))
    for name in special:
        result[draw(_spelled(name))] = draw(ALL_TRAIT_VALUES[name])
    result.update(draw(flat_properties(max_size=4)))
    if draw(st.booleans()):
        result["order_completed_last_30days"] = draw(st.booleans())  # an Engage audience
    if nested and draw(st.booleans()):
        result[draw(valid_keys)] = draw(st.one_of(scalar_lists, nested_values))
    return result


@st.composite
def long_text_traits(draw: st.DrawFn) -> dict[str, Any]:
    """Traits whose values are all strings of 200 to 512 characters (name parts among them)."""
    names = draw(
        st.lists(
            st.sampled_from(["name", "first_name", "last_name", "avatar", "customer_type", "plan"]),
            min_size=1,
            unique=True,
        )
    )
    return {draw(_spelled(name)): draw(long_texts(200, 512)) for name in names}


# ---------------------------------------------------------------------------------------------
# Context and integrations

OS_NAMES = (
    "Android",
    "android",
    "iOS",
    "iPadOS",
    "tvOS",
    "macOS",
    "Mac OS X",
    "Windows",
    "Linux",
    "",
)
DEVICE_TYPES = ("android", "ios", "ANDROID", "web", "tv")
TOKEN_TYPES = ("fcm", "gcm", "apns", "wns", "mpns", "chrome", "FCM", "pigeon")


@st.composite
def contexts(draw: st.DrawFn) -> dict[str, Any]:
    """A message context: traits, a device (maybe with a push token), an os, and noise."""
    context: dict[str, Any] = {}
    if draw(st.booleans()):
        context["traits"] = draw(traits(nested=False))
    if draw(st.booleans()):
        device: dict[str, Any] = {}
        if draw(st.booleans()):
            device["token"] = draw(
                st.sampled_from(["f0e1d2c3b4a59687", "tok-1"]) | st.text(max_size=20)
            )
        if draw(st.booleans()):
            device["type"] = draw(st.sampled_from(DEVICE_TYPES))
        context["device"] = device
    if draw(st.booleans()):
        context["os"] = {"name": draw(st.sampled_from(OS_NAMES)), "version": "1.0"}
    if draw(st.booleans()):
        context["ip"] = "203.0.113.7"
        context["library"] = {"name": "analytics.js", "version": "4.0"}
    return context


clevertap_names = st.sampled_from(["CleverTap", "clevertap", "CLEVERTAP", "cleverTap"])
all_names = st.sampled_from(["All", "all", "ALL"])


@st.composite
def clevertap_settings(draw: st.DrawFn) -> dict[str, Any]:
    """``integrations.CleverTap`` settings: a token type, maybe chrome keys."""
    settings: dict[str, Any] = {}
    if draw(st.booleans()):
        settings["deviceTokenType"] = draw(st.sampled_from(TOKEN_TYPES))
    if draw(st.booleans()):
        keys = {"p256dh": draw(st.text(max_size=20)), "auth": draw(st.text(max_size=20))}
        if draw(st.integers(0, 3)) == 0:
            keys.pop(draw(st.sampled_from(["p256dh", "auth"])))
        settings["chromeKeys"] = keys
    return settings


@st.composite
def enabling_integrations(draw: st.DrawFn) -> dict[str, Any]:
    """An integrations object that leaves CleverTap on."""
    integrations: dict[str, Any] = {}
    if draw(st.booleans()):
        integrations["Mixpanel"] = draw(st.booleans())
    choice = draw(st.integers(0, 3))
    if choice == 0:
        integrations[draw(clevertap_names)] = True
    elif choice == 1:
        integrations[draw(clevertap_names)] = draw(clevertap_settings().filter(bool))
    elif choice == 2:  # All off, CleverTap explicitly on
        integrations[draw(all_names)] = False
        integrations[draw(clevertap_names)] = draw(
            st.just(True) | clevertap_settings().filter(bool)
        )
    else:
        integrations[draw(all_names)] = True
    return integrations


@st.composite
def disabling_integrations(draw: st.DrawFn) -> dict[str, Any]:
    """An integrations object that turns CleverTap off, as the issue defines it."""
    integrations: dict[str, Any] = {}
    if draw(st.booleans()):
        integrations["Mixpanel"] = draw(st.booleans())
    if draw(st.booleans()):
        integrations[draw(clevertap_names)] = False
        if draw(st.booleans()):
            integrations[draw(all_names)] = draw(st.booleans())
    else:
        integrations[draw(all_names)] = False
        if draw(st.booleans()):
            # "{"All": false} without a truthy "CleverTap"": null, false, 0 and "" are not truthy.
            integrations[draw(clevertap_names)] = draw(st.sampled_from([None, False, 0, ""]))
    return dict(draw(st.permutations(list(integrations.items()))))


# ---------------------------------------------------------------------------------------------
# Segment messages

identifiers = st.one_of(
    st.text(min_size=1, max_size=24).filter(str.strip),
    st.integers(min_value=0, max_value=10**12),
    st.sampled_from(["u-1001", "anon-7f3a", "ada@example.com"]),
)
TIMESTAMP_FIELDS = ("timestamp", "originalTimestamp", "receivedAt", "sentAt")


def _put(message: dict[str, Any], name: str, value: Any, snake: bool) -> None:
    message[SNAKE_SPELLINGS.get(name, name) if snake else name] = value


@st.composite
def _common(draw: st.DrawFn, call: str, *, need_user: bool) -> tuple[dict[str, Any], bool]:
    """The fields every call shares, in camelCase or snake_case spelling."""
    snake = draw(st.booleans())
    message: dict[str, Any] = {"type": call}
    if draw(st.booleans()):
        _put(message, "messageId", draw(st.text(min_size=1, max_size=12)), snake)
    if need_user:
        which = draw(st.sampled_from(["user", "anonymous", "both", "both", "neither"]))
        if which in ("user", "both"):
            _put(message, "userId", draw(identifiers), snake)
        if which in ("anonymous", "both"):
            _put(message, "anonymousId", draw(identifiers), snake)
    for name in TIMESTAMP_FIELDS:
        if draw(st.integers(0, 2)) == 0:
            _put(message, name, draw(timestamp_values), snake)
    if draw(st.integers(0, 2)) == 0:
        message["context"] = draw(contexts())
    if draw(st.integers(0, 3)) == 0:
        message["integrations"] = draw(enabling_integrations())
    return message, snake


@st.composite
def identify_messages(draw: st.DrawFn) -> dict[str, Any]:
    """identify calls."""
    message, _ = draw(_common("identify", need_user=True))
    if draw(st.integers(0, 4)) > 0:
        message["traits"] = draw(traits())
    if draw(st.booleans()):
        context = message.setdefault("context", {})
        context["device"] = {
            "token": draw(st.sampled_from(["f0e1d2c3b4a59687", "tok-1"])),
            "type": draw(st.sampled_from(DEVICE_TYPES)),
        }
        if draw(st.booleans()):
            context["os"] = {"name": draw(st.sampled_from(OS_NAMES))}
    return message


ORDINARY_EVENT_NAMES = (
    "Product Viewed",
    "Signed Up",
    "Checkout Started",
    "Ünïcödé Event",
    "Plan: Pro!",
)
ORDER_COMPLETED_NAMES = (
    "Order Completed",
    "order completed",
    "ORDER_COMPLETED",
    "Order  Completed",
    "order_Completed",
)
event_names = st.one_of(st.sampled_from(ORDINARY_EVENT_NAMES), st.text(min_size=1, max_size=30))


@st.composite
def order_completed_properties(draw: st.DrawFn) -> dict[str, Any]:
    """Order Completed properties: order id, amount, products and the rest."""
    properties: dict[str, Any] = {}
    ids = st.text(min_size=1, max_size=10) | st.integers(0, 10**9)
    amounts = st.one_of(
        st.integers(0, 10**6),
        st.floats(0, 10**6, allow_nan=False),
        st.sampled_from(["30", "19.99", "1,000.50"]),
    )
    for name in draw(st.sets(st.sampled_from(["order_id", "orderId", "checkout_id"]), max_size=2)):
        properties[name] = draw(ids)
    for name in draw(st.sets(st.sampled_from(["total", "revenue", "value"]), max_size=3)):
        properties[name] = draw(amounts)
    if draw(st.integers(0, 3)) > 0:
        properties[draw(st.sampled_from(["products", "Products"]))] = draw(
            st.lists(flat_properties(max_size=5), max_size=4)
        )
    for name in draw(
        st.sets(st.sampled_from(["currency", "tax", "shipping", "coupon", "discount"]))
    ):
        properties[name] = draw(
            st.sampled_from(["USD", "EUR"]) | st.floats(0, 100, allow_nan=False)
        )
    return properties


@st.composite
def track_messages(
    draw: st.DrawFn, *, properties: Optional[st.SearchStrategy[dict[str, Any]]] = None
) -> dict[str, Any]:
    """track calls, including Order Completed in its various spellings."""
    message, _ = draw(_common("track", need_user=True))
    if properties is None and draw(st.integers(0, 3)) == 0:
        message["event"] = draw(st.sampled_from(ORDER_COMPLETED_NAMES))
        message["properties"] = draw(order_completed_properties())
        return message
    message["event"] = draw(event_names)
    chosen = (
        properties if properties is not None else st.one_of(flat_properties(), tricky_properties())
    )
    if draw(st.integers(0, 4)) > 0:
        message["properties"] = draw(chosen)
    return message


@st.composite
def page_or_screen_messages(
    draw: st.DrawFn, call: str, *, properties: Optional[st.SearchStrategy[dict[str, Any]]] = None
) -> dict[str, Any]:
    """page or screen calls."""
    message, _ = draw(_common(call, need_user=True))
    if draw(st.booleans()):
        message["name"] = draw(st.sampled_from(["Home", "Pricing"]) | st.text(max_size=12))
    if draw(st.booleans()):
        message["category"] = draw(st.sampled_from(["Docs", "Shop"]))
    chosen = (
        properties if properties is not None else st.one_of(flat_properties(), tricky_properties())
    )
    if draw(st.integers(0, 3)) > 0:
        message["properties"] = draw(chosen)
    return message


@st.composite
def alias_messages(draw: st.DrawFn) -> dict[str, Any]:
    """alias calls."""
    message, snake = draw(_common("alias", need_user=False))
    _put(message, "previousId", draw(identifiers), snake)
    _put(message, "userId", draw(identifiers), snake)
    return message


def event_messages(
    properties: Optional[st.SearchStrategy[dict[str, Any]]] = None,
) -> st.SearchStrategy[dict[str, Any]]:
    """track, page and screen calls, with properties from ``properties`` when given."""
    return st.one_of(
        track_messages(properties=properties),
        page_or_screen_messages("page", properties=properties),
        page_or_screen_messages("screen", properties=properties),
    )


segment_messages: st.SearchStrategy[dict[str, Any]] = st.one_of(
    identify_messages(),
    track_messages(),
    page_or_screen_messages("page"),
    page_or_screen_messages("screen"),
    alias_messages(),
)

# ---------------------------------------------------------------------------------------------
# Broken messages

MESSAGE_FIELDS = (
    "type",
    "userId",
    "user_id",
    "anonymousId",
    "anonymous_id",
    "messageId",
    "message_id",
    "previousId",
    "previous_id",
    "timestamp",
    "originalTimestamp",
    "original_timestamp",
    "receivedAt",
    "received_at",
    "sentAt",
    "sent_at",
    "event",
    "name",
    "category",
    "traits",
    "properties",
    "context",
    "integrations",
)
NESTED_FIELDS = (
    ("context", "traits"),
    ("context", "device"),
    ("context", "os"),
    ("integrations", "CleverTap"),
    ("integrations", "All"),
)
CALL_TYPES = st.sampled_from(
    [
        "identify",
        "track",
        "page",
        "screen",
        "alias",
        "group",
        "Identify",
        "TRACK",
        "",
        " ",
        "delete",
    ]
)


# Values to put in a field: any JSON value, weighted towards those that trip parsers.
field_values = st.one_of(
    json_values,
    big_integers,
    st.sampled_from(
        ["", " ", "2024-13-01", "2024-02-30T25:00:00Z", "1e400", "-1", "0", "NaN", "nan"]
    ),
    st.sampled_from([0, -1, 0.5, -(10**12), 10**11, 10**14, 10**17, 1e300]),
)


@st.composite
def near_valid_messages(
    draw: st.DrawFn, values: st.SearchStrategy[Any] = field_values
) -> dict[str, Any]:
    """A Segment message with some fields (top-level or nested) replaced, added or removed."""
    message: dict[str, Any] = draw(segment_messages)
    for field in draw(st.lists(st.sampled_from(MESSAGE_FIELDS), max_size=4)):
        action = draw(st.integers(0, 4))
        if action == 0:
            message.pop(field, None)
        elif action == 1 and field == "type":
            message[field] = draw(CALL_TYPES)
        else:
            message[field] = draw(values)
    for outer, inner in draw(st.lists(st.sampled_from(NESTED_FIELDS), max_size=2)):
        container = message.get(outer)
        if not isinstance(container, dict):
            container = message[outer] = {}
        container[inner] = draw(values)
    for outer in ("properties", "traits"):
        container = message.get(outer)
        if isinstance(container, dict) and container and draw(st.booleans()):
            key = draw(st.sampled_from(sorted(container)))
            container[key] = draw(values)
    return message


broken_messages = st.one_of(json_values, near_valid_messages())

# Minimal valid messages of each call, with every optional part that reads a field present:
# the starting point for putting any value into any one field.
BASE_MESSAGES: dict[str, dict[str, Any]] = {
    "identify": {
        "type": "identify",
        "messageId": "m-1",
        "userId": "u-1",
        "anonymousId": "a-1",
        "timestamp": "2024-05-01T12:00:00Z",
        "traits": {
            "name": "Ada Lovelace",
            "firstName": "Ada",
            "lastName": "Lovelace",
            "email": "ada@example.com",
            "phone": "+14155551234",
            "gender": "female",
            "birthday": "1990-12-10",
            "avatar": "https://example.com/a.png",
            "employed": True,
            "married": False,
            "education": "college",
            "customer_type": "gold",
            "age": 34,
            "msg_email": True,
            "plan": "pro",
            "tags": ["a", "b"],
            "address": {"city": "London"},
        },
        "context": {
            "traits": {"email": "ada@example.com", "company": "Analytical"},
            "device": {"token": "tok-1", "type": "android"},
            "os": {"name": "Android"},
        },
        "integrations": {
            "CleverTap": {"deviceTokenType": "chrome", "chromeKeys": {"p256dh": "k", "auth": "a"}}
        },
    },
    "track": {
        "type": "track",
        "messageId": "m-2",
        "anonymousId": "a-1",
        "originalTimestamp": 1714564800,
        "event": "Order Completed",
        "properties": {
            "order_id": "o-1",
            "checkout_id": "c-1",
            "total": 30,
            "revenue": 25,
            "value": 20,
            "currency": "USD",
            "products": [{"product_id": "p-1", "price": 10, "quantity": 3}],
        },
        "context": {"traits": {"email": "ada@example.com"}},
    },
    "page": {
        "type": "page",
        "user_id": "u-1",
        "received_at": "2024-05-01T12:00:00+02:00",
        "name": "Home",
        "category": "Docs",
        "properties": {"url": "https://example.com", "title": "Home"},
    },
    "alias": {"type": "alias", "previousId": "a-1", "userId": "u-1", "sentAt": 1714564800000},
}
# Fields that hold numbers in valid messages: (call, path).
NUMERIC_FIELD_PATHS: tuple[tuple[str, tuple[Any, ...]], ...] = (
    ("identify", ("userId",)),
    ("identify", ("timestamp",)),
    ("identify", ("traits", "age")),
    ("identify", ("traits", "birthday")),
    ("identify", ("traits", "phone")),
    ("identify", ("traits", "plan")),
    ("identify", ("traits", "tags")),
    ("track", ("originalTimestamp",)),
    ("track", ("properties", "order_id")),
    ("track", ("properties", "total")),
    ("track", ("properties", "revenue")),
    ("track", ("properties", "currency")),
    ("track", ("properties", "products", 0, "price")),
    ("page", ("properties", "url")),
)
# Where a value can go: (call, path of keys from the message down to the field).
FIELD_PATHS: tuple[tuple[str, tuple[Any, ...]], ...] = (
    *(("identify", (field,)) for field in ("type", "userId", "anonymousId", "messageId",
                                            "timestamp", "originalTimestamp", "traits",
                                            "context", "integrations")),
    *(("identify", ("traits", name)) for name in (
        "name", "firstName", "lastName", "email", "phone", "gender", "birthday", "avatar",
        "employed", "married", "education", "customer_type", "age", "msg_email", "plan",
        "tags", "address")),
    ("identify", ("context", "traits")),
    ("identify", ("context", "traits", "email")),
    ("identify", ("context", "device")),
    ("identify", ("context", "device", "token")),
    ("identify", ("context", "device", "type")),
    ("identify", ("context", "os")),
    ("identify", ("context", "os", "name")),
    ("identify", ("integrations", "CleverTap")),
    ("identify", ("integrations", "All")),
    ("identify", ("integrations", "CleverTap", "deviceTokenType")),
    ("identify", ("integrations", "CleverTap", "chromeKeys")),
    ("identify", ("integrations", "CleverTap", "chromeKeys", "p256dh")),
    *(("track", (field,)) for field in ("anonymousId", "anonymous_id", "originalTimestamp",
                                         "receivedAt", "event", "properties", "context")),
    *(("track", ("properties", name)) for name in (
        "order_id", "checkout_id", "total", "revenue", "value", "currency", "products")),
    ("track", ("properties", "products", 0)),
    ("track", ("properties", "products", 0, "price")),
    ("track", ("context", "traits", "email")),
    *(("page", (field,)) for field in ("user_id", "received_at", "name", "category",
                                        "properties")),
    ("page", ("properties", "url")),
    *(("alias", (field,)) for field in ("previousId", "userId", "sentAt", "previous_id")),
)  # fmt: skip


@st.composite
def translation_options(draw: st.DrawFn, /, **fixed: Any) -> TranslationOptions:
    """Any valid TranslationOptions; ``fixed`` pins some fields."""
    settings: dict[str, Any] = {
        "key_case": draw(st.sampled_from(["snake", "preserve"])),
        "anonymous_id_as_object_id": draw(st.booleans()),
        "default_phone_country_code": draw(st.sampled_from([None, "+1", "91", "44"])),
        "extended_reserved_fields": draw(st.booleans()),
        "convert_dates": draw(st.booleans()),
        "nested_traits": draw(st.sampled_from(["flatten", "reject", "stringify", "drop"])),
        "nested_properties": draw(st.sampled_from(["reject", "flatten", "stringify", "drop"])),
        "max_event_properties": draw(st.sampled_from([100, 100, 5, 1])),
        "order_completed_event_name": draw(st.sampled_from(["Charged", "Order Done"])),
        "page_event_name": draw(st.sampled_from(["Web Page Viewed", "Page Seen"])),
        "screen_event_name": draw(st.sampled_from(["App Screen Viewed", "Screen Seen"])),
    }
    settings.update(fixed)
    return TranslationOptions(**settings)


# ---------------------------------------------------------------------------------------------
# Messages that are valid apart from what a test varies


@st.composite
def valid_event_messages(
    draw: st.DrawFn,
    properties: Optional[st.SearchStrategy[dict[str, Any]]] = None,
    *,
    calls: tuple[str, ...] = ("track", "page", "screen"),
    with_timestamp: bool = True,
) -> dict[str, Any]:
    """A track, page or screen call that translates, given acceptable properties.

    It has a user id or an anonymous id, an ordinary event name, valid timestamps and no
    integrations object that could turn CleverTap off.
    """
    call = draw(st.sampled_from(calls))
    snake = draw(st.booleans())
    message: dict[str, Any] = {"type": call}
    _put(message, "messageId", draw(st.text(min_size=1, max_size=12)), snake)
    _put(message, "userId" if draw(st.booleans()) else "anonymousId", draw(identifiers), snake)
    if with_timestamp and draw(st.booleans()):
        _put(message, draw(st.sampled_from(TIMESTAMP_FIELDS)), draw(timestamp_values), snake)
    if call == "track":
        message["event"] = draw(st.sampled_from(ORDINARY_EVENT_NAMES))
    elif draw(st.booleans()):
        message["name"] = draw(st.sampled_from(["Home", "Pricing"]))
    chosen = properties if properties is not None else flat_properties()
    message["properties"] = draw(chosen)
    if draw(st.booleans()):
        message["context"] = {"ip": "203.0.113.7", "os": {"name": draw(st.sampled_from(OS_NAMES))}}
    return message


@st.composite
def properties_with_one_nested(
    draw: st.DrawFn, min_depth: int = 1, max_depth: int = 6
) -> tuple[dict[str, Any], str]:
    """Flat, valid properties with one object or array value somewhere among them, and its key.

    The object or array holds further objects and arrays down to ``depth`` levels.
    """
    entries = draw(st.lists(word_keys(), min_size=1, max_size=6, unique_by=lambda pair: pair[1]))
    nested_position = draw(st.integers(0, len(entries) - 1))
    _, nested = draw(nested_at_depth(min_depth, max_depth))
    properties: dict[str, Any] = {}
    for position, (key, _) in enumerate(entries):
        properties[key] = nested if position == nested_position else draw(scalar_values)
    return properties, entries[nested_position][0]


@st.composite
def order_completed_with_nested_item(draw: st.DrawFn) -> tuple[dict[str, Any], str]:
    """A valid Order Completed track call with an object or array inside one product.

    Returns the message and the path of the product holding it (``properties.products[i]``).
    """
    message = draw(valid_event_messages(calls=("track",)))
    message["event"] = draw(st.sampled_from(ORDER_COMPLETED_NAMES))
    products = draw(st.lists(flat_properties(max_size=4), min_size=1, max_size=4))
    position = draw(st.integers(0, len(products) - 1))
    item, _ = draw(properties_with_one_nested(max_depth=3))
    products[position] = item
    message["properties"] = {"order_id": "o-1", "total": 30, "products": products}
    return message, f"properties.products[{position}]"


@st.composite
def deeply_nested_properties(draw: st.DrawFn) -> dict[str, Any]:  # also used as traits
    """Properties holding one object nested 17 to 58 levels deep, with one-letter keys.

    Flattened, its longest key (``deep_a_b_…``, 4 + 2 * depth characters) stays within
    CleverTap's 120, so nothing but the nesting itself could make the translation refuse it.
    """
    # 58 levels is the deepest whose flattened key still fits 120 characters: always try it.
    depth = draw(st.one_of(st.integers(17, 58), st.just(58)))
    value: Any = draw(st.one_of(int64, st.text(max_size=5)))
    for _ in range(depth):
        value = {draw(st.sampled_from("abcxyz")): value}
    return {"deep": value, **draw(flat_properties(max_size=3))}


# ---------------------------------------------------------------------------------------------
# Inputs for single rules of the mapping

RESTRICTED_EVENT_NAMES = (
    "Notification Sent", "Notification Viewed", "Notification Clicked", "Notification Delivered",
    "Notification Replied", "UTM Visited", "App Launched", "App Uninstalled",
    "App Version Changed", "Stayed", "Reply Sent", "Experiment Rendered", "Reachable By",
    "Identity Reset", "Identity Set", "Identity Error",
)  # fmt: skip


@st.composite
def restricted_event_names(draw: st.DrawFn) -> str:
    """A CleverTap system event name in any letter case, with spaces added or removed."""
    name = draw(st.sampled_from(RESTRICTED_EVENT_NAMES))
    letters = [char.upper() if draw(st.booleans()) else char.lower() for char in name]
    spaced = "".join(
        char if char != " " else draw(st.sampled_from(["", " ", "  "])) for char in letters
    )
    return draw(st.sampled_from(["", " "])) + spaced + draw(st.sampled_from(["", " "]))


@st.composite
def with_prohibited_characters(draw: st.DrawFn, name: str) -> str:
    """``name`` with characters CleverTap prohibits in event names inserted anywhere."""
    chars = list(name)
    for _ in range(draw(st.integers(1, 5))):
        position = draw(st.integers(0, len(chars)))
        chars.insert(position, draw(st.sampled_from(PROHIBITED_KEY_CHARACTERS)))
    return "".join(chars)


@st.composite
def phone_numbers(draw: st.DrawFn) -> tuple[str, str]:
    """A phone number written with a leading ``+`` or ``00`` and punctuation, and its digits."""
    digits = draw(
        st.text(alphabet="0123456789", min_size=8, max_size=15).filter(lambda d: d[0] != "0")
    )
    chars = []
    for digit in digits:
        chars.append(digit)
        if draw(st.integers(0, 3)) == 0:
            chars.append(draw(st.sampled_from([" ", "-", ".", "(", ")", " - "])))
    prefix = draw(st.sampled_from(["+", "00", "+ "]))
    return prefix + "".join(chars), digits


# Special traits with values CleverTap would refuse under the reserved key (default options).
REFUSED_SPECIAL_TRAITS = {
    "gender": st.sampled_from(["other", "x", "unknown", "non-binary"]),
    "email": st.sampled_from(["not-an-email", "a@b", "two@@example.com"]),
    "phone": st.sampled_from(["12", "phone", "+1", "555 1234"]),
    "birthday": st.sampled_from(["not a date", "1990-13-45", "yesterday"]),
}
