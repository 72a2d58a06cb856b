"""Generate `schemas/`: one JSON Schema per payload and an AsyncAPI 3.0 document of the topics.

Run `python -m uam_events.contract.schemas DIR` (`make schemas`). The output is deterministic
(sorted keys, indent 2, trailing newline) so CI can fail when the committed files are stale;
JSON files in DIR that no payload produces any more are removed.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import TypeAdapter

from uam_events import __version__
from uam_events.contract.audit import HeldPush, PushOutcome, QuarantinedRow, ReleasedPush
from uam_events.contract.commands import CommandPayload
from uam_events.contract.inputs import HubChange, IdentityAttributes, ReplayLine
from uam_events.contract.outputs import (
    CommandDecision,
    DeadLetter,
    Delta,
    ReplayUser,
    StateRecord,
)
from uam_events.contract.policies import PolicyPayload

ASYNCAPI_FILE = "asyncapi.yaml"
_DIALECT = "https://json-schema.org/draft/2020-12/schema"


@dataclass(frozen=True, slots=True)
class SchemaFile:
    """One generated schema: file name, model, direction (inputs validate, outputs serialise)."""

    name: str
    model: Any
    mode: Literal["validation", "serialization"]
    description: str

    @property
    def file(self) -> str:
        """Return the schema's file name."""
        return f"{self.name}.json"

    def schema(self) -> dict[str, Any]:
        """Return the JSON Schema, with its dialect, title and description."""
        body = TypeAdapter(self.model).json_schema(mode=self.mode, by_alias=True)
        return {**body, "$schema": _DIALECT, "title": self.name, "description": self.description}


PAYLOADS: tuple[SchemaFile, ...] = (
    SchemaFile("identity-attributes", IdentityAttributes, "validation",
               "uam.identity.attributes: attributes of one user from HR or the IdP"),
    SchemaFile("hub-change", HubChange, "validation",
               "uam.hub.hierarchies: a hub item upserted or deleted"),
    SchemaFile("policy", PolicyPayload, "validation",
               "uam.policies: an access rule, a role rule or a qualified user's scope"),
    SchemaFile("command", CommandPayload, "validation",
               "uam.commands: set_access or copy_access by a qualified user"),
    SchemaFile("replay-line", ReplayLine, "validation",
               "One line of a `uam replay` events file"),
    SchemaFile("delta", Delta, "serialization",
               "uam.access.<spoke>: a grant, role, membership or access-text change"),
    SchemaFile("state", StateRecord, "serialization",
               "uam.state.<spoke>: a user's whole current access in one spoke"),
    SchemaFile("audit-command", CommandDecision, "serialization",
               "uam.audit: the decision on one command"),
    SchemaFile("audit-push", PushOutcome, "serialization",
               "uam.audit: the outcome of one sink run of a spoke"),
    SchemaFile("audit-push-held", HeldPush, "serialization",
               "uam.audit: a push held by the accidental-deletion guard"),
    SchemaFile("audit-push-released", ReleasedPush, "serialization",
               "uam.audit: an operator released a held push"),
    SchemaFile("audit-row-quarantined", QuarantinedRow, "serialization",
               "uam.audit: a row the spoke rejected run after run, no longer pushed"),
    SchemaFile("dead-letter", DeadLetter, "serialization",
               "uam.dlq: an input that could not be used, and why"),
    SchemaFile("replay-user", ReplayUser, "serialization",
               "users.jsonl of a replay: one user's final state"),
)  # fmt: skip


def render() -> dict[str, str]:
    """Return every generated file's name and text."""
    files = {
        payload.file: json.dumps(payload.schema(), indent=2, sort_keys=True, ensure_ascii=False)
        + "\n"
        for payload in PAYLOADS
    }
    files[ASYNCAPI_FILE] = yaml.safe_dump(
        asyncapi(), sort_keys=False, allow_unicode=True, width=100
    )
    return files


def write(directory: Path) -> list[Path]:
    """Write the generated files into `directory`; remove JSON files no payload produces."""
    directory.mkdir(parents=True, exist_ok=True)
    files = render()
    for stale in sorted(directory.glob("*.json")):
        if stale.name not in files:
            stale.unlink()
    written = []
    for name, text in files.items():
        target = directory / name
        target.write_text(text, encoding="utf-8", newline="\n")
        written.append(target)
    return written


@dataclass(frozen=True, slots=True)
class Channel:
    """A topic in the AsyncAPI document: id, address, direction, payload, key and compaction."""

    id: str
    address: str
    action: Literal["receive", "send"]
    payload: str | None
    key: str
    description: str
    compacted: bool = False
    nullable: bool = False
    also: tuple[str, ...] = ()
    """Further payloads the topic carries (the message is then one of them)."""


CHANNELS: tuple[Channel, ...] = (
    Channel("scimUsers", "uam.scim.users", "receive", None, "user key (SCIM id)",
            "SCIM events: a SET (JSON or signed JWT) or a plain operation, with or without a "
            "CloudEvents envelope (DESIGN section 4)"),
    Channel("identityAttributes", "uam.identity.attributes", "receive", "identity-attributes",
            "user key (SCIM id)", "Attribute changes from HR or the IdP"),
    Channel("hubHierarchies", "uam.hub.hierarchies", "receive", "hub-change",
            "hub list name", "Hub hierarchy upserts and deletes from the Data Hub"),
    Channel("policies", "uam.policies", "receive", "policy", "rule id",
            "Rules and scopes; null deletes the rule named by the key", True, True),
    Channel("commands", "uam.commands", "receive", "command", "target user key",
            "Commands of qualified users"),
    Channel("access", "uam.access.{spoke}", "send", "delta", "user key",
            "Deltas of one spoke, in emission order"),
    Channel("state", "uam.state.{spoke}", "send", "state", "user key",
            "Each user's whole access in one spoke; null once they hold nothing", True, True),
    Channel("audit", "uam.audit", "send", "audit-command", "command id or spoke",
            "Command decisions; push outcomes, held and released pushes, quarantined rows",
            also=("audit-push", "audit-push-held", "audit-push-released",
                  "audit-row-quarantined")),
    Channel("dlq", "uam.dlq", "send", "dead-letter", "the original key",
            "Inputs that could not be used, with their original bytes and the reason"),
)  # fmt: skip
"""Every topic of DESIGN sections 4 and 5, under the default prefix `uam.`."""


def asyncapi() -> dict[str, Any]:
    """Return the AsyncAPI 3.0 document naming every topic and referencing its payload."""
    channels: dict[str, Any] = {}
    operations: dict[str, Any] = {}
    messages: dict[str, Any] = {}
    for channel in CHANNELS:
        channels[channel.id] = _channel(channel)
        verb = "receive" if channel.action == "receive" else "send"
        operations[f"{verb}{channel.id[0].upper()}{channel.id[1:]}"] = {
            "action": channel.action,
            "channel": {"$ref": f"#/channels/{channel.id}"},
            "messages": [{"$ref": f"#/channels/{channel.id}/messages/{channel.id}"}],
        }
        messages[channel.id] = _message(channel)
    return {
        "asyncapi": "3.0.0",
        "info": {
            "title": "uam-events",
            "version": __version__,
            "description": "Topics of uam-events; a configured kafka.topic_prefix replaces "
            "'uam.'. Values are UTF-8 JSON.",
        },
        "defaultContentType": "application/json",
        "channels": channels,
        "operations": operations,
        "components": {"messages": messages},
    }


def _channel(channel: Channel) -> dict[str, Any]:
    body: dict[str, Any] = {
        "address": channel.address,
        "description": channel.description,
        "messages": {channel.id: {"$ref": f"#/components/messages/{channel.id}"}},
    }
    if "{spoke}" in channel.address:
        body["parameters"] = {"spoke": {"description": "a spoke id from the configuration"}}
    kafka: dict[str, Any] = {"bindingVersion": "0.5.0"}
    if channel.compacted:
        kafka["topicConfiguration"] = {"cleanup.policy": ["compact"]}
    body["bindings"] = {"kafka": kafka}
    return body


def _message(channel: Channel) -> dict[str, Any]:
    payload: dict[str, Any] = (
        {"$ref": f"./{channel.payload}.json"}
        if channel.payload
        else {"type": "object", "description": channel.description}
    )
    if channel.also:
        payload = {"oneOf": [payload, *({"$ref": f"./{name}.json"} for name in channel.also)]}
    if channel.nullable:
        payload = {"oneOf": [payload, {"type": "null"}]}
    key = {"type": "string", "description": channel.key}
    return {
        "name": channel.id,
        "contentType": "application/json",
        "payload": payload,
        "bindings": {"kafka": {"key": key, "bindingVersion": "0.5.0"}},
    }


def main(argv: Sequence[str] | None = None) -> int:
    """Write the schemas into the folder named by the only argument."""
    args = list(sys.argv[1:] if argv is None else argv)
    if len(args) != 1:
        sys.stderr.write("usage: python -m uam_events.contract.schemas DIR\n")
        return 2
    for path in write(Path(args[0])):
        sys.stdout.write(f"{path}\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
