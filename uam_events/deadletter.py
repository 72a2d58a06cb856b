"""Dead-letter records: the original bytes, where they came from, and why they were refused."""

from __future__ import annotations

import base64

from uam_events.core.values import JsonObject


def dead_letter(
    *,
    topic: str | None,
    partition: int | None,
    offset: int,
    key: str | None,
    value: bytes | None,
    error: str,
    at: str,
) -> JsonObject:
    """Return a `uam.dlq` record; `value_b64` holds the original bytes (None for a null)."""
    return {
        "topic": topic,
        "partition": partition,
        "offset": offset,
        "key": key,
        "value_b64": None if value is None else base64.b64encode(value).decode("ascii"),
        "error": error,
        "at": at,
    }
