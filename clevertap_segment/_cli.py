"""The ``clevertap-segment`` command line: ``translate`` and ``send`` Segment NDJSON streams.

Also ``python -m clevertap_segment``. This module builds the parser and runs a command; the
settings are checked in ``_cli_settings.py``, the commands run in ``_cli_commands.py``.

Exit statuses: 0 everything made it; 1 some messages did not (each is in the rejects file);
2 a usage, configuration or I/O error; 3 CleverTap refused the credentials; 128 + N stopped by
signal N (130 for Ctrl-C, 143 for SIGTERM); 141 standard output closed early.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Mapping, Sequence
from typing import Any, Optional

from . import __version__
from ._batching import MAX_RECORDS
from ._cli_commands import run_send, run_translate
from ._cli_input import STDIN, InputUsageError, check_inputs
from ._cli_output import JSON_LIBRARIES, STDOUT, json_codec
from ._cli_report import EXIT_USAGE
from ._cli_run import quiet_broken_pipe
from ._cli_settings import (
    ACCOUNT_ENV,
    PASSCODE_ENV,
    REGION_ENV,
    CommonSettings,
    SendSettings,
    UsageError,
    add_mapping_options,
    check_outputs,
    endpoint,
    int_between,
    read_credentials,
    region,
    region_setting,
    seconds,
    translation_options,
)
from ._concurrency import MAX_CONCURRENCY
from ._regions import REGION_HOSTS

PROG = "clevertap-segment"

_DESCRIPTION = """\
Turn Segment messages (NDJSON, gzip, Segment batch lines) into CleverTap Upload API records, and
send them. Every message that does not make it is reported, with the reason, in a rejects file
you can fix and replay."""

_EPILOG = f"""\
examples:
  {PROG} translate examples/segment-events.ndjson
  {PROG} translate day/*.gz -o records.ndjson --rejects rejects.ndjson
  {PROG} send day/*.gz --region in1 --rejects rejects.ndjson
  {PROG} send --from-rejects rejects.ndjson --region in1 --rejects rejects-2.ndjson

exit status: 0 all made it, 1 some did not (see --rejects), 2 usage or configuration error,
3 CleverTap refused the credentials, 130 interrupted. Run '{PROG} COMMAND --help' for more."""

_TRANSLATE_EPILOG = f"""\
examples:
  {PROG} translate examples/segment-events.ndjson
  {PROG} translate archive/*.gz -o records.ndjson.gz --rejects rejects.ndjson
  {PROG} translate events.ndjson --format upload | head -n 1 > body.json
  cat events.ndjson | {PROG} translate --nested-properties flatten --key-case preserve

Works offline. Records go to standard output unless -o is given; the summary goes to standard
error. Exit status 1 when some message was rejected: each is in the --rejects file."""

_SEND_EPILOG = f"""\
credentials:
  {ACCOUNT_ENV} and {PASSCODE_ENV} in the environment, or --account-id and
  --passcode-file FILE. A passcode on the command line is refused: it would be kept in shell
  history and shown to every user of the machine in the process list.

examples:
  export {ACCOUNT_ENV}=W9R-...  {PASSCODE_ENV}=...
  {PROG} send archive/2026-11-02/*.gz --region in1 --rejects rejects.ndjson
  {PROG} send --from-rejects rejects.ndjson --region in1 --rejects rejects-2.ndjson
  {PROG} send events.ndjson --region in1 --dry-run

exit status: 0 all delivered, 1 some rejected or failed (each in --rejects), 2 usage or
configuration error, 3 CleverTap refused the credentials, 130 interrupted (Ctrl-C)."""


class _RefusePasscode(argparse.Action):
    """``--passcode`` exists only to be refused, without ever echoing its value."""

    def __call__(
        self,
        parser: argparse.ArgumentParser,
        namespace: argparse.Namespace,
        values: Any,
        option_string: Optional[str] = None,
    ) -> None:
        parser.error(
            "--passcode is refused: a passcode on the command line is kept in shell history and "
            f"shown in process lists; set {PASSCODE_ENV} in the environment or use "
            "--passcode-file FILE"
        )


# -- the parser -----------------------------------------------------------------------------


def _add_inputs(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "inputs",
        nargs="*",
        metavar="INPUT",
        help="Segment messages: NDJSON files, gzipped or not (recognised by content), with one "
        "message or one Segment batch ({\"batch\": [...]}) per line; '-' or nothing for "
        "standard input.",
    )


def _add_reporting_options(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("input and reporting")
    group.add_argument(
        "--from-rejects",
        action="store_true",
        help="The inputs are rejects files of an earlier run: take each line's 'message' (after "
        "you fixed it) and process it again.",
    )
    group.add_argument(
        "--rejects",
        metavar="FILE",
        help="Write each message that did not make it to FILE, one JSON line each: where it "
        "came from, at which stage it failed (parse, translate, deliver), why, and the "
        "original message. Messages skipped on purpose are not rejects.",
    )
    group.add_argument(
        "--warnings",
        metavar="FILE",
        help="Write, for each message translated with fields changed or left out, a JSON line "
        "with the warnings.",
    )
    group.add_argument(
        "--summary-json",
        metavar="FILE",
        help="Also write the final summary as one JSON object to FILE ('-': standard output).",
    )
    group.add_argument(
        "-q",
        "--quiet",
        action="store_true",
        help="No progress and no summary; errors, and a line saying how many messages did not "
        "make it, still go to standard error.",
    )
    group.add_argument(
        "--progress-interval",
        type=seconds(zero=True),
        default=10.0,
        metavar="SECONDS",
        help="Seconds between two progress lines when standard error is not a terminal (at a "
        "terminal a progress bar is shown). Default: 10.",
    )
    group.add_argument(
        "--json-library",
        choices=JSON_LIBRARIES,
        default="auto",
        help="JSON library for reading and writing: 'auto' takes orjson when it is installed "
        "(the 'fast' extra), else the standard library. Default: auto.",
    )
    group.add_argument(
        "--options-file",
        metavar="FILE",
        help="A JSON object of mapping options, by field name, such as "
        '{"nested_properties": "flatten"}.',
    )
    group.add_argument("--passcode", nargs="?", action=_RefusePasscode, help=argparse.SUPPRESS)


def build_parser() -> argparse.ArgumentParser:
    """The ``clevertap-segment`` argument parser."""
    formatter = argparse.RawDescriptionHelpFormatter
    parser = argparse.ArgumentParser(
        prog=PROG,
        description=_DESCRIPTION,
        epilog=_EPILOG,
        formatter_class=formatter,
        allow_abbrev=False,
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    parser.add_argument("--passcode", nargs="?", action=_RefusePasscode, help=argparse.SUPPRESS)
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    translate = commands.add_parser(
        "translate",
        usage="%(prog)s [INPUT ...] [-o OUT] [--format {records,upload}] [--rejects FILE] "
        "[options]",
        help="Translate Segment messages into CleverTap records, offline.",
        description="Translate Segment messages into CleverTap records (or upload request "
        "bodies), offline.",
        epilog=_TRANSLATE_EPILOG,
        formatter_class=formatter,
        allow_abbrev=False,
    )
    _add_inputs(translate)
    output = translate.add_argument_group("output")
    output.add_argument(
        "-o",
        "--output",
        default=STDOUT,
        metavar="OUT",
        help="Where to write: a file (gzip-compressed when its name ends in .gz) or '-' for "
        "standard output. Default: standard output.",
    )
    output.add_argument(
        "--format",
        choices=("records", "upload"),
        default="records",
        help="'records': one CleverTap record per line. 'upload': one request body "
        '{"d": [...]} per line, ready to POST to /1/upload (at most --batch-size records and '
        "100 token records each). Default: records.",
    )
    output.add_argument(
        "--batch-size",
        type=int_between(1, MAX_RECORDS),
        default=MAX_RECORDS,
        metavar="N",
        help=f"Records per request body with --format upload. Default: {MAX_RECORDS}.",
    )
    _add_reporting_options(translate)
    add_mapping_options(translate)

    send = commands.add_parser(
        "send",
        usage="%(prog)s [INPUT ...] --region REGION [--endpoint URL] [--dry-run] "
        "[--concurrency N] [--rejects FILE] [options]",
        help="Translate Segment messages and deliver them to CleverTap.",
        description="Translate Segment messages and deliver them to CleverTap's Upload API, "
        "streaming: retries what can be retried, and reports every message that did not make it.",
        epilog=_SEND_EPILOG,
        formatter_class=formatter,
        allow_abbrev=False,
    )
    _add_inputs(send)
    account = send.add_argument_group("CleverTap account")
    account.add_argument(
        "--region",
        type=region,
        default=None,
        help=f"The account's region: {', '.join(REGION_HOSTS)}. Default: ${REGION_ENV}; "
        "needed unless --endpoint is given.",
    )
    account.add_argument(
        "--endpoint",
        type=endpoint,
        metavar="URL",
        help="Send to this base URL instead of the region's (a proxy; a test server). https:// "
        "unless on a loopback address.",
    )
    account.add_argument(
        "--account-id",
        metavar="ID",
        help=f"The CleverTap account ID. Default: ${ACCOUNT_ENV}.",
    )
    account.add_argument(
        "--passcode-file",
        metavar="FILE",
        help=f"Read the passcode from FILE (surrounding white space is ignored). Default: "
        f"${PASSCODE_ENV}. (A --passcode option is refused: see below.)",
    )
    delivery = send.add_argument_group("delivery")
    delivery.add_argument(
        "-v",
        "--verbose",
        action="store_true",
        help="Also log each request made to CleverTap, and its answer.",
    )
    delivery.add_argument(
        "--dry-run",
        action="store_true",
        help="Ask CleverTap to validate the records without storing them (?dryRun=1).",
    )
    delivery.add_argument(
        "--concurrency",
        type=int_between(1, MAX_CONCURRENCY),
        default=3,
        metavar="N",
        help=f"Requests in flight at most, 1 to {MAX_CONCURRENCY} (CleverTap's per-account "
        "limit, shared with everything else using the account). Default: 3.",
    )
    delivery.add_argument(
        "--batch-size",
        type=int_between(1, MAX_RECORDS),
        default=MAX_RECORDS,
        metavar="N",
        help=f"Records per request at most (token records: 100). Default: {MAX_RECORDS}.",
    )
    delivery.add_argument(
        "--timeout",
        type=seconds(zero=False),
        default=30.0,
        metavar="SECONDS",
        help="Seconds to wait to connect, and between bytes of an answer. Default: 30.",
    )
    delivery.add_argument(
        "--max-attempts",
        type=int_between(1, 100),
        default=6,
        metavar="N",
        help="Attempts per request, the first included, for errors worth retrying (HTTP 429, "
        "5xx, timeouts, dropped connections). Default: 6.",
    )
    delivery.add_argument(
        "--retry-deadline",
        type=seconds(zero=True),
        default=300.0,
        metavar="SECONDS",
        help="Seconds a request may keep being retried, waits included. Default: 300.",
    )
    delivery.add_argument(
        "--retry-initial-wait",
        type=seconds(zero=True),
        default=0.5,
        metavar="SECONDS",
        help="Longest first wait before a retry; waits double (with random jitter) up to "
        "30 s. Default: 0.5.",
    )
    _add_reporting_options(send)
    add_mapping_options(send)
    return parser


# -- main -----------------------------------------------------------------------------------


def main(argv: Optional[Sequence[str]] = None) -> int:
    """Run the command line; return the exit status."""
    args = build_parser().parse_args(argv)
    try:
        return _run(args, os.environ)
    except (UsageError, InputUsageError) as error:
        sys.stderr.write(f"{PROG}: error: {error}\n")
        return EXIT_USAGE
    except BrokenPipeError:  # standard output (--rejects -, --summary-json -) closed early
        return quiet_broken_pipe()
    except OSError as error:  # an output could not be written to the end: a full disk, …
        sys.stderr.write(f"{PROG}: error: cannot write an output: {error}\n")
        return EXIT_USAGE


def _run(args: argparse.Namespace, environ: Mapping[str, str]) -> int:
    """Check the settings, then run the command.

    Raises:
        UsageError: A setting cannot be used.
        InputUsageError: An input cannot be read at all.
    """
    inputs = tuple(args.inputs) or (STDIN,)
    check_inputs(inputs)
    check_outputs(args, inputs)
    try:
        codec = json_codec(args.json_library)
    except ValueError as error:
        msg = f"--json-library: {error}"
        raise UsageError(msg) from None
    common = CommonSettings(
        inputs=inputs,
        from_rejects=args.from_rejects,
        rejects=args.rejects,
        warnings=args.warnings,
        summary_json=args.summary_json,
        quiet=args.quiet,
        verbose=getattr(args, "verbose", False),
        progress_interval=args.progress_interval,
        options=translation_options(args),
        codec=codec,
    )
    if args.command == "translate":
        _hint_stdin(inputs, quiet=args.quiet)
        return run_translate(
            common, output=args.output, output_format=args.format, batch_size=args.batch_size
        )
    account_id, passcode = read_credentials(args, environ)
    settings = SendSettings(
        account_id=account_id,
        passcode=passcode,
        region=region_setting(args, environ),
        endpoint=args.endpoint,
        dry_run=args.dry_run,
        concurrency=args.concurrency,
        batch_size=args.batch_size,
        timeout=args.timeout,
        max_attempts=args.max_attempts,
        retry_deadline=args.retry_deadline,
        retry_initial_wait=args.retry_initial_wait,
    )
    _hint_stdin(inputs, quiet=args.quiet)
    return run_send(common, settings)


def _hint_stdin(inputs: Sequence[str], *, quiet: bool) -> None:
    """Someone at a terminal who named no input may not expect to be typing the messages."""
    if quiet or STDIN not in inputs or sys.stdin is None or not sys.stdin.isatty():
        return
    sys.stderr.write(f"{PROG}: reading Segment messages from standard input (Ctrl-D ends)\n")
