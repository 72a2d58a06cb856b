"""Restoring an engine from its primary state: what a worker does after a restart."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.strategies import SPOKES, input_sequences
from uam_events.core.engine import Engine
from uam_events.core.events import (
    HubItemDeleted,
    HubItemUpserted,
    Input,
    RulePublished,
    RuleWithdrawn,
)
from uam_events.core.restore import (
    Rule,
    SavedItem,
    SavedUser,
    restore,
    save_item,
    save_user,
)
from uam_events.core.values import JsonObject
from uam_events.errors import InputError

AT = "2026-11-20T00:00:00Z"


def apply_all(engine: Engine, inputs: list[Input], rules: dict[str, Rule]) -> list[JsonObject]:
    """Apply inputs, keep the published rules by id, return the wire deltas."""
    deltas: list[JsonObject] = []
    for event in inputs:
        try:
            outcome = engine.apply(event, AT)
        except InputError:
            continue
        if isinstance(event, RulePublished):
            rules[event.rule.id] = event.rule
        elif isinstance(event, RuleWithdrawn):
            rules.pop(event.rule_id, None)
        deltas.extend(d.to_json() for d in outcome.deltas)
    return deltas


def save_everything(engine: Engine, inputs: list[Input]) -> tuple[list[SavedItem], list[SavedUser]]:
    """Save every item and user the inputs could have touched."""
    items = []
    for event in inputs:
        if isinstance(event, HubItemUpserted | HubItemDeleted):
            saved = save_item(engine, event.list, event.item)
            if saved is not None:
                items.append(saved)
    users = [u for uid in engine.state.users if (u := save_user(engine, uid)) is not None]
    return list({(i.list, i.code): i for i in items}.values()), users


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(input_sequences(), st.data())
def test_a_restored_engine_continues_exactly_like_the_original(
    inputs: list[Input], data: st.DataObject
) -> None:
    """Cut a sequence anywhere, restore from the saved primary state: same deltas after."""
    cut = data.draw(st.integers(0, len(inputs)))
    original = Engine(SPOKES)
    rules: dict[str, Rule] = {}
    apply_all(original, inputs[:cut], rules)
    items, users = save_everything(original, inputs[:cut])
    lists = set(original.state.hierarchies.lists)
    restored = restore(SPOKES, lists=lists, items=items, rules=rules.values(), users=users)
    assert dict(restored.state.seqs()) == dict(original.state.seqs())
    assert apply_all(restored, inputs[cut:], dict(rules)) == apply_all(original, inputs[cut:], {})
    pairs = {p for p, _ in original.state.resolved()} | {p for p, _ in restored.state.resolved()}
    for spoke_id, user_id in pairs:
        assert restored.state.access_of(spoke_id, user_id) == original.state.access_of(
            spoke_id, user_id
        )
    assert {u: r.record() for u, r in restored.state.users.items()} == {
        u: r.record() for u, r in original.state.users.items()
    }


def test_restoring_emits_nothing_and_keeps_seqs() -> None:
    """A restore of a user with a seq keeps the seq and resolves its access silently."""
    saved = SavedUser("u1", seqs={SPOKES[0].id: 7})
    engine = restore(SPOKES, lists=[], items=[], rules=[], users=[saved])
    assert dict(engine.state.seqs()) == {(SPOKES[0].id, "u1"): 7}
    assert engine.state.seq_of(SPOKES[0].id, "u1") == 7
    assert engine.state.seq_of(SPOKES[0].id, "nobody") == 0


def test_items_are_restored_parents_first() -> None:
    """Items saved children first still restore: parents are placed before children."""
    items = [
        SavedItem("P", "C", "C", "B"),
        SavedItem("P", "B", "B", "A"),
        SavedItem("P", "A", "A", None),
    ]
    engine = restore(SPOKES, lists=["P"], items=items, rules=[], users=[])
    tree = engine.state.hierarchies.get("P")
    assert tree is not None
    assert tree.path("C") == ("A", "B", "C")
