"""Rebuild an engine from its primary state alone: how a worker recovers a partition.

Invariant: the indexes, rule matches, holders and resolved access are derived; restoring the
primary parts (hub items, rules, users with their explicit grants and `seq`s) and deriving the
rest gives an engine that emits, from then on, exactly the deltas the original would have.
Restoring emits no delta.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from uam_events.core.engine import Engine
from uam_events.core.refresh import EVERYTHING, refresh
from uam_events.core.resolver import ExplicitGrant, ExplicitKey
from uam_events.core.rules import AccessRule, QualifiedUser, RoleRule
from uam_events.core.spokes import Spoke
from uam_events.core.users import UserRecord
from uam_events.core.values import JsonObject, JsonValue, to_json

Rule = AccessRule | RoleRule | QualifiedUser


@dataclass(frozen=True, slots=True)
class SavedItem:
    """One hub item: its list, code, display name and parent."""

    list: str
    code: str
    name: str
    parent: str | None


@dataclass(slots=True)
class SavedUser:
    """One user's primary state: what SCIM and the identity topic said, grants and seqs."""

    id: str
    resource: JsonObject | None = None
    identity: dict[str, JsonValue] = field(default_factory=dict)
    deleted: bool = False
    explicit: dict[ExplicitKey, ExplicitGrant] = field(default_factory=dict)
    seqs: dict[str, int] = field(default_factory=dict)
    """Spoke id -> the last `seq` there; a spoke without one restores as 0."""


def save_user(engine: Engine, user_id: str) -> SavedUser | None:
    """Return a user's primary state, or None when the engine has never seen the user."""
    st = engine.state
    user = st.users.get(user_id)
    explicit = dict(st.explicit.of(user_id))
    held = user.seqs if user is not None else {}
    seqs = {s: held[s] for s in st.spokes if held.get(s)}  # zero seqs are not saved
    if user is None and not explicit and not seqs:
        return None
    saved = SavedUser(user_id, explicit=explicit, seqs=seqs)
    if user is not None:
        saved.resource = user.resource
        saved.identity = {name: to_json(value) for name, value in user.identity.items()}
        saved.deleted = user.deleted
    return saved


def save_item(engine: Engine, hub_list: str, code: str) -> SavedItem | None:
    """Return a hub item as it stands, or None when it does not exist (any more)."""
    tree = engine.state.hierarchies.get(hub_list)
    if tree is None or code not in tree:
        return None
    item = tree.items[code]
    return SavedItem(hub_list, code, item.name, item.parent)


def restore(
    spokes: Iterable[Spoke],
    *,
    lists: Iterable[str],
    items: Iterable[SavedItem],
    rules: Iterable[Rule],
    users: Iterable[SavedUser],
) -> Engine:
    """Return an engine holding exactly this primary state, its derived state rebuilt."""
    engine = Engine(spokes)
    st = engine.state
    for name in sorted(lists):
        st.hierarchies.list_for_upsert(name)
    for item in _parents_first(items):
        st.hierarchies.list_for_upsert(item.list).upsert(item.code, item.parent, item.name)
    saved_users = sorted(users, key=lambda u: u.id)
    for saved in saved_users:
        record = _user_record(saved)
        st.users[saved.id] = record
        st.attributes.update(saved.id, {}, record.attributes)
    for rule in sorted(rules, key=lambda r: r.id):
        st.rules.publish(rule, st.attributes, st.users)
    for saved in saved_users:
        for key, grant in sorted(saved.explicit.items()):
            st.explicit.put(saved.id, key, grant)
    refresh(st, {(s, saved.id): EVERYTHING for s in st.spokes for saved in saved_users}, at="")
    for saved in saved_users:
        st.users[saved.id].seqs = {s: seq for s, seq in saved.seqs.items() if seq}
    return engine


def _user_record(saved: SavedUser) -> UserRecord:
    record = UserRecord(saved.id)
    if saved.resource is not None:
        record.set_resource(saved.resource)
    if saved.deleted:
        record.tombstone()
    record.change_identity(dict(saved.identity), replace=True)
    return record


def _parents_first(items: Iterable[SavedItem]) -> list[SavedItem]:
    """Order items so that each comes after its parent (a forest, so this always exists)."""
    by_key = {(i.list, i.code): i for i in items}
    ordered: list[SavedItem] = []
    placed: set[tuple[str, str]] = set()
    for key in sorted(by_key):
        chain: list[SavedItem] = []
        item: SavedItem | None = by_key[key]
        while item is not None and (item.list, item.code) not in placed:
            chain.append(item)
            placed.add((item.list, item.code))
            parent = item.parent
            item = by_key.get((item.list, parent)) if parent is not None else None
        ordered.extend(reversed(chain))
    return ordered
