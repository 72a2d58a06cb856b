"""The simulated tenant at work: the world, each model's files, the task board and the dumps.

Invariants: the clock only moves forward (tests move it on with `advance_clock`); a task's
action runs when the task completes and reads the running user's own file content; only the
latest failing task of an action keeps a dump per user, and a clean run removes it.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from uam_events.anaplan.simulator.data_imports import apply_hierarchy_import, apply_text_import
from uam_events.anaplan.simulator.exports import run_export
from uam_events.anaplan.simulator.faults import FaultBook
from uam_events.anaplan.simulator.files import FileStore
from uam_events.anaplan.simulator.outcome import Outcome, read_table
from uam_events.anaplan.simulator.seed import SimulatorSeed
from uam_events.anaplan.simulator.tasks import Task, TaskBoard
from uam_events.anaplan.simulator.tokens import TokenStore
from uam_events.anaplan.simulator.users_import import apply_users_import
from uam_events.anaplan.simulator.world import Model, World, key

Clock = Callable[[], float]


@dataclass(frozen=True, slots=True)
class SimulatorOptions:
    """Tunables: token lifetime, task duration (seconds), download chunk size (bytes), forms."""

    token_ttl: float = 1800.0
    task_seconds: float = 0.05
    chunk_bytes: int = 1024 * 1024
    bare_task_id: bool = False
    """Answer a task start with a bare `taskId` (the old Apiary form) to test client tolerance."""


@dataclass(slots=True)
class Dump:
    """The dump a user keeps of an action: which task wrote it, and the bytes per object."""

    task_id: str
    parts: dict[str, bytes]


@dataclass(slots=True)
class Simulation:
    """The tenant's state and the machinery that runs tasks against it."""

    seed: SimulatorSeed
    options: SimulatorOptions = SimulatorOptions()
    clock: Clock = time.time
    offset: float = 0.0
    world: World = field(init=False)
    files: dict[str, FileStore] = field(init=False)
    board: TaskBoard = field(init=False)
    dumps: dict[tuple[str, str, str], Dump] = field(init=False)
    tokens: TokenStore = field(init=False)
    faults: FaultBook = field(init=False)

    def __post_init__(self) -> None:
        self.load(self.seed)

    def load(self, seed: SimulatorSeed) -> None:
        """Replace the whole state with a seed's; tasks, uploads, dumps, tokens, faults go."""
        self.seed = seed
        self.world = World.of(seed)
        self.files = {}
        for model in self.world.models.values():
            store = FileStore(chunk_bytes=self.options.chunk_bytes)
            for spec in model.imports.values():
                if spec.file_id is not None:
                    store.declare(spec.file_id, f"{spec.name}.csv")
            for export in model.exports.values():
                store.declare(export.id, f"{export.name}.csv")
            self.files[model.id] = store
        self.board = TaskBoard(self.options.task_seconds)
        self.dumps = {}
        self.tokens = TokenStore(self.options.token_ttl)
        self.faults = FaultBook()

    def now(self) -> float:
        """Return the simulated time in seconds since the epoch."""
        return self.clock() + self.offset

    def advance_clock(self, seconds: float) -> None:
        """Move simulated time on (never back)."""
        self.offset += max(0.0, seconds)
        self.advance()

    def advance(self) -> None:
        """Run every task that is due by now."""
        self.board.advance(self.now(), self._run)

    def start(self, model: Model, kind: str, object_id: str, user: str) -> Task:
        """Queue a task of an action on a model, then bring the board up to date."""
        task = self.board.start(model.id, kind, object_id, user, self.now())
        self.advance()
        return task

    def dump(self, task: Task, caller: str, object_id: str) -> bytes | None:
        """Return the dump a caller holds of a task's object, if that task is its latest."""
        kept = self.dumps.get((task.model_id, task.object_id, key(caller)))
        if kept is None or kept.task_id != task.id:
            return None
        return kept.parts.get(object_id)

    def _run(self, task: Task) -> dict[str, Any]:
        """Run a task's action; return its result and keep its dumps."""
        model = self.world.models[task.model_id]
        if task.kind == "processes":
            outcomes = [
                self._action(model, action, task.user)
                for action in model.processes[task.object_id].actions
            ]
            result = self._process_result(model, task.object_id, outcomes)
        else:
            outcomes = [self._action(model, task.object_id, task.user)]
            result = outcomes[0].result()
        parts = {o.object_id: o.dump() for o in outcomes if o.dump_available}
        slot = (model.id, task.object_id, key(task.user))
        if parts:
            self.dumps[slot] = Dump(task.id, parts)
        elif all(o.successful for o in outcomes):
            self.dumps.pop(slot, None)
        return result

    def _action(self, model: Model, object_id: str, user: str) -> Outcome:
        """Run one import or export as `user`."""
        if object_id in model.exports:
            written, outcome = run_export(self.world, model, model.exports[object_id])
            self.files[model.id].write(object_id, user, written)
            return outcome
        spec = model.imports[object_id]
        if spec.import_type == "HIERARCHY_DATA":
            return apply_hierarchy_import(model, spec)
        content = self.files[model.id].content(spec.file_id or "", user)
        if content is None:
            message = f"The source file {spec.file_id} was not uploaded or not marked complete"
            return Outcome.refused(spec.id, spec.name, message)
        table = read_table(content)
        if spec.import_type == "USERS":
            return apply_users_import(self.world, model, spec, user, table)
        return apply_text_import(self.world, model, spec, user, table)

    @staticmethod
    def _process_result(model: Model, process_id: str, outcomes: list[Outcome]) -> dict[str, Any]:
        """Return a process result: every action ran, each reported in `nestedResults`."""
        return {
            "successful": all(o.successful for o in outcomes),
            "failureDumpAvailable": any(o.dump_available for o in outcomes),
            "objectId": process_id,
            "objectName": model.processes[process_id].name,
            "nestedResults": [o.result() for o in outcomes],
        }
