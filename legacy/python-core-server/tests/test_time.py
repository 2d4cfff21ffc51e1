"""RFC 3339 in and out, as chrono does it in the Rust server."""

from __future__ import annotations

import pytest

from farm_core.domain.time import parse_rfc3339, to_rfc3339

T0 = 1_772_344_800_000


def test_renders_three_fraction_digits_in_utc() -> None:
    assert to_rfc3339(T0) == "2026-03-01T06:00:00.000Z"
    assert to_rfc3339(T0 + 123) == "2026-03-01T06:00:00.123Z"
    assert to_rfc3339(0) == "1970-01-01T00:00:00.000Z"
    assert to_rfc3339(-1) == "1969-12-31T23:59:59.999Z"
    assert to_rfc3339(253402300799999) == "9999-12-31T23:59:59.999Z"


@pytest.mark.parametrize(
    ("text", "millis"),
    [
        ("2026-03-01T06:00:00Z", T0),
        ("2026-03-01T07:00:00+01:00", T0),
        ("2026-03-01t06:00:00z", T0),
        ("2026-03-01 06:00:00Z", T0),
        ("2026-03-01T06:00:00-00:00", T0),
        ("2026-03-01T06:00:00.1239Z", T0 + 123),
        ("2026-03-01T06:00:00.000000000000000000001Z", T0),
        ("2026-03-01T05:59:60.5Z", T0 + 500),
        ("2096-02-29T00:00:00Z", 3981312000000),
        ("2026-03-02T05:59:00+23:59", T0),
    ],
)
def test_parses_what_chrono_parses(text: str, millis: int) -> None:
    assert parse_rfc3339(text) == millis


@pytest.mark.parametrize(
    "text",
    [
        "yesterday",
        "2026-03-01T06:00:00+0100",
        "2026-02-30T00:00:00Z",
        "2100-02-29T00:00:00Z",
        "2026-1-01T00:00:00Z",
        "2026-03-01T06:00:00.Z",
        "2026-03-01T24:00:00Z",
        "2026-03-01T06:60:00Z",
        "2026-03-01T06:00:61Z",
        "+2026-03-01T06:00:00Z",
        "2026-03-01T06:00:00+24:00",
        "2026-03-01T06:00:00+01:60",
        "2026-03-01T06:00Z",
        " 2026-03-01T06:00:00Z",
        "2026-03-01T06:00:00Z ",
        "10000-01-01T00:00:00Z",
        "2026-03-01T06:00:00\uff3a",
        "\uff12026-03-01T06:00:00Z",
    ],
)
def test_refuses_what_chrono_refuses(text: str) -> None:
    assert parse_rfc3339(text) is None
