"""A local Anaplan estate for the demo, the benchmark and the end-to-end tests.

A simulated tenant seeded from `uam replay`'s output of an events file (members per workspace,
items per hub list, every role), served on 127.0.0.1, and `uam sink` processes run against it
and a `Pipeline`'s topics. `differences` compares what each simulated spoke holds with replay's
grants.csv and roles.csv: explicit selective access and roles of members, never the
integration user.
"""

from __future__ import annotations

import csv
import json
import os
import secrets
import signal
import subprocess
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
from pydantic import SecretStr

from uam_events.anaplan.simulator import SimulatorOptions, seed_for_settings, serve_in_thread
from uam_events.anaplan.simulator import simulator_app as make_app
from uam_events.anaplan.simulator.seed import SimulatorSeed
from uam_events.pipeline import UAM, Pipeline
from uam_events.settings import Settings

SINK_TIMEOUT = 180.0
Items = dict[str, list[tuple[str, str, str | None]]]


def csv_dicts(path: Path) -> list[dict[str, str]]:
    """Return a CSV file's rows as dicts."""
    with path.open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def seed_inputs(*replays: Path) -> tuple[dict[str, list[str]], Items, set[str]]:
    """Return members per workspace (by email), items per hub list and every role, from replays.

    With several replays (a setup and what follows it) the tenant holds the union, so that
    neither an item deleted later nor one added later is missing from it.
    """
    members: dict[str, set[str]] = {}
    items: dict[str, dict[str, tuple[str, str, str | None]]] = {}
    roles: set[str] = set()
    for replayed in replays:
        for user in map(json.loads, (replayed / "users.jsonl").read_text().splitlines()):
            email = user["attributes"].get("email") or user["userName"]
            for workspace in user["workspaces"]:
                members.setdefault(workspace, set()).add(email)
        for row in csv_dicts(replayed / "hierarchy.csv"):
            item = (row["item"], row["name"], row["parent"] or None)
            items.setdefault(row["list"], {}).setdefault(row["item"], item)
        roles |= {row["role"] for row in csv_dicts(replayed / "roles.csv")}
    listed = {hub: list(by_code.values()) for hub, by_code in items.items()}
    return {w: sorted(e) for w, e in members.items()}, listed, roles


def seed_from_replays(
    settings: Settings, *replays: Path, password: str | SecretStr | None
) -> SimulatorSeed:
    """Return a tenant for the configured spokes with the members, items and roles of replays."""
    members, items, roles = seed_inputs(*replays)
    return seed_for_settings(settings, members, items, password, roles=roles)


@dataclass
class Estate:
    """Workers' topics, a simulated tenant and the `uam sink` processes run against them."""

    pipeline: Pipeline
    settings: Settings
    url: str
    password: str
    environ: dict[str, str] = field(default_factory=dict)
    sinks: list[subprocess.Popen[bytes]] = field(default_factory=list)

    @property
    def env(self) -> dict[str, str]:
        """The environment of `uam sink`: the topics, the simulator, the password."""
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

    @property
    def log(self) -> Path:
        """The sinks' log file."""
        return self.pipeline.folder / "sink.log"

    def start_sink(self, *args: str) -> subprocess.Popen[bytes]:
        """Start `uam sink` with the estate's data folder; its log is `sink.log`."""
        command = [*UAM, "sink", "--config", str(self.pipeline.config)]
        command += ["--datadir", str(self.datadir), *args]
        with self.log.open("ab") as log:
            process = subprocess.Popen(
                command, env=self.env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
            )
        self.sinks.append(process)
        return process

    def sink_once(self) -> int:
        """Run `uam sink --once` to its end and return its exit code."""
        return self.start_sink("--once").wait(SINK_TIMEOUT)

    def release(self, spoke: str, by: str = "uam-events") -> subprocess.CompletedProcess[str]:
        """Run `uam sink release SPOKE` as operator `by` and return what it did."""
        command = [*UAM, "sink", "release", spoke, "--config", str(self.pipeline.config)]
        command += ["--datadir", str(self.datadir), "--by", by]
        return subprocess.run(
            command, env=self.env, capture_output=True, text=True, timeout=60, check=False
        )

    def view(self, model_id: str) -> dict[str, Any]:
        """Return what a simulated model holds (`/_sim/models/{id}`)."""
        answer = httpx.get(f"{self.url}/_sim/models/{model_id}", timeout=30)
        answer.raise_for_status()
        body: dict[str, Any] = answer.json()
        return body

    def audit(self, kind: str) -> list[dict[str, Any]]:
        """Return the sink's audit records of one kind (`push`, `push_held`...)."""
        return [r for r in self.pipeline.records("audit") if r.get("kind") == kind]

    def differences(self, replayed: Path) -> dict[str, list[str]]:
        """Return, per spoke, how what it holds differs from replay (empty lists: identical)."""
        users = [json.loads(line) for line in (replayed / "users.jsonl").read_text().splitlines()]
        emails = {u["id"]: u["attributes"].get("email") or u["userName"] for u in users}
        integration = self.settings.anaplan.auth.user
        found: dict[str, list[str]] = {}
        for spoke in self.settings.spokes:
            view = self.view(spoke.model_id)
            problems = found[spoke.id] = []
            want_roles = {
                emails[r["user_id"]]: r["role"]
                for r in csv_dicts(replayed / "roles.csv")
                if r["spoke"] == spoke.id and r["role"] != spoke.no_access_role
            }
            want_roles.pop(integration, None)
            held_roles = {u["email"]: u["role"] for u in view["users"]}
            if held_roles.pop(integration, None) != "Full Access":
                problems.append("the integration user's row was changed")
            problems += _diff("role", want_roles, held_roles)
            names = {entry.hub: entry.name for entry in spoke.lists}
            want = {
                f"{emails[g['user_id']]} {names[g['list']]} {g['item']}": g["level"].capitalize()
                for g in csv_dicts(replayed / "grants.csv")
                if g["spoke"] == spoke.id and emails[g["user_id"]] != integration
            }
            held = {
                f"{email} {name} {code}": level
                for email, lists in view["access"].items()
                for name, codes in lists.items()
                for code, level in codes.items()
            }
            problems += _diff("access", want, held)
        return found

    def log_tail(self, lines: int = 40) -> str:
        """Return the end of the sinks' log."""
        text = self.log.read_text(errors="replace") if self.log.exists() else ""
        return "\n".join(text.splitlines()[-lines:])

    def stop(self) -> None:
        """Stop any sink still running."""
        for process in self.sinks:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(10)


def _diff(what: str, want: dict[str, str], held: dict[str, str]) -> list[str]:
    """Return one line per key whose value differs, at most 5 of them and a count."""
    keys = sorted(k for k in want.keys() | held.keys() if want.get(k) != held.get(k))
    lines = [f"{what} {k}: want {want.get(k)}, holds {held.get(k)}" for k in keys[:5]]
    if len(keys) > 5:
        lines.append(f"... and {len(keys) - 5} more")
    return lines


@contextmanager
def estate(
    pipeline: Pipeline,
    replayed: Path,
    *,
    task_seconds: float = 0.0,
    environ: dict[str, str] | None = None,
    also: tuple[Path, ...] = (),
) -> Iterator[Estate]:
    """Serve a tenant seeded from `replayed` (and `also`) on 127.0.0.1; stop it afterwards."""
    settings = pipeline.settings
    password = secrets.token_urlsafe(16)
    seed = seed_from_replays(settings, replayed, *also, password=password)
    with ExitStack() as stack:
        url = stack.enter_context(
            serve_in_thread(make_app(seed, SimulatorOptions(task_seconds=task_seconds)))
        )
        running = Estate(pipeline, settings, url, password, dict(environ or {}))
        stack.callback(running.stop)
        yield running
