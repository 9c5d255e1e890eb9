"""identify → CleverTap profile records (and push token records)."""

from __future__ import annotations

import copy
import datetime as dt
import json
import logging
from typing import Any

import pytest

from clevertap_segment import (
    InvalidMessageError,
    InvalidPropertyError,
    TranslationOptions,
    translate,
)

from .helpers import error_of, only_record, outcome_of

JAN_2024 = 1704067200  # 2024-01-01T00:00:00Z
JAN_1990 = 631152000  # 1990-01-01T00:00:00Z


def identify(**fields: Any) -> dict[str, Any]:
    """An identify message with the given fields."""
    return {"type": "identify", **fields}


def profile_data(traits: dict[str, Any], **options: Any) -> dict[str, Any]:
    """The ``profileData`` of an identify by user ``u-1`` carrying ``traits``."""
    data: dict[str, Any] = only_record(identify(userId="u-1", traits=traits), **options)[
        "profileData"
    ]
    return data


class TestIdentifyIdentity:
    """Who a profile record is addressed to."""

    def test_user_id_becomes_identity(self) -> None:
        """A userId alone addresses the profile by identity."""
        assert translate(identify(userId="u-1")) == [
            {"type": "profile", "identity": "u-1", "profileData": {}}
        ]

    def test_anonymous_id_with_user_id_becomes_object_id_carrying_identity(self) -> None:
        """With both ids, objectId is the anonymous ID and identity rides inside profileData."""
        assert translate(identify(userId="u-1", anonymousId="a-1", traits={"plan": "pro"})) == [
            {
                "type": "profile",
                "objectId": "a-1",
                "profileData": {"identity": "u-1", "plan": "pro"},
            }
        ]

    def test_anonymous_id_alone_becomes_object_id(self) -> None:
        """An anonymousId alone addresses the profile by objectId, with no identity."""
        assert translate(identify(anonymousId="a-1", traits={"plan": "pro"})) == [
            {"type": "profile", "objectId": "a-1", "profileData": {"plan": "pro"}}
        ]

    def test_numeric_ids_become_strings(self) -> None:
        """Numeric user and anonymous ids are sent as strings."""
        assert translate(identify(userId=42, anonymousId=7)) == [
            {"type": "profile", "objectId": "7", "profileData": {"identity": "42"}}
        ]

    def test_integral_float_id_becomes_integer_string(self) -> None:
        """A float id with no fraction (as JSON readers may give) is sent without ``.0``."""
        assert only_record(identify(userId=42.0))["identity"] == "42"

    def test_email_trait_is_the_identity_without_ids(self) -> None:
        """With no ids at all, the email trait is the identity."""
        assert translate(identify(traits={"email": "ada@example.com"})) == [
            {
                "type": "profile",
                "identity": "ada@example.com",
                "profileData": {"Email": "ada@example.com"},
            }
        ]

    def test_snake_case_id_spellings_are_read(self) -> None:
        """Warehouse spellings user_id and anonymous_id work like userId and anonymousId."""
        assert translate(identify(user_id="u-1", anonymous_id="a-1")) == [
            {"type": "profile", "objectId": "a-1", "profileData": {"identity": "u-1"}}
        ]

    def test_camel_case_spelling_wins_over_snake_case(self) -> None:
        """When both spellings are present, the Segment (camelCase) one is used."""
        assert only_record(identify(userId="camel", user_id="snake"))["identity"] == "camel"

    def test_blank_user_id_counts_as_absent(self) -> None:
        """A blank userId does not become an empty identity; the anonymous ID is used."""
        assert translate(identify(userId="", anonymousId="a-1")) == [
            {"type": "profile", "objectId": "a-1", "profileData": {}}
        ]

    def test_anonymous_id_as_object_id_false_uses_identity(self) -> None:
        """With anonymous_id_as_object_id=False a profile with both ids is sent by identity."""
        records = translate(
            identify(userId="u-1", anonymousId="a-1"),
            TranslationOptions(anonymous_id_as_object_id=False),
        )
        assert records == [{"type": "profile", "identity": "u-1", "profileData": {}}]

    def test_anonymous_only_fails_when_anonymous_id_is_not_object_id(self) -> None:
        """An anonymous-only identify fails clearly when the anonymous ID may not be used."""
        error = error_of(
            identify(anonymousId="a-1"), InvalidMessageError, anonymous_id_as_object_id=False
        )
        assert "userId" in str(error)
        assert "anonymous_id_as_object_id" in str(error)

    def test_no_identifier_is_an_error(self) -> None:
        """No id and no email trait is an InvalidMessageError saying what is needed."""
        error = error_of(identify(traits={"plan": "pro"}), InvalidMessageError)
        assert error.path == "userId"
        for needed in ("userId", "anonymousId", "email"):
            assert needed in str(error)

    def test_ill_typed_user_id_is_an_error(self) -> None:
        """A userId that is neither a string nor a number is refused, naming the field."""
        error = error_of(identify(userId={"id": 1}), InvalidMessageError)
        assert error.path == "userId"
        assert error.value_type == "dict"
        assert "string or an integer" in str(error)

    def test_boolean_user_id_is_an_error(self) -> None:
        """A boolean userId is not taken as the number 1."""
        error = error_of(identify(userId=True), InvalidMessageError)
        assert error.path == "userId"
        assert "string or an integer" in str(error)

    def test_ill_typed_snake_case_id_error_names_that_spelling(self) -> None:
        """An ill-typed user_id is reported under the spelling the message used."""
        error = error_of(identify(user_id=["u-1"]), InvalidMessageError)
        assert error.path == "user_id"


class TestIdentifyRecordShape:
    """The profile record's keys, their order, and its timestamp."""

    def test_keys_are_in_documented_order(self) -> None:
        """type, identifier, ts, then profileData."""
        record = only_record(identify(traits={"plan": "pro"}, timestamp=JAN_2024, userId="u-1"))
        assert list(record) == ["type", "identity", "ts", "profileData"]

    def test_object_id_record_keys_are_in_documented_order(self) -> None:
        """The same order holds when the profile is addressed by objectId."""
        record = only_record(
            identify(traits={"a": 1}, timestamp=JAN_2024, anonymousId="a-1", userId="u-1")
        )
        assert list(record) == ["type", "objectId", "ts", "profileData"]

    def test_identity_comes_first_in_profile_data(self) -> None:
        """The carried identity leads profileData, ahead of the traits."""
        record = only_record(
            identify(userId="u-1", anonymousId="a-1", traits={"plan": "pro", "email": "a@b.co"})
        )
        assert next(iter(record["profileData"])) == "identity"

    def test_timestamp_becomes_ts(self) -> None:
        """The message timestamp becomes ts in epoch seconds."""
        record = only_record(identify(userId="u-1", timestamp="2024-01-01T00:00:00Z"))
        assert record == {"type": "profile", "identity": "u-1", "ts": JAN_2024, "profileData": {}}

    def test_unparseable_timestamp_is_an_error(self) -> None:
        """An identify with an unreadable timestamp is an InvalidMessageError."""
        error = error_of(identify(userId="u-1", timestamp="yesterday"), InvalidMessageError)
        assert error.path == "timestamp"
        assert "ISO-8601" in str(error)

    def test_output_is_strict_json(self) -> None:
        """A profile with dates, lists and nested traits survives strict JSON encoding."""
        records = translate(
            identify(
                userId="u-1",
                anonymousId="a-1",
                timestamp=dt.datetime(2024, 1, 1, tzinfo=dt.timezone.utc),
                traits={"birthday": dt.date(1990, 1, 1), "tags": ["a"], "address": {"city": "X"}},
                context={"device": {"token": "t", "type": "android"}},
            )
        )
        assert json.loads(json.dumps(records, allow_nan=False)) == records


class TestSpecialTraits:
    """Traits with a reserved CleverTap profile key."""

    def test_full_profile(self) -> None:
        """Every special trait maps to its reserved key; the rest stay custom, snake_cased."""
        data = profile_data(
            {
                "name": "Ada Lovelace",
                "email": "ada@example.com",
                "phone": "+44 20 1234 5678",
                "gender": "female",
                "birthday": "1990-01-01",
                "avatar": "https://example.com/ada.png",
                "planType": "pro",
            }
        )
        assert data == {
            "Name": "Ada Lovelace",
            "Email": "ada@example.com",
            "Phone": "+442012345678",
            "Gender": "F",
            "DOB": f"$D_{JAN_1990}",
            "Photo": "https://example.com/ada.png",
            "plan_type": "pro",
        }

    @pytest.mark.parametrize("key", ["email", "Email", "EMAIL", " email "])
    def test_email_matches_in_any_case(self, key: str) -> None:
        """The email trait is recognised whatever its case."""
        assert profile_data({key: "ada@example.com"}) == {"Email": "ada@example.com"}

    @pytest.mark.parametrize("key", ["name", "Name", "NAME"])
    def test_name_matches_in_any_case(self, key: str) -> None:
        """The name trait is recognised whatever its case."""
        assert profile_data({key: "Ada"}) == {"Name": "Ada"}

    @pytest.mark.parametrize("key", ["avatar", "Avatar", "AVATAR"])
    def test_avatar_becomes_photo(self, key: str) -> None:
        """The avatar trait becomes Photo."""
        assert profile_data({key: "https://x.test/a.png"}) == {"Photo": "https://x.test/a.png"}

    @pytest.mark.parametrize("key", ["phone", "Phone", "PHONE"])
    def test_phone_matches_in_any_case(self, key: str) -> None:
        """The phone trait is recognised whatever its case."""
        assert profile_data({key: "+14155551234"}) == {"Phone": "+14155551234"}

    @pytest.mark.parametrize("key", ["birthday", "Birthday", "BIRTHDAY"])
    def test_birthday_matches_in_any_case(self, key: str) -> None:
        """The birthday trait is recognised whatever its case."""
        assert profile_data({key: "1990-01-01"}) == {"DOB": f"$D_{JAN_1990}"}

    @pytest.mark.parametrize(
        ("value", "expected"),
        [
            ("m", "M"),
            ("M", "M"),
            ("male", "M"),
            ("Male", "M"),
            ("MALE", "M"),
            ("f", "F"),
            ("F", "F"),
            ("female", "F"),
            ("Female", "F"),
            ("FEMALE", "F"),
        ],
    )
    def test_gender_values(self, value: str, expected: str) -> None:
        """m/male become M and f/female become F, in any case."""
        assert profile_data({"Gender": value}) == {"Gender": expected}

    @pytest.mark.parametrize(
        ("value", "expected"),
        [
            ("1990-01-01", JAN_1990),
            ("1990-01-01T12:00:00Z", JAN_1990 + 12 * 3600),
            ("1990-01-01T12:00:00+02:00", JAN_1990 + 10 * 3600),
            (dt.date(1990, 1, 1), JAN_1990),
            (dt.datetime(1990, 1, 1, 6, tzinfo=dt.timezone.utc), JAN_1990 + 6 * 3600),
            (JAN_1990, JAN_1990),
            (JAN_1990 * 1000, JAN_1990),
        ],
    )
    def test_birthday_forms_become_dob(self, value: Any, expected: int) -> None:
        """ISO dates and date-times, dates, datetimes and epochs all become a DOB date."""
        assert profile_data({"birthday": value}) == {"DOB": f"$D_{expected}"}

    def test_email_is_stripped(self) -> None:
        """Surrounding spaces are taken off an email."""
        assert profile_data({"email": " ada@example.com "}) == {"Email": "ada@example.com"}

    def test_engage_audience_trait_is_a_custom_property(self) -> None:
        """An Engage audience trait is an ordinary custom trait."""
        assert profile_data({"order_completed_last_30days": True}) == {
            "order_completed_last_30days": True
        }

    def test_two_keys_for_the_same_special_trait_with_different_values_collide(self) -> None:
        """Email and email with different values are refused rather than one silently winning."""
        message = identify(userId="u-1", traits={"Email": "a@b.co", "email": "c@d.co"})
        error = error_of(message, InvalidPropertyError)
        assert error.path in ("traits.Email", "traits.email")
        assert "rename" in str(error)


class TestInvalidSpecialTraits:
    """A special trait CleverTap would refuse is sent under its custom key, with a warning."""

    @pytest.mark.parametrize(
        ("key", "value", "reserved"),
        [
            ("gender", "other", "Gender"),
            ("email", "not-an-address", "Email"),
            ("phone", "+1 234", "Phone"),
            ("birthday", "some day", "DOB"),
            ("name", "", "Name"),
            ("avatar", 5, "Photo"),
        ],
    )
    def test_invalid_value_goes_to_custom_key(self, key: str, value: Any, reserved: str) -> None:
        """The refused value is kept under the snake_case trait key, not the reserved key."""
        data = outcome_of(identify(userId="u-1", traits={key: value})).records[0]["profileData"]
        assert data == {key: value}

    @pytest.mark.parametrize(
        ("key", "value", "reserved"),
        [
            ("gender", "other", "Gender"),
            ("email", "not-an-address", "Email"),
            ("phone", "+1 234", "Phone"),
            ("birthday", "some day", "DOB"),
        ],
    )
    def test_invalid_value_is_warned_about(self, key: str, value: Any, reserved: str) -> None:
        """The warning names the trait's path, the reserved key and the custom key."""
        outcome = outcome_of(identify(userId="u-1", traits={key: value}))
        assert len(outcome.warnings) == 1
        (warning,) = outcome.warnings
        assert f"traits.{key}" in warning
        assert reserved in warning

    @pytest.mark.parametrize(
        ("key", "value"),
        [("Gender", "other"), ("Email", "nope"), ("Phone", "123"), ("Name", "")],
    )
    def test_invalid_value_never_sent_under_reserved_key_in_preserve_mode(
        self, key: str, value: str
    ) -> None:
        """With key_case='preserve' a refused value still goes to the snake_case custom key."""
        data = profile_data({key: value}, key_case="preserve")
        assert data == {key.lower(): value}

    @pytest.mark.parametrize(("key", "custom"), [("Age", "age"), ("MSG-push", "msg_push")])
    def test_reserved_looking_custom_key_is_snake_cased_in_preserve_mode(
        self, key: str, custom: str
    ) -> None:
        """In preserve mode a custom trait named like a reserved key is not sent under it."""
        outcome = outcome_of(identify(userId="u-1", traits={key: "x"}), key_case="preserve")
        assert outcome.records[0]["profileData"] == {custom: "x"}
        assert any(key in warning and "reserved" in warning for warning in outcome.warnings)

    def test_two_refused_traits_sharing_a_custom_key_collide(self) -> None:
        """ "Gender" and "gender" both refused in preserve mode are an error, not an overwrite."""
        with pytest.raises(InvalidPropertyError, match="gender"):
            profile_data({"Gender": "x", "gender": "y"}, key_case="preserve")

    def test_custom_key_is_snake_cased(self) -> None:
        """A refused ``Gender`` trait is sent as the custom key ``gender``."""
        assert profile_data({"Gender": "X"}) == {"gender": "X"}

    def test_other_traits_are_kept_beside_an_invalid_one(self) -> None:
        """One bad special trait does not spoil the rest of the profile."""
        assert profile_data({"email": "nope", "gender": "m", "plan": "pro"}) == {
            "email": "nope",
            "Gender": "M",
            "plan": "pro",
        }


class TestPhone:
    """Phone numbers are normalised to ``+<digits>``."""

    @pytest.mark.parametrize(
        ("value", "expected"),
        [
            ("+1 (415) 555-1234", "+14155551234"),
            ("+1.415.555.1234", "+14155551234"),
            ("+44 20 1234 5678", "+442012345678"),
            ("0044 20 1234 5678", "+442012345678"),
            ("00 1 415 555 1234", "+14155551234"),
            ("+12345678", "+12345678"),
            ("+123456789012345", "+123456789012345"),
        ],
    )
    def test_normalised(self, value: str, expected: str) -> None:
        """Spaces, dashes, dots and brackets go; a leading 00 becomes +."""
        assert profile_data({"phone": value}) == {"Phone": expected}

    @pytest.mark.parametrize("value", ["+1234567", "+1234567890123456", "+1 415 555 abcd"])
    def test_wrong_length_or_letters_stay_custom(self, value: str) -> None:
        """Fewer than 8 or more than 15 digits, or letters, are not a CleverTap Phone."""
        assert profile_data({"phone": value}) == {"phone": value}

    def test_no_plus_without_default_country_stays_custom(self) -> None:
        """A national number is not guessed into a Phone when no default country is set."""
        assert profile_data({"phone": "415 555 1234"}) == {"phone": "415 555 1234"}

    @pytest.mark.parametrize("country", ["+1", "1"])
    def test_default_country_code_is_prefixed(self, country: str) -> None:
        """A number without + gets default_phone_country_code, given with or without +."""
        data = profile_data({"phone": "(415) 555-1234"}, default_phone_country_code=country)
        assert data == {"Phone": "+14155551234"}

    def test_default_country_code_drops_trunk_zero(self) -> None:
        """A national trunk 0 is dropped when the country code is added."""
        data = profile_data({"phone": "020 1234 5678"}, default_phone_country_code="+44")
        assert data == {"Phone": "+442012345678"}

    def test_default_country_code_not_applied_to_international_numbers(self) -> None:
        """A number already starting with + or 00 keeps its own country code."""
        data = profile_data(
            {"phone": "0033 1 23 45 67 89"},
            default_phone_country_code="+1",
        )
        assert data == {"Phone": "+33123456789"}


class TestNames:
    """Name built from first and last names."""

    def test_first_and_last_name_make_name(self) -> None:
        """firstName + lastName make Name; the parts stay as custom traits."""
        assert profile_data({"firstName": "Ada", "lastName": "Lovelace"}) == {
            "first_name": "Ada",
            "last_name": "Lovelace",
            "Name": "Ada Lovelace",
        }

    def test_name_too_long_for_clevertap_is_not_built(self) -> None:
        """Parts that would make a Name over 512 characters stay custom traits, with a warning."""
        traits = {"firstName": "a" * 300, "lastName": "b" * 300}
        outcome = outcome_of(identify(userId="u-1", traits=traits))
        assert "Name" not in outcome.records[0]["profileData"]
        assert any("no Name is sent" in warning for warning in outcome.warnings)

    def test_snake_case_name_parts_make_name(self) -> None:
        """first_name + last_name make Name too."""
        assert profile_data({"first_name": "Ada", "last_name": "Lovelace"})["Name"] == (
            "Ada Lovelace"
        )

    def test_first_name_alone_makes_name(self) -> None:
        """A first name alone is the Name."""
        assert profile_data({"firstName": "Ada"})["Name"] == "Ada"

    def test_last_name_alone_makes_name(self) -> None:
        """A last name alone is the Name."""
        assert profile_data({"lastName": "Lovelace"})["Name"] == "Lovelace"

    def test_name_trait_wins_over_parts(self) -> None:
        """An explicit name is not replaced by first + last."""
        data = profile_data({"firstName": "Ada", "lastName": "L", "name": "Countess"})
        assert data["Name"] == "Countess"

    def test_parts_come_from_context_traits(self) -> None:
        """First and last names in context.traits make Name as well."""
        message = identify(userId="u-1", context={"traits": {"firstName": "Ada", "lastName": "L"}})
        assert only_record(message)["profileData"]["Name"] == "Ada L"


class TestContextTraits:
    """context.traits fills in what traits lacks."""

    def test_fills_in_missing_keys(self) -> None:
        """Keys only in context.traits are added."""
        message = identify(
            userId="u-1",
            traits={"plan": "pro"},
            context={"traits": {"email": "ada@example.com", "city": "London"}},
        )
        assert only_record(message)["profileData"] == {
            "plan": "pro",
            "Email": "ada@example.com",
            "city": "London",
        }

    def test_traits_win_over_context_traits(self) -> None:
        """A key in both keeps the value from traits, even spelled differently."""
        message = identify(
            userId="u-1", traits={"planType": "pro"}, context={"traits": {"plan_type": "free"}}
        )
        assert only_record(message)["profileData"] == {"plan_type": "pro"}

    def test_context_traits_alone(self) -> None:
        """An identify with only context.traits still gets a profile from them."""
        message = identify(userId="u-1", context={"traits": {"gender": "f"}})
        assert only_record(message)["profileData"] == {"Gender": "F"}

    def test_traits_not_an_object_is_an_error(self) -> None:
        """traits must be an object."""
        error = error_of(identify(userId="u-1", traits=["a"]), InvalidMessageError)
        assert error.path == "traits"
        assert "object" in str(error)

    def test_context_traits_not_an_object_is_an_error(self) -> None:
        """context.traits must be an object."""
        error = error_of(identify(userId="u-1", context={"traits": "x"}), InvalidMessageError)
        assert error.path == "context.traits"
        assert "object" in str(error)


class TestExtendedReservedFields:
    """extended_reserved_fields maps more traits to reserved keys."""

    def test_every_extended_field_is_mapped(self) -> None:
        """employed, married, education, customer_type, age and msg_* get reserved keys."""
        data = profile_data(
            {
                "employed": True,
                "married": False,
                "education": "graduate",
                "customerType": "Gold",
                "age": 36,
                "msg_email": True,
                "msg_push": False,
                "msg_sms": True,
                "msg_whatsapp": False,
            },
            extended_reserved_fields=True,
        )
        assert data == {
            "Employed": "Y",
            "Married": "N",
            "Education": "Graduate",
            "Customer Type": "Gold",
            "Age": 36,
            "MSG-email": True,
            "MSG-push": False,
            "MSG-sms": True,
            "MSG-whatsapp": False,
        }

    @pytest.mark.parametrize(
        ("value", "expected"), [(True, "Y"), (False, "N"), ("yes", "Y"), ("N", "N")]
    )
    def test_employed_yes_no(self, value: Any, expected: str) -> None:
        """Booleans (and yes/no words) become Y or N."""
        assert profile_data({"employed": value}, extended_reserved_fields=True) == {
            "Employed": expected
        }

    @pytest.mark.parametrize("value", ["school", "College", "GRADUATE"])
    def test_education_values(self, value: str) -> None:
        """Education takes School, College or Graduate in any case."""
        data = profile_data({"education": value}, extended_reserved_fields=True)
        assert data == {"Education": value.capitalize()}

    def test_numeric_age_string_becomes_number(self) -> None:
        """An age given as a numeric string is sent as a number."""
        assert profile_data({"age": "33"}, extended_reserved_fields=True) == {"Age": 33}

    @pytest.mark.parametrize(
        ("key", "value"), [("education", "PhD"), ("age", "old"), ("employed", "maybe")]
    )
    def test_invalid_extended_value_goes_to_custom_key_with_warning(
        self, key: str, value: str
    ) -> None:
        """A value CleverTap would refuse stays a custom trait and is warned about."""
        outcome = outcome_of(
            identify(userId="u-1", traits={key: value}), extended_reserved_fields=True
        )
        assert outcome.records[0]["profileData"] == {key: value}
        assert len(outcome.warnings) == 1
        assert f"traits.{key}" in outcome.warnings[0]

    def test_off_by_default(self) -> None:
        """Without the option these traits are plain custom properties."""
        assert profile_data({"employed": True, "customerType": "Gold", "msg_push": True}) == {
            "employed": True,
            "customer_type": "Gold",
            "msg_push": True,
        }


class TestPushTokens:
    """An identify with context.device.token also yields a token record."""

    def test_android_device_gets_fcm_token(self) -> None:
        """An Android device's token is an fcm token for the anonymous ID."""
        message = identify(
            userId="u-1",
            anonymousId="a-1",
            timestamp=JAN_2024,
            context={"device": {"token": "tok", "type": "android"}},
        )
        assert translate(message) == [
            {
                "type": "profile",
                "objectId": "a-1",
                "ts": JAN_2024,
                "profileData": {"identity": "u-1"},
            },
            {
                "type": "token",
                "objectId": "a-1",
                "ts": JAN_2024,
                "tokenData": {"id": "tok", "type": "fcm"},
            },
        ]

    @pytest.mark.parametrize(
        ("context", "expected"),
        [
            ({"os": {"name": "Android"}}, "fcm"),
            ({"os": {"name": "iOS"}}, "apns"),
            ({"os": {"name": "iPadOS"}}, "apns"),
            ({"device": {"type": "ios"}}, "apns"),
            ({"device": {"type": "Android"}}, "fcm"),
        ],
    )
    def test_platform_decides_type(self, context: dict[str, Any], expected: str) -> None:
        """context.os.name or context.device.type picks fcm for Android and apns for Apple."""
        device = {**context.get("device", {}), "token": "tok"}
        message = identify(anonymousId="a-1", context={**context, "device": device})
        assert translate(message)[1] == {
            "type": "token",
            "objectId": "a-1",
            "tokenData": {"id": "tok", "type": expected},
        }

    @pytest.mark.parametrize("token_type", ["fcm", "gcm", "apns", "wns", "mpns"])
    def test_device_token_type_setting_wins(self, token_type: str) -> None:
        """integrations.CleverTap.deviceTokenType names the token type."""
        message = identify(
            anonymousId="a-1",
            context={"device": {"token": "tok", "type": "android"}},
            integrations={"CleverTap": {"deviceTokenType": token_type}},
        )
        assert translate(message)[1]["tokenData"] == {"id": "tok", "type": token_type}

    def test_chrome_token_carries_keys(self) -> None:
        """A chrome token carries chromeKeys as keys."""
        message = identify(
            anonymousId="a-1",
            context={"device": {"token": "tok"}},
            integrations={
                "clevertap": {
                    "deviceTokenType": "chrome",
                    "chromeKeys": {"p256dh": "P", "auth": "A"},
                }
            },
        )
        assert translate(message)[1]["tokenData"] == {
            "id": "tok",
            "type": "chrome",
            "keys": {"p256dh": "P", "auth": "A"},
        }

    def test_chrome_without_keys_gives_no_token_and_a_warning(self) -> None:
        """A chrome token without both keys is left out, with a warning."""
        message = identify(
            anonymousId="a-1",
            context={"device": {"token": "tok"}},
            integrations={"CleverTap": {"deviceTokenType": "chrome", "chromeKeys": {"auth": "A"}}},
        )
        outcome = outcome_of(message)
        assert [record["type"] for record in outcome.records] == ["profile"]
        assert any("chromeKeys" in warning for warning in outcome.warnings)

    def test_non_string_chrome_keys_do_not_break_json(self) -> None:
        """chromeKeys values that are not strings never reach the output as they are."""
        message = identify(
            anonymousId="a-1",
            context={"device": {"token": "tok"}},
            integrations={
                "CleverTap": {
                    "deviceTokenType": "chrome",
                    "chromeKeys": {"p256dh": float("nan"), "auth": b"raw"},
                }
            },
        )
        records = translate(message)
        assert records[0] == {"type": "profile", "objectId": "a-1", "profileData": {}}
        json.dumps(records, allow_nan=False)

    def test_unknown_device_token_type_falls_back_to_platform_with_warning(self) -> None:
        """An unknown deviceTokenType is warned about and the platform decides."""
        message = identify(
            anonymousId="a-1",
            context={"device": {"token": "tok", "type": "ios"}},
            integrations={"CleverTap": {"deviceTokenType": "pigeon"}},
        )
        outcome = outcome_of(message)
        assert outcome.records[1]["tokenData"] == {"id": "tok", "type": "apns"}
        assert any("deviceTokenType" in warning for warning in outcome.warnings)

    def test_unknown_platform_gives_no_token_and_a_warning(self) -> None:
        """A device that is neither Android nor Apple gets no token record, and a warning."""
        message = identify(
            anonymousId="a-1", context={"device": {"token": "tok"}, "os": {"name": "Windows"}}
        )
        outcome = outcome_of(message)
        assert outcome.records == ({"type": "profile", "objectId": "a-1", "profileData": {}},)
        assert len(outcome.warnings) == 1
        assert "context.device.token" in outcome.warnings[0]

    def test_no_anonymous_id_gives_no_token_and_a_warning(self) -> None:
        """A token needs an anonymous ID as objectId; without one it is left out, with a warning."""
        message = identify(userId="u-1", context={"device": {"token": "tok", "type": "ios"}})
        outcome = outcome_of(message)
        assert outcome.records == ({"type": "profile", "identity": "u-1", "profileData": {}},)
        assert len(outcome.warnings) == 1
        assert "anonymous" in outcome.warnings[0]

    def test_anonymous_id_not_object_id_gives_no_token(self) -> None:
        """With anonymous_id_as_object_id=False there is no objectId, so no token record."""
        message = identify(
            userId="u-1", anonymousId="a-1", context={"device": {"token": "tok", "type": "ios"}}
        )
        outcome = outcome_of(message, anonymous_id_as_object_id=False)
        assert [record["type"] for record in outcome.records] == ["profile"]
        assert len(outcome.warnings) == 1

    def test_no_token_no_token_record(self) -> None:
        """An identify without a device token yields only the profile."""
        message = identify(anonymousId="a-1", context={"device": {"type": "ios"}})
        assert [record["type"] for record in translate(message)] == ["profile"]

    def test_token_record_keys_are_in_documented_order(self) -> None:
        """type, objectId, ts, then tokenData."""
        message = identify(
            timestamp=JAN_2024,
            anonymousId="a-1",
            context={"device": {"token": "tok", "type": "ios"}},
        )
        assert list(translate(message)[1]) == ["type", "objectId", "ts", "tokenData"]

    def test_output_does_not_share_chrome_keys_with_input(self) -> None:
        """Changing the output's keys leaves the message's chromeKeys as they were."""
        keys = {"p256dh": "P", "auth": "A"}
        message = identify(
            anonymousId="a-1",
            context={"device": {"token": "tok"}},
            integrations={"CleverTap": {"deviceTokenType": "chrome", "chromeKeys": keys}},
        )
        translate(message)[1]["tokenData"]["keys"]["auth"] = "changed"
        assert keys == {"p256dh": "P", "auth": "A"}


class TestIdentifyPurity:
    """translate leaves an identify message untouched and reports warnings by logging."""

    def test_input_is_not_mutated(self) -> None:
        """Translating a rich identify changes nothing in the message."""
        message = identify(
            userId="u-1",
            anonymousId="a-1",
            timestamp="2024-01-01T00:00:00Z",
            traits={
                "firstName": "Ada",
                "lastName": "L",
                "tags": ["b", "a", "b"],
                "address": {"city": "London", "geo": {"lat": 51.5}},
                "phone": "0044 20 1234 5678",
                "gender": "other",
            },
            context={
                "traits": {"email": "a@b.co"},
                "device": {"token": "tok", "type": "android"},
            },
            integrations={"CleverTap": {"deviceTokenType": "fcm"}},
        )
        before = copy.deepcopy(message)
        translate(message)
        assert message == before

    def test_warnings_are_logged(self, caplog: pytest.LogCaptureFixture) -> None:
        """translate logs each warning to the clevertap_segment logger."""
        caplog.set_level(logging.WARNING, logger="clevertap_segment")
        translate(identify(userId="u-1", traits={"gender": "other"}))
        logged = [r for r in caplog.records if r.name == "clevertap_segment"]
        assert len(logged) == 1
        assert logged[0].levelno == logging.WARNING
        assert "traits.gender" in logged[0].getMessage()

    def test_clean_message_logs_nothing(self, caplog: pytest.LogCaptureFixture) -> None:
        """A message translated without changes logs nothing."""
        caplog.set_level(logging.DEBUG, logger="clevertap_segment")
        translate(identify(userId="u-1", traits={"gender": "f"}))
        assert [r for r in caplog.records if r.name.startswith("clevertap_segment")] == []
