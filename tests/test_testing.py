"""Tests for the public fake CleverTap server, over real HTTP on loopback."""

from __future__ import annotations

import contextlib
import http.client
import json
import socket
import threading
import time
from collections.abc import Iterator
from typing import Any, Optional
from urllib.parse import urlsplit

import attrs
import pytest
import requests

from clevertap_segment import testing
from clevertap_segment.testing import FakeCleverTap, FakeRequest

AUTH = {
    "X-CleverTap-Account-Id": "TEST-ACCOUNT",
    "X-CleverTap-Passcode": "TEST-PASSCODE",
    "Content-Type": "application/json; charset=utf-8",
}


@attrs.frozen
class Answer:
    """What the client saw."""

    status: int
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


def _connect(fake: FakeCleverTap, timeout: float = 5.0) -> http.client.HTTPConnection:
    url = urlsplit(fake.url)
    assert url.hostname is not None
    assert url.port is not None
    return http.client.HTTPConnection(url.hostname, url.port, timeout=timeout)


def _read(response: http.client.HTTPResponse) -> Answer:
    body = response.read()
    headers = {name.lower(): value for name, value in response.getheaders()}
    return Answer(status=response.status, headers=headers, body=body)


def send(
    fake: FakeCleverTap,
    path: str = "/1/upload",
    body: Any = None,
    *,
    raw: Optional[bytes] = None,
    headers: Optional[dict[str, str]] = None,
    method: str = "POST",
) -> Answer:
    """Send one request on a fresh connection and read the whole answer."""
    data = raw if raw is not None else (None if body is None else json.dumps(body).encode())
    connection = _connect(fake)
    try:
        connection.request(method, path, body=data, headers=AUTH if headers is None else headers)
        with connection.getresponse() as response:
            return _read(response)
    finally:
        connection.close()


def upload(fake: FakeCleverTap, *records: Any, path: str = "/1/upload") -> Answer:
    """Upload records with the right credentials."""
    return send(fake, path, {"d": list(records)})


def event(**fields: Any) -> dict[str, Any]:
    """A valid event record, with fields replaced or added."""
    record: dict[str, Any] = {
        "type": "event",
        "identity": "u-1",
        "ts": 1700000000,
        "evtName": "Product Viewed",
        "evtData": {"product_id": "p1", "price": 9.5},
    }
    record.update(fields)
    return record


def profile(**profile_data: Any) -> dict[str, Any]:
    """A valid profile record with the given profileData."""
    return {"type": "profile", "identity": "u-1", "profileData": {"Name": "Ada", **profile_data}}


def token(**token_data: Any) -> dict[str, Any]:
    """A valid token record with tokenData replaced or added."""
    return {
        "type": "token",
        "objectId": "anon-9",
        "tokenData": {"id": "t-1", "type": "fcm", **token_data},
    }


def rejection_code(answer: Answer) -> int:
    """The code of the single rejected record in an answer."""
    assert answer.status == 200
    (failure,) = answer.json()["unprocessed"]
    code: int = failure["code"]
    return code


@pytest.fixture
def fake() -> Iterator[FakeCleverTap]:
    with FakeCleverTap() as server:
        yield server


def _wait_until(condition: Any, timeout: float = 2.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail("condition not met in time")
        time.sleep(0.005)


class TestLifecycle:
    def test_url_before_start_raises(self) -> None:
        """Asking an unstarted fake for its URL raises RuntimeError."""
        with pytest.raises(RuntimeError, match="not started"):
            _ = FakeCleverTap().url

    def test_start_returns_self_and_serves(self) -> None:
        """start() returns the fake itself, serving on a free loopback port."""
        server = FakeCleverTap()
        try:
            assert server.start() is server
            assert server.url.startswith("http://127.0.0.1:")
            assert not server.url.endswith("/")
            assert upload(server, event()).status == 200
        finally:
            server.stop()

    def test_start_twice_raises(self, fake: FakeCleverTap) -> None:
        """A running fake cannot be started again."""
        with pytest.raises(RuntimeError, match="already started"):
            fake.start()

    def test_context_manager_stops(self) -> None:
        """Leaving the with block closes the port."""
        with FakeCleverTap() as server:
            url = server.url
        port = urlsplit(url).port
        assert port is not None
        with pytest.raises(ConnectionRefusedError):
            socket.create_connection(("127.0.0.1", port), timeout=1).close()

    def test_context_manager_stops_on_error(self) -> None:
        """An exception inside the with block still stops the server."""
        server = FakeCleverTap()

        def fail_inside() -> None:
            with server:
                raise ValueError("boom")

        with pytest.raises(ValueError, match="boom"):
            fail_inside()
        port = urlsplit(server.url).port  # the last URL stays readable after stop()
        assert port is not None
        with pytest.raises(ConnectionRefusedError):
            socket.create_connection(("127.0.0.1", port), timeout=1).close()

    def test_stop_twice_is_harmless(self) -> None:
        """stop() may be called again, and on a fake never started."""
        FakeCleverTap().stop()
        server = FakeCleverTap().start()
        server.stop()
        server.stop()

    def test_stop_is_prompt_with_an_idle_keep_alive_connection(self) -> None:
        """An open keep-alive connection does not hold stop() up."""
        server = FakeCleverTap().start()
        connection = _connect(server)
        try:
            connection.request("POST", "/1/upload", body=b'{"d": []}', headers=AUTH)
            with connection.getresponse() as response:
                response.read()
            started = time.monotonic()
            server.stop()
            assert time.monotonic() - started < 1.0
        finally:
            connection.close()

    def test_connections_are_kept_alive(self, fake: FakeCleverTap) -> None:
        """Two requests travel on one connection (HTTP/1.1 keep-alive, exact Content-Length)."""
        connection = _connect(fake)
        try:
            sockets = []
            for _ in range(2):
                connection.request("POST", "/1/upload", body=b'{"d": []}', headers=AUTH)
                with connection.getresponse() as response:
                    assert response.version == 11
                    assert (
                        response.read()
                        == b'{"status": "success", "processed": 0, "unprocessed": []}'
                    )
                sockets.append(connection.sock)
            assert sockets[0] is sockets[1]
            assert sockets[0] is not None
        finally:
            connection.close()

    def test_server_is_quiet(self, fake: FakeCleverTap, capsys: pytest.CaptureFixture[str]) -> None:
        """Requests, errors and dropped connections print nothing."""
        upload(fake, event())
        send(fake, "/nowhere")
        fake.drop_next()
        with pytest.raises(http.client.RemoteDisconnected):
            upload(fake, event())
        assert capsys.readouterr() == ("", "")


class TestAuthentication:
    def test_wrong_account_is_401(self, fake: FakeCleverTap) -> None:
        """A wrong account ID answers 401 in CleverTap's error form."""
        answer = send(fake, body={"d": []}, headers={**AUTH, "X-CleverTap-Account-Id": "NOPE"})
        assert answer.status == 401
        assert answer.json() == {"status": "fail", "error": "Account ID is not valid", "code": 401}

    def test_wrong_passcode_is_401(self, fake: FakeCleverTap) -> None:
        """A wrong passcode answers 401."""
        answer = send(fake, body={"d": []}, headers={**AUTH, "X-CleverTap-Passcode": "NOPE"})
        assert answer.status == 401
        assert answer.json() == {"status": "fail", "error": "Invalid Passcode", "code": 401}

    def test_missing_headers_are_401(self, fake: FakeCleverTap) -> None:
        """No credentials at all answers 401."""
        answer = send(fake, body={"d": []}, headers={"Content-Type": "application/json"})
        assert answer.status == 401

    def test_header_names_are_case_insensitive(self, fake: FakeCleverTap) -> None:
        """Credentials count whatever the case of the header names."""
        headers = {name.lower(): value for name, value in AUTH.items()}
        assert send(fake, body={"d": [event()]}, headers=headers).status == 200

    def test_custom_credentials(self) -> None:
        """The account ID and passcode come from the constructor."""
        with FakeCleverTap(account_id="A", passcode="P") as server:
            headers = {**AUTH, "X-CleverTap-Account-Id": "A", "X-CleverTap-Passcode": "P"}
            assert send(server, body={"d": []}, headers=headers).status == 200
            assert send(server, body={"d": []}).status == 401

    def test_rejected_request_stores_nothing(self, fake: FakeCleverTap) -> None:
        """Records of a 401 request are not kept."""
        send(fake, body={"d": [event()]}, headers={**AUTH, "X-CleverTap-Passcode": "x"})
        assert fake.records == []


class TestRequestShape:
    def test_content_type_must_be_json(self, fake: FakeCleverTap) -> None:
        """A body sent as text/plain answers 400."""
        answer = send(fake, body={"d": []}, headers={**AUTH, "Content-Type": "text/plain"})
        assert answer.status == 400
        assert answer.json()["code"] == 400
        assert answer.json()["status"] == "fail"

    def test_bad_json_is_400(self, fake: FakeCleverTap) -> None:
        """A body that is not JSON answers 400."""
        assert send(fake, raw=b'{"d": [').status == 400

    def test_missing_d_is_400(self, fake: FakeCleverTap) -> None:
        """A JSON object without "d" answers 400."""
        assert send(fake, body={"data": []}).status == 400

    def test_d_not_a_list_is_400(self, fake: FakeCleverTap) -> None:
        """A "d" that is not an array answers 400."""
        assert send(fake, body={"d": {"type": "event"}}).status == 400

    def test_empty_body_is_400(self, fake: FakeCleverTap) -> None:
        """An empty body answers 400."""
        assert send(fake, raw=b"").status == 400

    def test_too_many_records_is_400(self) -> None:
        """More than max_records records answers 400 and stores nothing."""
        with FakeCleverTap(max_records=2) as server:
            answer = upload(server, event(), event(), event())
            assert answer.status == 400
            assert "Too many records" in answer.json()["error"]
            assert server.records == []
            assert upload(server, event(), event()).status == 200

    def test_too_many_token_records_is_400(self) -> None:
        """More than max_token_records token records answers 400."""
        with FakeCleverTap(max_token_records=1) as server:
            answer = upload(server, token(), token(), event())
            assert answer.status == 400
            assert "token" in answer.json()["error"]
            assert upload(server, token(), event(), event()).status == 200

    def test_default_limit_is_1000_records(self, fake: FakeCleverTap) -> None:
        """1000 records pass and 1001 do not."""
        assert upload(fake, *[event()] * 1000).json()["processed"] == 1000
        assert upload(fake, *[event()] * 1001).status == 400

    def test_empty_d_succeeds(self, fake: FakeCleverTap) -> None:
        """An empty upload succeeds with nothing processed."""
        assert upload(fake).json() == {"status": "success", "processed": 0, "unprocessed": []}


class TestUploadAnswers:
    def test_success(self, fake: FakeCleverTap) -> None:
        """Valid records answer success and are stored in order."""
        records = [event(evtName="A"), profile(), token()]
        answer = upload(fake, *records)
        assert answer.status == 200
        assert answer.headers["content-type"].startswith("application/json")
        assert answer.json() == {"status": "success", "processed": 3, "unprocessed": []}
        assert fake.records == records
        assert fake.accepted_count == 3

    def test_partial_names_the_1_based_position(self, fake: FakeCleverTap) -> None:
        """A bad record among good ones answers partial with its 1-based position."""
        answer = upload(fake, event(), profile(Email="not-an-email"), event())
        body = answer.json()
        assert body["status"] == "partial"
        assert body["processed"] == 2
        (failure,) = body["unprocessed"]
        assert failure["status"] == "fail"
        assert failure["code"] == 515
        assert failure["error"].endswith("Skipped record number : 2")
        assert "Email is not valid." in failure["error"]

    def test_fail_when_every_record_is_rejected(self, fake: FakeCleverTap) -> None:
        """All records rejected answers fail, numbering each."""
        body = upload(fake, event(evtName=""), event(type="nope")).json()
        assert body["status"] == "fail"
        assert body["processed"] == 0
        assert [failure["code"] for failure in body["unprocessed"]] == [509, 524]
        assert body["unprocessed"][1]["error"].endswith("Skipped record number : 2")

    def test_only_accepted_records_are_stored(self, fake: FakeCleverTap) -> None:
        """Rejected records are not kept."""
        good = event(evtName="Kept")
        upload(fake, event(evtName="App Launched"), good)
        assert fake.records == [good]

    def test_echoed_record_is_normalised(self, fake: FakeCleverTap) -> None:
        """The echoed record has its numbers turned into strings, like CleverTap's."""
        bad = event(evtName="Charged", evtData={"Amount": 30, "price": 9.5, "ok": True, "x": {}})
        (failure,) = upload(fake, bad).json()["unprocessed"]
        assert failure["record"]["evtData"] == {"Amount": "30", "price": "9.5", "ok": True, "x": {}}
        assert failure["record"]["identity"] == "u-1"

    def test_validate_false_accepts_anything(self) -> None:
        """With validate=False every record is accepted as is."""
        with FakeCleverTap(validate=False) as server:
            answer = upload(server, {"nonsense": True}, event(evtName="App Launched"))
            assert answer.json() == {"status": "success", "processed": 2, "unprocessed": []}
            assert len(server.records) == 2


class TestRecordBasics:
    @pytest.mark.parametrize(
        ("record", "code"),
        [
            pytest.param("not a record", 524, id="not-an-object"),
            pytest.param({"identity": "u-1", "evtName": "E"}, 524, id="no-type"),
            pytest.param(event(type="page"), 524, id="unknown-type"),
            pytest.param({"type": "event", "evtName": "E"}, 523, id="no-identity"),
            pytest.param(event(identity=""), 523, id="empty-identity"),
            pytest.param(event(identity=42), 523, id="numeric-identity"),
            pytest.param(event(objectId="anon-1"), 523, id="both-identifiers"),
            pytest.param(
                {"type": "event", "objectId": "", "evtName": "E"}, 526, id="empty-object-id"
            ),
            pytest.param(
                {"type": "event", "objectId": 7, "evtName": "E"}, 526, id="numeric-object-id"
            ),
            pytest.param(event(ts=0), 525, id="ts-zero"),
            pytest.param(event(ts=-5), 525, id="ts-negative"),
            pytest.param(event(ts="1700000000"), 525, id="ts-string"),
            pytest.param(event(ts=1700000000000), 525, id="ts-milliseconds"),
            pytest.param(event(ts=1700000000.5), 525, id="ts-float"),
            pytest.param(event(ts=True), 525, id="ts-bool"),
            pytest.param(event(ts=None), 525, id="ts-null"),
        ],
    )
    def test_rejected_with_code(self, fake: FakeCleverTap, record: Any, code: int) -> None:
        """A record with a bad type, identifier or timestamp gets CleverTap's code."""
        assert rejection_code(upload(fake, record)) == code

    def test_object_id_alone_is_accepted(self, fake: FakeCleverTap) -> None:
        """objectId alone identifies the user."""
        record = {"type": "event", "objectId": "anon-9", "evtName": "E"}
        assert upload(fake, record).json()["status"] == "success"

    def test_identity_in_profile_data_with_object_id_is_accepted(self, fake: FakeCleverTap) -> None:
        """An identity inside profileData beside a top-level objectId is fine."""
        record = {"type": "profile", "objectId": "anon-9", "profileData": {"identity": "u-1"}}
        assert upload(fake, record).json()["status"] == "success"

    def test_allow_both_identifiers(self) -> None:
        """allow_both_identifiers=True accepts identity and objectId together."""
        with FakeCleverTap(allow_both_identifiers=True) as server:
            assert upload(server, event(objectId="anon-1")).json()["status"] == "success"

    def test_ts_is_optional(self, fake: FakeCleverTap) -> None:
        """A record without ts is accepted."""
        record = event()
        del record["ts"]
        assert upload(fake, record).json()["status"] == "success"


class TestEventValidation:
    @pytest.mark.parametrize(
        ("record", "code"),
        [
            pytest.param({"type": "event", "identity": "u-1"}, 509, id="no-name"),
            pytest.param(event(evtName="  "), 509, id="blank-name"),
            pytest.param(event(evtName=5), 509, id="numeric-name"),
            pytest.param(event(evtData={"a": {"b": 1}}), 512, id="nested-object"),
            pytest.param(event(evtData={"a": [1, 2]}), 512, id="nested-list"),
            pytest.param(event(evtData=["a"]), 512, id="data-not-object"),
            pytest.param(event(evtData={"Items": [{"a": 1}]}), 512, id="items-outside-charged"),
            pytest.param(
                event(evtName="Charged", evtData={"Items": [{"a": {"b": 1}}]}),
                512,
                id="items-nested",
            ),
            pytest.param(
                event(evtName="Charged", evtData={"Items": ["x"]}), 512, id="items-not-objects"
            ),
            pytest.param(event(evtName="Charged", evtData={"Other": [{}]}), 512, id="not-items"),
            pytest.param(event(evtName="Signed.Up"), 512, id="dot-in-name"),
            pytest.param(event(evtData={"plan:type": "pro"}), 512, id="colon-in-key"),
            pytest.param(event(evtData={"": "x"}), 512, id="empty-key"),
            pytest.param(event(evtData={"when": "$D_soon"}), 512, id="bad-date"),
            pytest.param(event(evtName="App Launched"), 513, id="restricted"),
            pytest.param(event(evtName="app  LAUNCHED"), 513, id="restricted-any-case"),
            pytest.param(event(evtName="Notification Clicked"), 513, id="notification"),
            pytest.param(event(evtName="wzrk_d"), 513, id="sdk-name"),
            pytest.param(event(evtData={f"p{i}": i for i in range(101)}), 522, id="101-props"),
        ],
    )
    def test_rejected_with_code(self, fake: FakeCleverTap, record: Any, code: int) -> None:
        """A bad event gets CleverTap's code."""
        assert rejection_code(upload(fake, record)) == code

    def test_charged_items_are_accepted(self, fake: FakeCleverTap) -> None:
        """Items, a list of flat objects, is allowed in Charged."""
        data = {"Charged ID": "o-1", "Amount": 30, "Items": [{"name": "Book", "quantity": 2}]}
        assert upload(fake, event(evtName="Charged", evtData=data)).json()["status"] == "success"

    def test_scalars_and_dates_are_accepted(self, fake: FakeCleverTap) -> None:
        """Strings, numbers, booleans, null and $D_ dates are flat values."""
        data = {"s": "x", "i": 1, "f": 1.5, "b": False, "n": None, "d": "$D_1700000000"}
        assert upload(fake, event(evtData=data)).json()["status"] == "success"

    def test_event_data_is_optional(self, fake: FakeCleverTap) -> None:
        """An event without evtData is accepted."""
        record = event()
        del record["evtData"]
        assert upload(fake, record).json()["status"] == "success"

    def test_100_properties_are_accepted(self, fake: FakeCleverTap) -> None:
        """Exactly max_event_properties properties pass."""
        record = event(evtData={f"p{i}": i for i in range(100)})
        assert upload(fake, record).json()["status"] == "success"

    def test_max_event_properties_is_configurable(self) -> None:
        """max_event_properties lowers or raises the 522 limit."""
        with FakeCleverTap(max_event_properties=2) as server:
            assert rejection_code(upload(server, event(evtData={"a": 1, "b": 2, "c": 3}))) == 522

    def test_restricted_names_are_configurable(self) -> None:
        """restricted_event_names replaces the system event list."""
        with FakeCleverTap(restricted_event_names=["Forbidden Thing"]) as server:
            assert rejection_code(upload(server, event(evtName="forbiddenthing"))) == 513
            assert upload(server, event(evtName="App Launched")).json()["status"] == "success"

    def test_discarded_names_answer_528(self) -> None:
        """discarded_event_names rejects those events with 528."""
        with FakeCleverTap(discarded_event_names=["Old Event"]) as server:
            assert rejection_code(upload(server, event(evtName="Old Event"))) == 528


class TestProfileValidation:
    @pytest.mark.parametrize(
        ("profile_data", "code"),
        [
            pytest.param({"Gender": "Female"}, 514, id="gender"),
            pytest.param({"Email": "ada.example.com"}, 515, id="email"),
            pytest.param({"Email": 5}, 515, id="email-not-string"),
            pytest.param({"Phone": "4155551234"}, 516, id="phone-no-plus"),
            pytest.param({"Phone": "+1 415 555"}, 516, id="phone-spaces"),
            pytest.param({"Employed": "yes"}, 517, id="employed"),
            pytest.param({"Education": "PhD"}, 518, id="education"),
            pytest.param({"Married": True}, 519, id="married"),
            pytest.param({"Age": "42"}, 520, id="age-string"),
            pytest.param({"Age": True}, 520, id="age-bool"),
            pytest.param({"tags": ["a", "b"]}, 555, id="plain-list"),
            pytest.param({"address": {"city": "Paris"}}, 555, id="nested-object"),
            pytest.param({"tags": {"$set": ["a", 1]}}, 555, id="set-non-string"),
            pytest.param({"tags": {"$set": "a"}}, 555, id="set-not-list"),
            pytest.param({"n": {"$incr": "1"}}, 555, id="incr-string"),
            pytest.param({"tags": {"$set": ["a"], "$add": ["b"]}}, 555, id="two-operations"),
            pytest.param({"plan#": "pro"}, 555, id="hash-in-key"),
            pytest.param({"DOB": "$D_yesterday"}, 555, id="bad-date"),
        ],
    )
    def test_rejected_with_code(
        self, fake: FakeCleverTap, profile_data: dict[str, Any], code: int
    ) -> None:
        """A bad profile value gets CleverTap's code (555 where CleverTap has none)."""
        assert rejection_code(upload(fake, profile(**profile_data))) == code

    def test_missing_profile_data_is_555(self, fake: FakeCleverTap) -> None:
        """A profile without profileData is rejected."""
        assert rejection_code(upload(fake, {"type": "profile", "identity": "u-1"})) == 555

    def test_reserved_keys_and_operations_are_accepted(self, fake: FakeCleverTap) -> None:
        """Valid reserved keys, multi-value operations, counters and dates pass."""
        record = profile(
            Email="ada@example.com",
            Phone="+14155551234",
            Gender="F",
            DOB="$D_631152000",
            Employed="Y",
            Married="N",
            Education="Graduate",
            Age=36,
            tags={"$set": ["a", "b"]},
            more={"$add": ["c"]},
            fewer={"$remove": ["a"]},
            logins={"$incr": 1},
            credits={"$decr": 2.5},
            **{"MSG-email": False},
        )
        assert upload(fake, record).json()["status"] == "success"


class TestTokenValidation:
    @pytest.mark.parametrize(
        ("record", "code"),
        [
            pytest.param(
                {"type": "token", "tokenData": {"id": "t", "type": "fcm"}}, 530, id="no-oid"
            ),
            pytest.param(
                {"type": "token", "identity": "u-1", "tokenData": {"id": "t", "type": "fcm"}},
                530,
                id="identity-only",
            ),
            pytest.param({"type": "token", "objectId": "a"}, 531, id="no-token-data"),
            pytest.param(
                {"type": "token", "objectId": "a", "tokenData": "t"}, 531, id="data-string"
            ),
            pytest.param(
                {"type": "token", "objectId": "a", "tokenData": {"type": "fcm"}}, 532, id="no-id"
            ),
            pytest.param(
                {"type": "token", "objectId": "a", "tokenData": {"id": "t"}}, 533, id="no-type"
            ),
            pytest.param(token(type="sms"), 534, id="bad-type"),
            pytest.param(token(type="chrome"), 535, id="chrome-no-keys"),
            pytest.param(token(type="chrome", keys={"p256dh": "k"}), 535, id="chrome-no-auth"),
        ],
    )
    def test_rejected_with_code(self, fake: FakeCleverTap, record: Any, code: int) -> None:
        """A bad token record gets CleverTap's code."""
        assert rejection_code(upload(fake, record)) == code

    @pytest.mark.parametrize("push_type", ["fcm", "gcm", "apns", "wns", "mpns"])
    def test_token_types_are_accepted(self, fake: FakeCleverTap, push_type: str) -> None:
        """Each documented token type passes."""
        assert upload(fake, token(type=push_type)).json()["status"] == "success"

    def test_chrome_with_keys_is_accepted(self, fake: FakeCleverTap) -> None:
        """A chrome token with p256dh and auth keys passes."""
        record = token(type="chrome", keys={"p256dh": "k", "auth": "a"})
        assert upload(fake, record).json()["status"] == "success"


class TestDryRun:
    def test_dry_run_stores_nothing(self, fake: FakeCleverTap) -> None:
        """?dryRun=1 answers as usual but keeps no records."""
        answer = upload(fake, event(), path="/1/upload?dryRun=1")
        assert answer.json() == {"status": "success", "processed": 1, "unprocessed": []}
        assert fake.records == []
        assert fake.requests[0].query == {"dryRun": "1"}
        assert fake.requests[0].path == "/1/upload"

    def test_dry_run_still_validates(self, fake: FakeCleverTap) -> None:
        """A dry run reports rejected records."""
        answer = upload(fake, event(evtName="App Launched"), path="/1/upload?dryRun=1")
        assert rejection_code(answer) == 513


class TestFaults:
    def test_fail_next_answers_the_status_with_a_json_error(self, fake: FakeCleverTap) -> None:
        """fail_next() answers 500 with a CleverTap-style JSON body and no Retry-After."""
        fake.fail_next()
        answer = upload(fake, event())
        assert answer.status == 500
        assert answer.json()["code"] == 500
        assert answer.json()["status"] == "fail"
        assert "retry-after" not in answer.headers

    def test_fail_next_with_retry_after(self, fake: FakeCleverTap) -> None:
        """retry_after sends a Retry-After header."""
        fake.fail_next(status=429, retry_after="2")
        answer = upload(fake, event())
        assert answer.status == 429
        assert answer.headers["retry-after"] == "2"

    def test_fail_next_with_raw_body(self, fake: FakeCleverTap) -> None:
        """body replaces the JSON error body."""
        fake.fail_next(status=502, body="Bad Gateway")
        answer = upload(fake, event())
        assert (answer.status, answer.body) == (502, b"Bad Gateway")

    def test_fail_next_counts_then_recovers(self, fake: FakeCleverTap) -> None:
        """Exactly count requests fail, then answers are normal again."""
        fake.fail_next(2, status=503)
        statuses = [upload(fake, event()).status for _ in range(3)]
        assert statuses == [503, 503, 200]
        assert len(fake.records) == 1

    def test_faults_come_before_authentication(self, fake: FakeCleverTap) -> None:
        """A fault answers even a request with wrong credentials."""
        fake.fail_next(status=503)
        answer = send(fake, body={"d": []}, headers={"Content-Type": "application/json"})
        assert answer.status == 503

    def test_faulted_request_is_recorded_with_its_fault(self, fake: FakeCleverTap) -> None:
        """The request log says which fault applied and stores no records."""
        fake.fail_next(status=504)
        upload(fake, event())
        (request,) = fake.requests
        assert (request.status, request.fault) == (504, "504")
        assert fake.records == []

    def test_queued_faults_are_first_in_first_out(self, fake: FakeCleverTap) -> None:
        """Faults apply in the order they were queued."""
        fake.fail_next(status=500)
        fake.malformed_next()
        fake.fail_next(status=429)
        statuses = [upload(fake, event()).status for _ in range(4)]
        assert statuses == [500, 200, 429, 200]
        assert [request.fault for request in fake.requests] == ["500", "malformed", "429", None]

    def test_delay_next_sleeps_then_processes(self, fake: FakeCleverTap) -> None:
        """A delayed request is answered normally after the delay."""
        fake.delay_next(seconds=0.1)
        started = time.monotonic()
        answer = upload(fake, event())
        assert time.monotonic() - started >= 0.1
        assert answer.json()["status"] == "success"
        assert len(fake.records) == 1
        assert fake.requests[0].fault == "delay"

    def test_delay_must_not_be_negative(self, fake: FakeCleverTap) -> None:
        """A negative delay is refused."""
        with pytest.raises(ValueError, match="seconds"):
            fake.delay_next(seconds=-1)

    def test_count_must_not_be_negative(self, fake: FakeCleverTap) -> None:
        """A negative count is refused."""
        with pytest.raises(ValueError, match="count"):
            fake.fail_next(-1)

    def test_drop_next_closes_without_answer(self, fake: FakeCleverTap) -> None:
        """A dropped request makes the client see a closed connection."""
        fake.drop_next()
        with pytest.raises(http.client.RemoteDisconnected):
            upload(fake, event())
        (request,) = fake.requests
        assert (request.status, request.fault) == (None, "drop")
        assert request.body == {"d": [event()]}
        assert fake.records == []

    def test_malformed_next_answers_200_not_json(self, fake: FakeCleverTap) -> None:
        """A malformed answer is HTTP 200 with an HTML body, and stores nothing."""
        fake.malformed_next()
        answer = upload(fake, event())
        assert (answer.status, answer.body) == (200, b"<html>oops</html>")
        assert fake.records == []

    def test_malformed_next_with_body(self, fake: FakeCleverTap) -> None:
        """The malformed body can be chosen."""
        fake.malformed_next(body='{"status": "succ')
        assert upload(fake, event()).body == b'{"status": "succ'

    def test_redirect_next_answers_302(self, fake: FakeCleverTap) -> None:
        """A redirect answers 302 with a Location header."""
        fake.redirect_next(location="http://127.0.0.1:9/x")
        answer = upload(fake, event())
        assert answer.status == 302
        assert answer.headers["location"] == "http://127.0.0.1:9/x"
        assert fake.records == []


class TestFailRandomly:
    @staticmethod
    def _run(server: FakeCleverTap, count: int) -> list[Optional[str]]:
        for _ in range(count):
            with contextlib.suppress(http.client.RemoteDisconnected):  # the "drop" fault
                upload(server, event())
        return [request.fault for request in server.requests]

    def test_same_seed_same_faults(self) -> None:
        """Two fakes with the same seed fault the same requests the same way."""
        runs = []
        for _ in range(2):
            with FakeCleverTap() as server:
                server.fail_randomly(0.5, faults=("500", "drop", "malformed", "delay"), seed=7)
                runs.append(self._run(server, 30))
        assert runs[0] == runs[1]
        assert set(runs[0]) <= {"500", "drop", "malformed", "delay", None}
        assert len(set(runs[0])) > 2

    def test_rate_is_roughly_honoured(self, fake: FakeCleverTap) -> None:
        """About rate of the requests get a fault."""
        fake.fail_randomly(0.3, faults=("500", "429"), seed=1)
        faults = self._run(fake, 200)
        share = sum(fault is not None for fault in faults) / len(faults)
        assert 0.2 < share < 0.4

    def test_rate_zero_turns_it_off(self, fake: FakeCleverTap) -> None:
        """rate=0 stops random faults."""
        fake.fail_randomly(1.0, faults=("500",))
        assert upload(fake, event()).status == 500
        fake.fail_randomly(0)
        assert upload(fake, event()).status == 200

    def test_queued_faults_come_first(self, fake: FakeCleverTap) -> None:
        """A queued fault wins over a random one."""
        fake.fail_randomly(1.0, faults=("500",))
        fake.fail_next(status=429)
        assert [upload(fake, event()).status for _ in range(2)] == [429, 500]

    @pytest.mark.parametrize("rate", [-0.1, 1.5])
    def test_rate_out_of_range_is_refused(self, fake: FakeCleverTap, rate: float) -> None:
        """A rate outside 0..1 raises ValueError."""
        with pytest.raises(ValueError, match="rate"):
            fake.fail_randomly(rate)

    def test_unknown_fault_is_refused(self, fake: FakeCleverTap) -> None:
        """An unknown fault name raises ValueError."""
        with pytest.raises(ValueError, match="unknown fault"):
            fake.fail_randomly(0.5, faults=("500", "explode"))


class TestReset:
    def test_reset_forgets_everything(self, fake: FakeCleverTap) -> None:
        """reset() clears records, requests, deletions and every pending fault."""
        upload(fake, event())
        send(fake, "/1/delete/profiles.json", {"identity": ["u-1"]})
        fake.fail_next(3)
        fake.fail_randomly(1.0, faults=("503",))
        fake.reset()
        assert (fake.records, fake.requests, fake.deleted) == ([], [], [])
        assert (fake.accepted_count, fake.max_in_flight) == (0, 0)
        assert upload(fake, event()).status == 200


class TestConcurrency:
    def test_sequential_requests_are_one_in_flight(self, fake: FakeCleverTap) -> None:
        """Requests one after another never overlap."""
        for _ in range(3):
            upload(fake, event())
        assert fake.max_in_flight == 1
        assert fake.in_flight == 0

    def test_one_request_over_the_limit_gets_429(self) -> None:
        """With max_concurrent=2 busy, a third concurrent request answers 429."""
        statuses: list[int] = []
        with FakeCleverTap(max_concurrent=2) as server:
            server.delay_next(2, seconds=0.3)
            threads = [
                threading.Thread(target=lambda: statuses.append(upload(server, event()).status))
                for _ in range(2)
            ]
            for thread in threads:
                thread.start()
            _wait_until(lambda: server.in_flight == 2)
            answer = upload(server, event())
            for thread in threads:
                thread.join()
            assert answer.status == 429
            assert answer.json() == {
                "status": "fail",
                "error": "Too many concurrent requests",
                "code": 429,
            }
            assert statuses == [200, 200]
            assert server.max_in_flight == 3
            assert len(server.records) == 2

    def test_requests_within_the_limit_all_succeed(self) -> None:
        """As many concurrent requests as max_concurrent are all served."""
        statuses: list[int] = []
        with FakeCleverTap(max_concurrent=3) as server:
            server.delay_next(3, seconds=0.1)
            threads = [
                threading.Thread(target=lambda: statuses.append(upload(server, event()).status))
                for _ in range(3)
            ]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
            assert statuses == [200, 200, 200]
            assert server.max_in_flight == 3


class TestDelete:
    PATH = "/1/delete/profiles.json"

    @pytest.mark.parametrize("key", ["identity", "guid"])
    def test_delete_succeeds(self, fake: FakeCleverTap, key: str) -> None:
        """A list of identities or guids is deleted and kept in .deleted."""
        answer = send(fake, self.PATH, {key: ["u-1", "u-2"]})
        assert (answer.status, answer.json()) == (200, {"status": "success"})
        assert fake.deleted == [{key: ["u-1", "u-2"]}]

    @pytest.mark.parametrize(
        "body",
        [
            pytest.param({"identity": ["u-1"], "guid": ["g-1"]}, id="both"),
            pytest.param({}, id="neither"),
            pytest.param({"identity": []}, id="empty"),
            pytest.param({"identity": "u-1"}, id="not-a-list"),
            pytest.param({"identity": [1]}, id="not-strings"),
            pytest.param({"identity": [f"u-{i}" for i in range(101)]}, id="over-100"),
            pytest.param(["u-1"], id="not-an-object"),
        ],
    )
    def test_bad_delete_is_400(self, fake: FakeCleverTap, body: Any) -> None:
        """A deletion body breaking the rules answers 400 and deletes nothing."""
        answer = send(fake, self.PATH, body)
        assert answer.status == 400
        assert answer.json()["code"] == 400
        assert fake.deleted == []

    def test_100_values_are_allowed(self, fake: FakeCleverTap) -> None:
        """Exactly 100 identities pass."""
        assert send(fake, self.PATH, {"identity": [f"u-{i}" for i in range(100)]}).status == 200

    def test_delete_needs_credentials(self, fake: FakeCleverTap) -> None:
        """Deleting with a wrong passcode answers 401."""
        headers = {**AUTH, "X-CleverTap-Passcode": "x"}
        assert send(fake, self.PATH, {"identity": ["u-1"]}, headers=headers).status == 401
        assert fake.deleted == []

    def test_dry_run_deletes_nothing(self, fake: FakeCleverTap) -> None:
        """A dry-run deletion answers success but keeps nothing."""
        assert send(fake, self.PATH + "?dryRun=1", {"identity": ["u-1"]}).status == 200
        assert fake.deleted == []


class TestRouting:
    def test_unknown_path_is_404(self, fake: FakeCleverTap) -> None:
        """Any other path answers 404 with a JSON body."""
        answer = send(fake, "/1/profile.json", {"d": []})
        assert answer.status == 404
        assert answer.json()["code"] == 404

    def test_get_is_405(self, fake: FakeCleverTap) -> None:
        """GET on the upload path answers 405 with Allow: POST."""
        answer = send(fake, method="GET")
        assert answer.status == 405
        assert answer.headers["allow"] == "POST"
        assert answer.json()["code"] == 405

    def test_head_is_405_without_body(self, fake: FakeCleverTap) -> None:
        """HEAD answers 405 with headers only."""
        answer = send(fake, method="HEAD")
        assert (answer.status, answer.body) == (405, b"")

    @pytest.mark.parametrize("method", ["PUT", "DELETE", "PATCH", "OPTIONS"])
    def test_other_methods_are_405(self, fake: FakeCleverTap, method: str) -> None:
        """Methods other than POST answer 405."""
        assert send(fake, body={"d": []}, method=method).status == 405


class TestRobustness:
    def test_garbage_request_line_gets_json_400(self, fake: FakeCleverTap) -> None:
        """A request that is not HTTP gets a JSON 400 and the server keeps serving."""
        port = urlsplit(fake.url).port
        assert port is not None
        with socket.create_connection(("127.0.0.1", port), timeout=5) as raw:
            raw.sendall(b"HELLO THERE FRIEND\r\n\r\n")
            answer = b""
            while chunk := raw.recv(4096):
                answer += chunk
        head, _, body = answer.partition(b"\r\n\r\n")
        assert head.startswith(b"HTTP/1.1 400")
        assert json.loads(body)["code"] == 400
        assert upload(fake, event()).status == 200

    def test_bad_content_length_is_400(self, fake: FakeCleverTap) -> None:
        """A Content-Length that is not a number answers 400."""
        port = urlsplit(fake.url).port
        assert port is not None
        with socket.create_connection(("127.0.0.1", port), timeout=5) as raw:
            raw.sendall(b"POST /1/upload HTTP/1.1\r\nHost: x\r\nContent-Length: lots\r\n\r\n")
            answer = raw.recv(4096)
        assert answer.startswith(b"HTTP/1.1 400")

    def test_non_utf8_body_is_400(self, fake: FakeCleverTap) -> None:
        """A body that is not UTF-8 answers 400."""
        assert send(fake, raw=b'{"d": ["\xff"]}').status == 400

    def test_deeply_nested_body_is_400(self, fake: FakeCleverTap) -> None:
        """JSON nested beyond the recursion limit answers 400, not a crash."""
        assert send(fake, raw=b"[" * 200_000).status == 400

    def test_chunked_body_is_read(self, fake: FakeCleverTap) -> None:
        """A chunked request body is decoded."""
        connection = _connect(fake)
        try:
            body = json.dumps({"d": [event()]}).encode()
            chunks = iter([body[:10], body[10:]])
            connection.request("POST", "/1/upload", body=chunks, headers=AUTH, encode_chunked=True)
            with connection.getresponse() as response:
                assert json.loads(response.read())["processed"] == 1
        finally:
            connection.close()

    def test_handler_error_is_a_recorded_500(
        self, fake: FakeCleverTap, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """An exception inside the fake answers a JSON 500 and is recorded."""

        def explode(*args: Any, **kwargs: Any) -> Any:
            raise KeyError("boom")

        monkeypatch.setattr(testing, "answer_upload", explode)
        answer = upload(fake, event())
        assert answer.status == 500
        assert "KeyError" in answer.json()["error"]
        assert fake.requests[0].status == 500
        monkeypatch.undo()
        assert upload(fake, event()).status == 200


class TestFakeRequest:
    def test_request_is_recorded(self, fake: FakeCleverTap) -> None:
        """Method, path, query, headers and bodies are kept."""
        upload(fake, event(), path="/1/upload?dryRun=0&x=1")
        (request,) = fake.requests
        assert isinstance(request, FakeRequest)
        assert (request.method, request.path) == ("POST", "/1/upload")
        assert request.query == {"dryRun": "0", "x": "1"}
        assert request.headers["X-CleverTap-Account-Id"] == "TEST-ACCOUNT"
        assert request.body == {"d": [event()]}
        assert json.loads(request.raw_body) == {"d": [event()]}
        assert (request.status, request.fault) == (200, None)

    def test_header_lookup_is_case_insensitive(self, fake: FakeCleverTap) -> None:
        """header() finds a header whatever the case."""
        upload(fake, event())
        request = fake.requests[0]
        assert request.header("x-clevertap-passcode") == "TEST-PASSCODE"
        assert request.header("X-Missing") is None

    def test_non_json_body_is_none(self, fake: FakeCleverTap) -> None:
        """A body that is not JSON is recorded as None, raw bytes kept."""
        send(fake, raw=b"nope")
        assert fake.requests[0].body is None
        assert fake.requests[0].raw_body == b"nope"

    def test_request_is_frozen(self, fake: FakeCleverTap) -> None:
        """Recorded requests cannot be altered."""
        upload(fake, event())
        with pytest.raises(attrs.exceptions.FrozenInstanceError):
            fake.requests[0].status = 500  # type: ignore[misc]


class TestKeepPayloads:
    def test_keep_payloads_off_only_counts(self) -> None:
        """keep_payloads=False keeps no records or bodies but counts accepted records."""
        with FakeCleverTap(keep_payloads=False) as server:
            upload(server, event(), event(evtName="App Launched"), event())
            assert server.records == []
            assert server.accepted_count == 2
            assert (server.requests[0].body, server.requests[0].raw_body) == (None, b"")


class TestWithRequests:
    def test_session_reuses_connections_and_sees_drops(self, fake: FakeCleverTap) -> None:
        """A requests.Session works, and a dropped request raises ConnectionError."""
        url = fake.url + "/1/upload"
        with requests.Session() as session:
            assert session.post(url, json={"d": [event()]}, headers=AUTH).status_code == 200
            fake.drop_next()
            with pytest.raises(requests.ConnectionError):
                session.post(url, json={"d": [event()]}, headers=AUTH)
            assert session.post(url, json={"d": [event()]}, headers=AUTH).status_code == 200
        assert len(fake.records) == 2


class TestExports:
    def test_all(self) -> None:
        """testing exports exactly the fake and its request record."""
        assert sorted(testing.__all__) == ["FakeCleverTap", "FakeRequest"]
