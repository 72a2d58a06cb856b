"""JSON values and user attribute values, with strict JSON equality (`true`, `1`, `"1"` differ)."""

from __future__ import annotations

from collections.abc import Iterable
from sys import intern
from typing import TypeAlias

JsonValue: TypeAlias = "str | int | float | bool | list[JsonValue] | dict[str, JsonValue] | None"
JsonObject: TypeAlias = "dict[str, JsonValue]"
Scalar: TypeAlias = str | int | float | bool
AttrValue: TypeAlias = Scalar | tuple[Scalar, ...]
"""A user attribute value: a JSON scalar or a tuple of scalars (never null, never empty)."""

ScalarKey: TypeAlias = str | tuple[str, Scalar]
"""A hashable, type-tagged scalar: `(True, 1, "1")` map to three different keys. A string is
its own key (no tuple to build or hash: strings are most values), other scalars are tagged."""


def scalar_key(value: Scalar) -> ScalarKey:
    """Return a key under which equal JSON scalars, and only they, collide."""
    kind = type(value)
    if kind is str:
        return value  # type: ignore[return-value]
    if kind is bool:
        return ("b", value)
    if kind is float and value.is_integer():  # type: ignore[union-attr]
        return ("n", int(value))
    return ("n", value)


def same_json(before: AttrValue | None, after: AttrValue | None) -> bool:
    """Return whether two attribute values are surely equal as JSON (`1` and `true` are not,
    though Python finds them equal); `1` and `1.0` count as different, which only costs work."""
    if before != after:
        return False
    if type(before) is not type(after):
        return False
    return type(after) is not tuple or all(
        type(a) is type(b)
        for a, b in zip(before, after, strict=True)  # type: ignore[arg-type]
    )


def key_changes(
    before: AttrValue | None, after: AttrValue | None
) -> tuple[Iterable[ScalarKey], Iterable[ScalarKey]]:
    """Return the scalar keys only `before` holds and those only `after` holds.

    The values must not be `same_json`: two such scalars are different or of different types,
    and a key that both hold comes out in both (gone and back), which only costs work.
    """
    if type(before) is not tuple and type(after) is not tuple:
        gone = () if before is None else (scalar_key(before),)  # type: ignore[arg-type]
        came = () if after is None else (scalar_key(after),)  # type: ignore[arg-type]
        return gone, came
    old, new = _keys(before), _keys(after)
    return old - new, new - old


def _keys(value: AttrValue | None) -> set[ScalarKey]:
    """Return the keys of the scalars a value holds (none for an absent value)."""
    return set() if value is None else {scalar_key(s) for s in attr_scalars(value)}


def is_scalar(value: object) -> bool:
    """Return True for a JSON string, number or boolean."""
    return isinstance(value, str | int | float | bool)


def attr_value(raw: object) -> AttrValue | None:
    """Return `raw` as an attribute value, or None where it holds nothing usable.

    A scalar stays as it is; a list keeps its scalar elements in order, without repeats. Null,
    empty strings, empty lists, objects and lists of no scalars count as absent.
    """
    kind = type(raw)
    if kind is str:
        return raw or None  # type: ignore[return-value]
    if kind is bool or kind is int or kind is float:
        return raw  # type: ignore[return-value]
    if raw is None or raw == "":
        return None
    if is_scalar(raw):
        return raw  # type: ignore[return-value]
    if isinstance(raw, list):
        seen: set[ScalarKey] = set()
        items: list[Scalar] = []
        for element in raw:
            if is_scalar(element) and element != "":
                key = scalar_key(element)
                if key not in seen:
                    seen.add(key)
                    items.append(element)
        return tuple(items) if items else None
    return None


def attr_scalars(value: AttrValue) -> tuple[Scalar, ...]:
    """Return the scalars an attribute value holds (one for a scalar, each for a list)."""
    return value if isinstance(value, tuple) else (value,)


def to_json(value: AttrValue) -> JsonValue:
    """Return an attribute value as JSON (a tuple becomes a list)."""
    return list(value) if isinstance(value, tuple) else value


def copy_json(value: JsonValue) -> JsonValue:
    """Return a deep copy of a JSON value (several times faster than `copy.deepcopy`)."""
    if isinstance(value, dict):
        return {k: copy_json(v) for k, v in value.items()}
    if isinstance(value, list):
        return [copy_json(v) for v in value]
    return value


def copy_object(obj: JsonObject) -> JsonObject:
    """Return a deep copy of a JSON object."""
    return {k: copy_json(v) for k, v in obj.items()}


def intern_fields(obj: object, *names: str) -> None:
    """Intern the named string fields of a frozen object (a tuple field: each string in it).

    Ids, names and codes key the core's dicts and sets; when every copy of one is the same
    object, a lookup ends on identity instead of comparing characters in far-apart memory.
    """
    for name in names:
        value = getattr(obj, name)
        if type(value) is str:
            object.__setattr__(obj, name, intern(value))
        elif type(value) is tuple:
            object.__setattr__(obj, name, tuple(_interned(v) for v in value))


def interned_object(obj: dict[str, JsonValue]) -> dict[str, JsonValue]:
    """Return a JSON object with its names and top-level string values interned."""
    return {intern(k): _interned(v) for k, v in obj.items()}


def _interned(value: JsonValue) -> JsonValue:
    return intern(value) if type(value) is str else value
