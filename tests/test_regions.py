"""Tests for region names and endpoint overrides."""

from __future__ import annotations

import pytest

from clevertap_segment._regions import REGION_HOSTS, base_url, check_endpoint, normalise_region


class TestNormaliseRegion:
    @pytest.mark.parametrize(
        ("given", "expected"),
        [
            ("in1", "in1"),
            ("in1.", "in1"),
            ("IN1", "in1"),
            ("in", "in1"),
            (" sg1 ", "sg1"),
            ("US", "us1"),
            ("aps3.", "aps3"),
            ("mec", "mec1"),
            ("sk1", "sk1"),
            ("eu1", "eu1"),
            ("", "eu1"),
            ("in1.api.clevertap.com", "in1"),
            ("api.clevertap.com", "eu1"),
        ],
    )
    def test_forms(self, given: str, expected: str) -> None:
        """Every form Segment or people store a region in is understood."""
        assert normalise_region(given) == expected

    def test_unknown_lists_valid_regions(self) -> None:
        """An unknown region is a ValueError naming the valid ones."""
        with pytest.raises(ValueError, match="unknown CleverTap region 'mars1'") as info:
            normalise_region("mars1")
        for region in REGION_HOSTS:
            assert region in str(info.value)

    def test_not_a_string(self) -> None:
        """A region must be text."""
        with pytest.raises(TypeError, match="region must be a string"):
            normalise_region(1)  # type: ignore[arg-type]


class TestBaseUrl:
    def test_default_host(self) -> None:
        """eu1 uses CleverTap's documented default host."""
        assert base_url("eu1") == "https://api.clevertap.com"

    def test_regional_host(self) -> None:
        """Other regions use their own host."""
        assert base_url("in1.") == "https://in1.api.clevertap.com"

    def test_endpoint_overrides(self) -> None:
        """An endpoint replaces the region's host."""
        assert base_url("in1", "https://proxy.example/clevertap/") == (
            "https://proxy.example/clevertap"
        )


class TestCheckEndpoint:
    @pytest.mark.parametrize(
        "url",
        ["http://127.0.0.1:8080", "http://localhost:1", "http://[::1]:9000", "https://x.example"],
    )
    def test_accepted(self, url: str) -> None:
        """https anywhere, plain http on loopback only."""
        assert check_endpoint(url) == url

    @pytest.mark.parametrize(
        "url", ["http://api.clevertap.com", "http://10.0.0.1", "ftp://127.0.0.1", "file:///x"]
    )
    def test_plain_http_refused(self, url: str) -> None:
        """The passcode never travels unencrypted off the machine."""
        with pytest.raises(ValueError, match="https"):
            check_endpoint(url)

    @pytest.mark.parametrize(
        "url", ["https://user:pw@proxy.example", "https://proxy.example?a=1", "https://p.example#f"]
    )
    def test_extras_refused(self, url: str) -> None:
        """Credentials, queries and fragments would end up in logs: refused."""
        with pytest.raises(ValueError, match="credentials, a query or a fragment"):
            check_endpoint(url)

    def test_relative_refused(self) -> None:
        """An endpoint needs a host."""
        with pytest.raises(ValueError, match="absolute URL"):
            check_endpoint("/1/upload")
