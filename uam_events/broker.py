"""The Kafka broker through confluent-kafka: create the topics, publish a replay file.

`uam topics create` and `uam produce` live here; the workers talk to the broker through Faust
(`streams/`). Secrets go into the client configuration only, never into messages or errors.
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from confluent_kafka import Consumer, KafkaError, KafkaException, Producer, TopicPartition
from confluent_kafka.admin import AdminClient
from confluent_kafka.cimpl import NewPartitions, NewTopic

from uam_events.chain import Link
from uam_events.core.values import JsonObject
from uam_events.deadletter import dead_letter
from uam_events.errors import BrokerError, InputError, ReplayError
from uam_events.inputs import Record
from uam_events.replay_lines import read_line
from uam_events.routes import destinations
from uam_events.settings import Settings
from uam_events.topics import TopicSpec, all_topics

LINK_HEADER = "uam-link"
AT_HEADER = "uam-at"
"""Headers `uam produce` sets: the record's link in its run (`uam_events.chain`), its time."""

EPOCH = "1970-01-01T00:00:00Z"
Progress = Callable[[int], None]


def client_config(settings: Settings) -> dict[str, str | int | float | bool]:
    """Return the confluent-kafka configuration for the configured broker."""
    kafka = settings.kafka
    config: dict[str, str | int | float | bool] = {
        "bootstrap.servers": kafka.bootstrap_servers,
        "security.protocol": kafka.security_protocol,
    }
    if kafka.sasl_mechanism is not None:
        config["sasl.mechanism"] = kafka.sasl_mechanism
        if kafka.sasl_username is not None:
            config["sasl.username"] = kafka.sasl_username
            config["sasl.password"] = kafka.require_sasl_password().get_secret_value()
    return config


@dataclass(frozen=True, slots=True)
class TopicChange:
    """What `create_topics` did to one topic: created, grown, or left as it was."""

    name: str
    action: str
    detail: str = ""


def create_topics(settings: Settings, timeout: float = 30.0) -> list[TopicChange]:
    """Create every missing topic and grow any with too few partitions; never shrink."""
    admin = AdminClient(client_config(settings))
    existing = _describe(admin, timeout)
    changes: list[TopicChange] = []
    missing = [spec for spec in all_topics(settings) if spec.name not in existing]
    if missing:
        _create(admin, missing, timeout)
        changes += [TopicChange(s.name, "created", _shape(s)) for s in missing]
    for spec in all_topics(settings):
        have = existing.get(spec.name)
        if have is None:
            continue
        if have < spec.partitions:
            _grow(admin, spec, timeout)
            changes.append(TopicChange(spec.name, "grown", f"{have} -> {spec.partitions}"))
        else:
            changes.append(TopicChange(spec.name, "unchanged", f"{have} partitions"))
    _wait_ready(settings, all_topics(settings), timeout)
    return changes


def _wait_ready(settings: Settings, specs: list[TopicSpec], timeout: float) -> None:
    """Return once every partition answers a ListOffsets request on its leader.

    A broker answers CreateTopics before each partition's log exists; records produced in that
    window were seen to go missing without a delivery error (an idempotent producer writing to
    a partition created a moment later), so topics are handed over only once usable.
    """
    consumer = Consumer({**client_config(settings), "group.id": "uam-topics-ready"})
    deadline = time.monotonic() + timeout
    try:
        for spec in specs:
            for partition in range(spec.partitions):
                while True:
                    try:
                        consumer.get_watermark_offsets(TopicPartition(spec.name, partition), 2.0)
                        break
                    except KafkaException as error:
                        if time.monotonic() > deadline:
                            raise BrokerError(
                                f"topic {spec.name}[{partition}] is not ready after "
                                f"{timeout:.0f} s ({_why(error)}); check the broker's log"
                            ) from None
                        time.sleep(0.1)
    finally:
        consumer.close()


def _shape(spec: TopicSpec) -> str:
    policy = "compacted" if spec.compacted else "log"
    return f"{spec.partitions} partitions, {policy}"


def _describe(admin: AdminClient, timeout: float) -> dict[str, int]:
    try:
        metadata = admin.list_topics(timeout=timeout)
    except KafkaException as error:
        raise BrokerError(f"cannot list topics: {_why(error)}") from None
    return {name: len(t.partitions) for name, t in metadata.topics.items()}


def _create(admin: AdminClient, specs: list[TopicSpec], timeout: float) -> None:
    new = [NewTopic(s.name, s.partitions, 1, config=s.config) for s in specs]
    for name, future in admin.create_topics(new, request_timeout=timeout).items():
        try:
            future.result()
        except KafkaException as error:
            if error.args[0].code() != KafkaError.TOPIC_ALREADY_EXISTS:
                raise BrokerError(f"cannot create topic {name}: {_why(error)}") from None


def _grow(admin: AdminClient, spec: TopicSpec, timeout: float) -> None:
    futures = admin.create_partitions([NewPartitions(spec.name, spec.partitions)])
    for name, future in futures.items():
        try:
            future.result(timeout)
        except KafkaException as error:
            raise BrokerError(f"cannot add partitions to {name}: {_why(error)}") from None


def _why(error: KafkaException) -> str:
    inner = error.args[0]
    return str(inner.str()) if isinstance(inner, KafkaError) else str(inner)


@dataclass(slots=True)
class ProduceSummary:
    """Counts of one `uam produce` run."""

    run_id: str
    records: int = 0
    dead_letters: int = 0
    by_topic: dict[str, int] = field(default_factory=dict)
    failures: list[str] = field(default_factory=list)


def produce_file(
    settings: Settings, events: Path, progress: Progress | None = None
) -> ProduceSummary:
    """Publish a replay-format file to the input topics, numbered so the router keeps its order.

    A line that cannot be read goes to the dead-letter topic with its bytes, as `uam replay`
    would write it. Raise BrokerError when the broker refused any record.
    """
    try:
        handle = events.open("rb")
    except OSError as error:
        raise ReplayError(f"cannot read events file {events}: {error.strerror}") from None
    publisher = _Publisher(settings)
    with handle:
        publisher.publish(handle, progress)
    return publisher.finish()


class _Publisher:
    """One `uam produce` run: an idempotent producer and the run's counts."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.summary = ProduceSummary(run_id=uuid.uuid4().hex)
        config = {**client_config(settings), "enable.idempotence": True, "linger.ms": 10}
        self.producer = Producer(config)
        self.key = settings.verification_key()
        self.last_in: dict[int, int] = {}
        """The number of the last record sent to each change-topic partition."""

    def publish(self, lines: Iterable[bytes], progress: Progress | None) -> None:
        """Publish every line; unreadable ones go to the dead-letter topic."""
        clock, read, seq = EPOCH, 0, 0
        summary = self.summary
        for number, raw in enumerate(lines, start=1):
            read += len(raw)
            if progress is not None and number % 1000 == 0:
                progress(read)
            if not raw.strip():
                continue
            try:
                line = read_line(number, raw, clock)
            except InputError as error:
                self._dead_letter(number, raw, clock, error)
                continue
            clock = line.at
            record = line.record
            headers: list[tuple[str, str | bytes | None]] = list((record.headers or {}).items())
            headers += [
                (LINK_HEADER, self._link(record, seq).to_header()),
                (AT_HEADER, line.at.encode()),
            ]
            key = None if record.key is None else record.key.encode("utf-8")
            self._send(self.settings.topic(record.topic), key, record.value, headers)
            seq += 1
            summary.records += 1
            summary.by_topic[record.topic] = summary.by_topic.get(record.topic, 0) + 1
        if progress is not None:
            progress(read)

    def _link(self, record: Record, seq: int) -> Link:
        partitions = self.settings.kafka.partitions
        targets = destinations(record, partitions, self.key, linked=True)
        link = Link(self.summary.run_id, seq, {p: self.last_in.get(p, -1) for p in targets})
        for partition in targets:
            self.last_in[partition] = seq
        return link

    def finish(self) -> ProduceSummary:
        """Wait for every record to be acknowledged; raise BrokerError if any was refused."""
        remaining = self.producer.flush(60)
        failures = self.summary.failures
        if remaining or failures:
            detail = "; ".join(failures) or f"{remaining} records not delivered in 60 s"
            raise BrokerError(f"the broker did not take every record: {detail}")
        return self.summary

    def _dead_letter(self, number: int, raw: bytes, clock: str, error: InputError) -> None:
        letter = dead_letter(
            topic=None,
            partition=None,
            offset=number,
            key=None,
            value=raw.rstrip(b"\n"),
            error=error.reason,
            at=clock,
        )
        self._send(self.settings.topic("dlq"), None, _json(letter), [])
        self.summary.dead_letters += 1

    def _delivered(self, error: KafkaError | None, _: object) -> None:
        if error is not None and len(self.summary.failures) < 10:
            self.summary.failures.append(str(error.str()))

    def _send(
        self,
        topic: str,
        key: bytes | None,
        value: bytes | None,
        headers: list[tuple[str, str | bytes | None]],
    ) -> None:
        while True:
            try:
                self.producer.produce(
                    topic, value, key, headers=headers, on_delivery=self._delivered
                )
                break
            except BufferError:
                self.producer.poll(0.05)
        self.producer.poll(0)


def _json(record: JsonObject) -> bytes:
    return json.dumps(record, ensure_ascii=False).encode("utf-8")


def wait_for_broker(settings: Settings, timeout: float = 60.0) -> None:
    """Return once the broker answers a metadata request; raise BrokerError after `timeout`."""
    admin = AdminClient(client_config(settings))
    deadline = time.monotonic() + timeout
    while True:
        try:
            admin.list_topics(timeout=2)
        except KafkaException as error:
            if time.monotonic() > deadline:
                raise BrokerError(
                    f"no broker answered at {settings.kafka.bootstrap_servers} within "
                    f"{timeout:.0f} s ({_why(error)}); start it with `make broker-start`"
                ) from None
        else:
            return


def _reader(settings: Settings) -> Consumer:
    """Return a consumer in a throw-away group that commits nothing (reads from the start)."""
    return Consumer(
        {
            **client_config(settings),
            "group.id": f"uam-read-{uuid.uuid4().hex}",
            "enable.auto.commit": False,
            "auto.offset.reset": "earliest",
        }
    )


def read_topic(
    settings: Settings, topic: str, timeout: float = 30.0
) -> list[tuple[bytes | None, bytes | None]]:
    """Return every record of a topic from the start to its current end, partition by partition.

    For tests, the demo and one-off checks: it reads with a throw-away group and commits nothing.
    """
    consumer = _reader(settings)
    try:
        metadata = consumer.list_topics(topic, timeout=timeout)
        partitions = sorted(metadata.topics[topic].partitions)
        records: list[tuple[bytes | None, bytes | None]] = []
        for partition in partitions:
            low, high = consumer.get_watermark_offsets(TopicPartition(topic, partition), timeout)
            if high <= low:
                continue
            consumer.assign([TopicPartition(topic, partition, low)])
            deadline = time.monotonic() + timeout
            while True:
                message = consumer.poll(1.0)
                if message is not None and message.error() is None:
                    records.append((message.key(), message.value()))
                    if (message.offset() or 0) >= high - 1:
                        break
                if time.monotonic() > deadline:
                    raise BrokerError(
                        f"could not read {topic}[{partition}] to its end in {timeout:.0f} s"
                    )
        return records
    finally:
        consumer.close()


def last_written(settings: Settings, topics: Iterable[str], timeout: float = 30.0) -> float | None:
    """Return when the latest record of these topics was sent (epoch seconds); None if empty.

    Reads the last record of every partition and compares their timestamps (the producer's
    send time, or the broker's append time where a topic is set to log it). For benchmarks:
    the end of a run is when its last output was written, not when offsets were committed.
    """
    consumer = _reader(settings)
    latest: float | None = None
    try:
        for topic in topics:
            metadata = consumer.list_topics(topic, timeout=timeout)
            for partition in sorted(metadata.topics[topic].partitions):
                tp = TopicPartition(topic, partition)
                low, high = consumer.get_watermark_offsets(tp, timeout)
                if high <= low:
                    continue
                consumer.assign([TopicPartition(topic, partition, high - 1)])
                message = consumer.poll(timeout)
                if message is None or message.error() is not None:
                    raise BrokerError(f"could not read the last record of {topic}[{partition}]")
                _, stamp = message.timestamp()
                written = stamp / 1000
                latest = written if latest is None else max(latest, written)
        return latest
    finally:
        consumer.close()


def group_lag(settings: Settings, group: str, topics: Iterable[str], timeout: float = 10.0) -> int:
    """Return how many records of `topics` the consumer group has not committed yet."""
    consumer = Consumer({**client_config(settings), "group.id": group, "enable.auto.commit": False})
    try:
        metadata = consumer.list_topics(timeout=timeout)
        partitions = [
            TopicPartition(topic, p)
            for topic in topics
            if topic in metadata.topics
            for p in metadata.topics[topic].partitions
        ]
        committed = consumer.committed(partitions, timeout=timeout)
        lag = 0
        for tp in committed:
            low, high = consumer.get_watermark_offsets(tp, timeout)
            position = tp.offset if tp.offset >= 0 else low
            lag += max(high - position, 0)
    except KafkaException as error:
        raise BrokerError(f"cannot read the lag of group {group}: {_why(error)}") from None
    finally:
        consumer.close()
    return lag


def topic_records(settings: Settings, topics: Iterable[str], timeout: float = 10.0) -> int:
    """Return how many records the topics hold (a group that committed nothing lags by all)."""
    return group_lag(settings, f"uam-count-{uuid.uuid4().hex}", topics, timeout)
