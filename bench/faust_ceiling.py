"""The ceiling of one Faust worker on this machine: a no-op agent reading small records.

`bench/pipeline.py` runs it in the same run as the pipeline, so the pipeline's events/s can be
read against what Faust itself delivers here with no work at all: the records of a fresh
topic are read through the workers' own intake (`streams/intake.py`) and acked, nothing else.

Run alone: `.venv/bin/python bench/faust_ceiling.py --bootstrap HOST:PORT [--records N]`.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

from confluent_kafka import Producer
from confluent_kafka.admin import AdminClient, NewTopic

PARTITIONS = 4


def measure(bootstrap: str, records: int, timeout: float = 600.0) -> float:
    """Produce `records` to a fresh topic, read them with a no-op worker; return events/s."""
    topic = f"uam-bench-ceiling-{uuid.uuid4().hex[:8]}"
    admin = AdminClient({"bootstrap.servers": bootstrap})
    admin.create_topics([NewTopic(topic, PARTITIONS, 1)])[topic].result(30)
    time.sleep(1.0)  # every partition's log exists before the first record goes out
    producer = Producer({"bootstrap.servers": bootstrap, "linger.ms": 5})
    for i in range(records):
        key = f"user-{i % 1000}".encode()
        producer.produce(topic, b'{"user_id":"%s","attributes":{"tick":%d}}' % (key, i), key)
        if i % 10_000 == 0:
            producer.poll(0)
    producer.flush(60)
    with tempfile.TemporaryDirectory(prefix="uam-ceiling-") as tmp:
        result = Path(tmp) / "result"
        env = {**os.environ, "CEILING_BOOTSTRAP": bootstrap, "CEILING_TOPIC": topic}
        env |= {"CEILING_RECORDS": str(records), "CEILING_RESULT": str(result)}
        command = [sys.executable, __file__, "worker", "-l", "warn"]
        worker = subprocess.Popen(
            command, env=env, cwd=tmp, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        try:
            worker.wait(timeout)
        finally:
            worker.kill()
        admin.delete_topics([topic])
        return float(result.read_text())


def app() -> Any:
    """Return the no-op Faust app (only when run as a worker)."""
    import faust

    from streams.intake import Intake

    topic_name = os.environ["CEILING_TOPIC"]
    records = int(os.environ["CEILING_RECORDS"])
    faust_app = faust.App(
        topic_name,
        broker=f"kafka://{os.environ['CEILING_BOOTSTRAP']}",
        store="memory://",
        topic_partitions=PARTITIONS,
        consumer_auto_offset_reset="earliest",
        web_enabled=False,
        stream_wait_empty=False,
    )
    topic = faust_app.topic(topic_name, key_type=bytes, value_type=bytes, partitions=PARTITIONS)

    async def read(stream: Any) -> None:
        intake = Intake(faust_app, stream)
        seen, started = 0, 0.0
        async for events in intake.batches(2000, within=0.1):
            started = started or time.perf_counter()
            for event in events:
                intake.ack(event)
            seen += len(events)
            if seen >= records:
                rate = records / (time.perf_counter() - started)
                Path(os.environ["CEILING_RESULT"]).write_text(f"{rate:.1f}")
                os._exit(0)

    faust_app.agent(topic, name="read", concurrency=1)(read)
    return faust_app


def main() -> None:
    """Print the ceiling, or run as the no-op worker."""
    if len(sys.argv) > 1 and sys.argv[1] == "worker":
        sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
        app().main()
        return
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--bootstrap", required=True)
    parser.add_argument("--records", type=int, default=50_000)
    args = parser.parse_args()
    rate = measure(args.bootstrap, args.records)
    print(f"Faust alone (no-op agent, {args.records:,} records): {rate:,.0f} events/s")


if __name__ == "__main__":
    main()
