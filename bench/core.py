"""Benchmark the incremental core against a full recomputation, measured in the same run.

A seeded enterprise (by default 10,000 users, 3 spokes, Products 20,000 items of depth 5,
Geography 500, 200 access rules, 50 role rules, 20 qualified users, 5,000 explicit grants) is
loaded, then 100,000 mixed changes are applied one by one. The baseline is what a batch UAM
model does per change: recompute every user of each spoke the change touches. Figures:

- events/s of the incremental core over the changes (decoding excluded, measured apart);
- speed-up per event over the baseline (full recomputation of the affected spokes);
- rows of a full load against the naive users x items export of a UAM model;
- peak memory of the process.

The core runs as the interpreter imports it: pure Python from `.venv`, compiled with mypyc from
`.venv-compiled` (`make compiled`); the first line names the build, `--expect compiled|pure`
refuses to run on the other one. The core's time is measured twice: wall time (the figure
against the target) and CPU time of the process (`time.process_time`), which the other loads
of a shared machine sway less. `--summary` prints one JSON line instead of the report;
`--compare PYTHON` runs this benchmark alternately with this interpreter and PYTHON (`--rounds`
times each) and prints the ratio of their CPU-time rates (`make bench`: compiled over pure).

Run: `make bench` or `.venv/bin/python bench/core.py [--users N] [--changes N] [--seed S]
[--expect compiled|pure] [--summary | --compare PYTHON [--rounds N]]`.
"""

from __future__ import annotations

import argparse
import json
import math
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterable
from dataclasses import replace
from pathlib import Path

from uam_events.anaplan.imports import users_rows
from uam_events.core.engine import Engine
from uam_events.core.events import (
    CopyAccess,
    HubItemDeleted,
    HubItemUpserted,
    Input,
    RulePublished,
    RuleWithdrawn,
    SetAccess,
)
from uam_events.core.resolver import resolve_access
from uam_events.core.rules import AccessRule, QualifiedUser, RoleRule
from uam_events.core.spokes import Spoke
from uam_events.core.state import State
from uam_events.core_build import BUILDS, core_build, core_file
from uam_events.errors import InputError
from uam_events.generate import EnterpriseShape, generate_changes, generate_config, generate_setup
from uam_events.inputs import decode_record
from uam_events.replay_lines import read_line
from uam_events.runtime import settle_state, tune_gc
from uam_events.settings import Settings, load_settings

TARGETS = {"events_per_s": 20_000, "speedup": 1_000, "rows_fraction": 0.01, "peak_mib": 2048}


def decode(lines: Iterable[dict[str, object]]) -> tuple[list[Input], int]:
    """Decode replay lines into core inputs; return them and the count of malformed lines."""
    inputs: list[Input] = []
    malformed = 0
    for line in lines:
        try:
            record = read_line(0, json.dumps(line).encode("utf-8"), "").record
            inputs.extend(decode_record(record))
        except InputError:
            malformed += 1
    return inputs, malformed


def apply_all(engine: Engine, inputs: list[Input]) -> tuple[float, int, int]:
    """Apply inputs in order; return seconds spent, deltas emitted and inputs refused."""
    deltas = refused = 0
    started = time.perf_counter()
    for event in inputs:
        try:
            deltas += len(engine.apply(event, "2026-11-20T00:00:00Z").deltas)
        except InputError:
            refused += 1
    return time.perf_counter() - started, deltas, refused


def affected_spokes(state: State, event: Input) -> list[str]:
    """Return the spokes a batch system recomputes for one change."""
    if isinstance(event, HubItemUpserted | HubItemDeleted):
        return [s.id for s in state.spokes.values() if s.uses(event.list)]
    if isinstance(event, RulePublished):
        rule = event.rule
        return [] if isinstance(rule, QualifiedUser) else [rule.spoke]
    if isinstance(event, RuleWithdrawn):
        rule = state.rules.rules.get(event.rule_id)
        return [rule.spoke] if isinstance(rule, AccessRule | RoleRule) else []
    if isinstance(event, SetAccess | CopyAccess):
        return [event.spoke]
    user = state.users.get(event.user_id)
    return sorted(state.member_spokes(user)) if user else []


def full_recompute(state: State, spoke: Spoke) -> int:
    """Recompute every member of a spoke from scratch (no index); return the grant count."""
    rules = [r for r in state.rules.rules.values() if not isinstance(r, QualifiedUser)]
    access_rules = [r for r in rules if isinstance(r, AccessRule) and r.spoke == spoke.id]
    role_rules = [r for r in rules if isinstance(r, RoleRule) and r.spoke == spoke.id]
    grants = 0
    for user in state.users.values():
        if spoke.workspace_id not in user.workspaces:
            continue
        access = resolve_access(
            spoke,
            user,
            access_rules=[r for r in access_rules if r.when.matches(user.attributes)],
            role_rules=[r for r in role_rules if r.when.matches(user.attributes)],
            explicit=state.explicit.of(user.id),
            hierarchies=state.hierarchies,
        )
        grants += len(access.grants)
    return grants


def baseline_cost(state: State) -> dict[str, float]:
    """Time one full recomputation per spoke (best of two)."""
    cost = {}
    for spoke in state.spokes.values():
        runs = []
        for _ in range(2):
            started = time.perf_counter()
            full_recompute(state, spoke)
            runs.append(time.perf_counter() - started)
        cost[spoke.id] = min(runs)
    return cost


def full_load_rows(state: State, settings: Settings) -> tuple[int, int]:
    """Return (rows of our full load, rows of the naive users x items export)."""
    ours = naive = 0
    for spoke in state.spokes.values():
        members = [
            (state.users[u].email or u, a)
            for (s, u), a in state.resolved()
            if s == spoke.id and a.member
        ]
        ours += len(users_rows(spoke, members, settings.anaplan.auth.user))
        lists = [
            state.hierarchies.lists[h] for h in spoke.hub_lists if h in state.hierarchies.lists
        ]
        items = sum(len(tree.items) for tree in lists)
        naive += len(members) * items
    return ours, naive


PerType = dict[str, list[float]]
"""Input type name -> [inputs, core seconds, deltas]."""


def measure_changes(
    engine: Engine, changes: list[Input], cost: dict[str, float]
) -> tuple[float, float, float, int, int, PerType]:
    """Apply changes one by one; return core seconds (wall, then CPU), baseline seconds,
    deltas, refusals and the core's wall seconds split by input type (the same measurements,
    summed apart)."""
    state = engine.state
    incremental = incremental_cpu = baseline = 0.0
    deltas = refused = 0
    per_type: PerType = {}
    for event in changes:
        before = affected_spokes(state, event)
        emitted = 0
        begun_cpu = time.process_time()
        begun = time.perf_counter()
        try:
            emitted = len(engine.apply(event, "2026-11-20T00:00:00Z").deltas)
        except InputError:
            refused += 1
        spent = time.perf_counter() - begun
        incremental_cpu += time.process_time() - begun_cpu
        incremental += spent
        deltas += emitted
        entry = per_type.setdefault(type(event).__name__, [0, 0.0, 0])
        entry[0] += 1
        entry[1] += spent
        entry[2] += emitted
        touched = set(before) | set(affected_spokes(state, event))
        baseline += sum(cost[s] for s in touched if s in cost)
    return incremental, incremental_cpu, baseline, deltas, refused, per_type


def compare(args: argparse.Namespace) -> int:
    """Run the benchmark alternately here and with `args.compare`; print the CPU-time ratio."""
    pythons = [sys.executable, args.compare]
    shape = ["--users", str(args.users), "--changes", str(args.changes), "--seed", str(args.seed)]
    runs: dict[str, list[dict[str, float]]] = {}
    for turn in range(args.rounds * 2):
        # A B B A A B ...: each build runs first in every other pair, so both see the same moments
        python = pythons[turn % 2] if turn // 2 % 2 == 0 else pythons[1 - turn % 2]
        command = [python, __file__, *shape, "--summary"]
        done = subprocess.run(command, check=True, capture_output=True, text=True)
        summary = json.loads(done.stdout.strip().splitlines()[-1])
        runs.setdefault(summary["build"], []).append(summary)
        print(
            f"  {summary['build']:<8} {summary['events_per_s_cpu']:>8,.0f} events/s CPU time "
            f"({summary['core_cpu_s']:.2f} s), {summary['events_per_s']:>8,.0f} events/s wall, "
            f"{summary['deltas']:,.0f} deltas",
            flush=True,
        )
    if sorted(runs) != sorted(BUILDS):
        print(f"--compare needs one compiled and one pure interpreter, got {sorted(runs)}")
        return 2
    if len({run["deltas"] for build in BUILDS for run in runs[build]}) != 1:
        print("the two builds emitted different numbers of deltas")
        return 1
    ratios = [
        pure["core_cpu_s"] / compiled["core_cpu_s"]
        for compiled, pure in zip(runs["compiled"], runs["pure"], strict=True)
    ]
    mean = math.prod(ratios) ** (1 / len(ratios))
    print(
        f"compiled over pure, CPU time of the core: {mean:.2f}x "
        f"(geometric mean of {', '.join(f'{r:.2f}x' for r in ratios)}; same delta count)"
    )
    return 0


def parse_args() -> argparse.Namespace:
    """Read the command line."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--users", type=int, default=10_000)
    parser.add_argument("--changes", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--expect", choices=BUILDS, help="fail unless the core is this build")
    parser.add_argument("--summary", action="store_true", help="print one JSON line only")
    parser.add_argument("--compare", metavar="PYTHON", help="run alternately with PYTHON")
    parser.add_argument("--rounds", type=int, default=2, help="runs per build with --compare")
    return parser.parse_args()


def prepare(args: argparse.Namespace) -> tuple[Settings, list[Input], list[Input], int, str]:
    """Generate and decode the enterprise; return its settings, setup and change inputs, the
    malformed change lines and how long generating and decoding took (as text)."""
    default = EnterpriseShape()
    shape = default if args.users == default.users else EnterpriseShape.scaled(args.users)
    if args.changes != shape.changes:
        shape = replace(shape, changes=args.changes)
    started = time.perf_counter()
    with tempfile.TemporaryDirectory() as folder:
        config = Path(folder) / "config.yaml"
        config.write_text(generate_config(shape, args.seed), encoding="utf-8")
        settings = load_settings(config)
    setup_lines = list(generate_setup(shape, args.seed))
    change_lines = list(generate_changes(shape, args.seed))
    generated = time.perf_counter() - started
    started = time.perf_counter()
    setup, _ = decode(setup_lines)
    changes, malformed = decode(change_lines)
    decoding = time.perf_counter() - started
    took = f"generated in {generated:.1f} s, decoded in {decoding:.1f} s"
    return settings, setup, changes, malformed, took


def main() -> int:
    """Run the benchmark and print its figures."""
    args = parse_args()
    build = core_build()
    if args.expect and build != args.expect:
        print(f"--expect {args.expect}: the core is {build} ({core_file()})", file=sys.stderr)
        return 2
    if args.compare:
        return compare(args)
    settings, setup, changes, malformed, took = prepare(args)

    tune_gc()
    engine = Engine(settings.core_spokes())
    load_s, load_deltas, _ = apply_all(engine, setup)
    settle_state()
    state = engine.state

    cost = baseline_cost(state)
    incremental, incremental_cpu, baseline, deltas, refused, per_type = measure_changes(
        engine, changes, cost
    )
    ours, naive = full_load_rows(state, settings)
    peak_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

    events = len(changes)
    rate = events / incremental
    rate_cpu = events / incremental_cpu
    speedup = baseline / incremental
    if args.summary:
        summary = {
            "build": build,
            "events": events,
            "deltas": deltas,
            "core_s": incremental,
            "core_cpu_s": incremental_cpu,
            "events_per_s": rate,
            "events_per_s_cpu": rate_cpu,
        }
        print(json.dumps(summary))
        return 0
    users = sum(1 for u in state.users.values() if u.provisioned)
    items = sum(len(t.items) for t in state.hierarchies.lists.values())
    print(f"core: {build} ({core_file()})")
    print(
        f"enterprise: {users:,} users, {len(state.spokes)} spokes, {items:,} items, "
        f"{len(state.rules.rules)} rules ({took}, not counted below)"
    )
    print(
        f"initial load: {len(setup):,} inputs in {load_s:.2f} s "
        f"({len(setup) / load_s:,.0f}/s), {load_deltas:,} deltas"
    )
    print(
        f"changes: {events:,} inputs, {malformed} malformed lines dead-lettered at decode, "
        f"{refused} refused by the core, {deltas:,} deltas"
    )
    print("core time per input type:")
    for name, (count, spent, emitted) in sorted(per_type.items(), key=lambda kv: -kv[1][1]):
        print(
            f"  {name:<26} {count:>7,.0f} x {spent / count * 1e6:>8,.0f} us = {spent:6.2f} s "
            f"({spent / incremental:4.0%}), {emitted:>8,.0f} deltas"
        )
    per_spoke = ", ".join(f"{s} {c * 1000:,.0f} ms" for s, c in sorted(cost.items()))
    print(f"baseline, one full recomputation per spoke: {per_spoke}")
    fraction = ours / naive
    figures = [
        (
            "incremental core",
            f"{rate:,.0f} events/s",
            f">= {TARGETS['events_per_s']:,}/s",
            rate >= TARGETS["events_per_s"],
        ),
        (
            "incremental core, CPU time",
            f"{rate_cpu:,.0f} events/s ({incremental_cpu:.2f} s)",
            f">= {TARGETS['events_per_s']:,}/s",
            rate_cpu >= TARGETS["events_per_s"],
        ),
        (
            "speed-up over the baseline",
            f"{speedup:,.0f}x ({baseline:,.0f} s vs {incremental:.2f} s)",
            f">= {TARGETS['speedup']:,}x",
            speedup >= TARGETS["speedup"],
        ),
        (
            "full-load rows / users x items",
            f"{ours:,} / {naive:,} = {fraction:.3%}",
            f"<= {TARGETS['rows_fraction']:.0%}",
            fraction <= TARGETS["rows_fraction"],
        ),
        (
            "peak memory (max RSS)",
            f"{peak_mib:,.0f} MiB",
            f"< {TARGETS['peak_mib']:,} MiB",
            peak_mib < TARGETS["peak_mib"],
        ),
    ]
    for name, value, target, ok in figures:
        print(f"  {name:<32} {value:<44} target {target:<12} {'ok' if ok else 'MISSED'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
