"""`make demo`: replay the reference example and a generated enterprise; print what each spoke
gets and how fast. Later capabilities extend it to the broker, workers, sink and simulator.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from rich.console import Console

from uam_events.console import spoke_table
from uam_events.generate import EnterpriseShape, write_enterprise
from uam_events.replay import Replay, replay_file
from uam_events.settings import load_settings

console = Console()
HERE = Path(__file__).resolve().parent.parent
EXAMPLES = (HERE.parent / "shared" / "examples", HERE / "tests" / "data" / "shared-example")


def _print(title: str, run: Replay, seconds: float) -> None:
    s = run.summary
    console.rule(title)
    console.print(
        f"{s.lines} lines -> {s.inputs} inputs applied, {s.deltas} deltas, "
        f"{s.decisions} command decisions, {s.dead_letters} dead letters "
        f"in {seconds:.2f} s ({s.lines / max(seconds, 1e-9):,.0f} lines/s)",
        highlight=False,
    )
    console.print(spoke_table(run))


def _replay(title: str, events: Path, config: Path, out: Path, effective: bool) -> None:
    started = time.perf_counter()
    run = replay_file(events, load_settings(config), out, effective=effective)
    _print(title, run, time.perf_counter() - started)
    console.print(f"files: {out}/ (deltas.jsonl, grants.csv, roles.csv, users.jsonl, imports/...)")


def main() -> None:
    """Run the demo."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", type=Path, default=Path("demo-out"))
    parser.add_argument("--users", type=int, default=2_000)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    example = next(p for p in EXAMPLES if (p / "events.jsonl").is_file())
    _replay(
        "the reference example",
        example / "events.jsonl",
        example / "config.yaml",
        args.out / "example",
        effective=True,
    )
    console.print(
        "try: uam explain u-anna --spoke sales-emea --out demo-out/example --item Products/LAPTOP",
        highlight=False,
    )
    generated = args.out / "enterprise"
    generated.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    shape = EnterpriseShape.scaled(args.users)
    write_enterprise(shape, args.seed, generated / "config.yaml", generated / "events.jsonl")
    console.print(
        f"generated {args.users} users (seed {args.seed}) in {time.perf_counter() - started:.1f} s"
    )
    _replay(
        f"a generated enterprise of {args.users} users",
        generated / "events.jsonl",
        generated / "config.yaml",
        generated / "out",
        effective=False,
    )


if __name__ == "__main__":
    main()
