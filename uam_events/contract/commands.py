"""Wire payloads of `uam.commands`: what qualified users ask for (set or copy access).

Commands change access, so every field is explicit: `lists` and `mode` of a copy have no
default, and a misspelt field is an error. Whether a command is *allowed* is the engine's call
(rejections go to the audit topic); these models only decide whether it can be read.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field

from uam_events.contract.base import Authored, NonEmptyStr

LevelName = Literal["none", "read", "write"]


class SetAccessPayload(Authored):
    """Set one explicit grant of the target user; level none removes it."""

    command_id: NonEmptyStr
    type: Literal["set_access"]
    actor: NonEmptyStr = Field(description="user key of the qualified user")
    user: NonEmptyStr = Field(description="user key of the target (the record key)")
    spoke: NonEmptyStr
    list: NonEmptyStr
    item: NonEmptyStr
    level: LevelName


class CopyAccessPayload(Authored):
    """Copy the source's current grants on some lists as explicit grants of the target."""

    command_id: NonEmptyStr
    type: Literal["copy_access"]
    actor: NonEmptyStr = Field(description="user key of the qualified user")
    source: NonEmptyStr = Field(description="user key whose grants are copied")
    user: NonEmptyStr = Field(description="user key of the target (the record key)")
    spoke: NonEmptyStr
    lists: list[NonEmptyStr] | None = Field(description="hub lists; null: all the spoke's lists")
    mode: Literal["merge", "replace"]


CommandPayload = Annotated[SetAccessPayload | CopyAccessPayload, Field(discriminator="type")]
