"""What the resolver needs to know and do about the change partitions this worker holds.

A thin view over the Faust app's consumer: which partitions are held, whether a rebalance is
under way, what Faust has committed. Kept apart so that the resolver
reads as the state machine it is, and so that the Faust internals it leans on are in one place.
"""

from __future__ import annotations

from typing import Any

from aiokafka.errors import IllegalStateError
from faust.types import TP


class ChangePartitions:
    """The change-topic partitions of one worker, seen through its Faust consumer."""

    def __init__(self, app: Any, topic: str) -> None:
        self.app = app
        self.topic = topic

    def held(self) -> set[int]:
        """Return the partitions of the change topic assigned to this worker now."""
        return {tp.partition for tp in self.app.consumer.assignment() if tp.topic == self.topic}

    def rebalances(self) -> tuple[bool, int]:
        """Return whether a rebalance is under way and how many have started."""
        return bool(self.app.rebalancing), int(self.app.rebalancing_count)

    def committed(self, partition: int) -> int | None:
        """Return the offset Faust has committed (or found committed) there; None for none."""
        # Faust keeps it per partition (None for 0) and has no public accessor for it
        offsets: dict[TP, int | None] = getattr(self.app.consumer, "_committed_offset", {})
        return offsets.get(TP(self.topic, partition))


async def rewind(consumer: Any, topics: set[str]) -> None:
    """Seek each assigned partition of `topics` that has no committed offset to its start.

    After a rebalance the agents drop what they had in flight and count on Faust's seek to the
    committed offsets to deliver it again. aiokafka seeks only partitions whose committed
    offset is above 0, so a partition never committed would go on from where its fetch had
    got to, and Faust, which commits the first run of acked offsets when nothing is
    committed yet, would commit past the dropped events (docs/decisions/streams.md, "The
    stall"). Seeking them to offset 0 delivers everything again (the log start if retention
    removed the head), which the agents deduplicate.
    """
    try:
        committed = await consumer.seek_to_committed()
        for tp, offset in committed.items():
            if tp.topic in topics and not offset:
                await consumer.seek(tp, 0)
    except IllegalStateError:
        return  # a newer rebalance took a partition away; it rewinds again when it ends
