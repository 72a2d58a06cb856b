"""The workers' timers: consumer lag for the metrics, and records Faust fetched and dropped."""

from __future__ import annotations

import logging
from typing import Any

from aiokafka.errors import IllegalStateError

from streams.intake import Intake
from streams.resolver import Resolver
from uam_events.metrics import WorkerMetrics

log = logging.getLogger(__name__)

REPORT_SECONDS = 5.0
DROPPED_CHECK_SECONDS = 2.0
"""How often each agent's partitions are checked for records fetched and never delivered."""


def add_upkeep(
    app: Any, resolver: Resolver, metrics: WorkerMetrics, intakes: list[Intake], topics: set[str]
) -> None:
    """Start the timers of one worker's app."""

    async def report() -> None:
        resolver.report()
        for tp in app.consumer.assignment():
            if tp.topic not in topics:
                continue
            highwater = app.consumer.highwater(tp)
            try:
                position = await app.consumer.position(tp)
            except IllegalStateError:
                return  # revoked by a rebalance under way: the next report sees the new set
            if highwater is not None and position is not None:
                behind = max(highwater - position, 0)
                metrics.lag.labels(tp.topic, str(tp.partition)).set(behind)

    async def recover_dropped() -> None:
        for intake in intakes:
            for tp, offset in await intake.recover_dropped():
                log.warning(
                    "%s: fetched records never delivered; reading again from %d", tp, offset
                )
                metrics.refetched.labels(tp.topic, str(tp.partition)).inc()

    app.timer(REPORT_SECONDS)(report)
    app.timer(DROPPED_CHECK_SECONDS)(recover_dropped)
