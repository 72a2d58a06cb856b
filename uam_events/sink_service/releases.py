"""Operator releases of held pushes, handed to the running sink as files in its data folder.

Invariant: `uam sink release` names the push it saw held (read from the spoke's store, opened
read-only beside the running sink), and the sink applies a request only while that same push
is held; otherwise it drops the request and says why (`NoSuchHeldPush`). A request file is
written atomically (a temporary file renamed), so the sink never reads half of one; the sink
removes it once applied or refused. Why files rather than a Kafka record:
docs/decisions/sink.md ("Releasing a held push").
"""

from __future__ import annotations

import os
import tempfile
from datetime import datetime
from pathlib import Path

from pydantic import BaseModel, ConfigDict, ValidationError

from uam_events.errors import NoSuchHeldPush, SinkError
from uam_events.sink.guard import GuardState
from uam_events.sink.store import RocksStore

RELEASES = "releases"
SPOKES = "spokes"


class ReleaseRequest(BaseModel):
    """An operator's release of one spoke's held push."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    spoke: str
    push_id: str
    by: str
    at: datetime


def spoke_folder(datadir: Path, spoke: str) -> Path:
    """Return the folder of a spoke's RocksDB store inside the sink's data folder."""
    return datadir / SPOKES / spoke


def held_push(datadir: Path, spoke: str) -> GuardState:
    """Return a spoke's guard as stored, read beside a running sink; SinkError when no store."""
    folder = spoke_folder(datadir, spoke)
    if not (folder / "CURRENT").exists():
        raise SinkError(
            f"spoke {spoke}: no sink store in {folder}; fix: pass the --datadir the sink runs with"
        )
    store = RocksStore(folder, read_only=True)
    try:
        return store.guard()
    finally:
        store.close()


def request_release(
    datadir: Path, spoke: str, by: str, at: datetime, push_id: str | None = None
) -> ReleaseRequest:
    """Ask the sink to release the push held for a spoke; return the request written.

    Raise NoSuchHeldPush when nothing is held, or when `push_id` is given and is not the one.
    """
    held = held_push(datadir, spoke).held
    if held is None or (push_id is not None and push_id != held):
        raise NoSuchHeldPush(spoke, push_id or "(any)", held)
    request = ReleaseRequest(spoke=spoke, push_id=held, by=by, at=at)
    folder = datadir / RELEASES
    folder.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=folder, prefix=f".{spoke}.", suffix=".tmp")
    with os.fdopen(handle, "w", encoding="utf-8") as out:
        out.write(request.model_dump_json())
    Path(temporary).replace(folder / f"{spoke}.json")
    return request


def pending_releases(datadir: Path) -> list[tuple[Path, ReleaseRequest | None]]:
    """Return the release requests waiting in the data folder (None: an unreadable file)."""
    folder = datadir / RELEASES
    if not folder.is_dir():
        return []
    found: list[tuple[Path, ReleaseRequest | None]] = []
    for path in sorted(folder.glob("*.json")):
        try:
            found.append((path, ReleaseRequest.model_validate_json(path.read_bytes())))
        except (OSError, ValidationError):
            found.append((path, None))
    return found
