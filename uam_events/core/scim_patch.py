"""How one PatchOp operation changes a stored SCIM resource (RFC 7644 3.5.2).

Invariant: an operation only changes the object it is given (the caller's shallow copy of the
stored resource) and, inside it, private copies of the extension object and the attribute it
changes, taken before it changes them; it never aliases its own value into the resource. So
`scim_user.apply_patch` stays all or nothing and copies only what a patch touches, and the stored
resource shares its untouched parts with the new one (stored resources are never changed in
place).
Names match without case (RFC 7643 2.1): a stored name keeps its spelling, a new one is written
as the operation spells it; null and [] unassign an attribute (RFC 7643 2.5).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from uam_events.core.scim_filter import Filter, equalities, matches, member
from uam_events.core.values import JsonObject, JsonValue, copy_json, copy_object
from uam_events.errors import InvalidInput, MalformedInput

if TYPE_CHECKING:
    from uam_events.core.scim_user import AttributePath, PatchOperation

CORE_USER_URN = "urn:ietf:params:scim:schemas:core:2.0:User"
MULTI_VALUED = frozenset(
    {"emails", "phonenumbers", "ims", "photos", "addresses", "groups", "entitlements", "roles"}
    | {"x509certificates"}
)
"""The core User's multi-valued attributes, folded to lower case."""


def apply_operation(resource: JsonObject, operation: PatchOperation, field: str) -> None:
    """Apply one operation to `resource` in place (the caller owns a private copy)."""
    path = operation.path
    if path is None:
        _apply_without_path(resource, operation, field)
        return
    if operation.op == "remove":
        container = _container(resource, path.schema)
        if container is None:
            return
    else:
        container = _ensure_container(resource, path.schema)
    _own(container, path.attribute)
    existing = member(container, path.attribute)
    multi_valued = isinstance(existing, list) or path.attribute.lower() in MULTI_VALUED
    if path.value_filter is not None or (path.sub_attribute and multi_valued):
        _patch_values(container, path, operation, field)
    elif path.sub_attribute is not None:
        _patch_complex(container, path.attribute, path.sub_attribute, operation)
    elif operation.op == "remove":
        _remove(container, path.attribute, operation.value)
    else:
        _write(container, path.attribute, operation.value, operation.op)
    if container is not resource and not container:
        resource.pop(find_key(resource, path.schema or ""), None)


def _apply_without_path(resource: JsonObject, operation: PatchOperation, field: str) -> None:
    """Merge an object of attributes into the resource (RFC 7644 3.5.2.1 and 3.5.2.3)."""
    if operation.op == "remove":
        raise MalformedInput(
            f"{field}.path", "remove needs a path", "name the attribute to remove in path"
        )
    if not isinstance(operation.value, dict):
        raise MalformedInput(
            f"{field}.value",
            "an operation without path needs an object of attributes as its value",
            'send value as {"attribute": value}, or add a path',
        )
    for name, value in operation.value.items():
        if name.lower().startswith("urn:") and isinstance(value, dict):
            extension = _ensure_container(resource, name)
            for sub_name, sub_value in value.items():
                _own(extension, sub_name)
                _write(extension, sub_name, sub_value, operation.op)
        else:
            _own(resource, name)
            _write(resource, name, value, operation.op)


def _write(container: JsonObject, name: str, value: JsonValue, op: str) -> None:
    """Add or replace one attribute: append to multi-valued, merge complex, else overwrite."""
    key = find_key(container, name)
    existing = container.get(key)
    if value is None or value == []:
        container.pop(key, None)
    elif name.lower() in MULTI_VALUED or isinstance(existing, list) or isinstance(value, list):
        written = _distinct(value if isinstance(value, list) else [value])
        _keep_one_primary(written, written)
        merged = written
        if op == "add" and isinstance(existing, list):
            written = [v for v in written if v not in existing]
            merged = [*existing, *written]
        container[key] = merged
        _keep_one_primary(merged, written)
    elif isinstance(value, dict) and isinstance(existing, dict):
        for sub_name, sub_value in value.items():
            _set_or_drop(existing, sub_name, sub_value)
    else:
        container[key] = copy_json(value)


def _remove(container: JsonObject, name: str, value: JsonValue) -> None:
    """Remove an attribute; with a value list, only the listed values (Entra ID, Okta)."""
    key = find_key(container, name)
    existing = container.get(key)
    kept: list[JsonValue] = []
    if isinstance(existing, list) and value is not None:
        kept = [element for element in existing if not _listed(element, value)]
    if kept:
        container[key] = kept
    else:
        container.pop(key, None)


def _patch_complex(container: JsonObject, name: str, sub: str, operation: PatchOperation) -> None:
    """Set or remove one sub-attribute of a single-valued complex attribute (`name.givenName`)."""
    key = find_key(container, name)
    existing = container.get(key)
    target = existing if isinstance(existing, dict) else {}
    _set_or_drop(target, sub, None if operation.op == "remove" else operation.value)
    if target:
        container[key] = target
    else:
        container.pop(key, None)


def _patch_values(
    container: JsonObject, path: AttributePath, operation: PatchOperation, field: str
) -> None:
    """Change the values a filter selects (no filter: all); a write that selects none adds one."""
    key = find_key(container, path.attribute)
    values = _values(container, key, field)
    if path.sub_attribute is None and operation.value is not None:
        _require_object(path, operation, field)
    chosen = [
        index
        for index, element in enumerate(values)
        if path.value_filter is None or matches(path.value_filter, element)
    ]
    if not chosen and operation.op != "remove" and path.value_filter is not None:
        values = [*values, _element_from_filter(path, path.value_filter, operation.value, field)]
        chosen = [len(values) - 1]
    else:
        pinned = equalities(path.value_filter) if path.value_filter is not None else None
        for index in chosen:
            values[index] = _rewrite(values[index], path.sub_attribute, operation, pinned)
    kept: list[JsonValue] = [element for element in values if element is not None]
    if kept:
        container[key] = kept
        if operation.op != "remove":
            _keep_one_primary(kept, [values[index] for index in chosen])
    else:
        container.pop(key, None)


def _rewrite(
    element: JsonValue, sub: str | None, operation: PatchOperation, pinned: JsonObject | None
) -> JsonValue:
    """Return a selected value after the operation (None: the value goes).

    A replaced record keeps what an `eq` filter pinned (over a contradicting value), so a
    replayed operation selects it again instead of adding a second one.
    """
    value = None if operation.op == "remove" else operation.value
    if sub is not None:
        updated = copy_object(element) if isinstance(element, dict) else {}
        _set_or_drop(updated, sub, value)
        return updated
    if not isinstance(value, dict):
        return copy_json(value)
    kept = element if operation.op == "add" and isinstance(element, dict) else {}
    return copy_json({**kept, **value, **(pinned or {})})


def _element_from_filter(
    path: AttributePath, value_filter: Filter, value: JsonValue, field: str
) -> JsonValue:
    """Build the value a write expected to find from the filter's `eq` terms (Entra ID)."""
    pinned = equalities(value_filter)
    if value is None:
        return None
    if pinned is None:
        raise InvalidInput(
            f"{field}.path",
            f"no value of {path.attribute} matches the filter, and only a filter of eq terms "
            "says what value to add",
            "target an existing value, or use an eq filter such as "
            f'{path.attribute}[type eq "work"]',
        )
    element: JsonObject = copy_object(value) if isinstance(value, dict) else {}
    if path.sub_attribute is not None:
        _set_or_drop(element, path.sub_attribute, value)
    element.update(copy_object(pinned))
    return element


def _require_object(path: AttributePath, operation: PatchOperation, field: str) -> None:
    """Refuse a write of a whole selected value that is not an object."""
    if operation.op != "remove" and not isinstance(operation.value, dict):
        raise InvalidInput(
            f"{field}.value",
            f"a value of {path.attribute} selected by a filter must be an object",
            "send the whole value as an object, or add a sub-attribute to the path",
        )


def _listed(element: JsonValue, value: JsonValue) -> bool:
    """Return whether a remove's value list names `element` (itself, or by its `value`)."""
    for item in value if isinstance(value, list) else [value]:
        if element == item or (
            isinstance(element, dict)
            and isinstance(item, dict)
            and "value" in item
            and member(element, "value") == item["value"]
        ):
            return True
    return False


# --- small helpers ---------------------------------------------------------------------------


def find_key(obj: JsonObject, name: str) -> str:
    """Return the stored key that spells `name` in any case, else `name` itself."""
    if name in obj:
        return name
    folded = name.casefold()
    return next((key for key in obj if key.casefold() == folded), name)


def _set_or_drop(obj: JsonObject, name: str, value: JsonValue) -> None:
    """Set a sub-attribute; null unassigns it (RFC 7643 2.5)."""
    if value is None:
        obj.pop(find_key(obj, name), None)
    else:
        obj[find_key(obj, name)] = copy_json(value)


def _own(container: JsonObject, name: str) -> None:
    """Replace an attribute's object or list by a private copy, before an operation changes it."""
    key = find_key(container, name)
    value = container.get(key)
    if isinstance(value, dict | list):
        container[key] = copy_json(value)


def _container(resource: JsonObject, schema: str | None) -> JsonObject | None:
    """Return the object holding a schema's attributes: the resource, or a private copy of its
    extension object put in its place."""
    if schema is None or schema.lower() == CORE_USER_URN.lower():
        return resource
    key = find_key(resource, schema)
    extension = resource.get(key)
    if not isinstance(extension, dict):
        return None
    private = resource[key] = dict(extension)
    return private


def _ensure_container(resource: JsonObject, schema: str | None) -> JsonObject:
    """Return the object holding a schema's attributes, adding an empty extension if needed."""
    container = _container(resource, schema)
    if container is None:
        container = resource[find_key(resource, schema or "")] = {}
    return container


def _values(container: JsonObject, key: str, field: str) -> list[JsonValue]:
    """Return a multi-valued attribute's list (missing: empty), refusing a single value."""
    values = container.get(key)
    if values is None:
        return []
    if not isinstance(values, list):
        raise InvalidInput(
            f"{field}.path",
            f"{key} holds a single value, so a filter cannot select from it",
            "drop the [filter] from the path",
        )
    return values


def _keep_one_primary(values: list[JsonValue], written: list[JsonValue]) -> None:
    """Unset `primary` on other values when a write set it (RFC 7644 3.5.2)."""
    chosen = [v for v in written if isinstance(v, dict) and member(v, "primary") is True]
    if not chosen:
        return
    for element in values:
        if isinstance(element, dict) and element is not chosen[-1] and member(element, "primary"):
            element[find_key(element, "primary")] = False


def _distinct(values: list[JsonValue]) -> list[JsonValue]:
    """Return copies of `values` without repeats, in order."""
    distinct: list[JsonValue] = []
    for value in values:
        if value not in distinct:
            distinct.append(copy_json(value))
    return distinct
