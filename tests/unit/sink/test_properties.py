"""Properties of the sink on random delta streams cut into random windows.

The spoke is an in-test model of a Users list with Anaplan's additive rules: Read and Write
add, Write implies Read, None removes an item the user has, No Access clears all selective
access and takes the user out of the Users list (so an access-text row for them is refused, as
Anaplan and the simulator refuse it), and a user who leaves the workspace is dropped at once.
After the last window (and one clean run, when rows were rejected on the way) it must hold
exactly the final desired roles, grants and access texts.
"""

from __future__ import annotations

import itertools
import random
from dataclasses import dataclass, field

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.strategies import BASE_TREE, SPOKES, redeliveries, sink_input_sequences, window_cuts
from tests.unit.sink.conftest import DELTA, spoke_settings
from uam_events.contract.outputs import MembershipDelta, RoleDelta
from uam_events.core.access import GrantKey
from uam_events.core.engine import Engine
from uam_events.core.events import Input, UserCreated, UserDeactivated
from uam_events.core.levels import Level
from uam_events.errors import InputError
from uam_events.settings import SpokeSettings
from uam_events.sink.coalescing import WireDelta, coalesce
from uam_events.sink.outcome import Outcome, Rejection, acknowledge
from uam_events.sink.planner import ImportFile, Push, plan
from uam_events.sink.store import MemoryStore

AT = "2026-11-20T00:00:00Z"
INTEGRATION = "u2@example.com"
"""One of the generated users plays the integration user: it must never be pushed."""
SETTINGS = [spoke_settings(i) for i in range(len(SPOKES))]
Held = tuple[str, dict[GrantKey, Level], str]
"""A user in the model: role, selective access, access text."""


@dataclass
class SpokeModel:
    """A spoke's Users list, changed only by import rows and by workspace removals."""

    spoke: SpokeSettings
    users: dict[str, Held] = field(default_factory=dict)

    def columns(self) -> dict[int, tuple[str, Level]]:
        """Return the selective-access columns: index -> (hub list, level)."""
        found: dict[int, tuple[str, Level]] = {}
        for i, entry in enumerate(self.spoke.lists):
            for j, level in enumerate((Level.READ, Level.WRITE, Level.NONE)):
                found[2 + 3 * i + j] = (entry.hub, level)
        return found

    def apply_users(self, file: ImportFile, rejected: set[int]) -> None:
        """Apply the users rows the import accepted, in file order."""
        columns = self.columns()
        for line, row in enumerate(file.rows, start=2):
            if line in rejected:
                continue
            email, role = row.cells[0], row.cells[1]
            _, access, text = self.users.get(email, ("", {}, ""))
            if role == self.spoke.no_access_role:  # No Access clears access and the text
                access, text = {}, ""
            access = dict(access)
            for index, cell in enumerate(row.cells):
                if cell and index in columns:
                    hub, level = columns[index]
                    if level == Level.NONE:
                        access.pop((hub, cell), None)
                    else:
                        access[(hub, cell)] = max(level, access.get((hub, cell), Level.NONE))
            self.users[email] = (role, access, text)

    def apply_texts(self, file: ImportFile, rejected: set[int]) -> list[int]:
        """Apply the access-text rows; return the lines refused: users not in the Users list.

        A user in the no-access role is not in it either: the text module is dimensioned by
        the Users list, which No Access leaves.
        """
        refused = []
        for line, row in enumerate(file.rows, start=2):
            held = self.users.get(row.cells[0])
            if held is None or held[0] == self.spoke.no_access_role:
                refused.append(line)
            elif line not in rejected:
                role, access, _ = self.users[row.cells[0]]
                self.users[row.cells[0]] = (role, access, row.cells[1])
        return refused


def engine_deltas(inputs: list[Input]) -> tuple[Engine, list[WireDelta]]:
    """Run the core (skipping inputs it refuses); return it and its deltas, as wire payloads."""
    engine = Engine(SPOKES)
    deltas: list[WireDelta] = []
    for event in inputs:
        try:
            outcome = engine.apply(event, AT)
        except InputError:
            continue
        deltas += [DELTA.validate_python(d.to_json()) for d in outcome.deltas]
    return engine, deltas


def windows(deltas: list[WireDelta], cuts: list[int]) -> list[list[WireDelta]]:
    """Cut a stream at the given positions."""
    edges = [0, *cuts, len(deltas)]
    return [deltas[a:b] for a, b in itertools.pairwise(edges)]


@dataclass
class SinkHarness:
    """One spoke's sink on a memory store, pushing into a spoke model."""

    spoke: SpokeSettings
    store: MemoryStore = field(default_factory=MemoryStore)
    pushes: list[tuple[str, str]] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.model = SpokeModel(self.spoke)

    def window(self, deltas: list[WireDelta], rng: random.Random | None = None) -> None:
        """Fold a window, plan it, push it (rejecting rows at random when `rng` is given)."""
        mine = [d for d in deltas if d.spoke == self.spoke.id]
        for delta in mine:
            if isinstance(delta, MembershipDelta) and not delta.member and delta.email:
                self.model.users.pop(delta.email, None)
        self.store.write(coalesce(self.store.get, mine))
        push = plan(self.spoke, self.store.users(), INTEGRATION)
        self.pushes.append((push.users_file().text(), push.text_file().text()))
        rejections = self._reject(push, rng) if rng else []
        rejected = {(r.file, r.line) for r in rejections}
        self.model.apply_users(push.users_file(), {ln for f, ln in rejected if f == "users"})
        refused = self.model.apply_texts(
            push.text_file(), {ln for f, ln in rejected if f == "text"}
        )
        rejections += [
            Rejection("text", line, "user not in the model")
            for line in refused
            if ("text", line) not in rejected
        ]
        outcome = Outcome(frozenset({"users", "text"}), tuple(rejections))
        settled = acknowledge(
            push,
            outcome,
            self.store.get,
            no_access_role=self.spoke.no_access_role,
            quarantine_after=1000,
        )
        self.store.write(settled.updates)

    def _reject(self, push: Push, rng: random.Random) -> list[Rejection]:
        """Reject about one row in five, in either file."""
        found = []
        for name, file in (("users", push.users_file()), ("text", push.text_file())):
            for line in range(2, len(file.rows) + 2):
                if rng.random() < 0.2:
                    found.append(Rejection(name, line, "item not found"))  # type: ignore[arg-type]
        return found


def desired(engine: Engine, spoke: SpokeSettings) -> dict[str, Held]:
    """Return what the spoke must hold: each member's role, grants and text by email."""
    expected: dict[str, Held] = {}
    for (spoke_id, user_id), access in engine.state.resolved():
        email = engine.state.users[user_id].email
        if spoke_id != spoke.id or not access.member or access.role is None or email is None:
            continue
        if email == INTEGRATION:
            continue
        if access.role == spoke.no_access_role:
            expected[email] = (access.role, {}, "")
            continue
        levels = {key: grant.level for key, grant in access.grants.items()}
        expected[email] = (access.role, levels, access.text or "")
    return expected


PROPERTY = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@PROPERTY
@given(sink_input_sequences, st.data())
def test_pushing_every_window_leaves_the_spoke_holding_the_desired_access(
    inputs: list[Input], data: st.DataObject
) -> None:
    """Windowed pushes, some rows rejected on the way, converge on the final desired state."""
    engine, deltas = engine_deltas(inputs)
    cuts = data.draw(window_cuts(len(deltas)))
    rng = data.draw(st.randoms(use_true_random=False))
    for spoke in SETTINGS:
        sink = SinkHarness(spoke)
        for window in windows(deltas, cuts):
            sink.window(window, rng)
        sink.window([])
        assert sink.model.users == desired(engine, spoke)
        assert plan(spoke, sink.store.users(), INTEGRATION).empty


@PROPERTY
@given(sink_input_sequences, st.data())
def test_a_redelivered_delta_changes_nothing(inputs: list[Input], data: st.DataObject) -> None:
    """At-least-once delivery: copies of earlier deltas leave every push and record as they were."""
    _, deltas = engine_deltas(inputs)
    cuts = data.draw(window_cuts(len(deltas)))
    copies = data.draw(redeliveries(len(deltas)))
    for spoke in SETTINGS:
        once, again = SinkHarness(spoke), SinkHarness(spoke)
        for window in windows(deltas, cuts):
            once.window(window)
        replayed = windows(deltas, cuts)
        for index, position in copies:
            target = next(
                (i for i, edge in enumerate([*cuts, len(deltas)]) if position <= edge),
                len(replayed) - 1,
            )
            replayed[target].append(deltas[index])
        for window in replayed:
            again.window(window)
        assert again.pushes == once.pushes
        assert list(again.store.users()) == list(once.store.users())


class _Draws(random.Random):
    """A random source that answers `random()` from a fixed list (then 1.0: nothing rejected)."""

    def __init__(self, draws: list[float]) -> None:
        super().__init__(0)
        self.draws = draws

    def random(self) -> float:
        return self.draws.pop(0) if self.draws else 1.0


def test_a_text_accepted_while_the_role_row_failed_is_not_left_on_a_no_access_user() -> None:
    """u1 is created inactive, re-created active, deactivated; the Planner row is rejected.

    Its access text is refused too (No Access keeps u1 out of the Users list), so when u1
    falls back to No Access the spoke holds no text for u1 (found by the property above).
    """
    resource = {
        "userName": "u1@example.com",
        "emails": [{"value": "u1@example.com", "primary": True}],
        "entitlements": [{"value": "ws1", "type": "WORKSPACE"}],
    }
    inputs: list[Input] = [
        *BASE_TREE,
        UserCreated("u1", {**resource, "active": False}),
        UserCreated("u1", {**resource, "active": True}),
        UserDeactivated("u1"),
    ]
    engine, deltas = engine_deltas(inputs)
    sink = SinkHarness(SETTINGS[0])
    for window in windows(deltas, list(range(1, len(deltas)))):
        to_planner = any(isinstance(d, RoleDelta) and d.to == "Planner" for d in window)
        sink.window(window, _Draws([0.0] if to_planner else []))  # reject the users row
    sink.window([])
    assert (
        sink.model.users
        == desired(engine, SETTINGS[0])
        == {"u1@example.com": ("No Access", {}, "")}
    )
