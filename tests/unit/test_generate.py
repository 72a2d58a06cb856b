"""The enterprise generator: deterministic, sized as asked, and valid where it claims to be.

A small checker below replays the lines over the contract's rules (DESIGN sections 4 and 9):
tree shape, SCIM lifecycle, attribute layers and qualified-user scopes, with the core's own
predicate semantics. It sorts each line into ok, invalid (dead-lettered) or rejected (audit).
"""

from __future__ import annotations

import dataclasses
import itertools
import json
import re
import statistics
from collections import Counter
from functools import cache
from pathlib import Path
from typing import Any

import pytest
import yaml

from uam_events.core.rules import Equals, Exists, OneOf, Predicate
from uam_events.core.values import attr_value
from uam_events.generate import (
    EnterpriseShape,
    generate_changes,
    generate_config,
    generate_setup,
    write_enterprise,
)

REFERENCE_CONFIG = Path("/work/shared/examples/config.yaml")
ENT = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
SMALL = EnterpriseShape(
    users=300,
    spokes=4,
    products=400,
    product_depth=5,
    geography=80,
    access_rules=24,
    role_rules=8,
    qualified_users=6,
    explicit_grants=150,
    changes=3_000,
    malformed_fraction=0.03,
)
TIMESTAMP = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")


@cache
def lines(shape: EnterpriseShape, seed: int) -> tuple[tuple[Any, ...], tuple[Any, ...]]:
    """Return (setup, changes) of a shape and seed, generated once per test session."""
    return tuple(generate_setup(shape, seed)), tuple(generate_changes(shape, seed))


def predicate(raw: dict[str, Any] | None) -> Predicate | None:
    """Return the core predicate a policy's JSON spells."""
    if raw is None:
        return None
    clauses: list[Equals | OneOf | Exists] = []
    for name, cond in raw.items():
        if isinstance(cond, dict) and "in" in cond:
            clauses.append(OneOf(name, tuple(cond["in"])))
        elif isinstance(cond, dict):
            clauses.append(Exists(name, bool(cond["exists"])))
        else:
            clauses.append(Equals(name, cond))
    return Predicate(tuple(clauses))


class Checker:
    """Replays lines over a minimal model of the contract and sorts each one."""

    def __init__(self) -> None:
        self.trees: dict[str, dict[str, str | None]] = {"Products": {}, "Geography": {}}
        self.users: dict[str, dict[str, Any]] = {}
        self.scopes: dict[str, dict[str, Any]] = {}
        self.spokes: dict[str, list[str]] = {}
        self.outcomes: Counter[str] = Counter()

    def feed(self, line: dict[str, Any]) -> str:
        """Sort one line and apply it when valid."""
        if "value_b64" in line:
            outcome = "invalid"
        else:
            handler = getattr(self, "_" + line["topic"].replace(".", "_"))
            outcome = handler(line["value"])
        self.outcomes[outcome] += 1
        return outcome

    def _hub_hierarchies(self, v: dict[str, Any]) -> str:
        tree, item = self.trees[v["list"]], v["item"]
        if v["op"] == "delete":
            if item not in tree or item in tree.values():
                return "invalid"
            del tree[item]
            return "ok"
        node = v["parent"]
        if node is not None and node not in tree:
            return "invalid"
        while node is not None:
            if node == item:
                return "invalid"
            node = tree[node]
        tree[item] = v["parent"]
        return "ok"

    def _scim_users(self, v: dict[str, Any]) -> str:
        user = self.users.get(v["id"])
        if v["op"] == "create":
            res = v["resource"]
            scim = {k: res[k] for k in ("userName", "title", "userType")} | res[ENT]
            workspaces = [e["value"] for e in res["entitlements"] if e["type"] == "WORKSPACE"]
            hr = {} if user is None or user["deleted"] else user["hr"]
            self.users[v["id"]] = {"active": res.get("active", True), "deleted": False, "hr": hr}
            self.users[v["id"]] |= {"scim": scim, "workspaces": workspaces}
            return "ok"
        if user is None or user["deleted"]:
            return "invalid"
        if v["op"] == "delete":
            user |= {"deleted": True, "active": False, "hr": {}, "scim": {}}
            return "ok"
        ops = v["patch"]["Operations"]
        if not ops or any(op["op"].lower() not in ("add", "replace", "remove") for op in ops):
            return "invalid"
        for op in ops:
            self._patch(user, op)
        return "ok"

    def _patch(self, user: dict[str, Any], op: dict[str, Any]) -> None:
        path: str | None = op.get("path")
        value: Any = op.get("value")
        if path is None:
            for name, inner in value.items():
                self._patch(user, {"op": "replace", "path": name, "value": inner})
        elif path == "active":
            user["active"] = value in (True, "True", "true")
        elif path == "entitlements":
            user["workspaces"] += [e["value"] for e in value]
        elif path.startswith("entitlements["):
            gone = path.split('"')[1]
            user["workspaces"] = [w for w in user["workspaces"] if w != gone]
        else:
            user["scim"][path.rsplit(":", 1)[-1]] = value

    def _identity_attributes(self, v: dict[str, Any]) -> str:
        user = self.users.setdefault(
            v["user_id"], {"active": False, "deleted": False, "hr": {}, "scim": {}}
        )
        if v["replace"]:
            user["hr"] = {}
        for name, value in v["attributes"].items():
            if value is None:
                user["hr"].pop(name, None)
            else:
                user["hr"][name] = value
        return "ok"

    def _policies(self, v: dict[str, Any]) -> str:
        spokes = v["spokes"] if v["kind"] == "qualified_user" else [v["spoke"]]
        if any(s not in self.spokes for s in spokes):
            return "invalid"
        if v["kind"] == "access_rule" and v["list"] not in self.spokes[v["spoke"]]:
            return "invalid"
        if v["kind"] == "qualified_user":
            self.scopes[v["id"]] = v
        return "ok"

    def _commands(self, v: dict[str, Any]) -> str:
        if v["type"] == "set_access" and v["level"] not in ("none", "read", "write"):
            return "invalid"
        return "ok" if self.allowed(v) else "rejected"

    def attributes(self, user_id: str) -> dict[str, Any]:
        """Return a user's attributes as predicates see them."""
        user = self.users[user_id]
        merged = {**user["scim"], **user["hr"]}
        merged.pop("manager", None)
        return {k: a for k, raw in merged.items() if (a := attr_value(raw)) is not None}

    def allowed(self, cmd: dict[str, Any]) -> bool:
        """Return whether some scope of the actor allows a command on its target."""
        actor, target = self.users.get(cmd["actor"]), self.users.get(cmd["user"])
        if actor is None or target is None or cmd["actor"] == cmd["user"]:
            return False
        if not actor["active"] or actor["deleted"] or target["deleted"]:
            return False
        return any(self._covers(scope, cmd) for scope in self.scopes.values())

    def _covers(self, scope: dict[str, Any], cmd: dict[str, Any]) -> bool:
        if scope["user"] != cmd["actor"] or cmd["spoke"] not in scope["spokes"]:
            return False
        when = predicate(scope["users"])
        if when is not None and not when.matches(self.attributes(cmd["user"])):
            return False
        if cmd["type"] == "copy_access":
            return True
        tree = self.trees[cmd["list"]]
        if cmd["list"] not in self.spokes[cmd["spoke"]] or cmd["item"] not in tree:
            return False
        roots = {e["item"] for e in scope["items"] if e["list"] == cmd["list"]}
        node = cmd["item"]
        while node is not None and node not in roots:
            node = tree[node]
        return node is not None


@cache
def checked(shape: EnterpriseShape, seed: int) -> tuple[Checker, list[str], list[str]]:
    """Return a checker fed with setup and changes, and the outcome of each line."""
    checker = Checker()
    config = yaml.safe_load(generate_config(shape, seed))
    checker.spokes = {s["id"]: [e["hub"] for e in s["lists"]] for s in config["spokes"]}
    setup, changes = lines(shape, seed)
    return checker, [checker.feed(x) for x in setup], [checker.feed(x) for x in changes]


def depth(tree: dict[str, str | None]) -> int:
    """Return the number of levels of a tree, the root included."""
    levels: dict[str | None, int] = {None: 0}
    for item, parent in tree.items():
        levels[item] = levels[parent] + 1
    return max(levels.values())


def test_same_seed_gives_identical_bytes(tmp_path: Path) -> None:
    """Two runs with one seed write byte-identical config and events files."""
    shape = EnterpriseShape.scaled(200)
    for run in ("a", "b"):
        write_enterprise(shape, 11, tmp_path / f"{run}.yaml", tmp_path / f"{run}.jsonl")
    assert (tmp_path / "a.jsonl").read_bytes() == (tmp_path / "b.jsonl").read_bytes()
    assert (tmp_path / "a.yaml").read_bytes() == (tmp_path / "b.yaml").read_bytes()


def test_different_seeds_give_different_enterprises() -> None:
    """Another seed changes the workspaces, the people and the changes."""
    assert lines(SMALL, 1) != lines(SMALL, 2)
    assert generate_config(SMALL, 1) != generate_config(SMALL, 2)


def test_sizes_are_honoured() -> None:
    """Items, users, rules, grants and changes come in exactly the asked numbers."""
    setup, changes = lines(SMALL, 1)
    values = [x["value"] for x in setup]
    hub = Counter(
        v["list"] for x, v in zip(setup, values, strict=True) if x["topic"].startswith("hub")
    )
    kinds = Counter(v.get("kind") or v.get("type") or v.get("op") for v in values)
    assert hub == {"Products": SMALL.products, "Geography": SMALL.geography}
    assert kinds["create"] == SMALL.users + 1  # the integration user comes on top
    assert kinds["access_rule"] == SMALL.access_rules
    assert kinds["role_rule"] == SMALL.role_rules
    assert kinds["qualified_user"] == SMALL.qualified_users
    assert kinds["set_access"] == SMALL.explicit_grants
    assert len(changes) == SMALL.changes


def test_hierarchies_name_parents_first_and_reach_the_depth() -> None:
    """Every setup upsert names a parent written earlier; Products has the asked depth."""
    trees: dict[str, dict[str, str | None]] = {"Products": {}, "Geography": {}}
    for line in lines(SMALL, 1)[0]:
        if line["topic"] == "hub.hierarchies":
            v = line["value"]
            assert v["parent"] is None or v["parent"] in trees[v["list"]]
            trees[v["list"]][v["item"]] = v["parent"]
    assert depth(trees["Products"]) == SMALL.product_depth
    assert depth(trees["Geography"]) == 4
    roots = {name: [i for i, p in tree.items() if p is None] for name, tree in trees.items()}
    assert roots == {"Products": ["TOTAL"], "Geography": ["WORLD"]}


def test_setup_is_entirely_valid() -> None:
    """The checker accepts every setup line, commands included."""
    _checker, setup, _changes = checked(SMALL, 1)
    assert Counter(setup) == {"ok": len(setup)}


def test_setup_grants_come_from_qualified_users_inside_scope() -> None:
    """Each setup set_access names a qualified actor, another user, and read or write."""
    setup = lines(SMALL, 1)[0]
    actors = {x["value"]["user"] for x in setup if x["value"].get("kind") == "qualified_user"}
    commands = [x for x in setup if x["topic"] == "commands"]
    assert {c["value"]["actor"] for c in commands} <= actors
    assert all(c["key"] == c["value"]["user"] != c["value"]["actor"] for c in commands)
    assert {c["value"]["level"] for c in commands} == {"read", "write"}
    ids = [c["value"]["command_id"] for c in commands]
    assert len(set(ids)) == len(ids)


def test_without_malformed_lines_every_change_is_valid() -> None:
    """With malformed_fraction 0, no change is dead-lettered: moves keep the trees trees."""
    shape = EnterpriseShape.scaled(200)
    clean = dataclasses.replace(shape, malformed_fraction=0.0)
    _checker, _setup, changes = checked(clean, 5)
    assert Counter(changes)["invalid"] == 0


def test_malformed_fraction_is_roughly_honoured() -> None:
    """About malformed_fraction of the changes are dead-lettered, in several shapes."""
    _checker, _setup, outcomes = checked(SMALL, 1)
    invalid = [x for x, o in zip(lines(SMALL, 1)[1], outcomes, strict=True) if o == "invalid"]
    expected = SMALL.changes * SMALL.malformed_fraction
    assert abs(len(invalid) - expected) < 4 * expected**0.5
    assert {x["topic"] for x in invalid} == {
        "scim.users", "identity.attributes", "hub.hierarchies", "policies", "commands"
    }  # fmt: skip
    assert any("value_b64" in x for x in invalid)


def test_commands_in_changes_are_mostly_allowed() -> None:
    """Most change commands pass the scope check; some fall outside it on purpose."""
    _checker, _setup, outcomes = checked(SMALL, 1)
    changes = lines(SMALL, 1)[1]
    sorted_ = Counter(o for x, o in zip(changes, outcomes, strict=True) if x["topic"] == "commands")
    total = sum(sorted_.values())
    assert 0.12 * SMALL.changes < total < 0.3 * SMALL.changes
    assert 0.03 < sorted_["rejected"] / total < 0.25
    types = Counter(x["value"].get("type") for x in changes if x["topic"] == "commands")
    assert types["copy_access"] > 0.05 * total


def test_change_mix_is_realistic() -> None:
    """Identity, SCIM, hierarchy and command lines come in about the asked shares."""
    changes = lines(SMALL, 1)[1]
    share = {t: n / len(changes) for t, n in Counter(x["topic"] for x in changes).items()}
    assert 0.30 < share["identity.attributes"] < 0.45
    assert 0.25 < share["scim.users"] < 0.40
    assert 0.07 < share["hub.hierarchies"] < 0.14
    assert 0.15 < share["commands"] < 0.27
    ops = Counter(
        op["op"] for x in changes if "value" in x and x["value"].get("op") == "patch"
        for op in x["value"]["patch"]["Operations"]
    )  # fmt: skip
    assert {"Replace", "replace", "Add", "Remove", "move"} <= set(ops)


def test_timestamps_start_on_time_and_increase() -> None:
    """Timestamps start at 2026-11-20T00:00:00.000Z and strictly increase through changes."""
    setup, changes = lines(SMALL, 1)
    stamps = [x["timestamp"] for x in (*setup, *changes)]
    assert stamps[0] == "2026-11-20T00:00:00.000Z"
    assert all(TIMESTAMP.match(s) for s in stamps)
    assert all(a < b for a, b in itertools.pairwise(stamps))


def test_scaled_200_is_small_and_complete() -> None:
    """scaled(200) is a few thousand lines that still hold every topic and rule kind."""
    shape = EnterpriseShape.scaled(200)
    setup, changes = lines(shape, 3)
    assert len(setup) + len(changes) < 5_000
    assert shape.spokes >= 3
    assert shape.qualified_users >= 2
    assert {x["topic"] for x in setup} == {x["topic"] for x in changes} == {
        "scim.users", "identity.attributes", "hub.hierarchies", "policies", "commands"
    }  # fmt: skip
    kinds = {x["value"]["kind"] for x in setup if x["topic"] == "policies"}
    assert kinds == {"access_rule", "role_rule", "qualified_user"}


def test_default_shape_is_the_benchmark_and_scaled_is_proportional() -> None:
    """The defaults are the benchmark's size, and scaled(10_000) gives exactly them."""
    assert EnterpriseShape.scaled(10_000) == EnterpriseShape()
    big = EnterpriseShape.scaled(40_000)
    assert (big.products, big.changes, big.explicit_grants) == (80_000, 400_000, 20_000)


def test_invalid_shapes_are_refused() -> None:
    """A shape without users or with a malformed fraction above 1 is refused."""
    with pytest.raises(ValueError, match="users"):
        EnterpriseShape(users=0)
    with pytest.raises(ValueError, match="malformed_fraction"):
        EnterpriseShape(malformed_fraction=1.5)


def test_config_parses_like_the_reference_and_matches_the_events() -> None:
    """The YAML loads, has the reference's keys, and names the workspaces users belong to."""
    reference = yaml.safe_load(REFERENCE_CONFIG.read_text(encoding="utf-8"))
    config = yaml.safe_load(generate_config(SMALL, 1))
    assert config.keys() == reference.keys()
    assert config["anaplan"].keys() == reference["anaplan"].keys()
    required = set(reference["spokes"][1])
    assert all(required <= spoke.keys() for spoke in config["spokes"])
    assert all(re.fullmatch(r"[0-9a-f]{32}", s["workspace_id"]) for s in config["spokes"])
    assert len({s["id"] for s in config["spokes"]}) == SMALL.spokes
    assert all(
        {e["hub"] for e in s["lists"]} <= {"Products", "Geography"} for s in config["spokes"]
    )
    checker, _setup, _changes = checked(SMALL, 1)
    spaces = {s["workspace_id"] for s in config["spokes"]}
    used = {w for user in checker.users.values() for w in user.get("workspaces", [])}
    assert used == spaces
    email = config["anaplan"]["auth"]["user"]
    integration = [u for u in checker.users.values() if u["scim"].get("userName") == email]
    assert len(integration) == 1
    assert set(integration[0]["workspaces"]) == spaces


def test_access_rules_are_selective() -> None:
    """A typical rule matches a few percent of users at most; a handful a whole department."""
    checker, _setup, _changes = checked(SMALL, 1)
    people = [u for u in checker.users if u != "u-integration"]
    attributes = [checker.attributes(u) for u in people]
    rules = [x["value"] for x in lines(SMALL, 1)[0] if x["value"].get("kind") == "access_rule"]
    shares = []
    for rule in rules:
        when = predicate(rule["when"])
        assert when is not None
        shares.append(sum(when.matches(a) for a in attributes) / len(people))
    assert 0.003 < statistics.median(shares) < 0.05
    assert sum(s > 0.08 for s in shares) <= SMALL.spokes + 2


def test_lines_are_written_in_the_replay_format(tmp_path: Path) -> None:
    """Each line is compact UTF-8 JSON with topic, key, value or value_b64, then timestamp."""
    events = tmp_path / "events.jsonl"
    write_enterprise(EnterpriseShape.scaled(200), 4, tmp_path / "c.yaml", events)
    text = events.read_text(encoding="utf-8")
    assert text.endswith("\n")
    assert "\r" not in text
    assert "ü" in text
    for raw in text.splitlines():
        line = json.loads(raw)
        assert list(line) in (
            ["topic", "key", "value", "timestamp"], ["topic", "key", "value_b64", "timestamp"]
        )  # fmt: skip
        assert raw == json.dumps(line, ensure_ascii=False, separators=(", ", ": "))
