"""CleverTap regions and the base URL a client talks to."""

from __future__ import annotations

from typing import Optional
from urllib.parse import urlsplit

DEFAULT_REGION = "eu1"

#: Region → API host. ``eu1`` is CleverTap's documented default host (``eu1.api.clevertap.com``
#: also answers, but the bare host is what the docs give).
REGION_HOSTS = {
    "eu1": "api.clevertap.com",
    "in1": "in1.api.clevertap.com",
    "sg1": "sg1.api.clevertap.com",
    "us1": "us1.api.clevertap.com",
    "aps3": "aps3.api.clevertap.com",
    "mec1": "mec1.api.clevertap.com",
    "sk1": "sk1.api.clevertap.com",
}

# Short forms people (and Segment's settings) use for the same regions.
_ALIASES = {
    "": "eu1",
    "eu": "eu1",
    "in": "in1",
    "sg": "sg1",
    "us": "us1",
    "aps": "aps3",
    "mec": "mec1",
    "sk": "sk1",
}

_HOST_SUFFIX = "api.clevertap.com"
_LOOPBACK_HOSTS = frozenset({"127.0.0.1", "localhost", "::1"})


def normalise_region(region: str) -> str:
    """Turn any of the forms a region is stored in into its canonical name.

    Segment keeps the region as a host prefix (``"in1."``); people write ``"IN1"`` or ``"in"``;
    some copy the whole host (``"in1.api.clevertap.com"``). An empty string is the default region.

    Raises:
        ValueError: The region is not one of CleverTap's; the message lists the valid ones.

    Example:
        >>> normalise_region("IN1.")
        'in1'
    """
    if not isinstance(region, str):
        msg = f"region must be a string such as 'in1', not {type(region).__name__}"
        raise TypeError(msg)
    text = region.strip().lower()
    text = text.removesuffix(_HOST_SUFFIX).strip(".")
    name = _ALIASES.get(text, text)
    if name not in REGION_HOSTS:
        msg = f"unknown CleverTap region {region!r}; valid regions: {', '.join(REGION_HOSTS)}"
        raise ValueError(msg)
    return name


def base_url(region: str, endpoint: Optional[str] = None) -> str:
    """The URL API paths are appended to, without a trailing slash.

    Args:
        region: A region in any form :func:`normalise_region` accepts.
        endpoint: Overrides the region's host (a proxy, a test server). It must be ``https://``
            unless its host is a loopback address: the passcode travels in a header.

    Raises:
        ValueError: The region is unknown, or the endpoint is not an acceptable URL.
    """
    name = normalise_region(region)
    if endpoint is None:
        return f"https://{REGION_HOSTS[name]}"
    return check_endpoint(endpoint)


def check_endpoint(endpoint: str) -> str:
    """Validate an endpoint override and return it without a trailing slash.

    Raises:
        ValueError: Not ``https://`` on a non-loopback host, no host, or it carries credentials,
            a query or a fragment (which would end up in logs).
    """
    if not isinstance(endpoint, str):
        msg = f"endpoint must be a URL string, not {type(endpoint).__name__}"
        raise TypeError(msg)
    parts = urlsplit(endpoint.strip())
    host = parts.hostname
    if not host:
        msg = f"endpoint must be an absolute URL such as 'https://proxy.example', not {endpoint!r}"
        raise ValueError(msg)
    if parts.username is not None or parts.password is not None or parts.query or parts.fragment:
        msg = "endpoint must not contain credentials, a query or a fragment"
        raise ValueError(msg)
    if parts.scheme == "https" or (parts.scheme == "http" and host in _LOOPBACK_HOSTS):
        return endpoint.strip().rstrip("/")
    msg = (
        f"endpoint must use https:// (plain http:// is only allowed on a loopback host, "
        f"{', '.join(sorted(_LOOPBACK_HOSTS))}), not {endpoint!r}"
    )
    raise ValueError(msg)
