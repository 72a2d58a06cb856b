"""The checkpoint of one partition: its primary state as key/value bytes, and back.

A worker saves, after each batch, the entries the batch changed (users with their explicit
grants and seqs, hub items, the lists they belong to, rules as their original policy bytes,
and the last origin offset applied per input partition); after a restart it reads them all
back and restores the engine from them. Keys sort by kind: `i/` items, `l/` lists, `o/`
origin offsets, `r/` rules, `s/` positions in `uam produce` runs, `u/` users. Values are
compact JSON (a rule keeps its bytes).
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field

from uam_events.contract.decode import decode_policy
from uam_events.core.engine import Engine
from uam_events.core.events import RulePublished
from uam_events.core.levels import Level
from uam_events.core.resolver import ExplicitGrant
from uam_events.core.restore import Rule, SavedItem, SavedUser, restore, save_item, save_user
from uam_events.core.values import JsonObject
from uam_events.errors import InputError, RecoveryError
from uam_events.partition import Changes
from uam_events.settings import Settings

Entries = dict[bytes, bytes | None]
"""Checkpoint keys to their new value, or None to delete the key."""

_SEP = "\x1f"


@dataclass(slots=True)
class Recovered:
    """A partition's engine rebuilt from its checkpoint, and how far it had got."""

    engine: Engine
    origins: dict[str, int] = field(default_factory=dict)
    runs: dict[str, int] = field(default_factory=dict)
    next_offset: int | None = None
    """The first change record not finished when the checkpoint was saved (None: unknown)."""


def changed_entries(
    engine: Engine,
    changes: Changes,
    origins: dict[str, int],
    runs: dict[str, int] | None = None,
    next_offset: int | None = None,
) -> Entries:
    """Return the entries for everything `changes` names, as the engine now holds it.

    `origins` are the last origin offsets applied and `runs` the last number applied per
    `uam produce` run, each for the keys that moved; `next_offset` the first change record
    not yet finished.
    """
    entries: Entries = {}
    for user_id in sorted(changes.users):
        saved = save_user(engine, user_id)
        entries[_key("u", user_id)] = None if saved is None else _user_bytes(saved)
    for hub_list, code in sorted(changes.items):
        item = save_item(engine, hub_list, code)
        key = _key("i", hub_list + _SEP + code)
        entries[key] = None if item is None else _dump({"name": item.name, "parent": item.parent})
    for hub_list in sorted(changes.lists):
        entries[_key("l", hub_list)] = b"{}"
    for rule_id, value in sorted(changes.rules.items()):
        entries[_key("r", rule_id)] = value
    for origin, offset in sorted(origins.items()):
        entries[_key("o", origin)] = str(offset).encode("ascii")
    for run_id, seq in sorted((runs or {}).items()):
        entries[_key("s", run_id)] = str(seq).encode("ascii")
    if next_offset is not None:
        entries[_key("p", "next")] = str(next_offset).encode("ascii")
    return entries


def recover(settings: Settings, entries: Iterable[tuple[bytes, bytes]]) -> Recovered:
    """Rebuild a partition from all its checkpoint entries; raise RecoveryError if corrupt."""
    lists: list[str] = []
    items: list[SavedItem] = []
    rules: list[Rule] = []
    users: list[SavedUser] = []
    origins: dict[str, int] = {}
    runs: dict[str, int] = {}
    next_offset: int | None = None
    for raw_key, value in entries:
        kind, _, name = raw_key.decode("utf-8").partition("/")
        try:
            if kind == "u":
                users.append(_user_from(name, json.loads(value)))
            elif kind == "i":
                hub_list, _, code = name.partition(_SEP)
                body = json.loads(value)
                items.append(SavedItem(hub_list, code, body["name"], body["parent"]))
            elif kind == "l":
                lists.append(name)
            elif kind == "r":
                rules.append(_rule_from(name, value))
            elif kind == "o":
                origins[name] = int(value)
            elif kind == "s":
                runs[name] = int(value)
            elif kind == "p":
                next_offset = int(value)
        except (ValueError, KeyError, TypeError, InputError) as error:
            raise RecoveryError(
                f"checkpoint entry {raw_key!r} is unreadable ({error}); reset the worker's "
                "state (`uam worker --reset`) to rebuild it from the change topic"
            ) from None
    engine = restore(settings.core_spokes(), lists=lists, items=items, rules=rules, users=users)
    return Recovered(engine, origins, runs, next_offset)


def _key(kind: str, name: str) -> bytes:
    return f"{kind}/{name}".encode()


def _dump(body: JsonObject) -> bytes:
    return json.dumps(body, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def _user_bytes(saved: SavedUser) -> bytes:
    explicit = [
        [key[0], key[1], key[2], grant.level.label, grant.actor, grant.command_id]
        for key, grant in sorted(saved.explicit.items())
    ]
    body: JsonObject = {
        "resource": saved.resource,
        "identity": saved.identity,
        "deleted": saved.deleted,
        "explicit": explicit,  # type: ignore[dict-item]
        "seqs": saved.seqs,  # type: ignore[dict-item]
    }
    return _dump(body)


def _user_from(user_id: str, body: dict[str, object]) -> SavedUser:
    resource = body["resource"]
    identity = body["identity"]
    seqs = body["seqs"]
    explicit_rows = body["explicit"]
    if not isinstance(identity, dict) or not isinstance(seqs, dict):
        raise TypeError("identity and seqs must be objects")
    if not isinstance(explicit_rows, list):
        raise TypeError("explicit must be a list")
    explicit = {
        (str(r[0]), str(r[1]), str(r[2])): ExplicitGrant(Level.parse(r[3]), str(r[4]), str(r[5]))
        for r in explicit_rows
    }
    return SavedUser(
        user_id,
        resource=resource if isinstance(resource, dict) else None,
        identity=identity,
        deleted=bool(body["deleted"]),
        explicit=explicit,
        seqs={str(k): int(v) for k, v in seqs.items()},
    )


def _rule_from(rule_id: str, value: bytes) -> Rule:
    event = decode_policy(rule_id, value)
    if not isinstance(event, RulePublished):
        raise TypeError("a saved rule is a withdrawal")
    return event.rule
