"""How fast is ``clevertap-segment translate`` end to end, and is its memory flat?

Target (issue #4): on an NDJSON file of 1,000,000 Segment messages, the command's throughput is at
least half that of a bare standard-library loop doing ``json.loads`` + ``json.dumps`` of each
line, and its peak memory is the same for 100,000 messages as for 1,000,000.

Each run is a separate process (the real command, started as users start it), timed from start to
exit with its output going to /dev/null; peak RSS comes from the kernel's accounting of that
process (``os.wait4``). Runs take turns, and the fastest of ``--rounds`` counts, which spreads the
noise of a shared machine over every run alike.

Run: ``python bench/cli.py [--messages N] [--small N] [--rounds R] [--dir DIR]``
(the corpus files are made once, deterministically, and kept in DIR).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from corpus import make_corpus

# The baseline: what any tool that reads and writes this NDJSON pays at least.
BASELINE = """
import json, sys
loads, dumps = json.loads, json.dumps
write = sys.stdout.write
with open(sys.argv[1], encoding="utf-8") as lines:
    for line in lines:
        write(dumps(loads(line)) + "\\n")
"""
_CHUNK = 50_000


def corpus_file(directory: Path, count: int) -> Path:
    """An NDJSON file of ``count`` corpus messages, made once and then reused.

    It is made by a child process: making it here would raise this process's peak RSS, which
    the kernel then also reports for every child started after it (the child is a copy of this
    process until it starts the command).
    """
    path = directory / f"segment-corpus-{count}.ndjson"
    if not path.exists():
        partial = path.with_suffix(".partial")
        command = [sys.executable, __file__, "--write-corpus", str(count), str(partial)]
        subprocess.run(command, check=True)
        partial.rename(path)
    return path


def write_corpus(count: int, path: Path) -> None:
    """Write ``count`` corpus messages to ``path`` as NDJSON."""
    with path.open("w", encoding="utf-8") as out:
        for start in range(0, count, _CHUNK):
            # make_corpus holds its messages in memory: made in chunks, each its own seed, with
            # message IDs renumbered to stay unique across chunks.
            chunk = make_corpus(min(_CHUNK, count - start), seed=1 + start // _CHUNK)
            for offset, message in enumerate(chunk):
                message["messageId"] = f"msg-{start + offset:08d}"
                out.write(json.dumps(message) + "\n")


def measure(args: list[str]) -> tuple[float, int]:
    """Seconds from start to exit, and peak RSS in bytes, of one run with output discarded."""
    started = time.perf_counter()
    process = subprocess.Popen(args, stdout=subprocess.DEVNULL)
    # wait4 gives the resource usage of this one child (RUSAGE_CHILDREN would mix them).
    _, status, usage = os.wait4(process.pid, 0)
    elapsed = time.perf_counter() - started
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode not in (0, 1):
        msg = f"{' '.join(args)} exited with status {process.returncode}"
        raise RuntimeError(msg)
    return elapsed, usage.ru_maxrss * 1024  # Linux reports kilobytes


def translate_command(path: Path, library: str) -> list[str]:
    return [
        sys.executable,
        "-m",
        "clevertap_segment",
        "translate",
        str(path),
        "--quiet",
        "--json-library",
        library,
    ]


def libraries() -> list[str]:
    try:
        import orjson  # noqa: F401
    except ImportError:
        return ["stdlib"]
    return ["stdlib", "orjson"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--messages", type=int, default=1_000_000)
    parser.add_argument("--small", type=int, default=100_000, help="messages in the RSS check")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--dir", type=Path, default=Path(tempfile.gettempdir()) / "ct-bench")
    parser.add_argument("--write-corpus", nargs=2, metavar=("N", "PATH"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.write_corpus:
        write_corpus(int(args.write_corpus[0]), Path(args.write_corpus[1]))
        return
    args.dir.mkdir(parents=True, exist_ok=True)

    big = corpus_file(args.dir, args.messages)
    small = corpus_file(args.dir, args.small)
    print(
        f"corpus: {args.messages:,} messages, {big.stat().st_size / 1e6:,.0f} MB ({big}); "
        f"python {sys.version.split()[0]}"
    )

    runs = {"json.loads + json.dumps": [sys.executable, "-c", BASELINE, str(big)]}
    for library in libraries():
        runs[f"translate ({library})"] = translate_command(big, library)
    best = dict.fromkeys(runs, float("inf"))
    peak = dict.fromkeys(runs, 0)
    for _ in range(args.rounds):
        for label, command in runs.items():
            seconds, rss = measure(command)
            best[label] = min(best[label], seconds)
            peak[label] = max(peak[label], rss)

    baseline = best["json.loads + json.dumps"]
    for label, seconds in best.items():
        line = (
            f"{label:<26} {args.messages / seconds:>9,.0f} messages/s  {seconds:6.1f} s  "
            f"peak RSS {peak[label] / 2**20:5.1f} MiB"
        )
        if label.startswith("translate"):
            ratio = baseline / seconds
            verdict = "meets" if ratio >= 0.5 else "MISSES"
            line += f"  ratio {ratio:.2f} ({verdict} the 0.5 target)"
        print(line)

    for library in libraries():
        _, small_rss = measure(translate_command(small, library))
        big_rss = peak[f"translate ({library})"]
        growth = big_rss / small_rss
        verdict = "flat" if growth < 1.2 else "GROWS"
        print(
            f"peak RSS, translate ({library}): {args.small:,} messages "
            f"{small_rss / 2**20:.1f} MiB, {args.messages:,} messages "
            f"{big_rss / 2**20:.1f} MiB ({growth:.2f}x: {verdict})"
        )


if __name__ == "__main__":
    main()
