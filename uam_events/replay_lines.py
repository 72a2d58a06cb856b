"""Replay-format lines: one input record per JSON line, as `uam replay` and `uam produce` read.

Each line is `{"topic": "scim.users", "key": ..., "value": ...}` (topic without the prefix;
`value_b64` for raw bytes, `headers` for binary CloudEvents, `timestamp` to set the clock).
"""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass

from uam_events.errors import MalformedInput
from uam_events.inputs import INPUT_TOPICS, Record


@dataclass(frozen=True, slots=True)
class ReplayLine:
    """One line read: its number, the record it carries and the event time it applies at."""

    number: int
    record: Record
    at: str


def read_line(number: int, raw: bytes, clock: str) -> ReplayLine:
    """Read one line (1-based `number`); `clock` is the time of the line before it.

    Raise InputError naming the field when the line cannot be read.
    """
    try:
        line = json.loads(raw)
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise MalformedInput(
            f"line {number}", f"not JSON ({error})", "write one JSON object per line"
        ) from None
    if not isinstance(line, dict):
        raise MalformedInput(f"line {number}", "not a JSON object", "write a JSON object")
    topic = line.get("topic")
    if topic not in INPUT_TOPICS:
        problem = "has no topic" if topic is None else f"names unknown topic {topic!r}"
        raise MalformedInput("topic", problem, f"use one of {', '.join(INPUT_TOPICS)}")
    key = line.get("key")
    if key is not None and not isinstance(key, str):
        key = json.dumps(key)
    if isinstance(line.get("timestamp"), str):
        clock = line["timestamp"]
    record = Record(topic, key, _value_bytes(line), _headers(line))
    return ReplayLine(number, record, clock)


def _value_bytes(line: dict[str, object]) -> bytes | None:
    if "value_b64" in line:
        encoded = line["value_b64"]
        if not isinstance(encoded, str):
            raise MalformedInput("value_b64", "not a string", "write the bytes base64-encoded")
        try:
            return base64.b64decode(encoded, validate=True)
        except (binascii.Error, ValueError):
            raise MalformedInput(
                "value_b64", "not valid base64", "encode the raw bytes with standard base64"
            ) from None
    value = line.get("value")
    if value is None:
        return None
    return json.dumps(value, ensure_ascii=False).encode("utf-8")


def _headers(line: dict[str, object]) -> dict[str, bytes] | None:
    headers = line.get("headers")
    if headers is None:
        return None
    if not isinstance(headers, dict) or not all(isinstance(v, str) for v in headers.values()):
        raise MalformedInput("headers", "not an object of strings", 'write {"ce_type": "..."}')
    return {str(k): str(v).encode("utf-8") for k, v in headers.items()}
