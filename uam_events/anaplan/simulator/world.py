"""The simulated tenant's pure state: users, workspaces, models, their lists and access.

Invariants: emails are keys in casefolded form; a model's Users list is exactly the users
whose role is not No Access; explicit selective access is held per user, list and item and
is never held by a user outside the Users list; effective access is the highest explicit level
on the item or any of its ancestors (Anaplan's parent-to-child inheritance).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from uam_events.anaplan.simulator.seed import (
    FULL_ACCESS,
    NO_ACCESS,
    ExportSeed,
    ImportSeed,
    ItemSeed,
    ListSeed,
    ModelSeed,
    ProcessSeed,
    SimulatorSeed,
)
from uam_events.core.levels import Level


def key(email: str) -> str:
    """Return the key of an email address: addresses compare case-insensitively."""
    return email.strip().casefold()


def guid(text: str) -> str:
    """Return a stable 32-character lowercase hex id derived from a text."""
    return hashlib.sha256(text.encode()).hexdigest()[:32]


@dataclass(slots=True)
class TenantUser:
    """A user of the tenant; secrets stay out of the repr."""

    email: str
    first_name: str
    last_name: str
    password: str | None = field(default=None, repr=False)
    certificate_pem: str | None = field(default=None, repr=False)
    active: bool = True

    @property
    def guid(self) -> str:
        """Return the user's 32-hex guid."""
        return guid(key(self.email))


@dataclass(slots=True)
class Workspace:
    """A workspace: members and administrators by email key."""

    id: str
    name: str
    members: set[str] = field(default_factory=set)
    admins: set[str] = field(default_factory=set)


@dataclass(frozen=True, slots=True)
class Item:
    """A list item: code, name and parent code."""

    code: str
    name: str
    parent: str | None

    @classmethod
    def of(cls, seed: ItemSeed) -> Item:
        """Return the item a seed describes (its name defaults to its code)."""
        return cls(seed.code, seed.name or seed.code, seed.parent)


@dataclass(slots=True)
class ModelList:
    """A list of a model, its items by code, and the items a refresh would bring in."""

    id: str
    name: str
    selective_access: bool
    items: dict[str, Item] = field(default_factory=dict)
    staged: list[Item] = field(default_factory=list)

    @classmethod
    def of(cls, seed: ListSeed) -> ModelList:
        """Return the list a seed describes."""
        items = {item.code: Item.of(item) for item in seed.items}
        return cls(
            seed.id, seed.name, seed.selective_access, items, [Item.of(s) for s in seed.staged]
        )

    def find(self, text: str, by: str) -> Item | None:
        """Return the item whose code (or name, when `by` is `name`) is `text`."""
        if by == "code":
            return self.items.get(text)
        return next((item for item in self.items.values() if item.name == text), None)

    def lineage(self, code: str) -> Iterator[str]:
        """Yield an item's code, then its parent's, up to the root (cycles stop the walk)."""
        seen: set[str] = set()
        current: str | None = code
        while current is not None and current not in seen and current in self.items:
            seen.add(current)
            yield current
            current = self.items[current].parent


@dataclass(slots=True)
class Model:
    """A model: roles, lists, each user's role, explicit access and access text."""

    id: str
    name: str
    workspace_id: str
    roles: set[str]
    lists: dict[str, ModelList]
    text_module: str
    imports: dict[str, ImportSeed]
    processes: dict[str, ProcessSeed]
    exports: dict[str, ExportSeed]
    user_roles: dict[str, str] = field(default_factory=dict)
    access: dict[str, dict[str, dict[str, Level]]] = field(default_factory=dict)
    access_text: dict[str, str] = field(default_factory=dict)

    def role_of(self, email: str) -> str:
        """Return a user's role; a user not in the Users list has No Access."""
        return self.user_roles.get(key(email), NO_ACCESS)

    def set_role(self, email: str, role: str) -> None:
        """Give a user a role; No Access clears its access and its Users-dimensioned data."""
        if role == NO_ACCESS:
            self.user_roles.pop(key(email), None)
            self.access.pop(key(email), None)
            self.access_text.pop(key(email), None)
        else:
            self.user_roles[key(email)] = role

    def in_users_list(self, email: str) -> bool:
        """Return whether a user is in the Users list (holds a role other than No Access)."""
        return key(email) in self.user_roles

    def explicit(self, email: str, list_name: str, code: str) -> Level:
        """Return a user's explicit level on one item."""
        return self.access.get(key(email), {}).get(list_name, {}).get(code, Level.NONE)

    def grant(self, email: str, list_name: str, code: str, level: Level) -> None:
        """Add explicit access; levels only rise (Read and Write are additive)."""
        held = self.access.setdefault(key(email), {}).setdefault(list_name, {})
        held[code] = max(held.get(code, Level.NONE), level)

    def revoke(self, email: str, list_name: str, code: str) -> bool:
        """Remove a user's explicit access on one item; return whether there was any."""
        held = self.access.get(key(email), {}).get(list_name, {})
        if code not in held:
            return False
        del held[code]
        if not held:
            del self.access[key(email)][list_name]
        if not self.access[key(email)]:
            del self.access[key(email)]
        return True

    def effective(self, email: str, list_name: str, code: str) -> Level:
        """Return a user's effective level: the highest explicit level on the item's lineage."""
        held = self.access.get(key(email), {}).get(list_name, {})
        levels = [held.get(c, Level.NONE) for c in self.lists[list_name].lineage(code)]
        return max(levels, default=Level.NONE)


def build_model(seed: ModelSeed) -> Model:
    """Return the model a seed describes."""
    model = Model(
        id=seed.id,
        name=seed.name,
        workspace_id=seed.workspace_id,
        roles={*seed.roles, FULL_ACCESS, NO_ACCESS},
        lists={entry.name: ModelList.of(entry) for entry in seed.lists},
        text_module=seed.text_module,
        imports={entry.id: entry for entry in seed.imports},
        processes={entry.id: entry for entry in seed.processes},
        exports={entry.id: entry for entry in seed.exports},
    )
    for email, role in seed.user_roles.items():
        model.set_role(email, role)
    for email, lists in seed.access.items():
        for list_name, items in lists.items():
            for code, level in items.items():
                model.grant(email, list_name, code, Level.parse(level.lower()))
    model.access_text = {key(email): text for email, text in seed.access_text.items()}
    return model


@dataclass(slots=True)
class World:
    """The whole tenant."""

    users: dict[str, TenantUser] = field(default_factory=dict)
    workspaces: dict[str, Workspace] = field(default_factory=dict)
    models: dict[str, Model] = field(default_factory=dict)

    @classmethod
    def of(cls, seed: SimulatorSeed) -> World:
        """Return the world a seed describes."""
        world = cls()
        for user in seed.users:
            password = None if user.password is None else user.password.get_secret_value()
            world.users[key(user.email)] = TenantUser(
                user.email,
                user.first_name,
                user.last_name,
                password,
                user.certificate_pem,
                user.active,
            )
        for ws in seed.workspaces:
            admins = {key(email) for email in ws.admins}
            members = {key(email) for email in ws.members} | admins
            world.workspaces[ws.id] = Workspace(ws.id, ws.name, members, admins)
        world.models = {model.id: build_model(model) for model in seed.models}
        return world

    def user(self, email: str) -> TenantUser | None:
        """Return the tenant user with this email, if any."""
        return self.users.get(key(email))

    def is_member(self, workspace_id: str, email: str) -> bool:
        """Return whether a user is a member of a workspace."""
        workspace = self.workspaces.get(workspace_id)
        return workspace is not None and key(email) in workspace.members

    def is_admin(self, workspace_id: str, email: str) -> bool:
        """Return whether a user administers a workspace."""
        workspace = self.workspaces.get(workspace_id)
        return workspace is not None and key(email) in workspace.admins

    def can_open(self, model: Model, email: str) -> bool:
        """Return whether a user sees a model's objects: an admin, or a member with a role."""
        return self.is_admin(model.workspace_id, email) or (
            self.is_member(model.workspace_id, email) and model.in_users_list(email)
        )

    def inspect(self, model: Model) -> dict[str, Any]:
        """Return what a model holds: Users list with roles, explicit access, access text."""
        name = {k: user.email for k, user in self.users.items()}
        return {
            "id": model.id,
            "users": [
                {"email": name.get(k, k), "role": role}
                for k, role in sorted(model.user_roles.items())
            ],
            "access": {
                name.get(k, k): {
                    list_name: {code: level.column for code, level in sorted(items.items())}
                    for list_name, items in sorted(lists.items())
                }
                for k, lists in sorted(model.access.items())
            },
            "access_text": {name.get(k, k): text for k, text in sorted(model.access_text.items())},
            "lists": {
                entry.name: [
                    {"code": item.code, "name": item.name, "parent": item.parent}
                    for item in entry.items.values()
                ]
                for entry in model.lists.values()
            },
        }
