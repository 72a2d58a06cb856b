"""Where a spoke's sink state lives: each user's record and the guard, in memory or RocksDB.

Invariants: `write` is atomic (a run's records and guard land together or not at all, so a
crash never leaves half a run acknowledged); `users` lists records in user-id code-point
order in both stores; a record reads back equal to what was written. The one sink module that
imports rocksdict; the pure modules take and return records.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Protocol

from pydantic import BaseModel, ConfigDict, ValidationError
from rocksdict import AccessType, Options, Rdict, WriteBatch

from uam_events.core.levels import Level
from uam_events.errors import RecoveryError
from uam_events.sink.guard import OPEN, GuardState
from uam_events.sink.state import UNTRACKED, Parked, Part, RowKey, Tracked, UserState


class SinkStore(Protocol):
    """A spoke's sink state: one record per user, and the guard."""

    def get(self, user_id: str) -> Tracked:
        """Return a user's record (an untracked one when there is none)."""
        ...

    def users(self) -> Iterator[tuple[str, Tracked]]:
        """Yield every user's record, by user id."""
        ...

    def guard(self) -> GuardState:
        """Return the guard's state (open when never written)."""
        ...

    def write(self, updates: Mapping[str, Tracked], guard: GuardState | None = None) -> None:
        """Store records (and the guard, when given) in one atomic write."""
        ...


class MemoryStore:
    """A dict store, for replay-style runs and unit tests."""

    def __init__(self) -> None:
        self._users: dict[str, Tracked] = {}
        self._guard = OPEN

    def get(self, user_id: str) -> Tracked:
        """Return a user's record (an untracked one when there is none)."""
        return self._users.get(user_id, UNTRACKED)

    def users(self) -> Iterator[tuple[str, Tracked]]:
        """Yield every user's record, by user id."""
        return iter(sorted(self._users.items()))

    def guard(self) -> GuardState:
        """Return the guard's state (open when never written)."""
        return self._guard

    def write(self, updates: Mapping[str, Tracked], guard: GuardState | None = None) -> None:
        """Store records (and the guard, when given)."""
        self._users.update(updates)
        if guard is not None:
            self._guard = guard


_USER = b"u/"
_GUARD = b"guard"


class RocksStore:
    """A RocksDB database (through rocksdict) per spoke, in a folder of its own.

    `read_only` opens it beside the process that writes it (RocksDB locks the folder against
    a second writer only): `uam sink release` reads the guard that way.
    """

    def __init__(self, path: Path, *, read_only: bool = False) -> None:
        if read_only:
            access = AccessType.read_only()
            self._db = Rdict(str(path), Options(raw_mode=True), access_type=access)
            return
        path.mkdir(parents=True, exist_ok=True)
        self._db = Rdict(str(path), Options(raw_mode=True))

    def close(self) -> None:
        """Flush and close the database."""
        self._db.close()

    def get(self, user_id: str) -> Tracked:
        """Return a user's record (an untracked one when there is none)."""
        raw = self._db.get(_USER + user_id.encode())
        return UNTRACKED if raw is None else _decode(raw)

    def users(self) -> Iterator[tuple[str, Tracked]]:
        """Yield every user's record, by user id."""
        for key, raw in self._db.items(from_key=_USER):
            if not (isinstance(key, bytes) and key.startswith(_USER)):
                break
            yield key[len(_USER) :].decode(), _decode(bytes(raw))

    def guard(self) -> GuardState:
        """Return the guard's state (open when never written)."""
        raw = self._db.get(_GUARD)
        if raw is None:
            return OPEN
        try:
            record = _GuardRecord.model_validate_json(raw)
        except ValidationError as exc:
            raise _unreadable("the guard", exc) from None
        return GuardState(record.held, frozenset(record.held_users), frozenset(record.released))

    def write(self, updates: Mapping[str, Tracked], guard: GuardState | None = None) -> None:
        """Store records (and the guard, when given) in one atomic write batch."""
        batch = WriteBatch(raw_mode=True)
        for user_id, tracked in updates.items():
            batch.put(_USER + user_id.encode(), _encode(tracked))
        if guard is not None:
            record = _GuardRecord(
                held=guard.held,
                held_users=sorted(guard.held_users),
                released=sorted(guard.released),
            )
            batch.put(_GUARD, record.model_dump_json().encode())
        self._db.write(batch)


class _Record(BaseModel):
    """A stored record: strict keys, immutable."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class _StateRecord(_Record):
    """A `UserState` as stored: grants as (list, item, level) triples."""

    email: str | None
    member: bool
    role: str | None
    grants: list[tuple[str, str, int]]
    text: str | None
    seq: int


class _ParkedRecord(_Record):
    """A parked row key and its count, as stored."""

    part: Part
    list: str
    item: str
    wanted: str
    runs: int
    error: str
    quarantined: bool


class _TrackedRecord(_Record):
    """A user's whole sink record, as stored."""

    desired: _StateRecord
    acknowledged: _StateRecord
    parked: list[_ParkedRecord]


class _GuardRecord(_Record):
    """The guard, as stored."""

    held: str | None
    held_users: list[str]
    released: list[str]


def _state_record(state: UserState) -> _StateRecord:
    """Return the stored form of a user state."""
    grants = [(hub, item, int(level)) for (hub, item), level in sorted(state.grants.items())]
    return _StateRecord(
        email=state.email,
        member=state.member,
        role=state.role,
        grants=grants,
        text=state.text,
        seq=state.seq,
    )


def _state(record: _StateRecord) -> UserState:
    """Return the user state a stored record holds."""
    grants = {(hub, item): Level(level) for hub, item, level in record.grants}
    return UserState(record.email, record.member, record.role, grants, record.text, record.seq)


def _encode(tracked: Tracked) -> bytes:
    """Return a user's record as JSON bytes."""
    parked = [
        _ParkedRecord(
            part=key.part,
            list=key.list,
            item=key.item,
            wanted=value.wanted,
            runs=value.runs,
            error=value.error,
            quarantined=value.quarantined,
        )
        for key, value in sorted(tracked.parked.items())
    ]
    record = _TrackedRecord(
        desired=_state_record(tracked.desired),
        acknowledged=_state_record(tracked.acknowledged),
        parked=parked,
    )
    return record.model_dump_json().encode()


def _decode(raw: bytes) -> Tracked:
    """Return the record JSON bytes hold; raise RecoveryError when unreadable."""
    try:
        record = _TrackedRecord.model_validate_json(raw)
        parked = {
            RowKey(p.part, p.list, p.item): Parked(p.wanted, p.runs, p.error, p.quarantined)
            for p in record.parked
        }
        return Tracked(_state(record.desired), _state(record.acknowledged), parked)
    except ValueError as exc:  # pydantic's ValidationError, or an unknown level
        raise _unreadable("a user's record", exc) from None


def _unreadable(what: str, exc: Exception) -> RecoveryError:
    """Return the error for a stored value that cannot be read back."""
    return RecoveryError(
        f"the sink store holds {what} it cannot read ({type(exc).__name__}); fix: delete the "
        "spoke's sink store folder and restart the sink from the start of uam.state.<spoke>"
    )
