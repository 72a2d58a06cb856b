"""Scalar keys and the keys two attribute values differ by."""

from __future__ import annotations

from hypothesis import given

from tests.strategies import attribute_values
from uam_events.core.values import (
    AttrValue,
    attr_scalars,
    attr_value,
    key_changes,
    same_json,
    scalar_key,
)


def test_scalar_keys_keep_json_types_apart() -> None:
    """A string, a number and a boolean that Python finds equal get three different keys."""
    keys = {scalar_key("1"), scalar_key(1), scalar_key(True)}
    assert len(keys) == 3
    assert scalar_key(2.0) == scalar_key(2)


def _keys(value: AttrValue | None) -> set[object]:
    return set() if value is None else {scalar_key(s) for s in attr_scalars(value)}


@given(attribute_values, attribute_values)
def test_key_changes_are_the_keys_only_one_value_holds(
    raw_before: object, raw_after: object
) -> None:
    """For values that differ as JSON, the keys gone and come are the set differences."""
    before, after = attr_value(raw_before), attr_value(raw_after)
    if same_json(before, after):
        return
    gone, came = key_changes(before, after)
    assert set(gone) == _keys(before) - _keys(after)
    assert set(came) == _keys(after) - _keys(before)


def test_values_equal_in_python_but_not_in_json_are_not_the_same() -> None:
    """`1` and `true`, alone or in a list, differ as JSON though Python finds them equal."""
    assert not same_json(1, True)
    assert not same_json((1, "x"), (True, "x"))
    assert same_json(("x", 1), ("x", 1))
    assert not same_json(None, "x")


def test_events_and_rules_built_from_equal_strings_share_one_id_object() -> None:
    """Ids from two decodes (equal, distinct strings) end up as one object, so lookups end on
    identity."""
    from uam_events.core.events import IdentityAttributesChanged, UserDeleted
    from uam_events.core.rules import Equals

    first, second = "".join(["u-", "42"]), "".join(["u", "-42"])
    assert first is not second
    assert UserDeleted(first).user_id is UserDeleted(second).user_id
    event = IdentityAttributesChanged(second, {"".join(["reg", "ion"]): "".join(["EM", "EA"])})
    [(name, value)] = event.attributes.items()
    clause = Equals("".join(["re", "gion"]), "".join(["E", "MEA"]))
    assert name is clause.attribute
    assert value is clause.value
