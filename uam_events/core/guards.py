"""Guards: rules of two clauses, found under one clause's value, then the other clause's.

Invariant: a rule whose predicate is two clauses on two different attributes, at least one a
value clause (`Equals` or `OneOf`) and the other a value clause or a presence test
(`Exists(present=True)`), is held under each of its value clauses' (attribute, key), and there
under the other clause's attribute and keys (`PRESENT` for a presence test):
`under[(a, k)][b][j]` holds the rules testing `a` for `k` and `b` for `j`. When a user's `a`
gains `k`, the rules that change can start to match are those whose other clause holds now,
found from the user's current value of `b` alone: a rule whose other clause does not hold
still does not match, so it is not evaluated.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field

from uam_events.core.rules import Equals, Exists, OneOf, Predicate
from uam_events.core.values import AttrValue, ScalarKey, scalar_key

GuardKey = tuple[str, ScalarKey]
"""(attribute name, scalar key) of one clause value."""

GuardedKey = ScalarKey | None
"""A key the other clause tests, or `PRESENT` (None) for a presence test."""

PRESENT: GuardedKey = None

Guarded = dict[str, dict[GuardedKey, set[str]]]
"""The other clause's attribute -> its keys -> the rule ids testing both."""

Keyed = tuple[str, frozenset[GuardedKey]]
"""One clause: its attribute and the keys it holds for (`{PRESENT}`: any value)."""


def clause_keys(predicate: Predicate) -> tuple[Keyed, Keyed] | None:
    """Return each clause's attribute and keys when guards hold a predicate's rules, else None."""
    clauses = predicate.clauses
    if len(clauses) != 2:
        return None
    keyed: list[Keyed] = []
    for clause in clauses:
        if isinstance(clause, Equals):
            keyed.append((clause.attribute, frozenset((clause.key,))))
        elif isinstance(clause, OneOf):
            keyed.append((clause.attribute, frozenset(clause.keys)))
        elif isinstance(clause, Exists) and clause.present:
            keyed.append((clause.attribute, frozenset((PRESENT,))))
        else:
            return None
    first, second = keyed
    if first[0] == second[0] or (PRESENT in first[1] and PRESENT in second[1]):
        return None
    return first, second


def sole_value(predicate: Predicate) -> bool:
    """Return whether a predicate is one value clause (a key that came makes it hold)."""
    clauses = predicate.clauses
    return len(clauses) == 1 and isinstance(clauses[0], Equals | OneOf)


@dataclass(slots=True)
class Guards:
    """Two-clause rules by their first clause's value, then their second clause's values."""

    under: dict[GuardKey, Guarded] = field(default_factory=dict)

    def add(self, rule_id: str, predicate: Predicate) -> bool:
        """Hold a rule if its predicate has the shape guards hold; return whether it is held."""
        keyed = clause_keys(predicate)
        if keyed is None:
            return False
        for (name, keys), (other, other_keys) in _both_ways(keyed):
            for key in _values(keys):
                by_key = self.under.setdefault((name, key), {}).setdefault(other, {})
                for other_key in other_keys:
                    by_key.setdefault(other_key, set()).add(rule_id)
        return True

    def remove(self, rule_id: str, predicate: Predicate) -> None:
        """Drop a rule held by `add` (a rule not held is a no-op)."""
        keyed = clause_keys(predicate)
        if keyed is None:
            return
        for (name, keys), (other, other_keys) in _both_ways(keyed):
            for key in _values(keys):
                guarded = self.under.get((name, key))
                if guarded is None:
                    continue
                by_key = guarded.get(other)
                if by_key is None:
                    continue
                for other_key in other_keys:
                    rules = by_key.get(other_key)
                    if rules is not None:
                        rules.discard(rule_id)
                        if not rules:
                            del by_key[other_key]
                if not by_key:
                    del guarded[other]
                if not guarded:
                    del self.under[(name, key)]

    def passing(
        self, name: str, key: ScalarKey, attributes: Mapping[str, AttrValue], into: set[str]
    ) -> None:
        """Add to `into` the rules held under `name` testing `key` whose other clause holds
        for these attributes."""
        guarded = self.under.get((name, key))
        if guarded is None:
            return
        get = attributes.get
        for other, by_key in guarded.items():
            value = get(other)
            if value is None:
                continue
            found = by_key.get(PRESENT)
            if found:
                into.update(found)
            if type(value) is str:
                found = by_key.get(value)  # a string is its own key
                if found:
                    into.update(found)
            elif type(value) is tuple:
                for scalar in value:
                    found = by_key.get(scalar_key(scalar))
                    if found:
                        into.update(found)
            else:
                found = by_key.get(scalar_key(value))  # type: ignore[arg-type]
                if found:
                    into.update(found)

    def rules(self) -> Iterator[str]:
        """Yield every rule id held (once per clause value it is held under)."""
        for guarded in self.under.values():
            for by_key in guarded.values():
                for rules in by_key.values():
                    yield from rules


def _both_ways(keyed: tuple[Keyed, Keyed]) -> tuple[tuple[Keyed, Keyed], tuple[Keyed, Keyed]]:
    first, second = keyed
    return ((first, second), (second, first))


def _values(keys: frozenset[GuardedKey]) -> Iterator[ScalarKey]:
    """Yield the value keys of a clause (none for a presence test)."""
    for key in keys:
        if key is not None:  # PRESENT
            yield key
