"""Turning the command line's arguments into checked settings.

Every check names the option at fault and what it takes. The mapping options are made from the
fields of :class:`TranslationOptions` (name, type, help and choices), so that a new translation
option reaches the command line without being listed twice.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import math
import os
import shlex
import sys
import typing
from collections.abc import Mapping, Sequence
from typing import Any, Callable, Optional

import attrs

from ._cli_input import STDIN
from ._cli_output import STDOUT, JsonCodec
from ._options import TranslationOptions
from ._regions import DEFAULT_REGION, REGION_HOSTS, check_endpoint, normalise_region

ACCOUNT_ENV = "CLEVERTAP_ACCOUNT_ID"
PASSCODE_ENV = "CLEVERTAP_PASSCODE"
REGION_ENV = "CLEVERTAP_REGION"


class UsageError(Exception):
    """A setting cannot be used; the message says what to fix (exit status 2)."""


@attrs.frozen(kw_only=True)
class CommonSettings:
    """Settings both commands share, checked."""

    inputs: tuple[str, ...]
    from_rejects: bool
    rejects: Optional[str]
    warnings: Optional[str]
    summary_json: Optional[str]
    quiet: bool
    verbose: bool
    progress_interval: float
    options: TranslationOptions
    codec: JsonCodec


@attrs.frozen(kw_only=True)
class SendSettings:
    """The client's settings for ``send``; the passcode never shows in ``repr``."""

    account_id: str
    passcode: str = attrs.field(repr=False)
    region: str
    endpoint: Optional[str]
    dry_run: bool
    concurrency: int
    batch_size: int
    timeout: float
    max_attempts: int
    retry_deadline: float
    retry_initial_wait: float


# -- value types: each error names what is allowed (argparse adds the option's name) --------


def int_between(low: int, high: int) -> Callable[[str], int]:
    """An argparse type: a whole number from ``low`` to ``high``."""

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            msg = f"must be a whole number from {low} to {high}, not {text!r}"
            raise argparse.ArgumentTypeError(msg) from None
        if not low <= value <= high:
            msg = f"must be from {low} to {high}, not {value}"
            raise argparse.ArgumentTypeError(msg)
        return value

    return parse


def seconds(*, zero: bool) -> Callable[[str], float]:
    """An argparse type: a finite number of seconds, above 0 (or from 0 when ``zero``)."""

    def parse(text: str) -> float:
        try:
            value = float(text)
        except ValueError:
            value = math.nan
        if not math.isfinite(value) or value < 0 or (value == 0 and not zero):
            lowest = "0 or more" if zero else "more than 0"
            msg = f"must be a number of seconds, {lowest}, not {text!r}"
            raise argparse.ArgumentTypeError(msg)
        return value

    return parse


def region(text: str) -> str:
    """An argparse type: a CleverTap region in any form Segment or people write it."""
    try:
        return normalise_region(text)
    except ValueError as error:
        raise argparse.ArgumentTypeError(str(error)) from None


def endpoint(text: str) -> str:
    """An argparse type: a base URL, ``https://`` unless on a loopback host."""
    try:
        return check_endpoint(text)
    except ValueError as error:
        raise argparse.ArgumentTypeError(str(error)) from None


# -- mapping options, from the fields of TranslationOptions ----------------------------------


def _option_flag(name: str) -> str:
    return "--" + name.replace("_", "-")


def _field_kind(annotation: Any) -> type:
    """The type behind ``Optional[...]``."""
    if typing.get_origin(annotation) is typing.Union:
        kinds = [arg for arg in typing.get_args(annotation) if arg is not type(None)]
        if len(kinds) == 1:
            return _field_kind(kinds[0])
    if isinstance(annotation, type):
        return annotation
    msg = f"no command-line form for option type {annotation!r}"  # pragma: no cover
    raise TypeError(msg)  # pragma: no cover


def _field_parser(field: attrs.Attribute[Any], kind: type) -> Callable[[str], Any]:
    """Parses and checks one option's text with the field's own validator."""

    def parse(text: str) -> Any:
        value: Any = text
        if kind is int:
            try:
                value = int(text)
            except ValueError:
                msg = f"must be a whole number, not {text!r}"
                raise argparse.ArgumentTypeError(msg) from None
        elif kind is float:
            try:
                value = float(text)
            except ValueError:
                msg = f"must be a number, not {text!r}"
                raise argparse.ArgumentTypeError(msg) from None
        try:
            TranslationOptions(**{field.name: value})
        except (TypeError, ValueError) as error:
            # "max_event_properties must be …": argparse already names the option.
            msg = str(error).removeprefix(f"{field.name} ")
            raise argparse.ArgumentTypeError(msg) from None
        return value

    parse.__name__ = kind.__name__  # argparse names the type in some messages
    return parse


_METAVARS = {int: "N", float: "NUMBER", str: "TEXT"}


def _describe_default(value: Any) -> str:
    if isinstance(value, bool):
        return "on" if value else "off"
    if value is None:
        return "unset"
    return str(value)


def add_mapping_options(parser: argparse.ArgumentParser) -> None:
    """Add one option per :class:`TranslationOptions` field, in a group of its own."""
    group = parser.add_argument_group(
        "mapping options",
        "How messages become CleverTap records (see the mapping reference); the defaults\n"
        "follow Segment's CleverTap destination. Options given here override --options-file.",
    )
    hints = typing.get_type_hints(TranslationOptions)
    for field in attrs.fields(TranslationOptions):
        kind = _field_kind(hints[field.name])
        help_text = f"{field.metadata.get('help', '')} Default: {_describe_default(field.default)}."
        flag = _option_flag(field.name)
        if kind is bool:
            group.add_argument(
                flag,
                dest=field.name,
                action=argparse.BooleanOptionalAction,
                default=None,
                help=help_text,
            )
            continue
        choices = field.metadata.get("choices")
        group.add_argument(
            flag,
            dest=field.name,
            type=_field_parser(field, kind),
            choices=choices,
            default=None,
            metavar="{" + ",".join(choices) + "}" if choices else _METAVARS[kind],
            help=help_text,
        )


def translation_options(args: argparse.Namespace) -> TranslationOptions:
    """The options file, if any, overridden by the mapping options given.

    Raises:
        UsageError: The options file cannot be read or holds a value that is not allowed.
    """
    base = TranslationOptions()
    if args.options_file is not None:
        try:
            with open(args.options_file, encoding="utf-8") as stream:
                settings = json.load(stream)
        except OSError as error:
            msg = f"--options-file: cannot read {args.options_file!r}: {error.strerror or error}"
            raise UsageError(msg) from None
        except ValueError as error:
            msg = f"--options-file: {args.options_file!r} is not JSON: {error}"
            raise UsageError(msg) from None
        if not isinstance(settings, Mapping):
            msg = f"--options-file: {args.options_file!r} must hold a JSON object of options"
            raise UsageError(msg)
        try:
            base = TranslationOptions.from_mapping(settings)
        except ValueError as error:
            msg = f"--options-file: {args.options_file!r}: {error}"
            raise UsageError(msg) from None
    given = {
        field.name: getattr(args, field.name)
        for field in attrs.fields(TranslationOptions)
        if getattr(args, field.name) is not None
    }
    return attrs.evolve(base, **given)  # every value given was checked by its option's parser


def check_outputs(args: argparse.Namespace, inputs: Sequence[str]) -> None:
    """Outputs must differ from the inputs and from each other: one would truncate the other."""
    outputs = [
        (flag, path)
        for flag, path in (
            ("--output", getattr(args, "output", None)),
            ("--rejects", args.rejects),
            ("--warnings", args.warnings),
            ("--summary-json", args.summary_json),
        )
        if path is not None
    ]
    on_stdout = [flag for flag, path in outputs if path == STDOUT]
    if len(on_stdout) > 1:
        msg = f"only one output can go to standard output ('-'), not {' and '.join(on_stdout)}"
        raise UsageError(msg)
    seen: dict[tuple[int, int], str] = {}
    for path in inputs:
        identity = _file_identity(path)
        if identity is not None:
            seen[identity] = f"input {path!r}"
    for flag, path in outputs:
        identity = _file_identity(path)
        if identity is None:
            continue
        if identity in seen:
            msg = f"{flag} {path!r} is the same file as {seen[identity]}; name another file"
            raise UsageError(msg)
        seen[identity] = flag


def _file_identity(path: str) -> Optional[tuple[int, int]]:
    if path in (STDIN, STDOUT):
        return None
    try:
        info = os.stat(path)
    except OSError:
        return None
    return info.st_dev, info.st_ino


def read_credentials(args: argparse.Namespace, environ: Mapping[str, str]) -> tuple[str, str]:
    """The account ID and passcode: options first, then the environment.

    Raises:
        UsageError: One of them is missing, or the passcode file cannot be read. The message
            never holds the passcode.
    """
    account_id = (args.account_id or environ.get(ACCOUNT_ENV, "")).strip()
    if args.passcode_file is not None:
        try:
            with open(args.passcode_file, encoding="utf-8") as stream:
                passcode = stream.read().strip()
        except (OSError, UnicodeDecodeError) as error:
            reason = getattr(error, "strerror", None) or type(error).__name__
            msg = f"--passcode-file: cannot read {args.passcode_file!r}: {reason}"
            raise UsageError(msg) from None
        if not passcode:
            msg = f"--passcode-file: {args.passcode_file!r} is empty"
            raise UsageError(msg)
        _warn_if_shared(args.passcode_file)
    else:
        passcode = environ.get(PASSCODE_ENV, "").strip()
    missing = []
    if not account_id:
        missing.append(f"the account ID (--account-id or ${ACCOUNT_ENV})")
    if not passcode:
        missing.append(f"the passcode (--passcode-file FILE or ${PASSCODE_ENV})")
    if missing:
        msg = f"send needs CleverTap credentials: give {' and '.join(missing)}"
        raise UsageError(msg)
    return account_id, passcode


def _warn_if_shared(path: str) -> None:
    """Warn, as ssh does for keys, when other users may read the passcode file."""
    with contextlib.suppress(OSError):
        if os.name == "posix" and os.stat(path).st_mode & 0o077:
            sys.stderr.write(
                f"clevertap-segment: warning: --passcode-file {path!r} can be read by other "
                f"users; make it private: chmod 600 {shlex.quote(path)}\n"
            )


def region_setting(args: argparse.Namespace, environ: Mapping[str, str]) -> str:
    """The region: ``--region``, else ``$CLEVERTAP_REGION``; any will do with ``--endpoint``.

    Raises:
        UsageError: There is none, or the environment's is unknown.
    """
    if args.region is not None:
        return str(args.region)
    from_env = environ.get(REGION_ENV, "").strip()
    if from_env:
        try:
            return normalise_region(from_env)
        except ValueError as error:
            msg = f"${REGION_ENV}: {error}"
            raise UsageError(msg) from None
    if args.endpoint is not None:
        return DEFAULT_REGION  # the endpoint replaces the region's host: any region will do
    msg = f"send needs the account's region: --region ({', '.join(REGION_HOSTS)}) or ${REGION_ENV}"
    raise UsageError(msg)
