"""A deterministic, realistic corpus of Segment messages for the benchmarks."""

from __future__ import annotations

import random
from typing import Any

_CONTEXT = {
    "library": {"name": "analytics.js", "version": "4.1.0"},
    "ip": "203.0.113.7",
    "locale": "en-GB",
    "userAgent": (
        "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_1) AppleWebKit/605.1.15 "
        "(KHTML, like Gecko) Version/17.1 Safari/605.1.15"
    ),
    "page": {
        "path": "/pricing",
        "referrer": "https://search.example.org/",
        "title": "Pricing",
        "url": "https://example.com/pricing",
    },
}
_WORDS = ["alpha", "bravo", "charlie", "delta", "echo", "foxtrot", "golf", "hotel", "india"]


def _value(rng: random.Random) -> Any:
    kind = rng.randrange(5)
    if kind == 0:
        return rng.choice(_WORDS) + "-" + str(rng.randrange(1000))
    if kind == 1:
        return rng.randrange(100_000)
    if kind == 2:
        return round(rng.random() * 1000, 2)
    if kind == 3:
        return rng.random() < 0.5
    return _timestamp(rng)


def _timestamp(rng: random.Random) -> str:
    # Unique to the millisecond, as real event times are: no cache can make these cheap.
    return (
        f"2026-{rng.randrange(1, 13):02d}-{rng.randrange(1, 29):02d}T{rng.randrange(24):02d}:"
        f"{rng.randrange(60):02d}:{rng.randrange(60):02d}.{rng.randrange(1000):03d}Z"
    )


def _custom(rng: random.Random, count: int) -> dict[str, Any]:
    keys = ["planType", "Company Size", "signupSource", "lastSeenAt", "favouriteColour",
            "accountId", "isTrial", "seats", "referralCode", "preferredLanguage", "theme",
            "cartValue", "itemCount", "campaign", "utmSource", "abVariant", "loginCount",
            "score", "region", "tier"]  # fmt: skip
    return {key: _value(rng) for key in rng.sample(keys, count)}


def _base(rng: random.Random, index: int, call: str) -> dict[str, Any]:
    message: dict[str, Any] = {
        "type": call,
        "messageId": f"msg-{index:08d}",
        "anonymousId": f"anon-{rng.randrange(10**9):09d}",
        "timestamp": _timestamp(rng),
        "sentAt": _timestamp(rng),
        "context": dict(_CONTEXT),
        "integrations": {},
    }
    if rng.random() < 0.7:
        message["userId"] = f"user-{rng.randrange(10**6)}"
    return message


def make_corpus(count: int, seed: int = 1) -> list[dict[str, Any]]:
    """``count`` messages: identify, track, Order Completed, page and screen in a fixed mix."""
    rng = random.Random(seed)
    messages = []
    for index in range(count):
        kind = index % 10
        if kind < 3:
            message = _base(rng, index, "identify")
            traits = _custom(rng, rng.randrange(6, 16))
            traits.update(
                name="Ada Lovelace",
                email=f"ada{index}@example.com",
                phone="+44 20 7946 0958",
                gender=rng.choice(["female", "male", "F"]),
            )
            message["traits"] = traits
        elif kind < 7:
            message = _base(rng, index, "track")
            message["event"] = rng.choice(["Product Viewed", "Signed Up", "Cart Viewed"])
            message["properties"] = _custom(rng, rng.randrange(5, 16))
        elif kind == 7:
            message = _base(rng, index, "track")
            message["event"] = "Order Completed"
            message["properties"] = {
                "orderId": f"o-{index}",
                "total": 129.5,
                "revenue": 110,
                "currency": "GBP",
                "products": [
                    {"productId": f"p-{n}", "name": "Widget", "price": 9.5, "quantity": n}
                    for n in range(1, rng.randrange(2, 5))
                ],
            }
        elif kind == 8:
            message = _base(rng, index, "page")
            message["name"] = "Pricing"
            message["properties"] = {"url": "https://example.com/pricing", "title": "Pricing"}
        else:
            message = _base(rng, index, "screen")
            message["name"] = "Checkout"
            message["properties"] = {"step": 2, "variant": "b"}
        messages.append(message)
    return messages
