"""Put back in file order the records of one `uam produce` run, whatever topics they took.

`uam produce` numbers the records of a run 0, 1, 2... across all input topics; Kafka keeps
order only within a partition, so the router offers each numbered record here and forwards
what comes out, in number order. A record whose predecessor is still missing is held; once the
oldest held record has waited `patience` seconds the gap is given up on, so nothing is held
forever (a record that shows up after its gap was given up on is released at once). Records
without a number pass straight through.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Generic, TypeVar

T = TypeVar("T")


@dataclass(slots=True)
class _Run(Generic[T]):
    next: int
    held: dict[int, tuple[float, T]] = field(default_factory=dict)


class Sequencer(Generic[T]):
    """A reorder buffer per producer run."""

    def __init__(self, patience: float = 10.0) -> None:
        self.patience = patience
        self._runs: dict[str, _Run[T]] = {}

    @property
    def held(self) -> int:
        """Return how many records wait for a predecessor."""
        return sum(len(run.held) for run in self._runs.values())

    def offer(self, run_id: str, seq: int, item: T, now: float) -> list[T]:
        """Take record `seq` of a run; return the records now releasable, in order."""
        run = self._runs.get(run_id)
        if run is None:
            run = self._runs[run_id] = _Run(next=seq)
        if seq < run.next:
            return [item]
        run.held[seq] = (now, item)
        return self._drain(run)

    def expire(self, now: float) -> list[T]:
        """Give up on gaps older than the patience; return what that releases, in order."""
        released: list[T] = []
        for run in self._runs.values():
            while run.held and now - min(t for t, _ in run.held.values()) >= self.patience:
                run.next = min(run.held)
                released.extend(self._drain(run))
        return released

    def _drain(self, run: _Run[T]) -> list[T]:
        released = []
        while run.next in run.held:
            released.append(run.held.pop(run.next)[1])
            run.next += 1
        return released
