"""Spokes as the core sees them: which hub lists each uses and which roles it falls back to."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class SpokeList:
    """A hub list a spoke uses, and its name in that spoke's model."""

    hub: str
    name: str


@dataclass(frozen=True, slots=True)
class Spoke:
    """One Anaplan model that receives access."""

    id: str
    workspace_id: str
    lists: tuple[SpokeList, ...]
    default_role: str
    no_access_role: str

    @property
    def hub_lists(self) -> tuple[str, ...]:
        """Return the hub lists this spoke uses, in configured order."""
        return tuple(entry.hub for entry in self.lists)

    def uses(self, hub_list: str) -> bool:
        """Return whether this spoke uses a hub list."""
        return any(entry.hub == hub_list for entry in self.lists)
