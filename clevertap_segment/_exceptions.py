"""Every exception clevertap-segment raises.

The tree::

    CleverTapSegmentError                 anything this package raises
    ├── TranslationError (ValueError)     a Segment message cannot become CleverTap records
    │   ├── InvalidMessageError           not a mapping, a missing or ill-typed field,
    │   │                                 no identifier, a bad timestamp
    │   ├── UnsupportedCallError          ``group`` or an unknown ``type``
    │   ├── NestedPropertyError           an object or array where CleverTap takes scalars
    │   ├── InvalidPropertyError          a key or value CleverTap cannot take
    │   └── ReservedEventNameError        a CleverTap system event name
    ├── DeliveryError                     talking to CleverTap failed in a way that stops the upload
    │   └── AuthenticationError           401/403: wrong account, passcode or region
    └── MissingDependencyError (ImportError)
                                          an optional extra is not installed

Translation errors carry ``path``, the dotted path of the offending field in the input message
(``properties.address.city``; ``""`` for the message itself), and subclass :class:`ValueError` so
that existing ``except ValueError`` blocks keep working.
"""

from __future__ import annotations

from typing import Any, Optional


class CleverTapSegmentError(Exception):
    """The base class of every exception raised by clevertap-segment."""


class TranslationError(CleverTapSegmentError, ValueError):
    """A Segment message cannot be translated into CleverTap records.

    Attributes:
        path: Dotted path of the offending field in the input message, such as
            ``properties.price``; ``""`` when the message as a whole is at fault.
        value_type: Name of the offending value's type (``"dict"``, ``"float"``, …), or ``None``
            when there is no value (a missing field).
    """

    def __init__(self, message: str, *, path: str = "", value: Any = None, has_value: bool = False):
        super().__init__(message)
        self.message = message
        self.path = path
        self.value_type: Optional[str] = type(value).__name__ if has_value else None

    def __str__(self) -> str:
        if self.path:
            return f"{self.message} @ {self.path}"
        return self.message

    def __reduce__(self) -> Any:
        # Keep errors picklable (multiprocessing ETL jobs ship them between processes).
        return _rebuild_translation_error, (type(self), self.message, self.path, self.value_type)


def _rebuild_translation_error(
    cls: type[TranslationError], message: str, path: str, value_type: Optional[str]
) -> TranslationError:
    error = cls(message, path=path)
    error.value_type = value_type
    return error


class InvalidMessageError(TranslationError):
    """The message is not a mapping, lacks a required field, or a field has the wrong type.

    Also raised when no user identifier can be found and when a timestamp cannot be parsed.
    """


class UnsupportedCallError(TranslationError):
    """The message's ``type`` is ``group`` or not a Segment call type at all."""


class NestedPropertyError(TranslationError):
    """An object or array value where CleverTap only accepts scalars (event data, by default)."""


class InvalidPropertyError(TranslationError):
    """A key or value CleverTap cannot take.

    An empty or too long key, a key with prohibited characters, two keys that collide after
    normalisation, a string longer than 512 characters, NaN or Infinity, or an unsupported type.
    """


class ReservedEventNameError(TranslationError):
    """The event name is one of CleverTap's restricted system event names."""


class DeliveryError(CleverTapSegmentError):
    """Delivering records to CleverTap failed in a way that stops the whole upload."""


class AuthenticationError(DeliveryError):
    """CleverTap answered 401 or 403: wrong account ID, passcode or region.

    Attributes:
        status_code: The HTTP status CleverTap answered.
        report: The upload report as it stood when the error was raised, or ``None``.
    """

    def __init__(self, message: str, *, status_code: int, report: Any = None):
        super().__init__(message)
        self.status_code = status_code
        self.report = report

    def __reduce__(self) -> Any:
        return _rebuild_authentication_error, (str(self), self.status_code, self.report)


def _rebuild_authentication_error(
    message: str, status_code: int, report: Any
) -> AuthenticationError:
    return AuthenticationError(message, status_code=status_code, report=report)


class MissingDependencyError(CleverTapSegmentError, ImportError):
    """An optional part of the package was used without its extra installed."""

    def __init__(self, feature: str, extra: str, missing: str):
        super().__init__(
            f"{feature} needs the {missing!r} package: pip install 'clevertap-segment[{extra}]'",
            name=missing,
        )
        self.feature = feature
        self.extra = extra
        self.missing = missing

    def __reduce__(self) -> Any:
        return type(self), (self.feature, self.extra, self.missing)
