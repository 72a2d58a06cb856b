"""Process-level tuning shared by the long-running entry points (replay, workers, bench)."""

from __future__ import annotations

import gc

GC_THRESHOLDS = (50_000, 20, 50)
"""Young-generation threshold raised from CPython's 700: the state is many small, long-lived
objects, and with the default each full collection walks the whole state far too often."""


def tune_gc() -> None:
    """Collect garbage less often; call once at start-up of a process holding large state."""
    gc.set_threshold(*GC_THRESHOLDS)


def settle_state() -> None:
    """Move everything alive now out of the collector's sight (after a load or a recovery)."""
    gc.collect()
    gc.freeze()
