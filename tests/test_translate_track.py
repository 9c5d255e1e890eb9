"""track, Order Completed, page, screen and alias; call types, integrations, translate_many."""

from __future__ import annotations

import copy
import datetime as dt
import itertools
import json
import logging
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import attrs
import pytest

from clevertap_segment import (
    InvalidMessageError,
    InvalidPropertyError,
    NestedPropertyError,
    Outcome,
    ReservedEventNameError,
    TranslationError,
    TranslationOptions,
    UnsupportedCallError,
    translate,
    translate_many,
)

from .helpers import SYSTEM_EVENT_NAMES, error_of, only_record, outcome_of

JAN_2024 = 1704067200  # 2024-01-01T00:00:00Z


def track(**fields: Any) -> dict[str, Any]:
    """A track message by user ``u-1`` with the given fields."""
    return {"type": "track", "userId": "u-1", "event": "Signed Up", **fields}


def order_completed(properties: dict[str, Any], **fields: Any) -> dict[str, Any]:
    """An Order Completed track with ``properties``."""
    return track(event="Order Completed", properties=properties, **fields)


def evt_data(message: dict[str, Any], **options: Any) -> dict[str, Any]:
    """The ``evtData`` of the single event ``message`` becomes."""
    data: dict[str, Any] = only_record(message, **options)["evtData"]
    return data


class TestTrackIdentity:
    """Who an event is addressed to."""

    def test_user_id_becomes_identity(self) -> None:
        """A userId addresses the event by identity."""
        assert translate(track(properties={"planType": "pro"})) == [
            {
                "type": "event",
                "identity": "u-1",
                "evtName": "Signed Up",
                "evtData": {"plan_type": "pro"},
            }
        ]

    def test_user_id_wins_over_anonymous_id(self) -> None:
        """With both ids an event is addressed by identity, not objectId."""
        record = only_record(track(anonymousId="a-1"))
        assert record == {"type": "event", "identity": "u-1", "evtName": "Signed Up", "evtData": {}}

    def test_anonymous_id_becomes_object_id(self) -> None:
        """Without a userId the anonymous ID is the objectId."""
        record = only_record(track(userId=None, anonymousId="a-1"))
        assert record == {"type": "event", "objectId": "a-1", "evtName": "Signed Up", "evtData": {}}

    def test_email_from_context_traits_is_identity(self) -> None:
        """Without ids, the email in context.traits is the identity."""
        message = track(userId=None, context={"traits": {"email": "ada@example.com"}})
        assert only_record(message)["identity"] == "ada@example.com"

    def test_anonymous_id_wins_over_email(self) -> None:
        """The anonymous ID is preferred to the email trait."""
        message = track(userId=None, anonymousId="a-1", context={"traits": {"email": "a@b.co"}})
        record = only_record(message)
        assert record["objectId"] == "a-1"
        assert "identity" not in record

    def test_numeric_ids_become_strings(self) -> None:
        """Numeric ids are sent as strings."""
        assert only_record(track(userId=5))["identity"] == "5"
        assert only_record(track(userId=None, anonymousId=6))["objectId"] == "6"

    def test_anonymous_id_as_object_id_false_falls_back_to_email(self) -> None:
        """With anonymous_id_as_object_id=False the email trait is used, not the anonymous ID."""
        message = track(userId=None, anonymousId="a-1", context={"traits": {"email": "a@b.co"}})
        record = only_record(message, anonymous_id_as_object_id=False)
        assert record == {
            "type": "event",
            "identity": "a@b.co",
            "evtName": "Signed Up",
            "evtData": {},
        }

    def test_anonymous_only_fails_when_anonymous_id_is_not_object_id(self) -> None:
        """An anonymous-only track fails clearly with anonymous_id_as_object_id=False."""
        error = error_of(
            track(userId=None, anonymousId="a-1"),
            InvalidMessageError,
            anonymous_id_as_object_id=False,
        )
        assert "anonymous_id_as_object_id" in str(error)
        assert "userId" in str(error)

    def test_no_identifier_is_an_error(self) -> None:
        """A track with no identifier is an InvalidMessageError naming what is accepted."""
        error = error_of(track(userId=None), InvalidMessageError)
        assert error.path == "userId"
        for needed in ("userId", "anonymousId", "email"):
            assert needed in str(error)

    @pytest.mark.parametrize("call", ["page", "screen"])
    def test_page_and_screen_use_the_same_rules(self, call: str) -> None:
        """page and screen are addressed like track."""
        message = {"type": call, "anonymousId": "a-1"}
        assert only_record(message)["objectId"] == "a-1"


class TestFieldSpellings:
    """Segment's camelCase fields and warehouse exports' snake_case fields."""

    def test_user_id(self) -> None:
        """user_id is read like userId."""
        message = {"type": "track", "user_id": "u-9", "event": "E"}
        assert only_record(message)["identity"] == "u-9"

    def test_anonymous_id(self) -> None:
        """anonymous_id is read like anonymousId."""
        message = {"type": "track", "anonymous_id": "a-9", "event": "E"}
        assert only_record(message)["objectId"] == "a-9"

    def test_previous_id(self) -> None:
        """previous_id is read like previousId."""
        message = {"type": "alias", "user_id": "u-1", "previous_id": "p-1"}
        assert only_record(message) == {
            "type": "profile",
            "identity": "p-1",
            "profileData": {"identity": "u-1"},
        }

    def test_message_id(self) -> None:
        """message_id is read like messageId."""
        assert outcome_of(track(message_id="m-9")).message_id == "m-9"

    @pytest.mark.parametrize("field", ["original_timestamp", "received_at", "sent_at"])
    def test_timestamp_fields(self, field: str) -> None:
        """original_timestamp, received_at and sent_at are read like their camelCase forms."""
        assert only_record(track(**{field: "2024-01-01T00:00:00Z"}))["ts"] == JAN_2024


class TestTimestamp:
    """Where ts comes from and how it is read."""

    @pytest.mark.parametrize(
        ("fields", "expected"),
        [
            ({"timestamp": 4, "originalTimestamp": 3, "receivedAt": 2, "sentAt": 1}, 4),
            ({"originalTimestamp": 3, "receivedAt": 2, "sentAt": 1}, 3),
            ({"receivedAt": 2, "sentAt": 1}, 2),
            ({"sentAt": 1}, 1),
            ({"timestamp": None, "originalTimestamp": 3}, 3),
            ({"original_timestamp": 3, "received_at": 2, "sent_at": 1}, 3),
        ],
    )
    def test_priority(self, fields: dict[str, Any], expected: int) -> None:
        """timestamp, else originalTimestamp, else receivedAt, else sentAt."""
        offset = {name: JAN_2024 + value for name, value in fields.items() if value is not None}
        message = track(**{**fields, **offset})
        assert only_record(message)["ts"] == JAN_2024 + expected

    @pytest.mark.parametrize(
        "value",
        [
            "2024-01-01T00:00:00Z",
            "2024-01-01T00:00:00.000Z",
            "2024-01-01T00:00:00.999999Z",
            "2024-01-01T02:00:00+02:00",
            "2023-12-31T19:00:00-05:00",
            "2024-01-01T00:00:00",
            "2024-01-01 00:00:00",
            "2024-01-01",
            dt.datetime(2024, 1, 1, tzinfo=dt.timezone.utc),
            dt.datetime(2024, 1, 1, 1, tzinfo=dt.timezone(dt.timedelta(hours=1))),
            dt.datetime(2024, 1, 1),
            dt.date(2024, 1, 1),
            JAN_2024,
            float(JAN_2024),
            JAN_2024 * 1000,
            JAN_2024 * 1000 + 999,
            "1704067200",
        ],
    )
    def test_forms(self, value: Any) -> None:
        """ISO strings (Z, offset, naive = UTC), datetimes and epoch seconds or milliseconds."""
        assert only_record(track(timestamp=value))["ts"] == JAN_2024

    def test_ten_to_the_eleven_is_still_seconds(self) -> None:
        """Only values above 10^11 are milliseconds."""
        assert only_record(track(timestamp=10**11))["ts"] == 10**11

    def test_just_above_ten_to_the_eleven_is_milliseconds(self) -> None:
        """A value just above 10^11 is taken as milliseconds."""
        assert only_record(track(timestamp=10**11 + 1000))["ts"] == 10**8 + 1

    def test_absent_means_no_ts(self) -> None:
        """A message with no timestamp field gets no ts."""
        assert "ts" not in only_record(track())

    @pytest.mark.parametrize("value", ["yesterday", "", "2024-13-01T00:00:00Z", True, {"s": 1}])
    def test_unparseable_is_an_error(self, value: Any) -> None:
        """A timestamp that cannot be read is an InvalidMessageError saying what is allowed."""
        error = error_of(track(timestamp=value), InvalidMessageError)
        assert error.path == "timestamp"
        assert "ISO-8601" in str(error)
        assert "epoch" in str(error)

    def test_unparseable_snake_case_field_is_named(self) -> None:
        """The error names the spelling the message used."""
        error = error_of(track(sent_at="soon"), InvalidMessageError)
        assert error.path == "sent_at"

    def test_zero_is_an_error(self) -> None:
        """CleverTap refuses ts 0, so the message is refused up front."""
        error = error_of(track(timestamp=0), InvalidMessageError)
        assert error.path == "timestamp"
        assert "1970" in str(error)

    def test_only_the_field_used_is_read(self) -> None:
        """A bad lower-priority field does not matter when a better one is present."""
        assert only_record(track(timestamp=JAN_2024, sentAt="junk"))["ts"] == JAN_2024


class TestEventName:
    """The event name of a track."""

    @pytest.mark.parametrize("event", [None, "", "   ", 5, ["Signed Up"]])
    def test_event_required(self, event: Any) -> None:
        """event must be a non-empty string."""
        error = error_of(track(event=event), InvalidMessageError)
        assert error.path == "event"
        assert "non-empty string" in str(error)

    def test_missing_event_is_an_error(self) -> None:
        """A track with no event field at all is refused."""
        message = track()
        del message["event"]
        error = error_of(message, InvalidMessageError)
        assert error.path == "event"
        assert error.value_type is None

    def test_prohibited_characters_removed_with_warning(self) -> None:
        """Characters CleverTap prohibits are taken out of the name, with a warning."""
        outcome = outcome_of(track(event="Plan: Upgraded! (50% off) $"))
        assert outcome.records[0]["evtName"] == "Plan Upgraded (50 off)"
        assert len(outcome.warnings) == 1
        assert "event" in outcome.warnings[0]

    @pytest.mark.parametrize("char", list("%><!|&.:;$'\"\\"))
    def test_each_prohibited_character_removed(self, char: str) -> None:
        """Every character CleverTap prohibits in event names is removed."""
        assert only_record(track(event=f"A{char}B"))["evtName"] == "AB"

    def test_name_of_only_prohibited_characters_is_an_error(self) -> None:
        """A name left empty after the removal is an InvalidMessageError."""
        error = error_of(track(event="..!!"), InvalidMessageError)
        assert error.path == "event"
        assert "prohibits" in str(error)

    def test_clean_name_is_kept_as_given(self) -> None:
        """A name without prohibited characters is not changed, and nothing is warned."""
        outcome = outcome_of(track(event="Product Viewed #2 (new)"))
        assert outcome.records[0]["evtName"] == "Product Viewed #2 (new)"
        assert outcome.warnings == ()


class TestReservedEventNames:
    """CleverTap's restricted system event names."""

    @pytest.mark.parametrize("name", SYSTEM_EVENT_NAMES)
    def test_each_is_refused(self, name: str) -> None:
        """Every restricted name is a ReservedEventNameError."""
        error = error_of(track(event=name), ReservedEventNameError)
        assert error.path == "event"
        assert "rename" in str(error)

    @pytest.mark.parametrize(
        "name", ["app launched", "APP LAUNCHED", "AppLaunched", "App  Launched", " app launched "]
    )
    def test_case_and_space_variants_are_refused(self, name: str) -> None:
        """The comparison ignores case and spaces."""
        error = error_of(track(event=name), ReservedEventNameError)
        assert error.path == "event"

    def test_variant_with_prohibited_characters_is_refused(self) -> None:
        """A restricted name hidden behind prohibited characters is still refused."""
        error_of(track(event="App.Launched!"), ReservedEventNameError)

    def test_similar_name_is_allowed(self) -> None:
        """A name that merely contains a restricted one is fine."""
        assert only_record(track(event="App Launched Twice"))["evtName"] == "App Launched Twice"


class TestEventProperties:
    """evtData of a plain track."""

    def test_properties_are_normalised(self) -> None:
        """Keys are snake_cased and values kept; None is dropped."""
        data = evt_data(
            track(properties={"productID": "p1", "Price": 9.5, "inStock": True, "note": None})
        )
        assert data == {"product_id": "p1", "price": 9.5, "in_stock": True}

    def test_no_properties_gives_empty_evt_data(self) -> None:
        """A track without properties has an empty evtData."""
        assert evt_data(track()) == {}

    def test_properties_not_an_object_is_an_error(self) -> None:
        """properties must be an object."""
        error = error_of(track(properties=[1, 2]), InvalidMessageError)
        assert error.path == "properties"
        assert "object" in str(error)

    def test_max_event_properties_default_allows_100(self) -> None:
        """Exactly 100 properties are allowed by default."""
        properties = {f"p{i}": i for i in range(100)}
        assert len(evt_data(track(properties=properties))) == 100

    def test_max_event_properties_default_refuses_101(self) -> None:
        """101 properties are an InvalidPropertyError naming the limit."""
        properties = {f"p{i}": i for i in range(101)}
        error = error_of(track(properties=properties), InvalidPropertyError)
        assert error.path == "properties"
        assert "100" in str(error)
        assert "max_event_properties" in str(error)

    def test_max_event_properties_option(self) -> None:
        """The limit follows max_event_properties."""
        properties = {"a": 1, "b": 2, "c": 3}
        error = error_of(track(properties=properties), InvalidPropertyError, max_event_properties=2)
        assert "at most 2" in str(error)

    def test_record_keys_are_in_documented_order(self) -> None:
        """type, identifier, ts, evtName, evtData."""
        message = {
            "properties": {"a": 1},
            "event": "E",
            "timestamp": JAN_2024,
            "anonymousId": "a-1",
            "type": "track",
        }
        assert list(only_record(message)) == ["type", "objectId", "ts", "evtName", "evtData"]


class TestOrderCompleted:
    """Order Completed → Charged."""

    def test_full_order(self) -> None:
        """order_id, total and products become Charged ID, Amount and Items; the rest stays."""
        message = order_completed(
            {
                "order_id": "o-1",
                "total": 30,
                "revenue": 25,
                "currency": "USD",
                "couponCode": "X",
                "products": [
                    {"productId": "p1", "name": "Book", "quantity": 2, "price": 10},
                    {"productId": "p2", "name": "Pen", "quantity": 1, "price": 10},
                ],
            },
            timestamp=JAN_2024,
        )
        assert translate(message) == [
            {
                "type": "event",
                "identity": "u-1",
                "ts": JAN_2024,
                "evtName": "Charged",
                "evtData": {
                    "Charged ID": "o-1",
                    "Amount": 30,
                    "Items": [
                        {"product_id": "p1", "name": "Book", "quantity": 2, "price": 10},
                        {"product_id": "p2", "name": "Pen", "quantity": 1, "price": 10},
                    ],
                    "revenue": 25,
                    "currency": "USD",
                    "coupon_code": "X",
                },
            }
        ]

    @pytest.mark.parametrize(
        "event",
        [
            "Order Completed",
            "order completed",
            "ORDER COMPLETED",
            "order_completed",
            "Order_Completed",
            " Order Completed ",
        ],
    )
    def test_name_variants(self, event: str) -> None:
        """The event name matches in any case, with spaces or underscores."""
        assert only_record(track(event=event))["evtName"] == "Charged"

    def test_other_names_are_not_charged(self) -> None:
        """A different event keeps its name and its properties as they are."""
        record = only_record(track(event="Order Updated", properties={"order_id": "o-1"}))
        assert record["evtName"] == "Order Updated"
        assert record["evtData"] == {"order_id": "o-1"}

    def test_custom_event_name(self) -> None:
        """order_completed_event_name renames the Charged event."""
        record = only_record(
            order_completed({"order_id": "o-1"}), order_completed_event_name="Paid"
        )
        assert record["evtName"] == "Paid"
        assert record["evtData"] == {"Charged ID": "o-1"}

    def test_checkout_id_when_no_order_id(self) -> None:
        """checkout_id is the Charged ID when order_id is absent."""
        assert evt_data(order_completed({"checkout_id": "c-1"})) == {"Charged ID": "c-1"}

    def test_order_id_wins_over_checkout_id(self) -> None:
        """order_id is preferred; checkout_id then stays a custom property."""
        data = evt_data(order_completed({"checkout_id": "c-1", "order_id": "o-1"}))
        assert data == {"Charged ID": "o-1", "checkout_id": "c-1"}

    def test_camel_case_order_id(self) -> None:
        """orderId is recognised after key normalisation."""
        assert evt_data(order_completed({"orderId": "o-1"})) == {"Charged ID": "o-1"}

    @pytest.mark.parametrize(
        ("properties", "expected"),
        [
            ({"total": 30, "revenue": 25, "value": 20}, {"Amount": 30, "revenue": 25, "value": 20}),
            ({"revenue": 25, "value": 20}, {"Amount": 25, "value": 20}),
            ({"value": 20}, {"Amount": 20}),
            ({"total": None, "revenue": 25}, {"Amount": 25}),
        ],
    )
    def test_amount_precedence(self, properties: dict[str, Any], expected: dict[str, Any]) -> None:
        """Amount is total, else revenue, else value; the unused ones stay."""
        assert evt_data(order_completed(properties)) == expected

    @pytest.mark.parametrize(
        ("value", "expected"),
        [("30", 30), ("30.5", 30.5), (" 12.25 ", 12.25), (Decimal("9.99"), 9.99), (30.5, 30.5)],
    )
    def test_amount_numbers(self, value: Any, expected: float) -> None:
        """Numeric strings and Decimals are parsed into numbers."""
        amount = evt_data(order_completed({"total": value}))["Amount"]
        assert amount == expected
        assert type(amount) is type(expected)

    @pytest.mark.parametrize(
        "value",
        ["thirty", "", True, float("nan"), float("inf"), [30], Decimal("sNaN"), Decimal("-Inf")],
    )
    def test_non_numeric_amount_is_an_error(self, value: Any) -> None:
        """A total that is not a finite number is an InvalidPropertyError naming it."""
        error = error_of(order_completed({"total": value}), InvalidPropertyError)
        assert error.path == "properties.total"
        assert "number" in str(error)

    def test_non_numeric_revenue_error_names_revenue(self) -> None:
        """The error names the field the amount came from."""
        error = error_of(order_completed({"revenue": "lots"}), InvalidPropertyError)
        assert error.path == "properties.revenue"

    def test_items_are_normalised_like_properties(self) -> None:
        """Item keys are snake_cased, None dropped and dates converted."""
        products = [{"Product ID": "p1", "addedAt": "2024-01-01", "variant": None}]
        assert evt_data(order_completed({"products": products})) == {
            "Items": [{"product_id": "p1", "added_at": f"$D_{JAN_2024}"}]
        }

    def test_tuple_of_products_is_accepted(self) -> None:
        """A tuple of products is taken like a list."""
        data = evt_data(order_completed({"products": ({"sku": "s1"},)}))
        assert data == {"Items": [{"sku": "s1"}]}

    def test_nested_item_value_rejected_by_default(self) -> None:
        """A nested value inside an item follows nested_properties (reject by default)."""
        products = [{"sku": "s1", "meta": {"colour": "red"}}]
        error = error_of(order_completed({"products": products}), NestedPropertyError)
        assert error.path == "properties.products[0].meta"
        assert "nested_properties" in str(error)

    def test_nested_item_value_flattened_when_asked(self) -> None:
        """With nested_properties='flatten' an item's object is flattened into its keys."""
        products = [{"sku": "s1", "meta": {"colour": "red"}}]
        data = evt_data(order_completed({"products": products}), nested_properties="flatten")
        assert data == {"Items": [{"sku": "s1", "meta_colour": "red"}]}

    @pytest.mark.parametrize("products", ["p1", {"sku": "s1"}, 3])
    def test_non_list_products_is_an_error(self, products: Any) -> None:
        """products that is not a list is refused, naming the field."""
        with pytest.raises((NestedPropertyError, InvalidMessageError)) as info:
            translate(order_completed({"products": products}))
        assert info.value.path == "properties.products"
        assert "list" in str(info.value)

    def test_non_dict_item_is_an_error(self) -> None:
        """An item that is not an object is refused, naming its position."""
        products = [{"sku": "s1"}, "s2"]
        with pytest.raises((NestedPropertyError, InvalidMessageError)) as info:
            translate(order_completed({"products": products}))
        assert info.value.path == "properties.products[1]"
        assert "object" in str(info.value)

    def test_consumed_keys_are_not_repeated(self) -> None:
        """order_id, total and products do not appear again as custom properties."""
        data = evt_data(order_completed({"order_id": "o-1", "total": 5, "products": [], "tax": 1}))
        assert set(data) == {"Charged ID", "Amount", "Items", "tax"}

    def test_other_nested_property_rejected(self) -> None:
        """Properties other than products still follow nested_properties."""
        error = error_of(order_completed({"shipping": {"method": "post"}}), NestedPropertyError)
        assert error.path == "properties.shipping"

    def test_numeric_order_id_is_kept(self) -> None:
        """A numeric order id is a valid Charged ID."""
        assert evt_data(order_completed({"order_id": 1001})) == {"Charged ID": 1001}

    def test_decimal_order_id_is_a_number(self) -> None:
        """A Decimal order id is a number like any other."""
        assert evt_data(order_completed({"order_id": Decimal(1001)})) == {"Charged ID": 1001}

    def test_ill_typed_order_id_is_an_error(self) -> None:
        """An order id that is an object is refused."""
        error = error_of(order_completed({"order_id": {"id": 1}}), InvalidPropertyError)
        assert error.path == "properties.order_id"
        assert "string or a number" in str(error)

    def test_charged_event_counts_toward_max_event_properties(self) -> None:
        """The Charged fields count toward the property limit."""
        message = order_completed({"order_id": "o-1", "total": 1, "tax": 0})
        error_of(message, InvalidPropertyError, max_event_properties=2)


class TestPageAndScreen:
    """page and screen calls become events."""

    def test_page(self) -> None:
        """A page becomes Web Page Viewed with name and category added."""
        message = {
            "type": "page",
            "userId": "u-1",
            "name": "Pricing",
            "category": "Docs",
            "properties": {"url": "https://x.test/pricing", "referrer": None},
            "timestamp": JAN_2024,
        }
        assert translate(message) == [
            {
                "type": "event",
                "identity": "u-1",
                "ts": JAN_2024,
                "evtName": "Web Page Viewed",
                "evtData": {
                    "url": "https://x.test/pricing",
                    "name": "Pricing",
                    "category": "Docs",
                },
            }
        ]

    def test_screen(self) -> None:
        """A screen becomes App Screen Viewed with its name added."""
        message = {"type": "screen", "anonymousId": "a-1", "name": "Home"}
        assert translate(message) == [
            {
                "type": "event",
                "objectId": "a-1",
                "evtName": "App Screen Viewed",
                "evtData": {"name": "Home"},
            }
        ]

    def test_page_event_name_option(self) -> None:
        """page_event_name renames page events."""
        message = {"type": "page", "userId": "u-1"}
        assert only_record(message, page_event_name="Page Viewed")["evtName"] == "Page Viewed"

    def test_screen_event_name_option(self) -> None:
        """screen_event_name renames screen events."""
        message = {"type": "screen", "userId": "u-1"}
        assert only_record(message, screen_event_name="Screen")["evtName"] == "Screen"

    def test_properties_are_not_overridden(self) -> None:
        """A name or category already in properties is kept."""
        message = {
            "type": "page",
            "userId": "u-1",
            "name": "Pricing",
            "category": "Docs",
            "properties": {"Name": "From properties", "category": "Mine"},
        }
        assert evt_data(message) == {"name": "From properties", "category": "Mine"}

    def test_no_name_or_category(self) -> None:
        """Without name and category, evtData is just the properties."""
        message = {"type": "page", "userId": "u-1", "properties": {"path": "/"}}
        assert evt_data(message) == {"path": "/"}

    @pytest.mark.parametrize("field", ["name", "category"])
    def test_non_string_name_or_category_is_an_error(self, field: str) -> None:
        """name and category must be strings."""
        message = {"type": "page", "userId": "u-1", field: ["x"]}
        error = error_of(message, InvalidMessageError)
        assert error.path == field
        assert "string" in str(error)

    def test_nested_page_property_rejected(self) -> None:
        """page properties follow nested_properties like track's."""
        message = {"type": "page", "userId": "u-1", "properties": {"utm": {"source": "x"}}}
        error = error_of(message, NestedPropertyError)
        assert error.path == "properties.utm"


class TestAlias:
    """alias → a profile linking previousId to userId."""

    def test_alias(self) -> None:
        """previousId is the identity; userId rides inside profileData."""
        message = {"type": "alias", "userId": "u-1", "previousId": "a-1", "timestamp": JAN_2024}
        assert translate(message) == [
            {
                "type": "profile",
                "identity": "a-1",
                "ts": JAN_2024,
                "profileData": {"identity": "u-1"},
            }
        ]

    def test_record_keys_are_in_documented_order(self) -> None:
        """type, identity, ts, then profileData."""
        message = {"timestamp": JAN_2024, "previousId": "a-1", "userId": "u-1", "type": "alias"}
        assert list(only_record(message)) == ["type", "identity", "ts", "profileData"]

    def test_numeric_ids_become_strings(self) -> None:
        """Numeric alias ids are sent as strings."""
        message = {"type": "alias", "userId": 2, "previousId": 1}
        assert only_record(message) == {
            "type": "profile",
            "identity": "1",
            "profileData": {"identity": "2"},
        }

    @pytest.mark.parametrize(
        ("fields", "missing"),
        [
            ({"userId": "u-1"}, "previousId"),
            ({"previousId": "a-1"}, "userId"),
            ({"userId": "u-1", "previousId": ""}, "previousId"),
            ({"anonymousId": "x", "previousId": "a-1"}, "userId"),
        ],
    )
    def test_both_ids_required(self, fields: dict[str, Any], missing: str) -> None:
        """An alias without both ids is an InvalidMessageError naming the missing one."""
        error = error_of({"type": "alias", **fields}, InvalidMessageError)
        assert error.path == missing
        assert missing in str(error)


class TestCallTypes:
    """The call-type table."""

    def test_group_is_unsupported(self) -> None:
        """group is an UnsupportedCallError that says which calls are supported."""
        error = error_of({"type": "group", "userId": "u-1", "groupId": "g"}, UnsupportedCallError)
        assert error.path == "type"
        assert "group" in str(error)
        assert "track" in str(error)

    def test_unknown_type_is_unsupported(self) -> None:
        """An unknown type is an UnsupportedCallError listing the supported ones."""
        error = error_of({"type": "purchase", "userId": "u-1"}, UnsupportedCallError)
        assert error.path == "type"
        for call in ("identify", "track", "page", "screen", "alias"):
            assert call in str(error)

    @pytest.mark.parametrize("call", [None, "", 5])
    def test_missing_or_ill_typed_type(self, call: Any) -> None:
        """A message without a usable type is an InvalidMessageError listing the call types."""
        message: dict[str, Any] = {"userId": "u-1", "event": "E"}
        if call is not None:
            message["type"] = call
        error = error_of(message, InvalidMessageError)
        assert error.path == "type"
        assert "identify" in str(error)

    @pytest.mark.parametrize("message", [["type", "track"], "track", None, 5])
    def test_not_a_mapping(self, message: Any) -> None:
        """A message that is not an object is an InvalidMessageError."""
        error = error_of(message, InvalidMessageError)
        assert error.path == ""
        assert "object" in str(error)

    @pytest.mark.parametrize("call", ["Track", "TRACK"])
    def test_type_case_insensitive(self, call: str) -> None:
        """The call type is matched case-insensitively."""
        assert only_record(track(type=call))["type"] == "event"


class TestIntegrations:
    """The integrations object can turn CleverTap off for a message."""

    @pytest.mark.parametrize(
        "integrations",
        [
            {"CleverTap": False},
            {"clevertap": False},
            {"CLEVERTAP": False},
            {"All": False},
            {"all": False},
            {"All": False, "Mixpanel": True},
            {"All": True, "CleverTap": False},
            {"All": False, "CleverTap": None},
        ],
    )
    def test_disabled(self, integrations: dict[str, Any]) -> None:
        """translate returns [] and translate_many reports the message as skipped."""
        message = track(integrations=integrations, messageId="m-1")
        assert translate(message) == []
        outcome = outcome_of(message)
        assert outcome.ok
        assert outcome.records == ()
        assert outcome.skipped is not None
        assert "integrations" in outcome.skipped
        assert outcome.message_id == "m-1"

    @pytest.mark.parametrize(
        "integrations",
        [
            {},
            {"All": True},
            {"CleverTap": True},
            {"All": False, "CleverTap": True},
            {"ALL": False, "clevertap": True},
            {"All": False, "CleverTap": {"deviceTokenType": "fcm"}},
            {"All": False, "CleverTap": {}},
            {"Mixpanel": False},
        ],
    )
    def test_enabled(self, integrations: dict[str, Any]) -> None:
        """Otherwise the message is translated; a settings object counts as enabled."""
        outcome = outcome_of(track(integrations=integrations))
        assert outcome.skipped is None
        assert len(outcome.records) == 1

    def test_falsy_clevertap_value_does_not_override_all_false(self) -> None:
        """{"All": false} without a truthy CleverTap value disables CleverTap."""
        assert translate(track(integrations={"All": False, "CleverTap": 0})) == []

    def test_disabled_message_is_not_validated(self) -> None:
        """A disabled message is skipped even if it could not be translated."""
        message = {"type": "group", "integrations": {"CleverTap": False}}
        outcome = outcome_of(message)
        assert outcome.ok
        assert outcome.skipped is not None


class TestTranslateMany:
    """translate_many yields one Outcome per message, in order, lazily."""

    def test_outcomes(self) -> None:
        """Success, error and skip each give the documented Outcome."""
        messages: list[Any] = [
            track(messageId="m-0", event="A.B"),
            {"type": "group", "messageId": "m-1"},
            track(message_id="m-2", integrations={"CleverTap": False}),
            "not a message",
        ]
        outcomes = list(translate_many(messages))
        assert [outcome.index for outcome in outcomes] == [0, 1, 2, 3]
        assert [outcome.message_id for outcome in outcomes] == ["m-0", "m-1", "m-2", None]
        assert [outcome.ok for outcome in outcomes] == [True, False, True, False]

    def test_success_outcome(self) -> None:
        """A translated message has its records as a tuple, no error and its warnings."""
        outcome = outcome_of(track(messageId="m-0", event="A.B"))
        assert outcome == Outcome(
            index=0,
            message_id="m-0",
            records=({"type": "event", "identity": "u-1", "evtName": "AB", "evtData": {}},),
            error=None,
            skipped=None,
            warnings=outcome.warnings,
        )
        assert isinstance(outcome.records, tuple)
        assert len(outcome.warnings) == 1
        assert isinstance(outcome.warnings, tuple)

    def test_error_outcome(self) -> None:
        """A failed message has the error, no records and is not ok."""
        (outcome,) = translate_many([{"type": "group", "messageId": "m-1"}])
        assert isinstance(outcome.error, UnsupportedCallError)
        assert outcome.records == ()
        assert outcome.skipped is None
        assert not outcome.ok

    def test_numeric_message_id_becomes_string(self) -> None:
        """A numeric messageId is reported as a string."""
        assert outcome_of(track(messageId=7)).message_id == "7"

    def test_never_raises_for_bad_messages(self) -> None:
        """Bad messages of every kind become error outcomes, not exceptions."""
        messages: list[Any] = [
            None,
            {"type": "track"},
            track(properties={"a": {"b": 1}}),
            track(properties={"x": float("nan")}),
            track(event="App Launched"),
            track(timestamp="never"),
        ]
        outcomes = list(translate_many(messages))
        assert len(outcomes) == len(messages)
        assert all(isinstance(outcome.error, TranslationError) for outcome in outcomes)

    def test_is_lazy(self) -> None:
        """Outcomes come one at a time from an endless stream."""

        def endless() -> Iterator[dict[str, Any]]:
            for number in itertools.count():
                yield track(messageId=str(number))

        first = list(itertools.islice(translate_many(endless()), 3))
        assert [outcome.message_id for outcome in first] == ["0", "1", "2"]

    def test_does_not_log_warnings(self, caplog: pytest.LogCaptureFixture) -> None:
        """translate_many returns warnings instead of logging them."""
        caplog.set_level(logging.DEBUG, logger="clevertap_segment")
        list(translate_many([track(event="A.B")]))
        assert [r for r in caplog.records if r.name.startswith("clevertap_segment")] == []

    def test_outcome_is_frozen(self) -> None:
        """An Outcome cannot be changed."""
        outcome = outcome_of(track())
        with pytest.raises(attrs.exceptions.FrozenInstanceError):
            outcome.index = 5  # type: ignore[misc]

    def test_options_apply(self) -> None:
        """The options given are used for every message."""
        outcome = outcome_of({"type": "page", "userId": "u"}, page_event_name="P")
        assert outcome.records[0]["evtName"] == "P"


class TestTranslate:
    """translate as a whole: purity, determinism, JSON output, warnings logged."""

    def rich_messages(self) -> list[dict[str, Any]]:
        """Messages touching most rules."""
        return [
            order_completed(
                {
                    "orderId": "o-1",
                    "total": "30",
                    "products": [{"sku": "s1", "meta": {"a": 1}}],
                    "at": dt.datetime(2024, 1, 1, tzinfo=dt.timezone.utc),
                },
                anonymousId="a-1",
                context={"traits": {"email": "a@b.co"}},
            ),
            {
                "type": "page",
                "userId": "u-1",
                "name": "Home",
                "properties": {"utm": {"source": "x"}, "tags": ["a"]},
            },
        ]

    def test_input_is_not_mutated(self) -> None:
        """Translating messages changes nothing in them."""
        messages = self.rich_messages()
        before = copy.deepcopy(messages)
        for message in messages:
            translate(message, TranslationOptions(nested_properties="flatten"))
        assert messages == before

    def test_deterministic(self) -> None:
        """The same message gives equal records every time."""
        options = TranslationOptions(nested_properties="flatten")
        for message in self.rich_messages():
            assert translate(message, options) == translate(message, options)

    def test_output_is_strict_json(self) -> None:
        """The records survive json.dumps(allow_nan=False) unchanged."""
        options = TranslationOptions(nested_properties="stringify")
        for message in self.rich_messages():
            records = translate(message, options)
            assert json.loads(json.dumps(records, allow_nan=False)) == records

    def test_returns_a_new_list(self) -> None:
        """Changing a returned record does not affect the next translation."""
        message = track(properties={"a": 1})
        translate(message)[0]["evtData"]["a"] = 2
        assert evt_data(message) == {"a": 1}

    def test_default_options(self) -> None:
        """translate(message) is translate(message, TranslationOptions())."""
        for message in self.rich_messages()[:1]:
            with pytest.raises(NestedPropertyError):
                translate(message)

    def test_warnings_are_logged(self, caplog: pytest.LogCaptureFixture) -> None:
        """Each warning goes to the clevertap_segment logger at WARNING."""
        caplog.set_level(logging.WARNING, logger="clevertap_segment")
        records = translate(track(event="Sale: 50%"))
        assert records[0]["evtName"] == "Sale 50"
        logged = [r for r in caplog.records if r.name == "clevertap_segment"]
        assert len(logged) == 1
        assert logged[0].levelno == logging.WARNING
        assert "Sale: 50%" in logged[0].getMessage()
