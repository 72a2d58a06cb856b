"""What the sink publishes on `uam.audit` (keyed by spoke): push outcomes, held and released
pushes, and quarantined rows (DESIGN sections 3.4, 3.8 and 5).

Each record names its `kind`, so a consumer of the audit topic tells them apart from command
decisions (which carry `decision` and no `kind`).
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import Field

from uam_events.contract.base import Authored


class PushRows(Authored):
    """How many rows of each part a push carried."""

    roles: int = Field(description="role-only rows")
    revocations: int = Field(description="None rows: removed grants and Write->Read downgrades")
    grants: int = Field(description="Read and Write rows")
    texts: int = Field(description="access-text rows")


class PushOutcome(Authored):
    """A run of a spoke pushed its rows: what the spoke accepted, rejected and quarantined."""

    kind: Literal["push"]
    spoke: str
    push_id: str = Field(description="digest of the pushed files")
    rows: PushRows
    accepted: int = Field(description="rows the spoke accepted (now acknowledged)")
    rejected: int = Field(description="rows the spoke rejected")
    pending: int = Field(description="rejected rows kept for the next run")
    quarantined: int = Field(description="rejected rows quarantined by this run")
    lowered_users: int = Field(description="users whose access the push lowered")
    at: datetime


class HeldPush(Authored):
    """The accidental-deletion guard held a push; an operator releases it by `push_id`."""

    kind: Literal["push_held"]
    spoke: str
    push_id: str = Field(description="names the set of users it would lower; release this id")
    lowered_users: int = Field(description="users whose access the push would lower")
    users: int = Field(description="users the spoke holds now")
    threshold: float = Field(description="max(fraction x users, min_revoked_users)")
    sample: list[str] = Field(description="up to 100 of the lowered user ids, sorted")
    at: datetime


class ReleasedPush(Authored):
    """An operator released a held push: the next run may lower those users' access."""

    kind: Literal["push_released"]
    spoke: str
    push_id: str
    lowered_users: int
    by: str = Field(description="who released it")
    at: datetime


class QuarantinedRow(Authored):
    """A row the spoke rejected run after run; it is no longer pushed until its value changes."""

    kind: Literal["row_quarantined"]
    spoke: str
    user_id: str
    email: str
    file: Literal["users", "text"] = Field(description="the users or the access-text import")
    key: str = Field(description="what the row sets: role, text, or access LIST/ITEM")
    row: dict[str, str] = Field(description="the row, by column header (empty cells left out)")
    runs: int = Field(description="runs that rejected it")
    error: str = Field(description="the last error from the import's failure dump")
    at: datetime
