"""Building blocks shared by every wire payload: model bases, strict scalars, non-empty text.

Scalars are strict so that `true`, `1` and `"1"` stay three different values, as the predicate
semantics require (DESIGN section 9).
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, StrictBool, StrictFloat, StrictInt, StrictStr

JsonScalar = StrictBool | StrictInt | StrictFloat | StrictStr
NonEmptyStr = Annotated[str, Field(min_length=1)]


class Authored(BaseModel):
    """A payload authored for uam-events: an unknown (misspelt) field is an error, not a no-op."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


class Foreign(BaseModel):
    """A payload exported by another system: fields uam-events does not read are ignored."""

    model_config = ConfigDict(extra="ignore", frozen=True)


def _drop_default(schema: dict[str, Any]) -> None:
    schema.pop("default", None)


def omitted() -> Any:
    """Return a field default for a key that is left out rather than written as null."""
    return Field(default=None, json_schema_extra=_drop_default)
