"""The rule book: every published rule, indexed by the attributes and lists it reads.

Invariants: `matches` holds exactly the users each access and role rule's predicate matches;
a user's change re-evaluates only the rules reading a changed attribute, and a rule's change
evaluates only the users the attribute index offers as candidates.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field

from uam_events.core.indexes import AttributeIndex, RuleMatches
from uam_events.core.rules import AccessRule, QualifiedUser, RoleRule, Rule
from uam_events.core.users import UserRecord

Pair = tuple[str, str]
"""(spoke id, user id): the unit of resolution."""

MatchedRule = AccessRule | RoleRule


@dataclass(slots=True)
class RuleBook:
    """Rules by id, with the indexes that find who they touch."""

    rules: dict[str, Rule] = field(default_factory=dict)
    reading: dict[str, set[str]] = field(default_factory=dict)
    on_list: dict[str, set[str]] = field(default_factory=dict)
    scopes_of: dict[str, set[str]] = field(default_factory=dict)
    matches: RuleMatches = field(default_factory=RuleMatches)

    def access_rules(self, user_id: str) -> Iterator[AccessRule]:
        """Yield the access rules matching a user."""
        for rule_id in self.matches.rules(user_id):
            rule = self.rules[rule_id]
            if isinstance(rule, AccessRule):
                yield rule

    def role_rules(self, user_id: str) -> Iterator[RoleRule]:
        """Yield the role rules matching a user."""
        for rule_id in self.matches.rules(user_id):
            rule = self.rules[rule_id]
            if isinstance(rule, RoleRule):
                yield rule

    def scopes(self, actor: str) -> list[QualifiedUser]:
        """Return an actor's qualified-user scopes, by rule id."""
        found = (self.rules[r] for r in sorted(self.scopes_of.get(actor, ())))
        return [s for s in found if isinstance(s, QualifiedUser)]

    def access_rules_on(self, hub_list: str) -> Iterator[AccessRule]:
        """Yield the access rules granting items of a hub list."""
        for rule_id in sorted(self.on_list.get(hub_list, ())):
            rule = self.rules[rule_id]
            if isinstance(rule, AccessRule):
                yield rule

    def publish(
        self, rule: Rule, index: AttributeIndex, users: Mapping[str, UserRecord]
    ) -> set[Pair]:
        """Add or replace a rule; return the (spoke, user) pairs whose inputs changed."""
        touched = self.withdraw(rule.id)
        self.rules[rule.id] = rule
        if isinstance(rule, QualifiedUser):
            self.scopes_of.setdefault(rule.user, set()).add(rule.id)
            return touched
        for name in rule.attributes:
            self.reading.setdefault(name, set()).add(rule.id)
        if isinstance(rule, AccessRule):
            self.on_list.setdefault(rule.list, set()).add(rule.id)
        for user_id in index.candidates(rule.when):
            if rule.when.matches(users[user_id].attributes):
                self.matches.record(rule.id, user_id, True)
                touched.add((rule.spoke, user_id))
        return touched

    def withdraw(self, rule_id: str) -> set[Pair]:
        """Remove a rule (unknown ids are a no-op); return the pairs it touched."""
        rule = self.rules.pop(rule_id, None)
        if rule is None:
            return set()
        if isinstance(rule, QualifiedUser):
            _discard(self.scopes_of, rule.user, rule_id)
            return set()
        for name in rule.attributes:
            _discard(self.reading, name, rule_id)
        if isinstance(rule, AccessRule):
            _discard(self.on_list, rule.list, rule_id)
        return {(rule.spoke, u) for u in self.matches.forget_rule(rule_id)}

    def rematch(self, user: UserRecord, changed: Iterable[str] | None) -> set[str]:
        """Re-evaluate the rules reading `changed` names (None: all) for a user.

        Return the spokes of every re-evaluated rule that matches the user before or after,
        since a template's item may have changed even where the match did not.
        """
        if changed is None:
            rule_ids: Iterable[str] = self.rules
        else:
            rule_ids = set().union(*(self.reading.get(n, ()) for n in changed))
        spokes: set[str] = set()
        for rule_id in rule_ids:
            rule = self.rules[rule_id]
            if isinstance(rule, QualifiedUser):
                continue
            matched = rule.when.matches(user.attributes)
            was = user.id in self.matches.users(rule_id)
            if matched or was:
                spokes.add(rule.spoke)
            if matched != was:
                self.matches.record(rule_id, user.id, matched)
        return spokes


def _discard(index: dict[str, set[str]], key: str, member: str) -> None:
    members = index.get(key)
    if members is not None:
        members.discard(member)
        if not members:
            del index[key]
