"""The rule book: every published rule, indexed by the attribute values and lists it reads.

Invariants: `matches` holds exactly the users each access and role rule's predicate matches.
A clause's truth can only flip when a value it tests enters or leaves the user's values (or the
attribute appears or disappears), so a user's change re-evaluates only the rules indexed under
the values that came (a two-clause rule only if its other clause holds: `guards`), the names
that appeared or went, and the user's own matching rules testing a value that went; a rule's
change evaluates only the users the attribute index offers.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, field
from typing import Any

from uam_events.core.guards import Guards, clause_keys, sole_value
from uam_events.core.indexes import AttributeIndex, RuleMatches, discard_member
from uam_events.core.rules import AccessRule, Equals, OneOf, QualifiedUser, RoleRule, Rule
from uam_events.core.users import UserRecord
from uam_events.core.values import AttrValue, ScalarKey, key_changes

Pair = tuple[str, str]
"""(spoke id, user id): the unit of resolution."""

MatchedRule = AccessRule | RoleRule

_NO_RULES: frozenset[str] = frozenset()
_NO_MATCHES: Mapping[str, set[str]] = {}


@dataclass(slots=True)
class RuleBook:
    """Rules by id, with the indexes that find who they touch."""

    rules: dict[str, Rule] = field(default_factory=dict)
    testing_value: dict[tuple[str, ScalarKey], set[str]] = field(default_factory=dict)
    """(attribute, key) -> the rules with a value clause testing it."""
    sole: dict[tuple[str, ScalarKey], set[str]] = field(default_factory=dict)
    """(attribute, key) -> the rules whose predicate is one value clause testing it."""
    opening: dict[tuple[str, ScalarKey], set[str]] = field(default_factory=dict)
    """(attribute, key) -> the other rules testing it that `guards` does not hold."""
    guards: Guards = field(default_factory=Guards)
    """The rules of two clauses, by one clause's value and then the other clause's."""
    testing_presence: dict[str, set[str]] = field(default_factory=dict)
    templating: dict[str, set[str]] = field(default_factory=dict)
    """Attribute name -> the access rules whose item template it fills."""
    matching_empty: set[str] = field(default_factory=set)
    naming: dict[tuple[str, str], set[str]] = field(default_factory=dict)
    """(hub list, item code) -> the access rules with a literal template naming that item."""
    filling: dict[str, set[str]] = field(default_factory=dict)
    """Hub list -> the access rules whose item template is filled from an attribute."""
    scopes_of: dict[str, set[str]] = field(default_factory=dict)
    scope_lists: dict[str, list[QualifiedUser]] = field(default_factory=dict)
    """Actor -> `scopes(actor)`, kept until a scope of theirs is published or withdrawn."""
    matches: RuleMatches = field(default_factory=RuleMatches)

    def access_rules(self, user_id: str, spoke_id: str) -> list[AccessRule]:
        """Return the access rules of a spoke matching a user."""
        found = map(self.rules.__getitem__, self.matches.rules(user_id, spoke_id))
        return [rule for rule in found if isinstance(rule, AccessRule)]

    def role_rules(self, user_id: str, spoke_id: str) -> list[RoleRule]:
        """Return the role rules of a spoke matching a user."""
        found = map(self.rules.__getitem__, self.matches.rules(user_id, spoke_id))
        return [rule for rule in found if isinstance(rule, RoleRule)]

    def scopes(self, actor: str) -> list[QualifiedUser]:
        """Return an actor's qualified-user scopes, by rule id (a shared list: do not change it)."""
        cached = self.scope_lists.get(actor)
        if cached is None:
            found = (self.rules[r] for r in sorted(self.scopes_of.get(actor, ())))
            cached = self.scope_lists[actor] = [s for s in found if isinstance(s, QualifiedUser)]
        return cached

    def access_rules_naming(self, hub_list: str, item: str) -> Iterator[AccessRule]:
        """Yield the access rules that can grant an item: the literal ones naming it, then every
        templated one of its list (in no particular order)."""
        for rule_id in (*self.naming.get((hub_list, item), ()), *self.filling.get(hub_list, ())):
            rule = self.rules[rule_id]
            if isinstance(rule, AccessRule):
                yield rule

    def publish(
        self, rule: Rule, index: AttributeIndex, users: Mapping[str, UserRecord]
    ) -> set[Pair]:
        """Add or replace a rule; return the (spoke, user) pairs whose inputs changed.

        A replacement that keeps its predicate (and list and template attribute) keeps its
        matches and indexes (a literal item moves in `naming`), and touches its matched users
        unless it grants the same thing. A replacement that grants the same thing (only its
        predicate changed) touches only the users entering or leaving its match; any other
        replacement touches all of them.
        """
        previous = self.rules.get(rule.id)
        if previous is not None and _same_reach(previous, rule):
            self.rules[rule.id] = rule
            if isinstance(previous, AccessRule) and isinstance(rule, AccessRule):
                discard_member(self._list_index(previous), _list_key(previous), rule.id)
                self._list_index(rule).setdefault(_list_key(rule), set()).add(rule.id)
            if _same_grant(previous, rule):
                return set()
            return {(rule.spoke, u) for u in self.matches.users(rule.id)}  # type: ignore[union-attr]
        touched = self.withdraw(rule.id)
        self.rules[rule.id] = rule
        if isinstance(rule, QualifiedUser):
            self.scopes_of.setdefault(rule.user, set()).add(rule.id)
            self.scope_lists.pop(rule.user, None)
            return touched
        for found_under, key in self._index_keys(rule):
            found_under.setdefault(key, set()).add(rule.id)
        self.guards.add(rule.id, rule.when)
        if rule.when.matches({}):
            self.matching_empty.add(rule.id)
        if isinstance(rule, AccessRule):
            self._list_index(rule).setdefault(_list_key(rule), set()).add(rule.id)
        matched = set()
        for user_id in index.candidates(rule.when):
            if rule.when.matches(users[user_id].attributes):
                self.matches.record(rule.id, rule.spoke, user_id, True)
                matched.add((rule.spoke, user_id))
        if previous is not None and _same_grant(previous, rule):
            return touched ^ matched
        return touched | matched

    def withdraw(self, rule_id: str) -> set[Pair]:
        """Remove a rule (unknown ids are a no-op); return the pairs it touched."""
        rule = self.rules.pop(rule_id, None)
        if rule is None:
            return set()
        if isinstance(rule, QualifiedUser):
            discard_member(self.scopes_of, rule.user, rule_id)
            self.scope_lists.pop(rule.user, None)
            return set()
        for found_under, key in self._index_keys(rule):
            discard_member(found_under, key, rule_id)
        self.guards.remove(rule_id, rule.when)
        self.matching_empty.discard(rule_id)
        if isinstance(rule, AccessRule):
            discard_member(self._list_index(rule), _list_key(rule), rule_id)
        return {(rule.spoke, u) for u in self.matches.forget_rule(rule_id, rule.spoke)}

    def rematch(
        self,
        user: UserRecord,
        old: Mapping[str, AttrValue],
        changed: AbstractSet[str] | None,
    ) -> tuple[set[str], set[str]]:
        """Re-evaluate the rules a change of `changed` names (None: a new user) can flip.

        A new user is a change from no attributes: the rules testing a value it holds, plus
        the rules whose predicate holds for no attributes at all. Return the spokes where a
        role rule's match flipped, and the spokes where an access rule's match flipped or a
        matching access rule's item template reads a changed name.
        """
        if changed is None:
            changed = user.attributes.keys()
            found = self._flippable({}, user.attributes, changed, _NO_MATCHES)
            candidates, sure, grant_spokes = found
            candidates |= self.matching_empty
        else:
            mine = self.matches.rules_of.get(user.id, _NO_MATCHES)
            candidates, sure, grant_spokes = self._flippable(old, user.attributes, changed, mine)
        role_spokes: set[str] = set()
        rules, user_id, attributes = self.rules, user.id, user.attributes
        mine = self.matches.rules_of.get(user_id, _NO_MATCHES)
        for rule_id in (*sure, *candidates):
            rule = rules[rule_id]
            if isinstance(rule, QualifiedUser):
                continue
            matched = rule_id in sure or rule.when.matches(attributes)
            if matched != (rule_id in mine.get(rule.spoke, _NO_RULES)):
                self.matches.record(rule_id, rule.spoke, user_id, matched)
                mine = self.matches.rules_of.get(user_id, _NO_MATCHES)
                if isinstance(rule, RoleRule):
                    role_spokes.add(rule.spoke)
                else:
                    grant_spokes.add(rule.spoke)
        return role_spokes, grant_spokes

    def _flippable(
        self,
        old: Mapping[str, AttrValue],
        new: Mapping[str, AttrValue],
        changed: AbstractSet[str],
        mine: Mapping[str, set[str]],
    ) -> tuple[set[str], set[str], set[str]]:
        """Return the rules whose match a change of `changed` names can flip, those of them
        that surely match now, and the spokes where a rule the user matches fills its item
        template from a changed name.

        A rule that did not match starts to only if one of its clauses turns true, so it is
        found under a key that came (a rule `guards` holds only when its other clause holds
        now) or a name that appeared or went; a rule that matched (the user's own, `mine`)
        stops only if one of its clauses turns false: a value clause whose key went, or a
        presence test whose name appeared or went. A templated rule that stops matching
        flips, so `mine` from before the change finds every spoke whose templated items can
        change. A rule of one value clause found under a key that came matches now, and so does
        a rule `guards` finds: they are sure, not evaluated.
        """
        candidates: set[str] = set()
        sure: set[str] = set()
        sole = self.sole
        losing: set[str] = set()
        testing_value, testing_presence, opening = (
            self.testing_value,
            self.testing_presence,
            self.opening,
        )
        passing = self.guards.passing
        for name in changed:
            before, after = old.get(name), new.get(name)
            gone, came = key_changes(before, after)
            for key in came:
                found = opening.get((name, key))
                if found:
                    candidates.update(found)
                found = sole.get((name, key))
                if found:
                    sure.update(found)
                passing(name, key, new, sure)
            for key in gone:
                found = testing_value.get((name, key))
                if found:
                    losing.update(found)
            if (before is None) != (after is None):
                candidates.update(testing_presence.get(name, ()))
        if not mine:
            return candidates, sure, set()
        if losing:
            for rule_ids in mine.values():
                candidates.update(rule_ids & losing)
        return candidates, sure, self._templated(changed, mine)

    def _templated(self, changed: AbstractSet[str], mine: Mapping[str, set[str]]) -> set[str]:
        """Return the spokes where a rule the user matches fills its template from `changed`."""
        templated: set[str] = set()
        templating = self.templating
        for name in changed:
            fills = templating.get(name)
            if fills is None:
                continue
            for spoke, rule_ids in mine.items():
                if not rule_ids.isdisjoint(fills):
                    templated.add(spoke)
        return templated

    def _list_index(self, rule: AccessRule) -> dict[Any, set[str]]:
        """Return the index of the items a rule can grant: by item if literal, else by list."""
        return self.naming if rule.item.attribute is None else self.filling

    def _index_keys(self, rule: MatchedRule) -> Iterator[tuple[dict[Any, set[str]], Any]]:
        """Yield (index, key) pairs under which a rule is found (its clause values only when
        `guards` does not hold it)."""
        opened = self.sole if sole_value(rule.when) else None
        if opened is None and clause_keys(rule.when) is None:
            opened = self.opening
        for clause in rule.when.clauses:
            if isinstance(clause, Equals):
                keys: tuple[ScalarKey, ...] = (clause.key,)
            elif isinstance(clause, OneOf):
                keys = tuple(clause.keys)
            else:
                yield self.testing_presence, clause.attribute
                continue
            for key in keys:
                yield self.testing_value, (clause.attribute, key)
                if opened is not None:
                    yield opened, (clause.attribute, key)
        if isinstance(rule, AccessRule) and rule.template is not None:
            yield self.templating, rule.template


def _list_key(rule: AccessRule) -> Any:
    """Return the key a rule is found under in `naming` (literal) or `filling` (templated)."""
    return rule.list if rule.item.attribute is not None else (rule.list, rule.item.prefix)


def _same_reach(old: Rule, new: Rule) -> bool:
    """Return whether two versions of a rule match the same users under the same index keys."""
    if isinstance(old, AccessRule) and isinstance(new, AccessRule):
        return (old.spoke, old.list, old.when.signature, old.item.attribute) == (
            new.spoke,
            new.list,
            new.when.signature,
            new.item.attribute,
        )
    if isinstance(old, RoleRule) and isinstance(new, RoleRule):
        return (old.spoke, old.when.signature) == (new.spoke, new.when.signature)
    return False


def _same_grant(old: Rule, new: Rule) -> bool:
    """Return whether two versions of a rule give the same thing to the users they match."""
    if isinstance(old, AccessRule) and isinstance(new, AccessRule):
        return (old.spoke, old.list, old.item, old.level) == (
            new.spoke,
            new.list,
            new.item,
            new.level,
        )
    if isinstance(old, RoleRule) and isinstance(new, RoleRule):
        return (old.spoke, old.role, old.priority) == (new.spoke, new.role, new.priority)
    return False
