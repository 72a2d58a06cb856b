"""Properties of the engine over random input sequences (DESIGN section 3, semantics 1 and 7)."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings

from tests.strategies import SPOKES, input_sequences
from tests.unit.core.naive import naive_access
from uam_events.core.deltas import fold_delta, state_json
from uam_events.core.engine import Engine
from uam_events.core.events import Input
from uam_events.core.explain import effective_levels
from uam_events.core.levels import Level
from uam_events.core.resolver import resolve_access
from uam_events.core.values import JsonObject
from uam_events.errors import InputError

AT = "2026-11-20T00:00:00Z"


def run(inputs: list[Input]) -> tuple[Engine, list[JsonObject]]:
    """Apply inputs in order, skipping the ones the engine refuses."""
    engine = Engine(SPOKES)
    deltas: list[JsonObject] = []
    for event in inputs:
        try:
            outcome = engine.apply(event, AT)
        except InputError:
            continue
        deltas.extend(d.to_json() for d in outcome.deltas)
    return engine, deltas


def fold_all(deltas: list[JsonObject]) -> dict[tuple[str, str], JsonObject]:
    """Fold wire deltas per (spoke, user) onto empty state."""
    folded: dict[tuple[str, str], JsonObject | None] = {}
    for delta in deltas:
        key = (str(delta["spoke"]), str(delta["user_id"]))
        folded[key] = fold_delta(folded.get(key), delta)
    return {k: v for k, v in folded.items() if v is not None}


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(input_sequences())
def test_deltas_fold_to_a_full_recomputation(inputs: list[Input]) -> None:
    """Deltas folded in order equal a naive recomputation of the final state."""
    engine, deltas = run(inputs)
    folded = fold_all(deltas)
    for spoke in SPOKES:
        for user in engine.state.users.values():
            naive = naive_access(engine.state, spoke, user)
            got = folded.get((spoke.id, user.id))
            if not naive.member:
                assert got is None
                continue
            assert got is not None
            assert got["member"] is True
            assert got["role"] == naive.role
            levels = {k: v["level"] for k, v in got["grants"].items()}  # type: ignore[union-attr]
            want = {f"{lst}/{item}": lvl.label for (lst, item), lvl in naive.grants.items()}
            assert levels == want


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(input_sequences())
def test_folded_state_is_the_materialised_state(inputs: list[Input]) -> None:
    """Folding the deltas gives the engine's own current access, causes and text included."""
    engine, deltas = run(inputs)
    folded = fold_all(deltas)
    for (spoke_id, user_id), access in engine.state.resolved():
        seq = engine.state.seq_of(spoke_id, user_id)
        record = state_json(spoke_id, user_id, None, access, seq=seq, at=None)
        got = folded.get((spoke_id, user_id))
        if record is None:
            assert got is None
            continue
        assert got is not None
        assert got["seq"] == record["seq"]
        assert got["text"] == record["text"]
        assert got["role"] == record["role"]
        grants = {
            f"{g['list']}/{g['item']}": {"level": g["level"], "because": g["because"]}
            for g in record["grants"]
        }  # type: ignore[index, union-attr]
        assert got["grants"] == grants


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(input_sequences())
def test_effective_levels_never_drop_and_grants_reproduce_them(inputs: list[Input]) -> None:
    """Effective levels never drop down the tree, and inheritance from the grants rebuilds them."""
    engine, _ = run(inputs)
    state = engine.state
    for (spoke_id, user_id), access in state.resolved():
        naive = naive_access(state, state.spokes[spoke_id], state.users[user_id])
        for hub_list in state.spokes[spoke_id].hub_lists:
            tree = state.hierarchies.get(hub_list)
            if tree is None:
                continue
            for item in tree.items:
                parent = tree.parent_of(item)
                mine = naive.effective.get((hub_list, item), Level.NONE)
                if parent is not None:
                    assert mine >= naive.effective.get((hub_list, parent), Level.NONE)
            rebuilt = effective_levels(access.grants, tree)
            want = {i: lvl for (lst, i), lvl in naive.effective.items() if lst == hub_list}
            assert rebuilt == want


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(input_sequences())
def test_seq_increases_per_spoke_and_user(inputs: list[Input]) -> None:
    """Each (spoke, user) sees seq 1, 2, 3, ... in emission order."""
    _, deltas = run(inputs)
    last: dict[tuple[str, str], int] = {}
    for delta in deltas:
        key = (str(delta["spoke"]), str(delta["user_id"]))
        assert delta["seq"] == last.get(key, 0) + 1
        last[key] = int(delta["seq"])  # type: ignore[arg-type]


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(input_sequences())
def test_every_step_leaves_the_state_a_full_recomputation_gives(inputs: list[Input]) -> None:
    """After each input, not only at the end, every pair's access equals a recomputation."""
    engine = Engine(SPOKES)
    for event in inputs:
        try:
            engine.apply(event, AT)
        except InputError:
            continue
        state = engine.state
        for spoke in SPOKES:
            for user in state.users.values():
                naive = naive_access(state, spoke, user)
                access = state.access_of(spoke.id, user.id)
                assert access.member == naive.member
                assert access.role == naive.role
                assert {k: g.level for k, g in access.grants.items()} == naive.grants


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(input_sequences())
def test_every_step_leaves_each_pair_as_a_fresh_resolution(inputs: list[Input]) -> None:
    """After each input, every pair's stored access (causes, text and own items included)
    equals resolving it from scratch: refreshing only what went stale loses nothing."""
    engine = Engine(SPOKES)
    for event in inputs:
        try:
            engine.apply(event, AT)
        except InputError:
            continue
        state = engine.state
        for spoke in SPOKES:
            for user in state.users.values():
                fresh = resolve_access(
                    spoke,
                    user,
                    access_rules=state.rules.access_rules(user.id, spoke.id),
                    role_rules=state.rules.role_rules(user.id, spoke.id),
                    explicit=state.explicit.of(user.id),
                    hierarchies=state.hierarchies,
                )
                assert state.access_of(spoke.id, user.id) == fresh
