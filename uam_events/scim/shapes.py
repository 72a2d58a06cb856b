"""Reading untrusted JSON: each helper names the field it checks, so errors point at it."""

from __future__ import annotations

import json
import math
from typing import cast

from uam_events.core.values import JsonObject, JsonValue
from uam_events.errors import MalformedInput

MAX_DEPTH = 32
"""Deeper than any SCIM event nests; a bound keeps recursion downstream (copies) safe."""


def parse_json(raw: bytes | str, field: str) -> JsonValue:
    """Return the JSON value in `raw` (UTF-8), refusing NaN, infinities and deep nesting."""
    try:
        text = raw.decode("utf-8") if isinstance(raw, bytes) else raw
        value = json.loads(
            text,
            parse_constant=_refuse_constant,
            parse_float=_finite,
            object_pairs_hook=_unique_members,
        )
    except UnicodeDecodeError:
        raise MalformedInput(field, "not UTF-8 text", "send the value as UTF-8 JSON") from None
    except RecursionError:
        raise MalformedInput(field, "the JSON nests too deeply", "flatten the value") from None
    except ValueError as error:
        raise MalformedInput(
            field, f"not JSON ({_first_line(error)})", "send one JSON object per record"
        ) from None
    check_depth(value, field)
    return cast(JsonValue, value)


def check_depth(value: object, field: str) -> None:
    """Refuse a value nested deeper than MAX_DEPTH (walked without recursion)."""
    stack = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if depth > MAX_DEPTH:
            raise MalformedInput(
                field, f"the JSON nests deeper than {MAX_DEPTH} levels", "flatten the value"
            )
        if isinstance(item, dict):
            stack.extend((child, depth + 1) for child in item.values())
        elif isinstance(item, list):
            stack.extend((child, depth + 1) for child in item)


def require_object(value: JsonValue, field: str) -> JsonObject:
    """Return `value` as a JSON object, or raise naming `field`."""
    if not isinstance(value, dict):
        raise MalformedInput(field, f"expected an object, got {kind(value)}", "send an object")
    return value


def require_text(value: JsonValue, field: str) -> str:
    """Return `value` as a non-blank string, or raise naming `field`."""
    if not isinstance(value, str) or not value.strip():
        raise MalformedInput(
            field, f"expected a non-empty string, got {kind(value)}", "send a non-empty string"
        )
    return value


def member(obj: JsonObject, name: str) -> JsonValue:
    """Return the member `name`, matching without case (SCIM names are case-insensitive)."""
    if name in obj:
        return obj[name]
    folded = name.casefold()
    return next((value for key, value in obj.items() if key.casefold() == folded), None)


def child(field: str, name: str) -> str:
    """Return the JSON-path-like name of a member: `patch.Operations`, `events["urn:..."]`."""
    if ":" in name or "." in name or " " in name:
        return f"{field}[{json.dumps(name)}]" if field else json.dumps(name)
    return f"{field}.{name}" if field else name


def kind(value: JsonValue) -> str:
    """Return the JSON type name of `value`, for messages."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, str):
        return "a string"
    return "an array" if isinstance(value, list) else "an object"


def _refuse_constant(name: str) -> JsonValue:
    raise ValueError(f"{name} is not JSON")


def _unique_members(pairs: list[tuple[str, object]]) -> dict[str, object]:
    """Refuse a member written twice: the parser would otherwise keep one silently."""
    seen: set[str] = set()
    for name, _ in pairs:
        if name in seen:
            raise ValueError(f"member {name!r} is written twice")
        seen.add(name)
    return dict(pairs)


def _finite(text: str) -> float:
    number = float(text)
    if not math.isfinite(number):
        raise ValueError(f"{text} is out of range")
    return number


def _first_line(error: ValueError) -> str:
    return str(error).splitlines()[0] if str(error) else type(error).__name__
