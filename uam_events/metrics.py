"""Prometheus metrics of the workers and of the sink, each process in a registry of its own.

Label values stay few: topics, outcomes, spokes, delta kinds, partitions, and for dead letters
the field the reason names (never the reason's free text, never a key or a value).
"""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest

LATENCY_BUCKETS = (
    0.005,
    0.01,
    0.025,
    0.05,
    0.1,
    0.15,
    0.2,
    0.25,
    0.3,
    0.4,
    0.5,
    0.75,
    1.0,
    2.5,
    5.0,
    10.0,
    30.0,
    60.0,
)
"""Seconds; fine between 100 ms and 1 s, where the latency target (p99 < 500 ms) lies."""


class WorkerMetrics:
    """What one worker process counts and measures."""

    def __init__(self, registry: CollectorRegistry | None = None) -> None:
        self.registry = registry or CollectorRegistry()
        r = self.registry
        self.consumed = Counter(
            "uam_events_consumed",
            "Records consumed, by topic and outcome (forwarded, applied, duplicate, ...).",
            ["topic", "outcome"],
            registry=r,
        )
        self.dead_letters = Counter(
            "uam_dead_letters",
            "Records sent to the dead-letter topic, by input topic and the field at fault.",
            ["topic", "field"],
            registry=r,
        )
        self.deltas = Counter(
            "uam_deltas", "Deltas emitted, by spoke and kind.", ["spoke", "kind"], registry=r
        )
        self.audit = Counter(
            "uam_command_decisions", "Command decisions, by decision.", ["decision"], registry=r
        )
        self.lag = Gauge(
            "uam_consumer_lag",
            "Records behind the end of each assigned partition.",
            ["topic", "partition"],
            registry=r,
        )
        self.latency = Histogram(
            "uam_event_latency_seconds",
            "From the input record's timestamp to its outputs being sent.",
            buckets=LATENCY_BUCKETS,
            registry=r,
        )
        self.refetched = Counter(
            "uam_refetched",
            "Times a partition was read again because fetched records were never delivered.",
            ["topic", "partition"],
            registry=r,
        )
        self.recovery = Gauge(
            "uam_recovery_seconds",
            "Seconds the last recovery of each partition's state took.",
            ["partition"],
            registry=r,
        )
        self.held = Gauge(
            "uam_records_waiting",
            "Records held for a predecessor or commands waiting for facts, per partition.",
            ["partition"],
            registry=r,
        )

    def dead_letter(self, topic: str, reason: str) -> None:
        """Count one dead letter; its label is the field the reason starts with."""
        field = reason.split(":", 1)[0].split(" ", 1)[0][:40] or "unknown"
        self.dead_letters.labels(topic, field).inc()

    def exposition(self) -> bytes:
        """Return the registry in the Prometheus text format."""
        return generate_latest(self.registry)


IMPORT_BUCKETS = (0.1, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 120.0, 300.0, 900.0, 1800.0, 3600.0)


class SinkMetrics:
    """What `uam sink` counts and measures, per spoke (DESIGN issue 5, item 6)."""

    def __init__(self, registry: CollectorRegistry | None = None) -> None:
        self.registry = registry or CollectorRegistry()
        r = self.registry
        self.deltas = Counter(
            "uam_sink_deltas",
            "Deltas consumed, by spoke and outcome (folded, duplicate, unreadable).",
            ["spoke", "outcome"],
            registry=r,
        )
        self.rows = Counter(
            "uam_sink_rows_pushed",
            "Rows pushed, by spoke, hub list and level (role and text rows: list '-').",
            ["spoke", "list", "level"],
            registry=r,
        )
        self.imports = Counter(
            "uam_sink_imports",
            "Imports and processes run, by spoke, step (refresh, users, text) and outcome.",
            ["spoke", "step", "outcome"],
            registry=r,
        )
        self.import_seconds = Histogram(
            "uam_sink_import_seconds",
            "Duration of each import or process, upload and dump included.",
            ["spoke", "step"],
            buckets=IMPORT_BUCKETS,
            registry=r,
        )
        self.runs = Counter(
            "uam_sink_runs",
            "Spoke runs, by outcome (pushed, empty, held, busy, failed).",
            ["spoke", "outcome"],
            registry=r,
        )
        self.pending = Gauge(
            "uam_sink_pending_rows", "Rejected rows to retry next run.", ["spoke"], registry=r
        )
        self.quarantined = Gauge(
            "uam_sink_quarantined_rows",
            "Rows quarantined for the value still wanted.",
            ["spoke"],
            registry=r,
        )
        self.held = Gauge(
            "uam_sink_held_pushes", "1 while a push waits for a release.", ["spoke"], registry=r
        )
        self.last_success = Gauge(
            "uam_sink_last_success_timestamp_seconds",
            "When the last push of each spoke settled (Unix time).",
            ["spoke"],
            registry=r,
        )

    def observe_import(self, spoke: str, step: str, outcome: str, seconds: float) -> None:
        """Count one import or process and its duration."""
        self.imports.labels(spoke, step, outcome).inc()
        self.import_seconds.labels(spoke, step).observe(seconds)

    def exposition(self) -> bytes:
        """Return the registry in the Prometheus text format."""
        return generate_latest(self.registry)
