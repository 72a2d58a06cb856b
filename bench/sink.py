"""Benchmark the sink's pushes against the naive full export of a UAM model, in the same run.

A seeded enterprise (by default the core benchmark's: 10,000 users, 3 spokes, Products 20,000
items, 100,000 changes, about one day of traffic) is replayed; its deltas drive the sink's
planner exactly as `uam sink` folds them, window by window on a `every` schedule. Figures:

- the full load: rows and imports of the first run from an empty acknowledged state, against
  the naive users x items export a UAM model pushes;
- a day of changes: rows and imports of every scheduled run over the change stream, against
  the naive nightly full export repeated once (the baseline: what CloudWorks pushes today);
- planning time per run (pure work: coalescing, planning, acknowledging).

The time from a burst of changes to every spoke converged, which needs the broker, the
workers, the sink and the simulator, is printed by `--converge` (see the README).

Run: `.venv/bin/python bench/sink.py [--users N] [--window MINUTES] [--seed S]`.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from pydantic import TypeAdapter

from uam_events.contract.outputs import Delta
from uam_events.generate import EnterpriseShape, write_enterprise
from uam_events.replay import replay_file
from uam_events.settings import Settings, load_settings
from uam_events.sink.coalescing import WireDelta, coalesce
from uam_events.sink.outcome import Outcome, acknowledge
from uam_events.sink.planner import Push, plan
from uam_events.sink.store import MemoryStore

DELTA: TypeAdapter[WireDelta] = TypeAdapter(Delta)
TARGET_FRACTION = 0.01
"""The full load pushes at most 1 % of the naive users x items rows (issue 3's rule)."""


@dataclass(slots=True)
class Tally:
    """Rows and imports pushed over some runs, and the time spent planning them."""

    rows: int = 0
    imports: int = 0
    runs: int = 0
    seconds: float = 0.0

    def add(self, push: Push, seconds: float) -> None:
        """Count one spoke's run."""
        self.seconds += seconds
        if push.empty:
            return
        self.runs += 1
        users, texts = len(push.users_file().rows), len(push.texts)
        self.rows += users + texts
        self.imports += (users > 0) + (texts > 0)


def deltas_of(folder: Path) -> Iterator[WireDelta]:
    """Yield the deltas a replay wrote, in emission order."""
    with (folder / "deltas.jsonl").open("rb") as lines:
        for line in lines:
            yield DELTA.validate_json(line)


def naive_rows(settings: Settings, folder: Path) -> int:
    """Return the rows of a UAM model's full export: every member x every item of each list."""
    replayed = folder / "all"
    users = [json.loads(line) for line in (replayed / "users.jsonl").read_text().splitlines()]
    items = _items_per_list(folder / "setup.jsonl")
    total = 0
    for spoke in settings.spokes:
        members = sum(1 for u in users if spoke.workspace_id in u.get("workspaces", []))
        total += members * sum(len(items.get(entry.hub, ())) for entry in spoke.lists)
    return total


def _items_per_list(events: Path) -> dict[str, set[str]]:
    """Return the items each hub list holds after the setup (upserts; the setup deletes none)."""
    items: dict[str, set[str]] = {}
    with events.open("rb") as lines:
        for line in lines:
            entry = json.loads(line)
            value = entry.get("value")
            if entry.get("topic") == "hub.hierarchies" and isinstance(value, dict):
                items.setdefault(str(value.get("list")), set()).add(str(value.get("item")))
    return items


class Sink:
    """The sink's planner over one store per spoke, every push acknowledged in full."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.stores = {spoke.id: MemoryStore() for spoke in settings.spokes}

    def run(self, deltas: list[WireDelta], tally: Tally) -> None:
        """Fold a window of deltas, then run every spoke once."""
        by_spoke: dict[str, list[WireDelta]] = {}
        for delta in deltas:
            by_spoke.setdefault(delta.spoke, []).append(delta)
        for spoke in self.settings.spokes:
            started = time.perf_counter()
            store = self.stores[spoke.id]
            store.write(coalesce(store.get, by_spoke.get(spoke.id, [])))
            push = plan(spoke, store.users(), self.settings.anaplan.auth.user)
            settled = acknowledge(
                push,
                Outcome(frozenset({"users", "text"})),
                store.get,
                no_access_role=spoke.no_access_role,
                quarantine_after=self.settings.sink.quarantine_after_runs,
            )
            store.write(settled.updates)
            tally.add(push, time.perf_counter() - started)


def windows(deltas: Iterator[WireDelta], minutes: int) -> Iterator[list[WireDelta]]:
    """Cut deltas into schedule windows of `minutes` by their event time."""
    width = timedelta(minutes=minutes)
    window: list[WireDelta] = []
    end: datetime | None = None
    for delta in deltas:
        if end is None:
            end = delta.at + width
        while delta.at >= end:
            yield window
            window, end = [], end + width
        window.append(delta)
    if window:
        yield window


def main() -> int:
    """Replay, plan the full load and a day of scheduled runs, print the figures."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--users", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--window", type=int, default=10, help="schedule: every N minutes")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="uam-bench-sink-") as tmp:
        folder = Path(tmp)
        config = folder / "config.yaml"
        shape = EnterpriseShape() if args.users == 10_000 else EnterpriseShape.scaled(args.users)
        write_enterprise(shape, args.seed, config, folder / "setup.jsonl", include_changes=False)
        write_enterprise(shape, args.seed, config, folder / "all.jsonl")
        settings = load_settings(config)
        started = time.perf_counter()
        replay_file(folder / "setup.jsonl", settings, folder / "setup")
        replay_file(folder / "all.jsonl", settings, folder / "all")
        print(
            f"enterprise: {shape.users:,} users, {shape.changes:,} changes; replays in "
            f"{time.perf_counter() - started:.1f} s",
            flush=True,
        )
        report(settings, folder, args.window)
    return 0


def report(settings: Settings, folder: Path, minutes: int) -> None:
    """Print the full load's and the day's figures against the naive export."""
    setup_count = sum(1 for _ in (folder / "setup" / "deltas.jsonl").open("rb"))
    every = deltas_of(folder / "all")
    sink = Sink(settings)
    full = Tally()
    sink.run([next(every) for _ in range(setup_count)], full)
    naive = naive_rows(settings, folder)
    spokes = len(settings.spokes)
    fraction = full.rows / naive if naive else 0.0
    verdict = "ok" if fraction <= TARGET_FRACTION else "MISSED"
    print(
        f"  full load      {full.rows:>10,} rows in {full.imports} imports "
        f"({full.seconds:.1f} s planning); naive export {naive:,} rows in {spokes} imports: "
        f"{fraction:.3%}   target <= {TARGET_FRACTION:.0%}  {verdict}"
    )
    day = Tally()
    runs = 0
    for window in windows(every, minutes):
        sink.run(window, day)
        runs += 1
    hours = runs * minutes / 60
    print(
        f"  {hours:.1f} h of changes, a run every {minutes} min: {day.rows:,} rows in "
        f"{day.imports:,} imports over {day.runs:,} spoke runs "
        f"({day.seconds / max(runs * spokes, 1) * 1000:.1f} ms planning per spoke run)"
    )
    nightly = naive * max(round(hours / 24), 1)
    print(
        f"  against the nightly full export ({nightly:,} rows): "
        f"{day.rows / nightly:.4f} of its rows, {nightly / max(day.rows, 1):,.0f}x fewer"
    )


if __name__ == "__main__":
    sys.exit(main())
