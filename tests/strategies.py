"""Hypothesis strategies: random but valid-looking input sequences over a small universe.

The universe is small on purpose (few items, users, attribute values), so random sequences
collide often: moves under granted items, rules matching the same users, revocations.
"""

from __future__ import annotations

from typing import Any

from hypothesis import strategies as st

from uam_events.anaplan.retry import RetryPolicy
from uam_events.core.events import (
    CopyAccess,
    HubItemDeleted,
    HubItemUpserted,
    IdentityAttributesChanged,
    Input,
    RulePublished,
    RuleWithdrawn,
    SetAccess,
    UserActivated,
    UserCreated,
    UserDeactivated,
    UserDeleted,
)
from uam_events.core.levels import Level
from uam_events.core.rules import (
    AccessRule,
    Equals,
    Exists,
    ItemTemplate,
    OneOf,
    Predicate,
    QualifiedUser,
    RoleRule,
    ScopeItem,
)
from uam_events.core.scim_user import ENTERPRISE_URN
from uam_events.core.spokes import Spoke, SpokeList

SPOKES = (
    Spoke("s1", "ws1", (SpokeList("P", "P Prod"), SpokeList("G", "G Geo")), "Planner", "No Access"),
    Spoke("s2", "ws2", (SpokeList("G", "G Geo"),), "Viewer", "No Access"),
)
ITEMS = {"P": ("A", "B", "C", "D", "E", "F"), "G": ("W", "X", "Y", "Z")}
USERS = ("u1", "u2", "u3", "u4")
LATE_USERS = ("u5", "u6")
"""Users first seen in the middle of a sequence, after rules exist."""
DEPTS = ("Sales", "Fin")
REGIONS = ("X", "Y", "Z", "Q")

hub_lists = st.sampled_from(sorted(ITEMS))


@st.composite
def hub_upserts(draw: st.DrawFn) -> HubItemUpserted:
    """An upsert of a random item under a random parent (or as a root)."""
    hub = draw(hub_lists)
    item = draw(st.sampled_from(ITEMS[hub]))
    parent = draw(st.none() | st.sampled_from(ITEMS[hub]))
    return HubItemUpserted(hub, item, parent, item.lower())


@st.composite
def hub_moves(draw: st.DrawFn) -> HubItemUpserted:
    """A move of a base-tree item under another item or to the root (cycles get refused)."""
    hub = draw(hub_lists)
    base = [i for i in ITEMS[hub] if i not in ("F", "Z")]
    item = draw(st.sampled_from(base))
    parent = draw(st.sampled_from([None, *base]))
    return HubItemUpserted(hub, item, parent, item.lower())


@st.composite
def hub_deletes(draw: st.DrawFn) -> HubItemDeleted:
    """A delete of a random item."""
    hub = draw(hub_lists)
    return HubItemDeleted(hub, draw(st.sampled_from(ITEMS[hub])))


@st.composite
def user_creates(draw: st.DrawFn) -> UserCreated:
    """A SCIM create with a department and some workspaces (mostly active)."""
    user = draw(st.sampled_from(USERS + LATE_USERS))
    workspaces = draw(st.sets(st.sampled_from(("ws1", "ws2")), min_size=1))
    resource = {
        "userName": f"{user}@example.com",
        "active": draw(st.sampled_from((True, True, True, False))),
        "emails": [{"value": f"{user}@example.com", "primary": True}],
        ENTERPRISE_URN: {"department": draw(st.sampled_from(DEPTS))},
        "entitlements": [{"value": w, "type": "WORKSPACE"} for w in sorted(workspaces)],
    }
    return UserCreated(user, resource)


attribute_values = (
    st.none()
    | st.sampled_from(REGIONS)
    | st.lists(st.sampled_from(REGIONS), min_size=1, max_size=2)
    | st.sampled_from((True, 1, "1"))
)


@st.composite
def identity_changes(draw: st.DrawFn) -> IdentityAttributesChanged:
    """Region, flag or department changes from HR, sometimes replacing the layer."""
    names = draw(st.sets(st.sampled_from(("region", "flag", "department")), min_size=1))
    attributes = {n: draw(attribute_values) for n in sorted(names)}
    if "department" in attributes and attributes["department"] is not None:
        attributes["department"] = draw(st.sampled_from(DEPTS))
    user = draw(st.sampled_from(USERS + LATE_USERS))
    return IdentityAttributesChanged(user, attributes, draw(st.booleans()))


predicates = st.lists(
    st.sampled_from(
        (
            Equals("department", "Sales"),
            Equals("department", "Fin"),
            Equals("region", "X"),
            Equals("flag", True),
            Equals("flag", "1"),
            OneOf("region", ("Y", "Z")),
            Exists("region", True),
            Exists("flag", False),
        )
    ),
    max_size=2,
    unique=True,
).map(lambda clauses: Predicate(tuple(clauses)))


@st.composite
def rule_publishes(draw: st.DrawFn) -> RulePublished:
    """An access, role or qualified-user rule with a small id space (so rules get replaced)."""
    kind = draw(st.sampled_from(("access", "access", "role", "scope")))
    if kind == "role":
        spoke = draw(st.sampled_from(SPOKES))
        rule_id = f"role-{draw(st.integers(0, 2))}"
        role = draw(st.sampled_from(("Admin", "Editor")))
        return RulePublished(
            RoleRule(rule_id, spoke.id, draw(predicates), role, draw(st.integers(0, 2)))
        )
    if kind == "scope":
        items = draw(st.lists(st.sampled_from([("P", "A"), ("P", "C"), ("G", "W")]), max_size=2))
        users = draw(st.none() | predicates)
        scope = QualifiedUser(
            f"q-{draw(st.integers(0, 1))}",
            draw(st.sampled_from(USERS)),
            tuple(draw(st.sets(st.sampled_from(("s1", "s2")), min_size=1))),
            tuple(ScopeItem(lst, item) for lst, item in items),
            users,
        )
        return RulePublished(scope)
    spoke = draw(st.sampled_from(SPOKES))
    hub = draw(st.sampled_from(spoke.hub_lists))
    template = draw(st.sampled_from((*ITEMS[hub], "{region}", "A", "B", "W", "X")))
    level = draw(st.sampled_from((Level.READ, Level.WRITE)))
    rule_id = f"acc-{draw(st.integers(0, 6))}"
    when = draw(st.sampled_from((Predicate(), None)))
    when = when if when is not None else draw(predicates)
    return RulePublished(
        AccessRule(rule_id, spoke.id, hub, when, ItemTemplate.parse(template), level)
    )


actors = st.sampled_from(("u1", "u1", "u1", "u2"))
rule_ids = st.sampled_from(("acc-0", "acc-1", "role-0", "q-0", "missing"))


@st.composite
def set_accesses(draw: st.DrawFn) -> SetAccess:
    """A set_access by a random actor on a random target and item."""
    spoke = draw(st.sampled_from(SPOKES))
    hub = draw(st.sampled_from(spoke.hub_lists))
    return SetAccess(
        f"c-{draw(st.integers(0, 10**6))}",
        draw(actors),
        draw(st.sampled_from(USERS)),
        spoke.id,
        hub,
        draw(st.sampled_from(ITEMS[hub])),
        draw(st.sampled_from(tuple(Level))),
    )


@st.composite
def copy_accesses(draw: st.DrawFn) -> CopyAccess:
    """A copy_access between random users."""
    spoke = draw(st.sampled_from(SPOKES))
    lists = draw(st.none() | st.lists(st.sampled_from(spoke.hub_lists), unique=True))
    return CopyAccess(
        f"c-{draw(st.integers(0, 10**6))}",
        draw(actors),
        draw(st.sampled_from(USERS)),
        draw(st.sampled_from(USERS)),
        spoke.id,
        tuple(lists) if lists is not None else None,
        draw(st.sampled_from(("merge", "replace"))),
    )


user_ids = st.sampled_from(USERS)

inputs: st.SearchStrategy[Input] = st.one_of(
    hub_upserts(),
    hub_moves(),
    hub_moves(),
    hub_deletes(),
    user_creates(),
    identity_changes(),
    identity_changes(),
    user_ids.map(UserDeactivated),
    user_ids.map(UserActivated),
    user_ids.map(UserDeleted),
    rule_publishes(),
    rule_publishes(),
    rule_ids.map(RuleWithdrawn),
    set_accesses(),
    set_accesses(),
    set_accesses(),
    copy_accesses(),
)
"""Any core input over the small universe."""

BASE_TREE = (
    HubItemUpserted("P", "A", None, "a"),
    HubItemUpserted("P", "B", "A", "b"),
    HubItemUpserted("P", "C", "A", "c"),
    HubItemUpserted("P", "D", "B", "d"),
    HubItemUpserted("P", "E", "B", "e"),
    HubItemUpserted("G", "W", None, "w"),
    HubItemUpserted("G", "X", "W", "x"),
    HubItemUpserted("G", "Y", "W", "y"),
)


SCOPE = RulePublished(
    QualifiedUser("q-base", "u1", ("s1", "s2"), (ScopeItem("P", "A"), ScopeItem("G", "X")))
)


@st.composite
def input_sequences(draw: st.DrawFn) -> list[Input]:
    """A base tree, every user created, then up to 60 random inputs."""
    users = [draw(user_creates()) for _ in USERS]  # ids reassigned below: one create each
    users = [UserCreated(user_id, u.resource) for user_id, u in zip(USERS, users, strict=True)]
    rules = draw(st.lists(rule_publishes(), min_size=2, max_size=7))
    return [*BASE_TREE, *users, SCOPE, *rules, *draw(st.lists(inputs, max_size=60))]


SIM_ITEMS = ("TOTAL", "EU", "FR", "DE", "US")
"""The simulator test tenant's `P3 Product` items (tests/conftest.py `tenant_seed`)."""
SIM_USERS = ("alice@example.com", "bob@example.com")


@st.composite
def sa_import_rows(draw: st.DrawFn) -> list[tuple[str, str, str]]:
    """Users-import rows (email, item code, Read|Write|None) over the simulator's test tenant."""
    row = st.tuples(
        st.sampled_from(SIM_USERS),
        st.sampled_from(SIM_ITEMS),
        st.sampled_from(("Read", "Write", "None")),
    )
    return draw(st.lists(row, max_size=12))


@st.composite
def sa_grants(draw: st.DrawFn) -> dict[str, str]:
    """Explicit access of one user on the simulator's test items (item code -> Read|Write)."""
    return draw(st.dictionaries(st.sampled_from(SIM_ITEMS), st.sampled_from(("Read", "Write"))))


# --- the Anaplan client's retries -------------------------------------------------------------

unit_draws = st.floats(min_value=0.0, max_value=1.0, exclude_max=True)
"""What `random.random()` may return."""


@st.composite
def retry_policies(draw: st.DrawFn) -> RetryPolicy:
    """A valid retry policy: base in (0, 10] s, cap from base to an hour."""
    base = draw(st.floats(min_value=0.001, max_value=10.0))
    cap = draw(st.floats(min_value=base, max_value=3600.0))
    attempts = draw(st.integers(min_value=1, max_value=12))
    return RetryPolicy(attempts=attempts, base=base, cap=cap)


def window_cuts(size: int) -> st.SearchStrategy[list[int]]:
    """Where a stream of `size` deltas is cut into sink windows: sorted positions in 1..size-1."""
    if size < 2:
        return st.just([])
    return st.sets(st.integers(1, size - 1), max_size=8).map(sorted)


def redeliveries(size: int) -> st.SearchStrategy[list[tuple[int, int]]]:
    """At-least-once delivery: (delta index, later position) pairs, each a copy delivered again."""
    if size < 1:
        return st.just([])
    return st.lists(
        st.integers(0, size - 1).flatmap(lambda i: st.tuples(st.just(i), st.integers(i + 1, size))),
        max_size=10,
    )


def with_own_emails(inputs: list[Input]) -> list[Input]:
    """Give each created user the email `<id>@example.com`: Anaplan keys users by email."""
    out: list[Input] = []
    for event in inputs:
        if not isinstance(event, UserCreated):
            out.append(event)
            continue
        email = f"{event.user_id}@example.com"
        resource = {**event.resource, "userName": email}
        resource["emails"] = [{"value": email, "primary": True}]
        out.append(UserCreated(event.user_id, resource))
    return out


@st.composite
def level_flips(draw: st.DrawFn) -> list[Input]:
    """set_access commands inside the base scope on one target and item, levels up and down."""
    spoke = draw(st.sampled_from(SPOKES))
    hub = draw(st.sampled_from(spoke.hub_lists))
    item = draw(st.sampled_from(("A", "A", "B") if hub == "P" else ("X",)))
    target = draw(st.sampled_from(("u3", "u4")))
    levels = draw(st.lists(st.sampled_from(tuple(Level)), min_size=2, max_size=4))
    return [
        SetAccess(f"c-{draw(st.integers(0, 10**6))}", "u1", target, spoke.id, hub, item, level)
        for level in levels
    ]


def _active_member(user_id: str, department: str) -> UserCreated:
    email = f"{user_id}@example.com"
    resource = {
        "userName": email,
        "active": True,
        "emails": [{"value": email, "primary": True}],
        ENTERPRISE_URN: {"department": department},
        "entitlements": [{"value": w, "type": "WORKSPACE"} for w in ("ws1", "ws2")],
    }
    return UserCreated(user_id, resource)


@st.composite
def flip_sequences(draw: st.DrawFn) -> list[Input]:
    """Active members of both spokes, a few rules, then explicit levels going up and down."""
    users = [_active_member(u, draw(st.sampled_from(DEPTS))) for u in USERS]
    rules = draw(st.lists(rule_publishes(), max_size=3))
    parts = draw(st.lists(st.one_of(level_flips(), inputs.map(lambda i: [i])), max_size=12))
    return [*BASE_TREE, *users, SCOPE, *rules, *(event for part in parts for event in part)]


sink_input_sequences = st.one_of(input_sequences().map(with_own_emails), flip_sequences())
"""Input sequences for the sink: no two users share an email (as in a real tenant), and
about half of them change explicit levels up and down (downgrades, removals) a lot."""


# --- reconcile: a spoke's resolved state and a drifted copy of what it holds -----------------

DRIFT_LISTS = {"Products": ("TOTAL", "HW", "SW"), "Geography": ("WORLD", "EMEA")}
DRIFT_ROLES = ("Planner", "Viewer", "No Access")
DRIFT_USERS = ("a@example.com", "b@example.com", "c@example.com", "d@example.com")


@st.composite
def drift_grants(draw: st.DrawFn) -> dict[tuple[str, str], Level]:
    """Draw explicit grants over the drift universe: (hub list, item) -> Read or Write."""
    keys = [(hub, item) for hub, items in DRIFT_LISTS.items() for item in items]
    chosen = draw(st.lists(st.sampled_from(keys), unique=True, max_size=4))
    return {key: draw(st.sampled_from((Level.READ, Level.WRITE))) for key in chosen}


@st.composite
def spoke_drifts(
    draw: st.DrawFn,
) -> tuple[dict[str, tuple[bool, str, dict[tuple[str, str], Level]]], dict[str, Any]]:
    """Draw a resolved state (member, role, grants per user) and what the spoke holds.

    What it holds is per email: (role, grants) with role None when the user is not in the
    Users list, or absent altogether.
    """
    desired = {
        email: (draw(st.booleans()), draw(st.sampled_from(DRIFT_ROLES)), draw(drift_grants()))
        for email in DRIFT_USERS
    }
    held: dict[str, Any] = {}
    for email in draw(st.lists(st.sampled_from(DRIFT_USERS), unique=True)):
        held[email] = (draw(st.sampled_from((*DRIFT_ROLES, None))), draw(drift_grants()))
    return desired, held
