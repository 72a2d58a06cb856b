"""The words `uam reconcile` prints: per spoke, per list, the users and items that drift.

Invariant: pure; the same drift always gives the same lines, in sorted order.
"""

from __future__ import annotations

from uam_events.anaplan.imports import EMAIL
from uam_events.anaplan.model import ImportRun
from uam_events.reconcile.drift import Drift, ItemChange, ListDrift

DETAIL_LIMIT = 20
"""Per list and kind, at most this many lines name a user and an item; the count covers all."""


def report_lines(drift: Drift, *, detail: int = DETAIL_LIMIT) -> list[str]:
    """Return the drift report of one spoke, one line per fact."""
    if drift.empty:
        lines = [f"spoke {drift.spoke}: no drift ({drift.users_compared} users compared)"]
    else:
        lines = [f"spoke {drift.spoke}: drift ({drift.users_compared} users compared)"]
    if drift.roles:
        lines.append(f"  roles: {len(drift.roles)} users changed")
        lines += [
            f"    ~ {c.email}: {c.held or '(not in Users)'} -> {c.wanted}"
            for c in drift.roles[:detail]
        ]
        lines += _more(len(drift.roles), detail)
    for entry in drift.lists:
        if not entry.empty:
            lines += _list_lines(entry, detail)
    if drift.unmanaged:
        shown = ", ".join(drift.unmanaged[:detail])
        lines.append(
            f"  left alone: {len(drift.unmanaged)} users in Anaplan that the resolved state does "
            f"not hold as members: {shown}{' ...' if len(drift.unmanaged) > detail else ''}"
        )
    push = drift.push
    rows = len(push.users_file().rows)
    if rows:
        lines.append(
            f"  correction: {rows} users-import rows ({len(push.revocations)} None), "
            f"lowering access of {len(push.lowered)} users"
        )
    return lines


def _list_lines(entry: ListDrift, detail: int) -> list[str]:
    """Return the lines of one list: a count per kind, then the first items of each."""
    lines = [
        f"  list {entry.hub} ({entry.name}): "
        + ", ".join(
            f"{kind} {len(changes)} items for {len({c.email for c in changes})} users"
            for kind, changes in (
                ("added", entry.added),
                ("removed", entry.removed),
                ("changed", entry.changed),
            )
            if changes
        )
    ]
    for mark, changes in (("+", entry.added), ("-", entry.removed), ("~", entry.changed)):
        lines += [f"    {mark} {_change(c)}" for c in changes[:detail]]
        lines += _more(len(changes), detail)
    return lines


def _change(change: ItemChange) -> str:
    """Return one item change as `email item held -> wanted`."""
    held = change.held.label if change.held is not None else "nothing"
    wanted = change.wanted.label if change.wanted is not None else "nothing"
    return f"{change.email} {change.item}: {held} -> {wanted}"


def _more(count: int, detail: int) -> list[str]:
    """Return the `... and N more` line when lines were left out."""
    return [f"    ... and {count - detail} more"] if count > detail else []


def push_lines(run: ImportRun | None, *, dry_run: bool, detail: int = DETAIL_LIMIT) -> list[str]:
    """Return what the push did: rows accepted and rejected, each rejection with its error."""
    if run is None:
        return ["  dry run: nothing pushed"] if dry_run else []
    counts = run.counts
    if not run.successful:
        return [f"  push FAILED: import task {run.status.task_id} ended without success"]
    lines = [
        f"  pushed: {counts.success} rows accepted, {counts.failed} rejected, "
        f"{counts.ignored} ignored"
    ]
    for failure in run.failures[:detail]:
        email = failure.columns.get(EMAIL, "")
        lines.append(f"    line {failure.line} {email}: {'; '.join(failure.errors)}")
    lines += _more(len(run.failures), detail)
    return lines
