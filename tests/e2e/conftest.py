"""The end-to-end rig: broker, workers, `uam sink` as a process, the simulated Anaplan tenant.

A `SinkRig` publishes an events file through a `Pipeline` of workers, seeds the simulator from
`uam replay`'s output of the same file (members per workspace, items per hub list, roles),
serves it on 127.0.0.1 and runs `uam sink` against both; `expect` compares every simulated
spoke with replay's grants.csv and roles.csv.
"""

from __future__ import annotations

import csv
import json
import os
import secrets
import signal
import subprocess
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.integration.conftest import kafka_bootstrap  # noqa: F401  (the session broker)
from uam_events.anaplan.simulator import SimulatorOptions, seed_for_settings, serve_in_thread
from uam_events.anaplan.simulator import simulator_app as make_app
from uam_events.pipeline import UAM, Pipeline
from uam_events.replay import replay_file
from uam_events.settings import Settings

SINK_TIMEOUT = 180.0


def csv_dicts(path: Path) -> list[dict[str, str]]:
    """Return a CSV file's rows as dicts."""
    with path.open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def seed_inputs(out: Path) -> tuple[dict[str, list[str]], dict[str, list[Any]], set[str]]:
    """Return members per workspace (by email), items per hub list and every role, from replay."""
    members: dict[str, list[str]] = {}
    for user in map(json.loads, (out / "users.jsonl").read_text().splitlines()):
        email = user["attributes"].get("email") or user["userName"]
        for workspace in user["workspaces"]:
            members.setdefault(workspace, []).append(email)
    items: dict[str, list[Any]] = {}
    for row in csv_dicts(out / "hierarchy.csv"):
        items.setdefault(row["list"], []).append((row["item"], row["name"], row["parent"] or None))
    return members, items, {row["role"] for row in csv_dicts(out / "roles.csv")}


@dataclass
class SinkRig:
    """Workers, a simulated tenant and `uam sink` processes over one test's topics."""

    pipeline: Pipeline
    settings: Settings
    url: str
    password: str
    environ: dict[str, str] = field(default_factory=dict)
    sinks: list[subprocess.Popen[bytes]] = field(default_factory=list)

    @property
    def env(self) -> dict[str, str]:
        """The environment of `uam sink`: the test's topics, the simulator, the password."""
        return {
            **self.pipeline.env,
            "UAM_ANAPLAN__AUTH_URL": self.url,
            "UAM_ANAPLAN__API_URL": f"{self.url}/2/0",
            "UAM_ANAPLAN__PASSWORD": self.password,
            **self.environ,
        }

    @property
    def datadir(self) -> Path:
        """The sink's data folder."""
        return self.pipeline.folder / "sink"

    def start_sink(self, *args: str) -> subprocess.Popen[bytes]:
        """Start `uam sink` with the test's data folder; its log is `sink.log`."""
        command = [*UAM, "sink", "--config", str(self.pipeline.config)]
        command += ["--datadir", str(self.datadir), *args]
        with (self.pipeline.folder / "sink.log").open("ab") as log:
            process = subprocess.Popen(
                command, env=self.env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
            )
        self.sinks.append(process)
        return process

    def sink_once(self) -> None:
        """Run `uam sink --once` to its end; fail with its log when it exits non-zero."""
        process = self.start_sink("--once")
        code = process.wait(SINK_TIMEOUT)
        assert code == 0, self.log_tail()

    def release(self, spoke: str) -> subprocess.CompletedProcess[str]:
        """Run `uam sink release SPOKE` and return what it did."""
        command = [*UAM, "sink", "release", spoke, "--config", str(self.pipeline.config)]
        command += ["--datadir", str(self.datadir), "--by", "e2e-test"]
        return subprocess.run(
            command, env=self.env, capture_output=True, text=True, timeout=60, check=False
        )

    def kill_when_logged(self, process: subprocess.Popen[bytes], text: str) -> None:
        """SIGKILL a sink as soon as its log shows `text` (a step it has started)."""
        log = self.pipeline.folder / "sink.log"
        deadline = time.monotonic() + SINK_TIMEOUT
        while text not in log.read_text(errors="replace"):
            assert process.poll() is None, self.log_tail()
            assert time.monotonic() < deadline, f"never logged {text!r}: {self.log_tail()}"
            time.sleep(0.02)
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(10)

    def view(self, model_id: str) -> dict[str, Any]:
        """Return what a simulated model holds (`/_sim/models/{id}`)."""
        answer = httpx.get(f"{self.url}/_sim/models/{model_id}", timeout=30)
        answer.raise_for_status()
        body: dict[str, Any] = answer.json()
        return body

    def audit(self, kind: str) -> list[dict[str, Any]]:
        """Return the sink's audit records of one kind (`push`, `push_held`...)."""
        return [r for r in self.pipeline.records("audit") if r.get("kind") == kind]

    def expect(self, replayed: Path) -> None:
        """Assert that every spoke holds replay's roles and explicit grants, members only."""
        users = [json.loads(line) for line in (replayed / "users.jsonl").read_text().splitlines()]
        emails = {u["id"]: u["attributes"].get("email") or u["userName"] for u in users}
        integration = self.settings.anaplan.auth.user
        for spoke in self.settings.spokes:
            view = self.view(spoke.model_id)
            names = {entry.hub: entry.name for entry in spoke.lists}
            roles = {
                emails[r["user_id"]]: r["role"]
                for r in csv_dicts(replayed / "roles.csv")
                if r["spoke"] == spoke.id and r["role"] != spoke.no_access_role
            }
            roles.pop(integration, None)
            held_roles = {u["email"]: u["role"] for u in view["users"]}
            assert held_roles.pop(integration) == "Full Access", (
                "a row reached the integration user"
            )
            assert held_roles == roles, spoke.id
            grants = {
                (emails[g["user_id"]], names[g["list"]], g["item"]): g["level"].capitalize()
                for g in csv_dicts(replayed / "grants.csv")
                if g["spoke"] == spoke.id and emails[g["user_id"]] != integration
            }
            held = {
                (email, name, code): level
                for email, lists in view["access"].items()
                for name, codes in lists.items()
                for code, level in codes.items()
            }
            assert held == grants, spoke.id
            assert integration not in view["access"]

    def log_tail(self, lines: int = 40) -> str:
        """Return the end of the sinks' log."""
        text = (self.pipeline.folder / "sink.log").read_text(errors="replace")
        return "\n".join(text.splitlines()[-lines:])

    def stop(self) -> None:
        """Stop any sink still running."""
        for process in self.sinks:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(10)


RigFactory = Callable[..., tuple[SinkRig, Path]]


@pytest.fixture
def sink_rig(kafka_bootstrap: str, tmp_path: Path) -> Iterator[RigFactory]:  # noqa: F811
    """Return a factory: a rig whose workers have processed `events`, and replay's output."""
    with ExitStack() as stack:

        def build(
            config: Path, events: Path, task_seconds: float = 0.0, **environ: str
        ) -> tuple[SinkRig, Path]:
            """Publish `events` through workers and serve a tenant seeded from their replay."""
            pipeline = Pipeline(config, kafka_bootstrap, tmp_path / "run", partitions=3)
            pipeline.create_topics()
            stack.callback(pipeline.stop_all)
            pipeline.start("w1")
            pipeline.produce(events)
            settings = pipeline.settings
            replayed = tmp_path / "replay"
            replay_file(events, settings, replayed)
            members, items, roles = seed_inputs(replayed)
            password = secrets.token_urlsafe(16)
            seed = seed_for_settings(settings, members, items, password, roles=roles)
            app = make_app(seed, SimulatorOptions(task_seconds=task_seconds))
            url = stack.enter_context(serve_in_thread(app))
            rig = SinkRig(pipeline, settings, url, password, environ)
            stack.callback(rig.stop)
            pipeline.wait_idle()
            return rig, replayed

        yield build
