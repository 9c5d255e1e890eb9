"""Translate Segment-spec analytics events into CleverTap Upload API records, and deliver them.

>>> from clevertap_segment import translate
>>> translate({"type": "track", "userId": "u-1", "event": "Signed Up",
...            "properties": {"planType": "pro"}})
[{'type': 'event', 'identity': 'u-1', 'evtName': 'Signed Up', 'evtData': {'plan_type': 'pro'}}]

The sender (:class:`Client`) needs the ``http`` extra: ``pip install 'clevertap-segment[http]'``.
"""

from __future__ import annotations

from importlib import import_module
from importlib.metadata import PackageNotFoundError, version
from importlib.util import find_spec
from typing import TYPE_CHECKING, Any

from ._exceptions import (
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
)
from ._keys import snake_case
from ._options import TranslationOptions
from ._outcome import Outcome
from ._reports import MessageResult, RecordFailure, SendReport, UploadReport
from ._retry import RetryPolicy
from ._translate import translate, translate_many

if TYPE_CHECKING:
    from ._client import Client

try:
    __version__ = version("clevertap-segment")
except (
    PackageNotFoundError
):  # pragma: no cover - running from a source tree that was never installed
    __version__ = "0+unknown"

__all__ = [
    "AuthenticationError",
    "CleverTapSegmentError",
    "Client",
    "DeliveryError",
    "InvalidMessageError",
    "InvalidPropertyError",
    "MessageResult",
    "MissingDependencyError",
    "NestedPropertyError",
    "Outcome",
    "RecordFailure",
    "ReservedEventNameError",
    "RetryPolicy",
    "SendReport",
    "TranslationError",
    "TranslationOptions",
    "UnsupportedCallError",
    "UploadReport",
    "__version__",
    "snake_case",
    "translate",
    "translate_many",
]

# Names whose modules import optional dependencies: imported on first use only, so that
# ``import clevertap_segment`` needs nothing beyond attrs, cattrs and inflection.
_LAZY = {"Client": "._client"}
if find_spec("requests") is None:  # pragma: no cover - tested in a subprocess
    # Keep ``from clevertap_segment import *`` working without the http extra.
    __all__ = [name for name in __all__ if name != "Client"]


def __getattr__(name: str) -> Any:
    module_name = _LAZY.get(name)
    if module_name is None:
        msg = f"module 'clevertap_segment' has no attribute {name!r}"
        raise AttributeError(msg)
    value = getattr(import_module(module_name, __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
