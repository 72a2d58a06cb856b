"""Explicit grants set by qualified users' commands, by user and by item.

Invariant: `on_item` names exactly the users holding an explicit grant on each (list, item),
so deleting an item removes its grants without a scan.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from uam_events.core.resolver import ExplicitGrant, ExplicitKey

_NONE: Mapping[ExplicitKey, ExplicitGrant] = {}


@dataclass(slots=True)
class ExplicitGrants:
    """Every user's explicit grants: (spoke, list, item) -> level, actor, command."""

    of_user: dict[str, dict[ExplicitKey, ExplicitGrant]] = field(default_factory=dict)
    on_item: dict[tuple[str, str], set[str]] = field(default_factory=dict)

    def of(self, user_id: str) -> Mapping[ExplicitKey, ExplicitGrant]:
        """Return a user's explicit grants."""
        return self.of_user.get(user_id, _NONE)

    def put(self, user_id: str, key: ExplicitKey, grant: ExplicitGrant | None) -> None:
        """Set (or with None, remove) one explicit grant."""
        grants = self.of_user.setdefault(user_id, {})
        if grant is None:
            grants.pop(key, None)
            if not any(k[1:] == key[1:] for k in grants):
                self._unindex(key[1:], user_id)
        else:
            grants[key] = grant
            self.on_item.setdefault(key[1:], set()).add(user_id)
        if not grants:
            del self.of_user[user_id]

    def clear_user(self, user_id: str) -> set[str]:
        """Remove all of a user's explicit grants; return the spokes they were in."""
        grants = self.of_user.pop(user_id, {})
        for key in grants:
            self._unindex(key[1:], user_id)
        return {key[0] for key in grants}

    def clear_item(self, hub_list: str, item: str) -> dict[str, set[str]]:
        """Remove every explicit grant on an item; return the spokes touched per user."""
        touched: dict[str, set[str]] = {}
        for user_id in sorted(self.on_item.pop((hub_list, item), set())):
            grants = self.of_user[user_id]
            for key in [k for k in grants if k[1] == hub_list and k[2] == item]:
                del grants[key]
                touched.setdefault(user_id, set()).add(key[0])
            if not grants:
                del self.of_user[user_id]
        return touched

    def _unindex(self, item_key: tuple[str, str], user_id: str) -> None:
        users = self.on_item.get(item_key)
        if users is not None:
            users.discard(user_id)
            if not users:
                del self.on_item[item_key]
