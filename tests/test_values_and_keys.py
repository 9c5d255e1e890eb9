"""Keys (snake_case, CleverTap's key rules) and values (dates, numbers, strings, nesting)."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from typing import Any

import pytest

from clevertap_segment import (
    InvalidMessageError,
    InvalidPropertyError,
    NestedPropertyError,
    TranslationOptions,
    snake_case,
    translate,
)

from .helpers import error_of, outcome_of

JAN_2024 = 1704067200  # 2024-01-01T00:00:00Z


def track(properties: dict[str, Any]) -> dict[str, Any]:
    """A track by user ``u-1`` carrying ``properties``."""
    return {"type": "track", "userId": "u-1", "event": "E", "properties": properties}


def identify(traits: dict[str, Any]) -> dict[str, Any]:
    """An identify by user ``u-1`` carrying ``traits``."""
    return {"type": "identify", "userId": "u-1", "traits": traits}


def evt_data(properties: dict[str, Any], **options: Any) -> dict[str, Any]:
    """The evtData a track with ``properties`` becomes."""
    (record,) = translate(track(properties), TranslationOptions(**options))
    data: dict[str, Any] = record["evtData"]
    return data


def profile_data(traits: dict[str, Any], **options: Any) -> dict[str, Any]:
    """The profileData an identify with ``traits`` becomes."""
    (record,) = translate(identify(traits), TranslationOptions(**options))
    data: dict[str, Any] = record["profileData"]
    return data


SNAKE_CASE_EXAMPLES = [
    ("firstName", "first_name"),
    ("Plan Type", "plan_type"),
    ("productID", "product_id"),
    ("Order-Total", "order_total"),
    ("price.usd", "price_usd"),
    ("already_snake", "already_snake"),
    ("__leading and trailing__", "leading_and_trailing"),
    ("a  --  b", "a_b"),
    ("HTMLParser", "html_parser"),
    ("EMAIL", "email"),
    ("order_completed_last_30days", "order_completed_last_30days"),
    ("Käse Größe", "käse_größe"),
    ("$%", ""),
    ("", ""),
]


class TestSnakeCase:
    """snake_case, the public key normaliser."""

    @pytest.mark.parametrize(("key", "expected"), SNAKE_CASE_EXAMPLES)
    def test_examples(self, key: str, expected: str) -> None:
        """The spec's examples and a few more."""
        assert snake_case(key) == expected

    @pytest.mark.parametrize(("key", "expected"), SNAKE_CASE_EXAMPLES)
    def test_idempotent(self, key: str, expected: str) -> None:
        """snake_case of a snake_case key is the same key."""
        assert snake_case(snake_case(key)) == snake_case(key)

    def test_repeated_calls_agree(self) -> None:
        """The cache gives the same answer as the first call."""
        assert [snake_case("fooBarBaz") for _ in range(3)] == ["foo_bar_baz"] * 3


class TestSnakeKeys:
    """Property and trait keys in the default snake mode."""

    def test_event_keys_are_snake_cased(self) -> None:
        """Event property keys are lower-cased and snake_cased."""
        assert evt_data({"Plan Type": 1, "productID": 2, "Order-Total": 3, "price.usd": 4}) == {
            "plan_type": 1,
            "product_id": 2,
            "order_total": 3,
            "price_usd": 4,
        }

    def test_trait_keys_are_snake_cased(self) -> None:
        """Custom trait keys are lower-cased and snake_cased."""
        assert profile_data({"Plan Type": "pro", "signupSource": "ad"}) == {
            "plan_type": "pro",
            "signup_source": "ad",
        }

    @pytest.mark.parametrize("key", ["", "   ", "!!!", "$.%"])
    def test_key_without_letters_or_digits_is_an_error(self, key: str) -> None:
        """A key that becomes empty is refused, saying keys need letters or digits."""
        error = error_of(track({key: 1}), InvalidPropertyError)
        assert error.path == f"properties.{key}"
        assert "letters or digits" in str(error)

    def test_key_of_120_characters_is_allowed(self) -> None:
        """A snake_cased key of exactly 120 characters is fine."""
        assert evt_data({"a" * 120: 1}) == {"a" * 120: 1}

    def test_key_longer_than_120_is_an_error(self) -> None:
        """A key longer than 120 characters after snake_casing is refused."""
        key = "a" * 121
        error = error_of(track({key: 1}), InvalidPropertyError)
        assert error.path == f"properties.{key}"
        assert "120" in str(error)

    def test_key_that_grows_past_120_when_snake_cased_is_an_error(self) -> None:
        """The limit applies to the key after snake_casing."""
        key = "aB" * 60  # 120 characters that become 179
        error = error_of(track({key: 1}), InvalidPropertyError)
        assert "120" in str(error)

    def test_non_string_key_is_an_error(self) -> None:
        """A non-string key is refused."""
        error = error_of(track({1: "x"}), InvalidPropertyError)  # type: ignore[dict-item]
        assert error.path == "properties.1"
        assert "strings" in str(error)

    def test_flattened_key_longer_than_120_is_an_error(self) -> None:
        """A parent_child key built by flattening obeys the same limit."""
        properties = {"a" * 70: {"b" * 70: 1}}
        error = error_of(track(properties), InvalidPropertyError, nested_properties="flatten")
        assert "120" in str(error)


class TestPreservedKeys:
    """key_case='preserve' keeps keys but still applies CleverTap's rules."""

    def test_event_keys_kept(self) -> None:
        """Event property keys are kept as given."""
        data = evt_data({"Plan Type": 1, "productID": 2}, key_case="preserve")
        assert data == {"Plan Type": 1, "productID": 2}

    def test_trait_keys_kept(self) -> None:
        """Custom trait keys are kept as given."""
        data = profile_data({"Plan Type": "pro", "signupSource": "ad"}, key_case="preserve")
        assert data == {"Plan Type": "pro", "signupSource": "ad"}

    def test_special_traits_still_matched(self) -> None:
        """Special traits are matched after normalisation even when keys are preserved."""
        data = profile_data({"EMAIL": "a@b.co", "firstName": "Ada"}, key_case="preserve")
        assert data == {"Email": "a@b.co", "firstName": "Ada", "Name": "Ada"}

    @pytest.mark.parametrize("char", list("%><!|&.:;$'\"\\"))
    def test_prohibited_character_in_event_key_is_an_error(self, char: str) -> None:
        """A key holding a character CleverTap prohibits is refused, naming it."""
        key = f"a{char}b"
        error = error_of(track({key: 1}), InvalidPropertyError, key_case="preserve")
        assert error.path == f"properties.{key}"
        assert char in str(error)
        assert "key_case='snake'" in str(error)

    def test_hash_allowed_in_event_key(self) -> None:
        """``#`` is allowed in event property keys."""
        assert evt_data({"a#b": 1}, key_case="preserve") == {"a#b": 1}

    def test_hash_refused_in_profile_key(self) -> None:
        """``#`` is prohibited in profile keys."""
        error = error_of(identify({"a#b": 1}), InvalidPropertyError, key_case="preserve")
        assert error.path == "traits.a#b"
        assert "#" in str(error)

    @pytest.mark.parametrize("key", ["", "  "])
    def test_blank_key_is_an_error(self, key: str) -> None:
        """An empty or blank key is refused."""
        error = error_of(track({key: 1}), InvalidPropertyError, key_case="preserve")
        assert error.path == f"properties.{key}"
        assert "empty" in str(error)

    def test_key_longer_than_120_is_an_error(self) -> None:
        """A preserved key longer than 120 characters is refused."""
        key = "K" * 121
        error = error_of(track({key: 1}), InvalidPropertyError, key_case="preserve")
        assert "120" in str(error)


class TestKeyCollisions:
    """Two keys that normalise to one key."""

    def test_different_values_are_an_error(self) -> None:
        """fooBar and foo_bar with different values are refused, naming the key."""
        error = error_of(track({"fooBar": 1, "foo_bar": 2}), InvalidPropertyError)
        assert error.path == "properties.foo_bar"
        assert "foo_bar" in str(error)
        assert "rename" in str(error)

    def test_same_values_are_merged(self) -> None:
        """Keys that collide with equal values give one key."""
        assert evt_data({"fooBar": 1, "foo_bar": 1}) == {"foo_bar": 1}

    def test_equal_but_differently_typed_values_are_an_error(self) -> None:
        """1 and True are not the same value."""
        error_of(track({"fooBar": 1, "foo_bar": True}), InvalidPropertyError)

    def test_trait_collision_is_an_error(self) -> None:
        """Trait keys collide the same way."""
        error = error_of(identify({"Plan Type": "a", "planType": "b"}), InvalidPropertyError)
        assert error.path == "traits.planType"

    def test_flattened_key_colliding_with_a_plain_key_is_an_error(self) -> None:
        """address.city flattened collides with an address_city key."""
        error = error_of(
            identify({"address_city": "A", "address": {"city": "B"}}), InvalidPropertyError
        )
        assert error.path == "traits.address.city"


class TestValues:
    """Scalar values in event and profile data."""

    def test_largest_integers_pass(self) -> None:
        """Integers within 64 bits are sent as they are."""
        assert evt_data({"max": 2**63 - 1, "min": -(2**63) + 1}) == {
            "max": 2**63 - 1,
            "min": -(2**63) + 1,
        }

    @pytest.mark.parametrize(
        "value", [2**63, -(2**63), 10**400, 10**5000], ids=["2**63", "-2**63", "1e400", "1e5000"]
    )
    def test_integers_beyond_64_bits_are_refused(self, value: int) -> None:
        """An integer CleverTap cannot store is an error naming its path, even a huge one."""
        error = error_of(track({"n": value}), InvalidPropertyError)
        assert error.path == "properties.n"
        assert "2**63 - 1" in str(error)

    def test_huge_decimal_is_refused_without_expanding_it(self) -> None:
        """Decimal("1e999999999") is refused at once, not turned into a billion-digit int."""
        error = error_of(track({"n": Decimal("1e999999999")}), InvalidPropertyError)
        assert error.path == "properties.n"

    def test_huge_integer_key_is_described_not_printed(self) -> None:
        """An integer key too long to print still gets a clear error."""
        properties: dict[Any, Any] = {10**5000: 1}
        error = error_of(track(properties), InvalidPropertyError)
        assert "keys must be strings" in str(error)
        assert "<int of 16610 bits>" in error.path

    @pytest.mark.parametrize(
        "value",
        [10**400, -(10**400), 10**5000, 1.5e300],
        ids=["1e400", "-1e400", "1e5000", "float"],
    )
    def test_huge_timestamp_is_refused(self, value: Any) -> None:
        """A timestamp too large for any date is an InvalidMessageError, never an overflow."""
        error = error_of(
            {"type": "track", "userId": "u", "event": "E", "timestamp": value}, InvalidMessageError
        )
        assert error.path == "timestamp"

    def test_none_values_are_dropped(self) -> None:
        """None values are left out."""
        assert evt_data({"a": None, "b": 1}) == {"b": 1}
        assert profile_data({"a": None, "b": 1}) == {"b": 1}

    def test_scalars_pass(self) -> None:
        """Strings, integers, floats and booleans pass untouched."""
        assert evt_data({"s": "x", "i": 3, "f": 2.5, "t": True, "n": False, "z": 0}) == {
            "s": "x",
            "i": 3,
            "f": 2.5,
            "t": True,
            "n": False,
            "z": 0,
        }

    @pytest.mark.parametrize(
        "value",
        [
            dt.date(2024, 1, 1),
            dt.datetime(2024, 1, 1, tzinfo=dt.timezone.utc),
            dt.datetime(2024, 1, 1, 1, tzinfo=dt.timezone(dt.timedelta(hours=1))),
            dt.datetime(2024, 1, 1),
            "2024-01-01",
            "2024-01-01T00:00:00Z",
            "2024-01-01T00:00:00.500Z",
            "2024-01-01T05:30:00+05:30",
            "2024-01-01T00:00:00",
        ],
    )
    def test_dates_become_clevertap_dates(self, value: Any) -> None:
        """Dates, datetimes and ISO-8601 strings become ``$D_<epoch seconds>``."""
        assert evt_data({"at": value}) == {"at": f"$D_{JAN_2024}"}

    def test_trait_dates_become_clevertap_dates(self) -> None:
        """Trait dates are converted too."""
        assert profile_data({"signedUpAt": "2024-01-01T00:00:00Z"}) == {
            "signed_up_at": f"$D_{JAN_2024}"
        }

    @pytest.mark.parametrize(
        "value", ["2024", "12-01-2024", "2024-13-01", "2024-01-01 is the day", "1704067200"]
    )
    def test_non_dates_stay_strings(self, value: str) -> None:
        """Strings that are not ISO-8601 dates are not converted."""
        assert evt_data({"s": value}) == {"s": value}

    def test_convert_dates_false_keeps_iso_strings(self) -> None:
        """With convert_dates=False ISO strings stay strings."""
        data = evt_data({"at": "2024-01-01T00:00:00Z", "day": "2024-01-01"}, convert_dates=False)
        assert data == {"at": "2024-01-01T00:00:00Z", "day": "2024-01-01"}

    def test_convert_dates_false_still_converts_date_objects(self) -> None:
        """With convert_dates=False date and datetime objects still become dates."""
        data = evt_data(
            {"d": dt.date(2024, 1, 1), "t": dt.datetime(2024, 1, 1, tzinfo=dt.timezone.utc)},
            convert_dates=False,
        )
        assert data == {"d": f"$D_{JAN_2024}", "t": f"$D_{JAN_2024}"}

    @pytest.mark.parametrize(
        ("value", "expected"),
        [(Decimal(3), 3), (Decimal("3.00"), 3), (Decimal("1.5"), 1.5), (Decimal(-2), -2)],
    )
    def test_decimal_becomes_int_or_float(self, value: Decimal, expected: float) -> None:
        """Decimals become int when integral, else float."""
        result = evt_data({"d": value})["d"]
        assert result == expected
        assert type(result) is type(expected)

    @pytest.mark.parametrize(
        "value",
        [float("nan"), float("inf"), float("-inf"), Decimal("NaN"), Decimal("Infinity")],
    )
    def test_nan_and_infinity_are_errors(self, value: Any) -> None:
        """NaN and Infinity are InvalidPropertyError saying finite numbers are allowed."""
        error = error_of(track({"x": value}), InvalidPropertyError)
        assert error.path == "properties.x"
        assert "finite" in str(error)

    @pytest.mark.parametrize("value", [b"raw", bytearray(b"raw"), {1, 2}, object(), dt.time(1, 2)])
    def test_unsupported_types_are_errors(self, value: Any) -> None:
        """bytes and other types are InvalidPropertyError listing what is allowed."""
        error = error_of(track({"x": value}), InvalidPropertyError)
        assert error.path == "properties.x"
        assert error.value_type == type(value).__name__
        assert "allowed: string, number, boolean" in str(error)

    def test_bytes_trait_is_an_error(self) -> None:
        """bytes in traits are refused too."""
        error = error_of(identify({"x": b"raw"}), InvalidPropertyError)
        assert error.path == "traits.x"

    def test_string_of_512_characters_is_allowed(self) -> None:
        """A 512-character string is fine."""
        assert evt_data({"s": "x" * 512}) == {"s": "x" * 512}

    def test_string_longer_than_512_is_an_error(self) -> None:
        """A longer string is an InvalidPropertyError naming the limit."""
        error = error_of(track({"s": "x" * 513}), InvalidPropertyError)
        assert error.path == "properties.s"
        assert "512" in str(error)

    def test_long_trait_string_is_an_error(self) -> None:
        """The limit applies to custom traits as well."""
        error = error_of(identify({"bio": "x" * 513}), InvalidPropertyError)
        assert error.path == "traits.bio"
        assert "512" in str(error)

    def test_long_date_like_string_is_an_error(self) -> None:
        """A long string starting like a date is still checked for length."""
        error = error_of(track({"s": "2024-01-01" + "x" * 600}), InvalidPropertyError)
        assert "512" in str(error)


class TestMultiValue:
    """A list of scalars in traits becomes ``{"$set": [...]}``."""

    def test_list_of_strings(self) -> None:
        """Strings are kept in order."""
        assert profile_data({"tags": ["b", "a"]}) == {"tags": {"$set": ["b", "a"]}}

    def test_values_become_strings(self) -> None:
        """Numbers, Decimals and booleans become strings."""
        data = profile_data({"tags": [1, 2.5, True, False, Decimal(3)]})
        assert data == {"tags": {"$set": ["1", "2.5", "true", "false", "3"]}}

    def test_repeats_are_removed_keeping_the_first(self) -> None:
        """Duplicates, also after conversion to strings, appear once."""
        assert profile_data({"tags": ["a", "b", "a", 1, "1"]}) == {
            "tags": {"$set": ["a", "b", "1"]}
        }

    def test_dates_become_iso_text(self) -> None:
        """Dates in a multi-value list are ISO text: a "$D_" value is no date inside $set."""
        data = profile_data({"days": [dt.date(2026, 1, 2), dt.datetime(2026, 1, 2, 3)]})
        assert data == {"days": {"$set": ["2026-01-02", "2026-01-02T03:00:00"]}}

    def test_none_items_are_left_out(self) -> None:
        """None items are dropped."""
        assert profile_data({"tags": ["a", None]}) == {"tags": {"$set": ["a"]}}

    def test_tuple_is_a_list(self) -> None:
        """A tuple is treated like a list."""
        assert profile_data({"tags": ("a", "b")}) == {"tags": {"$set": ["a", "b"]}}

    def test_100_items_allowed(self) -> None:
        """Up to 100 distinct items are allowed."""
        items = [str(i) for i in range(100)]
        assert profile_data({"tags": items}) == {"tags": {"$set": items}}

    def test_100_distinct_items_with_repeats_allowed(self) -> None:
        """The limit counts distinct items."""
        items = [str(i) for i in range(100)]
        assert profile_data({"tags": items + items}) == {"tags": {"$set": items}}

    def test_more_than_100_items_is_an_error(self) -> None:
        """101 distinct items are an InvalidPropertyError naming the limit."""
        error = error_of(identify({"tags": [str(i) for i in range(101)]}), InvalidPropertyError)
        assert error.path == "traits.tags"
        assert "100" in str(error)

    def test_long_item_is_an_error(self) -> None:
        """An item longer than 512 characters is refused, naming its position."""
        error = error_of(identify({"tags": ["ok", "x" * 513]}), InvalidPropertyError)
        assert error.path == "traits.tags[1]"
        assert "512" in str(error)

    def test_nan_item_is_an_error(self) -> None:
        """A NaN item is refused."""
        error = error_of(identify({"tags": [float("nan")]}), InvalidPropertyError)
        assert error.path == "traits.tags[0]"

    def test_bytes_item_is_an_error(self) -> None:
        """A bytes item is refused."""
        error = error_of(identify({"tags": [b"x"]}), InvalidPropertyError)
        assert error.path == "traits.tags[0]"

    @pytest.mark.parametrize("policy", ["flatten", "reject", "stringify", "drop"])
    def test_scalar_lists_are_multi_values_under_every_policy(self, policy: str) -> None:
        """nested_traits is about objects; lists of scalars are always multi-values."""
        data = profile_data({"tags": ["a"]}, nested_traits=policy)
        assert data == {"tags": {"$set": ["a"]}}

    def test_event_lists_are_not_multi_values(self) -> None:
        """In event data a list is nested, not a multi-value (rejected by default)."""
        error = error_of(track({"tags": ["a"]}), NestedPropertyError)
        assert error.path == "properties.tags"


NESTED_TRAITS = {"plan": "pro", "address": {"city": "London", "geo": {"lat": 51.5}}}


class TestNestedTraits:
    """Object traits under each nested_traits policy."""

    def test_flatten_is_the_default(self) -> None:
        """Objects are flattened into parent_child keys at every depth."""
        assert profile_data(NESTED_TRAITS) == {
            "plan": "pro",
            "address_city": "London",
            "address_geo_lat": 51.5,
        }

    def test_flatten_snake_cases_each_level(self) -> None:
        """Every level's key is normalised."""
        assert profile_data({"homeAddress": {"zipCode": "N1"}}) == {"home_address_zip_code": "N1"}

    def test_flatten_nested_lists_of_objects_become_json_with_warning(self) -> None:
        """A list holding objects cannot be a multi-value: it is sent as JSON with a warning."""
        outcome = outcome_of(identify({"orders": [{"id": 1}]}))
        assert outcome.records[0]["profileData"] == {"orders": '[{"id":1}]'}
        assert len(outcome.warnings) == 1
        assert "traits.orders" in outcome.warnings[0]

    def test_flatten_empty_object_warned_about(self) -> None:
        """An empty object leaves no key, and a warning says so."""
        outcome = outcome_of(identify({"address": {}}))
        assert outcome.records[0]["profileData"] == {}
        assert len(outcome.warnings) == 1
        assert "traits.address" in outcome.warnings[0]

    def test_reject(self) -> None:
        """reject refuses an object trait with NestedPropertyError naming its path."""
        error = error_of(identify(NESTED_TRAITS), NestedPropertyError, nested_traits="reject")
        assert error.path == "traits.address"
        assert error.value_type == "dict"
        assert "nested_traits" in str(error)
        assert "flatten, stringify or drop" in str(error)

    def test_stringify(self) -> None:
        """stringify sends the object as compact JSON."""
        data = profile_data(NESTED_TRAITS, nested_traits="stringify")
        assert data == {"plan": "pro", "address": '{"city":"London","geo":{"lat":51.5}}'}

    def test_stringify_too_long_is_an_error(self) -> None:
        """JSON longer than 512 characters is refused."""
        traits = {"blob": {"text": "x" * 600}}
        error = error_of(identify(traits), InvalidPropertyError, nested_traits="stringify")
        assert error.path == "traits.blob"
        assert "512" in str(error)

    def test_drop(self) -> None:
        """drop leaves the object out and names it in a warning."""
        outcome = outcome_of(identify(NESTED_TRAITS), nested_traits="drop")
        assert outcome.records[0]["profileData"] == {"plan": "pro"}
        assert len(outcome.warnings) == 1
        assert "traits.address" in outcome.warnings[0]


NESTED_PROPERTIES = {"sku": "s1", "dims": {"w": 2, "unit": {"name": "cm"}}, "tags": ["a", "b"]}


class TestNestedProperties:
    """Object and array event properties under each nested_properties policy."""

    @pytest.mark.parametrize(
        ("properties", "path"),
        [
            ({"a": {"b": 1}}, "properties.a"),
            ({"a": [1]}, "properties.a"),
            ({"a": []}, "properties.a"),
            ({"a": {}}, "properties.a"),
        ],
    )
    def test_reject_is_the_default(self, properties: dict[str, Any], path: str) -> None:
        """Any dict or list is a NestedPropertyError naming its path and the way out."""
        error = error_of(track(properties), NestedPropertyError)
        assert error.path == path
        assert "nested_properties" in str(error)
        assert "string, number, boolean or date" in str(error)

    def test_flatten(self) -> None:
        """flatten turns objects into parent_child keys and sends arrays as JSON, warning."""
        outcome = outcome_of(track(NESTED_PROPERTIES), nested_properties="flatten")
        assert outcome.records[0]["evtData"] == {
            "sku": "s1",
            "dims_w": 2,
            "dims_unit_name": "cm",
            "tags": '["a","b"]',
        }
        assert len(outcome.warnings) == 1
        assert "properties.tags" in outcome.warnings[0]

    def test_stringify(self) -> None:
        """stringify sends objects and arrays as compact JSON."""
        data = evt_data(NESTED_PROPERTIES, nested_properties="stringify")
        assert data == {
            "sku": "s1",
            "dims": '{"w":2,"unit":{"name":"cm"}}',
            "tags": '["a","b"]',
        }

    def test_stringify_keeps_non_ascii(self) -> None:
        """Stringified JSON keeps non-ASCII characters as they are."""
        assert evt_data({"a": {"b": "é"}}, nested_properties="stringify") == {"a": '{"b":"é"}'}

    def test_stringify_nan_is_an_error(self) -> None:
        """A value JSON cannot hold is refused when stringifying."""
        error = error_of(
            track({"a": {"b": float("nan")}}), InvalidPropertyError, nested_properties="stringify"
        )
        assert error.path == "properties.a"

    def test_drop(self) -> None:
        """drop leaves objects and arrays out, naming each in a warning."""
        outcome = outcome_of(track(NESTED_PROPERTIES), nested_properties="drop")
        assert outcome.records[0]["evtData"] == {"sku": "s1"}
        assert len(outcome.warnings) == 2
        assert any("properties.dims" in warning for warning in outcome.warnings)
        assert any("properties.tags" in warning for warning in outcome.warnings)

    def test_flatten_then_reject_a_nan_inside(self) -> None:
        """Flattened values are checked like any other."""
        error = error_of(
            track({"a": {"b": float("inf")}}), InvalidPropertyError, nested_properties="flatten"
        )
        assert error.path == "properties.a.b"

    def test_output_is_strict_json(self) -> None:
        """Every policy's output survives strict JSON encoding."""
        for policy in ("flatten", "stringify", "drop"):
            records = translate(
                track(NESTED_PROPERTIES), TranslationOptions(nested_properties=policy)
            )
            assert json.loads(json.dumps(records, allow_nan=False)) == records
