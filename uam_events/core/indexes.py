"""Indexes that keep work per event proportional to what it changes.

Invariants: `AttributeIndex` maps every (name, value) a user holds to that user, so a
predicate finds its candidates without a scan; `RuleMatches` holds, in both directions, which
users each access or role rule's predicate matches; `Holders` maps each (list, item) to the
(spoke, user) pairs holding an own level on it, so a move or delete visits only those.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import TypeVar

from uam_events.core.rules import Equals, Exists, OneOf, Predicate
from uam_events.core.values import AttrValue, ScalarKey, key_changes, same_json, scalar_key

K = TypeVar("K")
V = TypeVar("V")

_EMPTY: frozenset[str] = frozenset()


@dataclass(slots=True)
class AttributeIndex:
    """Users by attribute name and by (name, value)."""

    users: set[str] = field(default_factory=set)
    by_name: dict[str, set[str]] = field(default_factory=dict)
    by_value: dict[tuple[str, ScalarKey], set[str]] = field(default_factory=dict)

    def update(
        self,
        user_id: str,
        old: Mapping[str, AttrValue],
        new: Mapping[str, AttrValue],
        names: Iterable[str] | None = None,
    ) -> set[str]:
        """Re-index one user's changed names; return the names whose value changed.

        `names`, when given, holds every name that may have changed (the others are not read).
        """
        if not old:
            self.users.add(user_id)
        get = old.get
        if names is None:
            changed = {n for n, v in new.items() if (b := get(n)) is not v and not same_json(b, v)}
            if not new.keys() >= old.keys():
                changed.update(old.keys() - new.keys())
        else:
            now = new.get
            changed = {
                n for n in names if (b := get(n)) is not (a := now(n)) and not same_json(b, a)
            }
        by_value = self.by_value
        for name in changed:
            before, after = get(name), new.get(name)
            if before is None:
                _add_member(self.by_name, name, user_id)
            elif after is None:
                discard_member(self.by_name, name, user_id)
            gone, came = key_changes(before, after)
            for key in gone:
                discard_member(by_value, (name, key), user_id)
            for key in came:
                _add_member(by_value, (name, key), user_id)
        return changed

    def with_name(self, name: str) -> Iterable[str]:
        """Return the users holding `name`."""
        return self.by_name.get(name, _EMPTY)

    def with_value(self, name: str, key: ScalarKey) -> Iterable[str]:
        """Return the users whose `name` equals or contains the scalar with this key."""
        return self.by_value.get((name, key), _EMPTY)

    def candidates(self, predicate: Predicate) -> Iterable[str]:
        """Return a superset of the users matching `predicate`, as small as one clause allows."""
        best: Iterable[str] | None = None
        best_size = -1
        for clause in predicate.clauses:
            found: Iterable[str]
            if isinstance(clause, Equals):
                found = self.with_value(clause.attribute, scalar_key(clause.value))
            elif isinstance(clause, OneOf):
                found = set().union(
                    *(self.with_value(clause.attribute, scalar_key(v)) for v in clause.values)
                )
            elif isinstance(clause, Exists) and clause.present:
                found = self.with_name(clause.attribute)
            else:
                continue
            size = len(found)  # type: ignore[arg-type]
            if best is None or size < best_size:
                best, best_size = found, size
        return self.users if best is None else best


@dataclass(slots=True)
class RuleMatches:
    """Which users each rule's predicate matches, and which rules match each user per spoke."""

    users_of: dict[str, set[str]] = field(default_factory=dict)
    rules_of: dict[str, dict[str, set[str]]] = field(default_factory=dict)
    """User id -> spoke id -> ids of the spoke's rules matching the user (small, per user)."""

    def record(self, rule_id: str, spoke_id: str, user_id: str, matched: bool) -> bool:
        """Record whether a rule (of a spoke) matches a user; return True when that changed."""
        by_spoke = self.rules_of.get(user_id)
        mine = by_spoke.get(spoke_id) if by_spoke is not None else None
        if matched == (mine is not None and rule_id in mine):
            return False
        if matched:
            _add_member(self.users_of, rule_id, user_id)
            if by_spoke is None:
                by_spoke = self.rules_of[user_id] = {}
            _add_member(by_spoke, spoke_id, rule_id)
        else:
            discard_member(self.users_of, rule_id, user_id)
            self._unlink(user_id, spoke_id, rule_id)
        return True

    def holds(self, rule_id: str, spoke_id: str, user_id: str) -> bool:
        """Return whether a rule of a spoke matches a user."""
        by_spoke = self.rules_of.get(user_id)
        return by_spoke is not None and rule_id in by_spoke.get(spoke_id, _EMPTY)

    def users(self, rule_id: str) -> Iterable[str]:
        """Return the users a rule matches."""
        return self.users_of.get(rule_id, _EMPTY)

    def rules(self, user_id: str, spoke_id: str) -> Iterable[str]:
        """Return the rules of a spoke matching a user."""
        by_spoke = self.rules_of.get(user_id)
        return _EMPTY if by_spoke is None else by_spoke.get(spoke_id, _EMPTY)

    def forget_rule(self, rule_id: str, spoke_id: str) -> set[str]:
        """Drop a rule of a spoke; return the users it matched."""
        users = self.users_of.pop(rule_id, set())
        for user_id in users:
            self._unlink(user_id, spoke_id, rule_id)
        return users

    def _unlink(self, user_id: str, spoke_id: str, rule_id: str) -> None:
        """Remove a rule from a user's matches in a spoke, dropping emptied entries."""
        by_spoke = self.rules_of.get(user_id)
        if by_spoke is not None:
            discard_member(by_spoke, spoke_id, rule_id)
            if not by_spoke:
                del self.rules_of[user_id]


HolderKey = tuple[str, str]
"""(hub list, item code)."""


@dataclass(slots=True)
class Holders:
    """(spoke, user) pairs holding an own level on each (list, item)."""

    of: dict[HolderKey, set[tuple[str, str]]] = field(default_factory=dict)

    def replace(
        self,
        pair: tuple[str, str],
        old: Iterable[HolderKey],
        new: Iterable[HolderKey],
    ) -> None:
        """Move a (spoke, user) pair from its old own items to its new ones."""
        old_set, new_set = set(old), set(new)
        for key in old_set - new_set:
            discard_member(self.of, key, pair)
        for key in new_set - old_set:
            _add_member(self.of, key, pair)

    def of_item(self, hub_list: str, item: str) -> Iterable[tuple[str, str]]:
        """Return the pairs holding an own level on one item."""
        return self.of.get((hub_list, item), ())


def discard_member(index: dict[K, set[V]], key: K, member: V) -> None:
    """Remove `member` from the set under `key`, dropping the key once its set is empty."""
    members = index.get(key)
    if members is not None:
        members.discard(member)
        if not members:
            del index[key]


def _add_member(index: dict[K, set[V]], key: K, member: V) -> None:
    """Add `member` to the set under `key`, creating the set when the key is new."""
    members = index.get(key)
    if members is None:
        index[key] = {member}
    else:
        members.add(member)
