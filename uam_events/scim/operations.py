"""Plain SCIM operations: `{"op": "create" | "replace" | "patch" | "delete", "id", ...}`.

The user id is the value's `id`, else its resource's `id`, else the record key.
"""

from __future__ import annotations

from uam_events.core.events import (
    UserCreated,
    UserDeleted,
    UserEvent,
    UserPatched,
    UserReplaced,
)
from uam_events.core.values import JsonObject
from uam_events.errors import MalformedInput
from uam_events.scim.patches import read_patch
from uam_events.scim.resources import read_user
from uam_events.scim.shapes import child, require_text

OPS = ("create", "replace", "patch", "delete")


def decode_operation(value: JsonObject, key: str | None, field: str) -> list[UserEvent]:
    """Return the one event a plain operation carries."""
    raw_op = value.get("op")
    op = raw_op.lower() if isinstance(raw_op, str) else None
    if op not in OPS:
        raise MalformedInput(
            child(field, "op"), f"unknown op {raw_op!r}", "use create, replace, patch or delete"
        )
    user_id = _user_id(value, key, field)
    if op == "delete":
        return [UserDeleted(user_id)]
    if op == "patch":
        return [UserPatched(user_id, read_patch(value.get("patch"), child(field, "patch")))]
    resource = read_user(value.get("resource"), child(field, "resource"))
    if op == "create":
        return [UserCreated(user_id, resource)]
    return [UserReplaced(user_id, resource)]


def _user_id(value: JsonObject, key: str | None, field: str) -> str:
    """Return the value's id, else its resource's id, else the record key."""
    if value.get("id") is not None:
        return require_text(value["id"], child(field, "id"))
    resource = value.get("resource")
    if isinstance(resource, dict) and resource.get("id") is not None:
        return require_text(resource["id"], child(child(field, "resource"), "id"))
    if key:
        return key
    raise MalformedInput(
        child(field, "id"),
        "no user id: the value has no id, nor its resource, and the record has no key",
        "send id, or key the record by the user id",
    )
