"""Fold the delta topics back into grants and roles: what a downstream consumer holds.

A consumer applies each (spoke, user)'s deltas in `seq` order onto an empty state and drops
any `seq` it has seen (a replay after a restart). The result must equal `uam replay`'s
grants.csv and roles.csv: the tests, `make demo` and `bench/pipeline.py` check it that way.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field

from uam_events.core.deltas import fold_delta
from uam_events.core.values import JsonObject


@dataclass(slots=True)
class Folded:
    """Every (spoke, user)'s folded state, and how clean the stream was."""

    states: dict[tuple[str, str], JsonObject] = field(default_factory=dict)
    deltas: int = 0
    deltas_by_spoke: dict[str, int] = field(default_factory=dict)
    duplicates: int = 0
    gaps: list[str] = field(default_factory=list)
    _seqs: dict[tuple[str, str], int] = field(default_factory=dict)

    def add(self, value: bytes) -> None:
        """Fold one delta (JSON bytes) in; note a duplicate or a gap in `seq`."""
        delta = json.loads(value)
        pair = (str(delta["spoke"]), str(delta["user_id"]))
        seq, last = int(delta["seq"]), self._seqs.get(pair, 0)
        self.deltas += 1
        self.deltas_by_spoke[pair[0]] = self.deltas_by_spoke.get(pair[0], 0) + 1
        if seq <= last:
            self.duplicates += 1
            return
        if seq != last + 1 and len(self.gaps) < 20:
            self.gaps.append(f"{pair[0]}/{pair[1]}: seq {last} then {seq}")
        self._seqs[pair] = seq
        folded = fold_delta(self.states.get(pair), delta)
        if folded is None:
            self.states.pop(pair, None)
        else:
            self.states[pair] = folded

    def grant_rows(self) -> list[tuple[str, ...]]:
        """Return `spoke,list,user_id,item,level` rows as grants.csv has them (sorted)."""
        rows = []
        for (spoke, user), state in self.states.items():
            grants = state.get("grants")
            if not isinstance(grants, dict):
                continue
            for key, grant in grants.items():
                hub_list, _, item = key.partition("/")
                level = grant["level"] if isinstance(grant, dict) else None
                if level not in (None, "none"):
                    rows.append((spoke, hub_list, user, item, str(level)))
        return sorted(rows)

    def role_rows(self) -> list[tuple[str, ...]]:
        """Return `spoke,user_id,role` rows as roles.csv has them (sorted)."""
        rows = [
            (spoke, user, str(state["role"]))
            for (spoke, user), state in self.states.items()
            if state.get("role") is not None
        ]
        return sorted(rows)


def fold(values: Iterable[bytes | None]) -> Folded:
    """Fold delta values, in topic order per partition."""
    folded = Folded()
    for value in values:
        if value is not None:
            folded.add(value)
    return folded
