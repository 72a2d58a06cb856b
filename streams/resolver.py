"""The resolver: one deterministic state machine per partition of the change topic.

Each batch is applied partition by partition through the same `Processor` as `uam replay`;
its outputs (deltas, audit, dead letters, commands travelling on) are sent as they come. At
most every `SAVE_SECONDS`, or when the input pauses, the state records are sent, the producer
is flushed, the changed checkpoints are saved, and only then are the events acked (see
`tables.py` for why that order loses nothing). A partition's checkpoint also records its
first unfinished change record, where reading resumes whatever Faust committed. Records of
a `uam produce` run are applied in file order (`uam_events.chain`); a linked command waits at
its target's partition for the facts its actor's and source's partitions send when their
chains reach it. Records without a link are deduplicated by origin offset, per path they
travelled.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import deque
from typing import Any

from streams import headers as h
from streams.assignment import ChangePartitions
from streams.intake import Intake
from streams.outputs import Outputs
from streams.restore import open_run, save_run
from streams.runs import Admission, PartitionRun, ResolverStats, Step, Waiting
from streams.tables import CheckpointTable
from uam_events.chain import Link, Verdict
from uam_events.core.commands import CommandFacts
from uam_events.errors import InputError
from uam_events.inputs import Record
from uam_events.metrics import WorkerMetrics
from uam_events.partition import (
    Origin,
    complete,
    facts_from_json,
    facts_to_json,
    merge_facts,
    partition_for,
)
from uam_events.publisher import Publisher
from uam_events.routes import command_of
from uam_events.settings import Settings
from uam_events.topics import CHANGES, input_topics

log = logging.getLogger(__name__)


BATCH_SECONDS = 0.01
"""How long a batch gathers events: little, because a batch costs no round trip to the broker
(outputs are sent in the background); under load batches grow by themselves."""

SAVE_SECONDS = 0.5
"""How often the checkpoints are saved and the events acked, at most: a save flushes twice
and writes every changed entry, so saving once per batch cost more than applying at 1,000
events/s (docs/decisions/streams.md). When no event comes for `BATCH_IDLE` seconds, what is
pending is saved at once."""

BATCH_IDLE = 0.1


class Resolver:
    """Apply change records per partition and publish what they produce."""

    def __init__(
        self,
        settings: Settings,
        table: CheckpointTable,
        metrics: WorkerMetrics,
        publisher: Publisher,
    ) -> None:
        self.settings = settings
        self.metrics = metrics
        self.changes = settings.topic(CHANGES)
        self.table = table
        self.partitions = settings.kafka.partitions
        self.short = input_topics(settings)
        self.held: dict[int, PartitionRun] = {}
        self.stats = ResolverStats()
        self.publisher = publisher
        self.outputs = Outputs(settings, publisher, metrics, self.stats)
        self._local_facts: deque[tuple[int, Step, CommandFacts]] = deque()
        self._unsaved: dict[int, PartitionRun] = {}
        """The partitions applied to since their checkpoints were last saved."""

    async def resolve(
        self,
        intake: Intake,
        partitions: ChangePartitions,
        batch: int = 2000,
    ) -> None:
        """Agent body: apply batches as they come; now and then save checkpoints, then ack.

        Outputs go out as each batch is applied; every `SAVE_SECONDS` (or when the input
        pauses) the outputs are flushed, the changed checkpoints saved and the events acked.
        `partitions` says which partitions this worker holds and whether a rebalance is under
        way. Batches that a rebalance overlaps are neither saved nor acked: Faust closes and
        reopens the partitions' stores and forgets uncommitted acks, and every event of them
        comes again. A partition whose delivery begins past where its checkpoint left off is
        read again from there (`PartitionRun.admit`).
        """
        clock = time.perf_counter()
        unsaved: dict[int, PartitionRun] = self._unsaved
        saved_at, since = time.monotonic(), 0
        async for events in intake.batches(batch, within=BATCH_SECONDS, idle=BATCH_IDLE):
            clock = self.stats.time("waiting", clock)
            self.stats.batches += 1
            self.stats.received += len(events)
            under_way, generation = partitions.rebalances()
            while under_way:
                # Faust resumes fetching a moment before it declares the rebalance over: these
                # events may come after its seek, and would not come again if dropped here
                await asyncio.sleep(0.05)
                under_way, generation = partitions.rebalances()
            if unsaved and generation != since:
                unsaved.clear()  # restarted from the checkpoints: those events come again
            if not unsaved:
                since = generation
            holds = partitions.held()
            for event in events:
                partition = event.message.partition
                if partition not in holds:
                    continue  # fetched before a rebalance: it comes again from the committed offset
                run = unsaved.get(partition) or self._run(partition, partitions)
                admission = run.admit(event.message.offset)
                if admission is Admission.SEEK:
                    await self._seek_back(intake, event.message.tp, run)
                elif admission is Admission.DROP and not intake.seeking(event.message.tp):
                    run.stop_seeking()  # the intake gave up: the sought records are gone
                    admission = Admission.RECEIVE
                if admission is not Admission.RECEIVE:
                    continue
                unsaved[partition] = run
                await self._receive(run, event)
                await self._hand_over_local_facts(unsaved)
            clock = self.stats.time("applying", clock)
            if unsaved and (not events or time.monotonic() - saved_at >= SAVE_SECONDS):
                await self._save_all(intake, partitions, since)
                saved_at = time.monotonic()
                clock = self.stats.time("saving", clock)

    async def _save_all(
        self, intake: Intake, partitions: ChangePartitions, generation: int
    ) -> None:
        """Publish state records, flush, save every changed checkpoint, flush, then ack."""
        unsaved, publisher = self._unsaved, self.publisher
        for run in unsaved.values():
            self.outputs.publish_states(run)
        await publisher.flush()
        for partition, run in unsaved.items():
            if partitions.rebalances() != (False, generation):
                break
            save_run(self.table, partition, run)
        await publisher.flush()
        if partitions.rebalances() != (False, generation):
            self.stats.abandoned += 1
            unsaved.clear()
            log.info("a rebalance overlapped unsaved batches: their events come again")
            return
        self.table.settle()
        for run in unsaved.values():
            for event in run.ackable():
                intake.ack(event)
        unsaved.clear()

    def report(self) -> None:
        """Log what each held partition waits for (a timer calls it)."""
        log.info("%s", self.stats.summary())
        for partition, run in sorted(self.held.items()):
            self.metrics.held.labels(str(partition)).set(run.chain.held + len(run.waiting))
            if run.chain.held or run.waiting:
                log.info(
                    "partition %d: %d records wait for a predecessor, %d commands for facts "
                    "(%s), position %s",
                    partition,
                    run.chain.held,
                    len(run.waiting),
                    sorted(run.waiting)[:3],
                    run.chain.last,
                )

    def restart(self, partitions: set[int]) -> None:
        """Forget every run after a rebalance; each partition starts again from its checkpoint.

        Faust seeks every assigned partition, kept ones too, back to its committed offset and
        forgets the acks it had not committed yet, so in-flight bookkeeping would refer to
        deliveries that no longer count. Everything after the committed offset comes again
        and is deduplicated against the checkpoint, exactly as after a crash.
        """
        self.held.clear()
        self._unsaved.clear()
        self._local_facts.clear()
        log.info("rebalanced: now holding partitions %s", sorted(partitions))

    # --- recovery ----------------------------------------------------------------------

    async def _seek_back(self, intake: Intake, tp: Any, run: PartitionRun) -> None:
        if run.start is not None:
            log.warning(
                "partition %d: delivery began past %d, where its checkpoint (or Faust's commit) "
                "left off: reading again from there",
                tp.partition,
                run.start,
            )
            self.stats.rewinds += 1
            await intake.seek(tp, run.start)

    def _run(self, partition: int, partitions: ChangePartitions) -> PartitionRun:
        run = self.held.get(partition)
        if run is None:
            started = time.perf_counter()
            committed = partitions.committed(partition)
            run, entries = open_run(self.settings, self.table, partition, committed)
            self.held[partition] = run
            seconds = time.perf_counter() - started
            self.stats.recoveries.append((partition, seconds))
            self.metrics.recovery.labels(str(partition)).set(seconds)
            log.info(
                "partition %d recovered from checkpoint %d (%d entries) in %.2f s",
                partition,
                run.version,
                entries,
                seconds,
            )
        return run

    # --- receiving ---------------------------------------------------------------------

    async def _receive(self, run: PartitionRun, event: Any) -> None:
        if not run.receive(event):
            return  # delivered again after a rebalance while the first copy is in flight
        headers = h.read_headers(event.message.headers)
        if h.FACTS_FOR in headers:
            await self._facts_arrived(run, event, headers)
            return
        link = None
        if h.LINK in headers:
            try:
                link = Link.from_header(headers[h.LINK])
            except InputError as error:
                log.warning("ignoring an unreadable link: %s", error.reason)
        if link is None:
            await self._unlinked(run, event, headers)
            return
        verdict = run.chain.offer(link, event)
        if verdict is Verdict.DUPLICATE:
            self.stats.duplicates += 1
            self.metrics.consumed.labels("changes", "duplicate").inc()
            run.finish(event)
        elif verdict is Verdict.APPLY:
            await self._follow_chain(run, link, event)

    async def _follow_chain(self, run: PartitionRun, link: Link, event: Any) -> None:
        """Apply a linked record, then every held one it was holding up, until one waits."""
        current: tuple[Link, Any] | None = (link, event)
        while current is not None:
            link, event = current
            if not await self._linked(run, link, event):
                return
            run.finish(event)
            run.dirty_runs[link.run] = link.seq
            current = run.chain.applied(link)

    async def _linked(self, run: PartitionRun, link: Link, event: Any) -> bool:
        """Apply one linked record here; return False when it must wait for facts."""
        msg = event.message
        headers = h.read_headers(msg.headers)
        record = self._record(msg, headers)
        command = command_of(record)
        if command is None:
            await self._apply(run, record, msg, headers, None)
            return True
        processor = run.processor
        if (link.run, link.seq) in run.waiting:
            run.finish(event)  # a second copy of a command that already waits for its facts
            return False
        target = partition_for(command.user, self.partitions)
        if target != processor.partition:
            facts = processor.facts_here(command)
            self.publisher.send(
                self.changes,
                msg.key,
                facts_to_json(facts),
                partition=target,
                headers=[
                    (h.FACTS_FOR, f"{link.run}:{link.seq}".encode()),
                    (h.ORIGIN, headers[h.ORIGIN]),
                ],
            )
            if target in self.held:
                # the target's partition is here too: hand the facts over now rather than
                # after a round trip through Kafka (whose copy, arriving later, is dropped)
                self._local_facts.append((target, (link.run, link.seq), facts))
            return True
        run.waiting[(link.run, link.seq)] = Waiting(link, event, command)
        return await self._judge_if_ready(run, (link.run, link.seq))

    async def _facts_arrived(self, run: PartitionRun, event: Any, headers: h.Headers) -> None:
        run_id, _, seq_text = headers[h.FACTS_FOR].decode().rpartition(":")
        step = (run_id, int(seq_text))
        try:
            facts = facts_from_json(event.message.value or b"")
        except InputError as error:
            log.warning("dropping unreadable facts for %s: %s", step, error.reason)
            run.finish(event)
            return
        await self._take_facts(run, step, facts, event)

    async def _hand_over_local_facts(self, touched: dict[int, PartitionRun]) -> None:
        """Deliver facts that partitions of this worker sent each other, in order."""
        while self._local_facts:
            partition, step, facts = self._local_facts.popleft()
            run = self.held.get(partition)
            if run is not None:
                touched[partition] = run
                await self._take_facts(run, step, facts, None)

    async def _take_facts(
        self, run: PartitionRun, step: Step, facts: CommandFacts, event: Any | None
    ) -> None:
        """Keep facts for a command (judging it if they complete it); drop them if late."""
        if step[1] <= run.chain.last.get(step[0], -1):
            if event is not None:
                run.finish(event)
            return
        run.facts.setdefault(step, []).append((facts, event))
        if step in run.waiting:
            waiting = run.waiting[step]
            if await self._judge_if_ready(run, step):
                run.finish(waiting.event)
                run.dirty_runs[waiting.link.run] = waiting.link.seq
                following = run.chain.applied(waiting.link)
                if following is not None:
                    await self._follow_chain(run, *following)

    async def _judge_if_ready(self, run: PartitionRun, step: Step) -> bool:
        """Apply a waiting command once its facts are complete; return whether it was."""
        waiting = run.waiting[step]
        facts = run.processor.facts_here(waiting.command)
        arrived = run.facts.get(step, [])
        for remote, _ in arrived:
            facts = merge_facts(facts, remote)
        if not complete(waiting.command, facts):
            return False
        del run.waiting[step]
        run.facts.pop(step, None)
        for _, fact_event in arrived:
            if fact_event is not None:
                run.finish(fact_event)
        msg = waiting.event.message
        headers = h.read_headers(msg.headers)
        await self._apply(run, self._record(msg, headers), msg, headers, facts)
        return True

    async def _unlinked(self, run: PartitionRun, event: Any, headers: h.Headers) -> None:
        topic, partition, offset = headers[h.ORIGIN].decode().rsplit(":", 2)
        path = headers.get(h.PATH, b"").decode()
        origin_key = f"{topic}:{partition}" + (f"<{path}" if path else "")
        run.finish(event)
        if run.origins.get(origin_key, -1) >= int(offset):
            self.stats.duplicates += 1
            self.metrics.consumed.labels("changes", "duplicate").inc()
            return
        run.origins[origin_key] = run.dirty_origins[origin_key] = int(offset)
        facts = None
        if h.FACTS in headers:
            try:
                facts = facts_from_json(headers[h.FACTS])
            except InputError as error:
                log.warning("dropping the facts of %s: %s", origin_key, error.reason)
        msg = event.message
        await self._apply(run, self._record(msg, headers), msg, headers, facts)

    # --- applying and publishing -------------------------------------------------------

    def _record(self, msg: Any, headers: h.Headers) -> Record:
        topic = headers[h.ORIGIN].decode().rsplit(":", 2)[0]
        key = None if msg.key is None else msg.key.decode("utf-8", "replace")
        return Record(self.short[topic], key, msg.value, h.input_headers(headers))

    async def _apply(
        self,
        run: PartitionRun,
        record: Record,
        msg: Any,
        headers: h.Headers,
        facts: CommandFacts | None,
    ) -> None:
        topic, partition, offset = headers[h.ORIGIN].decode().rsplit(":", 2)
        origin = Origin(topic, int(partition), int(offset))
        out = run.processor.process(record, origin, headers[h.AT].decode(), facts)
        self.stats.applied += 1
        outcome = "dead_letter" if out.dead_letters else "applied"
        self.metrics.consumed.labels("changes", outcome).inc()
        self.outputs.publish(run, out, msg, headers)
        if msg.timestamp:
            self.metrics.latency.observe(max(time.time() - msg.timestamp, 0.0))
