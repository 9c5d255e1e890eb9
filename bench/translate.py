"""How fast is translate()? Compared, in the same process, with a stdlib JSON round trip.

Target (issue #2): translate's throughput is at least 2x that of ``json.loads`` + ``json.dumps``
of the same messages, that is translation costs at most half of merely parsing and printing them.

Run: ``python bench/translate.py [--messages N] [--rounds R]``
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Callable

sys.path.insert(0, str(Path(__file__).resolve().parent))

from corpus import make_corpus

from clevertap_segment import translate


def best_times(runs: Mapping[str, Callable[[], object]], rounds: int) -> dict[str, float]:
    """The fastest of ``rounds`` timings of each run, the runs taking turns.

    Taking turns spreads the noise of a shared machine over every run alike.
    """
    best = dict.fromkeys(runs, float("inf"))
    for _ in range(rounds):
        for label, run in runs.items():
            start = time.perf_counter()
            run()
            best[label] = min(best[label], time.perf_counter() - start)
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--messages", type=int, default=50_000)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()

    messages = make_corpus(args.messages)
    lines = [json.dumps(message) for message in messages]
    records = sum(len(translate(message)) for message in messages)
    print(
        f"corpus: {len(messages):,} messages -> {records:,} records, "
        f"{sum(map(len, lines)) / len(lines):.0f} bytes/message as JSON"
    )

    def run_translate() -> None:
        for message in messages:
            translate(message)

    def run_json() -> None:
        loads, dumps = json.loads, json.dumps
        for line in lines:
            dumps(loads(line))

    runs = {"translate()": run_translate, "json.loads + json.dumps": run_json}
    best = best_times(runs, args.rounds)
    for label, seconds in best.items():
        print(
            f"{label:<26} {len(messages) / seconds:>10,.0f} messages/s"
            f"   ({seconds * 1e6 / len(messages):.2f} µs/message)"
        )
    ratio = best["json.loads + json.dumps"] / best["translate()"]
    verdict = "meets" if ratio >= 2 else "MISSES"
    print(f"ratio translate / JSON round trip: {ratio:.2f}x ({verdict} the 2x target)")


if __name__ == "__main__":
    main()
