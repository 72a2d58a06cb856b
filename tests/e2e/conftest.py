"""The end-to-end rig: broker, workers, `uam sink` as a process, the simulated Anaplan tenant.

`uam_events.estate` does the work (it also serves `make demo` and `bench/sink.py`); the rig
adds what only tests need: assertions with the sink's log, killing a sink mid-step.
"""

from __future__ import annotations

import os
import signal
import subprocess
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from pathlib import Path

import pytest

from tests.integration.conftest import kafka_bootstrap  # noqa: F401  (the session broker)
from uam_events.estate import SINK_TIMEOUT, Estate, estate
from uam_events.pipeline import Pipeline
from uam_events.replay import replay_file


class SinkRig(Estate):
    """An estate with the assertions the end-to-end tests make."""

    def sink_once(self) -> int:
        """Run `uam sink --once` to its end; fail with its log when it exits non-zero."""
        code = super().sink_once()
        assert code == 0, self.log_tail()
        return code

    def kill_when_logged(self, process: subprocess.Popen[bytes], text: str) -> None:
        """SIGKILL a sink as soon as its log shows `text` (a step it has started)."""
        deadline = time.monotonic() + SINK_TIMEOUT
        while not self.log.exists() or text not in self.log.read_text(errors="replace"):
            assert process.poll() is None, self.log_tail()
            assert time.monotonic() < deadline, f"never logged {text!r}: {self.log_tail()}"
            time.sleep(0.02)
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(10)

    def expect(self, replayed: Path) -> None:
        """Assert that every spoke holds replay's roles and explicit grants, members only."""
        differences = self.differences(replayed)
        assert differences == {spoke.id: [] for spoke in self.settings.spokes}


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
            replayed = tmp_path / "replay"
            replay_file(events, pipeline.settings, replayed)
            served = stack.enter_context(
                estate(pipeline, replayed, task_seconds=task_seconds, environ=environ)
            )
            rig = SinkRig(**{f: getattr(served, f) for f in served.__dataclass_fields__})
            stack.callback(rig.stop)
            pipeline.wait_idle()
            return rig, replayed

        yield build
