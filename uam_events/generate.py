"""Seeded, realistic enterprises in replay format: a config, a setup and a stream of changes.

Invariant: the output depends on the shape and the seed only. Every random choice comes from a
`random.Random` seeded by (seed, stream name), every collection iterates in insertion order, and
timestamps come from a counter, so one seed always yields byte-identical files.
"""

from __future__ import annotations

import itertools
import json
import random
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from uam_events.generate_changes import Changes, line, scope_weights
from uam_events.generate_commands import Commands, Malformed
from uam_events.generate_hierarchy import (
    build_geography,
    build_products,
    geography_depth,
    level_counts,
)
from uam_events.generate_model import Enterprise, JsonDict, Person
from uam_events.generate_people import People, create_value, identity_value, integration_user
from uam_events.generate_policies import access_rule, build_scope, in_scope_grant, role_rule
from uam_events.generate_spokes import INTEGRATION_EMAIL, build_spokes, config_text

START = datetime(2026, 11, 20, tzinfo=UTC)
# Weights of the valid change kinds, in percent of all change lines.
CHANGE_MIX = {"identity": 35, "scim": 20, "activation": 8, "lifecycle": 3, "hierarchy": 10,
              "rules": 0.3, "commands": 20}  # fmt: skip


@dataclass(frozen=True)
class EnterpriseShape:
    """How big a generated enterprise is; the defaults are the benchmark's size.

    `users` counts people; the integration user comes on top. `product_depth` counts levels,
    TOTAL included. `explicit_grants` counts the setup's set_access commands.
    """

    users: int = 10_000
    spokes: int = 3
    products: int = 20_000
    product_depth: int = 5
    geography: int = 500
    access_rules: int = 200
    role_rules: int = 50
    qualified_users: int = 20
    explicit_grants: int = 5_000
    changes: int = 100_000
    malformed_fraction: float = 0.02

    def __post_init__(self) -> None:
        if min(self.users, self.spokes, self.products, self.product_depth) < 1:
            raise ValueError("users, spokes, products and product_depth must be at least 1")
        if not 0.0 <= self.malformed_fraction <= 1.0:
            raise ValueError("malformed_fraction must lie between 0 and 1")

    @classmethod
    def scaled(cls, users: int) -> EnterpriseShape:
        """Return a shape with every size in the default's proportion to `users`.

        Floors keep a small shape complete: at least 3 spokes, a few rules of each kind and a
        few qualified users, so that `scaled(200)` exercises every event kind.
        """
        f = max(1, users) / 10_000
        return cls(
            users=max(1, users),
            spokes=max(3, min(12, round(3 * f**0.25))),
            products=max(60, round(20_000 * f)),
            geography=max(40, round(500 * f)),
            access_rules=max(12, round(200 * f)),
            role_rules=max(6, round(50 * f)),
            qualified_users=max(4, round(20 * f)),
            explicit_grants=max(20, round(5_000 * f)),
            changes=max(200, round(100_000 * f)),
        )


def generate_config(shape: EnterpriseShape, seed: int) -> str:
    """Return the YAML configuration of the enterprise `generate_setup` builds."""
    spokes = build_spokes(shape.spokes, _rng(seed, "spokes"))
    depths = {
        "Products": len(level_counts(shape.products, shape.product_depth)),
        "Geography": geography_depth(shape.geography),
    }
    return config_text(spokes, depths, seed, shape.users)


def generate_setup(shape: EnterpriseShape, seed: int) -> Iterator[JsonDict]:
    """Yield the replay lines that build the enterprise: lists, users, HR, policies, grants."""
    yield from _Run(shape, seed).setup()


def generate_changes(shape: EnterpriseShape, seed: int) -> Iterator[JsonDict]:
    """Yield `shape.changes` change lines that follow `generate_setup(shape, seed)`."""
    run = _Run(shape, seed)
    for _ in run.setup():
        pass
    yield from run.changes()


def write_enterprise(
    shape: EnterpriseShape,
    seed: int,
    config_path: Path,
    events_path: Path,
    include_changes: bool = True,
) -> None:
    """Write the config and the events file (setup, then changes unless left out)."""
    config_path.write_text(generate_config(shape, seed), encoding="utf-8", newline="\n")
    run = _Run(shape, seed)
    lines = itertools.chain(run.setup(), run.changes() if include_changes else ())
    with events_path.open("w", encoding="utf-8", newline="\n") as out:
        chunk: list[str] = []
        for entry in lines:
            chunk.append(dump_line(entry))
            if len(chunk) == 4096:
                out.write("\n".join(chunk) + "\n")
                chunk.clear()
        if chunk:
            out.write("\n".join(chunk) + "\n")


def dump_line(entry: JsonDict) -> str:
    """Return a replay line as the events file spells it."""
    return json.dumps(entry, ensure_ascii=False, separators=(", ", ": "))


def _rng(seed: int, stream: str) -> random.Random:
    """Return the random stream `stream` of a seed (string seeds hash with SHA-512: stable)."""
    return random.Random(f"{seed}:{stream}")


class _Clock:
    """Strictly increasing timestamps from 2026-11-20T00:00:00.000Z, a few ms apart."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.ms = -1

    def tick(self, low: int, high: int) -> str:
        """Advance by low..high ms (the first tick lands on the start) and return the time."""
        self.ms = 0 if self.ms < 0 else self.ms + self.rng.randint(low, high)
        at = START + timedelta(milliseconds=self.ms)
        return f"{at:%Y-%m-%dT%H:%M:%S}.{at.microsecond // 1000:03d}Z"


class _Run:
    """One generation: the enterprise picture, its clock, and the lines in order."""

    def __init__(self, shape: EnterpriseShape, seed: int) -> None:
        self.shape, self.seed = shape, seed
        self.clock = _Clock(_rng(seed, "clock"))
        trees = {
            "Products": build_products(shape.products, shape.product_depth, _rng(seed, "products")),
            "Geography": build_geography(shape.geography, _rng(seed, "geography")),
        }
        self.ent = Enterprise(spokes=build_spokes(shape.spokes, _rng(seed, "spokes")), trees=trees)
        self.people = People(self.ent, _rng(seed, "people"))
        self.ent.add_person(integration_user(self.ent.spokes, INTEGRATION_EMAIL))
        for n in range(1, shape.users + 1):
            self.ent.add_person(self.people.make(f"u-{n:06d}"))
        self.weights = self._policies(_rng(seed, "policies"))

    def _policies(self, rng: random.Random) -> list[float]:
        """Build rules and scopes; return how busy each qualified user is."""
        ent, spokes = self.ent, self.ent.spokes
        for i in range(self.shape.access_rules):
            ent.access_rules.append(
                access_rule(ent, spokes[i % len(spokes)], i // len(spokes), rng)
            )
        for i in range(self.shape.role_rules):
            ent.role_rules.append(role_rule(ent, spokes[i % len(spokes)], i // len(spokes), rng))
        for actor in _pick_actors(ent.people[1:], self.shape.qualified_users, rng):
            ent.scopes.append(build_scope(ent, actor, rng))
        return scope_weights(ent.scopes, rng)

    def _stamp(self, entry: JsonDict, at: str) -> JsonDict:
        """Give a line its timestamp, which goes last."""
        entry["timestamp"] = at
        return entry

    def setup(self) -> Iterator[JsonDict]:
        """Yield the setup lines, parents before children and rules before grants."""
        ent, tick = self.ent, self.clock.tick
        for tree in ent.trees.values():
            for item in list(tree.parent):
                yield self._stamp(
                    line("hub.hierarchies", tree.list_name, tree.upsert(item)), tick(1, 3)
                )
        for person in ent.people:
            yield self._stamp(
                line("scim.users", person.id, create_value(person, ent.spokes)), tick(1, 3)
            )
        for person in ent.people:
            if person.hr:
                at = tick(1, 3)
                yield self._stamp(
                    line("identity.attributes", person.id, identity_value(person, at)), at
                )
        rules: list[Any] = [*ent.access_rules, *ent.role_rules, *(s.rule for s in ent.scopes)]
        for rule in rules:
            yield self._stamp(line("policies", rule["id"], rule), tick(1, 3))
        yield from self._grants(_rng(self.seed, "grants"))

    def _grants(self, rng: random.Random) -> Iterator[JsonDict]:
        """Yield `explicit_grants` set_access commands, each inside its actor's scope."""
        made, budget = 0, 20 * self.shape.explicit_grants + 100
        while self.ent.scopes and made < self.shape.explicit_grants and budget:
            budget -= 1
            scope = rng.choices(self.ent.scopes, weights=self.weights)[0]
            value = in_scope_grant(self.ent, scope, rng)
            if value is not None:
                made += 1
                yield self._stamp(line("commands", value["user"], value), self.clock.tick(1, 3))

    def changes(self) -> Iterator[JsonDict]:
        """Yield `shape.changes` lines in the realistic mix, malformed ones included."""
        rng = _rng(self.seed, "changes")
        ch = Changes(self.ent, self.people, rng, last_user=self.shape.users)
        commands, malformed = Commands(self.ent, rng, self.weights), Malformed(self.ent, rng)
        kinds = (ch.identity, ch.scim_patch, ch.activation, ch.lifecycle, ch.hierarchy,
                 ch.rule_edit, commands.command)  # fmt: skip
        cum = list(itertools.accumulate(CHANGE_MIX.values()))
        for _ in range(self.shape.changes):
            at = self.clock.tick(10, 1700)
            if rng.random() < self.shape.malformed_fraction:
                entry = malformed.line(at)
            else:
                entry = rng.choices(kinds, cum_weights=cum)[0](at) or ch.identity(at)
            yield self._stamp(entry, at)


def _pick_actors(people: list[Person], count: int, rng: random.Random) -> list[Person]:
    """Return `count` qualified users: senior employees first, anyone after."""
    senior = [p for p in people if int(p.hr.get("level", 0)) >= 5]
    rest = [p for p in people if int(p.hr.get("level", 0)) < 5]
    count = min(count, len(people))
    chosen = rng.sample(senior, min(count, len(senior)))
    return chosen + rng.sample(rest, count - len(chosen))
