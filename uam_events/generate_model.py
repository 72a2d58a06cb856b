"""The generator's picture of the enterprise it is writing: trees, people, spokes and scopes.

Invariant: every collection iterates in insertion order (lists, dicts, `Pool`), never in hash
order, so one seed always yields the same bytes. The picture follows the valid events only:
malformed and rejected lines leave it untouched.
"""

from __future__ import annotations

import random
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

JsonDict = dict[str, Any]


class Pool:
    """A set of strings with O(1) add, remove and uniform choice, in a deterministic order."""

    def __init__(self, items: Iterable[str] = ()) -> None:
        self._items: list[str] = []
        self._index: dict[str, int] = {}
        for item in items:
            self.add(item)

    def add(self, item: str) -> None:
        """Add an item (no-op when present)."""
        if item not in self._index:
            self._index[item] = len(self._items)
            self._items.append(item)

    def discard(self, item: str) -> None:
        """Remove an item by swapping the last one into its slot (no-op when absent)."""
        slot = self._index.pop(item, None)
        if slot is None:
            return
        last = self._items.pop()
        if slot < len(self._items):
            self._items[slot] = last
            self._index[last] = slot

    def choice(self, rng: random.Random) -> str:
        """Return a uniformly chosen item; the pool must not be empty."""
        return self._items[rng.randrange(len(self._items))]

    def __contains__(self, item: object) -> bool:
        return item in self._index

    def __len__(self) -> int:
        return len(self._items)

    def __iter__(self) -> Iterator[str]:
        return iter(list(self._items))


class Tree:
    """A hub list kept as a tree where each item sits one level below its parent.

    Moves only ever go to an item of the level above, so no valid move makes a cycle.
    """

    def __init__(self, list_name: str) -> None:
        self.list_name = list_name
        self.parent: dict[str, str | None] = {}
        self.name: dict[str, str] = {}
        self.level: dict[str, int] = {}
        self.children: dict[str, list[str]] = {}
        self.levels: list[Pool] = []

    def add(self, item: str, parent: str | None, name: str) -> None:
        """Add an item under an existing parent (None for the root)."""
        depth = 1 if parent is None else self.level[parent] + 1
        self.parent[item] = parent
        self.name[item] = name
        self.level[item] = depth
        self.children.setdefault(item, [])
        if parent is not None:
            self.children[parent].append(item)
        while len(self.levels) < depth:
            self.levels.append(Pool())
        self.levels[depth - 1].add(item)

    def move(self, item: str, parent: str) -> None:
        """Re-parent an item onto another item of the same level as its current parent."""
        old = self.parent[item]
        if old is not None:
            self.children[old].remove(item)
        self.parent[item] = parent
        self.children[parent].append(item)

    def remove(self, item: str) -> None:
        """Remove a leaf."""
        parent = self.parent.pop(item)
        if parent is not None:
            self.children[parent].remove(item)
        del self.children[item]
        del self.name[item]
        self.levels[self.level.pop(item) - 1].discard(item)

    def upsert(self, item: str) -> JsonDict:
        """Return the hub upsert value that states an item as the tree holds it now."""
        return {
            "list": self.list_name,
            "op": "upsert",
            "item": item,
            "parent": self.parent[item],
            "name": self.name[item],
        }

    def within(self, item: str, root: str) -> bool:
        """Return whether `item` is `root` or lies below it."""
        node: str | None = item
        while node is not None:
            if node == root:
                return True
            node = self.parent.get(node)
        return False

    def sample_below(self, root: str, rng: random.Random, stop: float = 0.3) -> str:
        """Return an item of the subtree under `root` by a random descent (mid and low items)."""
        node = root
        while True:
            kids = self.children.get(node)
            if not kids or rng.random() < stop:
                return node
            node = kids[rng.randrange(len(kids))]

    @property
    def depth(self) -> int:
        """Return the number of levels, the root's included."""
        return len(self.levels)

    def __len__(self) -> int:
        return len(self.parent)


@dataclass
class Person:
    """A user as the generator last stated it, split like the product's attribute layers."""

    id: str
    user_name: str
    given: str
    family: str
    department: str
    cost_center: str
    division: str
    title: str
    manager: str | None
    country: str
    workspaces: list[str]
    hr: JsonDict = field(default_factory=dict)
    user_type: str = "Employee"
    active: bool = True
    deleted: bool = False

    def attributes(self) -> JsonDict:
        """Return the names predicates see: the SCIM-derived ones, then the HR layer over them."""
        merged: JsonDict = {
            "userName": self.user_name,
            "title": self.title,
            "userType": self.user_type,
            "department": self.department,
            "costCenter": self.cost_center,
            "division": self.division,
        }
        merged.update(self.hr)
        return merged


@dataclass(frozen=True)
class SpokeSpec:
    """A generated spoke: ids, the hub lists it uses and who typically works in it."""

    id: str
    workspace_id: str
    model_id: str
    lists: tuple[str, ...]
    departments: tuple[str, ...]
    default_role: str
    roles: tuple[str, ...]


@dataclass
class Scope:
    """A qualified user's scope and the people it may currently target."""

    rule: JsonDict
    candidates: list[str]

    @property
    def actor(self) -> str:
        """Return the qualified user's key."""
        return str(self.rule["user"])


@dataclass
class Enterprise:
    """Everything later lines need to stay valid: the state after the lines written so far."""

    spokes: list[SpokeSpec]
    trees: dict[str, Tree]
    people: list[Person] = field(default_factory=list)
    by_id: dict[str, Person] = field(default_factory=dict)
    access_rules: list[JsonDict] = field(default_factory=list)
    role_rules: list[JsonDict] = field(default_factory=list)
    scopes: list[Scope] = field(default_factory=list)
    grants: dict[str, dict[tuple[str, str, str], str]] = field(default_factory=dict)
    protected_items: dict[tuple[str, str], None] = field(default_factory=dict)
    commands: int = 0
    integration_id: str = "u-integration"

    def spoke(self, spoke_id: str) -> SpokeSpec:
        """Return a spoke by id."""
        return next(s for s in self.spokes if s.id == spoke_id)

    def add_person(self, person: Person) -> None:
        """Register a new person."""
        self.people.append(person)
        self.by_id[person.id] = person

    def next_command_id(self) -> str:
        """Return the next unique, deterministic command id."""
        self.commands += 1
        return f"cmd-{self.commands:07d}"

    @property
    def actors(self) -> Mapping[str, None]:
        """Return the qualified users' keys, which the changes keep active."""
        return {scope.actor: None for scope in self.scopes}


def matches(predicate: Mapping[str, Any] | None, attributes: Mapping[str, Any]) -> bool:
    """Return whether attributes satisfy a predicate, with DESIGN section 9's semantics."""
    if predicate is None:
        return True
    for name, wanted in predicate.items():
        value = attributes.get(name)
        values = value if isinstance(value, list) else [] if value in (None, "") else [value]
        if isinstance(wanted, dict) and "in" in wanted:
            keys = {_key(v) for v in wanted["in"]}
            ok = any(_key(v) in keys for v in values)
        elif isinstance(wanted, dict):
            ok = bool(values) is bool(wanted.get("exists"))
        else:
            ok = any(_key(v) == _key(wanted) for v in values)
        if not ok:
            return False
    return True


def _key(value: Any) -> tuple[str, Any]:
    """Return a type-tagged key so that `true`, `1` and `"1"` stay different."""
    return (type(value).__name__, value)
