"""The SCIM User schema's attribute names (RFC 7643 4.1 and 4.3): canonical spelling and owner.

Names match without case on the wire; uam-events stores the canonical spelling so the core and
the profile read one form.
"""

from __future__ import annotations

from uam_events.core.scim_user import CORE_USER_URN, ENTERPRISE_URN, MULTI_VALUED

CORE = (
    "id",
    "externalId",
    "meta",
    "schemas",
    "userName",
    "name",
    "displayName",
    "nickName",
    "profileUrl",
    "title",
    "userType",
    "preferredLanguage",
    "locale",
    "timezone",
    "active",
    "password",
    "emails",
    "phoneNumbers",
    "ims",
    "photos",
    "addresses",
    "groups",
    "entitlements",
    "roles",
    "x509Certificates",
)
ENTERPRISE = ("employeeNumber", "costCenter", "organization", "division", "department", "manager")
SUB_ATTRIBUTES = (
    "value",
    "display",
    "type",
    "primary",
    "$ref",
    "formatted",
    "familyName",
    "givenName",
    "middleName",
    "honorificPrefix",
    "honorificSuffix",
    "streetAddress",
    "locality",
    "region",
    "postalCode",
    "country",
    "displayName",
    "resourceType",
    "created",
    "lastModified",
    "location",
    "version",
)
SINGLE_VALUED = frozenset(n.lower() for n in CORE + ENTERPRISE) - MULTI_VALUED - {"schemas"}
"""Known names a value filter cannot apply to (a filter selects values of a multi-valued one)."""
GROUP_ONLY = frozenset({"members"})
WRITE_ONLY = frozenset({"password"})
"""Never stored: RFC 7643 makes `password` writeOnly, and state must not hold secrets."""

_CORE = {name.lower(): name for name in CORE}
_ENTERPRISE = {name.lower(): name for name in ENTERPRISE}
_SUB = {name.lower(): name for name in SUB_ATTRIBUTES}
_SCHEMAS = {CORE_USER_URN.lower(): CORE_USER_URN, ENTERPRISE_URN.lower(): ENTERPRISE_URN}


def canonical_schema(urn: str) -> str | None:
    """Return the canonical spelling of a User schema URN, or None when `urn` is not one.

    Any URN whose last segment is `User` counts, so custom extensions keep working.
    """
    known = _SCHEMAS.get(urn.lower())
    if known is not None:
        return known
    return urn if urn.lower().startswith("urn:") and urn.lower().endswith(":user") else None


def resolve(name: str, schema: str | None) -> tuple[str | None, str]:
    """Return (schema, canonical name) for an attribute, `schema` None meaning the core.

    An enterprise name without its URN is read as the enterprise one, since the core schema
    has no attribute of that name.
    """
    lowered = name.lower()
    if schema is None or schema == CORE_USER_URN:
        if lowered in _CORE:
            return None, _CORE[lowered]
        if lowered in _ENTERPRISE:
            return ENTERPRISE_URN, _ENTERPRISE[lowered]
        return None, name
    if schema == ENTERPRISE_URN:
        return schema, _ENTERPRISE.get(lowered, name)
    return schema, name


def canonical_sub(name: str) -> str:
    """Return the canonical spelling of a sub-attribute (`Value` -> `value`)."""
    return _SUB.get(name.lower(), name)
