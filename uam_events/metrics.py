"""The workers' Prometheus metrics, each worker in a registry of its own.

Label values stay few: topics, outcomes, spokes, delta kinds, partitions, and for dead letters
the field the reason names (never the reason's free text, never a key or a value).
"""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest

LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0)


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
