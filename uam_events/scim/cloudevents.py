"""CloudEvents 1.0 envelopes around a SCIM event: structured JSON, or binary Kafka headers.

In binary mode (Kafka protocol binding) the attributes ride in `ce_` headers and the record
value is the data; in structured mode the value is the event with `data` or `data_base64`.
Only `specversion` and `type` are checked: nothing downstream reads the other attributes.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Callable, Mapping

from uam_events.core.values import JsonObject, JsonValue
from uam_events.errors import MalformedInput
from uam_events.scim.shapes import child, require_text

SPEC_VERSION = "1.0"
HEADER_PREFIX = "ce_"


def is_structured(document: JsonObject) -> bool:
    """Return whether a JSON value is a structured-mode CloudEvent."""
    return "specversion" in document


def is_binary(headers: Mapping[str, bytes] | None) -> bool:
    """Return whether record headers make the record a binary-mode CloudEvent."""
    return bool(headers) and any(name.lower() == "ce_specversion" for name in headers or {})


def check_binary(headers: Mapping[str, bytes]) -> None:
    """Check the `ce_` attributes of a binary-mode CloudEvent."""
    attributes: JsonObject = {}
    for name, raw in headers.items():
        if name.lower().startswith(HEADER_PREFIX):
            try:
                attributes[name.lower()[len(HEADER_PREFIX) :]] = raw.decode("utf-8")
            except UnicodeDecodeError:
                raise MalformedInput(
                    f"headers.{name}", "not UTF-8 text", "send CloudEvents headers as UTF-8"
                ) from None
    _check(attributes, lambda name: f"headers.{HEADER_PREFIX}{name}")


def structured_data(envelope: JsonObject, field: str) -> bytes | JsonValue:
    """Return the data of a structured-mode CloudEvent: JSON, or bytes from `data_base64`."""
    _check(envelope, lambda name: child(field, name))
    if "data_base64" in envelope:
        if "data" in envelope:
            raise MalformedInput(
                child(field, "data"), "both data and data_base64 are set", "send only one"
            )
        encoded = require_text(envelope["data_base64"], child(field, "data_base64"))
        try:
            return base64.b64decode(encoded, validate=True)
        except binascii.Error:
            raise MalformedInput(
                child(field, "data_base64"), "not base64", "encode the data in base64"
            ) from None
    if envelope.get("data") is None:
        raise MalformedInput(
            child(field, "data"),
            "the CloudEvent carries no data",
            "put the SCIM event in data or data_base64",
        )
    return envelope["data"]


def _check(attributes: JsonObject, field_of: Callable[[str], str]) -> None:
    """Refuse a CloudEvent of another spec version, or one without a type."""
    version = attributes.get("specversion")
    if version != SPEC_VERSION:
        raise MalformedInput(
            field_of("specversion"),
            f"CloudEvents specversion {version!r} is not supported",
            f"send specversion {SPEC_VERSION}",
        )
    require_text(attributes.get("type"), field_of("type"))
