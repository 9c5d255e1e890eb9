"""How fast does Client.upload deliver, and does its memory stay flat?

Sends translated records to a FakeCleverTap running in a separate process on loopback (so that
its work and memory are not counted against the sender), and compares, in the same run:

- ``client.upload`` at ``max_concurrency=1`` and higher, against
- a bare loop of ``session.post`` of the same pre-built 1000-record batches (keep-alive, the same
  compact JSON, no checks, no retries) to the same server.

Targets (issue #3): at ``max_concurrency=1`` the sender's overhead over the bare loop is at most
1.2x; with concurrency it beats the bare loop. Then peak RSS of a process uploading 100,000 and
1,000,000 freshly made records (the input is a generator): it should not grow with the input.

Loopback has no latency, so there concurrency can only overlap the two processes' CPU work;
``--latency`` adds a wait before each answer, like the round trip to a real server, where
requests in flight overlap their waits.

Run: ``python bench/send.py [--records N] [--rounds R] [--latency S ...] [--rss-records A B]``
"""

from __future__ import annotations

import argparse
import itertools
import json
import resource
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any, Callable

sys.path.insert(0, str(Path(__file__).resolve().parent))

import requests
from corpus import make_corpus

from clevertap_segment import Client, translate

ACCOUNT = "BENCH-ACCOUNT"
PASSCODE = "BENCH-PASSCODE"
HEADERS = {
    "X-CleverTap-Account-Id": ACCOUNT,
    "X-CleverTap-Passcode": PASSCODE,
    "Content-Type": "application/json; charset=utf-8",
}

SERVER = """
import sys
from clevertap_segment.testing import FakeCleverTap
fake = FakeCleverTap(account_id=sys.argv[1], passcode=sys.argv[2], keep_payloads=False,
                     validate=sys.argv[3] == "1")
latency = float(sys.argv[4])
if latency > 0:  # every request waits first, like a round trip to a distant server
    fake.fail_randomly(1.0, faults=("delay",), delay_seconds=latency)
fake.start()
print(fake.url, flush=True)
sys.stdin.read()  # serve until the benchmark closes our stdin
fake.stop()
"""


def start_server(validate: bool, latency: float = 0.0) -> tuple[subprocess.Popen[str], str]:
    """A FakeCleverTap in its own process; returns it and its URL."""
    process = subprocess.Popen(
        [sys.executable, "-c", SERVER, ACCOUNT, PASSCODE, "1" if validate else "0", str(latency)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    if process.stdout is None:
        raise SystemExit("could not read the server's address")
    return process, process.stdout.readline().strip()


def record_pool(size: int) -> list[dict[str, Any]]:
    """Records translated from the benchmark corpus."""
    pool: list[dict[str, Any]] = []
    for message in make_corpus(size):
        pool.extend(translate(message))
    return pool[:size]


def fresh_records(count: int, pool: list[dict[str, Any]]) -> Iterator[dict[str, Any]]:
    """``count`` new record objects, made one at a time (nothing is kept here)."""
    for index, template in zip(range(count), itertools.cycle(pool)):
        record = dict(template)
        record["ts"] = 1_700_000_000 + index
        yield record


def bare_loop(url: str, batches: list[list[dict[str, Any]]]) -> None:
    """The baseline: post each pre-built batch, one after the other."""
    with requests.Session() as session:
        for batch in batches:
            body = json.dumps({"d": batch}, separators=(",", ":"))
            response = session.post(url + "/1/upload", data=body, headers=HEADERS, timeout=30)
            if response.status_code != 200:
                raise SystemExit(f"bare loop got HTTP {response.status_code}")


def sender(url: str, records: list[dict[str, Any]], concurrency: int) -> Callable[[], None]:
    def run() -> None:
        with Client(
            account_id=ACCOUNT, passcode=PASSCODE, endpoint=url, max_concurrency=concurrency
        ) as client:
            report = client.upload(records)
        if report.processed != len(records):
            raise SystemExit(f"sender delivered {report.processed} of {len(records)}")

    return run


def rss_child(url: str, count: int) -> None:
    """Upload ``count`` fresh records and print this process's peak RSS in MiB."""
    pool = record_pool(1000)
    with Client(account_id=ACCOUNT, passcode=PASSCODE, endpoint=url, max_concurrency=4) as client:
        report = client.upload(fresh_records(count, pool))
    if report.processed != count:
        raise SystemExit(f"delivered {report.processed} of {count}")
    print(peak_rss_mib())


def peak_rss_mib() -> float:
    """This process's peak resident set size, in MiB."""
    try:
        # VmHWM belongs to this program's memory map alone; Linux carries ru_maxrss over
        # from the parent across fork and exec, so it would report the parent's size.
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    # ru_maxrss is in KiB on Linux, in bytes on macOS.
    scale = 1024 * 1024 if sys.platform == "darwin" else 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / scale


def peak_rss(url: str, count: int) -> float:
    output = subprocess.run(
        [sys.executable, __file__, "--rss-child", url, str(count)],
        capture_output=True,
        text=True,
        check=True,
    )
    return float(output.stdout.strip())


def compare(url: str, records: list[dict[str, Any]], args: argparse.Namespace) -> None:
    """Time the bare loop and the sender at each concurrency against the server at ``url``.

    Rounds interleave the contenders, and each keeps its best time, so that a burst of load
    from elsewhere on the machine does not favour whichever ran at a quiet moment.
    """
    batches = [records[i : i + 1000] for i in range(0, len(records), 1000)]
    contenders: dict[str, Callable[[], None]] = {
        "bare loop of session.post": lambda: bare_loop(url, batches)
    }
    for concurrency in args.concurrency:
        label = f"client.upload, max_concurrency={concurrency}"
        contenders[label] = sender(url, records, concurrency)
    best = dict.fromkeys(contenders, float("inf"))
    for _ in range(args.rounds):
        for label, run in contenders.items():
            start = time.perf_counter()
            run()
            best[label] = min(best[label], time.perf_counter() - start)
    bare = len(records) / best["bare loop of session.post"]
    for label, seconds in best.items():
        rate = len(records) / seconds
        print(f"{label:<40} {rate:>10,.0f} records/s  ({seconds:.2f} s)", end="")
        if label.startswith("client"):
            print(f"  overhead {bare / rate:.2f}x, throughput {rate / bare:.2f}x the bare loop")
        else:
            print()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--records", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--concurrency", type=int, nargs="+", default=[1, 3, 8])
    parser.add_argument(
        "--latency",
        type=float,
        nargs="+",
        default=[0.0, 0.02],
        help="seconds the server waits before each answer, one comparison per value",
    )
    parser.add_argument("--rss-records", type=int, nargs=2, default=[100_000, 1_000_000])
    parser.add_argument("--no-validate", action="store_true", help="fake skips record checks")
    parser.add_argument("--rss-child", nargs=2, metavar=("URL", "COUNT"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.rss_child:
        rss_child(args.rss_child[0], int(args.rss_child[1]))
        return

    records = record_pool(args.records)
    size = sum(len(json.dumps(record, separators=(",", ":"))) for record in records) / len(records)
    print(f"{len(records):,} translated records, ~{size:.0f} bytes each as JSON; "
          f"FakeCleverTap in a separate process, validation "
          f"{'off' if args.no_validate else 'on'}")  # fmt: skip
    for latency in args.latency:
        process, url = start_server(validate=not args.no_validate, latency=latency)
        try:
            print(f"\n-- server answers after {latency * 1000:.0f} ms of added latency")
            compare(url, records, args)
            if latency == args.latency[0]:
                small, large = args.rss_records
                rss_small, rss_large = peak_rss(url, small), peak_rss(url, large)
                print(f"peak RSS uploading {small:>9,} records: {rss_small:6.1f} MiB")
                print(f"peak RSS uploading {large:>9,} records: {rss_large:6.1f} MiB "
                      f"({rss_large / rss_small:.2f}x)")  # fmt: skip
        finally:
            if process.stdin is not None:
                process.stdin.close()
            process.wait(timeout=30)


if __name__ == "__main__":
    main()
