"""The sink's metrics: each import counted with its outcome and timed, per spoke and step."""

from __future__ import annotations

from uam_events.metrics import SinkMetrics


def test_an_import_is_counted_and_timed_per_spoke_and_step() -> None:
    """observe_import adds one to the outcome's counter and one observation to the histogram."""
    metrics = SinkMetrics()
    metrics.observe_import("finance", "users", "success", 2.0)
    text = metrics.exposition().decode()
    assert 'uam_sink_imports_total{outcome="success",spoke="finance",step="users"} 1.0' in text
    assert 'uam_sink_import_seconds_count{spoke="finance",step="users"} 1.0' in text
    assert 'uam_sink_import_seconds_sum{spoke="finance",step="users"} 2.0' in text
