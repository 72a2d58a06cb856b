"""`uam sink`: fold the spokes' deltas into RocksDB, run each spoke on its schedule, report.

Invariants: a window of deltas is folded (`coalesce`) and stored before its offsets are
committed; a spoke is never folded while its run is in flight (its partitions are paused and
anything already fetched waits in memory, uncommitted); a run starts only once the topics are
read to the end they had at start; `AnaplanBusy` postpones the spoke by its `retry_after` with
nothing acknowledged; every run's audit records reach `uam.audit` before the next loop.
The composition root of the sink (STYLE item 3): settings, stores, client, consumer, metrics.
"""

from __future__ import annotations

import asyncio
import json
import logging
import signal
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

from prometheus_client import start_http_server
from pydantic import BaseModel

from uam_events.anaplan.client import AnaplanClient
from uam_events.anaplan.model import AnaplanModel
from uam_events.anaplan.tasks import PollPolicy
from uam_events.deadletter import dead_letter
from uam_events.errors import (
    AnaplanBusy,
    AnaplanError,
    ConfigError,
    NoSuchHeldPush,
    SinkError,
    UamError,
)
from uam_events.metrics import SinkMetrics
from uam_events.publisher import Publisher
from uam_events.settings import Schedule, Settings
from uam_events.sink import guard
from uam_events.sink.coalescing import coalesce
from uam_events.sink.pusher import RunReport, SpokeTarget, run_spoke
from uam_events.sink.schedule import next_run, stagger_index
from uam_events.sink.store import RocksStore
from uam_events.sink_service.consumer import DeltaConsumer, Received
from uam_events.sink_service.releases import pending_releases, spoke_folder

log = logging.getLogger(__name__)

POLL = PollPolicy(first=0.5, factor=1.5, cap=15.0)
Clock = Callable[[], datetime]


def utc_now() -> datetime:
    """Return the current time in UTC."""
    return datetime.now(UTC)


@dataclass(frozen=True, slots=True)
class SinkOptions:
    """How `uam sink` runs: its data folder, `--once`, metrics, a schedule override."""

    datadir: Path
    once: bool = False
    metrics_port: int | None = None
    metrics_bind: str = "127.0.0.1"
    every_override: timedelta | None = None
    batch: int = 1000


@dataclass(slots=True)
class SpokeSlot:
    """A spoke as the runner keeps it: store, schedule, the run in flight, held-back deltas."""

    target: SpokeTarget
    store: RocksStore
    schedule: Schedule
    index: int
    due: datetime
    task: asyncio.Task[RunReport] | None = None
    waiting: list[Received] = field(default_factory=list)
    finished: bool = False
    failed: bool = False

    @property
    def id(self) -> str:
        """Return the spoke's id."""
        return self.target.spoke.id


class SinkRunner:
    """One sink process: every configured spoke, one consumer, one Anaplan client."""

    def __init__(
        self,
        settings: Settings,
        options: SinkOptions,
        metrics: SinkMetrics | None = None,
        clock: Clock = utc_now,
    ) -> None:
        self.settings = settings
        self.options = options
        self.metrics = metrics or SinkMetrics()
        self.clock = clock
        self.stopping = asyncio.Event()
        self.slots: dict[str, SpokeSlot] = {}
        self.consumer = DeltaConsumer(settings)
        self.publisher = Publisher(settings)

    async def serve(self) -> int:
        """Run until stopped (or, with `once`, until every spoke ran once); return an exit code."""
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(signum, self.stopping.set)
        server = None
        if self.options.metrics_port is not None:
            server, _ = start_http_server(
                self.options.metrics_port, self.options.metrics_bind, self.metrics.registry
            )
        try:
            async with AnaplanClient(self.settings.anaplan) as client:
                self._open(client)
                self.consumer.assign()
                await self._loop()
        finally:
            await self._shut_down()
            if server is not None:
                server.shutdown()
        return 1 if any(slot.failed for slot in self.slots.values()) else 0

    def _open(self, client: AnaplanClient) -> None:
        """Open each spoke's store and schedule its first run."""
        now, settings = self.clock(), self.settings
        for spoke in settings.spokes:
            schedule = spoke.schedule
            if self.options.every_override is not None:
                schedule = Schedule(every=self.options.every_override)
            index = stagger_index(settings.spokes, spoke.id)
            target = SpokeTarget(
                spoke,
                AnaplanModel(client, spoke.workspace_id, spoke.model_id, poll=POLL),
                settings.guard,
                settings.anaplan.auth.user,
                settings.sink.quarantine_after_runs,
            )
            store = RocksStore(spoke_folder(self.options.datadir, spoke.id))
            due = now if self.options.once else next_run(schedule, index, now)
            self.slots[spoke.id] = SpokeSlot(target, store, schedule, index, due)
            self._gauge(self.slots[spoke.id])
            log.info("spoke %s: first run at %s", spoke.id, due.isoformat())

    async def _loop(self) -> None:
        """Fold, release, start due runs and reap finished ones, until stopped or done."""
        while not self.stopping.is_set():
            batch = await asyncio.to_thread(self.consumer.poll, self.options.batch, 0.2)
            await self._fold(batch)
            await self._apply_releases()
            await self._reap()
            if self.consumer.caught_up():
                self._start_due()
            if self.options.once and all(slot.finished for slot in self.slots.values()):
                return

    async def _fold(self, batch: list[Received]) -> None:
        """Fold and store each spoke's deltas, dead-letter unreadable records, then commit
        their offsets; hold back in-flight spokes' deltas."""
        by_spoke: dict[str, list[Received]] = {}
        for record in batch:
            by_spoke.setdefault(record.spoke, []).append(record)
        done: list[Received] = []
        for spoke, records in by_spoke.items():
            slot = self.slots[spoke]
            if slot.task is not None:
                slot.waiting += records
                continue
            deltas = [r.delta for r in records if r.delta is not None]
            slot.store.write(coalesce(slot.store.get, deltas))
            self.metrics.deltas.labels(spoke, "folded").inc(len(deltas))
            self.metrics.deltas.labels(spoke, "unreadable").inc(len(records) - len(deltas))
            done += records
        await self._dead_letter([r for r in done if r.error is not None])
        self.consumer.commit(done)

    async def _dead_letter(self, unreadable: list[Received]) -> None:
        """Publish unreadable records to the dead-letter topic with their original bytes."""
        if not unreadable:
            return
        at = self.clock().isoformat().replace("+00:00", "Z")
        for record in unreadable:
            topic, partition = record.where
            letter = dead_letter(
                topic=topic,
                partition=partition,
                offset=record.offset,
                key=None if record.key is None else record.key.decode("utf-8", "replace"),
                value=record.value,
                error=record.error or "unreadable",
                at=at,
            )
            self.publisher.send(self.settings.topic("dlq"), record.key, json.dumps(letter).encode())
        await self.publisher.flush()

    async def _apply_releases(self) -> None:
        """Apply the operators' release requests of spokes that are not running."""
        for path, request in pending_releases(self.options.datadir):
            slot = None if request is None else self.slots.get(request.spoke)
            if request is None or slot is None:
                log.error("release request %s is unreadable or names no spoke; removed", path.name)
                path.unlink(missing_ok=True)
                continue
            if slot.task is not None:
                continue
            path.unlink(missing_ok=True)
            refused: NoSuchHeldPush | None = None
            try:
                state, record = guard.release(
                    slot.id, slot.store.guard(), request.push_id, request.by, self.clock()
                )
            except NoSuchHeldPush as error:
                refused = error
            else:
                slot.store.write({}, state)
                await self._publish(slot.id, [record])
                slot.due = min(slot.due, self.clock())
                slot.finished = False
                log.warning(
                    "spoke %s: push %s released by %s", slot.id, request.push_id, request.by
                )
                self._gauge(slot)
            if refused is not None:
                log.error("release refused: %s", refused)

    def _start_due(self) -> None:
        """Start the run of every idle spoke whose time has come."""
        now = self.clock()
        for slot in self.slots.values():
            if slot.task is None and slot.due <= now and not (self.options.once and slot.finished):
                self.consumer.pause(slot.id)
                observe = self.metrics.observe_import
                slot.task = asyncio.create_task(run_spoke(slot.target, slot.store, now, observe))

    async def _reap(self) -> None:
        """Settle every finished run: publish, count, reschedule, fold what waited."""
        for slot in self.slots.values():
            task = slot.task
            if task is None or not task.done():
                continue
            slot.task = None
            outcome = await self._outcome(slot, task)
            self.metrics.runs.labels(slot.id, outcome).inc()
            self.consumer.resume(slot.id)
            waiting, slot.waiting = slot.waiting, []
            await self._fold(waiting)

    async def _outcome(self, slot: SpokeSlot, task: asyncio.Task[RunReport]) -> str:
        """Return a finished run's outcome label, after publishing and scheduling it."""
        now = self.clock()
        slot.due = next_run(slot.schedule, slot.index, now)
        failure: UamError | None = None
        try:
            report = task.result()
        except AnaplanBusy as busy:
            slot.due = now + timedelta(seconds=busy.retry_after)
            log.warning("spoke %s: Anaplan is busy; next try at %s", slot.id, slot.due.isoformat())
            return "busy"
        except (AnaplanError, SinkError, ConfigError) as error:
            failure = error
        if failure is not None:
            log.error("spoke %s: the run failed: %s", slot.id, failure)
            slot.finished = slot.failed = True
            return "failed"
        slot.finished = True
        slot.failed = slot.failed or report.state == "failed"
        await self._publish(slot.id, report.audit)
        self._count(slot, report)
        log.info("spoke %s: run %s; next at %s", slot.id, report.state, slot.due.isoformat())
        return report.state

    def _count(self, slot: SpokeSlot, report: RunReport) -> None:
        """Update a spoke's metrics after a run."""
        push = report.push
        if report.state == "pushed" and push is not None:
            for row in (*push.users_file().rows, *push.text_file().rows):
                if row.key.part == "access" and row.level is not None:
                    self.metrics.rows.labels(slot.id, row.key.list, row.level.label).inc()
                else:
                    self.metrics.rows.labels(slot.id, "-", row.key.part).inc()
        if report.state in ("pushed", "empty"):
            self.metrics.last_success.labels(slot.id).set(time.time())
        self._gauge(slot)

    def _gauge(self, slot: SpokeSlot) -> None:
        """Set a spoke's pending, quarantined and held gauges from its store."""
        pending = quarantined = 0
        for _, tracked in slot.store.users():
            for key in tracked.parked:
                if tracked.quarantined(key):
                    quarantined += 1
                else:
                    pending += 1
        self.metrics.pending.labels(slot.id).set(pending)
        self.metrics.quarantined.labels(slot.id).set(quarantined)
        self.metrics.held.labels(slot.id).set(int(slot.store.guard().held is not None))

    async def _publish(self, spoke: str, records: Sequence[BaseModel]) -> None:
        """Publish audit records keyed by spoke and wait until the broker has them."""
        if not records:
            return
        topic = self.settings.topic("audit")
        for record in records:
            self.publisher.send(topic, spoke.encode(), record.model_dump_json().encode())
        await self.publisher.flush()

    async def _shut_down(self) -> None:
        """Cancel runs in flight (nothing of theirs is acknowledged), close stores and consumer."""
        for slot in self.slots.values():
            if slot.task is not None:
                slot.task.cancel()
                await asyncio.gather(slot.task, return_exceptions=True)
            slot.store.close()
        self.consumer.close()
