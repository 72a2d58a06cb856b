"""A user's stored SCIM resource: PatchOp application (RFC 7644 3.5.2) and the profile it yields.

Invariant: `apply_patch` is all or nothing; it returns a new resource or raises InputError and
leaves its argument untouched. After every operation the resource keeps a userName and an
`active` that is a boolean or absent. How one operation changes a resource is `scim_patch`.
"""

from __future__ import annotations

from dataclasses import dataclass
from sys import intern
from typing import Literal

from uam_events.core.scim_filter import Comparison, Filter, Logical, Negation, member
from uam_events.core.scim_patch import CORE_USER_URN, MULTI_VALUED, apply_operation, find_key
from uam_events.core.values import AttrValue, JsonObject, JsonValue, attr_value
from uam_events.errors import InvalidInput

__all__ = [
    "CORE_USER_URN",
    "ENTERPRISE_URN",
    "MULTI_VALUED",
    "AttributePath",
    "Comparison",
    "Filter",
    "Logical",
    "Negation",
    "PatchOperation",
    "UserProfile",
    "apply_patch",
    "coerce_active",
    "profile_from_resource",
    "updated_profile",
]

ENTERPRISE_URN = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"

PROFILE_CORE = ("userName", "displayName", "title", "userType")
PROFILE_NAME = ("givenName", "familyName")
PROFILE_ENTERPRISE = ("employeeNumber", "costCenter", "organization", "division", "department")
_ENTERPRISE_FOLDED = ENTERPRISE_URN.casefold()
_CORE_FOLDED = CORE_USER_URN.lower()
_CORE = tuple((n, n.casefold()) for n in PROFILE_CORE)
_NAME = tuple((n, n.casefold()) for n in PROFILE_NAME)
_ENTERPRISE = tuple((n, n.casefold()) for n in PROFILE_ENTERPRISE)
_SHARED_VALUES = frozenset(
    {"title", "userType", "costCenter", "organization", "division", "department", "manager"}
)
"""Profile names whose values many users share (unlike names, emails or employee numbers)."""
_CORE_BY_FOLDED = {folded: name for name, folded in _CORE}
_PROFILE_ORDER = tuple(
    sorted([*PROFILE_CORE, *PROFILE_NAME, *PROFILE_ENTERPRISE, "email", "manager"])
)
"""The profile's names in the order its attributes are written."""


@dataclass(frozen=True, slots=True)
class AttributePath:
    """A parsed PATCH path: `[schema:]attribute[[filter]][.sub_attribute]`.

    `schema` is None for core attributes; an extension attribute names its schema URN.
    """

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
    distinct_names: bool = True
    """Whether no two top-level names of the resource fold alike (so each is read on its own)."""


def coerce_active(raw: JsonValue) -> bool | None:
    """Return `active` as a bool, reading "True"/"False" in any case (Entra ID); else None."""
    if isinstance(raw, bool):
        return raw
    if isinstance(raw, str) and raw.strip().lower() in ("true", "false"):
        return raw.strip().lower() == "true"
    return None


def apply_patch(resource: JsonObject, operations: tuple[PatchOperation, ...]) -> JsonObject:
    """Return `resource` with every operation applied, or raise InputError naming the bad one.

    The result shares the attributes no operation touches with `resource` (see `scim_patch`).
    """
    result = dict(resource)
    checked = _active_is_clean(resource)
    for index, operation in enumerate(operations):
        field = f"Operations[{index}]"
        if checked and not _may_touch_checked(operation):
            apply_operation(result, operation, field)
            continue
        had_user_name = _user_name(result) is not None
        apply_operation(result, operation, field)
        _check(result, operation, field, had_user_name)
        checked = True
    return result


def _active_is_clean(resource: JsonObject) -> bool:
    """Return whether `active` is absent or a boolean (so `_check` would change nothing)."""
    key = find_key(resource, "active")
    return key not in resource or isinstance(resource[key], bool)


def _may_touch_checked(operation: PatchOperation) -> bool:
    """Return whether an operation may change userName or `active`, which `_check` guards.

    One with a path changes only the member it names (an extension's only inside it).
    """
    path = operation.path
    if path is None:
        return True
    if path.schema is not None and path.schema.lower() != _CORE_FOLDED:
        return False
    return path.attribute.casefold() in ("username", "active")


def profile_from_resource(resource: JsonObject) -> UserProfile:
    """Return the profile a stored SCIM User resource yields (a missing `active` is inactive)."""
    top = _folded(resource)
    raw: dict[str, JsonValue] = {"email": _email(top.get("emails"))}
    _read_name(raw, top.get("name"))
    _read_enterprise(raw, top.get(_ENTERPRISE_FOLDED))
    for attribute, folded in _CORE:
        raw[attribute] = top.get(folded)
    profile: dict[str, AttrValue] = {}
    for key in _PROFILE_ORDER:
        value = _profile_value(key, raw[key])
        if value is not None:
            profile[key] = value
    return UserProfile(
        user_name=_clean_user_name(top.get("username")),
        active=top.get("active") is True,
        workspaces=_workspaces(top.get("entitlements")),
        attributes=profile,
        distinct_names=len(top) == len(resource),
    )


def updated_profile(old: JsonObject, profile: UserProfile, new: JsonObject) -> UserProfile:
    """Return the profile of `new`, given `old` and its profile; equal to `profile_from_resource`.

    A patched resource shares every member no operation touched with the stored one (stored
    resources are never changed in place), so only the sections whose top-level member is a
    different object are read again; with other names, or names folding alike, read it all.
    """
    if not profile.distinct_names or new.keys() != old.keys():
        return profile_from_resource(new)
    touched = {key.casefold(): value for key, value in new.items() if old[key] is not value}
    if not touched:
        return profile
    raw: dict[str, JsonValue] = {}
    for folded, value in touched.items():
        if folded == "name":
            _read_name(raw, value)
        elif folded == _ENTERPRISE_FOLDED:
            _read_enterprise(raw, value)
        elif folded == "emails":
            raw["email"] = _email(value)
        elif folded in _CORE_BY_FOLDED:
            raw[_CORE_BY_FOLDED[folded]] = value
    attributes = profile.attributes
    if raw:
        values = {key: _profile_value(key, value) for key, value in raw.items()}
        if all(v is not None and k in attributes for k, v in values.items()):
            attributes = {**attributes, **values}  # type: ignore[dict-item]
        else:
            attributes = {}
            for key in _PROFILE_ORDER:
                kept = values[key] if key in values else profile.attributes.get(key)
                if kept is not None:
                    attributes[key] = kept
    get = touched.get
    return UserProfile(
        user_name=_clean_user_name(get("username")) if "username" in touched else profile.user_name,
        active=get("active") is True if "active" in touched else profile.active,
        workspaces=_workspaces(get("entitlements"))
        if "entitlements" in touched
        else profile.workspaces,
        attributes=attributes,
    )


def _profile_value(name: str, raw: JsonValue) -> AttrValue | None:
    """Return a profile attribute's value; values that many users share (departments, titles,
    cost centres, managers) are interned, so rule tests and index lookups end on identity."""
    value = attr_value(raw)
    return intern(value) if type(value) is str and name in _SHARED_VALUES else value


def _read_name(raw: dict[str, JsonValue], name: JsonValue) -> None:
    """Read givenName and familyName from the `name` member."""
    folded = _folded(name)
    for attribute, key in _NAME:
        raw[attribute] = folded.get(key)


def _read_enterprise(raw: dict[str, JsonValue], extension: JsonValue) -> None:
    """Read the enterprise extension's names and its manager's id."""
    enterprise = _folded(extension)
    manager = enterprise.get("manager")
    raw["manager"] = member(manager, "value") if isinstance(manager, dict) else manager
    for attribute, key in _ENTERPRISE:
        raw[attribute] = enterprise.get(key)


def _clean_user_name(user_name: JsonValue) -> str | None:
    """Return a userName that is a non-blank string, else None."""
    return user_name if isinstance(user_name, str) and user_name.strip() else None


def _folded(obj: JsonValue) -> dict[str, JsonValue]:
    """Return an object's members keyed by case-folded name (RFC 7643 2.1: names ignore case);
    of two names that fold alike, the first wins."""
    if not isinstance(obj, dict):
        return {}
    folded = {key.casefold(): value for key, value in obj.items()}
    if len(folded) < len(obj):
        folded = {}
        for key, value in obj.items():
            folded.setdefault(key.casefold(), value)
    return folded


# --- checks and reading -------------------------------------------------------------------


def _check(resource: JsonObject, operation: PatchOperation, field: str, had_name: bool) -> None:
    """Refuse an operation that drops userName or leaves `active` not a boolean."""
    where = f"{field}.path" if operation.path is not None else f"{field}.value"
    if had_name and _user_name(resource) is None:
        raise InvalidInput(
            where,
            "the operation removes or empties userName, which every user must keep",
            "replace userName with the new name instead of removing it",
        )
    key = find_key(resource, "active")
    if key in resource and not isinstance(resource[key], bool):
        active = coerce_active(resource[key])
        if active is None:
            raise InvalidInput(
                where, "active must be true or false", 'send a boolean (or "True"/"False")'
            )
        resource[key] = active


def _user_name(resource: JsonObject) -> str | None:
    user_name = member(resource, "userName")
    return user_name if isinstance(user_name, str) and user_name.strip() else None


def _email(emails: JsonValue) -> JsonValue:
    """Return the primary email's value, else the first email's value."""
    if not isinstance(emails, list):
        return None
    addresses = [e for e in emails if isinstance(e, dict) and isinstance(member(e, "value"), str)]
    primary = [e for e in addresses if member(e, "primary") is True]
    chosen = (primary or addresses)[:1]
    return member(chosen[0], "value") if chosen else None


def _workspaces(entitlements: JsonValue) -> frozenset[str]:
    """Return the ids of entitlements of type WORKSPACE, as Anaplan's SCIM API writes them."""
    if not isinstance(entitlements, list):
        return frozenset()
    return frozenset(
        intern(value)
        for element in entitlements
        if isinstance(element, dict)
        and str(member(element, "type") or "").upper() == "WORKSPACE"
        and isinstance(value := member(element, "value"), str)
        and value
    )
