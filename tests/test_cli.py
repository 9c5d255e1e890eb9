"""Tests for the ``clevertap-segment`` command line, run for real in a subprocess.

Deliveries go to FakeCleverTap on loopback. The golden files in ``tests/data`` are what
``translate`` makes of ``examples/segment-events.ndjson``; after a deliberate change to the
translation, rewrite them with
``CLEVERTAP_SEGMENT_UPDATE_GOLDEN=1 python -m pytest tests/test_cli.py`` and review the diff.
"""

from __future__ import annotations

import gzip
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any, Optional

import attrs
import pytest

from clevertap_segment import TranslationOptions, __version__
from clevertap_segment._cli import build_parser
from clevertap_segment.testing import FakeCleverTap

ROOT = Path(__file__).resolve().parent.parent
DATA = Path(__file__).resolve().parent / "data"
EXAMPLE = "examples/segment-events.ndjson"  # relative: rejects name their source as given
GOLDEN_RECORDS = DATA / "example-records.ndjson"
GOLDEN_REJECTS = DATA / "example-rejects.ndjson"
UPDATE_GOLDEN = os.environ.get("CLEVERTAP_SEGMENT_UPDATE_GOLDEN") == "1"

ACCOUNT = "TEST-ACCOUNT"
# Distinctive, so that a leak is found by searching for it.
PASSCODE = "pc-cli-5b2e71d0-SECRET"
CREDENTIALS = {"CLEVERTAP_ACCOUNT_ID": ACCOUNT, "CLEVERTAP_PASSCODE": PASSCODE}


@attrs.frozen
class Result:
    """What a run of the command line did."""

    status: int
    stdout: bytes
    stderr: str

    @property
    def out(self) -> str:
        return self.stdout.decode()

    def lines(self) -> list[Any]:
        return [json.loads(line) for line in self.stdout.decode().splitlines()]


def environment(extra: Optional[dict[str, str]] = None) -> dict[str, str]:
    """The test's environment without CleverTap settings, warnings as errors, plus ``extra``."""
    env = {key: value for key, value in os.environ.items() if not key.startswith("CLEVERTAP_")}
    env["PYTHONWARNINGS"] = "error"
    env.update(extra or {})
    return env


def command(*args: str) -> list[str]:
    return [sys.executable, "-m", "clevertap_segment", *args]


def run(
    *args: str,
    stdin: bytes = b"",
    env: Optional[dict[str, str]] = None,
    cwd: Path = ROOT,
) -> Result:
    """Run ``python -m clevertap_segment ARGS`` to the end."""
    completed = subprocess.run(  # noqa: S603 - our own interpreter and arguments
        command(*args),
        input=stdin,
        capture_output=True,
        env=environment(env),
        cwd=cwd,
        timeout=60,
        check=False,
    )
    return Result(completed.returncode, completed.stdout, completed.stderr.decode())


def read_lines(path: Path) -> list[Any]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def write_lines(path: Path, items: Sequence[Any]) -> Path:
    path.write_text("".join(json.dumps(item) + "\n" for item in items), encoding="utf-8")
    return path


def track(index: int, **extra: Any) -> dict[str, Any]:
    return {
        "type": "track",
        "messageId": f"m-{index}",
        "userId": f"u-{index}",
        "event": "Product Viewed",
        "timestamp": "2026-11-02T09:17:05Z",
        "properties": {"n": index},
        **extra,
    }


def device(index: int) -> dict[str, Any]:
    """An identify with a push token: a profile and a token record."""
    return {
        "type": "identify",
        "messageId": f"d-{index}",
        "userId": f"u-{index}",
        "anonymousId": f"anon-{index}",
        "traits": {"plan": "pro"},
        "context": {"device": {"type": "android", "token": f"token-{index}"}},
    }


@pytest.fixture
def fake() -> Iterator[FakeCleverTap]:
    with FakeCleverTap(account_id=ACCOUNT, passcode=PASSCODE) as server:
        yield server


def send_args(fake: FakeCleverTap, *args: str) -> list[str]:
    """``send`` to the fake, retrying fast."""
    return [
        "send",
        *args,
        "--endpoint",
        fake.url,
        "--retry-initial-wait",
        "0.01",
        "--json-library",
        "stdlib",
    ]


def summary(path: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return data


class TestEntryPoints:
    def test_python_m_runs_the_command_line(self) -> None:
        """``python -m clevertap_segment --version`` prints the version."""
        result = run("--version")
        assert (result.status, result.out.strip()) == (0, f"clevertap-segment {__version__}")

    def test_installed_console_script(self) -> None:
        """The installed ``clevertap-segment`` script writes the golden records for the example."""
        search = os.pathsep.join([str(Path(sys.executable).parent), os.environ.get("PATH", "")])
        script = shutil.which("clevertap-segment", path=search)
        if script is None:  # pragma: no cover - the test extra installs the project
            pytest.skip("clevertap-segment is not installed (pip install -e '.[test]')")
        completed = subprocess.run(  # noqa: S603 - the project's own script
            [script, "translate", EXAMPLE, "--json-library", "stdlib"],
            capture_output=True,
            env=environment(),
            cwd=ROOT,
            timeout=60,
            check=False,
        )
        assert completed.returncode == 1
        assert completed.stdout == GOLDEN_RECORDS.read_bytes()

    def test_help_shows_commands_and_examples(self) -> None:
        """``--help`` lists both commands and shows examples and exit statuses."""
        result = run("--help")
        assert result.status == 0
        for text in ("translate", "send", "examples:", "exit status"):
            assert text in result.out

    def test_no_command_is_a_usage_error(self) -> None:
        """Without a command the exit status is 2 and the error says a command is needed."""
        result = run()
        assert result.status == 2
        assert "COMMAND" in result.stderr


class TestMappingOptions:
    @pytest.mark.parametrize("command_name", ["translate", "send"])
    def test_every_translation_option_has_a_flag(
        self, command_name: str, capsys: pytest.CaptureFixture[str]
    ) -> None:
        """Each TranslationOptions field has a --kebab-case option, with its help text."""
        with pytest.raises(SystemExit):
            build_parser().parse_args([command_name, "--help"])
        help_text = " ".join(capsys.readouterr().out.split())
        for field in attrs.fields(TranslationOptions):
            assert "--" + field.name.replace("_", "-") in help_text
            assert " ".join(field.metadata["help"].split()) in help_text

    def test_boolean_option_can_be_turned_off(self) -> None:
        """``--no-anonymous-id-as-object-id`` makes identify profiles keyed by identity."""
        message = {"type": "identify", "userId": "u-1", "anonymousId": "a-1", "traits": {}}
        stdin = json.dumps(message).encode()
        on = run("translate", stdin=stdin).lines()
        off = run("translate", "--no-anonymous-id-as-object-id", stdin=stdin).lines()
        assert on[0]["objectId"] == "a-1"
        assert "objectId" not in off[0]
        assert off[0]["identity"] == "u-1"

    def test_choice_option_changes_the_mapping(self) -> None:
        """``--nested-properties flatten`` translates the example's nested property."""
        result = run("translate", EXAMPLE, "--nested-properties", "flatten")
        events = [record for record in result.lines() if record.get("evtName") == "Address Updated"]
        assert events[0]["evtData"] == {"address_city": "Paris"}

    def test_text_option_changes_the_mapping(self) -> None:
        """``--page-event-name`` renames the event page calls become."""
        result = run("translate", EXAMPLE, "--page-event-name", "Page Seen")
        assert "Page Seen" in {record.get("evtName") for record in result.lines()}

    def test_invalid_choice_exits_2_naming_the_option(self) -> None:
        """An unknown choice exits 2 with a message naming the option and the choices."""
        result = run("translate", EXAMPLE, "--key-case", "camel")
        assert result.status == 2
        assert "--key-case" in result.stderr
        assert "snake" in result.stderr

    def test_invalid_value_exits_2_naming_the_option(self) -> None:
        """A value the option's validator refuses exits 2 with the option and what is allowed."""
        result = run("translate", EXAMPLE, "--default-phone-country-code", "abc")
        assert result.status == 2
        assert "argument --default-phone-country-code: must be 1 to 4 digits" in result.stderr

    def test_integer_option_is_checked(self) -> None:
        """``--max-event-properties 0`` exits 2 saying a positive integer is needed."""
        result = run("translate", EXAMPLE, "--max-event-properties", "0")
        assert result.status == 2
        assert "--max-event-properties: must be a positive integer" in result.stderr

    def test_options_file_is_overridden_by_options(self, tmp_path: Path) -> None:
        """``--options-file`` sets options; an option on the command line wins over it."""
        options = tmp_path / "options.json"
        options.write_text(json.dumps({"page_event_name": "From File", "key_case": "preserve"}))
        result = run(
            "translate", EXAMPLE, "--options-file", str(options), "--page-event-name", "Flag"
        )
        names = {record.get("evtName") for record in result.lines()}
        assert "Flag" in names
        assert "From File" not in names
        product = next(r for r in result.lines() if r.get("evtName") == "Product Viewed")
        assert "productId" in product["evtData"]  # key_case preserve, from the file

    def test_bad_options_file_exits_2(self, tmp_path: Path) -> None:
        """An options file with an unknown option exits 2 naming it."""
        options = tmp_path / "options.json"
        options.write_text(json.dumps({"page_name": "x"}))
        result = run("translate", EXAMPLE, "--options-file", str(options))
        assert result.status == 2
        assert "--options-file" in result.stderr
        assert "page_name" in result.stderr


class TestTranslate:
    def test_example_records_match_the_golden_file(self) -> None:
        """Translating the bundled example gives exactly the checked-in records."""
        result = run("translate", EXAMPLE, "--json-library", "stdlib")
        if UPDATE_GOLDEN:  # pragma: no cover - run by hand after a deliberate change
            GOLDEN_RECORDS.write_bytes(result.stdout)
        assert result.stdout == GOLDEN_RECORDS.read_bytes()

    def test_example_rejects_match_the_golden_file(self, tmp_path: Path) -> None:
        """The example's rejects are exactly the checked-in rejects file."""
        rejects = tmp_path / "rejects.ndjson"
        result = run("translate", EXAMPLE, "--rejects", str(rejects), "--json-library", "stdlib")
        assert result.status == 1
        if UPDATE_GOLDEN:  # pragma: no cover - run by hand after a deliberate change
            GOLDEN_REJECTS.write_bytes(rejects.read_bytes())
        assert rejects.read_bytes() == GOLDEN_REJECTS.read_bytes()

    def test_example_rejects_name_stage_error_and_source(self) -> None:
        """The golden rejects hold the three bad example messages, each with its line number."""
        rejects = read_lines(GOLDEN_REJECTS)
        assert [(r["messageId"], r["stage"], r["errorType"], r["source"]) for r in rejects] == [
            ("ex-9", "translate", "NestedPropertyError", {"file": EXAMPLE, "line": 9}),
            ("ex-10", "translate", "UnsupportedCallError", {"file": EXAMPLE, "line": 10}),
            ("ex-11", "translate", "InvalidMessageError", {"file": EXAMPLE, "line": 11}),
        ]
        assert rejects[0]["message"]["properties"] == {"address": {"city": "Paris"}}

    def test_orjson_writes_the_same_records(self) -> None:
        """With orjson the records are the same JSON values as with the standard library."""
        pytest.importorskip("orjson")
        result = run("translate", EXAMPLE, "--json-library", "orjson")
        assert result.lines() == read_lines(GOLDEN_RECORDS)

    def test_reads_standard_input_when_no_input_is_named(self) -> None:
        """With no INPUT the messages come from standard input."""
        result = run("translate", "--json-library", "stdlib", stdin=(ROOT / EXAMPLE).read_bytes())
        assert result.stdout == GOLDEN_RECORDS.read_bytes()

    def test_output_file(self, tmp_path: Path) -> None:
        """``-o FILE`` writes the records there and nothing to standard output."""
        out = tmp_path / "records.ndjson"
        result = run("translate", EXAMPLE, "-o", str(out), "--json-library", "stdlib")
        assert result.stdout == b""
        assert out.read_bytes() == GOLDEN_RECORDS.read_bytes()

    def test_gzip_output_file(self, tmp_path: Path) -> None:
        """An output name ending in .gz is written gzip-compressed."""
        out = tmp_path / "records.ndjson.gz"
        run("translate", EXAMPLE, "-o", str(out), "--json-library", "stdlib")
        assert gzip.decompress(out.read_bytes()) == GOLDEN_RECORDS.read_bytes()

    def test_gzip_input_is_recognised_by_content(self, tmp_path: Path) -> None:
        """A gzipped input is read whatever its name (here .ndjson)."""
        disguised = tmp_path / "events.ndjson"
        disguised.write_bytes(gzip.compress((ROOT / EXAMPLE).read_bytes()))
        result = run("translate", str(disguised), "--json-library", "stdlib")
        assert result.stdout == GOLDEN_RECORDS.read_bytes()

    def test_gzip_on_standard_input(self) -> None:
        """Gzipped messages on standard input are decompressed."""
        stdin = gzip.compress((ROOT / EXAMPLE).read_bytes())
        result = run("translate", "-", "--json-library", "stdlib", stdin=stdin)
        assert result.stdout == GOLDEN_RECORDS.read_bytes()

    def test_several_inputs_are_read_in_order(self, tmp_path: Path) -> None:
        """Records of several inputs come out in the order the inputs are named."""
        first = write_lines(tmp_path / "a.ndjson", [track(1)])
        second = write_lines(tmp_path / "b.ndjson", [track(2)])
        result = run("translate", str(second), str(first))
        assert [r["identity"] for r in result.lines()] == ["u-2", "u-1"]

    def test_batch_lines_are_expanded(self, tmp_path: Path) -> None:
        """A Segment batch line stands for each of its messages, in order."""
        batch = {"batch": [track(1), track(2)], "sentAt": "2026-11-02T09:18:00Z"}
        inputs = write_lines(tmp_path / "batch.ndjson", [track(0), batch, track(3)])
        result = run("translate", str(inputs))
        assert [r["identity"] for r in result.lines()] == ["u-0", "u-1", "u-2", "u-3"]

    def test_batch_envelope_context_and_integrations_are_merged(self, tmp_path: Path) -> None:
        """The batch's integrations apply to its messages unless a message says otherwise."""
        keep = track(2, integrations={"CleverTap": True})
        batch = {"batch": [track(1), keep], "integrations": {"All": False}}
        inputs = write_lines(tmp_path / "batch.ndjson", [batch])
        result = run("translate", str(inputs), "--summary-json", "-", "-o", os.devnull)
        assert result.lines()[0]["skipped"] == 1
        assert result.lines()[0]["translated"] == 1

    def test_blank_lines_are_ignored(self, tmp_path: Path) -> None:
        """Blank and white-space lines are neither messages nor rejects."""
        inputs = tmp_path / "blank.ndjson"
        inputs.write_text("\n" + json.dumps(track(1)) + "\n  \n\r\n" + json.dumps(track(2)) + "\n")
        result = run("translate", str(inputs))
        assert result.status == 0
        assert len(result.lines()) == 2

    def test_utf8_byte_order_mark_is_skipped(self, tmp_path: Path) -> None:
        """A file starting with a UTF-8 byte order mark is read normally."""
        inputs = tmp_path / "bom.ndjson"
        inputs.write_bytes(b"\xef\xbb\xbf" + json.dumps(track(1)).encode() + b"\n")
        result = run("translate", str(inputs))
        assert (result.status, len(result.lines())) == (0, 1)

    def test_non_ascii_text_is_written_as_utf8(self, tmp_path: Path) -> None:
        """Non-ASCII text is written as UTF-8, not as \\u escapes."""
        inputs = write_lines(tmp_path / "utf8.ndjson", [track(1, event="Café ☕")])
        result = run("translate", str(inputs), "--json-library", "stdlib")
        assert "Café ☕" in result.out

    def test_lone_surrogate_is_escaped_not_a_crash(self, tmp_path: Path) -> None:
        """Text UTF-8 cannot hold (a lone surrogate escape) is written \\u-escaped."""
        inputs = tmp_path / "surrogate.ndjson"
        line = json.dumps(track(1)).replace('"Product Viewed"', '"Bad \\ud800 name"')
        inputs.write_text(line + "\n")
        for library in ("stdlib", "orjson"):
            result = run("translate", str(inputs), "--json-library", library)
            assert result.status == 0, result.stderr
            assert result.lines()[0]["evtName"] == "Bad \ud800 name"

    def test_exit_status_0_when_every_message_translates(self, tmp_path: Path) -> None:
        """Exit status 0 when nothing was rejected, and the summary says so."""
        inputs = write_lines(tmp_path / "ok.ndjson", [track(1), track(2)])
        result = run("translate", str(inputs))
        assert result.status == 0
        assert "translated  2 messages into 2 records" in result.stderr

    def test_skipped_messages_do_not_fail_the_run(self, tmp_path: Path) -> None:
        """A message whose integrations turn CleverTap off is skipped: status 0, no reject."""
        rejects = tmp_path / "rejects.ndjson"
        skipped = track(1, integrations={"CleverTap": False})
        inputs = write_lines(tmp_path / "skip.ndjson", [skipped, track(2)])
        result = run("translate", str(inputs), "--rejects", str(rejects))
        assert result.status == 0
        assert rejects.read_text() == ""
        assert "skipped     1 message, on purpose" in result.stderr

    def test_summary_counts_every_kind_of_outcome(self) -> None:
        """The summary counts messages read, translated, skipped and rejected by type."""
        result = run("translate", EXAMPLE)
        assert "11 messages read from 1 input" in result.stderr
        assert "translated  7 messages into 8 records" in result.stderr
        assert "skipped     1 message" in result.stderr
        assert (
            "rejected    3 messages at translation: 1 InvalidMessageError, "
            "1 NestedPropertyError, 1 UnsupportedCallError"
        ) in result.stderr

    def test_broken_pipe_stops_quietly(self, tmp_path: Path) -> None:
        """Closing standard output early (``| head``) stops the run without a traceback."""
        inputs = write_lines(tmp_path / "many.ndjson", [track(n) for n in range(50_000)])
        process = subprocess.Popen(  # noqa: S603 - our own interpreter and arguments
            command("translate", str(inputs)),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env=environment(),
            cwd=ROOT,
        )
        assert process.stdout is not None
        assert process.stderr is not None
        process.stdout.readline()
        process.stdout.close()
        status = process.wait(timeout=60)
        stderr = process.stderr.read().decode()
        process.stderr.close()
        assert (status, stderr) == (141, "")


class TestUploadFormat:
    def test_bodies_hold_the_records_in_order(self) -> None:
        """``--format upload`` writes {"d": [...]} bodies holding the records, in order."""
        result = run("translate", EXAMPLE, "--format", "upload", "--json-library", "stdlib")
        bodies = result.lines()
        assert [record for body in bodies for record in body["d"]] == read_lines(GOLDEN_RECORDS)

    def test_bodies_respect_the_batch_size(self, tmp_path: Path) -> None:
        """Bodies carry at most --batch-size records."""
        inputs = write_lines(tmp_path / "events.ndjson", [track(n) for n in range(450)])
        result = run("translate", str(inputs), "--format", "upload", "--batch-size", "200")
        assert [len(body["d"]) for body in result.lines()] == [200, 200, 50]

    def test_bodies_carry_at_most_100_token_records(self, tmp_path: Path) -> None:
        """A body closes at 100 token records, CleverTap's limit, well before 1000 records."""
        inputs = write_lines(tmp_path / "devices.ndjson", [device(n) for n in range(250)])
        result = run("translate", str(inputs), "--format", "upload")
        bodies = [body["d"] for body in result.lines()]
        assert [sum(r["type"] == "token" for r in body) for body in bodies] == [100, 100, 50]
        assert sum(map(len, bodies)) == 500


class TestRejects:
    def write_bad(self, path: Path) -> Path:
        path.write_bytes(
            json.dumps(track(1)).encode()
            + b"\n\nnot json at all\n[1, 2]\n\xff\xfe{}\n"
            + json.dumps(track(2)).encode()
            + b"\n"
        )
        return path

    def rejects_of(self, tmp_path: Path, *args: str) -> tuple[Result, list[Any]]:
        rejects = tmp_path / "rejects.ndjson"
        result = run("translate", *args, "--rejects", str(rejects))
        return result, read_lines(rejects)

    def test_a_line_that_is_not_json_is_a_parse_reject(self, tmp_path: Path) -> None:
        """A line that is not JSON becomes a parse reject with the raw line and its line number."""
        inputs = self.write_bad(tmp_path / "bad.ndjson")
        result, rejects = self.rejects_of(tmp_path, str(inputs))
        assert result.status == 1
        assert rejects[0] == {
            "index": 1,
            "messageId": None,
            "stage": "parse",
            "code": None,
            "status": None,
            "retryable": False,
            "error": "not JSON: Expecting value: line 1 column 1 (char 0)",
            "errorType": "JSONDecodeError",
            "source": {"file": str(inputs), "line": 3},
            "message": None,
            "line": "not json at all",
        }

    def test_json_that_is_not_an_object_is_a_parse_reject(self, tmp_path: Path) -> None:
        """A JSON line that is not an object becomes a parse reject saying what it is."""
        inputs = self.write_bad(tmp_path / "bad.ndjson")
        _, rejects = self.rejects_of(tmp_path, str(inputs))
        assert rejects[1]["error"] == "a Segment message must be a JSON object, not an array"
        assert (rejects[1]["line"], rejects[1]["source"]["line"]) == ("[1, 2]", 4)

    def test_a_line_that_is_not_utf8_is_a_parse_reject(self, tmp_path: Path) -> None:
        """Bytes that are not UTF-8 make a parse reject of their line only."""
        inputs = self.write_bad(tmp_path / "bad.ndjson")
        result, rejects = self.rejects_of(tmp_path, str(inputs))
        assert rejects[2]["errorType"] == "UnicodeDecodeError"
        assert rejects[2]["source"]["line"] == 5
        assert len(result.lines()) == 2  # the good lines around the bad ones

    def test_parse_rejects_are_counted_in_the_summary(self, tmp_path: Path) -> None:
        """The summary counts lines that are not messages by kind."""
        inputs = self.write_bad(tmp_path / "bad.ndjson")
        result, _ = self.rejects_of(tmp_path, str(inputs))
        assert (
            "unreadable  3 lines not Segment messages: 1 JSONDecodeError, 1 NotAnObject, "
            "1 UnicodeDecodeError"
        ) in result.stderr

    def test_a_file_corrupt_from_the_start_is_a_reject(self, tmp_path: Path) -> None:
        """A gzip file that breaks in its first block is one read-error reject, not a crash."""
        inputs = tmp_path / "broken.gz"
        inputs.write_bytes(gzip.compress(b"{}\n" * 100)[:20])
        result, rejects = self.rejects_of(tmp_path, str(inputs), EXAMPLE)
        assert result.status == 1
        assert rejects[0]["errorType"] == "ReadError"
        assert rejects[0]["source"] == {"file": str(inputs), "line": 1}
        assert len(result.lines()) == 8  # the next input is still read

    def test_a_long_bad_line_is_cut_short(self, tmp_path: Path) -> None:
        """A parse reject keeps at most 10,000 characters of its line."""
        inputs = tmp_path / "long.ndjson"
        inputs.write_text("x" * 50_000 + "\n")
        _, rejects = self.rejects_of(tmp_path, str(inputs))
        assert rejects[0]["line"] == "x" * 10_000

    def test_a_bad_batch_item_names_its_position(self, tmp_path: Path) -> None:
        """A batch item that is not an object is a parse reject with its batch index."""
        inputs = write_lines(tmp_path / "batch.ndjson", [{"batch": [track(1), 7]}])
        _, rejects = self.rejects_of(tmp_path, str(inputs))
        assert rejects[0]["source"] == {"file": str(inputs), "line": 1, "batchIndex": 1}
        assert rejects[0]["error"] == "item 1 of the batch is a number, not a message object"

    def test_a_translation_reject_of_a_batch_item_keeps_its_merged_message(
        self, tmp_path: Path
    ) -> None:
        """A batch item rejected at translation is written as translated: envelope merged."""
        bad = track(1, type="group")
        batch = {"batch": [bad], "context": {"ip": "203.0.113.7"}}
        inputs = write_lines(tmp_path / "batch.ndjson", [batch])
        _, rejects = self.rejects_of(tmp_path, str(inputs))
        assert rejects[0]["message"] == {**bad, "context": {"ip": "203.0.113.7"}}
        assert rejects[0]["source"]["batchIndex"] == 0

    def test_a_truncated_gzip_file_is_a_reject_not_a_crash(self, tmp_path: Path) -> None:
        """A gzip file cut short yields its readable lines, then one read-error reject."""
        # Random ids keep the data from compressing to nothing, so that half the file holds
        # many whole lines.
        lines = [track(n, messageId=os.urandom(32).hex()) for n in range(20_000)]
        whole = gzip.compress("".join(json.dumps(line) + "\n" for line in lines).encode())
        inputs = tmp_path / "cut.ndjson.gz"
        inputs.write_bytes(whole[: len(whole) // 2])
        result, rejects = self.rejects_of(tmp_path, str(inputs))
        assert result.status == 1
        assert len(result.lines()) > 0
        assert rejects[-1]["errorType"] == "ReadError"
        assert rejects[-1]["source"]["line"] == len(result.lines()) + 1

    def test_without_a_rejects_file_stderr_suggests_one(self) -> None:
        """When messages are rejected and no --rejects was given, stderr suggests it."""
        result = run("translate", EXAMPLE)
        assert "3 messages did not make it; run again with --rejects FILE" in result.stderr

    def test_every_message_is_accounted_for_once(self, tmp_path: Path) -> None:
        """Messages read = translated + skipped + rejects, and each reject index appears once."""
        inputs = self.write_bad(tmp_path / "bad.ndjson")
        rejects = tmp_path / "rejects.ndjson"
        stats = tmp_path / "summary.json"
        run(
            "translate",
            str(inputs),
            EXAMPLE,
            "--rejects",
            str(rejects),
            "--summary-json",
            str(stats),
        )
        counts = summary(stats)
        lines = read_lines(rejects)
        assert counts["messages"] == counts["translated"] + counts["skipped"] + len(lines)
        assert len({line["index"] for line in lines}) == len(lines)

    def test_warnings_file_lists_changed_fields(self, tmp_path: Path) -> None:
        """``--warnings FILE`` writes a line per message translated with warnings."""
        warnings = tmp_path / "warnings.ndjson"
        run("translate", EXAMPLE, "--warnings", str(warnings))
        lines = read_lines(warnings)
        assert lines
        assert all(line["warnings"] and "source" in line for line in lines)


class TestReplay:
    def test_fixed_rejects_are_translated_again(self, tmp_path: Path) -> None:
        """``--from-rejects`` translates each reject's message (here after fixing one)."""
        rejects = read_lines(GOLDEN_REJECTS)
        rejects[0]["message"]["properties"] = {"city": "Paris"}
        fixed = write_lines(tmp_path / "fixed.ndjson", rejects)
        again = tmp_path / "rejects-2.ndjson"
        result = run("translate", "--from-rejects", str(fixed), "--rejects", str(again))
        assert result.status == 1
        assert [record["evtData"] for record in result.lines()] == [{"city": "Paris"}]
        assert [line["messageId"] for line in read_lines(again)] == ["ex-10", "ex-11"]

    def test_parse_rejects_are_carried_over_as_not_replayable(self, tmp_path: Path) -> None:
        """A parse reject has no message: it is counted and carried over unchanged."""
        original = tmp_path / "bad.ndjson"
        original.write_text(json.dumps(track(1)) + "\nnot json\n")
        first = tmp_path / "rejects.ndjson"
        run("translate", str(original), "--rejects", str(first))
        second = tmp_path / "rejects-2.ndjson"
        result = run("translate", "--from-rejects", str(first), "--rejects", str(second))
        assert result.status == 1
        assert "1 NotReplayable" in result.stderr
        assert read_lines(second) == [{**read_lines(first)[0], "index": 0}]

    def test_a_line_that_is_not_a_reject_is_reported(self, tmp_path: Path) -> None:
        """A rejects-file line without a "message" field is a parse reject, not a crash."""
        inputs = write_lines(tmp_path / "not-rejects.ndjson", [track(1)])
        result = run("translate", "--from-rejects", str(inputs))
        assert result.status == 1
        assert "1 NotARejectsLine" in result.stderr

    def test_send_replays_fixed_deliveries(self, tmp_path: Path) -> None:
        """A delivery reject's message, fixed, is delivered by ``send --from-rejects``."""
        inputs = write_lines(tmp_path / "events.ndjson", [track(1), track(2, event="Other")])
        rejects = tmp_path / "rejects.ndjson"
        with FakeCleverTap(
            account_id=ACCOUNT, passcode=PASSCODE, restricted_event_names=["Product Viewed"]
        ) as server:
            first = run(*send_args(server, str(inputs), "--rejects", str(rejects)), env=CREDENTIALS)
            failed = read_lines(rejects)
            failed[0]["message"]["event"] = "Product Seen"
            fixed = write_lines(tmp_path / "fixed.ndjson", failed)
            second = run(*send_args(server, "--from-rejects", str(fixed)), env=CREDENTIALS)
            names = sorted(record["evtName"] for record in server.records)
        assert first.status == 1
        assert [(line["stage"], line["code"]) for line in failed] == [("deliver", 513)]
        assert second.status == 0
        assert names == ["Other", "Product Seen"]


class TestSend:
    def test_delivers_what_translate_writes(self, fake: FakeCleverTap) -> None:
        """``send`` delivers exactly the records ``translate`` writes for the example."""
        result = run(*send_args(fake, EXAMPLE), env=CREDENTIALS)
        assert result.status == 1  # the example's three bad messages
        assert fake.records == read_lines(GOLDEN_RECORDS)
        assert (
            "delivered   7 messages: 8 records accepted in 1 request (0 retries)" in result.stderr
        )

    def test_exit_status_0_when_everything_is_delivered(
        self, tmp_path: Path, fake: FakeCleverTap
    ) -> None:
        """Exit status 0 when every message was delivered."""
        inputs = write_lines(tmp_path / "ok.ndjson", [track(n) for n in range(5)])
        result = run(*send_args(fake, str(inputs)), env=CREDENTIALS)
        assert result.status == 0
        assert len(fake.records) == 5

    def test_server_errors_are_retried_until_delivered(
        self, tmp_path: Path, fake: FakeCleverTap
    ) -> None:
        """Two HTTP 503 answers are retried; everything is delivered and the status is 0."""
        fake.fail_next(2, status=503)
        inputs = write_lines(tmp_path / "ok.ndjson", [track(n) for n in range(5)])
        result = run(*send_args(fake, str(inputs)), env=CREDENTIALS)
        assert result.status == 0
        assert [request.status for request in fake.requests] == [503, 503, 200]
        assert "(2 retries)" in result.stderr

    def test_a_refused_request_puts_its_messages_in_the_rejects(
        self, tmp_path: Path, fake: FakeCleverTap
    ) -> None:
        """An HTTP 400 answer fails its messages: each is a deliver reject with the status."""
        fake.fail_next(status=400)
        inputs = write_lines(tmp_path / "ok.ndjson", [track(n) for n in range(3)])
        rejects = tmp_path / "rejects.ndjson"
        result = run(*send_args(fake, str(inputs), "--rejects", str(rejects)), env=CREDENTIALS)
        assert result.status == 1
        lines = read_lines(rejects)
        assert [(r["index"], r["stage"], r["status"], r["retryable"]) for r in lines] == [
            (0, "deliver", 400, False),
            (1, "deliver", 400, False),
            (2, "deliver", 400, False),
        ]
        assert lines[0]["message"] == track(0)
        assert "failed      3 messages at delivery: 3 HTTP 400" in result.stderr

    def test_a_record_clevertap_refuses_is_a_reject_with_its_code(self, tmp_path: Path) -> None:
        """A per-record failure (code 513) puts only its message in the rejects."""
        rejects = tmp_path / "rejects.ndjson"
        with FakeCleverTap(
            account_id=ACCOUNT, passcode=PASSCODE, restricted_event_names=["Web Page Viewed"]
        ) as server:
            result = run(*send_args(server, EXAMPLE, "--rejects", str(rejects)), env=CREDENTIALS)
            delivered = len(server.records)
        deliver = [line for line in read_lines(rejects) if line["stage"] == "deliver"]
        assert result.status == 1
        assert [(r["messageId"], r["code"], r["status"]) for r in deliver] == [("ex-5", 513, 200)]
        assert deliver[0]["source"] == {"file": EXAMPLE, "line": 5}
        assert delivered == 7
        assert "failed      1 message at delivery: 1 code 513" in result.stderr

    def test_dry_run_asks_clevertap_to_store_nothing(
        self, tmp_path: Path, fake: FakeCleverTap
    ) -> None:
        """``--dry-run`` sends with dryRun=1 and the summary says nothing was stored."""
        inputs = write_lines(tmp_path / "ok.ndjson", [track(1)])
        result = run(*send_args(fake, str(inputs), "--dry-run"), env=CREDENTIALS)
        assert result.status == 0
        assert [request.query for request in fake.requests] == [{"dryRun": "1"}]
        assert fake.records == []
        assert "validated" in result.stderr

    def test_credentials_from_options_and_passcode_file(
        self, tmp_path: Path, fake: FakeCleverTap
    ) -> None:
        """``--account-id`` and ``--passcode-file`` (stripped) replace the environment."""
        passcode = tmp_path / "passcode"
        passcode.write_text(f"  {PASSCODE}\n")
        passcode.chmod(0o600)
        inputs = write_lines(tmp_path / "ok.ndjson", [track(1)])
        result = run(
            *send_args(fake, str(inputs), "--account-id", ACCOUNT, "--passcode-file", str(passcode))
        )
        assert result.status == 0
        assert len(fake.records) == 1
        assert "warning" not in result.stderr

    def test_a_passcode_file_others_can_read_is_warned_about(
        self, tmp_path: Path, fake: FakeCleverTap
    ) -> None:
        """A passcode file readable by other users gets a warning (and is still used)."""
        passcode = tmp_path / "passcode"
        passcode.write_text(PASSCODE)
        passcode.chmod(0o644)
        inputs = write_lines(tmp_path / "ok.ndjson", [track(1)])
        result = run(
            *send_args(fake, str(inputs), "--account-id", ACCOUNT, "--passcode-file", str(passcode))
        )
        assert result.status == 0
        assert f"chmod 600 {passcode}" in result.stderr

    def test_batch_size_and_concurrency_shape_the_requests(
        self, tmp_path: Path, fake: FakeCleverTap
    ) -> None:
        """``--batch-size`` bounds records per request and ``--concurrency 1`` sends one at once."""
        inputs = write_lines(tmp_path / "ok.ndjson", [track(n) for n in range(25)])
        args = send_args(fake, str(inputs), "--batch-size", "10", "--concurrency", "1")
        result = run(*args, env=CREDENTIALS)
        assert result.status == 0
        assert [len(request.body["d"]) for request in fake.requests] == [10, 10, 5]
        assert fake.max_in_flight == 1

    def test_summary_json_for_machines(self, tmp_path: Path, fake: FakeCleverTap) -> None:
        """``--summary-json -`` prints the summary as JSON on standard output."""
        result = run(*send_args(fake, EXAMPLE, "--summary-json", "-", "-q"), env=CREDENTIALS)
        data = result.lines()[0]
        assert {key: data[key] for key in ("status", "messages", "delivered", "skipped")} == {
            "status": 1,
            "messages": 11,
            "delivered": 7,
            "skipped": 1,
        }
        assert data["rejected"]["total"] == 3
        assert (data["requests"], data["recordsAccepted"]) == (1, 8)


class TestConfigurationErrors:
    def test_passcode_option_is_refused_without_echoing_it(self, fake: FakeCleverTap) -> None:
        """``--passcode X`` exits 2, explains why, and never shows X."""
        result = run(*send_args(fake, EXAMPLE, "--passcode", PASSCODE), env=CREDENTIALS)
        assert result.status == 2
        assert "--passcode is refused" in result.stderr
        assert "shell history" in result.stderr
        assert PASSCODE not in result.stderr + result.out
        assert fake.requests == []

    @pytest.mark.parametrize("form", [["--passcode=x-secret-x"], ["--passcode"]])
    def test_passcode_option_is_refused_in_every_form(self, form: list[str]) -> None:
        """``--passcode=X``, a bare ``--passcode`` and ``translate --passcode`` are refused."""
        for args in (["send", EXAMPLE, "--region", "in1", *form], ["translate", EXAMPLE, *form]):
            result = run(*args)
            assert result.status == 2
            assert "--passcode is refused" in result.stderr
            assert "x-secret-x" not in result.stderr

    def test_missing_credentials_exit_2(self, fake: FakeCleverTap) -> None:
        """Without credentials ``send`` exits 2 naming both ways to give them."""
        result = run(*send_args(fake, EXAMPLE))
        assert result.status == 2
        assert "CLEVERTAP_ACCOUNT_ID" in result.stderr
        assert "--passcode-file" in result.stderr
        assert fake.requests == []

    def test_unreadable_passcode_file_exit_2(self, tmp_path: Path) -> None:
        """A passcode file that cannot be read exits 2 naming it."""
        missing = tmp_path / "nope"
        result = run(
            "send", EXAMPLE, "--region", "in1", "--account-id", "A", "--passcode-file", str(missing)
        )
        assert result.status == 2
        assert "--passcode-file" in result.stderr

    def test_unknown_region_exit_2(self) -> None:
        """An unknown region exits 2 listing the valid ones."""
        result = run("send", EXAMPLE, "--region", "mars1", env=CREDENTIALS)
        assert result.status == 2
        assert "eu1, in1" in result.stderr

    def test_missing_region_exit_2(self) -> None:
        """Without --region, $CLEVERTAP_REGION or --endpoint, ``send`` exits 2."""
        result = run("send", EXAMPLE, env=CREDENTIALS)
        assert result.status == 2
        assert "--region" in result.stderr

    def test_plain_http_endpoint_is_refused(self) -> None:
        """An http:// endpoint off loopback exits 2: the passcode would travel in clear."""
        result = run("send", EXAMPLE, "--endpoint", "http://example.com", env=CREDENTIALS)
        assert result.status == 2
        assert "https://" in result.stderr

    def test_missing_input_exit_2_before_anything_is_sent(self, fake: FakeCleverTap) -> None:
        """A missing input file exits 2 before the first request, naming the file."""
        result = run(*send_args(fake, EXAMPLE, "missing.ndjson"), env=CREDENTIALS)
        assert result.status == 2
        assert "missing.ndjson" in result.stderr
        assert fake.requests == []

    def test_a_directory_as_input_exit_2(self, tmp_path: Path) -> None:
        """A directory given as input exits 2 suggesting to name its files."""
        result = run("translate", str(tmp_path))
        assert result.status == 2
        assert "is a directory" in result.stderr

    def test_rejects_file_must_not_be_an_input(self, tmp_path: Path) -> None:
        """``--rejects`` naming an input exits 2 instead of overwriting it."""
        inputs = write_lines(tmp_path / "in.ndjson", [track(1)])
        result = run("translate", "--from-rejects", str(inputs), "--rejects", str(inputs))
        assert result.status == 2
        assert "same file" in result.stderr
        assert read_lines(inputs) == [track(1)]

    def test_wrong_passcode_exit_3(self, tmp_path: Path, fake: FakeCleverTap) -> None:
        """A passcode CleverTap refuses exits 3, says what to check and keeps the messages."""
        rejects = tmp_path / "rejects.ndjson"
        env = {**CREDENTIALS, "CLEVERTAP_PASSCODE": "wrong-" + PASSCODE}
        result = run(*send_args(fake, EXAMPLE, "--rejects", str(rejects)), env=env)
        assert result.status == 3
        assert "CleverTap refused the credentials" in result.stderr
        assert "check the account ID, passcode and region" in result.stderr
        assert {line["stage"] for line in read_lines(rejects)} == {"translate", "deliver"}


class TestSecrets:
    def test_passcode_never_appears_in_any_output(
        self, tmp_path: Path, fake: FakeCleverTap
    ) -> None:
        """Across success, failures, auth errors and -v, the passcode is never written."""
        fake.fail_next(status=500)
        outputs: list[str] = []
        for passcode in (PASSCODE, PASSCODE + "-wrong"):
            env = {**CREDENTIALS, "CLEVERTAP_PASSCODE": passcode}
            rejects = tmp_path / "rejects.ndjson"
            stats = tmp_path / "summary.json"
            result = run(
                *send_args(
                    fake, EXAMPLE, "-v", "--rejects", str(rejects), "--summary-json", str(stats)
                ),
                env=env,
            )
            assert result.status in (1, 3)
            outputs += [result.out, result.stderr, rejects.read_text(), stats.read_text()]
        assert "debug: POST" in "".join(outputs)  # -v did log the requests
        assert not [text for text in outputs if PASSCODE in text]


class TestProgressAndQuiet:
    def test_plain_progress_lines_when_stderr_is_not_a_terminal(self, tmp_path: Path) -> None:
        """Without a terminal, progress is a plain periodic line of counts."""
        inputs = write_lines(tmp_path / "many.ndjson", [track(n) for n in range(3000)])
        result = run("translate", str(inputs), "-o", os.devnull, "--progress-interval", "0")
        progress = [line for line in result.stderr.splitlines() if "messages/s" in line]
        assert len(progress) > 2
        assert "messages read" in progress[0]
        assert "% of the input" in progress[0]

    def test_quiet_prints_nothing_when_all_is_well(self, tmp_path: Path) -> None:
        """``--quiet`` silences progress and the summary."""
        inputs = write_lines(tmp_path / "many.ndjson", [track(n) for n in range(3000)])
        result = run("translate", str(inputs), "-o", os.devnull, "-q", "--progress-interval", "0")
        assert (result.status, result.stderr) == (0, "")

    def test_quiet_still_says_when_messages_did_not_make_it(self) -> None:
        """``--quiet`` still prints one line when some messages were rejected."""
        result = run("translate", EXAMPLE, "-o", os.devnull, "-q")
        lines = result.stderr.splitlines()
        assert lines[0] == "clevertap-segment translate: 3 of 11 messages did not make it"
        assert result.status == 1

    def test_progress_bar_on_a_terminal(self, tmp_path: Path) -> None:
        """At a terminal the progress is a tqdm bar, then the summary."""
        pytest.importorskip("tqdm")
        inputs = write_lines(tmp_path / "many.ndjson", [track(n) for n in range(3000)])
        screen = run_on_terminal(command("translate", str(inputs), "-o", os.devnull))
        assert "100%|" in screen
        assert "3,000 messages" in screen
        assert "translated  3,000 messages" in screen

    def test_terminal_without_tqdm_falls_back_to_lines(self, tmp_path: Path) -> None:
        """Without tqdm a terminal gets a hint and the plain progress lines, not a crash."""
        inputs = write_lines(tmp_path / "many.ndjson", [track(n) for n in range(3000)])
        hide_tqdm = (
            "import sys; sys.modules['tqdm'] = None; "
            "from clevertap_segment._cli import main; sys.exit(main())"
        )
        args = [sys.executable, "-c", hide_tqdm, "translate", str(inputs), "-o", os.devnull]
        screen = run_on_terminal([*args, "--progress-interval", "0"])
        assert "pip install 'clevertap-segment[cli]'" in screen
        assert "messages read" in screen
        assert "translated  3,000 messages" in screen


def run_on_terminal(args: list[str]) -> str:
    """Run ``args`` with standard error on a pseudo-terminal; return what it showed there."""
    pty = pytest.importorskip("pty")  # POSIX only, like fcntl and termios
    import fcntl
    import struct
    import termios

    leader, follower = pty.openpty()
    # A terminal of 24 rows by 120 columns: tqdm draws nothing on a zero-width one.
    fcntl.ioctl(follower, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 120, 0, 0))
    process = subprocess.Popen(  # noqa: S603 - our own interpreter and arguments
        args,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=follower,
        env=environment(),
        cwd=ROOT,
    )
    os.close(follower)
    chunks = []
    while True:
        try:
            chunk = os.read(leader, 65536)
        except OSError:  # Linux: EIO once the other side is closed
            break
        if not chunk:
            break
        chunks.append(chunk)
    os.close(leader)
    assert process.wait(timeout=60) == 0
    return b"".join(chunks).decode(errors="replace")


class TestInternalErrors:
    def test_a_bug_keeps_what_was_done_and_shows_the_traceback(self, tmp_path: Path) -> None:
        """An unexpected exception flushes the outputs, rejects its message, then surfaces."""
        inputs = write_lines(tmp_path / "in.ndjson", [track(1), track(2, event="BOOM"), track(3)])
        rejects = tmp_path / "rejects.ndjson"
        out = tmp_path / "out.ndjson"
        # Make translation fail the way a bug would, on the second message only.
        code = (
            "import sys\n"
            "from clevertap_segment import _translate\n"
            "real = _translate._translate\n"
            "def buggy(message, options):\n"
            "    if message.get('event') == 'BOOM':\n"
            "        raise OverflowError('simulated bug')\n"
            "    return real(message, options)\n"
            "_translate._translate = buggy\n"
            "from clevertap_segment._cli import main\n"
            "sys.exit(main())\n"
        )
        args = ["translate", str(inputs), "-o", str(out), "--rejects", str(rejects)]
        completed = subprocess.run(  # noqa: S603 - our own interpreter and code
            [sys.executable, "-c", code, *args],
            capture_output=True,
            env=environment(),
            cwd=ROOT,
            timeout=60,
            check=False,
        )
        stderr = completed.stderr.decode()
        assert completed.returncode == 1
        assert [record["identity"] for record in read_lines(out)] == ["u-1"]
        assert [(r["index"], r["errorType"]) for r in read_lines(rejects)] == [(1, "InternalError")]
        assert "stopped by an internal error (OverflowError: simulated bug" in stderr
        assert stderr.rstrip().endswith("OverflowError: simulated bug")


class TestInterruption:
    def start_slow_send(
        self, tmp_path: Path, fake: FakeCleverTap, *extra: str
    ) -> tuple[subprocess.Popen[bytes], Path, Path]:
        fake.delay_next(1000, seconds=0.2)
        inputs = write_lines(tmp_path / "many.ndjson", [track(n) for n in range(3000)])
        rejects = tmp_path / "rejects.ndjson"
        stats = tmp_path / "summary.json"
        args = send_args(
            fake,
            str(inputs),
            "--batch-size",
            "100",
            "--concurrency",
            "1",
            "--rejects",
            str(rejects),
            "--summary-json",
            str(stats),
            *extra,
        )
        process = subprocess.Popen(  # noqa: S603 - our own interpreter and arguments
            command(*args),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            env=environment(CREDENTIALS),
            cwd=ROOT,
        )
        deadline = time.monotonic() + 30
        while len(fake.requests) < 2 and time.monotonic() < deadline:
            time.sleep(0.02)
        return process, rejects, stats

    def test_ctrl_c_stops_cleanly_with_exit_status_130(
        self, tmp_path: Path, fake: FakeCleverTap
    ) -> None:
        """SIGINT mid-send exits 130; every message read is delivered or in the rejects."""
        process, rejects, stats = self.start_slow_send(tmp_path, fake)
        process.send_signal(signal.SIGINT)
        _, stderr = process.communicate(timeout=30)
        counts = summary(stats)
        lines = read_lines(rejects)
        assert process.returncode == 130
        assert "interrupted by SIGINT after reading up to" in stderr.decode()
        assert 0 < counts["messages"] < 3000
        assert counts["messages"] == counts["delivered"] + len(lines)
        assert counts["delivered"] == len(fake.records)
        assert all(line["retryable"] and line["stage"] == "deliver" for line in lines)

    def test_sigterm_stops_cleanly_with_exit_status_143(
        self, tmp_path: Path, fake: FakeCleverTap
    ) -> None:
        """SIGTERM (a scheduler stopping the task) stops like Ctrl-C, with exit status 143."""
        process, _, stats = self.start_slow_send(tmp_path, fake)
        process.send_signal(signal.SIGTERM)
        process.communicate(timeout=30)
        assert process.returncode == 143
        assert summary(stats)["interrupted"] == "SIGTERM"
