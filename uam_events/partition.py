"""One partition's state machine: an input record in, deltas, audit and dead letters out.

The embedded engine (`uam replay`) is the one-partition case and the workers run one per
partition of the change topic; both call `Processor.process`, so they cannot drift apart.
A command is keyed by its target, but its actor (and a copy's source) may live in another
partition: the processor then asks to forward the command there, and the partition that owns
the actor (or source) stamps what it knows on it before it travels on to the target's.
"""

from __future__ import annotations

import json
import zlib
from dataclasses import dataclass, field, replace

from uam_events.core.commands import CommandFacts, Party
from uam_events.core.deltas import Delta
from uam_events.core.engine import Engine
from uam_events.core.events import (
    CopyAccess,
    HubItemDeleted,
    HubItemUpserted,
    Input,
    RulePublished,
    RuleWithdrawn,
    SetAccess,
)
from uam_events.core.levels import Level
from uam_events.core.values import JsonObject
from uam_events.deadletter import dead_letter
from uam_events.errors import InputError, MalformedInput
from uam_events.inputs import Record, decode_record
from uam_events.settings import Settings


def partition_for(user_id: str, partitions: int) -> int:
    """Return the change-topic partition that owns a user key (stable across processes)."""
    return zlib.crc32(user_id.encode("utf-8")) % partitions


@dataclass(frozen=True, slots=True)
class Origin:
    """Where an input record was read: full topic name, partition and offset (or line)."""

    topic: str | None
    partition: int | None
    offset: int


@dataclass(frozen=True, slots=True)
class Forward:
    """A command that must continue in another partition, with the facts gathered so far."""

    partition: int
    facts: CommandFacts


@dataclass(slots=True)
class Changes:
    """The primary state a batch of records changed, for the checkpoint to save."""

    users: set[str] = field(default_factory=set)
    items: set[tuple[str, str]] = field(default_factory=set)
    lists: set[str] = field(default_factory=set)
    rules: dict[str, bytes | None] = field(default_factory=dict)

    def clear(self) -> None:
        """Forget everything recorded (after a checkpoint saved it)."""
        self.users.clear()
        self.items.clear()
        self.lists.clear()
        self.rules.clear()


@dataclass(slots=True)
class Output:
    """What one record produced."""

    deltas: list[Delta] = field(default_factory=list)
    audit: list[JsonObject] = field(default_factory=list)
    dead_letters: list[JsonObject] = field(default_factory=list)
    forward: Forward | None = None
    inputs: int = 0
    """How many core inputs were applied."""


class Processor:
    """The state machine of one partition, over the core engine."""

    def __init__(
        self,
        settings: Settings,
        engine: Engine | None = None,
        *,
        partition: int = 0,
        partitions: int = 1,
    ) -> None:
        self.settings = settings
        self.engine = engine or Engine(settings.core_spokes())
        self.partition = partition
        self.partitions = partitions
        self.changes = Changes()
        self._key = settings.verification_key()

    def process(
        self, record: Record, origin: Origin, at: str, facts: CommandFacts | None = None
    ) -> Output:
        """Decode and apply one record; invalid input becomes a dead letter, never an error."""
        out = Output()
        try:
            for event in decode_record(record, self._key):
                if isinstance(event, SetAccess | CopyAccess):
                    gathered = self._gather(event, facts or CommandFacts())
                    if isinstance(gathered, Forward):
                        out.forward = gathered
                        return out
                    self._apply(event, record, at, out, gathered)
                else:
                    self._apply(event, record, at, out, None)
        except InputError as error:
            out.dead_letters.append(self._dead_letter(record, origin, at, error))
            command_id = getattr(error, "command_id", None)
            if command_id is not None:
                out.audit.append(
                    {
                        "command_id": command_id,
                        "decision": "rejected",
                        "reason": error.reason,
                        "skipped": [],
                    }
                )
        return out

    def _apply(
        self, event: Input, record: Record, at: str, out: Output, facts: CommandFacts | None
    ) -> None:
        st = self.engine.state
        touched_users: set[str] = set()
        if isinstance(event, HubItemDeleted):
            touched_users |= st.explicit.on_item.get((event.list, event.item), set())
        outcome = self.engine.apply(event, at, facts)
        out.inputs += 1
        out.deltas.extend(outcome.deltas)
        out.audit.extend(d.to_json() for d in outcome.decisions)
        changes = self.changes
        changes.users |= touched_users
        changes.users.update(d.user_id for d in outcome.deltas)
        if isinstance(event, HubItemUpserted | HubItemDeleted):
            changes.items.add((event.list, event.item))
            changes.lists.add(event.list)
        elif isinstance(event, RulePublished):
            changes.rules[event.rule.id] = record.value
        elif isinstance(event, RuleWithdrawn):
            changes.rules[event.rule_id] = None
        elif isinstance(event, SetAccess | CopyAccess):
            changes.users.add(event.user)
        else:
            changes.users.add(event.user_id)

    def _gather(
        self, command: SetAccess | CopyAccess, facts: CommandFacts
    ) -> CommandFacts | Forward:
        """Fill in the facts this partition owns; say where to go when others are missing."""
        st = self.engine.state
        if facts.actor is None:
            owner = partition_for(command.actor, self.partitions)
            if owner != self.partition:
                return Forward(owner, facts)
            facts = replace(facts, actor=Party.of(command.actor, st.users.get(command.actor)))
        if isinstance(command, CopyAccess) and facts.source is None:
            owner = partition_for(command.source, self.partitions)
            if owner != self.partition:
                return Forward(owner, facts)
            access = st.access_of(command.spoke, command.source)
            grants = tuple(sorted((key, g.level) for key, g in access.grants.items()))
            source = Party.of(command.source, st.users.get(command.source))
            facts = replace(facts, source=source, source_grants=grants)
        owner = partition_for(command.user, self.partitions)
        if owner != self.partition:
            return Forward(owner, facts)
        return facts

    def facts_here(self, command: SetAccess | CopyAccess) -> CommandFacts:
        """Return what this partition knows of the command's actor and source (those it owns)."""
        st = self.engine.state
        facts = CommandFacts()
        if partition_for(command.actor, self.partitions) == self.partition:
            facts = replace(facts, actor=Party.of(command.actor, st.users.get(command.actor)))
        if (
            isinstance(command, CopyAccess)
            and partition_for(command.source, self.partitions) == self.partition
        ):
            access = st.access_of(command.spoke, command.source)
            grants = tuple(sorted((key, g.level) for key, g in access.grants.items()))
            source = Party.of(command.source, st.users.get(command.source))
            facts = replace(facts, source=source, source_grants=grants)
        return facts

    def _dead_letter(
        self, record: Record, origin: Origin, at: str, error: InputError
    ) -> JsonObject:
        return dead_letter(
            topic=origin.topic,
            partition=origin.partition,
            offset=origin.offset,
            key=record.key,
            value=record.value,
            error=error.reason,
            at=at,
        )


def facts_to_json(facts: CommandFacts) -> bytes:
    """Encode command facts for the header that carries them between partitions."""
    body: JsonObject = {}
    for name, party in (("actor", facts.actor), ("source", facts.source)):
        if party is not None:
            body[name] = [party.user_id, party.known, party.active, party.deleted]
    if facts.source_grants is not None:
        body["grants"] = [[k[0], k[1], level.label] for k, level in facts.source_grants]
    return json.dumps(body, separators=(",", ":")).encode("utf-8")


def facts_from_json(raw: bytes) -> CommandFacts:
    """Decode command facts written by `facts_to_json`; raise MalformedInput if unreadable."""
    try:
        body = json.loads(raw)
        parties = {
            name: Party(str(v[0]), bool(v[1]), bool(v[2]), bool(v[3]))
            for name in ("actor", "source")
            if (v := body.get(name)) is not None
        }
        grants = body.get("grants")
        source_grants = None
        if grants is not None:
            source_grants = tuple(((str(g[0]), str(g[1])), Level.parse(str(g[2]))) for g in grants)
    except (ValueError, KeyError, IndexError, TypeError, AttributeError) as error:
        raise MalformedInput(
            "headers.uam-facts", f"unreadable ({error})", "let the workers write this header"
        ) from None
    return CommandFacts(parties.get("actor"), parties.get("source"), source_grants)


def merge_facts(a: CommandFacts, b: CommandFacts) -> CommandFacts:
    """Return the facts of both (where both know something, `a` wins)."""
    return CommandFacts(
        a.actor or b.actor,
        a.source or b.source,
        a.source_grants if a.source_grants is not None else b.source_grants,
    )


def complete(command: SetAccess | CopyAccess, facts: CommandFacts) -> bool:
    """Return whether the facts are all the command needs to be judged at its target."""
    if facts.actor is None:
        return False
    return not isinstance(command, CopyAccess) or (
        facts.source is not None and facts.source_grants is not None
    )
