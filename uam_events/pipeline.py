"""A local pipeline: worker processes over topics of their own, and ways to watch them.

`make demo`, `bench/pipeline.py` and the integration tests run workers this way: each worker
is a `uam worker` process with its own data folder and log; `wait_idle` waits until the
workers' consumer group has committed every input and change record.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

from uam_events.broker import (
    create_topics,
    group_lag,
    last_written,
    produce_file,
    read_topic,
    topic_records,
)
from uam_events.errors import BrokerError, PipelineError
from uam_events.folding import Folded, fold
from uam_events.settings import Settings, load_settings
from uam_events.topics import CHANGES, access_topic, input_topics

UAM = [sys.executable, "-m", "uam_events.cli"]


@dataclass
class Pipeline:
    """Workers of one test, over topics that no other test uses."""

    config: Path
    bootstrap: str
    folder: Path
    partitions: int = 3
    prefix: str = field(default_factory=lambda: f"t{uuid.uuid4().hex[:8]}.")
    workers: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)
    web_ports: dict[str, int] = field(default_factory=dict)

    @property
    def env(self) -> dict[str, str]:
        """The environment that points the configuration at this test's broker and topics."""
        return {
            **os.environ,
            "UAM_KAFKA__BOOTSTRAP_SERVERS": self.bootstrap,
            "UAM_KAFKA__TOPIC_PREFIX": self.prefix,
            "UAM_KAFKA__PARTITIONS": str(self.partitions),
        }

    @property
    def settings(self) -> Settings:
        """The configuration as the workers see it."""
        saved = dict(os.environ)
        os.environ.update(self.env)
        try:
            return load_settings(self.config)
        finally:
            os.environ.clear()
            os.environ.update(saved)

    def create_topics(self) -> None:
        """Create the test's topics."""
        create_topics(self.settings)

    def start(self, name: str, web_port: int | None = None) -> None:
        """Start a worker process with its own data folder and log (and web port)."""
        command = [*UAM, "worker", "--config", str(self.config)]
        command += ["--datadir", str(self.folder / name)]
        if web_port is not None:
            command += ["--web-port", str(web_port)]
            self.web_ports[name] = web_port
        self.folder.mkdir(parents=True, exist_ok=True)
        with (self.folder / f"{name}.log").open("ab") as log:
            self.workers[name] = subprocess.Popen(
                command,
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

    def cpu_seconds(self, name: str) -> float:
        """Return the CPU time (user and system) a worker process has used so far (Linux)."""
        fields = Path(f"/proc/{self.workers[name].pid}/stat").read_text().rsplit(")", 1)[1]
        user, system = fields.split()[11:13]
        return (int(user) + int(system)) / os.sysconf("SC_CLK_TCK")

    def kill(self, name: str) -> None:
        """Kill a worker with SIGKILL, as a crash would."""
        worker = self.workers.pop(name)
        os.killpg(worker.pid, signal.SIGKILL)
        worker.wait(10)

    def stop_all(self) -> None:
        """Stop every worker (SIGTERM, then SIGKILL)."""
        for name in list(self.workers):
            worker = self.workers.pop(name)
            if worker.poll() is None:
                os.killpg(worker.pid, signal.SIGTERM)
                try:
                    worker.wait(20)
                except subprocess.TimeoutExpired:
                    os.killpg(worker.pid, signal.SIGKILL)
                    worker.wait(10)

    def produce(self, events: Path) -> int:
        """Publish a replay-format file; return the records published."""
        return produce_file(self.settings, events).records

    def lag(self) -> int:
        """Return the records of the input and change topics the workers have not committed."""
        settings = self.settings
        topics = [*input_topics(settings), settings.topic(CHANGES)]
        return group_lag(settings, settings.topic("workers"), topics)

    def wait_idle(self, timeout: float = 180.0) -> None:
        """Wait until the workers have committed everything (twice in a row, a second apart)."""
        deadline = time.monotonic() + timeout
        quiet = 0
        while quiet < 2:
            for name, worker in self.workers.items():
                if worker.poll() is not None:
                    raise PipelineError(f"worker {name} exited: {self.log_tail(name)}")
            try:
                behind = self.lag()
            except BrokerError:
                behind = -1  # the group's coordinator is still loading: ask again
            quiet = quiet + 1 if behind == 0 else 0
            if time.monotonic() > deadline:
                raise PipelineError(f"still {behind} records behind after {timeout:.0f} s")
            time.sleep(1.0)

    def folded(self) -> Folded:
        """Fold every spoke's delta topic, as a downstream consumer would."""
        settings = self.settings
        values = []
        for spoke in settings.spokes:
            values += [v for _, v in read_topic(settings, access_topic(settings, spoke.id))]
        return fold(values)

    def last_output(self) -> float | None:
        """Return when the workers sent their latest delta, audit or dead-letter record."""
        settings = self.settings
        topics = [access_topic(settings, spoke.id) for spoke in settings.spokes]
        return last_written(settings, [*topics, settings.topic("audit"), settings.topic("dlq")])

    def change_records(self) -> int:
        """Return how many records the internal change topic holds (what the resolvers read)."""
        return topic_records(self.settings, [self.settings.topic(CHANGES)])

    def records(self, short_topic: str) -> list[dict[str, object]]:
        """Return the JSON values of one of the test's topics (`audit`, `dlq`...)."""
        settings = self.settings
        return [json.loads(v) for _, v in read_topic(settings, settings.topic(short_topic)) if v]

    def log_tail(self, name: str, lines: int = 30) -> str:
        """Return the end of a worker's log."""
        text = (self.folder / f"{name}.log").read_text(errors="replace")
        return "\n".join(text.splitlines()[-lines:])
