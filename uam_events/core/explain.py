"""Explanations: why a user holds each grant and role, and where an item's level comes from.

Invariant: an item's effective level is carried by exactly one grant on its path (itself or
the nearest ancestor with a grant), because levels only rise down a path of grants; the
explanation names that grant's causes, marked with the carrying item when it is an ancestor.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from uam_events.core.access import Cause, Grant, GrantKey, carried_by
from uam_events.core.hierarchy import HubList
from uam_events.core.levels import Level


@dataclass(frozen=True, slots=True)
class ItemExplanation:
    """An item's effective level, the item carrying it, and that grant's causes."""

    list: str
    item: str
    level: Level
    carrier: str | None
    because: tuple[Cause, ...]


def explain_item(grants: Mapping[GrantKey, Grant], tree: HubList, item: str) -> ItemExplanation:
    """Return where `item`'s effective level comes from (level none: no grant on its path)."""
    for code in (item, *tree.ancestors(item)):
        grant = grants.get((tree.name, code))
        if grant is not None:
            because = (
                grant.because if code == item else tuple(carried_by(c, code) for c in grant.because)
            )
            return ItemExplanation(tree.name, item, grant.level, code, because)
    return ItemExplanation(tree.name, item, Level.NONE, None, ())


def effective_levels(grants: Mapping[GrantKey, Grant], tree: HubList) -> dict[str, Level]:
    """Return every item of the list whose effective level is not none (grows with subtrees)."""
    levels: dict[str, Level] = {}
    for (hub_list, code), grant in grants.items():
        if hub_list != tree.name or code not in tree:
            continue
        for descendant in tree.subtree(code):
            if levels.get(descendant, Level.NONE) < grant.level:
                levels[descendant] = grant.level
    return levels


@dataclass(frozen=True, slots=True)
class ListComparison:
    """Two users' access on one list: identical, partial (one dominates) or conflict."""

    list: str
    status: str
    differences: tuple[tuple[str, Level, Level], ...]
    """(item, source's grant level, target's grant level) where the grants differ."""


def compare_access(
    source: Mapping[GrantKey, Grant], target: Mapping[GrantKey, Grant], tree: HubList
) -> ListComparison:
    """Compare two users' effective access on a list; list the grants that differ.

    Identical: same effective level everywhere. Partial: one user's level is at least the
    other's on every item. Conflict: each holds something the other lacks.
    """
    mine, theirs = effective_levels(source, tree), effective_levels(target, tree)
    items = mine.keys() | theirs.keys()
    source_more = any(mine.get(i, Level.NONE) > theirs.get(i, Level.NONE) for i in items)
    target_more = any(theirs.get(i, Level.NONE) > mine.get(i, Level.NONE) for i in items)
    status = "conflict" if source_more and target_more else "partial"
    if not source_more and not target_more:
        status = "identical"
    keys = {k for k in source.keys() | target.keys() if k[0] == tree.name}
    differences = tuple(
        (item, _level(source, (lst, item)), _level(target, (lst, item)))
        for lst, item in sorted(keys)
        if _level(source, (lst, item)) != _level(target, (lst, item))
    )
    return ListComparison(tree.name, status, differences)


def _level(grants: Mapping[GrantKey, Grant], key: GrantKey) -> Level:
    grant = grants.get(key)
    return grant.level if grant else Level.NONE
