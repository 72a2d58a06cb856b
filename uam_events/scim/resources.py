"""The User resource of a create or replace, checked and normalised before the core stores it.

A create or PUT without `active` means active (DESIGN 9); `userName` is required (RFC 7643
4.1.1); a Group is refused, since uam-events reads group membership from identity attributes.
"""

from __future__ import annotations

from uam_events.core.values import JsonObject, JsonValue
from uam_events.errors import MalformedInput
from uam_events.scim.quirks import expand_attributes
from uam_events.scim.shapes import child, member, require_object

GROUP_URN = "urn:ietf:params:scim:schemas:core:2.0:Group"
GROUP_FIX = "map groups to attributes on the identity topic"


def read_user(raw: JsonValue, field: str) -> JsonObject:
    """Return the resource as stored: a User with a userName and a boolean `active`."""
    resource = require_object(raw, field)
    refuse_group(resource, field)
    user = expand_attributes(resource, field)
    user_name = user.get("userName")
    if not isinstance(user_name, str) or not user_name.strip():
        raise MalformedInput(
            child(field, "userName"),
            "a User needs a non-empty userName",
            "send userName (the name the user signs in with)",
        )
    if user.get("active") is None:
        user["active"] = True
    return user


def refuse_group(resource: JsonObject, field: str) -> None:
    """Raise when the resource is a Group (by its schemas or its meta.resourceType)."""
    schemas = member(resource, "schemas")
    names = schemas if isinstance(schemas, list) else []
    meta = member(resource, "meta")
    kind = member(meta, "resourceType") if isinstance(meta, dict) else None
    if any(isinstance(n, str) and n.lower() == GROUP_URN.lower() for n in names) or (
        isinstance(kind, str) and kind.lower() == "group"
    ):
        raise MalformedInput(
            field, "the resource is a Group, and a Group is not consumed", GROUP_FIX
        )
