"""Property tests of the translation, written from the issue's rules (issue 2, "Tests").

Each test states one invariant the issue promises and checks it over generated Segment
messages (``tests/strategies.py``); none of them looks at how the implementation works.
"""

from __future__ import annotations

import copy
import itertools
import json
import math
import pickle
import re
from collections.abc import Iterator, Mapping
from typing import Any, Optional

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from clevertap_segment import (
    CleverTapSegmentError,
    InvalidMessageError,
    InvalidPropertyError,
    NestedPropertyError,
    ReservedEventNameError,
    TranslationError,
    TranslationOptions,
    UnsupportedCallError,
    snake_case,
    translate,
    translate_many,
)

from .helpers import SYSTEM_EVENT_NAMES
from .strategies import (
    BASE_MESSAGES,
    COLLIDING_KEY_PAIRS,
    FIELD_PATHS,
    ISO_TIMESTAMP_FORMS,
    NUMERIC_FIELD_PATHS,
    PROHIBITED_KEY_CHARACTERS,
    PROHIBITED_PROFILE_KEY_CHARACTERS,
    REFUSED_SPECIAL_TRAITS,
    SNAKE_SPELLINGS,
    TIMESTAMP_FIELDS,
    alias_messages,
    broken_messages,
    deeply_nested_properties,
    disabling_integrations,
    event_messages,
    field_values,
    flat_properties,
    identifiers,
    identify_messages,
    int64,
    json_values,
    long_text_traits,
    near_valid_messages,
    order_completed_properties,
    order_completed_with_nested_item,
    phone_numbers,
    properties_with_nesting,
    properties_with_one_nested,
    python_values,
    restricted_event_names,
    scalar_values,
    segment_messages,
    special_decimals,
    timestamps,
    traits,
    translation_options,
    tricky_keys,
    tricky_properties,
    valid_event_messages,
    valid_keys,
    with_prohibited_characters,
    word_keys,
)

# The snake_case form: words of letters and digits joined by single underscores.
SNAKE_KEY = re.compile(r"[^\W_]+(?:_[^\W_]+)*")
MAX_KEY_LENGTH = 120
MAX_STRING_LENGTH = 512
# Reserved CleverTap profile keys, which keep CleverTap's own spelling in snake mode.
RESERVED_PROFILE_KEYS = frozenset(
    {
        "identity",
        "Name",
        "Email",
        "Phone",
        "Gender",
        "DOB",
        "Photo",
        "Employed",
        "Married",
        "Education",
        "Customer Type",
        "Age",
        "MSG-email",
        "MSG-push",
        "MSG-sms",
        "MSG-whatsapp",
    }
)
CHARGED_KEYS = frozenset({"Charged ID", "Amount", "Items"})
# CleverTap's restricted system event names, compared lower-cased and without spaces.
RESTRICTED_EVENT_NAMES = frozenset(name.replace(" ", "").lower() for name in SYSTEM_EVENT_NAMES)
DATA_FIELDS = {"profile": "profileData", "event": "evtData", "token": "tokenData"}

snake_options = translation_options(key_case="snake")
any_options = st.one_of(st.none(), translation_options())


def quick(max_examples: int) -> settings:
    """Hypothesis settings for one test: few enough examples that the file runs in seconds."""
    return settings(max_examples=max_examples, deadline=None)


def attempt(
    message: Any, options: Optional[TranslationOptions] = None
) -> Optional[list[dict[str, Any]]]:
    """The records of ``message``, or None when it raises a TranslationError."""
    try:
        return translate(message, options)
    except TranslationError:
        return None


def custom_keys(record: Mapping[str, Any]) -> Iterator[str]:
    """Every trait or property key of a record that is not one of CleverTap's own keys."""
    if record["type"] == "profile":
        yield from (key for key in record["profileData"] if key not in RESERVED_PROFILE_KEYS)
    elif record["type"] == "event":
        data = record["evtData"]
        yield from (key for key in data if key not in CHARGED_KEYS)
        for item in data.get("Items", []):
            yield from item


def data_strings(value: Any) -> Iterator[str]:
    """Every string value (not key) inside profile or event data, at any depth."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, Mapping):
        for item in value.values():
            yield from data_strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from data_strings(item)


def spelled(message: Mapping[str, Any], name: str) -> Any:
    """A top-level field in Segment's spelling, else in the warehouse-export spelling."""
    value = message.get(name)
    if value is None:
        value = message.get(SNAKE_SPELLINGS.get(name, name))
    return value


# Trait names the issue maps to reserved CleverTap keys (compared after snake_casing).
SPECIAL_TRAITS = frozenset(
    {"name", "email", "phone", "gender", "birthday", "avatar", "first_name", "last_name"}
)


def is_plain_custom_trait_key(key: str) -> bool:
    """True for a trait key that preserve mode must keep as it is.

    Not blank, free of the characters CleverTap prohibits in profile keys, not a special trait
    (those go to reserved keys), and not itself a reserved CleverTap profile key such as
    ``Photo``: sent as given, that would address the reserved field, so the issue's rule that
    one bad field must not get the profile rejected lets the translation rename it.
    """
    return bool(
        key.strip()
        and not set(key) & set(PROHIBITED_PROFILE_KEY_CHARACTERS)
        and snake_case(key) not in SPECIAL_TRAITS
        and key not in RESERVED_PROFILE_KEYS
    )


def put_at(message: dict[str, Any], path: tuple[Any, ...], value: Any) -> None:
    """Set the field at ``path`` (keys and list indices) to ``value``, making objects on the way."""
    container: Any = message
    for step in path[:-1]:
        if isinstance(container, list):
            container = container[step]
            continue
        if not isinstance(container.get(step), (dict, list)):
            container[step] = {}
        container = container[step]
    container[path[-1]] = value


def respelled(message: Mapping[str, Any], snake: bool) -> dict[str, Any]:
    """``message`` with every top-level field in one spelling: snake_case or camelCase."""
    result = {}
    for key, value in message.items():
        camel = next((c for c, s in SNAKE_SPELLINGS.items() if key in (c, s)), None)
        if camel is None:
            result[key] = value
        else:
            result[SNAKE_SPELLINGS[camel] if snake else camel] = value
    return result


def error_of(message: Any, options: Optional[TranslationOptions] = None) -> Optional[Exception]:
    """Whatever exception translating ``message`` raises, or None."""
    try:
        translate(message, options)
    except Exception as error:  # noqa: BLE001 - the caller judges it
        return error
    return None


def translation_error_of(
    message: Any, options: Optional[TranslationOptions] = None
) -> Optional[TranslationError]:
    """The TranslationError translating ``message`` raises, or None; other exceptions propagate."""
    try:
        translate(message, options)
    except TranslationError as error:
        return error
    return None


def result_text(message: Any, options: Optional[TranslationOptions]) -> str:
    """The records of ``message`` as text, or its error's class and message."""
    try:
        return repr(translate(message, options))
    except TranslationError as error:
        return f"{type(error).__name__}: {error}"


def canonical(value: Any) -> Any:
    """``value`` with dict keys sorted and every scalar tagged with its type, for comparisons."""
    if isinstance(value, Mapping):
        return sorted((str(key), canonical(item)) for key, item in value.items())
    if isinstance(value, (list, tuple)):
        return [canonical(item) for item in value]
    return (type(value).__name__, repr(value))


def outcome_of(message: Any, options: Optional[TranslationOptions] = None) -> Any:
    """The records of ``message`` (in canonical form), or the TranslationError class it raises."""
    try:
        return canonical(translate(message, options))
    except TranslationError as error:
        return type(error).__name__


def without_identifiers(message: dict[str, Any]) -> dict[str, Any]:
    """``message`` without user id, anonymous id or traits in its context."""
    stripped = {
        key: value
        for key, value in message.items()
        if key not in {"userId", "user_id", "anonymousId", "anonymous_id"}
    }
    stripped["context"] = {"ip": "203.0.113.7"}
    return stripped


class TestSnakeCase:
    """snake_case on any string."""

    @quick(60)
    @given(key=st.one_of(st.text(), tricky_keys))
    def test_idempotent(self, key: str) -> None:
        """snake_case of a snake_case key is the same key."""
        once = snake_case(key)
        assert snake_case(once) == once

    @quick(60)
    @given(key=st.one_of(st.text(), tricky_keys))
    def test_output_is_snake_or_empty(self, key: str) -> None:
        """The output is words of letters and digits joined by single underscores, or empty."""
        result = snake_case(key)
        assert result == "" or SNAKE_KEY.fullmatch(result)

    @quick(40)
    @given(key=valid_keys)
    def test_keys_with_letters_keep_them(self, key: str) -> None:
        """A key holding letters or digits never becomes empty."""
        assert snake_case(key)


class TestSnakeKeys:
    """Keys of translated records with key_case="snake"."""

    @quick(40)
    @given(message=segment_messages, options=snake_options)
    def test_custom_keys_are_snake_case(
        self, message: dict[str, Any], options: TranslationOptions
    ) -> None:
        """Every trait, property and item key that is not a CleverTap key is snake_case."""
        for record in attempt(message, options) or []:
            for key in custom_keys(record):
                assert SNAKE_KEY.fullmatch(key), key

    @quick(40)
    @given(message=segment_messages, options=snake_options)
    def test_custom_keys_fit_clevertap(
        self, message: dict[str, Any], options: TranslationOptions
    ) -> None:
        """Every trait, property and item key is at most 120 characters long."""
        for record in attempt(message, options) or []:
            for key in custom_keys(record):
                assert len(key) <= MAX_KEY_LENGTH

    @quick(30)
    @given(
        message=event_messages(properties=tricky_properties()),
        options=translation_options(key_case="snake", nested_properties="flatten"),
    )
    def test_tricky_property_keys_are_snake_case(
        self, message: dict[str, Any], options: TranslationOptions
    ) -> None:
        """Keys with spaces, punctuation, unicode or prohibited characters come out snake_case."""
        for record in attempt(message, options) or []:
            for key in custom_keys(record):
                assert SNAKE_KEY.fullmatch(key), key
                assert len(key) <= MAX_KEY_LENGTH

    @quick(20)
    @given(
        message=valid_event_messages(calls=("track",)),
        properties=order_completed_properties(),
        options=snake_options,
    )
    def test_charged_item_keys_are_snake_case(
        self, message: dict[str, Any], properties: dict[str, Any], options: TranslationOptions
    ) -> None:
        """The keys of Charged's Items are snake_case."""
        message["event"] = "Order Completed"
        message["properties"] = properties
        for record in attempt(message, options) or []:
            for item in record["evtData"].get("Items", []):
                for key in item:
                    assert SNAKE_KEY.fullmatch(key), key


class TestPreservedKeys:
    """key_case="preserve"."""

    @quick(25)
    @given(
        message=valid_event_messages(calls=("track",), properties=st.just({})),
        properties=st.dictionaries(
            st.text(min_size=1, max_size=MAX_KEY_LENGTH).filter(
                lambda key: key.strip() and not set(key) & set(PROHIBITED_KEY_CHARACTERS)
            ),
            scalar_values.filter(lambda value: value is not None),
            max_size=6,
        ),
    )
    def test_clean_property_keys_are_kept(
        self, message: dict[str, Any], properties: dict[str, Any]
    ) -> None:
        """Property keys without prohibited characters come out exactly as given."""
        message["properties"] = properties
        [record] = translate(message, TranslationOptions(key_case="preserve"))
        assert set(record["evtData"]) == set(properties)

    @quick(25)
    @given(
        user_id=identifiers,
        traits=st.dictionaries(
            st.text(min_size=1, max_size=MAX_KEY_LENGTH).filter(is_plain_custom_trait_key),
            scalar_values.filter(lambda value: value is not None),
            max_size=6,
        ),
    )
    def test_clean_trait_keys_are_kept(self, user_id: Any, traits: dict[str, Any]) -> None:
        """Custom trait keys without prohibited characters come out exactly as given."""
        message = {"type": "identify", "userId": user_id, "traits": traits}
        [record] = translate(message, TranslationOptions(key_case="preserve"))
        assert set(record["profileData"]) == set(traits)


class TestNestedProperties:
    """Objects and arrays among event properties (and, for the flatten depth, traits)."""

    @quick(40)
    @given(
        message=valid_event_messages(properties=st.just({})), nested=properties_with_one_nested()
    )
    def test_rejected_by_default(
        self, message: dict[str, Any], nested: tuple[dict[str, Any], str]
    ) -> None:
        """Any object or array at any depth raises NestedPropertyError."""
        message["properties"], _key = nested
        with pytest.raises(NestedPropertyError):
            translate(message)

    @quick(30)
    @given(
        message=valid_event_messages(properties=st.just({})), nested=properties_with_one_nested()
    )
    def test_error_path_points_into_properties(
        self, message: dict[str, Any], nested: tuple[dict[str, Any], str]
    ) -> None:
        """The NestedPropertyError's path starts at the property holding the object or array."""
        message["properties"], key = nested
        with pytest.raises(NestedPropertyError) as caught:
            translate(message)
        assert caught.value.path.startswith(f"properties.{key}")

    @quick(20)
    @given(case=order_completed_with_nested_item())
    def test_nested_item_values_rejected_by_default(self, case: tuple[dict[str, Any], str]) -> None:
        """An object or array inside a Charged item raises NestedPropertyError naming the item."""
        message, item_path = case
        with pytest.raises(NestedPropertyError) as caught:
            translate(message)
        assert caught.value.path.startswith(item_path)

    @quick(40)
    @given(
        message=valid_event_messages(properties=properties_with_nesting()),
        policy=st.sampled_from(["flatten", "stringify", "drop"]),
    )
    def test_other_policies_never_raise_nested_error(
        self, message: dict[str, Any], policy: str
    ) -> None:
        """nested_properties flatten, stringify or drop: nesting raises no NestedPropertyError."""
        error = translation_error_of(message, TranslationOptions(nested_properties=policy))
        assert not isinstance(error, NestedPropertyError), repr(error)

    @quick(15)
    @given(
        message=valid_event_messages(properties=deeply_nested_properties()),
        policy=st.sampled_from(["flatten", "stringify", "drop"]),
    )
    def test_deep_objects_translate(self, message: dict[str, Any], policy: str) -> None:
        """An object 17 to 58 levels deep whose flattened keys fit 120 characters translates."""
        translate(message, TranslationOptions(nested_properties=policy))

    @quick(15)
    @given(user_id=identifiers, traits=deeply_nested_properties())
    def test_deep_trait_objects_flatten_to_one_key(
        self, user_id: Any, traits: dict[str, Any]
    ) -> None:
        """A trait object 17 to 58 levels deep flattens to one parent_child_… key."""
        message = {"type": "identify", "userId": user_id, "traits": traits}
        [record] = translate(message)
        path, value = ["deep"], traits["deep"]
        while isinstance(value, dict):
            [(key, value)] = value.items()
            path.append(key)
        assert "_".join(path) in record["profileData"]

    @quick(15)
    @given(
        user_id=identifiers,
        traits=deeply_nested_properties(),
        policy=st.sampled_from(["flatten", "stringify", "drop"]),
    )
    def test_deep_traits_translate(self, user_id: Any, traits: dict[str, Any], policy: str) -> None:
        """A trait object 17 to 58 levels deep is flattened, stringified or dropped."""
        message = {"type": "identify", "userId": user_id, "traits": traits}
        translate(message, TranslationOptions(nested_traits=policy))


class TestPurity:
    """translate is a pure function of its input."""

    @quick(40)
    @given(message=st.one_of(segment_messages, near_valid_messages()), options=any_options)
    def test_never_mutates_input(
        self, message: dict[str, Any], options: Optional[TranslationOptions]
    ) -> None:
        """The message is equal to a deep copy of itself after translation."""
        before = copy.deepcopy(message)
        attempt(message, options)
        assert repr(message) == repr(before)

    @quick(40)
    @given(message=st.one_of(segment_messages, near_valid_messages()), options=any_options)
    def test_deterministic(
        self, message: dict[str, Any], options: Optional[TranslationOptions]
    ) -> None:
        """The same message translates to the same records (or the same error) twice."""
        first = result_text(message, options)
        assert result_text(message, options) == first
        assert result_text(copy.deepcopy(message), options) == first

    @quick(40)
    @given(message=st.one_of(segment_messages, near_valid_messages()), options=any_options)
    def test_output_is_strict_json(
        self, message: dict[str, Any], options: Optional[TranslationOptions]
    ) -> None:
        """The records survive json.dumps(allow_nan=False) and read back equal."""
        records = attempt(message, options)
        if records is not None:
            text = json.dumps(records, allow_nan=False)
            assert json.loads(text) == records

    @pytest.mark.parametrize(
        ("call", "path"), FIELD_PATHS, ids=[".".join(map(str, (c, *p))) for c, p in FIELD_PATHS]
    )
    @quick(8)
    @given(
        # Integers beyond 64 bits are the robustness tests' business, not this one's.
        value=st.one_of(python_values, json_values).filter(
            lambda value: not (isinstance(value, int) and abs(value) >= 2**63)
        ),
        options=any_options,
    )
    def test_output_is_strict_json_whatever_a_field_holds(
        self, call: str, path: tuple[Any, ...], value: Any, options: Optional[TranslationOptions]
    ) -> None:
        """Whatever one field of a valid message holds, the records are plain JSON."""
        message = copy.deepcopy(BASE_MESSAGES[call])
        put_at(message, path, value)
        records = attempt(message, options)
        if records is not None:
            assert json.loads(json.dumps(records, allow_nan=False)) == records


class TestRobustness:
    """Bad input raises TranslationError and nothing else."""

    @quick(60)
    @given(message=st.one_of(broken_messages, st.dictionaries(st.text(), st.none())))
    def test_json_input_raises_only_translation_errors(self, message: Any) -> None:
        """Any JSON value as the message gives records or a TranslationError."""
        error = error_of(message)
        assert error is None or isinstance(error, TranslationError), repr(error)

    @quick(60)
    @given(message=near_valid_messages(), options=translation_options())
    def test_near_valid_messages_raise_only_translation_errors(
        self, message: dict[str, Any], options: TranslationOptions
    ) -> None:
        """Near-valid messages, any JSON in some fields: records or a TranslationError."""
        error = error_of(message, options)
        assert error is None or isinstance(error, TranslationError), repr(error)

    @pytest.mark.parametrize("call", sorted(BASE_MESSAGES))
    def test_base_messages_translate(self, call: str) -> None:
        """Each starting message of the next test translates to records."""
        assert translate(BASE_MESSAGES[call])

    @pytest.mark.parametrize(
        ("call", "path"), FIELD_PATHS, ids=[".".join(map(str, (c, *p))) for c, p in FIELD_PATHS]
    )
    @quick(10)
    @given(value=field_values, options=any_options)
    def test_any_value_in_any_field(
        self, call: str, path: tuple[Any, ...], value: Any, options: Optional[TranslationOptions]
    ) -> None:
        """Any JSON value in one field of a valid message: records or a TranslationError."""
        message = copy.deepcopy(BASE_MESSAGES[call])
        put_at(message, path, value)
        error = error_of(message, options)
        assert error is None or isinstance(error, TranslationError), repr(error)

    @pytest.mark.parametrize(
        ("call", "path"),
        NUMERIC_FIELD_PATHS,
        ids=[".".join(map(str, (c, *p))) for c, p in NUMERIC_FIELD_PATHS],
    )
    @quick(10)
    @given(value=st.one_of(special_decimals, st.lists(special_decimals, max_size=2)))
    def test_decimals_in_numeric_fields(self, call: str, path: tuple[Any, ...], value: Any) -> None:
        """NaN, sNaN, infinite or huge Decimals where numbers go: records or a TranslationError."""
        message = copy.deepcopy(BASE_MESSAGES[call])
        put_at(message, path, value)
        error = error_of(message)
        assert error is None or isinstance(error, TranslationError), repr(error)

    @quick(40)
    @given(
        message=st.one_of(python_values, near_valid_messages(python_values)), options=any_options
    )
    def test_python_values_raise_only_translation_errors(
        self, message: Any, options: Optional[TranslationOptions]
    ) -> None:
        """Bytes, sets, Decimals, times and other objects: records or a TranslationError."""
        error = error_of(message, options)
        assert error is None or isinstance(error, TranslationError), repr(error)

    @quick(20)
    @given(
        message=valid_event_messages(properties=st.just({})),
        key=valid_keys,
        bad=st.sampled_from([math.nan, math.inf, -math.inf]),
    )
    def test_nan_and_infinity_properties_are_invalid(
        self, message: dict[str, Any], key: str, bad: float
    ) -> None:
        """NaN or Infinity as a property value raises InvalidPropertyError naming the property."""
        message["properties"] = {key: bad}
        with pytest.raises(InvalidPropertyError) as caught:
            translate(message)
        assert caught.value.path == f"properties.{key}"

    @quick(20)
    @given(
        user_id=identifiers, key=valid_keys, bad=st.sampled_from([math.nan, math.inf, -math.inf])
    )
    def test_nan_and_infinity_traits_are_invalid(self, user_id: Any, key: str, bad: float) -> None:
        """NaN or Infinity as a trait value raises InvalidPropertyError naming the trait."""
        message = {"type": "identify", "userId": user_id, "traits": {key: bad}}
        with pytest.raises(InvalidPropertyError) as caught:
            translate(message)
        assert caught.value.path == f"traits.{key}"


class TestRecords:
    """The shape of every record translate returns."""

    @quick(40)
    @given(message=segment_messages, options=any_options)
    def test_record_types(
        self, message: dict[str, Any], options: Optional[TranslationOptions]
    ) -> None:
        """Every record's type is profile, event or token."""
        for record in attempt(message, options) or []:
            assert record["type"] in {"profile", "event", "token"}

    @quick(40)
    @given(message=segment_messages, options=any_options)
    def test_exactly_one_identifier(
        self, message: dict[str, Any], options: Optional[TranslationOptions]
    ) -> None:
        """Every record has exactly one of identity and objectId, a non-blank string."""
        for record in attempt(message, options) or []:
            present = [key for key in ("identity", "objectId") if key in record]
            assert len(present) == 1
            identifier = record[present[0]]
            assert isinstance(identifier, str)
            assert identifier.strip()

    @quick(40)
    @given(message=segment_messages, options=any_options)
    def test_ts_is_positive_int(
        self, message: dict[str, Any], options: Optional[TranslationOptions]
    ) -> None:
        """ts, when present, is a positive int (epoch seconds)."""
        for record in attempt(message, options) or []:
            if "ts" in record:
                assert type(record["ts"]) is int
                assert record["ts"] > 0

    @quick(40)
    @given(message=segment_messages, options=any_options)
    def test_key_order(
        self, message: dict[str, Any], options: Optional[TranslationOptions]
    ) -> None:
        """Keys come in the order type, identifier, ts, then the data."""
        for record in attempt(message, options) or []:
            identifier = "identity" if "identity" in record else "objectId"
            expected = ["type", identifier] + (["ts"] if "ts" in record else [])
            if record["type"] == "event":
                expected += ["evtName", "evtData"]
            else:
                expected.append(DATA_FIELDS[record["type"]])
            assert list(record) == expected

    @quick(40)
    @given(message=segment_messages, options=any_options)
    def test_data_strings_fit_clevertap(
        self, message: dict[str, Any], options: Optional[TranslationOptions]
    ) -> None:
        """Every string in profile or event data (multi-values, items) is ≤ 512 characters."""
        for record in attempt(message, options) or []:
            if record["type"] == "profile":
                data = {k: v for k, v in record["profileData"].items() if k != "identity"}
            elif record["type"] == "event":
                data = record["evtData"]
            else:
                continue
            for text in data_strings(data):
                assert len(text) <= MAX_STRING_LENGTH, (len(text), text[:40])

    @quick(30)
    @given(
        user_id=identifiers,
        own=long_text_traits(),
        extra=long_text_traits(),
        options=translation_options(extended_reserved_fields=True),
    )
    def test_long_trait_strings_fit_clevertap(
        self,
        user_id: Any,
        own: dict[str, Any],
        extra: dict[str, Any],
        options: TranslationOptions,
    ) -> None:
        """Traits of up to 512 characters never give a profile string longer than 512."""
        message = {
            "type": "identify",
            "userId": user_id,
            "traits": own,
            "context": {"traits": extra},
        }
        for record in attempt(message, options) or []:
            for text in data_strings(record["profileData"]):
                assert len(text) <= MAX_STRING_LENGTH, (len(text), text[:40])

    @quick(40)
    @given(message=event_messages(), options=any_options)
    def test_event_name_is_allowed(
        self, message: dict[str, Any], options: Optional[TranslationOptions]
    ) -> None:
        """evtName is non-empty, holds no prohibited character and is no system event name."""
        for record in attempt(message, options) or []:
            name = record["evtName"]
            assert isinstance(name, str)
            assert name.strip()
            assert not set(name) & set(PROHIBITED_KEY_CHARACTERS)
            assert name.replace(" ", "").lower() not in RESTRICTED_EVENT_NAMES

    @quick(40)
    @given(message=event_messages(), options=any_options)
    def test_event_property_limit(
        self, message: dict[str, Any], options: Optional[TranslationOptions]
    ) -> None:
        """An event never carries more properties than max_event_properties."""
        limit = (options or TranslationOptions()).max_event_properties
        for record in attempt(message, options) or []:
            assert len(record["evtData"]) <= limit

    @quick(40)
    @given(
        message=st.one_of(segment_messages, near_valid_messages()),
        integrations=disabling_integrations(),
        options=any_options,
    )
    def test_disabled_integrations_give_no_records(
        self,
        message: dict[str, Any],
        integrations: dict[str, Any],
        options: Optional[TranslationOptions],
    ) -> None:
        """An integrations object that turns CleverTap off always gives []."""
        message["integrations"] = integrations
        assert translate(message, options) == []


class TestMapping:
    """Rules of the mapping that hold for every message of a kind."""

    @quick(30)
    @given(
        message=valid_event_messages(with_timestamp=False),
        stamps=st.lists(
            st.tuples(st.sampled_from(TIMESTAMP_FIELDS), st.booleans(), timestamps()),
            max_size=4,
            unique_by=lambda entry: entry[0],
        ),
    )
    def test_ts_follows_timestamp_precedence(
        self, message: dict[str, Any], stamps: list[tuple[str, bool, tuple[Any, int]]]
    ) -> None:
        """ts is the epoch seconds of timestamp, else originalTimestamp, else receivedAt/sentAt."""
        epochs = {}
        for field, snake, (value, epoch) in stamps:
            message[SNAKE_SPELLINGS.get(field, field) if snake else field] = value
            epochs[field] = epoch
        [record] = translate(message)
        present = [field for field in TIMESTAMP_FIELDS if field in epochs]
        if present:
            assert record["ts"] == epochs[present[0]]
        else:
            assert "ts" not in record

    @quick(40)
    @given(
        message=valid_event_messages(),
        who=st.tuples(
            st.none() | identifiers,
            st.none() | identifiers,
            st.none() | st.sampled_from(["ada@example.com", "grace@example.org"]),
        ).filter(lambda who: who != (None, None, None)),
        snake=st.booleans(),
        anonymous_as_object_id=st.booleans(),
    )
    def test_event_identifier_precedence(
        self,
        message: dict[str, Any],
        who: tuple[Any, Any, Optional[str]],
        snake: bool,
        anonymous_as_object_id: bool,
    ) -> None:
        """Events: identity = userId, else objectId = anonymousId, else identity = email trait."""
        user_id, anonymous_id, email = who
        message = without_identifiers(message)
        if user_id is not None:
            message["user_id" if snake else "userId"] = user_id
        if anonymous_id is not None:
            message["anonymous_id" if snake else "anonymousId"] = anonymous_id
        if email is not None:
            message["context"]["traits"] = {"email": email}
        options = TranslationOptions(anonymous_id_as_object_id=anonymous_as_object_id)
        if user_id is not None:
            expected = {"identity": str(user_id)}
        elif anonymous_id is not None and anonymous_as_object_id:
            expected = {"objectId": str(anonymous_id)}
        elif email is not None:
            expected = {"identity": email}
        else:  # only an anonymous ID, and it may not be used
            with pytest.raises(InvalidMessageError):
                translate(message, options)
            return
        [record] = translate(message, options)
        assert {key: record[key] for key in ("identity", "objectId") if key in record} == expected

    @quick(20)
    @given(message=valid_event_messages())
    def test_event_without_identifier_is_invalid(self, message: dict[str, Any]) -> None:
        """An event with no userId, anonymousId or email trait raises InvalidMessageError."""
        with pytest.raises(InvalidMessageError):
            translate(without_identifiers(message))

    @quick(30)
    @given(
        user_id=identifiers,
        anonymous_id=identifiers,
        snake=st.booleans(),
        timestamp=st.none() | timestamps().map(lambda pair: pair[0]),
    )
    def test_identify_with_both_ids_uses_object_id(
        self, user_id: Any, anonymous_id: Any, snake: bool, timestamp: Any
    ) -> None:
        """identify with userId and anonymousId: objectId = anonymousId, identity in profileData."""
        message: dict[str, Any] = {"type": "identify", "traits": {"plan": "pro"}}
        message["user_id" if snake else "userId"] = user_id
        message["anonymous_id" if snake else "anonymousId"] = anonymous_id
        if timestamp is not None:
            message["timestamp"] = timestamp
        [record] = translate(message)
        assert record["objectId"] == str(anonymous_id)
        assert record["profileData"]["identity"] == str(user_id)

    @quick(30)
    @given(message=st.one_of(identify_messages(), event_messages()), options=any_options)
    def test_anonymous_id_never_object_id_when_turned_off(
        self, message: dict[str, Any], options: Optional[TranslationOptions]
    ) -> None:
        """With anonymous_id_as_object_id=False no record is addressed by objectId."""
        settings_ = (options or TranslationOptions()).to_dict()
        settings_["anonymous_id_as_object_id"] = False
        for record in attempt(message, TranslationOptions(**settings_)) or []:
            assert "objectId" not in record

    @quick(30)
    @given(message=alias_messages())
    def test_alias_links_previous_id_to_user_id(self, message: dict[str, Any]) -> None:
        """alias gives one profile: identity = previousId, profileData = {identity: userId}."""
        [record] = translate(message)
        assert record["type"] == "profile"
        assert record["identity"] == str(spelled(message, "previousId"))
        assert record["profileData"] == {"identity": str(spelled(message, "userId"))}

    @quick(30)
    @given(
        anonymous_id=identifiers,
        user_id=st.none() | identifiers,
        token=st.text(min_size=1, max_size=40).filter(str.strip),
        platform=st.sampled_from(
            [
                ("os", "Android", "fcm"),
                ("os", "iOS", "apns"),
                ("device", "android", "fcm"),
                ("device", "ios", "apns"),
            ]
        ),
    )
    def test_push_token_record(
        self, anonymous_id: Any, user_id: Any, token: str, platform: tuple[str, str, str]
    ) -> None:
        """identify with a device token and a known platform yields a token record for objectId."""
        where, name, token_type = platform
        context: dict[str, Any] = {"device": {"token": token}}
        if where == "os":
            context["os"] = {"name": name}
        else:
            context["device"]["type"] = name
        message = {"type": "identify", "anonymousId": anonymous_id, "context": context}
        if user_id is not None:
            message["userId"] = user_id
        records = translate(message)
        assert records[-1] == {
            "type": "token",
            "objectId": str(anonymous_id),
            "tokenData": {"id": token, "type": token_type},
        }

    @quick(30)
    @given(
        message=valid_event_messages(calls=("track",)),
        name=st.sampled_from(
            ["Order Completed", "order completed", "ORDER_COMPLETED", "Order  Completed"]
        ),
        properties=order_completed_properties(),
        options=any_options,
    )
    def test_order_completed_becomes_charged(
        self,
        message: dict[str, Any],
        name: str,
        properties: dict[str, Any],
        options: Optional[TranslationOptions],
    ) -> None:
        """Order Completed in any case or spacing becomes Charged, its Items a list of dicts."""
        message["event"] = name
        message["properties"] = properties
        records = attempt(message, options)
        assume(records is not None)
        assert records is not None
        [record] = records
        assert record["evtName"] == (options or TranslationOptions()).order_completed_event_name
        data = record["evtData"]
        if "Amount" in data:
            assert type(data["Amount"]) in (int, float)
        if "Items" in data:
            assert all(isinstance(item, dict) for item in data["Items"])
            assert "products" not in data


class TestRules:
    """Single rules of the mapping, over every input they cover."""

    @quick(25)
    @given(
        message=valid_event_messages(calls=("track",), properties=st.just({})),
        pair=st.sampled_from(COLLIDING_KEY_PAIRS),
        values=st.lists(st.text(max_size=10), min_size=2, max_size=2, unique=True),
    )
    def test_colliding_property_keys_are_invalid(
        self, message: dict[str, Any], pair: tuple[str, str], values: list[str]
    ) -> None:
        """Two keys that snake_case alike, with different values, raise InvalidPropertyError."""
        message["properties"] = dict(zip(pair, values))
        with pytest.raises(InvalidPropertyError):
            translate(message)

    @quick(25)
    @given(
        user_id=identifiers,
        pair=st.sampled_from(COLLIDING_KEY_PAIRS),
        values=st.lists(int64, min_size=2, max_size=2, unique=True),
    )
    def test_colliding_trait_keys_are_invalid(
        self, user_id: Any, pair: tuple[str, str], values: list[int]
    ) -> None:
        """Two trait keys that snake_case alike, with different values: InvalidPropertyError."""
        message = {"type": "identify", "userId": user_id, "traits": dict(zip(pair, values))}
        with pytest.raises(InvalidPropertyError):
            translate(message)

    @quick(25)
    @given(
        message=valid_event_messages(properties=st.just({})),
        key=st.sampled_from(["", " ", "$$$", "...", "_", "__", "-", "😀", "'\"'", "|&|"]),
    )
    def test_keys_without_letters_are_invalid(self, message: dict[str, Any], key: str) -> None:
        """A property key with no letter or digit raises InvalidPropertyError naming it."""
        message["properties"] = {key: 1}
        with pytest.raises(InvalidPropertyError) as caught:
            translate(message)
        assert caught.value.path == f"properties.{key}"

    @quick(25)
    @given(
        message=valid_event_messages(properties=st.just({})),
        entry=word_keys(),
        repeat=st.integers(1, 30),
    )
    def test_keys_longer_than_120_are_invalid(
        self, message: dict[str, Any], entry: tuple[str, tuple[str, ...]], repeat: int
    ) -> None:
        """A property key over 120 characters once snake_cased raises InvalidPropertyError."""
        words = list(entry[1])
        while len("_".join(words)) <= MAX_KEY_LENGTH:
            words.extend(entry[1])
        key = " ".join(words + list(entry[1]) * (repeat - 1))
        message["properties"] = {key: 1}
        with pytest.raises(InvalidPropertyError):
            translate(message)

    @quick(25)
    @given(
        message=valid_event_messages(properties=st.just({})),
        key=valid_keys,
        text=st.text(min_size=1, max_size=3).flatmap(
            lambda unit: st.integers(513, 700).map(lambda n: (unit * n)[:n])
        ),
    )
    def test_strings_longer_than_512_are_invalid(
        self, message: dict[str, Any], key: str, text: str
    ) -> None:
        """A property string longer than 512 characters raises InvalidPropertyError naming it."""
        message["properties"] = {key: text}
        with pytest.raises(InvalidPropertyError) as caught:
            translate(message)
        assert caught.value.path == f"properties.{key}"

    @quick(25)
    @given(
        message=valid_event_messages(calls=("track",), properties=flat_properties(max_size=8)),
        limit=st.integers(1, 8),
    )
    def test_too_many_properties_are_invalid(self, message: dict[str, Any], limit: int) -> None:
        """More non-null properties than max_event_properties raise InvalidPropertyError."""
        count = sum(value is not None for value in message["properties"].values())
        options = TranslationOptions(max_event_properties=limit)
        if count > limit:
            with pytest.raises(InvalidPropertyError):
                translate(message, options)
        else:
            translate(message, options)

    @quick(40)
    @given(message=valid_event_messages(calls=("track",)), name=restricted_event_names())
    def test_system_event_names_are_reserved(self, message: dict[str, Any], name: str) -> None:
        """A system event name, in any case and spacing, raises ReservedEventNameError."""
        message["event"] = name
        with pytest.raises(ReservedEventNameError):
            translate(message)

    @quick(40)
    @given(
        message=valid_event_messages(calls=("track",)),
        name=st.sampled_from(["Product Viewed", "Signed Up", "Ünïcödé Event"]).flatmap(
            lambda name: st.tuples(st.just(name), with_prohibited_characters(name))
        ),
    )
    def test_prohibited_characters_leave_event_names(
        self, message: dict[str, Any], name: tuple[str, str]
    ) -> None:
        """Characters CleverTap prohibits in event names are removed from evtName."""
        clean, dirty = name
        message["event"] = dirty
        [record] = translate(message)
        assert record["evtName"] == clean

    @quick(20)
    @given(
        message=valid_event_messages(calls=("track",)),
        name=st.text(alphabet=PROHIBITED_KEY_CHARACTERS + " ", min_size=1, max_size=8),
    )
    def test_event_names_of_prohibited_characters_are_invalid(
        self, message: dict[str, Any], name: str
    ) -> None:
        """An event name of nothing but prohibited characters raises InvalidMessageError."""
        message["event"] = name
        with pytest.raises(InvalidMessageError):
            translate(message)

    @quick(40)
    @given(
        user_id=identifiers,
        trait=st.sampled_from(sorted(REFUSED_SPECIAL_TRAITS)).flatmap(
            lambda name: st.tuples(st.just(name), REFUSED_SPECIAL_TRAITS[name])
        ),
    )
    def test_refused_special_traits_become_custom(
        self, user_id: Any, trait: tuple[str, Any]
    ) -> None:
        """A special trait CleverTap would refuse goes under its snake_case key, with a warning."""
        name, value = trait
        message = {"type": "identify", "userId": user_id, "traits": {name: value}}
        [outcome] = translate_many([message])
        [record] = outcome.records
        assert record["profileData"] == {name: value}
        assert outcome.warnings

    @quick(40)
    @given(user_id=identifiers, phone=phone_numbers())
    def test_phone_numbers_are_normalised(self, user_id: Any, phone: tuple[str, str]) -> None:
        """A phone with + or 00 and any spaces, dashes, dots or brackets becomes +<digits>."""
        text, digits = phone
        [record] = translate({"type": "identify", "userId": user_id, "traits": {"phone": text}})
        assert record["profileData"]["Phone"] == f"+{digits}"

    @quick(40)
    @given(
        user_id=identifiers,
        birthday=timestamps((*ISO_TIMESTAMP_FORMS, "aware-datetime", "naive-datetime")),
    )
    def test_birthdays_become_dob(self, user_id: Any, birthday: tuple[Any, int]) -> None:
        """A birthday as an ISO-8601 string or a datetime becomes DOB "$D_<epoch seconds>"."""
        value, epoch = birthday
        [record] = translate({"type": "identify", "userId": user_id, "traits": {"birthday": value}})
        assert record["profileData"]["DOB"] == f"$D_{epoch}"

    @quick(40)
    @given(
        user_id=identifiers,
        first=st.text(min_size=1, max_size=30).filter(lambda t: t == t.strip() and t),
        last=st.text(min_size=1, max_size=30).filter(lambda t: t == t.strip() and t),
        camel=st.booleans(),
    )
    def test_first_and_last_name_make_name(
        self, user_id: Any, first: str, last: str, camel: bool
    ) -> None:
        """Without a name trait, first_name and last_name make Name "first last"."""
        keys = ("firstName", "lastName") if camel else ("first_name", "last_name")
        traits = dict(zip(keys, (first, last)))
        [record] = translate({"type": "identify", "userId": user_id, "traits": traits})
        assert record["profileData"]["Name"] == f"{first} {last}"


class TestEquivalences:
    """Messages that differ only in ways the issue says do not matter translate alike."""

    @quick(30)
    @given(message=segment_messages, options=any_options)
    def test_snake_spellings_translate_alike(
        self, message: dict[str, Any], options: Optional[TranslationOptions]
    ) -> None:
        """A message in warehouse snake_case spelling translates like its camelCase spelling."""
        camel = outcome_of(respelled(message, snake=False), options)
        snake = outcome_of(respelled(message, snake=True), options)
        assert snake == camel

    @quick(30)
    @given(message=valid_event_messages(), key=valid_keys, options=any_options)
    def test_none_properties_are_dropped(
        self, message: dict[str, Any], key: str, options: Optional[TranslationOptions]
    ) -> None:
        """Adding a property whose value is None changes nothing."""
        assume(key not in message["properties"])
        before = outcome_of(message, options)
        message["properties"][key] = None
        assert outcome_of(message, options) == before

    @quick(30)
    @given(user_id=identifiers, own=traits(), extra=traits(nested=False), options=any_options)
    def test_context_traits_fill_in_missing_traits(
        self,
        user_id: Any,
        own: dict[str, Any],
        extra: dict[str, Any],
        options: Optional[TranslationOptions],
    ) -> None:
        """context.traits act as traits for the keys that traits lacks."""
        given_keys = {snake_case(key) for key in own}
        merged = {**own, **{k: v for k, v in extra.items() if snake_case(k) not in given_keys}}
        split = {"type": "identify", "userId": user_id, "traits": own, "context": {"traits": extra}}
        whole = {"type": "identify", "userId": user_id, "traits": merged}
        assert outcome_of(split, options) == outcome_of(whole, options)

    @quick(30)
    @given(
        message=valid_event_messages(properties=st.just({})),
        key=valid_keys,
        stamp=timestamps(ISO_TIMESTAMP_FORMS),
        convert=st.booleans(),
    )
    def test_iso_date_properties_follow_convert_dates(
        self, message: dict[str, Any], key: str, stamp: tuple[str, int], convert: bool
    ) -> None:
        """An ISO-8601 property becomes "$D_<epoch>" with convert_dates, else stays as given."""
        text, epoch = stamp
        message["properties"] = {key: text}
        [record] = translate(message, TranslationOptions(convert_dates=convert))
        [value] = [v for k, v in record["evtData"].items() if k not in {"name", "category"}]
        assert value == (f"$D_{epoch}" if convert else text)

    @quick(20)
    @given(
        message=valid_event_messages(calls=("page", "screen")),
        name=st.text(min_size=1, max_size=20),
        category=st.text(min_size=1, max_size=20),
    )
    def test_page_name_and_category_fill_in(
        self, message: dict[str, Any], name: str, category: str
    ) -> None:
        """page/screen evtData carries the message's name and category when properties lack them."""
        message["name"], message["category"] = name, category
        [record] = translate(message)
        assert record["evtData"]["name"] == name
        assert record["evtData"]["category"] == category


class TestErrors:
    """The errors translate raises."""

    def test_translation_errors_are_value_errors(self) -> None:
        """Every translation error class is a ValueError and a CleverTapSegmentError."""
        for cls in (
            TranslationError,
            InvalidMessageError,
            UnsupportedCallError,
            NestedPropertyError,
            InvalidPropertyError,
            ReservedEventNameError,
        ):
            assert issubclass(cls, ValueError)
            assert issubclass(cls, CleverTapSegmentError)

    @quick(25)
    @given(message=broken_messages, options=any_options)
    def test_errors_carry_a_path(self, message: Any, options: Optional[TranslationOptions]) -> None:
        """A raised error carries a str path naming the field (empty for the whole message)."""
        error = translation_error_of(message, options)
        if error is not None:
            assert isinstance(error.path, str)

    @quick(25)
    @given(message=broken_messages, options=any_options)
    def test_errors_say_what_is_wrong(
        self, message: Any, options: Optional[TranslationOptions]
    ) -> None:
        """A raised error's str() is not empty."""
        error = translation_error_of(message, options)
        if error is not None:
            assert str(error).strip()

    @quick(25)
    @given(message=broken_messages, options=any_options)
    def test_errors_pickle(self, message: Any, options: Optional[TranslationOptions]) -> None:
        """A raised error survives pickling with its type, path and message."""
        error = translation_error_of(message, options)
        assume(error is not None)
        assert error is not None
        copied = pickle.loads(pickle.dumps(error))  # noqa: S301 - our own bytes
        assert type(copied) is type(error)
        assert copied.path == error.path
        assert str(copied) == str(error)


def counted(messages: list[Any], consumed: list[int]) -> Iterator[Any]:
    """An endless stream cycling through ``messages``, noting how many were taken."""
    for position in itertools.count():
        consumed.append(position)
        yield messages[position % len(messages)]


class TestTranslateMany:
    """translate_many over streams of messages."""

    @quick(25)
    @given(messages=st.lists(st.one_of(segment_messages, broken_messages), max_size=4))
    def test_one_outcome_per_input_in_order(self, messages: list[Any]) -> None:
        """Exactly one outcome per message, with index equal to its position."""
        outcomes = list(translate_many(messages))
        assert [outcome.index for outcome in outcomes] == list(range(len(messages)))

    @quick(30)
    @given(
        messages=st.lists(st.one_of(segment_messages, broken_messages), min_size=1, max_size=5),
        taken=st.integers(0, 10),
    )
    def test_lazy_on_endless_stream(self, messages: list[Any], taken: int) -> None:
        """Taking k outcomes from an endless stream consumes at most k + 1 messages."""
        consumed: list[int] = []
        outcomes = list(itertools.islice(translate_many(counted(messages, consumed)), taken))
        assert len(outcomes) == taken
        assert len(consumed) <= taken + 1

    @quick(30)
    @given(
        messages=st.lists(
            st.one_of(broken_messages, python_values, near_valid_messages(python_values)),
            max_size=6,
        ),
        options=any_options,
    )
    def test_never_raises(self, messages: list[Any], options: Optional[TranslationOptions]) -> None:
        """Bad messages of any kind become outcomes with an error, never an exception."""
        for outcome in translate_many(messages, options):
            assert outcome.ok == (outcome.error is None)

    @quick(30)
    @given(
        messages=st.lists(st.one_of(segment_messages, broken_messages), max_size=4),
        options=any_options,
    )
    def test_outcomes_agree_with_translate(
        self, messages: list[Any], options: Optional[TranslationOptions]
    ) -> None:
        """Each outcome holds what translate gives for that message: its records or its error."""
        for message, outcome in zip(messages, translate_many(messages, options)):
            if outcome.error is None:
                assert outcome.records == tuple(translate(message, options))
            else:
                assert outcome.records == ()
                with pytest.raises(type(outcome.error)) as caught:
                    translate(message, options)
                assert str(caught.value) == str(outcome.error)

    @quick(25)
    @given(messages=st.lists(segment_messages, max_size=4))
    def test_message_ids(self, messages: list[dict[str, Any]]) -> None:
        """Each outcome carries its message's messageId (either spelling), or None."""
        for message, outcome in zip(messages, translate_many(messages)):
            assert outcome.message_id == spelled(message, "messageId")

    @quick(20)
    @given(
        messages=st.lists(
            st.one_of(segment_messages, near_valid_messages()), min_size=1, max_size=5
        ),
        integrations=disabling_integrations(),
    )
    def test_disabled_messages_are_skipped(
        self, messages: list[dict[str, Any]], integrations: dict[str, Any]
    ) -> None:
        """A message whose integrations turn CleverTap off is skipped: no records, a reason."""
        for message in messages:
            message["integrations"] = integrations
        for outcome in translate_many(messages):
            assert outcome.ok
            assert outcome.records == ()
            assert outcome.skipped

    @pytest.mark.parametrize("bad", [None, 42, "text", [1, 2]])
    def test_non_mappings_are_errors(self, bad: Any) -> None:
        """A message that is not a mapping becomes an InvalidMessageError outcome."""
        [outcome] = translate_many([bad])
        assert isinstance(outcome.error, InvalidMessageError)
