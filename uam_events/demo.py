"""`make demo`: replay the reference example and a generated enterprise, then run the same
enterprise through the real pipeline (local Kafka broker, two workers) and show that the delta
topics, folded, hold exactly what `uam replay` computed; then `uam sink` pushes them into a
simulated Anaplan tenant, and each spoke is shown to hold what `uam replay` computed.
"""

from __future__ import annotations

import argparse
import csv
import os
import shutil
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

from rich.console import Console
from rich.table import Table

from uam_events.console import spoke_table
from uam_events.errors import UamError
from uam_events.estate import estate
from uam_events.folding import Folded
from uam_events.generate import EnterpriseShape, write_enterprise
from uam_events.pipeline import Pipeline
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
    parser.add_argument("--no-pipeline", action="store_true", help="replay only")
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
    if not args.no_pipeline:
        try:
            _run_pipeline(generated, args.out / "pipeline")
        except UamError as error:
            console.print(f"[bold red]pipeline demo failed:[/] {error}", highlight=False)
            sys.exit(2)


BROKER = HERE / "deploy" / "kafka" / "broker.py"
WEB_PORTS = {"worker-1": 16066, "worker-2": 16067}


def _run_pipeline(generated: Path, out: Path) -> None:
    """Broker, topics, two workers, produce, wait for zero lag, fold, compare with replay."""
    console.rule("the same enterprise through Kafka and two workers")
    bootstrap = os.environ.get("KAFKA_BOOTSTRAP_SERVERS")
    started_broker = bootstrap is None
    if bootstrap is None:
        port = 19092
        command = [sys.executable, str(BROKER), "start", "--dir", str(out / "broker")]
        subprocess.run([*command, "--port", str(port)], check=True)
        bootstrap = f"127.0.0.1:{port}"
    # each run uses new topics: a worker's RocksDB (or the sink's state) left by an earlier run
    # would claim changelog offsets the new topics do not have, and Faust refuses to start
    shutil.rmtree(out / "workers", ignore_errors=True)
    pipeline = Pipeline(
        generated / "config.yaml",
        bootstrap,
        out / "workers",
        partitions=4,
        prefix=f"demo{int(time.time())}.",
    )
    try:
        pipeline.create_topics()
        for name, port in WEB_PORTS.items():
            pipeline.start(name, web_port=port)
        console.print(f"topics {pipeline.prefix}*, workers {', '.join(WEB_PORTS)} started")
        started = time.perf_counter()
        records = pipeline.produce(generated / "events.jsonl")
        console.print(f"produced {records:,} records; waiting for zero lag...", highlight=False)
        pipeline.wait_idle(timeout=600)
        seconds = time.perf_counter() - started
        folded = pipeline.folded()
        console.print(
            f"{records:,} records through the pipeline in {seconds:.1f} s "
            f"({records / seconds:,.0f} records/s end to end, 2 workers, 4 partitions)",
            highlight=False,
        )
        console.print(_folded_table(folded))
        _compare(folded, generated / "out")
        _run_sink(pipeline, generated / "out")
        for name, port in WEB_PORTS.items():
            console.print(
                f"{name}: http://127.0.0.1:{port}/metrics/  /health/  "
                f"/explain/SPOKE/USER/  (logs: {pipeline.folder / name}.log)",
                highlight=False,
            )
    finally:
        pipeline.stop_all()
        if started_broker:
            stop = [sys.executable, str(BROKER), "stop", "--dir", str(out / "broker")]
            subprocess.run(stop, check=False)


def _folded_table(folded: Folded) -> Table:
    table = Table(title="per spoke, folded from the delta topics")
    for column in ("spoke", "members", "grants", "roles", "deltas"):
        table.add_column(column, justify="left" if column == "spoke" else "right")
    grants: dict[str, int] = {}
    for row in folded.grant_rows():
        grants[row[0]] = grants.get(row[0], 0) + 1
    for spoke in sorted(folded.deltas_by_spoke):
        states = [s for (sp, _), s in folded.states.items() if sp == spoke]
        members = sum(1 for s in states if s.get("member"))
        roles: dict[str, int] = {}
        for state in states:
            if state.get("role") is not None:
                roles[str(state["role"])] = roles.get(str(state["role"]), 0) + 1
        shown = ", ".join(f"{r} {n}" for r, n in sorted(roles.items()))
        table.add_row(
            spoke,
            f"{members:,}",
            f"{grants.get(spoke, 0):,}",
            shown,
            f"{folded.deltas_by_spoke[spoke]:,}",
        )
    return table


def _compare(folded: Folded, replayed: Path) -> None:
    def rows(name: str) -> list[tuple[str, ...]]:
        with (replayed / name).open(encoding="utf-8", newline="") as handle:
            return sorted(tuple(r) for r in list(csv.reader(handle))[1:])

    same_grants = folded.grant_rows() == rows("grants.csv")
    same_roles = folded.role_rows() == rows("roles.csv")
    verdict = "[green]identical[/]" if same_grants and same_roles else "[bold red]DIFFERENT[/]"
    console.print(
        f"grants and roles folded from Kafka vs uam replay: {verdict} "
        f"({len(folded.grant_rows()):,} grants, {len(folded.role_rows()):,} roles; "
        f"{folded.duplicates} duplicate deltas dropped by seq, {len(folded.gaps)} gaps)"
    )


def _run_sink(pipeline: Pipeline, replayed: Path) -> None:
    """Serve a simulated tenant, run `uam sink --once`, show each spoke's convergence."""
    console.rule("the deltas through `uam sink` into a simulated Anaplan tenant")
    with estate(pipeline, replayed) as served:
        console.print(f"simulated Anaplan on {served.url} (uam simulator)", highlight=False)
        started = datetime.now(UTC)
        code = served.sink_once()
        if code != 0:
            console.print(f"[bold red]uam sink failed[/] ({code}):\n{served.log_tail()}")
            sys.exit(2)
        pushes = {p["spoke"]: p for p in served.audit("push")}
        differences = served.differences(replayed)
    table = Table(title="per spoke: the full load pushed by the sink")
    for column in ("spoke", "rows", "accepted", "rejected", "converged after", "vs uam replay"):
        table.add_column(column, justify="left" if column == "spoke" else "right")
    for spoke, problems in differences.items():
        push = pushes.get(spoke, {})
        at = push.get("at")
        took = (datetime.fromisoformat(str(at)) - started).total_seconds() if at else None
        table.add_row(
            spoke,
            f"{sum(push.get('rows', {}).values()) if push else 0:,}",
            f"{push.get('accepted', 0):,}",
            f"{push.get('rejected', 0):,}",
            "-" if took is None else f"{took:.1f} s",
            "[green]identical[/]" if not problems else f"[bold red]{len(problems)} differ[/]",
        )
    console.print(table)
    for spoke, problems in differences.items():
        for line in problems:
            console.print(f"  {spoke}: {line}", highlight=False)
    console.print(f"sink log: {served.log}; data: {served.datadir}", highlight=False)


if __name__ == "__main__":
    main()
