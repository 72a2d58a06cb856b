"""Which partitions of the change topic an input record reaches, and who owns a command.

User-scoped inputs go to the partition that owns the user key; hub and policy changes go to
every partition. A command reaches its target's partition and, when it is numbered by
`uam produce`, the partitions of its actor and source too, so that each answers for its user
at the same point of the file as a single-partition replay would.
"""

from __future__ import annotations

from uam_events.core.events import CopyAccess, SetAccess
from uam_events.errors import InputError
from uam_events.inputs import Record, decode_record
from uam_events.partition import partition_for

GLOBAL_TOPICS = frozenset({"hub.hierarchies", "policies"})


def owner(record: Record, partitions: int, verification_key: str | None = None) -> int:
    """Return the partition owning a user-scoped record: by key, else by the decoded user."""
    if record.key is not None:
        return partition_for(record.key, partitions)
    try:
        inputs = decode_record(record, verification_key)
    except InputError:
        return 0
    user_id = getattr(inputs[0], "user_id", None) if inputs else None
    return 0 if not isinstance(user_id, str) else partition_for(user_id, partitions)


def command_of(record: Record) -> SetAccess | CopyAccess | None:
    """Return the command a commands-topic record carries, or None when it is malformed."""
    if record.topic != "commands":
        return None
    try:
        inputs = decode_record(record)
    except InputError:
        return None
    command = inputs[0] if inputs else None
    return command if isinstance(command, SetAccess | CopyAccess) else None


def destinations(
    record: Record, partitions: int, verification_key: str | None = None, *, linked: bool
) -> list[int]:
    """Return the partitions a record goes to (`linked`: numbered by `uam produce`)."""
    if record.topic in GLOBAL_TOPICS:
        return list(range(partitions))
    found = {owner(record, partitions, verification_key)}
    command = command_of(record) if linked else None
    if command is not None:
        found.add(partition_for(command.user, partitions))
        found.add(partition_for(command.actor, partitions))
        if isinstance(command, CopyAccess):
            found.add(partition_for(command.source, partitions))
    return sorted(found)
