"""A round trip through a real broker: create a topic with the AdminClient, produce 1,000 keyed
messages, consume them back in a consumer group, and compare per partition."""

from __future__ import annotations

import os
import time
import uuid
from collections import defaultdict

import pytest
from confluent_kafka import Consumer, KafkaError, KafkaException, Message, Producer
from confluent_kafka.admin import AdminClient, NewTopic

pytestmark = pytest.mark.integration

PARTITIONS = 3
COUNT = 1_000
KEYS = 37

Record = tuple[bytes, bytes, int]  # key, value, offset


def _produce(bootstrap: str, topic: str) -> dict[int, list[Record]]:
    delivered: dict[int, list[Record]] = defaultdict(list)
    failures: list[KafkaError] = []

    def on_delivery(error: KafkaError | None, message: Message) -> None:
        if error is not None:
            failures.append(error)
            return
        key, value = message.key(), message.value()
        assert isinstance(key, bytes)
        assert isinstance(value, bytes)
        delivered[message.partition()].append((key, value, message.offset()))

    producer = Producer(
        {"bootstrap.servers": bootstrap, "enable.idempotence": True, "linger.ms": 5}
    )
    for i in range(COUNT):
        key, value = f"user-{i % KEYS:02d}".encode(), f"event-{i:04d}".encode()
        producer.produce(topic, key=key, value=value, on_delivery=on_delivery)
        producer.poll(0)
    assert producer.flush(30) == 0, "messages still queued after 30 s"
    assert failures == []
    return delivered


def _consume(bootstrap: str, topic: str) -> dict[int, list[Record]]:
    received: dict[int, list[Record]] = defaultdict(list)
    consumer = Consumer(
        {
            "bootstrap.servers": bootstrap,
            "group.id": f"it-{topic}",
            "auto.offset.reset": "earliest",
            "enable.auto.commit": False,
        }
    )
    consumer.subscribe([topic])
    count, deadline = 0, time.monotonic() + 60
    try:
        while count < COUNT and time.monotonic() < deadline:
            message = consumer.poll(1.0)
            if message is None:
                continue
            if message.error() is not None:
                raise KafkaException(message.error())
            key, value = message.key(), message.value()
            assert isinstance(key, bytes)
            assert isinstance(value, bytes)
            received[message.partition()].append((key, value, message.offset()))
            count += 1
        consumer.commit(asynchronous=False)
    finally:
        consumer.close()
    return received


def test_messages_come_back_in_order_per_partition(kafka_bootstrap: str) -> None:
    topic = f"it.broker.{uuid.uuid4().hex[:12]}"
    admin = AdminClient({"bootstrap.servers": kafka_bootstrap})
    created = admin.create_topics(
        [NewTopic(topic, num_partitions=PARTITIONS, replication_factor=1)]
    )
    created[topic].result(timeout=60)
    try:
        delivered = _produce(kafka_bootstrap, topic)
        received = _consume(kafka_bootstrap, topic)
    finally:
        admin.delete_topics([topic])[topic].result(timeout=60)

    assert sum(len(records) for records in received.values()) == COUNT
    # the same records, in the same order, at the same offsets, partition by partition
    assert dict(received) == dict(delivered)
    assert sorted(received) == list(range(PARTITIONS))
    for records in received.values():
        assert [offset for _, _, offset in records] == list(range(len(records)))
    # every message once; a key stays on one partition and its values keep their order
    values = sorted(value for records in received.values() for _, value, _ in records)
    assert values == [f"event-{i:04d}".encode() for i in range(COUNT)]
    partition_of: dict[bytes, int] = {}
    by_key: dict[bytes, list[bytes]] = defaultdict(list)
    for partition, records in received.items():
        for key, value, _ in records:
            assert partition_of.setdefault(key, partition) == partition
            by_key[key].append(value)
    assert len(by_key) == KEYS
    for key, key_values in by_key.items():
        index = int(key.decode().removeprefix("user-"))
        expected = [f"event-{i:04d}".encode() for i in range(index, COUNT, KEYS)]
        assert key_values == expected


@pytest.mark.skipif(
    bool(os.environ.get("KAFKA_BOOTSTRAP_SERVERS")), reason="a given broker has its own settings"
)
def test_a_produce_does_not_create_its_topic(kafka_bootstrap: str) -> None:
    """auto.create.topics.enable=false (docs/decisions/broker.md): a misspelt topic fails."""
    topic = f"it.missing.{uuid.uuid4().hex[:12]}"
    failures: list[KafkaError] = []

    def on_delivery(error: KafkaError | None, _: Message) -> None:
        if error is not None:
            failures.append(error)

    producer = Producer({"bootstrap.servers": kafka_bootstrap, "message.timeout.ms": 3000})
    producer.produce(topic, value=b"lost", on_delivery=on_delivery)
    producer.flush(10)
    assert len(failures) == 1
    metadata = AdminClient({"bootstrap.servers": kafka_bootstrap}).list_topics(timeout=10)
    assert topic not in metadata.topics
