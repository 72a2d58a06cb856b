"""Coalescing: deltas of `uam.access.<spoke>` folded into each user's desired state.

Invariants: a delta whose seq is not above the user's folded seq is a replay and changes
nothing (consumers are idempotent by seq); a change and its reversal inside one window leave
the desired state as it was, so the run pushes nothing for them. A user who leaves the
spoke's workspace loses everything there at once (Anaplan drops them from the model), so the
acknowledged state is emptied when that delta is folded, not at the next run.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import replace

from uam_events.contract.outputs import GrantDelta, MembershipDelta, RoleDelta, TextDelta
from uam_events.core.levels import Level
from uam_events.sink.state import EMPTY, Tracked, UserState

WireDelta = GrantDelta | RoleDelta | MembershipDelta | TextDelta


def fold(tracked: Tracked, delta: WireDelta) -> Tracked:
    """Return the user's record with one delta folded in (unchanged when it is a replay)."""
    desired = tracked.desired
    if delta.seq <= desired.seq:
        return tracked
    desired = _apply(replace(desired, email=delta.email, seq=delta.seq), delta)
    if isinstance(delta, MembershipDelta) and not delta.member:
        return Tracked(desired, replace(EMPTY, seq=desired.seq))
    return replace(tracked, desired=desired)


def _apply(state: UserState, delta: WireDelta) -> UserState:
    """Return a state with one delta's change applied."""
    if isinstance(delta, MembershipDelta):
        return replace(state, member=delta.member)
    if isinstance(delta, RoleDelta):
        return replace(state, role=delta.to)
    if isinstance(delta, TextDelta):
        return replace(state, text=delta.text)
    grants = dict(state.grants)
    key = (delta.list, delta.item)
    if delta.to == "none":
        grants.pop(key, None)
    else:
        grants[key] = Level.parse(delta.to)
    return replace(state, grants=grants)


def coalesce(read: Callable[[str], Tracked], deltas: Iterable[WireDelta]) -> dict[str, Tracked]:
    """Fold a window of deltas; return the records that changed, by user id.

    `read` returns a user's stored record (an untracked one for a new user); each user is read
    once per window.
    """
    changed: dict[str, Tracked] = {}
    for delta in deltas:
        user_id = delta.user_id
        before = changed[user_id] if user_id in changed else read(user_id)
        after = fold(before, delta)
        if after is not before:
            changed[user_id] = after
    return changed
