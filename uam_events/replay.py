"""The embedded engine: `uam replay` runs the workers' core in one process, with no broker.

Composition root of the one-partition case: it reads replay lines in file order, decodes each
into core inputs, applies them, streams deltas, audit decisions and dead letters to files, and
writes the end-of-run snapshot. Same inputs, same bytes out.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

from uam_events.core.values import JsonObject
from uam_events.deadletter import dead_letter
from uam_events.errors import InputError, ReplayError
from uam_events.inputs import INPUT_TOPICS
from uam_events.partition import Origin, Processor
from uam_events.replay_lines import read_line
from uam_events.runtime import tune_gc
from uam_events.settings import Settings
from uam_events.sink.planner import users_layout
from uam_events.snapshot import write_snapshot

EPOCH = "1970-01-01T00:00:00Z"
Progress = Callable[[int], None]
"""Called with the number of bytes read so far."""


@dataclass(slots=True)
class ReplaySummary:
    """Counts of one replay run."""

    lines: int = 0
    inputs: int = 0
    deltas: int = 0
    decisions: int = 0
    dead_letters: int = 0
    deltas_by_spoke: dict[str, int] = field(default_factory=dict)


class _Sinks:
    """The streamed output files."""

    def __init__(self, out: Path) -> None:
        out.mkdir(parents=True, exist_ok=True)
        self.deltas = (out / "deltas.jsonl").open("w", encoding="utf-8", newline="\n")
        self.audit = (out / "audit.jsonl").open("w", encoding="utf-8", newline="\n")
        self.dlq = (out / "dlq.jsonl").open("w", encoding="utf-8", newline="\n")

    def close(self) -> None:
        for handle in (self.deltas, self.audit, self.dlq):
            handle.close()


def _write(handle: IO[str], record: JsonObject) -> None:
    handle.write(json.dumps(record, ensure_ascii=False) + "\n")


class Replay:
    """One replay over a configuration: feed it lines, then write the snapshot."""

    def __init__(self, settings: Settings, out: Path) -> None:
        self.settings = settings
        self.out = out
        self.processor = Processor(settings)
        self.engine = self.processor.engine
        self.summary = ReplaySummary()
        self.last_at: dict[tuple[str, str], str] = {}
        self.clock = EPOCH
        self._sinks = _Sinks(out)

    def run(self, lines: Iterator[bytes], progress: Progress | None = None) -> ReplaySummary:
        """Process every line in order, then write the snapshot files."""
        read = 0
        try:
            for number, raw in enumerate(lines, start=1):
                read += len(raw)
                self.feed(number, raw)
                if progress is not None and number % 1000 == 0:
                    progress(read)
        finally:
            self._sinks.close()
        if progress is not None:
            progress(read)
        return self.summary

    def finish(self, *, effective: bool) -> None:
        """Write grants, roles, users, state, hierarchy, imports (and effective levels)."""
        write_snapshot(
            self.engine.state,
            self.out,
            last_at=self.last_at,
            integration_user=self.settings.anaplan.auth.user,
            effective=effective,
            layouts={spoke.id: users_layout(spoke) for spoke in self.settings.spokes},
        )

    def feed(self, number: int, raw: bytes) -> None:
        """Process one replay line (1-based `number`)."""
        self.summary.lines += 1
        if not raw.strip():
            return
        try:
            line = read_line(number, raw, self.clock)
        except InputError as error:
            self._dead_letter(None, number, None, raw, error)
            return
        self.clock = line.at
        origin = Origin(self.settings.topic(line.record.topic), None, number)
        out = self.processor.process(line.record, origin, line.at)
        self.processor.changes.clear()
        for delta in out.deltas:
            _write(self._sinks.deltas, delta.to_json())
            self.last_at[(delta.spoke, delta.user_id)] = delta.at
            by_spoke = self.summary.deltas_by_spoke
            by_spoke[delta.spoke] = by_spoke.get(delta.spoke, 0) + 1
        self.summary.deltas += len(out.deltas)
        self.summary.inputs += out.inputs
        for decision in out.audit:
            _write(self._sinks.audit, decision)
        self.summary.decisions += len(out.audit)
        for record in out.dead_letters:
            _write(self._sinks.dlq, record)
        self.summary.dead_letters += len(out.dead_letters)

    def _dead_letter(
        self,
        topic: str | None,
        number: int,
        key: str | None,
        value: bytes | None,
        error: InputError,
    ) -> None:
        full_topic = self.settings.topic(topic) if topic in INPUT_TOPICS and topic else topic
        record = dead_letter(
            topic=full_topic,
            partition=None,
            offset=number,
            key=key,
            value=value,
            error=error.reason,
            at=self.clock,
        )
        _write(self._sinks.dlq, record)
        self.summary.dead_letters += 1


def replay_file(
    events: Path,
    settings: Settings,
    out: Path,
    *,
    effective: bool = False,
    progress: Progress | None = None,
) -> Replay:
    """Replay an events file into `out`, write every file of DESIGN section 7, return the run."""
    tune_gc()
    try:
        handle = events.open("rb")
    except OSError as error:
        raise ReplayError(f"cannot read events file {events}: {error.strerror}") from None
    with handle:
        replay = Replay(settings, out)
        replay.run(iter(handle), progress)
    replay.finish(effective=effective)
    return replay


@dataclass(frozen=True, slots=True)
class SpokeSummary:
    """What one spoke ends up with after a replay."""

    spoke: str
    members: int
    active: int
    grants: int
    roles: dict[str, int]
    deltas: int


def summarize(replay: Replay) -> list[SpokeSummary]:
    """Return per-spoke counts of members, active members, grants, roles and deltas."""
    state = replay.engine.state
    summaries = []
    for spoke_id in sorted(state.spokes):
        accesses = [a for (s, _), a in state.resolved() if s == spoke_id and a.member]
        roles: dict[str, int] = {}
        for access in accesses:
            if access.role is not None:
                roles[access.role] = roles.get(access.role, 0) + 1
        summaries.append(
            SpokeSummary(
                spoke=spoke_id,
                members=len(accesses),
                active=sum(1 for a in accesses if a.role != state.spokes[spoke_id].no_access_role),
                grants=sum(len(a.grants) for a in accesses),
                roles=dict(sorted(roles.items())),
                deltas=replay.summary.deltas_by_spoke.get(spoke_id, 0),
            )
        )
    return summaries
