"""Keep each partition in file order across topics: the links `uam produce` stamps.

Kafka orders records only within a partition, and a replay file spreads over five topics.
`uam produce` numbers the records of a run 0, 1, 2... and tells each record, for every
change-topic partition it will reach, the number of the record before it in that partition
(`prev`, -1 for the first). A partition applies a run's records only in that chain: a record
whose predecessor has not been applied yet is held, one already applied is a duplicate (a
router retried it). The last number applied per run is part of the partition's checkpoint,
so a restart picks the chain up where it stopped.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from enum import Enum
from typing import Generic, TypeVar

from uam_events.errors import MalformedInput

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Link:
    """Where a record sits in its run: the run, its number, and its predecessor per partition."""

    run: str
    seq: int
    prev: dict[int, int]

    def to_header(self) -> bytes:
        """Return the `uam-link` header value."""
        body = {"run": self.run, "seq": self.seq, "prev": {str(p): s for p, s in self.prev.items()}}
        return json.dumps(body, separators=(",", ":")).encode("ascii")

    @classmethod
    def from_header(cls, raw: bytes) -> Link:
        """Read a `uam-link` header; raise MalformedInput when it is not one."""
        try:
            body = json.loads(raw)
            prev = {int(p): int(s) for p, s in body["prev"].items()}
            return cls(str(body["run"]), int(body["seq"]), prev)
        except (ValueError, KeyError, TypeError, AttributeError) as error:
            raise MalformedInput(
                "headers.uam-link", f"unreadable ({error})", "let `uam produce` write this header"
            ) from None


class Verdict(Enum):
    """What a partition does with a linked record now."""

    APPLY = "apply"
    HOLD = "hold"
    DUPLICATE = "duplicate"


class Chain(Generic[T]):
    """One partition's position in every run, and the records waiting for a predecessor."""

    def __init__(self, partition: int, last: dict[str, int] | None = None) -> None:
        self.partition = partition
        self.last: dict[str, int] = dict(last or {})
        self._held: dict[tuple[str, int], tuple[Link, T]] = {}

    @property
    def held(self) -> int:
        """Return how many records wait for a predecessor."""
        return len(self._held)

    def offer(self, link: Link, item: T) -> Verdict:
        """Say whether a record is next here (APPLY), early (HOLD) or seen (DUPLICATE)."""
        last = self.last.get(link.run, -1)
        if link.seq <= last:
            return Verdict.DUPLICATE
        if link.prev.get(self.partition, -1) == last:
            return Verdict.APPLY
        key = (link.run, link.prev.get(self.partition, -1))
        if key in self._held:
            return Verdict.DUPLICATE  # a router forwarded it twice: the first copy waits
        self._held[key] = (link, item)
        return Verdict.HOLD

    def applied(self, link: Link) -> tuple[Link, T] | None:
        """Record that `link` was applied; return the held record that comes next, if any."""
        self.last[link.run] = link.seq
        return self._held.pop((link.run, link.seq), None)
