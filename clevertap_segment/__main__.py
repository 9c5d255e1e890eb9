"""``python -m clevertap_segment FILE ...``: print the CleverTap records of Segment NDJSON files.

Records go to standard output as NDJSON; each message that cannot be translated is reported on
standard error with its line number, and the exit status is 1 if there was any.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator, Sequence
from typing import Any, Optional, TextIO

from ._translate import translate_many


def _read(stream: TextIO) -> Iterator[Any]:
    for line in stream:
        if line.strip():
            try:
                yield json.loads(line)
            except json.JSONDecodeError as error:
                yield {"__not_json__": str(error)}


def main(argv: Optional[Sequence[str]] = None) -> int:
    """Translate the NDJSON files named in ``argv`` (or standard input) and print the records."""
    paths = list(sys.argv[1:] if argv is None else argv) or ["-"]
    status = 0
    for path in paths:
        stream = sys.stdin if path == "-" else open(path, encoding="utf-8")  # noqa: SIM115
        with stream:
            for outcome in translate_many(_read(stream)):
                for record in outcome.records:
                    sys.stdout.write(json.dumps(record, ensure_ascii=False) + "\n")
                if outcome.error is not None:
                    status = 1
                    sys.stderr.write(f"{path}: message {outcome.index + 1}: {outcome.error}\n")
    return status


if __name__ == "__main__":
    sys.exit(main())
