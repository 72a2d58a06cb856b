"""SCIM value filters (RFC 7644 3.4.2.2): the parsed form and how it selects values.

Invariant: evaluation is total. Any filter against any JSON value yields True or False and never
raises, so a filter can only fail when it is parsed, at the edge.
"""

from __future__ import annotations

import operator
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

from uam_events.core.values import JsonValue

COMPARISON_OPERATORS = frozenset({"eq", "ne", "co", "sw", "ew", "pr", "gt", "ge", "lt", "le"})
STRING_OPERATORS = frozenset({"co", "sw", "ew"})
ORDERINGS: dict[str, Callable[[Any, Any], Any]] = {
    "gt": operator.gt,
    "ge": operator.ge,
    "lt": operator.lt,
    "le": operator.le,
}


@dataclass(frozen=True, slots=True)
class Comparison:
    """`attr op value` in a SCIM filter; op is one of eq ne co sw ew gt ge lt le, or pr."""

    attribute: str
    op: str
    value: JsonValue = None


@dataclass(frozen=True, slots=True)
class Logical:
    """`left and right` / `left or right`."""

    op: Literal["and", "or"]
    left: Filter
    right: Filter


@dataclass(frozen=True, slots=True)
class Negation:
    """`not (inner)`."""

    inner: Filter


Filter = Comparison | Logical | Negation


def matches(value_filter: Filter, element: JsonValue) -> bool:
    """Return whether one value of a multi-valued attribute satisfies the filter."""
    if isinstance(value_filter, Logical):
        left = matches(value_filter.left, element)
        if value_filter.op == "and":
            return left and matches(value_filter.right, element)
        return left or matches(value_filter.right, element)
    if isinstance(value_filter, Negation):
        return not matches(value_filter.inner, element)
    actual = _lookup(element, value_filter.attribute)
    return _compare(value_filter.op, actual, value_filter.value)


def equalities(value_filter: Filter) -> dict[str, JsonValue] | None:
    """Return the sub-attribute values an `eq` filter (or an `and` of them) pins, else None.

    This is what lets a write through `emails[type eq "work"].value` add the missing element.
    """
    if isinstance(value_filter, Comparison):
        if value_filter.op == "eq" and "." not in value_filter.attribute:
            return {value_filter.attribute: value_filter.value}
        return None
    if isinstance(value_filter, Logical) and value_filter.op == "and":
        left = equalities(value_filter.left)
        right = equalities(value_filter.right)
        if left is None or right is None:
            return None
        clash = {k for k in left.keys() & right.keys() if not _equal(left[k], right[k])}
        return None if clash else {**left, **right}
    return None


def _lookup(element: JsonValue, attribute: str) -> JsonValue:
    """Return the value at a dotted sub-attribute path; `value` of a simple element is itself."""
    current = element
    for name in attribute.split("."):
        if isinstance(current, dict):
            current = member(current, name)
        elif name.lower() == "value" and current is element:
            continue
        else:
            return None
    return current


def member(obj: JsonValue, name: str) -> JsonValue:
    """Return the member named `name` of an object, ignoring case as RFC 7643 2.1 asks."""
    if not isinstance(obj, dict):
        return None
    if name in obj:
        return obj[name]
    folded = name.casefold()
    return next((v for k, v in obj.items() if k.casefold() == folded), None)


def _compare(op: str, actual: JsonValue, expected: JsonValue) -> bool:
    """Return whether `actual op expected` holds; a list holds when one of its values does."""
    if op == "pr":
        return actual not in (None, "", [], {})
    if isinstance(actual, list):
        if op == "ne":
            return not any(_compare("eq", item, expected) for item in actual)
        return any(_compare(op, item, expected) for item in actual)
    if op in ("eq", "ne"):
        return _equal(actual, expected) == (op == "eq")
    if isinstance(actual, str) and isinstance(expected, str):
        return _compare_text(op, actual.casefold(), expected.casefold())
    if _is_number(actual) and _is_number(expected) and op in ORDERINGS:
        return bool(ORDERINGS[op](actual, expected))
    return False


def _equal(actual: JsonValue, expected: JsonValue) -> bool:
    """Return JSON equality, strings without case, and "True"/"False" strings as booleans."""
    if actual is None or expected is None:
        return actual is None and expected is None
    if isinstance(actual, bool) or isinstance(expected, bool):
        return _as_bool(actual) is not None and _as_bool(actual) == _as_bool(expected)
    if isinstance(actual, str) and isinstance(expected, str):
        return actual.casefold() == expected.casefold()
    if _is_number(actual) and _is_number(expected):
        return actual == expected
    return False


def _as_bool(value: JsonValue) -> bool | None:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.lower() in ("true", "false"):
        return value.lower() == "true"
    return None


def _is_number(value: JsonValue) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _compare_text(op: str, actual: str, expected: str) -> bool:
    if op == "co":
        return expected in actual
    if op == "sw":
        return actual.startswith(expected)
    if op == "ew":
        return actual.endswith(expected)
    if op in ORDERINGS:
        return bool(ORDERINGS[op](actual, expected))
    return False
