"""`uam sink` over a real broker and the simulated tenant leaves each spoke as `uam replay` says.

Events go through `uam produce`, a worker and `uam sink` (a process); every simulated spoke must
then hold exactly replay's roles and explicit grants (members only, never the integration user),
through a sink killed mid-push and through the accidental-deletion guard.
"""

from __future__ import annotations

import base64
import json
import os
import signal
import socket
import subprocess
import time
from pathlib import Path

import httpx
import pytest
from confluent_kafka import Producer

from tests.e2e.conftest import RigFactory
from uam_events.anaplan.simulator.spoke_seed import EXPORT_ID
from uam_events.broker import client_config
from uam_events.generate import EnterpriseShape, write_enterprise
from uam_events.pipeline import UAM
from uam_events.replay import replay_file
from uam_events.topics import access_topic

pytestmark = [pytest.mark.integration, pytest.mark.e2e]


def test_the_shared_example_reaches_every_spoke(sink_rig: RigFactory, example: Path) -> None:
    """The reference example, pushed by `uam sink --once`, leaves each spoke holding replay's."""
    rig, replayed = sink_rig(example / "config.yaml", example / "events.jsonl")
    rig.sink_once()
    rig.expect(replayed)
    pushes = rig.audit("push")
    assert sorted(p["spoke"] for p in pushes) == sorted(s.id for s in rig.settings.spokes)
    assert all(p["rejected"] == 0 for p in pushes)


def test_an_unreadable_delta_is_dead_lettered_and_the_sink_goes_on(
    sink_rig: RigFactory, example: Path
) -> None:
    """A record on a delta topic that is no delta lands on the dead-letter topic, bytes intact."""
    rig, replayed = sink_rig(example / "config.yaml", example / "events.jsonl")
    spoke = rig.settings.spokes[0].id
    topic = access_topic(rig.settings, spoke)
    producer = Producer(client_config(rig.pipeline.settings))
    producer.produce(topic, b'{"kind": "grant", "spoke": 42}', b"u-broken")
    producer.flush(30)
    rig.sink_once()
    rig.expect(replayed)
    (letter,) = [d for d in rig.pipeline.records("dlq") if d["topic"] == topic]
    assert letter["key"] == "u-broken"
    assert base64.b64decode(str(letter["value_b64"])) == b'{"kind": "grant", "spoke": 42}'
    assert "fix:" in str(letter["error"])


def test_reconcile_reads_the_state_topic_and_finds_no_drift_after_the_sink(
    sink_rig: RigFactory, example: Path
) -> None:
    """`uam reconcile --dry-run` compares the Users export with `uam.state.<spoke>`: no drift."""
    rig, _ = sink_rig(example / "config.yaml", example / "events.jsonl")
    rig.sink_once()
    spoke = rig.settings.spokes[0]
    command = [*UAM, "reconcile", spoke.id, "--config", str(rig.pipeline.config), "--dry-run"]
    env = {**rig.env, "UAM_SPOKES__0__USERS_EXPORT_ID": EXPORT_ID}
    done = subprocess.run(
        command, env=env, capture_output=True, text=True, timeout=120, check=False
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert f"spoke {spoke.id}: no drift" in done.stdout
    compared = int(done.stdout.split("no drift (", 1)[1].split(" ", 1)[0])
    assert compared > 0  # the resolved state was read from the topic


def test_a_generated_enterprise_reaches_every_spoke(sink_rig: RigFactory, tmp_path: Path) -> None:
    """A generated enterprise of about 100 users and its changes end in every spoke as replay."""
    config, events = tmp_path / "config.yaml", tmp_path / "events.jsonl"
    write_enterprise(EnterpriseShape.scaled(100), 11, config, events)
    rig, replayed = sink_rig(config, events)
    rig.sink_once()
    rig.expect(replayed)


def test_a_sink_killed_mid_push_converges_after_a_restart(
    sink_rig: RigFactory, example: Path
) -> None:
    """SIGKILLed while its users import runs, the restarted sink pushes again and converges."""
    rig, replayed = sink_rig(example / "config.yaml", example / "events.jsonl", task_seconds=1.0)
    first = rig.start_sink("--once")
    rig.kill_when_logged(first, "anaplan import 112000000001 started task")
    assert rig.audit("push") == []
    rig.sink_once()
    rig.expect(replayed)
    assert {p["spoke"] for p in rig.audit("push")} == {s.id for s in rig.settings.spokes}


REVOCATIONS = [
    {"topic": "policies", "key": rule, "value": None}
    for rule in ("r-sales-region", "r-sales-products")
]


def test_a_burst_of_revocations_is_held_then_released(
    sink_rig: RigFactory, example: Path, tmp_path: Path
) -> None:
    """Revocations past the guard's threshold are held (the spoke unchanged), then released."""
    events = tmp_path / "events.jsonl"
    burst = "".join(json.dumps(line) + "\n" for line in REVOCATIONS)
    events.write_text((example / "events.jsonl").read_text() + burst)
    first_part = tmp_path / "first.jsonl"
    first_part.write_text((example / "events.jsonl").read_text())
    rig, _ = sink_rig(
        example / "config.yaml",
        first_part,
        UAM_GUARD__MIN_REVOKED_USERS="0",
        UAM_GUARD__MAX_REVOKED_FRACTION="0.1",
    )
    rig.sink_once()
    before = rig.view(rig.settings.spokes[0].model_id)
    assert rig.release("sales-emea").returncode != 0  # nothing is held yet

    (tmp_path / "burst.jsonl").write_text(burst)
    rig.pipeline.produce(tmp_path / "burst.jsonl")
    rig.pipeline.wait_idle()
    rig.sink_once()
    (held,) = rig.audit("push_held")
    assert held["spoke"] == "sales-emea"
    assert held["lowered_users"] >= 1
    assert rig.view(rig.settings.spokes[0].model_id)["access"] == before["access"]

    released = rig.release("sales-emea", by="e2e-test")
    assert released.returncode == 0, released.stderr
    assert held["push_id"] in released.stdout
    rig.sink_once()
    (record,) = rig.audit("push_released")
    assert record["push_id"] == held["push_id"]
    assert record["by"] == "e2e-test"
    replayed = tmp_path / "replay-all"
    replay_file(events, rig.settings, replayed)
    rig.expect(replayed)


def test_a_running_sink_serves_metrics_and_stops_on_sigterm(
    sink_rig: RigFactory, example: Path
) -> None:
    """A long-running sink pushes on its (overridden) schedule, exposes its metrics, and exits
    cleanly on SIGTERM."""
    rig, replayed = sink_rig(example / "config.yaml", example / "events.jsonl")
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    sink = rig.start_sink("--every-override", "1", "--metrics-port", str(port))
    deadline = time.monotonic() + 120
    while len({p["spoke"] for p in rig.audit("push")}) < 2:
        assert sink.poll() is None, rig.log_tail()
        assert time.monotonic() < deadline, rig.log_tail()
        time.sleep(0.5)
    rig.expect(replayed)
    metrics = httpx.get(f"http://127.0.0.1:{port}/metrics", timeout=10).text
    assert 'uam_sink_runs_total{outcome="pushed",spoke="finance"} 1.0' in metrics
    assert (
        'uam_sink_rows_pushed_total{level="write",list="Geography",spoke="sales-emea"}' in metrics
    )
    assert 'uam_sink_held_pushes{spoke="sales-emea"} 0.0' in metrics
    os.killpg(sink.pid, signal.SIGTERM)
    assert sink.wait(30) == 0, rig.log_tail()
