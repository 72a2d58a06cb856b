"""A partition this worker holds: its state machine, its chain, and its events in flight.

Invariants: an event is acked only once it and every earlier event of the partition are
finished (applied, dropped as a duplicate, or consumed as facts); Faust would otherwise commit
past an event still held. A run receives its partition's events from the checkpoint's next
unfinished offset on, in order: when the first delivery lies past it (Faust's committed
offset can, see docs/decisions/streams.md), the worker seeks back there first.
"""

from __future__ import annotations

import time
from collections import deque
from dataclasses import dataclass, field
from enum import Enum
from typing import Any

from uam_events.chain import Chain, Link
from uam_events.core.commands import CommandFacts
from uam_events.core.events import CopyAccess, SetAccess
from uam_events.partition import Processor

Step = tuple[str, int]
"""A linked record's (run, seq)."""


@dataclass(slots=True)
class Waiting:
    """A linked command at its target's partition, waiting for its actor's or source's facts."""

    link: Link
    event: Any
    command: SetAccess | CopyAccess


class Admission(Enum):
    """What a run does with a delivered event, given where its checkpoint left off."""

    RECEIVE = "receive"
    SEEK = "seek"
    """The event lies past the checkpoint's next unfinished offset: seek back there."""
    DROP = "drop"
    """The seek back is under way: this delivery comes again."""


@dataclass(slots=True)
class PartitionRun:
    """A partition held by this worker: its processor, chain and what is in flight."""

    processor: Processor
    chain: Chain[Any]
    version: int
    origins: dict[str, int]
    dirty_origins: dict[str, int] = field(default_factory=dict)
    dirty_runs: dict[str, int] = field(default_factory=dict)
    states: dict[tuple[str, str], str] = field(default_factory=dict)
    """Pairs whose state record is due at the end of the batch, with their event time."""
    waiting: dict[Step, Waiting] = field(default_factory=dict)
    facts: dict[Step, list[tuple[CommandFacts, Any | None]]] = field(default_factory=dict)
    """Facts received per waiting command, with the event that carried them (None: local)."""
    inflight: deque[int] = field(default_factory=deque)
    """Offsets of the events received and not yet acked, in offset order."""
    copies: dict[int, list[Any]] = field(default_factory=dict)
    """Every delivery of each in-flight offset (a rebalance may deliver one again)."""
    done: set[int] = field(default_factory=set)
    """Offsets of in-flight events that are finished (applied, dropped or consumed)."""
    start: int | None = None
    """The checkpoint's next unfinished offset, until an event at or before it arrives."""
    seeking: bool = False
    highest: int = -1
    """The highest offset received."""

    def admit(self, offset: int) -> Admission:
        """Say whether an event at `offset` may be received, or the run must seek back first."""
        if self.start is None or offset <= self.start:
            self.start = None
            self.seeking = False
            return Admission.RECEIVE
        if self.seeking:
            return Admission.DROP
        self.seeking = True
        return Admission.SEEK

    def stop_seeking(self) -> None:
        """Receive from here on: the records sought are no longer in the topic."""
        self.start = None
        self.seeking = False

    def next_offset(self) -> int | None:
        """Return the first offset not finished yet: where a new owner must start reading."""
        for offset in self.inflight:
            if offset not in self.done:
                return offset
        if self.highest >= 0:
            return self.highest + 1
        return self.start

    def receive(self, event: Any) -> bool:
        """Track a delivery; return False when its offset is already in flight."""
        offset = event.message.offset
        known = self.copies.get(offset)
        if known is not None:
            known.append(event)
            return False
        self.copies[offset] = [event]
        self.inflight.append(offset)
        self.highest = max(self.highest, offset)
        return True

    def finish(self, event: Any) -> None:
        """Mark an event finished; it is acked once every earlier one is too."""
        self.done.add(event.message.offset)

    def ackable(self) -> list[Any]:
        """Return every delivery of the finished events at the head, in offset order.

        Acking only an unbroken head keeps Faust from committing past an event still held
        (its commit takes the first run of acked offsets, even after a hole at the start);
        acking every delivery keeps it right when a rebalance delivered an event twice.
        """
        ready = []
        while self.inflight and self.inflight[0] in self.done:
            offset = self.inflight.popleft()
            self.done.discard(offset)
            ready.extend(self.copies.pop(offset))
        return ready


@dataclass(slots=True)
class ResolverStats:
    """Counts for the metrics and the health view."""

    batches: int = 0
    received: int = 0
    applied: int = 0
    duplicates: int = 0
    deltas: int = 0
    dead_letters: int = 0
    rewinds: int = 0
    """Partitions whose delivery began past their checkpoint and were read again from it."""
    abandoned: int = 0
    """Batches a rebalance overlapped: neither saved nor acked, delivered again."""
    seconds: dict[str, float] = field(default_factory=dict)
    """Time spent per step: waiting for events, applying them, saving (flushes included)."""

    def time(self, step: str, since: float) -> float:
        """Add the time since `since` to a step; return the clock now."""
        now = time.perf_counter()
        self.seconds[step] = self.seconds.get(step, 0.0) + now - since
        return now

    recoveries: list[tuple[int, float]] = field(default_factory=list)

    def summary(self) -> str:
        """Return the counts and the seconds per step, for the worker's log."""
        seconds = " ".join(f"{step} {spent:.1f}" for step, spent in self.seconds.items())
        return (
            f"{self.batches} batches, {self.received} events received, {self.applied} applied, "
            f"{self.duplicates} duplicates, {self.rewinds} rewinds, {self.abandoned} batches "
            f"abandoned to rebalances; seconds {seconds}"
        )
