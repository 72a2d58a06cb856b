"""Spokes as the core sees them: which hub lists each uses and which roles it falls back to."""

from __future__ import annotations

from dataclasses import dataclass, field

from uam_events.core.values import intern_fields


@dataclass(frozen=True, slots=True)
class SpokeList:
    """A hub list a spoke uses, and its name in that spoke's model."""

    hub: str
    name: str

    def __post_init__(self) -> None:
        intern_fields(self, "hub")


@dataclass(frozen=True, slots=True)
class Spoke:
    """One Anaplan model that receives access."""

    id: str
    workspace_id: str
    lists: tuple[SpokeList, ...]
    default_role: str
    no_access_role: str
    hub_lists: tuple[str, ...] = field(init=False, compare=False, repr=False)
    """The hub lists this spoke uses, in configured order."""
    _hub_set: frozenset[str] = field(init=False, compare=False, repr=False)

    def __post_init__(self) -> None:
        intern_fields(self, "id", "workspace_id")
        hubs = tuple(entry.hub for entry in self.lists)
        object.__setattr__(self, "hub_lists", hubs)
        object.__setattr__(self, "_hub_set", frozenset(hubs))

    def uses(self, hub_list: str) -> bool:
        """Return whether this spoke uses a hub list."""
        return hub_list in self._hub_set
