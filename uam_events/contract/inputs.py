"""Wire payloads of the identity-attribute and hub-hierarchy topics, and replay file lines.

These come from systems uam-events does not own (HR, the IdP, the Data Hub), so fields it does
not read are ignored; what it reads is checked strictly. Policies and commands live in
`policies.py` and `commands.py`.
"""

from __future__ import annotations

import base64
import binascii
from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import BeforeValidator, Field, field_validator, model_validator

from uam_events.contract.base import Authored, Foreign, JsonScalar, NonEmptyStr
from uam_events.contract.problems import problem
from uam_events.core.values import is_scalar


def _check_attribute_value(value: object) -> object:
    """Reject objects and nested lists with a reason, before the union reports each member."""
    if value is None or is_scalar(value):
        return value
    if isinstance(value, list) and all(is_scalar(element) for element in value):
        return value
    shape = "a list holding a non-scalar" if isinstance(value, list) else "an object"
    raise problem(
        f"{shape} is not an attribute value",
        "send a string, number or boolean, a list of them, or null to remove the name",
    )


AttributeValue = Annotated[
    JsonScalar | list[JsonScalar] | None, BeforeValidator(_check_attribute_value)
]


class IdentityAttributes(Foreign):
    """`uam.identity.attributes`: names to set (null removes one) for one user, from HR or IdP."""

    user_id: NonEmptyStr
    attributes: dict[str, AttributeValue]
    replace: Annotated[bool, Field(strict=True)] = False
    at: datetime | None = None
    source: str | None = None


class HubUpsert(Foreign):
    """`uam.hub.hierarchies` upsert: create, rename or move an item (no parent: a root)."""

    list: NonEmptyStr | None = Field(default=None, description="wins over the record key")
    op: Literal["upsert"]
    item: NonEmptyStr
    parent: str | None = Field(default=None, description="null, absent or empty: a root")
    name: str | None = Field(default=None, description="null, absent or empty: the item code")


class HubDelete(Foreign):
    """`uam.hub.hierarchies` delete: remove a childless item and the explicit grants on it."""

    list: NonEmptyStr | None = Field(default=None, description="wins over the record key")
    op: Literal["delete"]
    item: NonEmptyStr


HubChange = Annotated[HubUpsert | HubDelete, Field(discriminator="op")]


class ReplayLine(Authored):
    """One line of a `uam replay` events file: a record as it would arrive on a topic."""

    topic: NonEmptyStr = Field(description="topic name without the prefix, e.g. scim.users")
    key: str | None = None
    value: Any = Field(default=None, description="the JSON value; null is a tombstone")
    value_b64: str | None = Field(default=None, description="raw bytes, base64 (e.g. a JWT)")
    headers: dict[str, str] | None = Field(default=None, description="binary ce_ attributes")
    timestamp: datetime | None = None

    @field_validator("value_b64")
    @classmethod
    def _check_base64(cls, text: str | None) -> str | None:
        """Reject text that is not standard base64."""
        if text is not None:
            try:
                base64.b64decode(text, validate=True)
            except binascii.Error:
                raise problem(
                    "is not valid base64", "encode the raw bytes with standard base64"
                ) from None
        return text

    @model_validator(mode="after")
    def _one_value(self) -> ReplayLine:
        """Reject a line that carries both a JSON value and raw bytes."""
        if self.value_b64 is not None and "value" in self.model_fields_set:
            raise problem("a line holds value or value_b64, not both", "remove one of them")
        return self
