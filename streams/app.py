"""The composition root of the workers: a Faust app wired from the settings.

One app per worker process: the router agent on the input topics, the resolver agent on the
change topic (concurrency 1: Faust may otherwise commit past an event still in flight), the
checkpoint table in RocksDB through rocksdict with its changelog, at-least-once delivery with
consumers made idempotent by `seq`, and one data directory per worker (RocksDB locks it).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast

import faust

from streams.assignment import ChangePartitions, rewind
from streams.intake import Intake
from streams.resolver import Resolver
from streams.router import Router
from streams.tables import CheckpointTable
from streams.upkeep import add_upkeep
from streams.views import add_views
from uam_events.metrics import WorkerMetrics
from uam_events.publisher import Publisher
from uam_events.settings import Settings
from uam_events.topics import CHANGES, all_topics, input_topics

log = logging.getLogger(__name__)

BLOCK_CACHE_BYTES = 64 * 1024 * 1024
WRITE_BUFFER_BYTES = 16 * 1024 * 1024
"""RocksDB sizes per partition database (Faust's defaults, 2 GiB cache each, are far too big)."""


@dataclass(frozen=True, slots=True)
class WorkerOptions:
    """What differs between two workers of one deployment."""

    datadir: Path
    web_port: int | None = None
    web_bind: str = "127.0.0.1"
    batch: int = 2000


@dataclass(slots=True)
class Workers:
    """A wired app and the parts tests and views look into."""

    app: faust.App
    router: Router
    resolver: Resolver
    metrics: WorkerMetrics


def create_app(settings: Settings, options: WorkerOptions) -> Workers:
    """Return the Faust app for one worker process."""
    n = settings.kafka.partitions
    app = faust.App(
        settings.topic("workers"),
        broker=[f"kafka://{server}" for server in settings.kafka.bootstrap_servers.split(",")],
        store="rocksdb://",
        datadir=str(options.datadir),
        topic_partitions=n,
        topic_replication_factor=1,
        table_standby_replicas=0,
        processing_guarantee="at_least_once",
        consumer_auto_offset_reset="earliest",
        broker_commit_interval=1.0,
        broker_session_timeout=10.0,
        stream_wait_empty=False,
        broker_heartbeat_interval=2.0,
        web_enabled=options.web_port is not None,
        web_port=options.web_port or 6066,
        web_bind=options.web_bind,
        web_host="127.0.0.1",
        producer_linger=0.005,
        key_serializer="raw",
        value_serializer="raw",
    )
    raw: dict[str, Any] = {"key_type": bytes, "value_type": bytes}
    raw |= {"key_serializer": "raw", "value_serializer": "raw"}
    topics = {
        spec.name: app.topic(spec.name, partitions=spec.partitions, **raw)
        for spec in all_topics(settings)
    }
    changes = topics[settings.topic(CHANGES)]
    topics["changes"] = changes
    table = app.Table(
        "checkpoint",
        partitions=n,
        key_type=bytes,
        value_type=bytes,
        options={"block_cache_size": BLOCK_CACHE_BYTES, "write_buffer_size": WRITE_BUFFER_BYTES},
    )
    metrics = WorkerMetrics()
    # one producer each: a flush waits for every record of its producer, and the router's
    # and the resolver's batches should not wait for each other's
    publisher = Publisher(settings)
    router = Router(settings, Publisher(settings), metrics)
    resolver = Resolver(settings, CheckpointTable(table, publisher), metrics, publisher)
    inputs = app.topic(*input_topics(settings), **raw)
    consumed = {*input_topics(settings), settings.topic(CHANGES)}
    partitions = ChangePartitions(app, changes.get_topic_name())
    intakes: list[Intake] = []

    async def route(stream: Any) -> None:
        intake = Intake(app, stream)
        intakes.append(intake)
        await router.route(intake)

    async def resolve(stream: Any) -> None:
        intake = Intake(app, stream)
        intakes.append(intake)
        await resolver.resolve(intake, partitions, options.batch)

    app.agent(inputs, name="router", concurrency=1)(route)
    app.agent(changes, name="resolver", concurrency=1)(resolve)

    add_upkeep(app, resolver, metrics, intakes, consumed)
    add_views(app, resolver, metrics)

    async def on_assigned(_: Any, assigned: set[Any], **__: Any) -> None:
        mine = {tp.partition for tp in assigned if tp.topic == changes.get_topic_name()}
        resolver.restart(mine)
        await rewind(app.consumer, consumed)

    app.on_partitions_assigned.connect(cast(Any, on_assigned))

    return Workers(app, router, resolver, metrics)
