"""Deltas: the changes of one user's access in one spoke, and their fold back into state.

Invariant (convergence): folding every delta emitted so far, in order, onto empty state gives
exactly the resolved access of the final state; `diff_access` emits a delta whenever a
membership, role, grant or access text (value or causes) changes, and nothing otherwise.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Literal, NamedTuple

from uam_events.core.access import Cause, UserAccess
from uam_events.core.levels import Level
from uam_events.core.values import JsonObject, JsonValue

DeltaKind = Literal["membership", "role", "grant", "text"]


class Delta(NamedTuple):
    """One change, ready for `uam.access.<spoke>`: common fields plus the kind's body.

    An immutable named tuple rather than a frozen dataclass: every change builds one, and a
    tuple is built about twice as fast.
    """

    spoke: str
    user_id: str
    email: str | None
    kind: DeltaKind
    body: JsonObject
    at: str
    seq: int

    def to_json(self) -> JsonObject:
        """Return the wire delta, keys in contract order."""
        return {
            "spoke": self.spoke,
            "user_id": self.user_id,
            "email": self.email,
            "kind": self.kind,
            **self.body,
            "at": self.at,
            "seq": self.seq,
        }


def causes_json(causes: Iterable[Cause]) -> list[JsonValue]:
    """Return causes as wire CAUSE objects."""
    return [c.to_json() for c in causes]


def diff_access(old: UserAccess, new: UserAccess) -> list[tuple[DeltaKind, JsonObject]]:
    """Return the (kind, body) changes from `old` to `new`: membership, role, grants, text."""
    changes: list[tuple[DeltaKind, JsonObject]] = []
    if old.member != new.member:
        changes.append(("membership", {"member": new.member}))
    if old.role != new.role or old.role_because != new.role_because:
        body: JsonObject = {
            "from": old.role,
            "to": new.role,
            "because": causes_json(new.role_because),
        }
        changes.append(("role", body))
    old_grants, new_grants = old.grants, new.grants
    if old_grants != new_grants:
        for key in sorted(old_grants.keys() | new_grants.keys()):
            before, after = old_grants.get(key), new_grants.get(key)
            if before is after or before == after:
                continue
            body = {
                "list": key[0],
                "item": key[1],
                "from": (before.level if before else Level.NONE).label,
                "to": (after.level if after else Level.NONE).label,
                "because": causes_json(after.because) if after else [],
            }
            changes.append(("grant", body))
    if old.text != new.text:
        changes.append(("text", {"text": new.text}))
    return changes


def fold_delta(state: JsonObject | None, delta: JsonObject) -> JsonObject | None:
    """Return a user's folded access after one wire delta (None: holds nothing in the spoke).

    The folded form is `{"member", "role", "grants": {"list/item": {"level", "because"}},
    "text", "seq"}`; a delta whose seq is not above the state's is a replay and is ignored.
    """
    current: JsonObject = (
        dict(state) if state else {"member": False, "role": None, "grants": {}, "text": None}
    )
    seq = delta["seq"]
    assert isinstance(seq, int)
    last = current.get("seq")
    if isinstance(last, int) and seq <= last:
        return state
    grants = dict(current["grants"])  # type: ignore[arg-type]
    kind = delta["kind"]
    if kind == "membership":
        current["member"] = delta["member"]
    elif kind == "role":
        current["role"] = delta["to"]
    elif kind == "text":
        current["text"] = delta["text"]
    elif kind == "grant":
        key = f"{delta['list']}/{delta['item']}"
        if delta["to"] == "none":
            grants.pop(key, None)
        else:
            grants[key] = {"level": delta["to"], "because": delta["because"]}
    current["grants"] = grants
    current["seq"] = seq
    empty = not current["member"] and current["role"] is None and not grants
    return None if empty and current["text"] is None else current


def state_json(
    spoke_id: str,
    user_id: str,
    email: str | None,
    access: UserAccess,
    *,
    seq: int,
    at: str | None,
) -> JsonObject | None:
    """Return the `uam.state.<spoke>` value: the user's whole access, or None if nothing."""
    if access.holds_nothing:
        return None
    grants: list[JsonValue] = [
        {
            "list": hub_list,
            "item": item,
            "level": grant.level.label,
            "because": causes_json(grant.because),
        }
        for (hub_list, item), grant in access.grants.items()
    ]
    return {
        "spoke": spoke_id,
        "user_id": user_id,
        "email": email,
        "member": access.member,
        "role": access.role,
        "role_because": causes_json(access.role_because),
        "grants": grants,
        "text": access.text,
        "seq": seq,
        "at": at,
    }
