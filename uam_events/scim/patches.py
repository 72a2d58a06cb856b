"""A SCIM PatchOp body (RFC 7644 3.5.2) into core PatchOperations, all of them or an error.

Accepted beyond the letter of the RFC, as the big platforms send it: a missing `schemas`, ops in
any case (`Replace`, `Add`), names in any case, an empty `path` read as no path.
"""

from __future__ import annotations

from typing import Literal

from uam_events.core.scim_user import PatchOperation
from uam_events.core.values import JsonValue
from uam_events.errors import MalformedInput
from uam_events.scim.attributes import WRITE_ONLY
from uam_events.scim.paths import parse_path
from uam_events.scim.quirks import canonical_value, expand_attributes, normalise_value
from uam_events.scim.shapes import child, kind, member, require_object

PATCH_OP_URN = "urn:ietf:params:scim:api:messages:2.0:PatchOp"
OPS: dict[str, Literal["add", "replace", "remove"]] = {
    "add": "add",
    "replace": "replace",
    "remove": "remove",
}


def read_patch(raw: JsonValue, field: str) -> tuple[PatchOperation, ...]:
    """Return the operations of a PatchOp; one bad operation fails the whole body."""
    body = require_object(raw, field)
    schemas = member(body, "schemas")
    if schemas is not None and not (
        isinstance(schemas, list)
        and any(isinstance(s, str) and s.lower() == PATCH_OP_URN.lower() for s in schemas)
    ):
        raise MalformedInput(
            child(field, "schemas"), "the body is not a PatchOp", f'send schemas ["{PATCH_OP_URN}"]'
        )
    operations = member(body, "Operations")
    where = child(field, "Operations")
    if not isinstance(operations, list):
        raise MalformedInput(
            where,
            f"a PatchOp needs an Operations array, got {kind(operations)}",
            'send Operations: [{"op": "replace", "path": ..., "value": ...}]',
        )
    if not operations:
        raise MalformedInput(where, "Operations is empty", "send at least one operation")
    parsed = [_read_operation(raw_op, f"{where}[{i}]") for i, raw_op in enumerate(operations)]
    return tuple(operation for operation in parsed if operation is not None)


def _read_operation(raw: JsonValue, field: str) -> PatchOperation | None:
    """Return one operation, or None when it only writes `password` (which is never stored)."""
    operation = require_object(raw, field)
    op = _read_op(member(operation, "op"), child(field, "op"))
    text = member(operation, "path")
    value = member(operation, "value")
    value_field = child(field, "value")
    if text is None or text == "":
        return _without_path(op, value, field)
    if not isinstance(text, str):
        raise MalformedInput(
            child(field, "path"), f"expected a string, got {kind(text)}", "send path as a string"
        )
    path = parse_path(text, child(field, "path"))
    if op != "remove" and not any(key.casefold() == "value" for key in operation):
        raise MalformedInput(value_field, f"{op} needs a value", f"send value with the {op}")
    if path.schema is None and path.attribute.lower() in WRITE_ONLY:
        return None
    if op == "remove":
        return PatchOperation(op, path, canonical_value(value))
    return PatchOperation(op, path, normalise_value(path, value, value_field))


def _without_path(
    op: Literal["add", "replace", "remove"], value: JsonValue, field: str
) -> PatchOperation | None:
    """Return an operation whose value is an object of attributes to merge."""
    if op == "remove":
        raise MalformedInput(
            child(field, "path"), "remove needs a path", "name the attribute to remove in path"
        )
    if not isinstance(value, dict):
        raise MalformedInput(
            child(field, "value"),
            f"an operation without path needs an object of attributes, got {kind(value)}",
            'send value as {"attribute": value}, or add a path',
        )
    attributes = expand_attributes(value, child(field, "value"))
    return PatchOperation(op, None, attributes) if attributes else None


def _read_op(raw: JsonValue, field: str) -> Literal["add", "replace", "remove"]:
    """Return the op in lower case; only add, replace and remove exist in SCIM."""
    op = OPS.get(raw.lower()) if isinstance(raw, str) else None
    if op is None:
        raise MalformedInput(field, f"unknown op {raw!r}", "use add, replace or remove")
    return op
