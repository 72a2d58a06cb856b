"""What a partition's changes produce, sent on: deltas, state records, audit, dead letters.

Deltas go out one by one in emission order; a pair's whole state record once per batch (its
latest `seq`); a global change refused alike by every partition is dead-lettered by
partition 0 only; a command that must travel on goes to its next partition with its facts.
"""

from __future__ import annotations

import json
from typing import Any

from streams import headers as h
from streams.runs import PartitionRun, ResolverStats
from uam_events.core.deltas import state_json
from uam_events.core.values import JsonObject
from uam_events.metrics import WorkerMetrics
from uam_events.partition import Output, facts_to_json
from uam_events.publisher import Publisher
from uam_events.routes import GLOBAL_TOPICS
from uam_events.settings import Settings
from uam_events.topics import CHANGES, access_topic, input_topics, state_topic


class Outputs:
    """Send what applying change records produced, through the worker's publisher."""

    def __init__(
        self,
        settings: Settings,
        publisher: Publisher,
        metrics: WorkerMetrics,
        stats: ResolverStats,
    ) -> None:
        self.settings = settings
        self.publisher = publisher
        self.metrics = metrics
        self.stats = stats
        self.changes = settings.topic(CHANGES)
        self.short = input_topics(settings)

    def publish(self, run: PartitionRun, out: Output, msg: Any, headers: h.Headers) -> None:
        """Send one change's deltas, audit decisions, dead letters and onward command."""
        pairs: set[tuple[str, str]] = set()
        for delta in out.deltas:
            self._send(access_topic(self.settings, delta.spoke), delta.user_id, delta.to_json())
            pairs.add((delta.spoke, delta.user_id))
            self.stats.deltas += 1
        at = headers[h.AT].decode()
        for pair in pairs:
            run.states[pair] = at
        for decision in out.audit:
            self._send(self.settings.topic("audit"), decision["command_id"], decision)
            self.metrics.audit.labels(str(decision["decision"])).inc()
        speaks_for_all = run.processor.partition == 0
        for letter in out.dead_letters:
            topic = self.short.get(str(letter.get("topic")))
            if topic in GLOBAL_TOPICS and not speaks_for_all:
                continue  # every partition refuses a global change alike: partition 0 says so
            self._send(self.settings.topic("dlq"), letter.get("key"), letter)
            self.stats.dead_letters += 1
            self.metrics.dead_letter(str(topic), str(letter.get("error")))
        if out.forward is not None:
            onward = dict(headers)
            onward[h.FACTS] = facts_to_json(out.forward.facts)
            path = headers.get(h.PATH, b"").decode()
            onward[h.PATH] = (f"{path}>" if path else "").encode() + str(msg.partition).encode()
            self.publisher.send(
                self.changes,
                msg.key,
                msg.value,
                partition=out.forward.partition,
                headers=list(onward.items()),
            )

    def publish_states(self, run: PartitionRun) -> None:
        """Send each changed pair's whole access to its state topic, once per batch."""
        state = run.processor.engine.state
        for (spoke_id, user_id), at in sorted(run.states.items()):
            user = state.users.get(user_id)
            body = state_json(
                spoke_id,
                user_id,
                None if user is None else user.email,
                state.access_of(spoke_id, user_id),
                seq=state.seq_of(spoke_id, user_id),
                at=at,
            )
            self._send(state_topic(self.settings, spoke_id), user_id, body)
        run.states.clear()

    def _send(self, topic: str, key: object, body: JsonObject | None) -> None:
        """Send one JSON record (None: a tombstone) keyed by `key`."""
        value = None if body is None else json.dumps(body, ensure_ascii=False).encode("utf-8")
        raw_key = None if key is None else str(key).encode("utf-8")
        self.publisher.send(topic, raw_key, value)
