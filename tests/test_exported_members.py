"""The public front: ``__all__`` is honest and optional extras stay optional."""

from __future__ import annotations

import importlib.metadata
import inspect
import json
import subprocess
import sys
import textwrap
from typing import Any

import pytest

import clevertap_segment

# Names the issue promises as a contract to other issues and to users.
CONTRACT = {
    "translate",
    "translate_many",
    "snake_case",
    "TranslationOptions",
    "Outcome",
    "CleverTapSegmentError",
    "TranslationError",
    "InvalidMessageError",
    "UnsupportedCallError",
    "NestedPropertyError",
    "InvalidPropertyError",
    "ReservedEventNameError",
}


def run_python(code: str) -> dict[str, Any]:
    """Run ``code`` in a fresh interpreter and return the JSON object it prints last."""
    result = subprocess.run(  # noqa: S603 - our own interpreter and code
        [sys.executable, "-c", textwrap.dedent(code)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    answer: dict[str, Any] = json.loads(result.stdout.strip().splitlines()[-1])
    return answer


# Block the optional extras before anything imports them: ``None`` in sys.modules makes
# ``import requests`` raise ImportError, as if it were not installed.
WITHOUT_EXTRAS = """
    import json, sys
    for name in ("requests", "tqdm"):
        sys.modules[name] = None
"""


class TestExportedMembers:
    """clevertap_segment.__all__."""

    @pytest.mark.parametrize("name", clevertap_segment.__all__)
    def test_every_name_is_importable(self, name: str) -> None:
        """Every name in __all__ can be imported from the package."""
        namespace: dict[str, Any] = {}
        exec(f"from clevertap_segment import {name}", namespace)  # noqa: S102 - names from __all__
        assert namespace[name] is getattr(clevertap_segment, name)

    def test_all_is_sorted(self) -> None:
        """__all__ is sorted, so additions are easy to review."""
        assert clevertap_segment.__all__ == sorted(clevertap_segment.__all__)

    def test_all_has_no_duplicates(self) -> None:
        """Each name is listed once."""
        assert len(set(clevertap_segment.__all__)) == len(clevertap_segment.__all__)

    def test_contract_names_are_exported(self) -> None:
        """The names the issue promises are all in __all__."""
        assert set(clevertap_segment.__all__) >= CONTRACT

    def test_public_members_are_in_all(self) -> None:
        """Every public class or function the package defines is listed in __all__."""
        missing = []
        for name, member in vars(clevertap_segment).items():
            if name.startswith("_") or not (inspect.isclass(member) or inspect.isfunction(member)):
                continue
            defined_here = getattr(member, "__module__", "").startswith("clevertap_segment")
            if defined_here and name not in clevertap_segment.__all__:
                missing.append(name)
        assert missing == []

    def test_exported_members_come_from_the_package(self) -> None:
        """Exported classes and functions are defined in clevertap_segment, not re-exported."""
        for name in clevertap_segment.__all__:
            member = getattr(clevertap_segment, name)
            if inspect.isclass(member) or inspect.isfunction(member):
                assert member.__module__.startswith("clevertap_segment."), name

    def test_dir_lists_all(self) -> None:
        """dir() shows the exported names, lazy ones included."""
        assert set(dir(clevertap_segment)) >= set(clevertap_segment.__all__)

    def test_unknown_attribute_is_attribute_error(self) -> None:
        """An unknown attribute is an ordinary AttributeError."""
        with pytest.raises(AttributeError, match="no_such_thing"):
            clevertap_segment.no_such_thing  # noqa: B018 - the access is the test


class TestVersion:
    """__version__."""

    def test_is_a_string(self) -> None:
        """__version__ is a str."""
        assert isinstance(clevertap_segment.__version__, str)

    def test_comes_from_metadata(self) -> None:
        """__version__ is the installed distribution's version."""
        assert clevertap_segment.__version__ == importlib.metadata.version("clevertap-segment")


class TestOptionalExtras:
    """``import clevertap_segment`` needs only attrs, cattrs and inflection."""

    def test_import_and_translate_without_extras(self) -> None:
        """The package imports and translates with requests and tqdm unavailable."""
        answer = run_python(
            WITHOUT_EXTRAS
            + """
    import clevertap_segment
    records = clevertap_segment.translate({"type": "track", "userId": "u", "event": "E"})
    print(json.dumps({"records": records}))
    """
        )
        assert answer == {
            "records": [{"type": "event", "identity": "u", "evtName": "E", "evtData": {}}]
        }

    def test_star_import_without_requests(self) -> None:
        """``from clevertap_segment import *`` works without the http extra, minus Client."""
        answer = run_python(
            WITHOUT_EXTRAS
            + """
    namespace = {}
    exec("from clevertap_segment import *", namespace)
    print(json.dumps({"translate": "translate" in namespace, "Client": "Client" in namespace}))
    """
        )
        assert answer == {"translate": True, "Client": False}

    def test_client_without_requests_says_how_to_install(self) -> None:
        """Accessing Client without requests raises MissingDependencyError, an ImportError."""
        answer = run_python(
            WITHOUT_EXTRAS
            + """
    import clevertap_segment
    try:
        clevertap_segment.Client
    except BaseException as error:
        print(json.dumps({
            "type": type(error).__name__,
            "is_import_error": isinstance(error, ImportError),
            "is_package_error": isinstance(error, clevertap_segment.CleverTapSegmentError),
            "message": str(error),
        }))
    else:
        print(json.dumps({"type": None}))
    """
        )
        assert answer["type"] == "MissingDependencyError"
        assert answer["is_import_error"]
        assert answer["is_package_error"]
        assert "pip install 'clevertap-segment[http]'" in answer["message"]

    def test_client_error_repeats_on_second_access(self) -> None:
        """A second access to Client raises the same helpful error, not AttributeError."""
        answer = run_python(
            WITHOUT_EXTRAS
            + """
    import clevertap_segment
    kinds = []
    for _ in range(2):
        try:
            clevertap_segment.Client
        except BaseException as error:
            kinds.append(type(error).__name__)
    print(json.dumps({"kinds": kinds}))
    """
        )
        assert answer == {"kinds": ["MissingDependencyError", "MissingDependencyError"]}
