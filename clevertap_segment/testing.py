"""A fake CleverTap server for tests: real HTTP on loopback, CleverTap's answers, injectable faults.

:class:`FakeCleverTap` serves ``POST /1/upload`` and ``POST /1/delete/profiles.json`` from a
background thread, checks credentials, request limits and every record the way CleverTap does,
and keeps what it accepted in :attr:`FakeCleverTap.records`. It needs nothing beyond the standard
library (and attrs), so you can use it in your own tests::

    import json
    import urllib.request

    import pytest

    from clevertap_segment.testing import FakeCleverTap


    @pytest.fixture
    def clevertap():
        with FakeCleverTap(account_id="ACC", passcode="PASS") as fake:
            yield fake


    def test_signup_reaches_clevertap(clevertap):
        record = {"type": "event", "identity": "u-1", "evtName": "Signed Up", "evtData": {}}
        request = urllib.request.Request(
            clevertap.url + "/1/upload",
            data=json.dumps({"d": [record]}).encode(),
            headers={"X-CleverTap-Account-Id": "ACC", "X-CleverTap-Passcode": "PASS",
                     "Content-Type": "application/json; charset=utf-8"},
        )
        with urllib.request.urlopen(request) as response:
            assert json.load(response)["status"] == "success"
        assert clevertap.records == [record]

    def test_upload_survives_an_outage(clevertap):
        clevertap.fail_next(2, status=503)    # then answers normally
        ...

What happens to a request, in order: an injected fault (queued with ``fail_next``,
``delay_next``, ``drop_next``, ``malformed_next`` or ``redirect_next``, first in first out; else a
random one from ``fail_randomly``) answers it and nothing is stored, except ``delay``, which only
sleeps first. Then the route (404) and method (405), the concurrency limit (429), the credentials
(401), the content type and body shape and the per-request limits (400), and finally each record
(HTTP 200 with ``success``, ``partial`` or ``fail``). Every request is kept in
:attr:`FakeCleverTap.requests`. The per-record codes, and the choices made where CleverTap does not
document one, are listed in :mod:`clevertap_segment._fake_validation`.
"""

from __future__ import annotations

import collections
import contextlib
import json
import random
import socket
import socketserver
import threading
import time
from collections.abc import Iterable, Sequence
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import TYPE_CHECKING, Any, Optional
from urllib.parse import parse_qsl, urlsplit

import attrs

from ._fake_validation import RecordRules, answer_delete, answer_upload, failure

if TYPE_CHECKING:
    # Type checkers only: typing.Self needs Python 3.11, and typing_extensions is no dependency.
    from typing_extensions import Self

__all__ = ["FakeCleverTap", "FakeRequest"]

UPLOAD_PATH = "/1/upload"
DELETE_PATH = "/1/delete/profiles.json"
# Far above any legal upload (1000 records), low enough that a garbage Content-Length cannot
# make the fake allocate gigabytes.
_MAX_BODY_BYTES = 100 * 1024 * 1024
_STATUS_FAULTS = frozenset({"400", "401", "403", "429", "500", "502", "503", "504"})
_OTHER_FAULTS = frozenset({"drop", "malformed", "delay", "redirect"})
_DEFAULT_MALFORMED_BODY = "<html>oops</html>"
_DEFAULT_REDIRECT = "http://127.0.0.1:9/elsewhere"
_JSON = "application/json; charset=utf-8"


@attrs.frozen(kw_only=True)
class FakeRequest:
    """One request the fake received.

    Attributes:
        method: The HTTP method, such as ``"POST"``.
        path: The path without the query string, such as ``"/1/upload"``.
        query: The query parameters (the last value wins for a repeated name).
        headers: The request headers as sent, names in their original case; use :meth:`header`
            for a case-insensitive look-up.
        body: The body parsed as JSON, or ``None`` when it is empty or not JSON (or when the
            fake was made with ``keep_payloads=False``). Its records are the very objects in
            :attr:`FakeCleverTap.records`.
        raw_body: The body as received (empty with ``keep_payloads=False``).
        status: The HTTP status the fake answered, or ``None`` when it dropped the connection.
        fault: The injected fault that decided the answer (``"503"``, ``"drop"``,
            ``"malformed"``, ``"delay"``, ``"redirect"``…), or ``None``.
    """

    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    body: Any
    raw_body: bytes
    status: Optional[int]
    fault: Optional[str] = None

    def header(self, name: str) -> Optional[str]:
        """The value of the header ``name``, compared case-insensitively, or ``None``."""
        wanted = name.lower()
        for key, value in self.headers.items():
            if key.lower() == wanted:
                return value
        return None


@attrs.frozen
class _Fault:
    """One injected behaviour; ``label`` is what :attr:`FakeRequest.fault` reports."""

    label: str
    status: int = 500
    retry_after: Optional[str] = None
    body: Optional[str] = None
    seconds: float = 0.0
    location: str = _DEFAULT_REDIRECT


@attrs.frozen
class _Reply:
    """What to answer, and what to keep once the answer is decided."""

    status: Optional[int]  # None: close the connection without answering
    body: bytes = b""
    headers: tuple[tuple[str, str], ...] = ()
    accepted: Sequence[Any] = ()
    deleted: Optional[dict[str, Any]] = None


@attrs.frozen
class _Incoming:
    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    raw_body: bytes


class FakeCleverTap:
    """A fake CleverTap Upload API server on loopback, for tests.

    Args:
        account_id: The account ID the fake accepts in ``X-CleverTap-Account-Id``.
        passcode: The passcode the fake accepts in ``X-CleverTap-Passcode``.
        max_records: Most records one upload may carry (else HTTP 400).
        max_token_records: Most ``token`` records one upload may carry (else HTTP 400).
        max_concurrent: Most requests processed at once; one more is answered HTTP 429.
        validate: Check each record like CleverTap; ``False`` accepts every record.
        host: The address to listen on.
        port: The port to listen on; ``0`` picks a free one.
        max_event_properties: Most properties one event may carry (else code 522).
        allow_both_identifiers: Accept records with both ``identity`` and ``objectId`` (by
            default they are rejected with code 523: CleverTap wants exactly one).
        restricted_event_names: Event names rejected with code 513 (compared case-insensitively,
            spaces ignored); ``None`` for CleverTap's system event names.
        discarded_event_names: Event names rejected with code 528, as if discarded in the
            dashboard.
        keep_payloads: ``False`` keeps no records and no request bodies, only counts (see
            :attr:`accepted_count`): for benchmarks that push millions of records.

    Example:
        >>> with FakeCleverTap() as fake:  # doctest: +SKIP
        ...     fake.fail_next(status=503, retry_after="1")
        ...     run_my_upload(fake.url)
        ...     assert [r.status for r in fake.requests] == [503, 200]
    """

    def __init__(
        self,
        *,
        account_id: str = "TEST-ACCOUNT",
        passcode: str = "TEST-PASSCODE",
        max_records: int = 1000,
        max_token_records: int = 100,
        max_concurrent: int = 15,
        validate: bool = True,
        host: str = "127.0.0.1",
        port: int = 0,
        max_event_properties: int = 100,
        allow_both_identifiers: bool = False,
        restricted_event_names: Optional[Iterable[str]] = None,
        discarded_event_names: Iterable[str] = (),
        keep_payloads: bool = True,
    ) -> None:
        self.account_id = account_id
        self.passcode = passcode
        self.max_records = max_records
        self.max_token_records = max_token_records
        self.max_concurrent = max_concurrent
        self.validate = validate
        self.host = host
        self.port = port
        self.keep_payloads = keep_payloads
        self.rules = RecordRules.build(
            max_event_properties=max_event_properties,
            allow_both_identifiers=allow_both_identifiers,
            restricted_event_names=restricted_event_names,
            discarded_event_names=discarded_event_names,
        )
        self.records: list[dict[str, Any]] = []
        self.requests: list[FakeRequest] = []
        self.deleted: list[dict[str, Any]] = []
        self._lock = threading.Lock()
        self._queued: collections.deque[_Fault] = collections.deque()
        self._random_rate = 0.0
        self._random_faults: tuple[str, ...] = ()
        self._random = random.Random(0)  # noqa: S311 - reproducible faults, not cryptography
        self._random_delay = 0.05
        self._in_flight = 0
        self._max_in_flight = 0
        self._accepted_count = 0
        self._server: Optional[_FakeHTTPServer] = None
        self._thread: Optional[threading.Thread] = None
        self._url: Optional[str] = None

    # -- lifecycle -------------------------------------------------------------------------

    @property
    def url(self) -> str:
        """The base URL, such as ``http://127.0.0.1:54321`` (no trailing slash).

        Raises:
            RuntimeError: The fake was never started.
        """
        if self._url is None:
            msg = "FakeCleverTap is not started: call start() or use it as a context manager"
            raise RuntimeError(msg)
        return self._url

    def start(self) -> Self:
        """Bind the port and serve from a daemon thread.

        Returns:
            The fake itself, so that ``fake = FakeCleverTap().start()`` works.

        Raises:
            RuntimeError: The fake was already started.
        """
        if self._server is not None:
            msg = "FakeCleverTap is already started"
            raise RuntimeError(msg)
        server_class = _FakeHTTPServer6 if ":" in self.host else _FakeHTTPServer
        server = server_class((self.host, self.port), _Handler, self)
        port = server.server_address[1]
        host = f"[{self.host}]" if ":" in self.host else self.host
        self._url = f"http://{host}:{port}"
        self._server = server
        # A short poll interval lets stop() return promptly (shutdown waits for the next poll).
        self._thread = threading.Thread(
            target=server.serve_forever,
            kwargs={"poll_interval": 0.01},
            name=f"FakeCleverTap:{port}",
            daemon=True,
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving, close open connections and join the thread. Safe to call twice."""
        server, thread = self._server, self._thread
        if server is None or thread is None:
            return
        self._server = self._thread = None
        server.shutdown()
        server.server_close()
        server.close_connections()
        thread.join()

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    # -- faults ----------------------------------------------------------------------------

    def fail_next(
        self,
        count: int = 1,
        *,
        status: int = 500,
        retry_after: Optional[str] = None,
        body: Optional[str] = None,
    ) -> None:
        """Answer the next ``count`` requests with HTTP ``status``.

        Args:
            count: How many requests.
            status: The HTTP status, such as 500, 503, 429 or 400.
            retry_after: The ``Retry-After`` header value, or ``None`` for no header.
            body: The raw body to answer; by default a CleverTap-style JSON error.
        """
        self._queue(count, _Fault(str(status), status=status, retry_after=retry_after, body=body))

    def delay_next(self, count: int = 1, *, seconds: float) -> None:
        """Sleep ``seconds`` before processing each of the next ``count`` requests normally."""
        if seconds < 0:
            msg = f"seconds must not be negative, got {seconds}"
            raise ValueError(msg)
        self._queue(count, _Fault("delay", seconds=seconds))

    def drop_next(self, count: int = 1) -> None:
        """Read each of the next ``count`` requests, then close the connection unanswered."""
        self._queue(count, _Fault("drop"))

    def malformed_next(self, count: int = 1, *, body: str = _DEFAULT_MALFORMED_BODY) -> None:
        """Answer the next ``count`` requests HTTP 200 with ``body`` (not JSON); store nothing."""
        self._queue(count, _Fault("malformed", status=200, body=body))

    def redirect_next(self, count: int = 1, *, location: str = _DEFAULT_REDIRECT) -> None:
        """Answer the next ``count`` requests HTTP 302 to ``location``."""
        self._queue(count, _Fault("redirect", status=302, location=location))

    def fail_randomly(
        self,
        rate: float,
        *,
        faults: Sequence[str] = ("500", "429", "drop"),
        seed: int = 0,
        delay_seconds: float = 0.05,
    ) -> None:
        """Give each later request, with probability ``rate``, a fault picked from ``faults``.

        The draws come from ``random.Random(seed)`` in the order requests arrive, so a run of
        sequential requests is reproducible. Queued faults still come first.

        Args:
            rate: Probability between 0 and 1; ``0`` turns random faults off.
            faults: Fault names to pick from: HTTP statuses ``"400"``, ``"401"``, ``"403"``,
                ``"429"``, ``"500"``, ``"502"``, ``"503"``, ``"504"``, or ``"drop"``,
                ``"malformed"``, ``"delay"``, ``"redirect"``.
            seed: Seed of the random generator.
            delay_seconds: How long a ``"delay"`` fault sleeps.

        Raises:
            ValueError: ``rate`` is outside 0..1, or a fault name is unknown, or none is given
                with a positive rate.
        """
        if not 0.0 <= rate <= 1.0:
            msg = f"rate must be between 0 and 1, got {rate}"
            raise ValueError(msg)
        unknown = sorted(set(faults) - _STATUS_FAULTS - _OTHER_FAULTS)
        if unknown:
            msg = f"unknown fault names {unknown}: use {sorted(_STATUS_FAULTS | _OTHER_FAULTS)}"
            raise ValueError(msg)
        if rate > 0 and not faults:
            msg = "faults must name at least one fault when rate > 0"
            raise ValueError(msg)
        with self._lock:
            self._random_rate = rate
            self._random_faults = tuple(faults)
            self._random = random.Random(seed)  # noqa: S311 - reproducible, not cryptography
            self._random_delay = delay_seconds

    def reset(self) -> None:
        """Forget records, requests, deletions, queued and random faults, and the in-flight peak."""
        with self._lock:
            self.records.clear()
            self.requests.clear()
            self.deleted.clear()
            self._queued.clear()
            self._random_rate = 0.0
            self._random_faults = ()
            self._accepted_count = 0
            self._max_in_flight = self._in_flight

    # -- observations ----------------------------------------------------------------------

    @property
    def max_in_flight(self) -> int:
        """The highest number of requests seen being processed at the same time."""
        return self._max_in_flight

    @property
    def in_flight(self) -> int:
        """How many requests are being processed right now."""
        return self._in_flight

    @property
    def accepted_count(self) -> int:
        """How many records the fake accepted and stored (counted even with keep_payloads off)."""
        return self._accepted_count

    # -- request processing (called from the handler threads) ------------------------------

    def _queue(self, count: int, fault: _Fault) -> None:
        if count < 0:
            msg = f"count must not be negative, got {count}"
            raise ValueError(msg)
        with self._lock:
            self._queued.extend([fault] * count)

    def _take_fault_locked(self) -> Optional[_Fault]:
        if self._queued:
            return self._queued.popleft()
        if self._random_rate > 0 and self._random.random() < self._random_rate:
            return self._random_fault(self._random.choice(self._random_faults))
        return None

    def _random_fault(self, label: str) -> _Fault:
        if label == "delay":
            return _Fault("delay", seconds=self._random_delay)
        if label == "malformed":
            return _Fault("malformed", status=200, body=_DEFAULT_MALFORMED_BODY)
        if label == "redirect":
            return _Fault("redirect", status=302)
        if label == "drop":
            return _Fault("drop")
        return _Fault(label, status=int(label))

    def _process(self, incoming: _Incoming) -> _Reply:
        """Decide the answer to one request and record it before the answer is sent.

        Records and the request log are updated, and the request leaves the in-flight count,
        before the caller writes the answer: a client that has its answer sees it reflected
        everywhere, and a client that sends its next request at once is not counted twice.
        """
        with self._lock:
            self._in_flight += 1
            arrival_in_flight = self._in_flight
            self._max_in_flight = max(self._max_in_flight, arrival_in_flight)
            fault = self._take_fault_locked()
        body = _parse_json(incoming.raw_body)
        try:
            reply = self._answer(incoming, body, fault, arrival_in_flight)
        except Exception as error:  # noqa: BLE001 - garbage must get a 500 answer, not kill the fake
            reply = _error_reply(500, f"Fake server error: {type(error).__name__}: {error}")
        request = FakeRequest(
            method=incoming.method,
            path=incoming.path,
            query=incoming.query,
            headers=incoming.headers,
            body=body if self.keep_payloads and body is not _NOT_JSON else None,
            raw_body=incoming.raw_body if self.keep_payloads else b"",
            status=reply.status,
            fault=fault.label if fault is not None else None,
        )
        with self._lock:
            self._in_flight -= 1
            self.requests.append(request)
            self._accepted_count += len(reply.accepted)
            if self.keep_payloads:
                self.records.extend(reply.accepted)
            if reply.deleted is not None:
                self.deleted.append(reply.deleted)
        return reply

    def _answer(
        self, incoming: _Incoming, body: Any, fault: Optional[_Fault], arrival_in_flight: int
    ) -> _Reply:
        if fault is not None:
            if fault.label != "delay":
                return _fault_reply(fault)
            time.sleep(fault.seconds)
        if incoming.path not in (UPLOAD_PATH, DELETE_PATH):
            return _error_reply(404, f"Not found: {incoming.path}")
        if incoming.method != "POST":
            return _error_reply(
                405, f"Method {incoming.method} not allowed", headers=(("Allow", "POST"),)
            )
        if arrival_in_flight > self.max_concurrent:
            return _error_reply(429, "Too many concurrent requests")
        lower_headers = {name.lower(): value for name, value in incoming.headers.items()}
        if lower_headers.get("x-clevertap-account-id") != self.account_id:
            return _error_reply(401, "Account ID is not valid")
        if lower_headers.get("x-clevertap-passcode") != self.passcode:
            return _error_reply(401, "Invalid Passcode")
        content_type = lower_headers.get("content-type", "")
        if content_type.split(";", 1)[0].strip().lower() != "application/json":
            return _error_reply(400, "Content-Type must be application/json")
        if body is _NOT_JSON:
            return _error_reply(400, "Request body is not valid JSON")
        if incoming.path == UPLOAD_PATH:
            verdict = answer_upload(
                body,
                max_records=self.max_records,
                max_token_records=self.max_token_records,
                rules=self.rules if self.validate else None,
            )
        else:
            verdict = answer_delete(body)
        if incoming.query.get("dryRun", "").lower() in ("1", "true"):
            # Validated and answered as usual, but nothing is kept.
            return _json_reply(verdict.status, verdict.payload)
        return _json_reply(
            verdict.status, verdict.payload, accepted=verdict.accepted, deleted=verdict.deleted
        )


# A sentinel distinct from a JSON ``null`` body.
_NOT_JSON: Any = object()


def _parse_json(raw: bytes) -> Any:
    if not raw:
        return _NOT_JSON
    try:
        return json.loads(raw)
    except (ValueError, RecursionError):
        # ValueError covers bad JSON and bad UTF-8; absurd nesting raises RecursionError.
        return _NOT_JSON


def _json_reply(
    status: int,
    payload: Any,
    *,
    headers: tuple[tuple[str, str], ...] = (),
    accepted: Sequence[Any] = (),
    deleted: Optional[dict[str, Any]] = None,
) -> _Reply:
    return _Reply(
        status=status,
        body=json.dumps(payload).encode(),
        headers=(("Content-Type", _JSON), *headers),
        accepted=accepted,
        deleted=deleted,
    )


def _error_reply(status: int, error: str, *, headers: tuple[tuple[str, str], ...] = ()) -> _Reply:
    return _json_reply(status, failure(status, error).payload, headers=headers)


def _fault_reply(fault: _Fault) -> _Reply:
    if fault.label == "drop":
        return _Reply(status=None)
    if fault.label == "redirect":
        return _Reply(status=302, headers=(("Location", fault.location),))
    if fault.label == "malformed":
        body = fault.body if fault.body is not None else _DEFAULT_MALFORMED_BODY
        return _Reply(status=200, body=body.encode(), headers=(("Content-Type", "text/html"),))
    headers = (("Retry-After", fault.retry_after),) if fault.retry_after is not None else ()
    if fault.body is None:
        return _error_reply(fault.status, f"Injected fault: HTTP {fault.status}", headers=headers)
    content_type = _JSON if _parse_json(fault.body.encode()) is not _NOT_JSON else "text/plain"
    return _Reply(
        status=fault.status,
        body=fault.body.encode(),
        headers=(("Content-Type", content_type), *headers),
    )


class _FakeHTTPServer(ThreadingHTTPServer):
    """The HTTP server, with what the handler needs to reach its :class:`FakeCleverTap`."""

    daemon_threads = True
    # Concurrency tests and benchmarks open many connections at once; the default backlog
    # of 5 would make the kernel drop connection attempts and the client wait a second.
    request_queue_size = 128

    def __init__(
        self,
        address: tuple[str, int],
        handler: type[BaseHTTPRequestHandler],
        fake: FakeCleverTap,
    ) -> None:
        self.fake = fake
        self._connections: set[socket.socket] = set()
        self._connections_lock = threading.Lock()
        super().__init__(address, handler)

    def server_bind(self) -> None:
        # HTTPServer.server_bind resolves the host name, which can stall without DNS.
        socketserver.TCPServer.server_bind(self)
        host, port = self.server_address[:2]
        self.server_name = str(host)
        self.server_port = int(port)

    def handle_error(self, request: Any, client_address: Any) -> None:
        # A client hanging up mid-answer is normal in fault tests: stay quiet.
        pass

    def track(self, connection: socket.socket) -> None:
        """Remember an open connection, so that stop() can close it."""
        with self._connections_lock:
            self._connections.add(connection)

    def untrack(self, connection: socket.socket) -> None:
        """Forget a connection the handler is done with."""
        with self._connections_lock:
            self._connections.discard(connection)

    def close_connections(self) -> None:
        """Shut down idle keep-alive connections, so their threads end and sockets close."""
        with self._connections_lock:
            connections = list(self._connections)
        for connection in connections:
            with contextlib.suppress(OSError):  # already closed by its thread
                connection.shutdown(socket.SHUT_RDWR)


class _FakeHTTPServer6(_FakeHTTPServer):
    address_family = socket.AF_INET6


class _Handler(BaseHTTPRequestHandler):
    """Reads one request, lets :meth:`FakeCleverTap._process` decide, writes the answer."""

    server: _FakeHTTPServer
    protocol_version = "HTTP/1.1"
    # One buffered write per answer (flushed by handle_one_request) and no Nagle delay: with
    # separate small writes for headers and body, delayed ACKs cost ~40 ms per request.
    wbufsize = 64 * 1024
    disable_nagle_algorithm = True

    def setup(self) -> None:
        super().setup()
        self.server.track(self.connection)

    def finish(self) -> None:
        self.server.untrack(self.connection)
        super().finish()

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - the base signature
        pass  # tests want a quiet server

    def do_POST(self) -> None:
        """Serve any request (the fake itself answers 405 to methods other than POST)."""
        self._serve()

    # http.server dispatches on these names; the fake answers each method itself.
    do_GET = do_PUT = do_DELETE = do_PATCH = do_OPTIONS = do_HEAD = do_POST  # noqa: N815

    def send_error(
        self, code: int, message: Optional[str] = None, explain: Optional[str] = None
    ) -> None:
        """Answer protocol errors (bad request line, unknown method) in CleverTap's JSON form."""
        self.close_connection = True
        if self.request_version == "HTTP/0.9":
            # Garbage request lines leave the version at its HTTP/0.9 default, which would
            # suppress the status line: answer in HTTP/1.1 so the client sees a real 400.
            self.request_version = self.protocol_version
        self._write(_error_reply(code, message or self.responses.get(code, ("Error",))[0]))

    def _serve(self) -> None:
        try:
            raw_body = self._read_body()
        except _UnreadableBodyError as error:
            self.close_connection = True
            self._write(_error_reply(error.status, str(error)))
            return
        split = urlsplit(self.path)
        incoming = _Incoming(
            method=self.command,
            path=split.path,
            query=dict(parse_qsl(split.query, keep_blank_values=True)),
            headers=dict(self.headers.items()),
            raw_body=raw_body,
        )
        reply = self.server.fake._process(incoming)
        if reply.status is None:
            self.close_connection = True
            return
        self._write(reply)

    def _read_body(self) -> bytes:
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            return self._read_chunked()
        length_header = self.headers.get("Content-Length")
        if length_header is None:
            return b""
        try:
            length = int(length_header)
        except ValueError:
            raise _UnreadableBodyError(400, "Content-Length is not a number") from None
        if length < 0:
            raise _UnreadableBodyError(400, "Content-Length is negative")
        if length > _MAX_BODY_BYTES:
            raise _UnreadableBodyError(413, f"Request body is larger than {_MAX_BODY_BYTES} bytes")
        return self.rfile.read(length)

    def _read_chunked(self) -> bytes:
        chunks: list[bytes] = []
        total = 0
        while True:
            size_line = self.rfile.readline(1024)
            try:
                size = int(size_line.split(b";", 1)[0].strip(), 16)
            except ValueError:
                raise _UnreadableBodyError(400, "Bad chunked encoding") from None
            if size == 0:
                # Skip trailers up to the blank line that ends the body.
                while self.rfile.readline(1024) not in (b"\r\n", b"\n", b""):
                    pass
                return b"".join(chunks)
            total += size
            if total > _MAX_BODY_BYTES:
                raise _UnreadableBodyError(
                    413, f"Request body is larger than {_MAX_BODY_BYTES} bytes"
                )
            chunks.append(self.rfile.read(size))
            self.rfile.readline(1024)  # the CRLF after each chunk

    def _write(self, reply: _Reply) -> None:
        assert reply.status is not None  # noqa: S101 - dropped replies never get here
        self.send_response(reply.status)
        for name, value in reply.headers:
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(reply.body)))
        if self.close_connection:
            self.send_header("Connection", "close")
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(reply.body)


class _UnreadableBodyError(Exception):
    """The request body cannot be read; ``status`` is the HTTP status to answer."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
