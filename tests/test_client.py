"""Tests for the sender, over real HTTP against FakeCleverTap on loopback (nothing is mocked)."""

from __future__ import annotations

import importlib
import json
import logging
import socket
import sys
import time
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from email.utils import format_datetime
from typing import Any, Callable

import pytest
import requests
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from clevertap_segment import (
    AuthenticationError,
    CleverTapSegmentError,
    Client,
    DeliveryError,
    MissingDependencyError,
    RecordFailure,
    RetryPolicy,
    SendReport,
    UploadReport,
)
from clevertap_segment._reports import MessageResult
from clevertap_segment.testing import FakeCleverTap

ACCOUNT = "TEST-ACCOUNT"
# Distinctive, so that a leak is found by searching for it.
PASSCODE = "pc-7f3a9c1e-SECRET"

MakeClient = Callable[..., Client]


@pytest.fixture
def fake() -> Iterator[FakeCleverTap]:
    with FakeCleverTap(account_id=ACCOUNT, passcode=PASSCODE) as server:
        yield server


@pytest.fixture
def sleeps() -> list[float]:
    """The waits the client asked for; nothing really sleeps."""
    return []


@pytest.fixture
def make_client(fake: FakeCleverTap, sleeps: list[float]) -> Iterator[MakeClient]:
    clients: list[Client] = []

    def make(**settings: Any) -> Client:
        arguments: dict[str, Any] = {
            "account_id": ACCOUNT,
            "passcode": PASSCODE,
            "endpoint": fake.url,
            "sleep": sleeps.append,
            **settings,
        }
        client = Client(**arguments)
        clients.append(client)
        return client

    yield make
    for client in clients:
        client.close()


@pytest.fixture
def client(make_client: MakeClient) -> Client:
    return make_client()


def event(index: int, **extra: Any) -> dict[str, Any]:
    return {
        "type": "event",
        "identity": f"u-{index}",
        "evtName": "Product Viewed",
        "evtData": {"n": index},
        **extra,
    }


def nested_event(index: int) -> dict[str, Any]:
    """An event CleverTap rejects with 512 (nested event data)."""
    return event(index, evtData={"n": index, "deep": {"x": 1}})


def token(index: int) -> dict[str, Any]:
    return {"type": "token", "objectId": f"o-{index}", "tokenData": {"id": "t", "type": "fcm"}}


def answer_body(status: str, processed: int, *rejected: tuple[int, int, str]) -> str:
    """A CleverTap 200 body rejecting (record number, code, text) entries."""
    return json.dumps(
        {
            "status": status,
            "processed": processed,
            "unprocessed": [
                {"status": "fail", "code": code, "error": f"{text}Skipped record number : {k}"}
                for k, code, text in rejected
            ],
        }
    )


def sent_bodies(fake: FakeCleverTap) -> list[list[Any]]:
    return [request.body["d"] for request in fake.requests if request.body is not None]


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


class TestConstruction:
    @pytest.mark.parametrize("region", ["in1", "in1.", "IN1", "in"])
    def test_region_forms(self, region: str) -> None:
        """Segment's region forms all select in1."""
        with Client(account_id=ACCOUNT, passcode=PASSCODE, region=region) as client:
            assert client.base_url == "https://in1.api.clevertap.com"

    def test_default_region(self) -> None:
        """The default region is eu1 on api.clevertap.com."""
        with Client(account_id=ACCOUNT, passcode=PASSCODE) as client:
            assert (client.region, client.base_url) == ("eu1", "https://api.clevertap.com")

    def test_unknown_region(self) -> None:
        """An unknown region fails at construction, listing the valid ones."""
        with pytest.raises(ValueError, match="valid regions: eu1, in1, sg1, us1, aps3, mec1, sk1"):
            Client(account_id=ACCOUNT, passcode=PASSCODE, region="xx9")

    def test_endpoint_must_be_https(self) -> None:
        """A plain-http endpoint off loopback is refused."""
        with pytest.raises(ValueError, match="https"):
            Client(account_id=ACCOUNT, passcode=PASSCODE, endpoint="http://proxy.example")

    def test_keyword_only(self) -> None:
        """Settings are given by name, so account and passcode cannot be swapped."""
        with pytest.raises(TypeError):
            Client(ACCOUNT, PASSCODE)  # type: ignore[call-arg]

    @pytest.mark.parametrize(
        ("setting", "value"),
        [
            ("max_concurrency", 16),
            ("max_concurrency", 0),
            ("max_batch_records", 1001),
            ("max_batch_bytes", 10),
            ("timeout", 0),
            ("timeout", float("nan")),
            ("account_id", ""),
            ("passcode", " "),
        ],
    )
    def test_rejects_bad_settings(self, setting: str, value: Any) -> None:
        """Out-of-range settings are a ValueError naming the setting."""
        arguments = {"account_id": ACCOUNT, "passcode": PASSCODE, setting: value}
        with pytest.raises(ValueError, match=setting):
            Client(**arguments)

    def test_rejects_unverified_session(self) -> None:
        """A session with TLS verification off is refused."""
        with requests.Session() as session:
            session.verify = False
            with pytest.raises(ValueError, match="TLS verification"):
                Client(account_id=ACCOUNT, passcode=PASSCODE, session=session)

    def test_missing_requests(self, monkeypatch: pytest.MonkeyPatch) -> None:
        """Without requests, importing the client names the extra to install."""
        monkeypatch.setitem(sys.modules, "requests", None)
        monkeypatch.delitem(sys.modules, "clevertap_segment._client")
        with pytest.raises(MissingDependencyError, match=r"clevertap-segment\[http\]"):
            importlib.import_module("clevertap_segment._client")

    def test_missing_requests_is_an_import_error(self, monkeypatch: pytest.MonkeyPatch) -> None:
        """The missing extra can be caught as ImportError."""
        monkeypatch.setitem(sys.modules, "requests", None)
        monkeypatch.delitem(sys.modules, "clevertap_segment._client")
        with pytest.raises(ImportError):
            importlib.import_module("clevertap_segment._client")


class TestUpload:
    def test_delivers_everything(self, client: Client, fake: FakeCleverTap) -> None:
        """Valid records are all accepted and reported processed."""
        records = [event(i) for i in range(10)]
        report = client.upload(records)
        assert (report.records, report.processed, report.failed, report.ok) == (10, 10, 0, True)
        assert fake.records == records

    def test_headers(self, client: Client, fake: FakeCleverTap) -> None:
        """Requests carry the credentials, JSON content type and a User-Agent naming us."""
        client.upload([event(0)])
        request = fake.requests[0]
        assert request.header("X-CleverTap-Account-Id") == ACCOUNT
        assert request.header("X-CleverTap-Passcode") == PASSCODE
        assert request.header("Content-Type") == "application/json; charset=utf-8"
        assert (request.header("User-Agent") or "").startswith("clevertap-segment/")

    def test_path_and_no_query(self, client: Client, fake: FakeCleverTap) -> None:
        """Uploads go to /1/upload without a query."""
        client.upload([event(0)])
        assert (fake.requests[0].path, fake.requests[0].query) == ("/1/upload", {})

    def test_dry_run(self, make_client: MakeClient, fake: FakeCleverTap) -> None:
        """dry_run adds ?dryRun=1, and CleverTap stores nothing."""
        report = make_client(dry_run=True).upload([event(0)])
        assert fake.requests[0].query == {"dryRun": "1"}
        assert report.processed == 1
        assert fake.records == []

    def test_empty_input(self, client: Client, fake: FakeCleverTap) -> None:
        """No records, no requests."""
        assert client.upload([]) == UploadReport()
        assert fake.requests == []

    def test_reusable(self, client: Client, fake: FakeCleverTap) -> None:
        """A client serves several uploads."""
        client.upload([event(0)])
        client.upload([event(1)])
        assert len(fake.records) == 2


class TestBatching:
    def test_at_most_1000_records(self, client: Client, fake: FakeCleverTap) -> None:
        """Requests carry at most 1000 records."""
        client.upload(event(i) for i in range(2500))
        assert sorted(len(body) for body in sent_bodies(fake)) == [500, 1000, 1000]

    def test_configurable_record_limit(self, make_client: MakeClient, fake: FakeCleverTap) -> None:
        """max_batch_records lowers the limit."""
        make_client(max_batch_records=7).upload(event(i) for i in range(20))
        assert sorted(len(body) for body in sent_bodies(fake)) == [6, 7, 7]

    def test_at_most_100_tokens(self, client: Client, fake: FakeCleverTap) -> None:
        """Requests carry at most 100 token records."""
        report = client.upload(token(i) for i in range(250))
        assert report.processed == 250
        assert sorted(len(body) for body in sent_bodies(fake)) == [50, 100, 100]

    def test_byte_cap(self, make_client: MakeClient, fake: FakeCleverTap) -> None:
        """No request body exceeds max_batch_bytes."""
        report = make_client(max_batch_bytes=2048).upload(event(i) for i in range(200))
        assert report.processed == 200
        assert len(fake.requests) > 1
        assert all(len(request.raw_body) <= 2048 for request in fake.requests)

    def test_order_kept(self, make_client: MakeClient, fake: FakeCleverTap) -> None:
        """Records keep their input order within each batch."""
        records = [event(i) for i in range(50)]
        make_client(max_batch_records=10, max_concurrency=4).upload(records)
        bodies = sorted(sent_bodies(fake), key=lambda body: body[0]["evtData"]["n"])
        assert [record for body in bodies for record in body] == records

    def test_oversized_record_fails_alone(
        self, make_client: MakeClient, fake: FakeCleverTap
    ) -> None:
        """A record larger than the byte cap fails; the others go."""
        huge = event(1, evtData={"text": "x" * 5000})
        report = make_client(max_batch_bytes=2048).upload([event(0), huge, event(2)])
        assert report.processed == 2
        (failure,) = report.failures
        assert (failure.position, failure.record, failure.retryable) == (1, huge, False)
        assert "max_batch_bytes=2048" in failure.error

    def test_unserialisable_record_fails_alone(self, client: Client) -> None:
        """A record JSON cannot hold fails without stopping the upload."""
        bad = event(1, evtData={"price": float("nan")})
        report = client.upload([event(0), bad, event(2)])
        assert report.processed == 2
        assert report.failures[0].position == 1
        assert "cannot be serialised" in report.failures[0].error

    def test_non_object_record_fails(self, client: Client) -> None:
        """A record that is not a dict fails."""
        report = client.upload([event(0), "oops"])
        assert [(f.position, f.record) for f in report.failures] == [(1, "oops")]


class TestPartialAnswers:
    def test_failures_mapped_to_positions(
        self, make_client: MakeClient, fake: FakeCleverTap
    ) -> None:
        """Rejected records are reported at their input positions, across batches."""
        records = [nested_event(i) if i in (3, 14, 34) else event(i) for i in range(35)]
        report = make_client(max_batch_records=10, max_concurrency=3).upload(records)
        assert [f.position for f in report.failures] == [3, 14, 34]
        assert all(f.record is records[f.position] for f in report.failures)
        assert {(f.code, f.http_status, f.retryable) for f in report.failures} == {
            (512, 200, False)
        }
        assert report.processed == 32
        assert len(fake.records) == 32

    def test_error_text_without_position(self, client: Client) -> None:
        """A failure's error drops CleverTap's 'Skipped record number' suffix."""
        report = client.upload([nested_event(0)])
        assert "Skipped record number" not in report.failures[0].error
        assert "nested" in report.failures[0].error

    def test_mapping_by_number_not_echo(self, client: Client, fake: FakeCleverTap) -> None:
        """The record number decides which record failed, not the echoed record."""
        body = json.dumps(
            {
                "status": "partial",
                "processed": 2,
                "unprocessed": [
                    {
                        "status": "fail",
                        "code": 515,
                        "error": "Email is not valid.Skipped record number : 2",
                        "record": event(0),
                    }
                ],
            }
        )
        fake.fail_next(status=200, body=body)
        report = client.upload([event(0), event(1), event(2)])
        assert [(f.position, f.code) for f in report.failures] == [(1, 515)]

    def test_code_555_retried_once(self, client: Client, fake: FakeCleverTap) -> None:
        """Records CleverTap answers 555 for are sent once more, alone."""
        fake.fail_next(status=200, body=answer_body("partial", 2, (2, 555, "Oops.")))
        report = client.upload([event(0), event(1), event(2)])
        assert (report.processed, report.failed, report.requests, report.retries) == (3, 0, 2, 1)
        assert sent_bodies(fake)[-1] == [event(1)]

    def test_code_555_twice_fails(self, client: Client, fake: FakeCleverTap) -> None:
        """A record answered 555 twice fails, marked retryable."""
        fake.fail_next(status=200, body=answer_body("partial", 1, (2, 555, "Oops.")))
        fake.fail_next(status=200, body=answer_body("fail", 0, (1, 555, "Oops again.")))
        report = client.upload([event(0), event(1)])
        (failure,) = report.failures
        assert (failure.position, failure.code, failure.retryable) == (1, 555, True)
        assert report.requests == 2

    def test_code_555_respects_attempts(self, make_client: MakeClient, fake: FakeCleverTap) -> None:
        """With a single attempt allowed, a 555 record fails at once."""
        fake.fail_next(status=200, body=answer_body("fail", 0, (1, 555, "Oops.")))
        report = make_client(retry=RetryPolicy.never()).upload([event(0)])
        assert (report.failures[0].code, report.requests) == (555, 1)

    def test_malformed_200_is_retried(self, client: Client, fake: FakeCleverTap) -> None:
        """A 200 with a body that is not CleverTap's is not counted as delivered, but retried."""
        fake.malformed_next()
        report = client.upload([event(0)])
        assert (report.processed, report.requests) == (1, 2)

    def test_malformed_200_fails_batch(self, make_client: MakeClient, fake: FakeCleverTap) -> None:
        """When malformed answers persist, the whole batch fails, retryable."""
        fake.malformed_next(3)
        report = make_client(retry=RetryPolicy(max_attempts=3)).upload([event(0), event(1)])
        assert report.processed == 0
        assert [(f.position, f.http_status, f.retryable) for f in report.failures] == [
            (0, 200, True),
            (1, 200, True),
        ]
        assert "not JSON" in report.failures[0].error

    def test_empty_200_fails_batch(self, make_client: MakeClient, fake: FakeCleverTap) -> None:
        """A 200 without a body is never taken for delivery."""
        fake.fail_next(status=200, body="")
        report = make_client(retry=RetryPolicy.never()).upload([event(0)])
        assert report.failed == 1

    def test_processed_mismatch_logged(
        self, client: Client, fake: FakeCleverTap, caplog: pytest.LogCaptureFixture
    ) -> None:
        """A 'processed' count that disagrees with the list is logged; the list wins."""
        fake.fail_next(status=200, body=answer_body("success", 1))
        with caplog.at_level(logging.WARNING, logger="clevertap_segment"):
            report = client.upload([event(0), event(1)])
        assert report.processed == 2
        assert "said 1 record(s) were processed" in caplog.text


class TestRetries:
    @pytest.mark.parametrize("status", [429, 500, 502, 503, 504])
    def test_transient_statuses_retried(
        self, client: Client, fake: FakeCleverTap, status: int
    ) -> None:
        """429 and transient 5xx answers are retried."""
        fake.fail_next(2, status=status)
        report = client.upload([event(0)])
        assert (report.processed, report.requests, report.retries) == (1, 3, 2)

    def test_backoff_grows(self, make_client: MakeClient, fake: FakeCleverTap) -> None:
        """Waits stay under an exponentially growing ceiling."""
        sleeps: list[float] = []
        fake.fail_next(4, status=503)
        make_client(sleep=sleeps.append, retry=RetryPolicy(initial=1, max_wait=5)).upload(
            [event(0)]
        )
        assert len(sleeps) == 4
        assert all(0 <= wait <= ceiling for wait, ceiling in zip(sleeps, [1, 2, 4, 5]))

    def test_gives_up_after_max_attempts(
        self, make_client: MakeClient, fake: FakeCleverTap
    ) -> None:
        """A batch is tried max_attempts times, then its records fail, retryable."""
        fake.fail_next(10, status=503)
        report = make_client(retry=RetryPolicy(max_attempts=3)).upload([event(0), event(1)])
        assert (report.requests, report.retries, report.processed) == (3, 2, 0)
        for failure in report.failures:
            assert (failure.code, failure.http_status, failure.retryable) == (None, 503, True)
            assert "HTTP 503" in failure.error
            assert "gave up after 3 attempts" in failure.error

    def test_deadline_bounds_time(self, make_client: MakeClient, fake: FakeCleverTap) -> None:
        """A batch stops retrying when the next wait would pass the deadline."""
        now = [0.0]

        def sleep(seconds: float) -> None:
            now[0] += seconds

        fake.fail_next(50, status=503, retry_after="10")
        policy = RetryPolicy(max_attempts=50, max_wait=10, deadline=25)
        report = make_client(sleep=sleep, clock=lambda: now[0], retry=policy).upload([event(0)])
        assert report.requests == 3
        assert now[0] == 20
        assert "retry deadline of 25 s" in report.failures[0].error

    def test_retry_after_seconds(
        self, client: Client, fake: FakeCleverTap, sleeps: list[float]
    ) -> None:
        """Retry-After in seconds sets the wait."""
        fake.fail_next(status=429, retry_after="7")
        client.upload([event(0)])
        assert sleeps == [7.0]

    def test_retry_after_date(
        self, client: Client, fake: FakeCleverTap, sleeps: list[float]
    ) -> None:
        """Retry-After as an HTTP date sets the wait."""
        when = datetime.now(timezone.utc) + timedelta(seconds=20)
        fake.fail_next(status=503, retry_after=format_datetime(when, usegmt=True))
        client.upload([event(0)])
        assert 15 < sleeps[0] <= 20

    def test_retry_after_capped(
        self, make_client: MakeClient, fake: FakeCleverTap, sleeps: list[float]
    ) -> None:
        """A Retry-After beyond max_wait waits max_wait."""
        fake.fail_next(status=503, retry_after="86400")
        make_client(retry=RetryPolicy(max_wait=30)).upload([event(0)])
        assert sleeps == [30]

    @pytest.mark.parametrize("status", [400, 404, 413, 422])
    def test_client_errors_not_retried(
        self, client: Client, fake: FakeCleverTap, status: int
    ) -> None:
        """Other 4xx answers fail the batch at once, not retryable."""
        fake.fail_next(status=status)
        report = client.upload([event(0)])
        assert report.requests == 1
        (failure,) = report.failures
        assert (failure.http_status, failure.retryable, failure.code) == (status, False, None)
        assert failure.error.startswith(f"HTTP {status}")

    def test_validation_failures_not_retried(self, client: Client, fake: FakeCleverTap) -> None:
        """Per-record validation failures are final."""
        client.upload([nested_event(0)])
        assert len(fake.requests) == 1

    def test_dropped_connection_retried(self, client: Client, fake: FakeCleverTap) -> None:
        """A connection closed without an answer is retried."""
        fake.drop_next(2)
        report = client.upload([event(0)])
        assert (report.processed, report.requests) == (1, 3)

    def test_dropped_connections_give_up(
        self, make_client: MakeClient, fake: FakeCleverTap
    ) -> None:
        """Connections dropped every time fail the batch without a status."""
        fake.drop_next(2)
        report = make_client(retry=RetryPolicy(max_attempts=2)).upload([event(0)])
        (failure,) = report.failures
        assert (failure.http_status, failure.retryable) == (None, True)
        assert "connection failed" in failure.error

    def test_connection_refused(self, sleeps: list[float]) -> None:
        """No server at all: the batch is retried, then fails retryable."""
        endpoint = f"http://127.0.0.1:{closed_port()}"
        policy = RetryPolicy(max_attempts=2)
        with Client(
            account_id=ACCOUNT,
            passcode=PASSCODE,
            endpoint=endpoint,
            retry=policy,
            sleep=sleeps.append,
        ) as client:
            report = client.upload([event(0)])
        assert (report.requests, report.failed, report.failures[0].retryable) == (2, 1, True)

    def test_timeout_retried_at_least_once(
        self, make_client: MakeClient, fake: FakeCleverTap
    ) -> None:
        """A timed-out request is retried; CleverTap may then hold the records twice."""
        fake.delay_next(seconds=0.4)
        report = make_client(timeout=0.1).upload([event(0)])
        assert report.processed == 1
        assert report.requests >= 2  # more if a retry also timed out on a busy machine
        deadline = time.monotonic() + 5
        while len(fake.records) < report.requests and time.monotonic() < deadline:
            time.sleep(0.02)
        assert fake.records == [event(0)] * report.requests

    def test_timeout_gives_up(self, make_client: MakeClient, fake: FakeCleverTap) -> None:
        """Persistent timeouts fail the batch, saying records may have been stored."""
        fake.delay_next(seconds=0.3)
        report = make_client(timeout=0.1, retry=RetryPolicy.never()).upload([event(0)])
        assert "no answer within 0.1 s" in report.failures[0].error
        assert report.failures[0].retryable


class TestAuthentication:
    def test_wrong_passcode_raises(self, fake: FakeCleverTap, sleeps: list[float]) -> None:
        """A 401 raises AuthenticationError at once, without retrying."""
        client = Client(account_id=ACCOUNT, passcode="wrong", endpoint=fake.url)
        with client, pytest.raises(AuthenticationError) as info:
            client.upload([event(0)])
        assert info.value.status_code == 401
        assert "Invalid Passcode" in str(info.value)
        assert len(fake.requests) == 1

    def test_forbidden_raises(self, client: Client, fake: FakeCleverTap) -> None:
        """A 403 raises too."""
        fake.fail_next(status=403)
        with pytest.raises(AuthenticationError) as info:
            client.upload([event(0)])
        assert info.value.status_code == 403

    def test_in_the_exception_tree(self) -> None:
        """AuthenticationError is a DeliveryError and a CleverTapSegmentError."""
        assert issubclass(AuthenticationError, DeliveryError)
        assert issubclass(AuthenticationError, CleverTapSegmentError)

    def test_report_attached(self, make_client: MakeClient, fake: FakeCleverTap) -> None:
        """The report so far is attached and accounts for every record taken."""
        fake.fail_next(status=401)
        client = make_client(max_batch_records=10, max_concurrency=1)
        with pytest.raises(AuthenticationError) as info:
            client.upload(event(i) for i in range(100))
        report = info.value.report
        assert isinstance(report, UploadReport)
        assert report.processed + report.failed == report.records
        assert report.records < 100
        assert {f.retryable for f in report.failures} == {True}

    def test_stops_reading_input(self, make_client: MakeClient, fake: FakeCleverTap) -> None:
        """After a 401 no more input is read."""
        taken = []

        def records() -> Iterator[dict[str, Any]]:
            for index in range(100_000):
                taken.append(index)
                yield event(index)

        fake.fail_next(status=401)
        with pytest.raises(AuthenticationError):
            make_client(max_batch_records=10, max_concurrency=2).upload(records())
        assert len(taken) <= 50

    def test_auth_failure_in_body(self, client: Client, fake: FakeCleverTap) -> None:
        """A 200 whose body refuses the credentials raises too."""
        fake.fail_next(
            status=200, body='{"status": "fail", "error": "Account ID is not valid", "code": 401}'
        )
        with pytest.raises(AuthenticationError, match="Account ID is not valid"):
            client.upload([event(0)])

    def test_client_usable_after(self, client: Client, fake: FakeCleverTap) -> None:
        """An authentication error does not break the client."""
        fake.fail_next(status=401)
        with pytest.raises(AuthenticationError):
            client.upload([event(0)])
        assert client.upload([event(1)]).processed == 1


class TestRedirects:
    def test_not_followed(self, client: Client, fake: FakeCleverTap) -> None:
        """A 302 is not followed and not retried: the batch fails."""
        with FakeCleverTap(account_id=ACCOUNT, passcode=PASSCODE) as elsewhere:
            fake.redirect_next(location=elsewhere.url + "/1/upload")
            report = client.upload([event(0)])
            assert elsewhere.requests == []
        assert len(fake.requests) == 1
        (failure,) = report.failures
        assert (failure.http_status, failure.retryable) == (302, False)
        assert "redirect" in failure.error
        assert "refused" in failure.error


class TestConcurrency:
    def test_bounded_by_max_concurrency(self, make_client: MakeClient, fake: FakeCleverTap) -> None:
        """Never more than max_concurrency requests in flight, and more than one."""
        fake.fail_randomly(1.0, faults=("delay",), delay_seconds=0.03)
        client = make_client(max_concurrency=3, max_batch_records=5)
        report = client.upload(event(i) for i in range(60))
        assert report.processed == 60
        assert 1 < fake.max_in_flight <= 3
        assert client.max_in_flight <= 3

    def test_single_request_at_a_time(self, make_client: MakeClient, fake: FakeCleverTap) -> None:
        """max_concurrency=1 sends one request at a time."""
        fake.fail_randomly(1.0, faults=("delay",), delay_seconds=0.01)
        make_client(max_concurrency=1, max_batch_records=5).upload(event(i) for i in range(30))
        assert fake.max_in_flight == 1

    def test_429_lowers_concurrency(self, make_client: MakeClient) -> None:
        """Above the server's limit, 429s lower the in-flight limit and everything arrives."""
        with FakeCleverTap(account_id=ACCOUNT, passcode=PASSCODE, max_concurrent=2) as fake:
            fake.fail_randomly(1.0, faults=("delay",), delay_seconds=0.03)
            client = make_client(endpoint=fake.url, max_concurrency=8, max_batch_records=5)
            report = client.upload(event(i) for i in range(80))
            statuses = [request.status for request in fake.requests]
        assert report.processed == 80
        assert 429 in statuses
        assert client._limit.limit < 8


class TestStreaming:
    def test_input_read_lazily(self, make_client: MakeClient) -> None:
        """Only the batches in flight are read ahead of the answers."""
        taken: list[int] = []
        ahead: list[int] = []

        def records() -> Iterator[dict[str, Any]]:
            for index in range(200):
                taken.append(index)
                yield event(index)

        client = make_client(max_batch_records=10, max_concurrency=2)
        client.upload(records(), progress=lambda done, failed: ahead.append(len(taken) - done))
        assert max(ahead) <= 10 * (2 + 1) + 1

    def test_progress(self, make_client: MakeClient) -> None:
        """progress gets records done and failures so far, ending with the totals."""
        calls: list[tuple[int, int]] = []
        records = [nested_event(i) if i % 10 == 0 else event(i) for i in range(50)]
        make_client(max_batch_records=10).upload(
            records, progress=lambda done, failed: calls.append((done, failed))
        )
        assert calls[-1] == (50, 5)
        assert calls == sorted(calls)

    def test_on_failure_streams(self, client: Client) -> None:
        """on_failure sees each failure; keep_failures=False keeps none in the report."""
        seen: list[RecordFailure] = []
        report = client.upload(
            [nested_event(0), event(1)], on_failure=seen.append, keep_failures=False
        )
        assert [f.position for f in seen] == [0]
        assert (report.failed, report.failures) == (1, ())


class TestInterruption:
    def test_exception_in_input_propagates(self, client: Client, fake: FakeCleverTap) -> None:
        """An error raised by the input stops the upload and propagates."""

        def records() -> Iterator[dict[str, Any]]:
            yield event(0)
            msg = "broken input"
            raise OSError(msg)

        with pytest.raises(OSError, match="broken input"):
            client.upload(records())
        assert client.upload([event(1)]).processed == 1

    def test_keyboard_interrupt_settles_in_flight(self, make_client: MakeClient) -> None:
        """Ctrl-C waits for requests in flight, tells progress, then propagates."""
        calls: list[tuple[int, int]] = []

        def progress(done: int, failed: int) -> None:
            calls.append((done, failed))
            if len(calls) == 1:
                raise KeyboardInterrupt

        client = make_client(max_batch_records=10, max_concurrency=3)
        with pytest.raises(KeyboardInterrupt):
            client.upload((event(i) for i in range(1000)), progress=progress)
        assert len(calls) == 2
        assert calls[-1][0] >= calls[0][0]

    def test_interrupt_while_sending_inline(
        self, make_client: MakeClient, fake: FakeCleverTap
    ) -> None:
        """Ctrl-C during a request sent from the calling thread fails its records, retryable."""

        def interrupt(seconds: float) -> None:
            raise KeyboardInterrupt

        seen: list[RecordFailure] = []
        fake.fail_next(status=503)
        client = make_client(max_concurrency=1, max_batch_records=10, sleep=interrupt)
        with pytest.raises(KeyboardInterrupt):
            client.upload((event(i) for i in range(100)), on_failure=seen.append)
        # The batch being sent, and the record that closed it (read, never sent).
        assert [failure.position for failure in seen] == list(range(11))
        assert all(failure.retryable for failure in seen)
        assert "interrupted while being sent" in seen[0].error
        assert seen[10].error == "not sent: the upload was interrupted"

    def test_single_concurrency_needs_no_worker_thread(self, make_client: MakeClient) -> None:
        """With max_concurrency=1 requests go from the calling thread."""
        client = make_client(max_concurrency=1)
        client.upload([event(0)])
        assert client._executor is None


class TestDelete:
    def test_by_identity_in_chunks(self, client: Client, fake: FakeCleverTap) -> None:
        """Identities go 100 per request to /1/delete/profiles.json."""
        identities = [f"u-{i}" for i in range(250)]
        report = client.delete_profiles(identities=identities)
        assert (report.records, report.processed) == (250, 250)
        assert {request.path for request in fake.requests} == {"/1/delete/profiles.json"}
        chunks = sorted((body["identity"] for body in fake.deleted), key=len)
        assert [len(chunk) for chunk in chunks] == [50, 100, 100]

    def test_by_object_id(self, client: Client, fake: FakeCleverTap) -> None:
        """CleverTap IDs go as guid."""
        client.delete_profiles(object_ids=["g-1"])
        assert fake.deleted == [{"guid": ["g-1"]}]

    @pytest.mark.parametrize(
        "arguments", [{}, {"identities": ["a"], "object_ids": ["b"]}], ids=["neither", "both"]
    )
    def test_exactly_one_kind(self, client: Client, arguments: dict[str, Any]) -> None:
        """Exactly one of identities and object_ids."""
        with pytest.raises(ValueError, match="exactly one"):
            client.delete_profiles(**arguments)

    def test_refused_in_dry_run(self, make_client: MakeClient, fake: FakeCleverTap) -> None:
        """Nothing is deleted, or sent, in dry-run mode."""
        with pytest.raises(ValueError, match="dry-run"):
            make_client(dry_run=True).delete_profiles(identities=["a"])
        assert fake.requests == []

    def test_bad_identifier_fails_alone(self, client: Client, fake: FakeCleverTap) -> None:
        """An empty identifier fails; the others are deleted."""
        report = client.delete_profiles(identities=["a", "", "b"])
        assert [(f.position, f.record) for f in report.failures] == [(1, "")]
        assert fake.deleted == [{"identity": ["a", "b"]}]

    def test_retried(self, client: Client, fake: FakeCleverTap) -> None:
        """Deletes are retried like uploads."""
        fake.fail_next(status=502)
        assert client.delete_profiles(identities=["a"]).processed == 1

    def test_auth(self, client: Client, fake: FakeCleverTap) -> None:
        """A 401 raises."""
        fake.fail_next(status=401)
        with pytest.raises(AuthenticationError):
            client.delete_profiles(identities=["a"])


class TestLifecycle:
    def test_context_manager_closes(self, fake: FakeCleverTap) -> None:
        """Leaving the with block closes the client."""
        with Client(account_id=ACCOUNT, passcode=PASSCODE, endpoint=fake.url) as client:
            client.upload([event(0)])
        assert client.closed

    def test_closed_client_refuses(self, client: Client) -> None:
        """A closed client cannot upload."""
        client.close()
        with pytest.raises(RuntimeError, match="closed"):
            client.upload([event(0)])

    def test_close_twice(self, client: Client) -> None:
        """close() is idempotent."""
        client.upload([event(0)])
        client.close()
        client.close()

    def test_user_session_used_and_left_open(self, fake: FakeCleverTap) -> None:
        """A given session carries the requests and is not closed by the client."""

        class CountingSession(requests.Session):
            posts = 0
            closes = 0

            def post(self, *args: Any, **kwargs: Any) -> requests.Response:
                CountingSession.posts += 1
                return super().post(*args, **kwargs)

            def close(self) -> None:
                CountingSession.closes += 1
                super().close()

        session = CountingSession()
        with Client(account_id=ACCOUNT, passcode=PASSCODE, endpoint=fake.url, session=session):
            pass
        with Client(
            account_id=ACCOUNT, passcode=PASSCODE, endpoint=fake.url, session=session
        ) as client:
            client.upload([event(0)])
        assert (CountingSession.posts, CountingSession.closes) == (1, 0)
        session.close()


class TestSecrecy:
    def test_not_in_repr(self, client: Client) -> None:
        """repr and str of the client hide the passcode."""
        assert PASSCODE not in repr(client)
        assert PASSCODE not in str(client)
        assert PASSCODE not in repr(vars(client))

    @pytest.mark.parametrize(
        ("session_verify", "sent_verify"), [(False, True), (True, True), ("/ca.pem", "/ca.pem")]
    )
    def test_tls_verification_always_on(
        self, fake: FakeCleverTap, session_verify: Any, sent_verify: Any
    ) -> None:
        """Each request asks for TLS verification, even if the session turned it off later."""
        seen: list[Any] = []

        class SpySession(requests.Session):
            def post(self, *args: Any, **kwargs: Any) -> requests.Response:
                seen.append(kwargs.get("verify"))
                return super().post(*args, **kwargs)

        session = SpySession()
        with Client(account_id=ACCOUNT, passcode=PASSCODE, endpoint=fake.url, session=session) as c:
            session.verify = session_verify
            c.upload([event(0)])
        session.close()
        assert seen == [sent_verify]

    def test_not_in_construction_errors(self) -> None:
        """A bad setting's error does not echo the passcode."""
        with pytest.raises(ValueError, match="max_concurrency") as info:
            Client(account_id=ACCOUNT, passcode=PASSCODE, max_concurrency=99)
        assert PASSCODE not in str(info.value)

    def test_not_in_logs_reports_or_errors(
        self, make_client: MakeClient, fake: FakeCleverTap, caplog: pytest.LogCaptureFixture
    ) -> None:
        """Logs, reports and errors never carry the passcode, even when a server echoes it."""
        caplog.set_level(logging.DEBUG)
        client = make_client(retry=RetryPolicy(max_attempts=2))
        fake.fail_next(2, status=503, body=f"upstream said passcode={PASSCODE}")
        report = client.upload([event(0), nested_event(1)])
        fake.fail_next(status=400, body=f'{{"error": "bad {PASSCODE}", "code": 400}}')
        report_400 = client.upload([event(2)])
        fake.fail_next(status=401, body=f'{{"error": "wrong {PASSCODE}", "code": 401}}')
        with pytest.raises(AuthenticationError) as info:
            client.upload([event(3)])
        texts = [
            caplog.text,
            repr(report),
            json.dumps(report.to_dict()),
            repr(report_400),
            str(info.value),
            repr(info.value),
            repr(info.value.report),
        ]
        assert report.failures
        assert "***" in report.failures[0].error
        for text in texts:
            assert PASSCODE not in text


# -- send: Segment messages ---------------------------------------------------------------


def track(index: int, name: str = "Product Viewed", **extra: Any) -> dict[str, Any]:
    return {
        "type": "track",
        "userId": f"user-{index}",
        "event": name,
        "properties": {"n": index},
        "messageId": f"m-{index}",
        **extra,
    }


def group(index: int) -> dict[str, Any]:
    """A message translation rejects."""
    return {"type": "group", "groupId": "g", "userId": "u", "messageId": f"m-{index}"}


def skipped(index: int) -> dict[str, Any]:
    """A message whose integrations turn CleverTap off."""
    return track(index, integrations={"CleverTap": False})


def discarded(index: int) -> dict[str, Any]:
    """A message that translates, but that the server rejects (528)."""
    return track(index, name="Discarded Event")


@pytest.fixture
def strict_fake() -> Iterator[FakeCleverTap]:
    with FakeCleverTap(
        account_id=ACCOUNT, passcode=PASSCODE, discarded_event_names=["Discarded Event"]
    ) as server:
        yield server


def assert_accounted(report: SendReport, given: int) -> None:
    assert report.messages == given
    assert report.skipped + report.rejected + report.delivered + report.failed == given


class TestSend:
    def test_counts(self, make_client: MakeClient, strict_fake: FakeCleverTap) -> None:
        """Each message is skipped, rejected, delivered or failed, once."""
        messages = [track(0), group(1), skipped(2), discarded(3), track(4)]
        report = make_client(endpoint=strict_fake.url).send(messages)
        assert (report.skipped, report.rejected, report.delivered, report.failed) == (1, 1, 2, 1)
        assert_accounted(report, 5)
        assert report.upload.records == 3

    def test_failures_name_their_message(
        self, make_client: MakeClient, strict_fake: FakeCleverTap
    ) -> None:
        """Rejected and failed messages carry index, message ID, stage, code and error."""
        report = make_client(endpoint=strict_fake.url).send([group(0), track(1), discarded(2)])
        rejected, failed = report.failures
        assert (rejected.index, rejected.message_id, rejected.status, rejected.stage) == (
            0,
            "m-0",
            "rejected",
            "translate",
        )
        assert rejected.error_type == "UnsupportedCallError"
        assert (failed.index, failed.message_id, failed.status, failed.stage, failed.code) == (
            2,
            "m-2",
            "failed",
            "deliver",
            528,
        )
        (record_failure,) = failed.failures
        assert (record_failure.message_index, record_failure.message_id) == (2, "m-2")
        assert report.upload.failures == (record_failure,)

    def test_on_message_sees_every_message(self, make_client: MakeClient) -> None:
        """on_message is called once per message, with its status."""
        seen: list[MessageResult] = []
        messages = [track(0), group(1), skipped(2), track(3)]
        make_client().send(messages, on_message=seen.append)
        statuses = {result.index: result.status for result in seen}
        assert statuses == {0: "delivered", 1: "rejected", 2: "skipped", 3: "delivered"}
        assert len(seen) == 4

    def test_keep_failures_off(self, make_client: MakeClient) -> None:
        """keep_failures=False counts failures without keeping them."""
        report = make_client().send([group(0)], keep_failures=False)
        assert (report.rejected, report.failures) == (1, ())

    def test_delivery_failure_maps_back(self, make_client: MakeClient, fake: FakeCleverTap) -> None:
        """A batch that fails fails every message it carried."""
        fake.fail_next(status=400)
        client = make_client(max_batch_records=2, max_concurrency=1)  # the first batch gets it
        report = client.send([track(0), track(1), track(2)])
        assert (report.failed, report.delivered) == (2, 1)
        assert [result.index for result in report.failures] == [0, 1]

    def test_auth_error_carries_send_report(
        self, make_client: MakeClient, fake: FakeCleverTap
    ) -> None:
        """An authentication error carries a SendReport accounting for messages read."""
        fake.fail_next(status=401)
        with pytest.raises(AuthenticationError) as info:
            make_client(max_batch_records=5).send(track(i) for i in range(100))
        report = info.value.report
        assert isinstance(report, SendReport)
        assert 0 < report.messages < 100
        assert_accounted(report, report.messages)

    def test_interrupt_settles_every_message_read(self, make_client: MakeClient) -> None:
        """After Ctrl-C, on_message has seen each message read exactly once."""
        seen: list[MessageResult] = []

        def progress(done: int, failed: int) -> None:
            raise KeyboardInterrupt

        client = make_client(max_batch_records=5, max_concurrency=2)
        with pytest.raises(KeyboardInterrupt):
            client.send((track(i) for i in range(500)), progress=progress, on_message=seen.append)
        indices = sorted(result.index for result in seen)
        assert indices == list(range(len(indices)))
        assert any(result.error and "interrupted" in result.error for result in seen)


class TestAccountedFor:
    def test_fault_injection(self, make_client: MakeClient, fake: FakeCleverTap) -> None:
        """Under ~20% random faults, each of 20,000 records is reported exactly once."""
        records = []
        for index in range(20_000):
            kind = index % 10
            if kind == 0:
                records.append(nested_event(index))
            elif kind == 1:
                records.append(token(index))
            elif kind == 2:
                records.append(
                    {"type": "profile", "identity": f"u-{index}", "profileData": {"n": index}}
                )
            else:
                records.append(event(index))
        fake.fail_randomly(0.2, faults=("500", "429", "drop"), seed=11)
        client = make_client(max_concurrency=4, retry=RetryPolicy(max_attempts=4, initial=0))
        report = client.upload(records)

        failed_positions = [failure.position for failure in report.failures]
        assert len(failed_positions) == len(set(failed_positions)) == report.failed
        assert report.processed + report.failed == report.records == 20_000
        for failure in report.failures:
            assert failure.record is records[failure.position]
            if failure.position % 10 == 0:
                assert (failure.code, failure.retryable) == (512, False)
            else:
                assert (failure.code, failure.retryable) == (None, True)
        assert all(position in failed_positions for position in range(0, 20_000, 10))
        # What the report calls delivered is exactly what the server stored: none lost.
        failed = set(failed_positions)
        delivered = [records[i] for i in range(20_000) if i not in failed]
        assert sorted(map(json.dumps, fake.records)) == sorted(map(json.dumps, delivered))
        assert report.retries > 0

    @settings(
        max_examples=25,
        deadline=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )
    @given(
        kinds=st.lists(st.sampled_from(["track", "group", "skipped", "discarded"]), max_size=40),
        seed=st.integers(0, 1000),
        rate=st.sampled_from([0.0, 0.3, 0.6]),
        batch=st.integers(1, 7),
    )
    def test_send_invariant(self, kinds: list[str], seed: int, rate: float, batch: int) -> None:
        """skipped + rejected + delivered + failed == messages, under any faults."""
        makers = {"track": track, "group": group, "skipped": skipped, "discarded": discarded}
        messages = [makers[kind](index) for index, kind in enumerate(kinds)]
        seen: list[MessageResult] = []
        with FakeCleverTap(
            account_id=ACCOUNT, passcode=PASSCODE, discarded_event_names=["Discarded Event"]
        ) as server:
            server.fail_randomly(rate, faults=("500", "429", "drop", "malformed"), seed=seed)
            with Client(
                account_id=ACCOUNT,
                passcode=PASSCODE,
                endpoint=server.url,
                max_batch_records=batch,
                retry=RetryPolicy(max_attempts=2, initial=0),
                sleep=lambda seconds: None,
            ) as client:
                report = client.send(messages, on_message=seen.append)
        assert_accounted(report, len(messages))
        assert sorted(result.index for result in seen) == list(range(len(messages)))
        assert report.rejected == kinds.count("group")
        assert report.skipped == kinds.count("skipped")
        statuses = [result.status for result in seen]
        assert statuses.count("failed") == report.failed
        assert statuses.count("delivered") == report.delivered
