"""Benchmark the pipeline end to end on a real broker, against `uam replay` in the same run.

A seeded enterprise is replayed in-process (the baseline), then produced to Kafka and run
through one worker. Figures:
- events/s end to end (from the first line produced to the last output the worker sent, read
  from the output records' timestamps; the commit of the offsets comes later and is printed
  apart), and its ratio to `uam replay` on the same input and to Faust alone (a no-op agent
  reading as many records, `bench/faust_ceiling.py`): the most one worker can do here whatever
  the work;
- a bound that no worker of this design can pass here: a line read once by Faust (at the no-op
  rate) and then processed exactly as `uam replay` processes it (decoding and the core), with
  nothing else (no router hop, no outputs, no checkpoints): 1 / (1/Faust alone + 1/replay);
  and the bound of the design: the same with as many Faust crossings per line as the pipeline
  made (the router's, then one per change-topic record: global lines reach every partition);
- the worker's CPU time per input line over that phase (read from /proc: robust to the load of
  other processes on the machine, which the wall-clock rate is not);
- latency p50/p99 from produce to outputs sent, at a fixed offered load of live traffic
  (identity changes at --rate per second), read from the worker's latency histogram;
- recovery: the worker killed with SIGKILL and restarted, time until it has caught up again,
  and the seconds its partitions took to restore their state.

Run: `.venv/bin/python bench/pipeline.py [--users N] [--rate R] [--seconds S]`. It starts the
local broker from deploy/kafka unless KAFKA_BOOTSTRAP_SERVERS names one.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from confluent_kafka import Producer
from faust_ceiling import measure as faust_alone

from uam_events.broker import client_config
from uam_events.generate import EnterpriseShape, write_enterprise
from uam_events.pipeline import Pipeline
from uam_events.replay import replay_file
from uam_events.settings import load_settings

ROOT = Path(__file__).resolve().parent.parent
BROKER = ROOT / "deploy" / "kafka" / "broker.py"
TARGETS = {"events_per_s": 5_000, "p99_ms": 500, "recovery_s": 30}
WEB_PORT = 16166


def main() -> None:
    """Run the benchmark and print its figures."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--users", type=int, default=2_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--partitions", type=int, default=4)
    parser.add_argument("--rate", type=int, default=1_000, help="offered load, events/s")
    parser.add_argument("--seconds", type=int, default=20, help="length of the paced phase")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="uam-bench-") as tmp:
        folder = Path(tmp)
        bootstrap = os.environ.get("KAFKA_BOOTSTRAP_SERVERS")
        if bootstrap is None:
            start = [sys.executable, str(BROKER), "start", "--dir", str(folder / "broker")]
            subprocess.run([*start, "--port", "19192"], check=True)
            bootstrap = "127.0.0.1:19192"
        try:
            run(args, folder, bootstrap)
        finally:
            if not os.environ.get("KAFKA_BOOTSTRAP_SERVERS"):
                stop = [sys.executable, str(BROKER), "stop", "--dir", str(folder / "broker")]
                subprocess.run(stop, check=False)


def run(args: argparse.Namespace, folder: Path, bootstrap: str) -> None:
    """Baseline, throughput, latency and recovery, printed as they are measured."""
    config, events = folder / "config.yaml", folder / "events.jsonl"
    write_enterprise(EnterpriseShape.scaled(args.users), args.seed, config, events)
    lines = sum(1 for _ in events.open("rb"))
    started = time.perf_counter()
    replay_file(events, load_settings(config), folder / "replay")
    replay_s = time.perf_counter() - started
    print(f"enterprise: {args.users:,} users, {lines:,} lines; uam replay in {replay_s:.1f} s")

    ceiling = faust_alone(bootstrap, lines)
    print(f"  Faust alone (no-op agent)     {ceiling:8,.0f} events/s ({lines:,} records)")
    bound = 1 / (1 / ceiling + replay_s / lines)
    print(
        f"  bound: Faust alone + replay   {bound:8,.0f} events/s (one Faust crossing per line "
        f"plus the replay's own work, nothing else)"
    )

    pipeline = Pipeline(config, bootstrap, folder / "workers", partitions=args.partitions)
    pipeline.create_topics()
    pipeline.start("w1", web_port=WEB_PORT)
    try:
        time.sleep(8)  # the worker joins its group before the clock starts
        started, cpu = time.time(), pipeline.cpu_seconds("w1")
        pipeline.produce(events)
        produced_s = time.time() - started
        pipeline.wait_idle(timeout=1800)
        committed_s = time.time() - started
        cpu = pipeline.cpu_seconds("w1") - cpu
        # end to end is produce to the last output sent; committing the offsets (Faust commits
        # every few seconds) and seeing the lag stay at zero (polled each second) come after
        last = pipeline.last_output()
        pipeline_s = (last - started) if last is not None else committed_s
        rate = lines / pipeline_s
        print(
            f"  end to end, 1 worker          {rate:8,.0f} events/s "
            f"({pipeline_s:.1f} s from the first line produced to the last output sent; "
            f"uam replay {lines / replay_s:,.0f}/s, ratio {rate / (lines / replay_s):.2f}; "
            f"Faust alone ratio {rate / ceiling:.2f})   "
            f"target >= {TARGETS['events_per_s']:,}/s  {verdict(rate >= TARGETS['events_per_s'])}"
        )
        print(
            f"  producing, committed          the file produced in {produced_s:.1f} s "
            f"({lines / produced_s:,.0f}/s), every offset committed {committed_s:.1f} s "
            "after the first line"
        )
        crossings = (lines + pipeline.change_records()) / lines
        designed = 1 / (crossings / ceiling + replay_s / lines)
        print(
            f"  bound of the design           {designed:8,.0f} events/s ({crossings:.2f} Faust "
            "crossings per line: the router's, then the resolvers' (global lines reach every "
            "partition), at the no-op rate, plus the replay's own work)"
        )
        print(
            f"  worker CPU per input line     {cpu / lines * 1000:8.2f} ms "
            f"({cpu:.1f} s of CPU until committed; the target leaves one process "
            f"{1000 / TARGETS['events_per_s']:.2f} ms)"
        )
        before = histogram()
        offer_load(pipeline, args.rate, args.seconds)
        pipeline.wait_idle(timeout=600)
        p50, p99 = quantiles(before, histogram())
        print(
            f"  latency at {args.rate:,}/s           p50 {p50 * 1000:6.0f} ms, "
            f"p99 {p99 * 1000:6.0f} ms (bucket upper bounds)   "
            f"target p99 < {TARGETS['p99_ms']} ms  {verdict(p99 * 1000 < TARGETS['p99_ms'])}"
        )
        pipeline.kill("w1")
        started = time.perf_counter()
        pipeline.start("w1", web_port=WEB_PORT)
        offer_load(pipeline, 50, 1)
        pipeline.wait_idle(timeout=600)
        caught_up = time.perf_counter() - started
        restored = sum(v for _, v in metric("uam_recovery_seconds"))
        print(
            f"  recovery after SIGKILL        caught up in {caught_up:.1f} s "
            f"(state of {args.users:,} users restored in {restored:.2f} s)   "
            f"target < {TARGETS['recovery_s']} s  {verdict(caught_up < TARGETS['recovery_s'])}"
        )
    finally:
        pipeline.stop_all()


def offer_load(pipeline: Pipeline, rate: int, seconds: int) -> None:
    """Publish identity changes of existing users at `rate` per second (live traffic)."""
    settings = pipeline.settings
    users = [json.loads(line)["id"] for line in users_of(pipeline)]
    producer = Producer({**client_config(settings), "linger.ms": 1})
    topic = settings.topic("identity.attributes")
    rnd = random.Random(1)
    started = time.perf_counter()
    for i in range(rate * seconds):
        due = started + i / rate
        pause = due - time.perf_counter()
        if pause > 0:
            time.sleep(pause)
        user = rnd.choice(users)
        body = {"user_id": user, "attributes": {"bench_tick": i}, "source": "bench"}
        producer.produce(topic, json.dumps(body).encode(), user.encode())
        producer.poll(0)
    producer.flush(30)


def users_of(pipeline: Pipeline) -> list[str]:
    """Return the users.jsonl lines of the baseline replay."""
    return (pipeline.folder.parent / "replay" / "users.jsonl").read_text().splitlines()


def metric(name: str) -> list[tuple[str, float]]:
    """Return (labels, value) of every sample of a metric on the worker's /metrics/ page."""
    url = f"http://127.0.0.1:{WEB_PORT}/metrics/"
    with urllib.request.urlopen(url, timeout=10) as response:  # loopback only
        text = response.read().decode()
    samples = []
    for line in text.splitlines():
        if line.startswith(name):
            head, _, value = line.rpartition(" ")
            samples.append((head[len(name) :], float(value)))
    return samples


def histogram() -> dict[float, float]:
    """Return the latency histogram's cumulative bucket counts by upper bound."""
    buckets = {}
    for labels, value in metric("uam_event_latency_seconds_bucket"):
        bound = labels.split('le="', 1)[1].split('"', 1)[0]
        buckets[float("inf") if bound == "+Inf" else float(bound)] = value
    return buckets


def quantiles(before: dict[float, float], after: dict[float, float]) -> tuple[float, float]:
    """Return p50 and p99 (bucket upper bounds) of what was observed between two snapshots."""
    counts = {b: after[b] - before.get(b, 0.0) for b in sorted(after)}
    total = counts[float("inf")] or 1.0

    def at(q: float) -> float:
        return next(b for b, c in counts.items() if c >= q * total)

    return at(0.50), at(0.99)


def verdict(ok: bool) -> str:
    """Return the target verdict word."""
    return "ok" if ok else "MISSED"


if __name__ == "__main__":
    main()
