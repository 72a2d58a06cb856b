"""The accidental-deletion guard (DESIGN 3.8): a push that lowers too many users waits.

Rule: a push goes when the users it lowers, less those an operator released, number at most
`max(max_revoked_fraction x users, min_revoked_users)`, where `users` is how many users the
spoke holds before the push (no rounding). Otherwise the whole push is held under an id that
names the set of users it lowers; releasing that id lets the next run lower exactly those
users. Once a push goes, held and released are cleared: a release is spent by one push.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime

from uam_events.contract.audit import HeldPush, ReleasedPush
from uam_events.errors import NoSuchHeldPush
from uam_events.settings import GuardSettings
from uam_events.sink.planner import Push

SAMPLE = 100


@dataclass(frozen=True, slots=True)
class GuardState:
    """A spoke's guard: the held push (its id and lowered users), and the users released."""

    held: str | None = None
    held_users: frozenset[str] = frozenset()
    released: frozenset[str] = frozenset()


OPEN = GuardState()


@dataclass(frozen=True, slots=True)
class Review:
    """The guard's verdict on a push; `record` is set when a push is newly held."""

    go: bool
    state: GuardState
    record: HeldPush | None = None


def threshold(settings: GuardSettings, users: int) -> float:
    """Return how many users a push may lower without being held."""
    return max(settings.max_revoked_fraction * users, float(settings.min_revoked_users))


def hold_id(spoke: str, users: frozenset[str]) -> str:
    """Return the id of a held push: a digest of the spoke and the users it lowers."""
    digest = hashlib.sha256(spoke.encode())
    for user_id in sorted(users):
        digest.update(b"\n" + user_id.encode())
    return digest.hexdigest()[:16]


def review(push: Push, settings: GuardSettings, state: GuardState, at: datetime) -> Review:
    """Return whether a push may go, and the guard state to store."""
    limit = threshold(settings, push.population)
    if len(push.lowered - state.released) <= limit:
        return Review(True, state)
    held = hold_id(push.spoke, push.lowered)
    if held == state.held:
        return Review(False, state)
    record = HeldPush(
        kind="push_held",
        spoke=push.spoke,
        push_id=held,
        lowered_users=len(push.lowered),
        users=push.population,
        threshold=limit,
        sample=sorted(push.lowered)[:SAMPLE],
        at=at,
    )
    return Review(False, GuardState(held, push.lowered, state.released), record)


def release(
    spoke: str, state: GuardState, push_id: str, by: str, at: datetime
) -> tuple[GuardState, ReleasedPush]:
    """Release the held push `push_id`; raise NoSuchHeldPush when it is not the one held."""
    if state.held != push_id:
        raise NoSuchHeldPush(spoke, push_id, state.held)
    record = ReleasedPush(
        kind="push_released",
        spoke=spoke,
        push_id=push_id,
        lowered_users=len(state.held_users),
        by=by,
        at=at,
    )
    return GuardState(None, frozenset(), state.released | state.held_users), record
