"""Reconciling one spoke against Anaplan: export, compare, and push the corrections.

Invariants: the export is read before anything is pushed; a dry run pushes nothing; the
corrections go through the sink's row writer and `AnaplanModel.push_import` as one users
import; a correction that lowers more users than the accidental-deletion guard allows is not
pushed unless forced (DESIGN 3.8); the access-text import is never run (the export does not
carry access text, so there is nothing to compare it with).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

import httpx

from uam_events.anaplan.client import AnaplanClient
from uam_events.anaplan.model import AnaplanModel, ImportRun
from uam_events.anaplan.tasks import PollPolicy
from uam_events.errors import ReconcileError
from uam_events.reconcile import desired as sources
from uam_events.reconcile.drift import Drift, compare, read_export
from uam_events.reconcile.report import push_lines, report_lines
from uam_events.settings import Settings, SpokeSettings
from uam_events.sink.guard import threshold
from uam_events.sink.state import UserState


@dataclass(frozen=True, slots=True)
class Reconciled:
    """What a reconcile found, and what its push did (None when nothing was pushed)."""

    drift: Drift
    run: ImportRun | None = None


def find_spoke(settings: Settings, spoke_id: str) -> SpokeSettings:
    """Return a configured spoke by id; raise ReconcileError naming the ids there are."""
    for spoke in settings.spokes:
        if spoke.id == spoke_id:
            return spoke
    known = ", ".join(spoke.id for spoke in settings.spokes)
    raise ReconcileError(f"no spoke {spoke_id!r} in the configuration", f"use one of: {known}")


async def reconcile_spoke(
    settings: Settings,
    spoke: SpokeSettings,
    desired: Mapping[str, UserState],
    *,
    dry_run: bool,
    force: bool = False,
    transport: httpx.AsyncBaseTransport | None = None,
    poll: PollPolicy | None = None,
) -> Reconciled:
    """Export what the spoke holds, compare it with `desired`, push the corrections."""
    export_id = spoke.users_export_id
    if export_id is None:
        raise ReconcileError(
            f"spoke {spoke.id} has no users_export_id",
            "add users_export_id: the id (116...) of an export of the Users list showing "
            "Model Role and each list's Read and Write columns",
        )
    async with AnaplanClient(settings.anaplan, transport) as client:
        model = AnaplanModel(client, spoke.workspace_id, spoke.model_id, poll=poll)
        held = read_export(await model.export_and_download(export_id), spoke)
        drift = compare(spoke, desired, held, settings.anaplan.auth.user)
        push = drift.push
        if dry_run or not push.users_file().rows:
            return Reconciled(drift)
        allowed = threshold(settings.guard, push.population)
        if len(push.lowered) > allowed and not force:
            raise ReconcileError(
                f"spoke {spoke.id}: the correction lowers the access of {len(push.lowered)} "
                f"users, more than the guard allows ({allowed:g})",
                "read the report of `uam reconcile --dry-run`, then run again with --force",
            )
        file_id = await _source_file(model, spoke.users_import_id)
        data = push.users_file().text().encode("utf-8")
        return Reconciled(drift, await model.push_import(file_id, spoke.users_import_id, data))


async def _source_file(model: AnaplanModel, import_id: str) -> str:
    """Return the file an import reads (its `importDataSourceId`)."""
    for entry in await model.imports():
        if entry.id == import_id and entry.import_data_source_id:
            return entry.import_data_source_id
    raise ReconcileError(
        f"the model has no import {import_id} reading a file",
        "check users_import_id; `uam doctor` lists what is wrong",
    )


def run_reconcile(
    settings: Settings,
    spoke_id: str,
    state: Path | None,
    *,
    dry_run: bool,
    force: bool,
    say: Callable[[str], None],
) -> int:
    """Reconcile one spoke, print the report; return the exit code (1: rows rejected)."""
    spoke = find_spoke(settings, spoke_id)
    if state is not None:
        wanted = sources.from_replay(state, spoke.id)
    else:
        wanted = sources.from_topic(settings, spoke.id)
    result = asyncio.run(reconcile_spoke(settings, spoke, wanted, dry_run=dry_run, force=force))
    for line in report_lines(result.drift) + push_lines(result.run, dry_run=dry_run):
        say(line)
    run = result.run
    return 0 if run is None or (run.successful and not run.counts.failed) else 1
