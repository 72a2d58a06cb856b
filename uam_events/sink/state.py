"""What the sink knows of one user in one spoke: desired, acknowledged, and rows parked.

Invariant: `acknowledged` is what the spoke holds as far as the sink knows (the rows it
accepted, applied with Anaplan's additive rules), `desired` is the fold of every delta up to
`desired.seq`; a run pushes exactly the difference, except rows quarantined for the value
they still want.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Literal

from uam_events.core.access import GrantKey
from uam_events.core.levels import Level

Part = Literal["role", "access", "text"]


@dataclass(frozen=True, slots=True, order=True)
class RowKey:
    """What a row sets for a user: the role, one (list, item) access, or the access text."""

    part: Part
    list: str = ""
    item: str = ""

    def label(self) -> str:
        """Return the key as written in audit records: `role`, `text` or `access LIST/ITEM`."""
        return f"access {self.list}/{self.item}" if self.part == "access" else self.part


ROLE_KEY = RowKey("role")
TEXT_KEY = RowKey("text")


@dataclass(frozen=True, slots=True)
class UserState:
    """A user's access in a spoke: membership, role, grants (level per item), text, last seq.

    `grants` is never mutated: every change builds a new state.
    """

    email: str | None = None
    member: bool = False
    role: str | None = None
    grants: Mapping[GrantKey, Level] = field(default_factory=dict)
    text: str | None = None
    seq: int = 0

    def wanted(self, key: RowKey) -> str:
        """Return the value this state wants for a row key, as text (`""`: nothing)."""
        if key.part == "role":
            return self.role or ""
        if key.part == "text":
            return self.text or ""
        level = self.grants.get((key.list, key.item))
        return level.label if level is not None else ""


EMPTY = UserState()


@dataclass(frozen=True, slots=True)
class Parked:
    """A row key the spoke rejected: the value wanted then, the failed runs, the last error."""

    wanted: str
    runs: int
    error: str
    quarantined: bool = False


@dataclass(frozen=True, slots=True)
class Tracked:
    """One user in one spoke: desired and acknowledged state, and the row keys parked."""

    desired: UserState = EMPTY
    acknowledged: UserState = EMPTY
    parked: Mapping[RowKey, Parked] = field(default_factory=dict)

    def quarantined(self, key: RowKey) -> bool:
        """Return whether a key is quarantined for the value the desired state still wants."""
        parked = self.parked.get(key)
        return (
            parked is not None and parked.quarantined and parked.wanted == self.desired.wanted(key)
        )


UNTRACKED = Tracked()


def quarantined_rows(users: Iterable[tuple[str, Tracked]]) -> int:
    """Return how many row keys stay quarantined for the value still wanted (a metrics gauge)."""
    return sum(tracked.quarantined(key) for _, tracked in users for key in tracked.parked)
