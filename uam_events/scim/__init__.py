"""SCIM user events off the wire: every accepted form in, core user events out.

    record ─┬─ binary CloudEvent (ce_ headers) ─┐
            └─ structured CloudEvent ───────────┼─> data ─┬─ compact JWT ─> SET claims ─┐
                                                │         ├─ SET claims (JSON) ─────────┼─> events
               (no envelope) ───────────────────┘         └─ plain operation ───────────┘

Every refusal is an InputError naming the field (a JSON-path-like name) and the fix.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from uam_events.core.events import UserEvent
from uam_events.core.values import JsonValue
from uam_events.errors import InvalidInput, MalformedInput
from uam_events.scim import cloudevents, jws
from uam_events.scim.operations import decode_operation
from uam_events.scim.sets import decode_set
from uam_events.scim.shapes import child, parse_json

__all__ = ["decode_scim"]


def decode_scim(
    value: bytes,
    key: str | None,
    headers: Mapping[str, bytes] | None = None,
    verification_key: str | None = None,
) -> list[UserEvent]:
    """Return the user events one `scim.users` record carries, or raise InputError.

    `verification_key` (a PEM public key, or an HMAC secret) makes unsigned and badly signed
    SETs invalid; without it, a JWT's claims are read unverified.
    """
    enveloped = headers is not None and cloudevents.is_binary(headers)
    if headers is not None and enveloped:
        cloudevents.check_binary(headers)
    return _decode_bytes(value, _Context(key or None, verification_key), "", enveloped)


@dataclass(frozen=True, slots=True)
class _Context:
    """What every layer of one record's decoding needs: its key and the verification key."""

    key: str | None
    verification_key: str | None


def _decode_bytes(raw: bytes, context: _Context, field: str, enveloped: bool) -> list[UserEvent]:
    """Decode raw bytes: a compact JWT as it stands, anything else as JSON."""
    where = field or "value"
    try:
        text = raw.decode("utf-8").strip()
    except UnicodeDecodeError:
        raise MalformedInput(where, "not UTF-8 text", "send the value as UTF-8") from None
    if jws.is_compact(text):
        return _decode_token(text, context, where)
    return _decode_document(parse_json(text, where), context, field, enveloped)


def _decode_document(
    document: JsonValue, context: _Context, field: str, enveloped: bool
) -> list[UserEvent]:
    """Decode one JSON value: a JWT string, a CloudEvent, SET claims or a plain operation."""
    where = field or "value"
    if isinstance(document, str) and jws.is_compact(document.strip()):
        return _decode_token(document.strip(), context, where)
    if not isinstance(document, dict):
        raise MalformedInput(where, "not a SCIM event (expected a JSON object)", _FORMS)
    if cloudevents.is_structured(document):
        if enveloped:
            raise MalformedInput(
                child(field, "specversion"), "a CloudEvent inside a CloudEvent", "wrap once"
            )
        data = cloudevents.structured_data(document, field)
        inner = child(field, "data")
        if isinstance(data, bytes):
            return _decode_bytes(data, context, inner, enveloped=True)
        return _decode_document(data, context, inner, enveloped=True)
    if "events" in document:
        if context.verification_key is not None:
            raise InvalidInput(
                where,
                "the SET is unsigned JSON, and a verification key is configured",
                "send the SET as a signed compact JWT",
            )
        return decode_set(document, context.key, field)
    if "op" in document:
        return decode_operation(document, context.key, field)
    raise MalformedInput(where, "not a SCIM event (no op, events or specversion)", _FORMS)


def _decode_token(token: str, context: _Context, field: str) -> list[UserEvent]:
    """Decode a compact JWT SET; its claims' fields are named from the claims' root."""
    claims = jws.read_token(token, context.verification_key, field)
    prefix = "" if field == "value" else field
    return decode_set(claims, context.key, prefix)


_FORMS = "send a plain operation {op, id, ...}, a SCIM Events SET, or either in a CloudEvent"
