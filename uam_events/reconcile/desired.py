"""The resolved state of a spoke, as `uam reconcile` compares against it: per user id.

Two sources with one result: the compacted `uam.state.<spoke>` topic read to its end (DESIGN
section 5: the snapshot; the last record per user wins, a null removes the user), or a
`uam replay` output folder (`grants.csv`, `roles.csv`, `users.jsonl`). A user has a role exactly
when it is a member (DESIGN section 2), so a role row means a member.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path

from pydantic import ValidationError

from uam_events.broker import read_topic
from uam_events.contract.outputs import StateRecord
from uam_events.core.access import GrantKey
from uam_events.core.levels import Level
from uam_events.errors import ReconcileError
from uam_events.settings import Settings
from uam_events.sink.state import UserState
from uam_events.topics import state_topic

REPLAY_FILES = ("grants.csv", "roles.csv", "users.jsonl")


def state_of(record: StateRecord) -> UserState:
    """Return the state a `uam.state.<spoke>` record describes."""
    grants = {(g.list, g.item): Level.parse(g.level) for g in record.grants}
    return UserState(record.email, record.member, record.role, grants, record.text, record.seq)


def from_topic(settings: Settings, spoke_id: str, timeout: float = 60.0) -> dict[str, UserState]:
    """Read the spoke's compacted state topic to its end; return each user's last state."""
    topic = state_topic(settings, spoke_id)
    states: dict[str, UserState] = {}
    for key, value in read_topic(settings, topic, timeout):
        user_id = (key or b"").decode("utf-8", errors="replace")
        if value is None:
            states.pop(user_id, None)
            continue
        try:
            record = StateRecord.model_validate_json(value)
        except ValidationError:
            raise ReconcileError(
                f"{topic}: the record of user {user_id!r} is not a state record",
                "check that kafka.topic_prefix names this deployment's topics",
            ) from None
        states[record.user_id] = state_of(record)
    return states


def from_replay(folder: Path, spoke_id: str) -> dict[str, UserState]:
    """Read a spoke's resolved state from a `uam replay` output folder."""
    missing = [name for name in REPLAY_FILES if not (folder / name).is_file()]
    if missing:
        raise ReconcileError(
            f"{folder}: no {', '.join(missing)}",
            "pass the folder `uam replay --out` wrote",
        )
    emails = _emails(folder / "users.jsonl")
    grants: dict[str, dict[GrantKey, Level]] = {}
    for row in _rows(folder / "grants.csv"):
        if row["spoke"] == spoke_id:
            level = Level.parse(row["level"])
            grants.setdefault(row["user_id"], {})[(row["list"], row["item"])] = level
    return {
        row["user_id"]: UserState(
            emails.get(row["user_id"]), True, row["role"], grants.get(row["user_id"], {})
        )
        for row in _rows(folder / "roles.csv")
        if row["spoke"] == spoke_id
    }


def _rows(path: Path) -> list[dict[str, str]]:
    """Return a CSV file's rows as dicts."""
    with path.open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def _emails(path: Path) -> dict[str, str]:
    """Return each user's address as the spokes know it: `email` attribute, else userName."""
    emails: dict[str, str] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        user = json.loads(line)
        email = user.get("attributes", {}).get("email")
        emails[user["id"]] = email if isinstance(email, str) else user["userName"]
    return emails
