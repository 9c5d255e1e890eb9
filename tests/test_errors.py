"""The exception tree: classes, attributes, messages and pickling."""

from __future__ import annotations

import copy
import pickle
from typing import Any

import pytest

import clevertap_segment
from clevertap_segment import (
    AuthenticationError,
    CleverTapSegmentError,
    DeliveryError,
    InvalidMessageError,
    InvalidPropertyError,
    MissingDependencyError,
    NestedPropertyError,
    ReservedEventNameError,
    TranslationError,
    UnsupportedCallError,
    translate,
    translate_many,
)

TRANSLATION_ERRORS: list[type[TranslationError]] = [
    InvalidMessageError,
    UnsupportedCallError,
    NestedPropertyError,
    InvalidPropertyError,
    ReservedEventNameError,
]


def public_exceptions() -> list[type[BaseException]]:
    """Every exception class the package exports."""
    found = []
    for name in clevertap_segment.__all__:
        if name == "Client":  # imported lazily; not an exception
            continue
        value = getattr(clevertap_segment, name)
        if isinstance(value, type) and issubclass(value, BaseException):
            found.append(value)
    return found


class TestTree:
    """How the exception classes relate."""

    def test_public_exceptions_are_found(self) -> None:
        """The exported exceptions include the whole documented tree."""
        assert set(public_exceptions()) >= {
            CleverTapSegmentError,
            TranslationError,
            *TRANSLATION_ERRORS,
            DeliveryError,
            AuthenticationError,
            MissingDependencyError,
        }

    @pytest.mark.parametrize("error_class", public_exceptions())
    def test_every_error_subclasses_the_base(self, error_class: type[BaseException]) -> None:
        """Everything the package raises is a CleverTapSegmentError."""
        assert issubclass(error_class, CleverTapSegmentError)

    def test_base_is_an_exception(self) -> None:
        """The base class is an ordinary Exception."""
        assert issubclass(CleverTapSegmentError, Exception)

    def test_translation_error_is_a_value_error(self) -> None:
        """Bad input keeps working with ``except ValueError``."""
        assert issubclass(TranslationError, ValueError)

    @pytest.mark.parametrize("error_class", TRANSLATION_ERRORS)
    def test_translation_errors(self, error_class: type[TranslationError]) -> None:
        """Each bad-input error is a TranslationError, hence a ValueError."""
        assert issubclass(error_class, TranslationError)
        assert issubclass(error_class, ValueError)

    @pytest.mark.parametrize("error_class", TRANSLATION_ERRORS)
    def test_translation_errors_are_distinct(self, error_class: type[TranslationError]) -> None:
        """No translation error subclasses another, so each can be caught alone."""
        others = [other for other in TRANSLATION_ERRORS if other is not error_class]
        assert not any(issubclass(error_class, other) for other in others)

    def test_authentication_error_is_a_delivery_error(self) -> None:
        """A credentials problem is a delivery error."""
        assert issubclass(AuthenticationError, DeliveryError)

    def test_delivery_error_is_not_a_translation_error(self) -> None:
        """Delivery errors are not bad input."""
        assert not issubclass(DeliveryError, ValueError)

    def test_missing_dependency_is_an_import_error(self) -> None:
        """A missing extra is an ImportError."""
        assert issubclass(MissingDependencyError, ImportError)

    def test_raised_errors_are_caught_by_value_error(self) -> None:
        """An error from translate is caught by ``except ValueError``."""
        with pytest.raises(ValueError, match="group"):
            translate({"type": "group"})


class TestTranslationErrorAttributes:
    """path, value_type and the message."""

    def test_path_and_value_type(self) -> None:
        """A raised error carries the field's path and the offending value's type."""
        message = {"type": "track", "userId": "u", "event": "E", "properties": {"a": {"b": 1}}}
        with pytest.raises(NestedPropertyError) as info:
            translate(message)
        assert info.value.path == "properties.a"
        assert info.value.value_type == "dict"

    def test_str_includes_path(self) -> None:
        """str(error) ends with the path, so a log line names the field."""
        error = InvalidPropertyError("too long", path="properties.name", value="x", has_value=True)
        assert str(error) == "too long @ properties.name"

    def test_str_without_path(self) -> None:
        """A message-level error's str is just the message."""
        assert str(InvalidMessageError("not an object")) == "not an object"

    def test_defaults(self) -> None:
        """Without a path or value, path is "" and value_type is None."""
        error = TranslationError("x")
        assert error.path == ""
        assert error.value_type is None

    def test_none_value_has_type_name(self) -> None:
        """An explicit None value is reported as NoneType, unlike a missing value."""
        error = TranslationError("x", value=None, has_value=True)
        assert error.value_type == "NoneType"

    def test_raised_str_includes_path(self) -> None:
        """An error raised by translate shows its path in str."""
        message = {"type": "track", "userId": "u", "event": "E", "properties": {"p": "x" * 600}}
        with pytest.raises(InvalidPropertyError) as info:
            translate(message)
        assert str(info.value).endswith("@ properties.p")

    def test_error_in_outcome_keeps_attributes(self) -> None:
        """The error in a translate_many outcome carries its path and value type."""
        message = {"type": "track", "userId": "u", "event": "E", "properties": {"x": b"1"}}
        (outcome,) = translate_many([message])
        assert isinstance(outcome.error, InvalidPropertyError)
        assert outcome.error.path == "properties.x"
        assert outcome.error.value_type == "bytes"


def sample_errors() -> list[CleverTapSegmentError]:
    """One instance of every exception class, with its attributes set."""
    classes: list[type[TranslationError]] = [TranslationError, *TRANSLATION_ERRORS]
    errors: list[CleverTapSegmentError] = [
        cls("bad value", path="properties.a.b", value=[1], has_value=True) for cls in classes
    ]
    errors.append(CleverTapSegmentError("base"))
    errors.append(DeliveryError("connection refused"))
    errors.append(AuthenticationError("wrong passcode", status_code=401))
    errors.append(MissingDependencyError("Client", "http", "requests"))
    return errors


def same_error(left: BaseException, right: BaseException) -> None:
    """Assert two errors have the same class, text and public attributes."""
    assert type(left) is type(right)
    assert str(left) == str(right)
    attributes = ("path", "value_type", "message", "status_code", "extra", "name")
    for attribute in attributes:
        assert getattr(left, attribute, None) == getattr(right, attribute, None), attribute


class TestPickling:
    """Errors survive pickling (multiprocessing ships them between processes)."""

    @pytest.mark.parametrize("error", sample_errors(), ids=lambda error: type(error).__name__)
    def test_round_trip(self, error: CleverTapSegmentError) -> None:
        """pickle.loads(pickle.dumps(error)) gives an equivalent error."""
        same_error(pickle.loads(pickle.dumps(error)), error)  # noqa: S301 - our own bytes

    @pytest.mark.parametrize("error", sample_errors(), ids=lambda error: type(error).__name__)
    def test_copy(self, error: CleverTapSegmentError) -> None:
        """copy.copy keeps the error's attributes."""
        same_error(copy.copy(error), error)

    def test_raised_error_round_trip(self) -> None:
        """An error raised by translate pickles with its path and value type."""
        with pytest.raises(ReservedEventNameError) as info:
            translate({"type": "track", "userId": "u", "event": "App Launched"})
        restored: Any = pickle.loads(pickle.dumps(info.value))  # noqa: S301 - our own bytes
        assert type(restored) is ReservedEventNameError
        assert restored.path == "event"
        assert restored.value_type == "str"
        assert str(restored) == str(info.value)


class TestMissingDependencyError:
    """The error for a missing optional extra."""

    def test_message_says_how_to_install(self) -> None:
        """The message names the feature, the package and the pip command."""
        error = MissingDependencyError("Client", "http", "requests")
        assert "Client" in str(error)
        assert "'requests'" in str(error)
        assert "pip install 'clevertap-segment[http]'" in str(error)

    def test_import_error_name(self) -> None:
        """ImportError.name is the missing package."""
        assert MissingDependencyError("Client", "http", "requests").name == "requests"
