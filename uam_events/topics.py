"""Every topic of the contract (DESIGN sections 4 and 5) and the internal change topic.

Names carry the configured prefix. The policies topic and the per-spoke state topics are
compacted (the latest value per key is the truth); the rest are plain logs.
"""

from __future__ import annotations

from dataclasses import dataclass

from uam_events.inputs import INPUT_TOPICS
from uam_events.settings import Settings

CHANGES = "changes"
"""The internal change topic: user-scoped inputs by user key, global ones on every partition."""


@dataclass(frozen=True, slots=True)
class TopicSpec:
    """One topic to create: its full name, partition count and cleanup policy."""

    name: str
    partitions: int
    compacted: bool = False

    @property
    def config(self) -> dict[str, str]:
        """Return the topic configuration to create it with."""
        return {"cleanup.policy": "compact" if self.compacted else "delete"}


def all_topics(settings: Settings) -> list[TopicSpec]:
    """Return every topic the service reads or writes, inputs first, in a stable order."""
    n = settings.kafka.partitions
    specs = [TopicSpec(settings.topic(t), n, compacted=t == "policies") for t in INPUT_TOPICS]
    specs.append(TopicSpec(settings.topic(CHANGES), n))
    for spoke in settings.spokes:
        specs.append(TopicSpec(access_topic(settings, spoke.id), n))
        specs.append(TopicSpec(state_topic(settings, spoke.id), n, compacted=True))
    specs.append(TopicSpec(settings.topic("audit"), n))
    specs.append(TopicSpec(settings.topic("dlq"), n))
    return specs


def input_topics(settings: Settings) -> dict[str, str]:
    """Return the input topics' full names mapped to their short names (`scim.users`...)."""
    return {settings.topic(t): t for t in INPUT_TOPICS}


def access_topic(settings: Settings, spoke_id: str) -> str:
    """Return the delta topic of a spoke."""
    return settings.topic(f"access.{spoke_id}")


def state_topic(settings: Settings, spoke_id: str) -> str:
    """Return the compacted state topic of a spoke."""
    return settings.topic(f"state.{spoke_id}")
