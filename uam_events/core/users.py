"""Users: the stored SCIM resource, the identity-attribute layer over it, and tombstones.

Invariant: `attributes` is always the SCIM-derived names overlaid by the identity layer (the
identity layer wins on a clash); a tombstone is inactive, keeps its userName and workspaces,
and has no attributes in either layer.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from uam_events.core.access import UserAccess
from uam_events.core.scim_user import UserProfile, profile_from_resource, updated_profile
from uam_events.core.values import AttrValue, JsonObject, JsonValue, attr_value, to_json


@dataclass(slots=True)
class UserRecord:
    """One user key's whole identity state."""

    id: str
    resource: JsonObject | None = None
    identity: dict[str, AttrValue] = field(default_factory=dict)
    deleted: bool = False
    user_name: str | None = None
    active: bool = False
    workspaces: frozenset[str] = frozenset()
    scim_attributes: dict[str, AttrValue] = field(default_factory=dict)
    attributes: dict[str, AttrValue] = field(default_factory=dict)
    profile: UserProfile | None = field(default=None, compare=False, repr=False)
    """What `resource` yields (kept with it, so a patch re-reads only the parts it changed)."""
    access: dict[str, UserAccess] = field(default_factory=dict, compare=False, repr=False)
    """Spoke id -> the user's last resolved access there (read through `State.access_of`)."""
    seqs: dict[str, int] = field(default_factory=dict, compare=False, repr=False)
    """Spoke id -> the `seq` of the user's last delta there (absent: 0; `State.seq_of`)."""

    @property
    def provisioned(self) -> bool:
        """Return whether SCIM created this user and did not delete it."""
        return self.resource is not None and not self.deleted

    @property
    def email(self) -> str | None:
        """Return the address the spokes know the user by: the email, else the userName."""
        email = self.attributes.get("email", self.scim_attributes.get("email"))
        return email if isinstance(email, str) else self.user_name

    def is_active_member(self, workspace_id: str) -> bool:
        """Return whether the user is active, not deleted and in the workspace."""
        return self.active and not self.deleted and workspace_id in self.workspaces

    def set_resource(self, resource: JsonObject) -> None:
        """Store a (revived) SCIM resource and derive name, activation, workspaces, attributes."""
        old, previous = self.resource, self.profile
        if old is None or previous is None:
            profile = profile_from_resource(resource)
        else:
            profile = updated_profile(old, previous, resource)
        self.resource = resource
        self.profile = profile
        self.deleted = False
        self.user_name = profile.user_name
        self.active = profile.active
        self.workspaces = profile.workspaces
        self.scim_attributes = profile.attributes
        self._merge()

    def change_identity(self, changes: dict[str, JsonValue], replace: bool) -> None:
        """Apply identity-topic names: null removes a name, `replace` replaces the layer."""
        layer = {} if replace else dict(self.identity)
        for name, raw in changes.items():
            value = attr_value(raw)
            if value is None:
                layer.pop(name, None)
            else:
                layer[name] = value
        self.identity = layer
        self._merge()

    def tombstone(self) -> None:
        """Turn the user into a tombstone: inactive, attributes cleared, memberships kept."""
        self.deleted = True
        self.active = False
        self.identity = {}
        self.scim_attributes = {}
        self.attributes = {}

    def record(self) -> JsonObject:
        """Return the user's final state as `users.jsonl` writes it."""
        workspaces: list[JsonValue] = []
        workspaces.extend(sorted(self.workspaces))
        return {
            "id": self.id,
            "userName": self.user_name,
            "active": self.active,
            "deleted": self.deleted,
            "workspaces": workspaces,
            "attributes": {k: to_json(self.attributes[k]) for k in sorted(self.attributes)},
        }

    def _merge(self) -> None:
        self.attributes = {} if self.deleted else {**self.scim_attributes, **self.identity}
