"""Unit tests of the local pipeline's process bookkeeping (no broker needed)."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

from uam_events.pipeline import Pipeline

BUSY = "import time\nend = time.process_time() + 0.3\nwhile time.process_time() < end: pass\n"


def test_cpu_seconds_counts_what_a_worker_process_used(tmp_path: Path) -> None:
    """A process that burns 0.3 s of CPU is seen to have used about that much, not wall time."""
    pipeline = Pipeline(tmp_path / "config.yaml", "127.0.0.1:9", tmp_path)
    pipeline.workers["w1"] = subprocess.Popen([sys.executable, "-c", BUSY + "time.sleep(30)"])
    try:
        used = 0.0
        for _ in range(100):
            used = pipeline.cpu_seconds("w1")
            if used >= 0.3:
                break
            time.sleep(0.05)
        assert 0.3 <= used < 5.0
    finally:
        worker = pipeline.workers.pop("w1")
        worker.kill()
        worker.wait()
