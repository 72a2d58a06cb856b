"""A user's stored SCIM resource: PatchOp application (RFC 7644 3.5.2) and the profile it yields.

Invariant: `apply_patch` is all or nothing; it returns a new resource or raises InputError and
leaves its argument untouched.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from uam_events.core.values import AttrValue, JsonObject, JsonValue

ENTERPRISE_URN = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
CORE_USER_URN = "urn:ietf:params:scim:schemas:core:2.0:User"


@dataclass(frozen=True, slots=True)
class Comparison:
    """`attr op value` in a SCIM filter; op is one of eq ne co sw ew gt ge lt le, or pr."""

    attribute: str
    op: str
    value: JsonValue = None


@dataclass(frozen=True, slots=True)
class Logical:
    """`left and right` / `left or right`."""

    op: Literal["and", "or"]
    left: Filter
    right: Filter


@dataclass(frozen=True, slots=True)
class Negation:
    """`not (inner)`."""

    inner: Filter


Filter = Comparison | Logical | Negation


@dataclass(frozen=True, slots=True)
class AttributePath:
    """A parsed PATCH path: `[schema:]attribute[[filter]][.sub_attribute]`."""

    attribute: str
    schema: str | None = None
    value_filter: Filter | None = None
    sub_attribute: str | None = None


@dataclass(frozen=True, slots=True)
class PatchOperation:
    """One PatchOp operation, normalised: lower-case op, parsed path (None: no path)."""

    op: Literal["add", "replace", "remove"]
    path: AttributePath | None
    value: JsonValue = None


@dataclass(frozen=True, slots=True)
class UserProfile:
    """What the core reads from a SCIM resource: name, activation, workspaces, attributes."""

    user_name: str | None
    active: bool
    workspaces: frozenset[str]
    attributes: dict[str, AttrValue]


def apply_patch(resource: JsonObject, operations: tuple[PatchOperation, ...]) -> JsonObject:
    """Return `resource` with every operation applied, or raise InputError naming the bad one."""
    raise NotImplementedError


def profile_from_resource(resource: JsonObject) -> UserProfile:
    """Return the profile a stored SCIM User resource yields (a missing `active` is inactive)."""
    raise NotImplementedError
