"""Platform quirks, normalised at the edge so the core sees one form of a User.

- Entra ID sends `active` as "True"/"False", dotted keys (`name.givenName`) and URN-qualified
  keys (`urn:...:enterprise:2.0:User:department`) in a PATCH value without path, and the
  enterprise `manager` as a bare id.
- Okta sends `password` in creates and in PATCH values; it is dropped, never stored.
- Names come in any case; they are stored in canonical spelling.
"""

from __future__ import annotations

from uam_events.core.scim_user import ENTERPRISE_URN, AttributePath, coerce_active
from uam_events.core.values import JsonObject, JsonValue
from uam_events.errors import InvalidInput, MalformedInput
from uam_events.scim.attributes import WRITE_ONLY, canonical_sub
from uam_events.scim.paths import refuse_group_attribute, split_name
from uam_events.scim.shapes import child


def expand_attributes(attributes: JsonObject, field: str) -> JsonObject:
    """Return an object of attributes with dotted and URN-qualified keys nested, names canonical.

    Used for created and replaced resources and for a PATCH value without path; keys that are
    not attribute paths are kept as they are, `password` is dropped.
    """
    result: JsonObject = {}
    for key, value in attributes.items():
        _place(result, key, value, child(field, key), schema=None)
    _manager_as_object(result)
    return result


def normalise_value(path: AttributePath, value: JsonValue, field: str) -> JsonValue:
    """Return the value of a PATCH operation with a path, in the form the core stores."""
    if path.value_filter is None and path.sub_attribute is None:
        if path.schema is None and path.attribute == "active" and value is not None:
            return read_active(value, field)
        if path.schema == ENTERPRISE_URN and path.attribute == "manager":
            return {"value": value} if isinstance(value, str) else canonical_value(value)
        if path.schema is None and path.attribute.lower().startswith("urn:"):
            return _expand_extension(path.attribute, value, field)
    return canonical_value(value)


def read_active(value: JsonValue, field: str) -> bool:
    """Return `active` as a bool (booleans, or "True"/"False" in any case), else raise."""
    active = coerce_active(value)
    if active is None:
        raise InvalidInput(
            field,
            f"active must be true or false, got {value!r}",
            'send a JSON boolean (or the string "True" or "False")',
        )
    return active


def canonical_value(value: JsonValue) -> JsonValue:
    """Return a value with its sub-attribute names (and those of each element) canonical."""
    if isinstance(value, dict):
        return _canonical_object(value)
    if isinstance(value, list):
        return [_canonical_object(item) if isinstance(item, dict) else item for item in value]
    return value


def _canonical_object(value: JsonObject) -> JsonObject:
    return {canonical_sub(key): item for key, item in value.items()}


def _place(result: JsonObject, key: str, value: JsonValue, field: str, schema: str | None) -> None:
    """Put one attribute at its place in `result` (the core, or its extension object)."""
    if "[" in key:
        raise MalformedInput(
            field, "an attribute name cannot carry a filter", "send filtered writes with a path"
        )
    parts = split_name(key, schema)
    if parts is None:
        (result if schema is None else _object(result, schema))[key] = value
        return
    owner, attribute, sub = parts
    refuse_group_attribute(attribute, field)
    if attribute.lower() in WRITE_ONLY:
        return
    if owner is None and attribute.lower().startswith("urn:") and isinstance(value, dict):
        for inner, item in value.items():
            _place(result, inner, item, child(field, inner), schema=attribute)
        return
    container = result if owner is None else _object(result, owner)
    if sub is not None:
        _object(container, attribute)[sub] = value
    elif isinstance(value, dict) and isinstance(container.get(attribute), dict):
        _object(container, attribute).update(_canonical_object(value))
    elif owner is None and attribute == "active" and value is not None:
        container[attribute] = read_active(value, field)
    else:
        container[attribute] = canonical_value(value)


def _expand_extension(schema: str, value: JsonValue, field: str) -> JsonValue:
    """Return the value of a whole-extension path with its inner names canonical."""
    if not isinstance(value, dict):
        return value
    result: JsonObject = {}
    for key, item in value.items():
        _place(result, key, item, child(field, key), schema=schema)
    _manager_as_object(result)
    extension = result.get(schema)
    return extension if isinstance(extension, dict) else {}


def _object(container: JsonObject, key: str) -> JsonObject:
    """Return the object at `key`, putting an empty one there when it holds anything else."""
    existing = container.get(key)
    if isinstance(existing, dict):
        return existing
    created: JsonObject = {}
    container[key] = created
    return created


def _manager_as_object(result: JsonObject) -> None:
    """Turn Entra ID's bare manager id into `{"value": id}` (RFC 7643 4.3)."""
    enterprise = result.get(ENTERPRISE_URN)
    if isinstance(enterprise, dict) and isinstance(enterprise.get("manager"), str):
        enterprise["manager"] = {"value": enterprise["manager"]}
