"""Generated changes after the setup: HR updates, SCIM patches, leavers and joiners, Data Hub
updates, rule edits and qualified users' commands, in a realistic mix.

Invariant: each method states one change and applies it to the enterprise picture in the same
step, so every later line is generated against the state the product will hold.
"""

from __future__ import annotations

import random

from uam_events.generate_model import Enterprise, JsonDict, Person, Pool, Scope
from uam_events.generate_people import (
    DEPARTMENT,
    DEPARTMENTS,
    ENTERPRISE,
    FAMILY,
    People,
    create_value,
    families,
    identity_value,
)
from uam_events.generate_policies import mid_item, sample_person

PATCH_OP = "urn:ietf:params:scim:api:messages:2.0:PatchOp"


def line(topic: str, key: str, value: object) -> JsonDict:
    """Return a replay line without its timestamp."""
    return {"topic": topic, "key": key, "value": value}


def patch(person_id: str, operations: list[JsonDict]) -> JsonDict:
    """Return a scim.users line carrying a plain SCIM PatchOp."""
    body = {"schemas": [PATCH_OP], "Operations": operations}
    return line("scim.users", person_id, {"op": "patch", "id": person_id, "patch": body})


class Changes:
    """Writes valid changes one line at a time; commands live in `generate_commands`."""

    def __init__(self, ent: Enterprise, people: People, rng: random.Random, last_user: int) -> None:
        self.ent, self.people, self.rng = ent, people, rng
        self.pending: list[tuple[Person, JsonDict]] = []
        self.inactive = Pool(p.id for p in ent.people if not p.active and not p.deleted)
        self.tombstones = Pool(p.id for p in ent.people if p.deleted)
        self.next_user = last_user
        self.next_product = len(ent.trees["Products"])

    def live(self, active: bool | None = None, protect: bool = False) -> Person:
        """Return a random present person (optionally of an activity, optionally no actor)."""
        rng, people = self.rng, self.ent.people
        banned = self.ent.actors if protect else {}
        for _ in range(50):
            p = people[rng.randrange(len(people))]
            ok = not p.deleted and p.id != self.ent.integration_id and p.id not in banned
            if ok and (active is None or p.active is active):
                return p
        return sample_person(self.ent, rng)

    def identity(self, at: str) -> JsonDict:
        """State an HR change: onboarding, relocation, segment, grade, or a full replace."""
        rng = self.rng
        if self.pending and rng.random() < 0.7:
            person, hr = self.pending.pop(0)
            if not person.deleted:
                person.hr = hr
                return line("identity.attributes", person.id, identity_value(person, at))
        p = self.live()
        roll, replace = rng.random(), False
        if roll < 0.4:
            changed = self._relocate(p)
        elif roll < 0.6:
            changed = self._resegment(p)
        elif roll < 0.9:
            grade = int(p.hr.get("level", 3))
            changed = {"level": max(1, min(9, grade + (1 if rng.random() < 0.85 else -1)))}
        else:
            qualified = p.hr.get("qualified")
            changed = self.people.hr_attributes(p, int(p.hr.get("level", 3)))
            changed |= {"qualified": True} if qualified else {}
            p.hr, replace = {}, True
        p.hr.update({k: v for k, v in changed.items() if v is not None})
        for name in [k for k, v in changed.items() if v is None]:
            p.hr.pop(name, None)
        value = {"user_id": p.id, "attributes": changed, "replace": replace, "at": at}
        value["source"] = "workday" if rng.random() < 0.3 else "hr"
        return line("identity.attributes", p.id, value)

    def _relocate(self, p: Person) -> JsonDict:
        """Move a person to another country, mostly in the same region."""
        geo, rng = self.ent.trees["Geography"], self.rng
        region = geo.parent.get(p.country)
        siblings = geo.children.get(region or "", [])
        if siblings and rng.random() < 0.7:
            p.country = siblings[rng.randrange(len(siblings))]
        else:
            p.country = rng.choice(self.people.countries)
        return {"region": self.people.region_value(p.country)}

    def _resegment(self, p: Person) -> JsonDict:
        """Change, widen or drop a person's product segment."""
        rng, codes = self.rng, families(self.ent.trees["Products"])
        if "segment" in p.hr and rng.random() < 0.15:
            return {"segment": None}
        segment = rng.choice(codes)
        if rng.random() < 0.15 and isinstance(p.hr.get("segment"), str):
            return {"segment": list(dict.fromkeys([p.hr["segment"], segment]))}
        return {"segment": segment}

    def scim_patch(self, at: str) -> JsonDict:
        """State an Entra or Okta style PATCH: title, transfer, manager, name or workspaces."""
        p, roll = self.live(), self.rng.random()
        if roll < 0.3:
            p.title = self.rng.choice(DEPARTMENT[p.department][4])
            return patch(p.id, [{"op": "Replace", "path": "title", "value": p.title}])
        if roll < 0.5:
            return patch(p.id, self._transfer(p))
        if roll < 0.65:
            bosses = self.people.managers.get(p.department) or [p.id]
            p.manager = self.rng.choice(bosses)
            return patch(
                p.id, [{"op": "Replace", "path": f"{ENTERPRISE}:manager", "value": p.manager}]
            )
        if roll < 0.75:
            p.family = self.rng.choice(FAMILY)
            return patch(
                p.id,
                [
                    {"op": "Replace", "path": "name.familyName", "value": p.family},
                    {"op": "Replace", "path": "displayName", "value": f"{p.given} {p.family}"},
                ],
            )
        if roll < 0.95:
            return patch(p.id, [self._membership(p)])
        p.title = self.rng.choice(DEPARTMENT[p.department][4])
        return patch(p.id, [{"op": "replace", "value": {"title": p.title}}])

    def _transfer(self, p: Person) -> list[JsonDict]:
        """Move a person to another department: department, cost centre, division and title."""
        dept = self.rng.choice([d for d in DEPARTMENTS if d[0] != p.department])
        p.department, p.division, p.title = dept[0], dept[3], self.rng.choice(dept[4])
        p.cost_center = self.people.cost_center(dept[0], p.country)
        return [
            {"op": "Replace", "path": f"{ENTERPRISE}:department", "value": p.department},
            {"op": "Replace", "path": f"{ENTERPRISE}:costCenter", "value": p.cost_center},
            {"op": "Replace", "path": f"{ENTERPRISE}:division", "value": p.division},
            {"op": "Replace", "path": "title", "value": p.title},
        ]

    def _membership(self, p: Person) -> JsonDict:
        """Add a workspace entitlement, or remove one by a value filter."""
        ws = {s.id: s.workspace_id for s in self.ent.spokes}
        others = [s for s in ws if s not in p.workspaces]
        if p.workspaces and (not others or self.rng.random() < 0.4):
            gone = p.workspaces.pop(self.rng.randrange(len(p.workspaces)))
            return {"op": "Remove", "path": f'entitlements[value eq "{ws[gone]}"]'}
        joined = self.rng.choice(others)
        p.workspaces.append(joined)
        value = [{"value": ws[joined], "type": "WORKSPACE"}]
        return {"op": "Add", "path": "entitlements", "value": value}

    def activation(self, at: str) -> JsonDict:
        """Deactivate an active person or reactivate an inactive one, in several dialects."""
        rng = self.rng
        if self.inactive and rng.random() < 0.3:
            p = self.ent.by_id[self.inactive.choice(rng)]
            p.active = True
            self.inactive.discard(p.id)
        else:
            p = self.live(active=True, protect=True)
            p.active = False
            self.inactive.add(p.id)
        form: float = rng.random()
        op: JsonDict
        if form < 0.5:
            op = {"op": "Replace", "path": "active", "value": str(p.active)}
        elif form < 0.8:
            op = {"op": "replace", "value": {"active": p.active}}
        else:
            op = {"op": "replace", "path": "active", "value": p.active}
        return patch(p.id, [op])

    def lifecycle(self, at: str) -> JsonDict:
        """Delete a leaver, hire a new person, or rehire a former one (a create on a tombstone)."""
        roll = self.rng.random()
        if roll < 0.4:
            p = self.live(protect=True)
            p.deleted, p.active, p.hr = True, False, {}
            self.inactive.discard(p.id)
            self.tombstones.add(p.id)
            self.ent.grants.pop(p.id, None)
            return line("scim.users", p.id, {"op": "delete", "id": p.id})
        if roll < 0.9 or not self.tombstones:
            self.next_user += 1
            p = self.people.make(f"u-{self.next_user:06d}")
            self.ent.add_person(p)
            for scope in self.ent.scopes:
                scope.candidates.append(p.id)
        else:
            p = self.ent.by_id[self.tombstones.choice(self.rng)]
            self.tombstones.discard(p.id)
            p.deleted, p.active = False, True
            p.hr = self.people.hr_attributes(p, 3)
        if p.hr:
            self.pending.append((p, p.hr))
        p.hr = {}
        return line("scim.users", p.id, create_value(p, self.ent.spokes))

    def hierarchy(self, at: str) -> JsonDict:
        """State a Data Hub update: move a low item, add an item, rename one, delete a leaf."""
        tree = self.ent.trees["Products" if self.rng.random() < 0.75 else "Geography"]
        roll = self.rng.random()
        if roll < 0.5 and tree.depth >= 3:
            low = tree.depth if self.rng.random() < 0.8 else tree.depth - 1
            item = tree.levels[low - 1].choice(self.rng)
            parent = tree.levels[low - 2].choice(self.rng)
            if parent != tree.parent[item]:
                tree.move(item, parent)
                return line("hub.hierarchies", tree.list_name, tree.upsert(item))
        if roll < 0.8 and tree.depth >= 2:
            parent = tree.levels[-2].choice(self.rng)
            item = self._new_code(tree.list_name, parent)
            tree.add(item, parent, f"{tree.name[parent]} {len(tree.children[parent]) + 1}")
            return line("hub.hierarchies", tree.list_name, tree.upsert(item))
        leaf = tree.levels[-1].choice(self.rng)
        key = (tree.list_name, leaf)
        if roll < 0.9 or len(tree) < 3 or key in self.ent.protected_items:
            tree.name[leaf] = f"{tree.name[leaf].split(' v')[0]} v{self.rng.randint(2, 9)}"
            return line("hub.hierarchies", tree.list_name, tree.upsert(leaf))
        tree.remove(leaf)
        value = {"list": tree.list_name, "op": "delete", "item": leaf}
        return line("hub.hierarchies", tree.list_name, value)

    def _new_code(self, hub: str, parent: str) -> str:
        """Return an unused code: the next product number, or the next site of a country."""
        tree = self.ent.trees[hub]
        n = len(tree.children[parent])
        while True:
            if hub == "Products":
                self.next_product += 1
                code = f"P-{self.next_product:06d}"
            else:
                n += 1
                code = f"{parent}-{n:03d}"
            if code not in tree.parent:
                return code

    def rule_edit(self, at: str) -> JsonDict | None:
        """Upsert an existing rule with a changed level, item, predicate, priority or role."""
        ent, rng = self.ent, self.rng
        if ent.access_rules and (rng.random() < 0.7 or not ent.role_rules):
            n = rng.randrange(len(ent.access_rules))
            rule = edit_access_rule(ent, ent.access_rules[n], rng)
            ent.access_rules[n] = rule
        elif ent.role_rules:
            n = rng.randrange(len(ent.role_rules))
            rule = dict(ent.role_rules[n])
            if rng.random() < 0.5:
                rule["priority"] = int(rule["priority"]) + rng.choice((-5, 5, 10))
            else:
                rule["role"] = rng.choice(ent.spoke(rule["spoke"]).roles)
            ent.role_rules[n] = rule
        else:
            return None
        return line("policies", rule["id"], rule)


def edit_access_rule(ent: Enterprise, old: JsonDict, rng: random.Random) -> JsonDict:
    """Return an access rule with its level, literal item or one predicate value changed."""
    rule = {**old, "when": dict(old["when"]), "grant": dict(old["grant"])}
    roll = rng.random()
    if roll < 0.4:
        rule["grant"]["level"] = "read" if old["grant"]["level"] == "write" else "write"
    elif roll < 0.7 and "{" not in old["grant"]["item"]:
        rule["grant"]["item"] = mid_item(ent, rule["list"], rng)
        ent.protected_items[(rule["list"], rule["grant"]["item"])] = None
    else:
        name = next(iter(rule["when"]), "department")
        value = sample_person(ent, rng).attributes().get(name)
        if value is not None and not isinstance(rule["when"].get(name), dict):
            rule["when"][name] = rng.choice(value) if isinstance(value, list) else value
        else:
            rule["when"]["department"] = rng.choice(DEPARTMENTS)[0]
    return rule


def scope_weights(scopes: list[Scope], rng: random.Random) -> list[float]:
    """Return how busy each qualified user is: a few set most of the grants."""
    return [rng.paretovariate(1.5) for _ in scopes]
