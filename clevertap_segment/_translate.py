"""The translation front: which Segment call becomes which CleverTap records.

Each call type maps to one translator in :data:`TRANSLATORS`; every translator is a plain function
of a :class:`~clevertap_segment._message.Context` that returns the records.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator, Mapping
from typing import Any, Callable, Optional

from ._events import translate_page, translate_screen, translate_track
from ._exceptions import InvalidMessageError, TranslationError, UnsupportedCallError
from ._message import Context
from ._options import DEFAULT_OPTIONS, TranslationOptions
from ._outcome import Outcome
from ._profile import translate_alias, translate_identify
from ._values import describe

logger = logging.getLogger("clevertap_segment")

Translator = Callable[[Context], list[dict[str, Any]]]

# The call-type table: Segment call → translator.
TRANSLATORS: dict[str, Translator] = {
    "identify": translate_identify,  # → profile (+ push token)
    "track": translate_track,  # → event; Order Completed → Charged
    "page": translate_page,  # → "Web Page Viewed" event
    "screen": translate_screen,  # → "App Screen Viewed" event
    "alias": translate_alias,  # → profile linking previousId to userId
}
SKIPPED_BY_INTEGRATIONS = "the message's integrations object disables CleverTap"


def is_disabled(message: Mapping[str, Any]) -> bool:
    """True when the message's ``integrations`` object turns CleverTap off.

    ``{"CleverTap": false}`` does, and so does ``{"All": false}`` unless ``CleverTap`` is
    truthy; keys match case-insensitively.
    """
    integrations = message.get("integrations")
    if not integrations or not isinstance(integrations, Mapping):
        return False
    everything: Any = True
    clevertap: Any = None
    for name, value in integrations.items():
        if not isinstance(name, str):
            continue
        lowered = name.lower()
        if lowered == "clevertap":
            clevertap = value
        elif lowered == "all":
            everything = value
    if clevertap is False:
        return True
    # A settings object enables CleverTap, even an empty one (as in JavaScript, where Segment's
    # libraries evaluate this).
    return everything is False and not (clevertap or isinstance(clevertap, Mapping))


def _translate(
    message: Mapping[str, Any], options: TranslationOptions
) -> tuple[list[dict[str, Any]], list[str], Optional[str]]:
    """Records, warnings, and the reason when the message is skipped on purpose."""
    if type(message) is not dict and not isinstance(message, Mapping):
        msg = f"a Segment message must be an object, not {type(message).__name__}"
        raise InvalidMessageError(msg, value=message, has_value=True)
    if is_disabled(message):
        return [], [], SKIPPED_BY_INTEGRATIONS
    call = message.get("type")
    translator = TRANSLATORS.get(call) if type(call) is str else None
    if translator is None:
        translator = _translator_for(call)
    context = Context(message, options)
    return translator(context), context.warnings, None


def _translator_for(call: object) -> Translator:
    """The translator of a call type spelled other than Segment spells it, or the error."""
    if not isinstance(call, str) or not call.strip():
        got = "nothing" if call is None else describe(call, 40)
        msg = f"the message needs type, one of {', '.join(TRANSLATORS)}; got {got}"
        raise InvalidMessageError(msg, path="type", value=call, has_value=call is not None)
    translator = TRANSLATORS.get(call.strip().lower())
    if translator is None:
        if call.strip().lower() == "group":
            msg = (
                f"group calls have no CleverTap equivalent and are not supported; "
                f"supported: {', '.join(TRANSLATORS)}"
            )
        else:
            msg = f"unknown call type {call[:40]!r}; supported: {', '.join(TRANSLATORS)}"
        raise UnsupportedCallError(msg, path="type", value=call, has_value=True)
    return translator


def translate(
    message: Mapping[str, Any], options: Optional[TranslationOptions] = None
) -> list[dict[str, Any]]:
    """Translate one Segment message into CleverTap upload records.

    The result is a new list of plain JSON-ready dicts; the message is never changed. It is
    empty when the message's ``integrations`` object disables CleverTap. Warnings (a field
    sent differently or left out) go to the ``clevertap_segment`` logger; :func:`translate_many`
    returns them instead.

    Example:
        >>> translate({"type": "track", "userId": "u-1", "event": "Signup",
        ...            "properties": {"Plan": "pro"}})
        [{'type': 'event', 'identity': 'u-1', 'evtName': 'Signup', 'evtData': {'plan': 'pro'}}]

    Args:
        message: A Segment message (``identify``, ``track``, ``page``, ``screen`` or ``alias``).
        options: How to translate; the defaults follow Segment's cloud-mode destination.

    Raises:
        TranslationError: The message cannot be translated; the error's ``path`` names the field.
    """
    records, warnings, _ = _translate(message, options or DEFAULT_OPTIONS)
    if warnings:
        for warning in warnings:
            logger.warning("clevertap_segment: %s", warning)
    return records


def message_id_of(message: object) -> Optional[str]:
    """The message's ``messageId`` (or ``message_id``) as a string, or None."""
    if type(message) is not dict and not isinstance(message, Mapping):
        return None
    value = message.get("messageId")
    if value is None:
        value = message.get("message_id")
    if value is None or isinstance(value, (Mapping, list)):
        return None
    return str(value)


def translate_many(
    messages: Iterable[Mapping[str, Any]], options: Optional[TranslationOptions] = None
) -> Iterator[Outcome]:
    """Translate a stream of messages lazily, one :class:`Outcome` per message, in order.

    Never raises for a bad message: its outcome carries the error. Memory stays constant for
    any number of messages.

    Example:
        >>> for outcome in translate_many([{"type": "group"}, {"type": "alias"}]):
        ...     print(outcome.index, outcome.ok, type(outcome.error).__name__)
        0 False UnsupportedCallError
        1 False InvalidMessageError
    """
    options = options or DEFAULT_OPTIONS
    for index, message in enumerate(messages):
        message_id = message_id_of(message)
        try:
            records, warnings, skipped = _translate(message, options)
        except TranslationError as error:
            yield Outcome(index=index, message_id=message_id, error=error)
            continue
        yield Outcome(
            index=index,
            message_id=message_id,
            records=tuple(records),
            skipped=skipped,
            warnings=tuple(warnings),
        )
