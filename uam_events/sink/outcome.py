"""After a run: what the spoke accepted becomes acknowledged; what it rejected is parked.

Invariants: the acknowledged state changes only by rows the spoke accepted, applied with
Anaplan's rules (Read and Write add, Write implies Read, None removes the item, the no-access
role clears all selective access); a rejected row leaves its key as it was, so the next run
plans it again, until it has failed `quarantine_after` runs for the same wanted value and is
quarantined. Rows of a file whose import did not complete are neither acknowledged nor counted.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Literal

from uam_events.anaplan.imports import TEXT_HEADER
from uam_events.contract.audit import PushOutcome, PushRows, QuarantinedRow
from uam_events.core.levels import Level
from uam_events.errors import SinkError
from uam_events.sink.planner import ImportFile, PlannedRow, Push
from uam_events.sink.state import Parked, RowKey, Tracked, UserState

FileName = Literal["users", "text"]


@dataclass(frozen=True, slots=True)
class Rejection:
    """A row the import rejected: its file, its 1-based line (the header is 1), the error."""

    file: FileName
    line: int
    error: str


@dataclass(frozen=True, slots=True)
class Outcome:
    """What the pusher reports: the files whose import completed, and the rows they rejected."""

    imported: frozenset[FileName]
    rejections: tuple[Rejection, ...] = ()


@dataclass(frozen=True, slots=True)
class Quarantine:
    """A row quarantined by this run: whose, which file, the row, how many runs, last error."""

    user_id: str
    email: str
    key: RowKey
    file: FileName
    header: tuple[str, ...]
    cells: tuple[str, ...]
    runs: int
    error: str


@dataclass(slots=True)
class Settled:
    """The records to store after a run, and its counts (rows accepted and rejected, keys
    still pending, rows quarantined by this run)."""

    users_header: tuple[str, ...]
    updates: dict[str, Tracked] = field(default_factory=dict)
    accepted: int = 0
    rejected: int = 0
    pending: int = 0
    quarantined: list[Quarantine] = field(default_factory=list)


Sent = tuple[FileName, int, PlannedRow]
"""A pushed row: its file, its line there, the row."""


def acknowledge(
    push: Push,
    outcome: Outcome,
    read: Callable[[str], Tracked],
    *,
    no_access_role: str,
    quarantine_after: int,
) -> Settled:
    """Return the records after a run: accepted rows acknowledged, rejected rows parked.

    Plan, push and acknowledge form one run: `read` must give the records the plan saw, apart
    from desired states folded since (nothing may empty an acknowledged state in between).
    """
    files: dict[FileName, ImportFile] = {"users": push.users_file(), "text": push.text_file()}
    errors = _errors(files, outcome.rejections)
    settled = Settled(push.users_header)
    by_user: dict[str, list[Sent]] = {}
    for name in ("users", "text"):
        if name in outcome.imported:
            for line, row in enumerate(files[name].rows, start=2):
                by_user.setdefault(row.user_id, []).append((name, line, row))
    for user_id in sorted(by_user):
        before = read(user_id)
        sent = by_user[user_id]
        accepted = [row for name, line, row in sent if (name, line) not in errors]
        acked = before.acknowledged
        if accepted:
            acked = _acknowledged(acked, accepted, no_access_role)
            acked = replace(acked, email=push.emails[user_id], member=True, seq=push.seqs[user_id])
        parked = _parked(before.parked, sent, errors, settled, quarantine_after)
        settled.updates[user_id] = replace(before, acknowledged=acked, parked=parked)
    return settled


def _errors(
    files: Mapping[FileName, ImportFile], rejections: Iterable[Rejection]
) -> dict[tuple[FileName, int], str]:
    """Return the error of each rejected row, by (file, line); raise on a line not pushed."""
    errors: dict[tuple[FileName, int], str] = {}
    for rejection in rejections:
        if files[rejection.file].row_at(rejection.line) is None:
            raise SinkError(
                f"the {rejection.file} import rejected line {rejection.line}, which the pushed "
                "file does not have; fix: check that the failure dump is the one of this push"
            )
        errors[(rejection.file, rejection.line)] = rejection.error
    return errors


def _acknowledged(state: UserState, accepted: list[PlannedRow], no_access_role: str) -> UserState:
    """Return the acknowledged state with the user's accepted rows applied in push order."""
    grants = dict(state.grants)
    role, text = state.role, state.text
    for row in accepted:
        if row.key.part == "text":
            text = row.cells[1]
            continue
        role = row.cells[1]
        if role == no_access_role:
            grants.clear()  # No Access clears selective access and the user's text
            text = None
        if row.level is None:
            continue
        key = (row.key.list, row.key.item)
        held = grants.get(key)
        if row.level == Level.NONE:
            grants.pop(key, None)
        elif held is None or row.level > held:
            grants[key] = row.level
    return replace(state, role=role, grants=grants, text=text)


def _parked(
    parked: Mapping[RowKey, Parked],
    sent: list[Sent],
    errors: Mapping[tuple[FileName, int], str],
    settled: Settled,
    quarantine_after: int,
) -> dict[RowKey, Parked]:
    """Return the user's parked keys: cleared when all their rows passed, counted up if not."""
    result = dict(parked)
    failed: dict[RowKey, tuple[FileName, PlannedRow, str]] = {}
    for name, line, row in sent:
        if (name, line) in errors:
            failed.setdefault(row.key, (name, row, errors[(name, line)]))
            settled.rejected += 1
        else:
            settled.accepted += 1
    for _, _, row in sent:
        if row.key not in failed:
            result.pop(row.key, None)
    for key, (name, row, error) in sorted(failed.items()):
        earlier = result.get(key)
        runs = earlier.runs + 1 if earlier is not None and earlier.wanted == row.wanted else 1
        quarantined = runs >= quarantine_after
        result[key] = Parked(row.wanted, runs, error, quarantined)
        if not quarantined:
            settled.pending += 1
            continue
        header = TEXT_HEADER if name == "text" else settled.users_header
        settled.quarantined.append(
            Quarantine(row.user_id, row.cells[0], key, name, header, row.cells, runs, error)
        )
    return result


def audit_records(push: Push, settled: Settled, at: datetime) -> list[PushOutcome | QuarantinedRow]:
    """Return the audit records of a run: its outcome, then each row it quarantined."""
    rows = PushRows(
        roles=len(push.roles),
        revocations=len(push.revocations),
        grants=len(push.grants),
        texts=len(push.texts),
    )
    records: list[PushOutcome | QuarantinedRow] = [
        PushOutcome(
            kind="push",
            spoke=push.spoke,
            push_id=push.push_id(),
            rows=rows,
            accepted=settled.accepted,
            rejected=settled.rejected,
            pending=settled.pending,
            quarantined=len(settled.quarantined),
            lowered_users=len(push.lowered),
            at=at,
        )
    ]
    for q in settled.quarantined:
        records.append(
            QuarantinedRow(
                kind="row_quarantined",
                spoke=push.spoke,
                user_id=q.user_id,
                email=q.email,
                file=q.file,
                key=q.key.label(),
                row={column: cell for column, cell in zip(q.header, q.cells, strict=True) if cell},
                runs=q.runs,
                error=q.error,
                at=at,
            )
        )
    return records
