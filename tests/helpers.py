"""Small helpers the translation tests share."""

from __future__ import annotations

from typing import Any

import pytest

from clevertap_segment import (
    Outcome,
    TranslationError,
    TranslationOptions,
    translate,
    translate_many,
)

# CleverTap's restricted system event names, as ../shared/clevertap-api.md lists them (the SDKs'
# additions included): written out here, not imported, so the tests check the library against
# the documentation rather than against itself.
SYSTEM_EVENT_NAMES = [
    "Notification Sent",
    "Notification Viewed",
    "Notification Clicked",
    "Notification Delivered",
    "Notification Replied",
    "UTM Visited",
    "App Launched",
    "App Uninstalled",
    "App Version Changed",
    "Stayed",
    "Reply Sent",
    "Experiment Rendered",
    "Reachable By",
    "Identity Reset",
    "Identity Set",
    "Identity Error",
    "wzrk_d",
    "Notification Bounced",
    "Geocluster Entered",
    "Geocluster Exited",
    "SCOutgoing",
    "SCIncoming",
    "SCEnd",
    "SCCampaignOptOut",
]


def only_record(message: Any, **options: Any) -> dict[str, Any]:
    """The single record ``message`` translates into."""
    records = translate(message, TranslationOptions(**options))
    assert len(records) == 1, records
    return records[0]


def outcome_of(message: Any, **options: Any) -> Outcome:
    """The outcome of ``message`` in ``translate_many``, which must have succeeded."""
    (outcome,) = translate_many([message], TranslationOptions(**options))
    assert outcome.ok, outcome.error
    return outcome


def error_of(message: Any, error_class: type[TranslationError], **options: Any) -> TranslationError:
    """The error translating ``message`` raises, which must be exactly ``error_class``."""
    with pytest.raises(error_class) as info:
        translate(message, TranslationOptions(**options))
    assert type(info.value) is error_class
    return info.value
