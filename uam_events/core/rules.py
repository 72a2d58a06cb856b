"""Policies: predicates over user attributes, access rules, role rules and qualified-user scopes.

Invariants: predicate equality is strict JSON equality; against a list-valued attribute,
equality means "contains" and `in` means "shares an element". A template holds at most one
`{attr}`; a string or number fills it, each element of a list-valued attribute in turn.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from uam_events.core.access import Grant, RuleCause
from uam_events.core.levels import Level
from uam_events.core.values import (
    AttrValue,
    Scalar,
    ScalarKey,
    attr_scalars,
    intern_fields,
    scalar_key,
)


@dataclass(frozen=True, slots=True)
class Equals:
    """`{attr: value}`: the attribute equals (or, for a list, contains) the value."""

    attribute: str
    value: Scalar
    key: ScalarKey = field(init=False, repr=False, compare=False)
    _text: str | None = field(init=False, repr=False, compare=False)
    """The value when it is a string (a string attribute can equal nothing else), else None."""

    def __post_init__(self) -> None:
        intern_fields(self, "attribute", "value")
        object.__setattr__(self, "key", scalar_key(self.value))
        object.__setattr__(self, "_text", self.value if type(self.value) is str else None)

    def holds(self, value: AttrValue | None) -> bool:
        """Return whether an attribute value satisfies this clause."""
        if type(value) is str:
            return value == self._text
        if value is None:
            return False
        if isinstance(value, tuple):
            return any(scalar_key(v) == self.key for v in value)
        return scalar_key(value) == self.key


@dataclass(frozen=True, slots=True)
class OneOf:
    """`{attr: {"in": [..]}}`: the attribute is (or, for a list, shares) one of the values."""

    attribute: str
    values: tuple[Scalar, ...]
    keys: frozenset[ScalarKey] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        intern_fields(self, "attribute", "values")
        object.__setattr__(self, "keys", frozenset(scalar_key(v) for v in self.values))

    def holds(self, value: AttrValue | None) -> bool:
        """Return whether an attribute value satisfies this clause."""
        if type(value) is str:
            return value in self.keys  # a string is its own key
        if value is None:
            return False
        if isinstance(value, tuple):
            return any(scalar_key(v) in self.keys for v in value)
        return scalar_key(value) in self.keys


@dataclass(frozen=True, slots=True)
class Exists:
    """`{attr: {"exists": bool}}`: present and not null, "" or [] (or the opposite)."""

    attribute: str
    present: bool

    def __post_init__(self) -> None:
        intern_fields(self, "attribute")

    def holds(self, value: AttrValue | None) -> bool:
        """Return whether an attribute value satisfies this clause."""
        return (value is not None) is self.present


Clause = Equals | OneOf | Exists

Test = tuple[str, frozenset[ScalarKey] | None, Callable[[AttrValue | None], bool]]
"""One clause, flat: attribute, the keys a string must be one of (None: any), the test."""


def _string_keys(clause: Clause) -> frozenset[ScalarKey] | None:
    """Return the keys a string value must be one of to satisfy a clause (None: a presence
    test, which a string passes or fails by `holds`)."""
    if isinstance(clause, Equals):
        return frozenset((clause.key,))
    if isinstance(clause, OneOf):
        return clause.keys
    return None


@dataclass(frozen=True, slots=True)
class Predicate:
    """Clauses ANDed; no clause matches every user."""

    clauses: tuple[Clause, ...] = ()
    _tests: tuple[Test, ...] = field(init=False, repr=False, compare=False)
    """Per clause: the attribute, the keys a string value must be one of (None: a presence
    test) and the clause's own test for other values."""
    names: frozenset[str] = field(init=False, repr=False, compare=False)
    """The attribute names the clauses test."""

    def matches(self, attributes: Mapping[str, AttrValue]) -> bool:
        """Return whether a user with these attributes satisfies every clause.

        Flat: a string value (most values) is tested by one set lookup, without a call; a
        list, a number, a boolean or an absent value by the clause's `holds`.
        """
        get = attributes.get
        for attribute, keys, holds in self._tests:
            value = get(attribute)
            if keys is not None and type(value) is str:
                if value not in keys:  # a string is its own key
                    return False
            elif not holds(value):
                return False
        return True

    def __post_init__(self) -> None:
        tests = tuple((c.attribute, _string_keys(c), c.holds) for c in self.clauses)
        object.__setattr__(self, "_tests", tests)
        object.__setattr__(self, "names", frozenset(c.attribute for c in self.clauses))

    @property
    def attributes(self) -> frozenset[str]:
        """Return the attribute names this predicate reads."""
        return self.names

    @property
    def signature(self) -> tuple[tuple[str, str, object], ...]:
        """Return the clauses compared with strict JSON equality (`1` and `true` differ):
        two predicates with the same signature match the same users."""
        return tuple(
            ("equals", c.attribute, c.key)
            if isinstance(c, Equals)
            else ("in", c.attribute, c.keys)
            if isinstance(c, OneOf)
            else ("exists", c.attribute, c.present)
            for c in self.clauses
        )


@dataclass(frozen=True, slots=True)
class ItemTemplate:
    """An item code, literal (`EMEA`) or filled from one attribute (`{region}`, `R-{region}`)."""

    prefix: str
    attribute: str | None = None
    suffix: str = ""
    _literal: tuple[str, ...] = field(init=False, repr=False, compare=False)
    """The one item a literal template names (empty for a templated one)."""

    def __post_init__(self) -> None:
        intern_fields(self, "prefix", "attribute", "suffix")
        object.__setattr__(self, "_literal", (self.prefix,) if self.attribute is None else ())

    @classmethod
    def parse(cls, text: str) -> ItemTemplate:
        """Return the template `text` spells; raise ValueError on more than one `{attr}`."""
        start = text.find("{")
        if start < 0:
            if "}" in text:
                raise ValueError(f"unbalanced '}}' in item template {text!r}")
            return cls(prefix=text)
        end = text.find("}", start)
        name = text[start + 1 : end] if end > start else ""
        rest = text[end + 1 :] if end > start else ""
        if end < 0 or not name or "{" in name or "{" in rest or "}" in rest:
            raise ValueError(
                f"item template {text!r} must hold at most one {{attribute}} with a name"
            )
        return cls(prefix=text[:start], attribute=name, suffix=rest)

    def items_for(self, attributes: Mapping[str, AttrValue]) -> tuple[str, ...]:
        """Return the item codes this template names for a user (none when it cannot fill)."""
        if self.attribute is None:
            return self._literal
        value = attributes.get(self.attribute)
        if value is None:
            return ()
        codes = []
        for scalar in attr_scalars(value):
            filler = fill_text(scalar)
            if filler is not None:
                codes.append(f"{self.prefix}{filler}{self.suffix}")
        return tuple(dict.fromkeys(codes))

    def fillers_for(self, item: str) -> tuple[Scalar, ...]:
        """Return the attribute values that would make this template name `item`."""
        if self.attribute is None or not item.startswith(self.prefix):
            return ()
        if not item.endswith(self.suffix) or len(item) < len(self.prefix) + len(self.suffix):
            return ()
        middle = item[len(self.prefix) : len(item) - len(self.suffix)]
        if not middle:
            return ()
        fillers: list[Scalar] = [middle]
        try:
            number = float(middle) if any(c in middle for c in ".eE") else int(middle)
        except ValueError:
            return tuple(fillers)
        if fill_text(number) == middle:
            fillers.append(number)
        return tuple(fillers)

    @property
    def text(self) -> str:
        """Return the template as written."""
        if self.attribute is None:
            return self.prefix
        return f"{self.prefix}{{{self.attribute}}}{self.suffix}"


def fill_text(value: Scalar) -> str | None:
    """Return how a scalar fills a template: strings and numbers do, booleans do not."""
    if isinstance(value, bool):
        return None
    if isinstance(value, str):
        return value or None
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


@dataclass(frozen=True, slots=True)
class AccessRule:
    """Grant `level` on the templated item of a hub list in a spoke to every matching user."""

    id: str
    spoke: str
    list: str
    when: Predicate
    item: ItemTemplate
    level: Level
    cause: RuleCause = field(init=False, repr=False, compare=False)
    """The cause this rule's grants name, built once so every resolution shares it."""
    grant: Grant = field(init=False, repr=False, compare=False)
    """The grant this rule alone gives, built once so every resolution shares it."""
    template: str | None = field(init=False, repr=False, compare=False)
    """The attribute its item template is filled from (None: a literal item)."""

    def __post_init__(self) -> None:
        intern_fields(self, "id", "spoke", "list")
        object.__setattr__(self, "cause", RuleCause(self.id))
        object.__setattr__(self, "grant", Grant(self.level, (self.cause,)))
        object.__setattr__(self, "template", self.item.attribute)

    @property
    def attributes(self) -> frozenset[str]:
        """Return the attribute names this rule reads (predicate and template)."""
        names = self.when.attributes
        return names | {self.item.attribute} if self.item.attribute else names


@dataclass(frozen=True, slots=True)
class RoleRule:
    """Give `role` to every matching active member of a spoke; the highest priority wins."""

    id: str
    spoke: str
    when: Predicate
    role: str
    priority: int = 0
    because: tuple[RuleCause] = field(init=False, repr=False, compare=False)
    """The causes this rule's role names, built once so every resolution shares them."""
    template: None = field(default=None, init=False, repr=False, compare=False)
    """No item template (the access rule's field, so both kinds read alike)."""

    def __post_init__(self) -> None:
        intern_fields(self, "id", "spoke", "role")
        object.__setattr__(self, "because", (RuleCause(self.id),))

    @property
    def attributes(self) -> frozenset[str]:
        """Return the attribute names this rule reads."""
        return self.when.attributes


@dataclass(frozen=True, slots=True)
class ScopeItem:
    """An item subtree of a hub list inside a qualified user's scope."""

    list: str
    item: str

    def __post_init__(self) -> None:
        intern_fields(self, "list", "item")


@dataclass(frozen=True, slots=True)
class QualifiedUser:
    """A scope: `user` may set access in `spokes`, on `items` subtrees, for matching targets."""

    id: str
    user: str
    spokes: tuple[str, ...]
    items: tuple[ScopeItem, ...]
    users: Predicate | None = None

    def __post_init__(self) -> None:
        intern_fields(self, "id", "user", "spokes")

    @property
    def attributes(self) -> frozenset[str]:
        """Return the attribute names this scope's target predicate reads."""
        return self.users.attributes if self.users else frozenset()


Rule = AccessRule | RoleRule | QualifiedUser


def role_order(rule: RoleRule) -> tuple[int, str]:
    """Return a sort key that puts the winning role rule first (priority, then smallest id)."""
    return (-rule.priority, rule.id)
