"""SCIM Events Security Event Tokens (RFC 9967, draft-ietf-scim-events) into user events.

`events` is keyed by event URI; the full events carry their resource or PatchOp in `data`; the
subject is `sub_id` (`{"format": "scim", "uri": "/Users/ID"}` or `{"format": "opaque", "id"}`).
Several events in one SET apply in a fixed order, whatever order the JSON object lists them in.
"""

from __future__ import annotations

from urllib.parse import unquote, urlsplit

from uam_events.core.events import (
    UserActivated,
    UserCreated,
    UserDeactivated,
    UserDeleted,
    UserEvent,
    UserPatched,
    UserReplaced,
)
from uam_events.core.values import JsonObject, JsonValue
from uam_events.errors import MalformedInput
from uam_events.scim.patches import read_patch
from uam_events.scim.resources import GROUP_FIX, read_user
from uam_events.scim.shapes import child, require_object, require_text

EVENT_URN = "urn:ietf:params:scim:event:"
ORDER = (
    "prov:create:full",
    "prov:put:full",
    "prov:patch:full",
    "prov:activate",
    "prov:deactivate",
    "prov:delete",
)
NOTICES = frozenset({"prov:create:notice", "prov:put:notice", "prov:patch:notice"})
FULL_FIX = "send the full event (prov:create:full, prov:put:full or prov:patch:full)"


def decode_set(claims: JsonObject, key: str | None, field: str) -> list[UserEvent]:
    """Return one SET's events in the order create, put, patch, activate, deactivate, delete."""
    where = child(field, "events")
    events = require_object(claims.get("events"), where)
    if not events:
        raise MalformedInput(where, "events is empty", "send one or more SCIM event URIs")
    found: dict[str, tuple[str, JsonValue]] = {}
    for uri, payload in events.items():
        event_field = child(where, uri)
        kind = _kind(uri, event_field)
        if kind in found:
            raise MalformedInput(event_field, f"{kind} appears twice", "send each event once")
        found[kind] = (event_field, payload)
    user_id = _subject(claims, found, key, field)
    return [_event(kind, user_id, *found[kind]) for kind in ORDER if kind in found]


def _kind(uri: str, field: str) -> str:
    """Return the `prov:...` suffix of a supported event URI, matched without case."""
    lowered = uri.lower()
    suffix = lowered[len(EVENT_URN) :] if lowered.startswith(EVENT_URN) else None
    if suffix in ORDER:
        return suffix
    if suffix in NOTICES:
        raise MalformedInput(
            field, f"{suffix} names the changed attributes but not their values", FULL_FIX
        )
    raise MalformedInput(
        field,
        f"unsupported event URI {uri!r}",
        "send urn:ietf:params:SCIM:event:prov: create:full, put:full, patch:full, delete, "
        "activate or deactivate",
    )


def _subject(
    claims: JsonObject, found: dict[str, tuple[str, JsonValue]], key: str | None, field: str
) -> str:
    """Return the user id: `sub_id`, else the id in a full resource, else the record key."""
    if claims.get("sub_id") is not None:
        return _from_sub_id(claims["sub_id"], child(field, "sub_id"))
    for kind in ("prov:create:full", "prov:put:full"):
        payload = found.get(kind, ("", None))[1]
        data = payload.get("data") if isinstance(payload, dict) else None
        identifier = data.get("id") if isinstance(data, dict) else None
        if isinstance(identifier, str) and identifier:
            return identifier
    if key:
        return key
    raise MalformedInput(
        child(field, "sub_id"),
        "the SET names no subject",
        'send sub_id {"format": "scim", "uri": "/Users/ID"}',
    )


def _from_sub_id(raw: JsonValue, field: str) -> str:
    """Return the user id a `scim` or `opaque` subject identifier names."""
    subject = require_object(raw, field)
    form = subject.get("format")
    if form == "opaque":
        return require_text(subject.get("id"), child(field, "id"))
    if form != "scim":
        raise MalformedInput(
            child(field, "format"),
            f"subject format {form!r} is not supported",
            'use {"format": "scim", "uri": "/Users/ID"} or {"format": "opaque", "id": ID}',
        )
    if subject.get("uri") is None and subject.get("id") is not None:
        return require_text(subject["id"], child(field, "id"))
    uri = require_text(subject.get("uri"), child(field, "uri"))
    try:
        segments = [s for s in urlsplit(uri).path.split("/") if s]
    except ValueError:
        segments = []
    if len(segments) >= 2 and segments[-2].lower() == "groups":
        raise MalformedInput(
            child(field, "uri"), "the subject is a Group, and a Group is not consumed", GROUP_FIX
        )
    if len(segments) < 2 or segments[-2].lower() != "users":
        raise MalformedInput(
            child(field, "uri"), f"{uri!r} does not name a User", "send uri as /Users/ID"
        )
    return unquote(segments[-1])


def _event(kind: str, user_id: str, field: str, payload: JsonValue) -> UserEvent:
    """Return the core event for one SET event; full events read their `data`."""
    if kind == "prov:delete":
        return UserDeleted(user_id)
    if kind == "prov:activate":
        return UserActivated(user_id)
    if kind == "prov:deactivate":
        return UserDeactivated(user_id)
    data = require_object(payload, field).get("data")
    where = child(field, "data")
    if data is None:
        carried = "PatchOp" if kind == "prov:patch:full" else "User resource"
        raise MalformedInput(where, f"{kind} has no data", f"send the {carried} in data")
    if kind == "prov:patch:full":
        return UserPatched(user_id, read_patch(data, where))
    resource = read_user(data, where)
    if kind == "prov:create:full":
        return UserCreated(user_id, resource)
    return UserReplaced(user_id, resource)
