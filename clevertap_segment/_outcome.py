"""The result of translating one message in a stream."""

from __future__ import annotations

from typing import Any, Optional

import attrs

from ._exceptions import TranslationError


@attrs.frozen(kw_only=True)
class Outcome:
    """What became of one input message in :func:`translate_many`.

    Exactly one of three things happened: the message was translated (``records`` holds its
    records, possibly none), it was skipped on purpose (``skipped`` says why, for example its
    ``integrations`` object disables CleverTap), or it failed (``error`` says why).

    Attributes:
        index: 0-based position of the message in the input.
        message_id: The message's ``messageId`` (or ``message_id``), or ``None``.
        records: The CleverTap records the message became.
        error: The translation error, or ``None``.
        skipped: Why the message was skipped on purpose, or ``None``.
        warnings: Fields that were changed or left out on the way, one sentence each.
    """

    index: int
    message_id: Optional[str] = None
    records: tuple[dict[str, Any], ...] = ()
    error: Optional[TranslationError] = None
    skipped: Optional[str] = None
    warnings: tuple[str, ...] = ()

    @property
    def ok(self) -> bool:
        """True when the message translated without error (skipped messages are ok)."""
        return self.error is None
