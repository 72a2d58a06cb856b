"""Turn one input record (topic, key, original bytes, headers) into core inputs.

The same routing serves the embedded engine and the workers: a record either decodes to core
inputs or raises InputError, whose reason goes to the dead-letter topic with the bytes.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

from uam_events.contract.decode import decode_command, decode_hub, decode_identity, decode_policy
from uam_events.core.events import Input
from uam_events.errors import MalformedInput
from uam_events.scim import decode_scim

INPUT_TOPICS = ("scim.users", "identity.attributes", "hub.hierarchies", "policies", "commands")
"""Input topic names without the configured prefix, in DESIGN order."""


@dataclass(frozen=True, slots=True)
class Record:
    """One input record as it arrived."""

    topic: str
    key: str | None
    value: bytes | None
    headers: Mapping[str, bytes] | None = None


Decoder = Callable[[Record, str | None], list[Input]]


def _scim(record: Record, key_pem: str | None) -> list[Input]:
    return list(decode_scim(_required(record), record.key, record.headers, key_pem))


def _identity(record: Record, _: str | None) -> list[Input]:
    return [decode_identity(record.key, _required(record))]


def _hub(record: Record, _: str | None) -> list[Input]:
    return [decode_hub(record.key, _required(record))]


def _policy(record: Record, _: str | None) -> list[Input]:
    return [decode_policy(record.key, record.value)]


def _command(record: Record, _: str | None) -> list[Input]:
    return [decode_command(record.key, _required(record))]


DECODERS: dict[str, Decoder] = {
    "scim.users": _scim,
    "identity.attributes": _identity,
    "hub.hierarchies": _hub,
    "policies": _policy,
    "commands": _command,
}


def decode_record(record: Record, verification_key: str | None = None) -> list[Input]:
    """Return the core inputs a record carries; raise InputError naming the field and fix."""
    decoder = DECODERS.get(record.topic)
    if decoder is None:
        raise MalformedInput(
            "topic",
            f"{record.topic!r} is not an input topic",
            f"publish to one of {', '.join(INPUT_TOPICS)}",
        )
    return decoder(record, verification_key)


def _required(record: Record) -> bytes:
    if record.value is None:
        raise MalformedInput(
            "value",
            f"a null value is not accepted on {record.topic!r}",
            "send a JSON object (only the policies topic takes null, to delete a rule)",
        )
    return record.value
