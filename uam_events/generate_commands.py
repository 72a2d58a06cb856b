"""Generated commands and malformed lines: what qualified users ask for, and what breaks.

Invariant: allowed commands are checked against the scope as it stands when they are written;
commands outside scope and malformed lines never change the enterprise picture, because the
product rejects or dead-letters them.
"""

from __future__ import annotations

import base64
import json
import random

from uam_events.generate_changes import line, patch
from uam_events.generate_model import Enterprise, JsonDict, Person, Scope, matches
from uam_events.generate_people import DEPARTMENT, identity_value
from uam_events.generate_policies import pick_scope_item, pick_target, sample_person, set_access


class Commands:
    """Writes set_access and copy_access commands, mostly allowed, some outside scope."""

    def __init__(self, ent: Enterprise, rng: random.Random, weights: list[float]) -> None:
        self.ent, self.rng, self.weights = ent, rng, weights

    def scope(self) -> Scope:
        """Return a qualified user's scope, the busy ones more often."""
        return self.rng.choices(self.ent.scopes, weights=self.weights)[0]

    def command(self, at: str) -> JsonDict | None:
        """State a command: an allowed set_access, a copy_access, or one outside scope."""
        if not self.ent.scopes:
            return None
        roll = self.rng.random()
        if roll < 0.72:
            value = self.allowed_set(self.scope())
        elif roll < 0.87:
            value = self.copy(self.scope())
        else:
            value = self.outside_scope(self.scope())
        return None if value is None else line("commands", value["user"], value)

    def allowed_set(self, scope: Scope) -> JsonDict | None:
        """Return a set_access inside scope; a quarter of the time it removes a grant."""
        target = pick_target(self.ent, scope, self.rng)
        if target is None:
            return None
        held = [k for k in self.ent.grants.get(target.id, {}) if self.covers(scope, k)]
        if held and self.rng.random() < 0.25:
            spoke, hub, item = held[self.rng.randrange(len(held))]
            level = "none"
        else:
            spoke, hub, root = pick_scope_item(self.ent, scope, target, self.rng)
            item = self.ent.trees[hub].sample_below(root, self.rng)
            level = "write" if self.rng.random() < 0.4 else "read"
        return set_access(
            self.ent,
            actor=scope.actor,
            user=target.id,
            spoke=spoke,
            hub=hub,
            item=item,
            level=level,
        )

    def covers(self, scope: Scope, grant: tuple[str, str, str]) -> bool:
        """Return whether a scope covers a (spoke, list, item) that still exists."""
        spoke, hub, item = grant
        tree = self.ent.trees[hub]
        if spoke not in scope.rule["spokes"] or item not in tree.parent:
            return False
        roots = [e["item"] for e in scope.rule["items"] if e["list"] == hub]
        return any(tree.within(item, root) for root in roots)

    def copy(self, scope: Scope) -> JsonDict | None:
        """Return a copy_access from a colleague of the target (skipped items are audited)."""
        target = pick_target(self.ent, scope, self.rng)
        if target is None:
            return None
        source = sample_person(self.ent, self.rng, (target.department,))
        if source.id == target.id:
            return None
        spoke, hub, _root = pick_scope_item(self.ent, scope, target, self.rng)
        roll = self.rng.random()
        lists = None if roll < 0.5 else [hub] if roll < 0.95 else []
        return {
            "command_id": self.ent.next_command_id(),
            "type": "copy_access",
            "actor": scope.actor,
            "source": source.id,
            "user": target.id,
            "spoke": spoke,
            "lists": lists,
            "mode": "replace" if self.rng.random() < 0.2 else "merge",
        }

    def outside_scope(self, scope: Scope) -> JsonDict | None:
        """Return a well-formed set_access the product must reject on the audit topic."""
        ent, rng = self.ent, self.rng
        target = pick_target(ent, scope, rng)
        if target is None:
            return None
        spoke, hub, root = pick_scope_item(ent, scope, target, rng)
        item = ent.trees[hub].sample_below(root, rng)
        actor, user, roll = scope.actor, target.id, rng.random()
        if roll < 0.2:
            user = actor
        elif roll < 0.45:
            outside = self._item_outside(scope, hub)
            item, user = (outside, user) if outside else (item, actor)
        elif roll < 0.65 and scope.rule["users"] is not None:
            user = self._non_matching(scope) or actor
        elif roll < 0.8:
            actor = sample_person(ent, rng).id
            user = actor if actor in ent.actors else user
        else:
            user = f"u-x{rng.randrange(10**6):06d}"
        level = rng.choice(("read", "write"))
        return set_access(
            ent, actor=actor, user=user, spoke=spoke, hub=hub, item=item, level=level, record=False
        )

    def _item_outside(self, scope: Scope, hub: str) -> str | None:
        """Return an item of a list that no subtree of the scope holds."""
        tree = self.ent.trees[hub]
        roots = [e["item"] for e in scope.rule["items"] if e["list"] == hub]
        for _ in range(10):
            item = tree.levels[self.rng.randrange(tree.depth)].choice(self.rng)
            if not any(tree.within(item, root) for root in roots):
                return item
        return None

    def _non_matching(self, scope: Scope) -> str | None:
        """Return a live person the scope's target predicate does not match."""
        for _ in range(10):
            p = sample_person(self.ent, self.rng)
            if p.id != scope.actor and not matches(scope.rule["users"], p.attributes()):
                return p.id
        return None


class Malformed:
    """Writes lines the product must dead-letter, in the shapes real feeds break."""

    def __init__(self, ent: Enterprise, rng: random.Random) -> None:
        self.ent, self.rng = ent, rng
        self.legacy = 0

    def line(self, at: str) -> JsonDict:
        """Return one malformed or invalid line of a randomly chosen kind."""
        kinds = (self.truncated, self.bad_bytes, self.patch_move, self.empty_patch,
                 self.hub_cycle, self.hub_orphan, self.unknown_spoke, self.bad_level)  # fmt: skip
        return kinds[self.rng.randrange(len(kinds))](at, sample_person(self.ent, self.rng))

    def truncated(self, at: str, p: Person) -> JsonDict:
        """Return an identity value cut short, as a broken producer would send it."""
        value = identity_value(p, at) | {"attributes": {"region": p.country or "WORLD"}}
        raw = json.dumps(value, ensure_ascii=False).encode()
        cut = self.rng.randrange(10, len(raw) - 2)
        return self.raw("identity.attributes", p.id, raw[:cut])

    def bad_bytes(self, at: str, p: Person) -> JsonDict:
        """Return a SCIM line whose bytes are not UTF-8."""
        raw = b'\xff\xfe{"op": "delete", "id": "' + p.id.encode() + b'"}'
        return self.raw("scim.users", p.id, raw)

    def patch_move(self, at: str, p: Person) -> JsonDict:
        """Return a PatchOp with a valid op and an op `move`: all of it is dead-lettered."""
        title = self.rng.choice(DEPARTMENT[p.department][4])
        ops = [{"op": "Replace", "path": "title", "value": title}]
        return patch(p.id, [*ops, {"op": "move", "path": "title", "value": title}])

    def empty_patch(self, at: str, p: Person) -> JsonDict:
        """Return a PatchOp with no operations."""
        return patch(p.id, [])

    def hub_cycle(self, at: str, p: Person) -> JsonDict:
        """Return a move of an item under its own descendant."""
        tree = self.ent.trees["Products"]
        if tree.depth < 3:
            return self.hub_orphan(at, p)
        item = tree.levels[self.rng.randrange(1, tree.depth - 1)].choice(self.rng)
        kids = tree.children[item]
        if not kids:
            return self.hub_orphan(at, p)
        below = tree.sample_below(kids[self.rng.randrange(len(kids))], self.rng)
        return line("hub.hierarchies", "Products", tree.upsert(item) | {"parent": below})

    def hub_orphan(self, at: str, p: Person) -> JsonDict:
        """Return an upsert naming a parent the list does not hold."""
        tree = self.ent.trees["Geography" if self.rng.random() < 0.5 else "Products"]
        item = tree.levels[-1].choice(self.rng)
        value = tree.upsert(item) | {"parent": f"{item}-MISSING"}
        return line("hub.hierarchies", tree.list_name, value)

    def unknown_spoke(self, at: str, p: Person) -> JsonDict:
        """Return an access rule for a spoke the configuration does not have."""
        self.legacy += 1
        rule_id = f"r-legacy-{self.legacy:04d}"
        value = {
            "kind": "access_rule",
            "id": rule_id,
            "spoke": "emea-legacy",
            "list": "Geography",
            "when": {"department": p.department},
            "grant": {"item": "{region}", "level": "read"},
        }
        return line("policies", rule_id, value)

    def bad_level(self, at: str, p: Person) -> JsonDict:
        """Return a set_access whose level is not none, read or write."""
        scope = (
            self.ent.scopes[self.rng.randrange(len(self.ent.scopes))] if self.ent.scopes else None
        )
        actor = scope.actor if scope else self.ent.integration_id
        value = {
            "command_id": self.ent.next_command_id(),
            "type": "set_access",
            "actor": actor,
            "user": p.id,
            "spoke": self.ent.spokes[0].id,
            "list": self.ent.spokes[0].lists[0],
            "item": self.ent.trees[self.ent.spokes[0].lists[0]].levels[0].choice(self.rng),
            "level": self.rng.choice(("admin", "owner", "full")),
        }
        return line("commands", p.id, value)

    @staticmethod
    def raw(topic: str, key: str, data: bytes) -> JsonDict:
        """Return a line carrying raw bytes."""
        return {"topic": topic, "key": key, "value_b64": base64.b64encode(data).decode()}
