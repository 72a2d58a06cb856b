"""Hub lists mirrored from the Data Hub: trees of items with stable codes.

Invariant: every list is a forest. An upsert names an existing parent (or none, for a root)
and never closes a cycle; only childless items are deleted. A rejected change leaves the list
as it was.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from enum import Enum

from uam_events.errors import InvalidInput


class ItemChange(Enum):
    """What an upsert did to an item."""

    CREATED = "created"
    MOVED = "moved"
    RENAMED = "renamed"
    UNCHANGED = "unchanged"


@dataclass(slots=True)
class HubItem:
    """One item: its code, display name and parent code (None for a root)."""

    code: str
    name: str
    parent: str | None


@dataclass(slots=True)
class HubList:
    """One hierarchy, with a child index so subtrees are walked without a scan."""

    name: str
    items: dict[str, HubItem] = field(default_factory=dict)
    children: dict[str, set[str]] = field(default_factory=dict)

    def __contains__(self, code: object) -> bool:
        return code in self.items

    def parent_of(self, code: str) -> str | None:
        """Return the parent code of an existing item."""
        return self.items[code].parent

    def ancestors(self, code: str) -> Iterator[str]:
        """Yield the item's ancestors, nearest first."""
        parent = self.items[code].parent
        while parent is not None:
            yield parent
            parent = self.items[parent].parent

    def path(self, code: str) -> tuple[str, ...]:
        """Return the codes from the root down to `code`."""
        return (*reversed(tuple(self.ancestors(code))), code)

    def within(self, code: str, root: str) -> bool:
        """Return whether `code` is `root` or lies in its subtree."""
        return code == root or any(a == root for a in self.ancestors(code))

    def subtree(self, code: str) -> Iterator[str]:
        """Yield `code` and every descendant (depth first, children in code order)."""
        stack = [code]
        while stack:
            current = stack.pop()
            yield current
            kids = self.children.get(current)
            if kids:
                stack.extend(sorted(kids, reverse=True))

    def upsert(self, code: str, parent: str | None, name: str) -> ItemChange:
        """Create, rename or move an item; raise InvalidInput for an unknown parent or a cycle."""
        if parent is not None:
            if parent not in self.items:
                raise InvalidInput(
                    "parent",
                    f"{parent!r} is not an item of list {self.name!r}",
                    "publish the parent before its children, or send parent null for a root",
                )
            if parent == code or (code in self.items and self.within(parent, code)):
                raise InvalidInput(
                    "parent",
                    f"moving {code!r} under {parent!r} would make a cycle in {self.name!r}",
                    "choose a parent outside the item's own subtree",
                )
        existing = self.items.get(code)
        if existing is None:
            self.items[code] = HubItem(code, name, parent)
            self._link(code, parent)
            return ItemChange.CREATED
        if existing.parent != parent:
            self._unlink(code, existing.parent)
            existing.parent = parent
            existing.name = name
            self._link(code, parent)
            return ItemChange.MOVED
        if existing.name != name:
            existing.name = name
            return ItemChange.RENAMED
        return ItemChange.UNCHANGED

    def delete(self, code: str) -> None:
        """Remove a childless item; raise InvalidInput for an unknown item or one with children."""
        item = self.items.get(code)
        if item is None:
            raise InvalidInput(
                "item",
                f"{code!r} is not an item of list {self.name!r}",
                "delete only items that were published on the hierarchy topic",
            )
        if self.children.get(code):
            raise InvalidInput(
                "item",
                f"{code!r} in {self.name!r} still has {len(self.children[code])} children",
                "delete or move its children first",
            )
        self._unlink(code, item.parent)
        del self.items[code]
        self.children.pop(code, None)

    def _link(self, code: str, parent: str | None) -> None:
        if parent is not None:
            self.children.setdefault(parent, set()).add(code)

    def _unlink(self, code: str, parent: str | None) -> None:
        if parent is not None:
            siblings = self.children.get(parent)
            if siblings is not None:
                siblings.discard(code)
                if not siblings:
                    del self.children[parent]


@dataclass(slots=True)
class Hierarchies:
    """Every hub list by name; a list springs into being with its first item."""

    lists: dict[str, HubList] = field(default_factory=dict)

    def get(self, name: str) -> HubList | None:
        """Return the hub list called `name`, if any item was ever published to it."""
        return self.lists.get(name)

    def contains(self, list_name: str, code: str) -> bool:
        """Return whether the hub list holds the item."""
        hub_list = self.lists.get(list_name)
        return hub_list is not None and code in hub_list

    def list_for_upsert(self, name: str) -> HubList:
        """Return the list `name`, creating it empty when new."""
        hub_list = self.lists.get(name)
        if hub_list is None:
            hub_list = self.lists[name] = HubList(name)
        return hub_list
