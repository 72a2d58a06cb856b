"""The workers on a real broker give what `uam replay` gives, through crashes and rebalances."""

from __future__ import annotations

import base64
import csv
import json
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from uam_events.broker import read_topic
from uam_events.folding import Folded
from uam_events.generate import EnterpriseShape, write_enterprise
from uam_events.pipeline import Pipeline
from uam_events.replay import replay_file
from uam_events.settings import load_settings
from uam_events.topics import CHANGES

pytestmark = pytest.mark.integration

EXAMPLE = Path(__file__).parent.parent / "data" / "shared-example"


def csv_rows(path: Path) -> list[tuple[str, ...]]:
    """Return a CSV file's rows without the header, sorted."""
    with path.open(encoding="utf-8", newline="") as handle:
        return sorted(tuple(row) for row in list(csv.reader(handle))[1:])


@pytest.fixture
def pipeline(kafka_bootstrap: str, tmp_path: Path) -> Iterator[Pipeline]:
    """A pipeline over the shared example's configuration, its workers stopped afterwards."""
    made = Pipeline(EXAMPLE / "config.yaml", kafka_bootstrap, tmp_path)
    made.create_topics()
    yield made
    made.stop_all()


def test_the_shared_example_gives_the_expected_files(pipeline: Pipeline) -> None:
    """Produced and folded from the delta topics, the example gives expected grants and roles."""
    pipeline.start("w1")
    produced = time.time()
    pipeline.produce(EXAMPLE / "events.jsonl")
    pipeline.wait_idle()
    written = pipeline.last_output()  # what bench/pipeline.py reads as the end of a run
    assert written is not None
    assert produced - 1 <= written <= time.time()
    changes = read_topic(pipeline.settings, pipeline.settings.topic(CHANGES))
    assert pipeline.change_records() == len(changes) > 0
    folded = pipeline.folded()
    assert folded.gaps == []
    assert folded.grant_rows() == csv_rows(EXAMPLE / "expected" / "grants.csv")
    assert folded.role_rows() == csv_rows(EXAMPLE / "expected" / "roles.csv")
    expected_audit = [
        json.loads(line) for line in (EXAMPLE / "expected" / "audit.jsonl").read_text().splitlines()
    ]
    audit = pipeline.records("audit")
    key = lambda d: str(d["command_id"])  # noqa: E731
    assert sorted(audit, key=key) == sorted(expected_audit, key=key)
    dlq = pipeline.records("dlq")
    assert len(dlq) == int((EXAMPLE / "expected" / "dlq_count.txt").read_text())
    lines = (EXAMPLE / "events.jsonl").read_bytes().splitlines()
    for letter in dlq:
        assert letter["error"]
        assert letter["topic"] is None or str(letter["topic"]).startswith(pipeline.prefix)
        if letter["partition"] is None:
            assert (
                base64.b64decode(str(letter["value_b64"])) == lines[int(str(letter["offset"])) - 1]
            )


@pytest.fixture
def enterprise(tmp_path: Path) -> tuple[Path, Path, Path]:
    """A small generated enterprise, and `uam replay`'s output for it."""
    config, events = tmp_path / "config.yaml", tmp_path / "events.jsonl"
    write_enterprise(EnterpriseShape.scaled(300), 7, config, events)
    out = tmp_path / "replay"
    replay_file(events, load_settings(config), out)
    return config, events, out


def run_with_an_upset(
    kafka_bootstrap: str, folder: Path, config: Path, events: Path, upset: str
) -> Folded:
    """Produce with one worker, upset it once 500 deltas are out, wait, fold the deltas."""
    pipeline = Pipeline(config, kafka_bootstrap, folder, partitions=4)
    pipeline.create_topics()
    try:
        pipeline.start("w1")
        pipeline.produce(events)
        deadline = time.monotonic() + 120
        while pipeline.folded().deltas < 500 and time.monotonic() < deadline:
            time.sleep(0.5)
        if upset == "kill":
            pipeline.kill("w1")
            pipeline.start("w1")
        else:
            pipeline.start("w2")
        pipeline.wait_idle()
        return pipeline.folded()
    finally:
        pipeline.stop_all()


@pytest.mark.parametrize(
    "upset",
    [
        pytest.param("kill", id="a worker killed with SIGKILL mid-stream and restarted"),
        pytest.param("join", id="a second worker joining mid-stream (a rebalance)"),
    ],
)
def test_an_upset_pipeline_ends_like_replay(
    kafka_bootstrap: str, tmp_path: Path, enterprise: tuple[Path, Path, Path], upset: str
) -> None:
    """Through a crash or a rebalance: replay's grants and roles, no gap in any seq."""
    config, events, replayed = enterprise
    folded = run_with_an_upset(kafka_bootstrap, tmp_path, config, events, upset)
    assert folded.gaps == []
    assert folded.grant_rows() == csv_rows(replayed / "grants.csv")
    assert folded.role_rows() == csv_rows(replayed / "roles.csv")


@settings(
    max_examples=2,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(seed=st.integers(1, 1_000_000), users=st.integers(40, 160))
def test_generated_sequences_through_two_workers_end_like_replay(
    kafka_bootstrap: str, tmp_path_factory: pytest.TempPathFactory, seed: int, users: int
) -> None:
    """Hypothesis picks an enterprise and its stream of changes (malformed lines included);
    two workers with a rebalance in the middle give what `uam replay` gives."""
    folder = tmp_path_factory.mktemp("generated")
    config, events = folder / "config.yaml", folder / "events.jsonl"
    write_enterprise(EnterpriseShape.scaled(users), seed, config, events)
    replay_file(events, load_settings(config), folder / "replay")
    pipeline = Pipeline(config, kafka_bootstrap, folder / "workers", partitions=3)
    pipeline.create_topics()
    try:
        pipeline.start("w1")
        pipeline.produce(events)
        pipeline.start("w2")
        pipeline.wait_idle()
        folded = pipeline.folded()
    finally:
        pipeline.stop_all()
    assert folded.gaps == []
    assert folded.grant_rows() == csv_rows(folder / "replay" / "grants.csv")
    assert folded.role_rows() == csv_rows(folder / "replay" / "roles.csv")
