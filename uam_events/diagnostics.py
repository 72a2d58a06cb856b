"""`uam explain` and `uam compare` over a replay output folder (state.jsonl, hierarchy.csv).

They read what a replay wrote, rebuild the core's values and ask the core's explanation
functions, so the words a user reads come from the same code as the deltas.
"""

from __future__ import annotations

import csv
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from uam_events.core.access import Cause, DefaultCause, ExplicitCause, Grant, GrantKey, RuleCause
from uam_events.core.access_text import describe
from uam_events.core.explain import ItemExplanation, ListComparison, compare_access, explain_item
from uam_events.core.hierarchy import Hierarchies
from uam_events.core.levels import Level
from uam_events.errors import ReplayError


@dataclass(frozen=True, slots=True)
class UserView:
    """One user's access in one spoke as a replay left it."""

    spoke: str
    user_id: str
    record: dict[str, Any] | None
    grants: dict[GrantKey, Grant]


class ReplayOutput:
    """The files of one replay output folder, loaded once."""

    def __init__(self, folder: Path) -> None:
        state_path, tree_path = folder / "state.jsonl", folder / "hierarchy.csv"
        if not state_path.is_file() or not tree_path.is_file():
            raise ReplayError(
                f"{folder} is not a replay output folder (no state.jsonl or hierarchy.csv): "
                "run `uam replay EVENTS --config FILE --out FOLDER` first"
            )
        self.state: dict[tuple[str, str], dict[str, Any]] = {}
        with state_path.open(encoding="utf-8") as handle:
            for line in handle:
                record = json.loads(line)
                self.state[(record["spoke"], record["user_id"])] = record
        self.hierarchies = Hierarchies()
        with tree_path.open(encoding="utf-8", newline="") as handle:
            rows = list(csv.DictReader(handle))
        for row in _parents_first(rows):
            tree = self.hierarchies.list_for_upsert(row["list"])
            tree.upsert(row["item"], row["parent"] or None, row["name"])

    def view(self, spoke: str, user_id: str) -> UserView:
        """Return a user's access in a spoke (empty when they hold nothing there)."""
        record = self.state.get((spoke, user_id))
        grants: dict[GrantKey, Grant] = {}
        for grant in record["grants"] if record else []:
            because = tuple(_cause(c) for c in grant["because"])
            level = Level.parse(grant["level"])
            grants[(grant["list"], grant["item"])] = Grant(level, because)
        return UserView(spoke, user_id, record, grants)

    def explain(self, spoke: str, user_id: str, hub_list: str, item: str) -> ItemExplanation:
        """Return where one item's effective level comes from for a user."""
        tree = self.hierarchies.get(hub_list)
        if tree is None or item not in tree:
            raise ReplayError(f"{hub_list}/{item} is not an item of the replayed hierarchies")
        return explain_item(self.view(spoke, user_id).grants, tree, item)

    def compare(self, spoke: str, source: str, target: str) -> list[ListComparison]:
        """Compare two users' access in a spoke, list by list."""
        a, b = self.view(spoke, source), self.view(spoke, target)
        lists = sorted({k[0] for k in a.grants} | {k[0] for k in b.grants})
        return [
            compare_access(a.grants, b.grants, tree)
            for name in lists
            if (tree := self.hierarchies.get(name)) is not None
        ]


def render_view(view: UserView) -> str:
    """Return a user's role, grants and access text in words."""
    if view.record is None:
        return f"{view.user_id} holds nothing in {view.spoke} (not a member)."
    role_because = ", ".join(describe(_cause(c)) for c in view.record["role_because"])
    lines = [f"{view.user_id} in {view.spoke}: role {view.record['role']} ({role_because})"]
    for (hub_list, item), grant in view.grants.items():
        causes = ", ".join(describe(c) for c in grant.because)
        lines.append(f"  {grant.level.label:5} {hub_list}/{item}  because {causes}")
    if not view.grants:
        lines.append("  no grants")
    lines.append("access text:")
    lines += [f"  {line}" for line in str(view.record["text"] or "").splitlines()]
    return "\n".join(lines)


def render_item(explanation: ItemExplanation) -> str:
    """Return an item's effective level and its origin in words."""
    subject = f"{explanation.list}/{explanation.item}"
    if explanation.carrier is None:
        return f"{subject}: none (no grant on the item or any ancestor)"
    origin = "itself" if explanation.carrier == explanation.item else explanation.carrier
    causes = ", ".join(describe(c) for c in explanation.because)
    return f"{subject}: {explanation.level.label}, carried by {origin}, because {causes}"


def render_comparison(source: str, target: str, comparisons: list[ListComparison]) -> str:
    """Return a comparison list by list, with the grants that differ."""
    if not comparisons:
        return f"{source} and {target}: neither holds a grant (identical)"
    lines = []
    for c in comparisons:
        lines.append(f"{c.list}: {c.status}")
        for item, a, b in c.differences:
            lines.append(f"  {item}: {source} {a.label}, {target} {b.label}")
    return "\n".join(lines)


def _cause(raw: object) -> Cause:
    assert isinstance(raw, dict)
    item = raw.get("item")
    if "rule" in raw:
        return RuleCause(raw["rule"], item)
    if "explicit" in raw:
        return ExplicitCause(raw["explicit"]["actor"], raw["explicit"]["command_id"], item)
    return DefaultCause(raw["default"])


def _parents_first(rows: list[dict[str, str]]) -> list[dict[str, str]]:
    """Order hierarchy rows so each parent comes before its children."""
    by_key = {(r["list"], r["item"]): r for r in rows}
    depth: dict[tuple[str, str], int] = {}

    def depth_of(key: tuple[str, str]) -> int:
        steps, current = 0, by_key[key]
        while current["parent"]:
            steps += 1
            current = by_key[(current["list"], current["parent"])]
        return steps

    for key in by_key:
        depth[key] = depth_of(key)
    return sorted(rows, key=lambda r: (depth[(r["list"], r["item"])], r["list"], r["item"]))
