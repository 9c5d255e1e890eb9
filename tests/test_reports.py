"""Tests for the delivery reports and the counts behind them."""

from __future__ import annotations

import json

import attrs
import pytest

from clevertap_segment import (
    NestedPropertyError,
    Outcome,
    RecordFailure,
    SendReport,
    UploadReport,
)
from clevertap_segment._reports import MessageResult
from clevertap_segment._tally import MessageTracker, RecordTally


def _failure(position: int, message_index: int = 0, *, retryable: bool = False) -> RecordFailure:
    return RecordFailure(
        record={"type": "event", "identity": "u"},
        position=position,
        code=None if retryable else 515,
        error="HTTP 503" if retryable else "Email is not valid.",
        retryable=retryable,
        http_status=503 if retryable else 200,
        message_index=message_index,
        message_id=f"m-{message_index}",
    )


class TestUploadReport:
    def test_empty(self) -> None:
        """An empty report is ok and counts nothing."""
        report = UploadReport()
        assert report.ok
        assert (report.records, report.processed, report.failed) == (0, 0, 0)

    def test_not_ok_with_failures(self) -> None:
        """A report with a failed record is not ok."""
        assert not UploadReport(records=1, failed=1, failures=(_failure(0),)).ok

    def test_frozen(self) -> None:
        """Reports cannot be changed."""
        with pytest.raises(attrs.exceptions.FrozenInstanceError):
            UploadReport().processed = 3  # type: ignore[misc]

    def test_to_dict_is_json(self) -> None:
        """A report becomes plain JSON-ready data."""
        report = UploadReport(records=2, processed=1, failed=1, failures=(_failure(1),))
        data = json.loads(json.dumps(report.to_dict()))
        assert data["failures"][0]["code"] == 515
        assert data["failures"][0]["record"] == {"type": "event", "identity": "u"}


class TestSendReport:
    def test_delegates_counts(self) -> None:
        """processed, requests and retries come from the upload report."""
        report = SendReport(upload=UploadReport(processed=4, requests=2, retries=1))
        assert (report.processed, report.requests, report.retries) == (4, 2, 1)

    def test_ok(self) -> None:
        """A send is ok without rejected or failed messages."""
        assert SendReport(messages=2, skipped=1, delivered=1).ok
        assert not SendReport(messages=1, rejected=1).ok

    def test_to_dict_is_json(self) -> None:
        """A send report becomes plain JSON-ready data."""
        result = MessageResult(index=0, status="rejected", stage="translate", error="bad")
        data = SendReport(messages=1, rejected=1, failures=(result,)).to_dict()
        assert json.loads(json.dumps(data))["failures"][0]["status"] == "rejected"


class TestMessageResult:
    def test_status_checked(self) -> None:
        """Only the four statuses are allowed."""
        with pytest.raises(ValueError, match="status"):
            MessageResult(index=0, status="lost")


class TestRecordTally:
    def test_counts(self) -> None:
        """Accepted and failed records add up to the records taken."""
        tally = RecordTally()
        tally.records = 3
        tally.accepted(None, 2)
        tally.failure(_failure(2))
        report = tally.report()
        assert (report.records, report.processed, report.failed) == (3, 2, 1)

    def test_failures_sorted_by_position(self) -> None:
        """Failures come out by position, whatever order they settled in."""
        tally = RecordTally()
        for position in (5, 1, 3):
            tally.failure(_failure(position))
        assert [f.position for f in tally.report().failures] == [1, 3, 5]

    def test_keep_failures_off(self) -> None:
        """Without keep_failures, failures are counted and streamed, not kept."""
        seen: list[RecordFailure] = []
        tally = RecordTally(keep_failures=False, on_failure=seen.append)
        tally.failure(_failure(0))
        assert tally.report().failures == ()
        assert tally.report().failed == 1
        assert len(seen) == 1

    def test_progress(self) -> None:
        """Progress reports records done and failed."""
        calls: list[tuple[int, int]] = []
        tally = RecordTally(progress=lambda done, failed: calls.append((done, failed)))
        tally.accepted(None, 5)
        tally.failure(_failure(5))
        tally.report_progress()
        assert calls == [(6, 1)]


class TestMessageTracker:
    def test_rejected(self) -> None:
        """A translation error makes a rejected message with stage 'translate'."""
        tracker = MessageTracker()
        error = NestedPropertyError("nested", path="properties.a")
        tracker.translated(Outcome(index=0, message_id="m", error=error))
        (result,) = tracker.report(UploadReport()).failures
        assert (result.status, result.stage, result.error_type) == (
            "rejected",
            "translate",
            "NestedPropertyError",
        )
        assert result.error == "nested @ properties.a"

    def test_skipped_is_counted_not_kept(self) -> None:
        """A skipped message is counted, reported to on_message, and not kept."""
        seen: list[MessageResult] = []
        tracker = MessageTracker(on_message=seen.append)
        tracker.translated(Outcome(index=0, skipped="disabled by integrations"))
        report = tracker.report(UploadReport())
        assert (report.skipped, report.failures) == (1, ())
        assert seen[0].status == "skipped"

    def test_no_records_is_delivered(self) -> None:
        """A message that became no records counts as delivered."""
        tracker = MessageTracker()
        tracker.translated(Outcome(index=0))
        assert tracker.report(UploadReport()).delivered == 1

    def test_delivered_once_all_records_settle(self) -> None:
        """A message is delivered when its last record is accepted."""
        tracker = MessageTracker()
        tracker.translated(Outcome(index=0, records=({"a": 1}, {"b": 2})))
        tracker.record_settled(0, None)
        assert tracker.report(UploadReport()).delivered == 0
        tracker.record_settled(0, None)
        assert tracker.report(UploadReport()).delivered == 1

    def test_one_failed_record_fails_the_message(self) -> None:
        """Any failed record fails its message, once."""
        tracker = MessageTracker()
        tracker.translated(Outcome(index=3, message_id="m-3", records=({"a": 1}, {"b": 2})))
        tracker.record_settled(3, _failure(7, 3))
        tracker.record_settled(3, None)
        report = tracker.report(UploadReport())
        assert (report.failed, report.delivered) == (1, 0)
        (result,) = report.failures
        assert (result.index, result.message_id, result.stage, result.code) == (
            3,
            "m-3",
            "deliver",
            515,
        )
        assert not result.retryable

    def test_retryable_if_any_failure_is(self) -> None:
        """A failed message is retryable when any of its failures is."""
        tracker = MessageTracker()
        tracker.translated(Outcome(index=0, records=({"a": 1}, {"b": 2})))
        tracker.record_settled(0, _failure(0))
        tracker.record_settled(0, _failure(1, retryable=True))
        assert tracker.report(UploadReport()).failures[0].retryable

    def test_abandon(self) -> None:
        """Messages still waiting for records when an upload stops are failed, retryable."""
        tracker = MessageTracker()
        tracker.translated(Outcome(index=0, records=({"a": 1},)))
        tracker.abandon("stopped")
        report = tracker.report(UploadReport())
        assert report.failed == 1
        assert report.failures[0].error == "not sent: stopped"
        assert report.failures[0].retryable

    def test_warned(self) -> None:
        """Messages with warnings are counted."""
        tracker = MessageTracker()
        tracker.translated(Outcome(index=0, warnings=("dropped x",)))
        assert tracker.report(UploadReport()).warned == 1
