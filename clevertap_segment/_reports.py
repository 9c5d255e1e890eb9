"""What became of the records and messages handed to the sender.

Every record given to :meth:`Client.upload` ends up in exactly one of two places: counted in
``processed`` (CleverTap accepted it) or described by a :class:`RecordFailure`. Every message given
to :meth:`Client.send` is counted exactly once as skipped, rejected, delivered or failed.
"""

from __future__ import annotations

from typing import Any, Optional

import attrs
import cattrs

#: What can become of a message, in :attr:`MessageResult.status`.
MESSAGE_STATUSES = ("skipped", "rejected", "delivered", "failed")

#: Where a message went wrong, in :attr:`MessageResult.stage`.
STAGES = ("translate", "deliver")


@attrs.frozen(kw_only=True)
class RecordFailure:
    """A record CleverTap did not accept, and why.

    Attributes:
        record: The record as it was handed to the sender.
        position: 0-based position of the record in the sender's input (for :meth:`Client.send`,
            in the stream of records the messages became).
        code: CleverTap's per-record error code (such as 515, invalid email), or ``None`` when the
            whole request failed or never got an answer.
        error: What went wrong, in words.
        retryable: Whether sending the record again later could succeed: true for network
            trouble, server errors and records never sent; false for records CleverTap judged
            invalid and for requests it refused as malformed.
        http_status: The HTTP status of the last answer, or ``None`` when there was none (a
            timeout, a dropped connection, a record never sent).
        message_index: 0-based position of the Segment message the record came from (only with
            :meth:`Client.send`).
        message_id: That message's ``messageId``, when it has one.
    """

    record: Any
    position: int
    code: Optional[int] = None
    error: str
    retryable: bool
    http_status: Optional[int] = None
    message_index: Optional[int] = None
    message_id: Optional[str] = None


@attrs.frozen(kw_only=True)
class UploadReport:
    """The result of :meth:`Client.upload` (and :meth:`Client.delete_profiles`).

    ``processed + failed == records`` always holds.

    Attributes:
        records: Records taken from the input.
        processed: Records CleverTap accepted.
        failed: Records not accepted.
        failures: One :class:`RecordFailure` per record not accepted, by position; empty when the
            upload was asked not to keep them (``keep_failures=False``).
        requests: HTTP requests made, retries included.
        retries: Requests that repeated an earlier one.
    """

    records: int = 0
    processed: int = 0
    failed: int = 0
    failures: tuple[RecordFailure, ...] = ()
    requests: int = 0
    retries: int = 0

    @property
    def ok(self) -> bool:
        """True when every record was accepted."""
        return self.failed == 0

    def to_dict(self) -> dict[str, Any]:
        """The report as plain data, ready for JSON."""
        data: dict[str, Any] = _converter.unstructure(self)
        return data


@attrs.frozen(kw_only=True)
class MessageResult:
    """What became of one Segment message in :meth:`Client.send`.

    Attributes:
        index: 0-based position of the message in the input.
        message_id: The message's ``messageId``, when it has one.
        status: ``"skipped"`` (left out on purpose), ``"rejected"`` (could not be translated),
            ``"delivered"`` (CleverTap accepted all of its records) or ``"failed"`` (at least one
            of its records was not accepted).
        stage: ``"translate"`` for rejected messages, ``"deliver"`` for failed ones, else ``None``.
        code: The CleverTap code of the first failed record, when there is one.
        error: Why the message was skipped, rejected or failed (for a failed message, the error of
            its first failed record).
        error_type: The translation error's class name, such as ``"NestedPropertyError"``, for
            rejected messages.
        retryable: Whether sending the message again later could deliver what failed.
        records: How many records the message became.
        failures: Its records that were not accepted.
        warnings: What translation changed or left out, one sentence each.
    """

    index: int
    message_id: Optional[str] = None
    status: str = attrs.field(validator=attrs.validators.in_(MESSAGE_STATUSES))
    stage: Optional[str] = None
    code: Optional[int] = None
    error: Optional[str] = None
    error_type: Optional[str] = None
    retryable: bool = False
    records: int = 0
    failures: tuple[RecordFailure, ...] = ()
    warnings: tuple[str, ...] = ()


@attrs.frozen(kw_only=True)
class SendReport:
    """The result of :meth:`Client.send`.

    ``skipped + rejected + delivered + failed == messages`` always holds. Only rejected and failed
    messages are described one by one (in ``failures``): memory does not grow with the messages
    that went well.

    Attributes:
        messages: Messages taken from the input.
        skipped: Messages left out on purpose (their ``integrations`` disable CleverTap, …).
        rejected: Messages that could not be translated.
        delivered: Messages all of whose records CleverTap accepted (a message that became no
            records counts as delivered).
        failed: Messages with at least one record CleverTap did not accept.
        warned: Messages translated with at least one warning.
        failures: One :class:`MessageResult` per rejected or failed message, by index; empty when
            the send was asked not to keep them (``keep_failures=False``).
        upload: The report on the records the messages became.
    """

    messages: int = 0
    skipped: int = 0
    rejected: int = 0
    delivered: int = 0
    failed: int = 0
    warned: int = 0
    failures: tuple[MessageResult, ...] = ()
    upload: UploadReport = attrs.field(factory=UploadReport)

    @property
    def ok(self) -> bool:
        """True when no message was rejected or failed."""
        return self.rejected == 0 and self.failed == 0

    @property
    def processed(self) -> int:
        """Records CleverTap accepted."""
        return self.upload.processed

    @property
    def requests(self) -> int:
        """HTTP requests made, retries included."""
        return self.upload.requests

    @property
    def retries(self) -> int:
        """Requests that repeated an earlier one."""
        return self.upload.retries

    def to_dict(self) -> dict[str, Any]:
        """The report as plain data, ready for JSON."""
        data: dict[str, Any] = _converter.unstructure(self)
        return data


# Our own converter: never register hooks on cattrs' global one.
_converter = cattrs.Converter()
