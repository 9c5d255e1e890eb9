"""TranslationOptions: defaults, validation, from_mapping and to_dict."""

from __future__ import annotations

import json
from typing import Any

import attrs
import pytest

from clevertap_segment import TranslationOptions

DEFAULTS = {
    "key_case": "snake",
    "anonymous_id_as_object_id": True,
    "default_phone_country_code": None,
    "extended_reserved_fields": False,
    "convert_dates": True,
    "nested_traits": "flatten",
    "nested_properties": "reject",
    "max_event_properties": 100,
    "order_completed_event_name": "Charged",
    "page_event_name": "Web Page Viewed",
    "screen_event_name": "App Screen Viewed",
}


class TestDefaults:
    """Every default in one place, following the spec."""

    @pytest.mark.parametrize(("name", "expected"), DEFAULTS.items())
    def test_default(self, name: str, expected: Any) -> None:
        """Each option's default is the documented one."""
        assert getattr(TranslationOptions(), name) == expected

    def test_no_undocumented_options(self) -> None:
        """The options are exactly the documented ones."""
        assert {field.name for field in attrs.fields(TranslationOptions)} == set(DEFAULTS)


class TestShape:
    """Frozen, keyword-only, comparable."""

    def test_frozen(self) -> None:
        """Options cannot be changed after creation."""
        options = TranslationOptions()
        with pytest.raises(attrs.exceptions.FrozenInstanceError):
            options.key_case = "preserve"  # type: ignore[misc]

    def test_keyword_only(self) -> None:
        """Options are given by name only."""
        with pytest.raises(TypeError):
            TranslationOptions("preserve")  # type: ignore[call-arg]

    def test_evolve_validates(self) -> None:
        """attrs.evolve makes a changed copy and validates it."""
        options = attrs.evolve(TranslationOptions(), key_case="preserve")
        assert options.key_case == "preserve"
        with pytest.raises(ValueError, match="key_case"):
            attrs.evolve(options, key_case="kebab")

    def test_equal_and_hashable(self) -> None:
        """Equal options compare equal and hash alike."""
        assert TranslationOptions(convert_dates=False) == TranslationOptions(convert_dates=False)
        assert hash(TranslationOptions()) == hash(TranslationOptions())

    def test_repr_names_fields(self) -> None:
        """The repr shows the option values."""
        assert "nested_properties='flatten'" in repr(
            TranslationOptions(nested_properties="flatten")
        )


class TestValidators:
    """Bad option values are refused when the options are made."""

    @pytest.mark.parametrize(
        ("name", "value"),
        [
            ("key_case", "camel"),
            ("key_case", "Snake"),
            ("nested_traits", "keep"),
            ("nested_properties", "ignore"),
        ],
    )
    def test_choices(self, name: str, value: str) -> None:
        """A choice outside the allowed set is a ValueError listing the choices."""
        settings: dict[str, Any] = {name: value}
        with pytest.raises(ValueError, match=name) as info:
            TranslationOptions(**settings)
        assert repr(value) in str(info.value)

    @pytest.mark.parametrize("value", ["flatten", "reject", "stringify", "drop"])
    def test_nested_traits_choices_accepted(self, value: str) -> None:
        """Every documented nested_traits policy is accepted."""
        assert TranslationOptions(nested_traits=value).nested_traits == value

    @pytest.mark.parametrize("value", ["flatten", "reject", "stringify", "drop"])
    def test_nested_properties_choices_accepted(self, value: str) -> None:
        """Every documented nested_properties policy is accepted."""
        assert TranslationOptions(nested_properties=value).nested_properties == value

    @pytest.mark.parametrize("value", [0, -1, 2.5, True, "10"])
    def test_max_event_properties_must_be_positive_integer(self, value: Any) -> None:
        """max_event_properties is a positive integer."""
        with pytest.raises(ValueError, match="max_event_properties must be a positive integer"):
            TranslationOptions(max_event_properties=value)

    @pytest.mark.parametrize(
        "name", ["anonymous_id_as_object_id", "extended_reserved_fields", "convert_dates"]
    )
    @pytest.mark.parametrize("value", ["yes", 1, None])
    def test_booleans_must_be_booleans(self, name: str, value: Any) -> None:
        """Switches take True or False only."""
        with pytest.raises((TypeError, ValueError), match=name):
            TranslationOptions(**{name: value})

    @pytest.mark.parametrize(
        "name", ["order_completed_event_name", "page_event_name", "screen_event_name"]
    )
    @pytest.mark.parametrize("value", ["", "   ", None, 5])
    def test_event_names_must_be_non_empty_strings(self, name: str, value: Any) -> None:
        """Event name options are non-empty strings."""
        with pytest.raises(ValueError, match=f"{name} must be a non-empty string"):
            TranslationOptions(**{name: value})

    @pytest.mark.parametrize(
        "name", ["order_completed_event_name", "page_event_name", "screen_event_name"]
    )
    @pytest.mark.parametrize("value", ["App Launched", "notification  sent"])
    def test_event_names_must_not_be_system_events(self, name: str, value: str) -> None:
        """An event name CleverTap reserves (it would answer 513) is refused up front."""
        with pytest.raises(ValueError, match=f"{name} .* CleverTap system event name"):
            TranslationOptions(**{name: value})  # type: ignore[arg-type]

    @pytest.mark.parametrize(
        "name", ["order_completed_event_name", "page_event_name", "screen_event_name"]
    )
    def test_event_names_must_not_hold_prohibited_characters(self, name: str) -> None:
        """An event name with a character CleverTap prohibits is refused, naming it."""
        with pytest.raises(ValueError, match=r"holds \., which CleverTap prohibits"):
            TranslationOptions(**{name: "Page.Viewed"})  # type: ignore[arg-type]

    @pytest.mark.parametrize(("value", "stored"), [("+1", "1"), ("91", "91"), (" +44 ", "44")])
    def test_country_code_normalised(self, value: str, stored: str) -> None:
        """default_phone_country_code is stored as digits, with or without a leading +."""
        assert TranslationOptions(default_phone_country_code=value).default_phone_country_code == (
            stored
        )

    @pytest.mark.parametrize("value", ["abc", "+12345", "0", "+", "1-2"])
    def test_bad_country_code(self, value: str) -> None:
        """A country code that is not 1 to 4 digits is refused, saying what is allowed."""
        with pytest.raises(ValueError, match="1 to 4 digits"):
            TranslationOptions(default_phone_country_code=value)


class TestFromMapping:
    """Options from a mapping such as a parsed configuration file."""

    def test_empty_mapping_gives_defaults(self) -> None:
        """An empty mapping gives the default options."""
        assert TranslationOptions.from_mapping({}) == TranslationOptions()

    def test_values_are_used(self) -> None:
        """Given values replace the defaults."""
        options = TranslationOptions.from_mapping(
            {
                "key_case": "preserve",
                "max_event_properties": 50,
                "default_phone_country_code": "+44",
                "convert_dates": False,
            }
        )
        assert options == TranslationOptions(
            key_case="preserve",
            max_event_properties=50,
            default_phone_country_code="44",
            convert_dates=False,
        )

    def test_unknown_key_is_refused(self) -> None:
        """A misspelt option is a ValueError naming it and the known options."""
        with pytest.raises(ValueError, match="keycase") as info:
            TranslationOptions.from_mapping({"keycase": "preserve"})
        assert "key_case" in str(info.value)

    def test_every_unknown_key_is_named(self) -> None:
        """All unknown options are listed at once."""
        with pytest.raises(ValueError, match="unknown") as info:
            TranslationOptions.from_mapping({"zeta": 1, "alpha": 2, "key_case": "snake"})
        assert "alpha" in str(info.value)
        assert "zeta" in str(info.value)

    @pytest.mark.parametrize(
        ("settings", "named"),
        [
            ({"key_case": "camel"}, "key_case"),
            ({"nested_properties": "keep"}, "nested_properties"),
            ({"max_event_properties": 0}, "max_event_properties"),
            ({"max_event_properties": "lots"}, "lots"),
            ({"convert_dates": "false"}, "false"),
            ({"convert_dates": 0}, "true or false"),
            ({"default_phone_country_code": "x1"}, "default_phone_country_code"),
            ({"page_event_name": ""}, "page_event_name"),
        ],
    )
    def test_bad_value_is_refused(self, settings: dict[str, Any], named: str) -> None:
        """A bad value is a ValueError that names the problem."""
        with pytest.raises(ValueError, match="invalid translation options") as info:
            TranslationOptions.from_mapping(settings)
        assert named in str(info.value)

    @pytest.mark.parametrize(
        "name", ["page_event_name", "screen_event_name", "order_completed_event_name"]
    )
    def test_null_event_name_is_refused(self, name: str) -> None:
        """A null event name is refused, not turned into the event name 'None'."""
        with pytest.raises(ValueError, match=name):
            TranslationOptions.from_mapping({name: None})

    @pytest.mark.parametrize("value", [True, 12.7])
    def test_non_integer_max_event_properties_is_refused(self, value: Any) -> None:
        """A boolean or fractional limit is refused, not truncated to an integer."""
        with pytest.raises(ValueError, match="max_event_properties"):
            TranslationOptions.from_mapping({"max_event_properties": value})

    def test_null_country_code_means_unset(self) -> None:
        """A null default_phone_country_code is the default (unset)."""
        options = TranslationOptions.from_mapping({"default_phone_country_code": None})
        assert options.default_phone_country_code is None

    def test_errors_are_plain_value_errors(self) -> None:
        """from_mapping raises ValueError, not a cattrs exception group."""
        with pytest.raises(ValueError, match="key_case") as info:
            TranslationOptions.from_mapping({"key_case": "camel"})
        assert type(info.value) is ValueError


class TestToDict:
    """Options as a plain dict."""

    def test_defaults(self) -> None:
        """The default options as a dict, every option present."""
        assert TranslationOptions().to_dict() == DEFAULTS

    def test_json_ready(self) -> None:
        """The dict is JSON-serialisable."""
        options = TranslationOptions(default_phone_country_code="+1", key_case="preserve")
        assert json.loads(json.dumps(options.to_dict())) == options.to_dict()

    def test_round_trip(self) -> None:
        """from_mapping(to_dict()) gives equal options."""
        options = TranslationOptions(
            key_case="preserve",
            anonymous_id_as_object_id=False,
            default_phone_country_code="+91",
            extended_reserved_fields=True,
            convert_dates=False,
            nested_traits="drop",
            nested_properties="stringify",
            max_event_properties=7,
            order_completed_event_name="Paid",
            page_event_name="Page",
            screen_event_name="Screen",
        )
        assert TranslationOptions.from_mapping(options.to_dict()) == options
