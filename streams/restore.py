"""A held partition's run, opened from its checkpoint and saved back to it.

Opening reads every checkpoint entry of the partition, restores the engine, the chain's
positions and the origin offsets, and sets where the run must start reading: the
checkpoint's next unfinished change record, or Faust's committed offset if that is earlier
(its commit advances only over acked offsets). Saving writes what the run changed since its
last save, with the run's next unfinished offset, as the next checkpoint number.
"""

from __future__ import annotations

from typing import Any

from streams.runs import PartitionRun
from streams.tables import CheckpointTable
from uam_events.chain import Chain
from uam_events.checkpoint import changed_entries, recover
from uam_events.partition import Processor
from uam_events.settings import Settings


def open_run(
    settings: Settings, table: CheckpointTable, partition: int, committed: int | None
) -> tuple[PartitionRun, int]:
    """Return the partition's run as its checkpoint left it, and the entries read."""
    version, entries = table.load(partition)
    recovered = recover(settings, entries)
    processor = Processor(
        settings, recovered.engine, partition=partition, partitions=settings.kafka.partitions
    )
    chain: Chain[Any] = Chain(partition, recovered.runs)
    run = PartitionRun(processor, chain, version, recovered.origins)
    starts = [offset for offset in (recovered.next_offset, committed) if offset is not None]
    run.start = min(starts, default=None)
    return run, len(entries)


def save_run(table: CheckpointTable, partition: int, run: PartitionRun) -> None:
    """Save what the run changed since its last save as its next checkpoint."""
    processor = run.processor
    entries = changed_entries(
        processor.engine, processor.changes, run.dirty_origins, run.dirty_runs, run.next_offset()
    )
    if not entries:
        return
    run.version += 1
    table.save(partition, run.version, entries)
    processor.changes.clear()
    run.dirty_origins.clear()
    run.dirty_runs.clear()
