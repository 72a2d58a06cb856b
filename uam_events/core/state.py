"""The materialised state one partition (or the embedded engine) keeps.

Invariant: users, hierarchies, rules, explicit grants, the last resolved access and the last
`seq` of each (spoke, user) are the primary state; the attribute index, rule matches and
holders are derived from them and kept in step by the engine on every event. A pair's access
and seq are held on its user's record (one lookup by user, no (spoke, user) tuple to build and
hash per pair); read them through `access_of`, `seq_of`, `resolved` and `seqs`.
"""

from __future__ import annotations

from collections.abc import Iterator
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
    attributes: AttributeIndex = field(default_factory=AttributeIndex)
    holders: Holders = field(default_factory=Holders)

    def access_of(self, spoke_id: str, user_id: str) -> UserAccess:
        """Return a user's last resolved access in a spoke (nothing if never resolved)."""
        user = self.users.get(user_id)
        return NOTHING if user is None else user.access.get(spoke_id, NOTHING)

    def seq_of(self, spoke_id: str, user_id: str) -> int:
        """Return the `seq` of a user's last delta in a spoke (0: none yet)."""
        user = self.users.get(user_id)
        return 0 if user is None else user.seqs.get(spoke_id, 0)

    def resolved(self) -> Iterator[tuple[Pair, UserAccess]]:
        """Yield every resolved pair with its access (users in insertion order: sort if the
        order matters)."""
        for user_id, user in self.users.items():
            for spoke_id, access in user.access.items():
                yield (spoke_id, user_id), access

    def seqs(self) -> Iterator[tuple[Pair, int]]:
        """Yield every pair with a delta so far and its last `seq` (zero seqs are not held)."""
        for user_id, user in self.users.items():
            for spoke_id, seq in user.seqs.items():
                if seq:
                    yield (spoke_id, user_id), seq

    def member_spokes(self, user: UserRecord) -> set[str]:
        """Return the spokes whose workspace the user belongs to."""
        return {s.id for s in self.spokes.values() if s.workspace_id in user.workspaces}
