"""The materialised state one partition (or the embedded engine) keeps.

Invariant: users, hierarchies, rules, explicit grants, the last resolved access and the last
`seq` of each (spoke, user) are the primary state; the attribute index, rule matches and
holders are derived from them and kept in step by the engine on every event.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from uam_events.core.access import NOTHING, UserAccess
from uam_events.core.explicit_grants import ExplicitGrants
from uam_events.core.hierarchy import Hierarchies
from uam_events.core.indexes import AttributeIndex, Holders
from uam_events.core.rulebook import Pair, RuleBook
from uam_events.core.spokes import Spoke
from uam_events.core.users import UserRecord


@dataclass(slots=True)
class State:
    """Everything the core knows, for the spokes it was configured with."""

    spokes: dict[str, Spoke]
    hierarchies: Hierarchies = field(default_factory=Hierarchies)
    users: dict[str, UserRecord] = field(default_factory=dict)
    rules: RuleBook = field(default_factory=RuleBook)
    explicit: ExplicitGrants = field(default_factory=ExplicitGrants)
    access: dict[Pair, UserAccess] = field(default_factory=dict)
    seqs: dict[Pair, int] = field(default_factory=dict)
    attributes: AttributeIndex = field(default_factory=AttributeIndex)
    holders: Holders = field(default_factory=Holders)

    def access_of(self, spoke_id: str, user_id: str) -> UserAccess:
        """Return a user's last resolved access in a spoke (nothing if never resolved)."""
        return self.access.get((spoke_id, user_id), NOTHING)

    def member_spokes(self, user: UserRecord) -> set[str]:
        """Return the spokes whose workspace the user belongs to."""
        return {s.id for s in self.spokes.values() if s.workspace_id in user.workspaces}
