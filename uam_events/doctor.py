"""`uam doctor`: a preflight per spoke that says, in plain words with the fix, what would break.

Invariants: every check yields one line, `ok` or `FAIL` with its fix; a check that cannot run
because an earlier one failed is not run (no cascade of failures from one cause); nothing is
changed in Anaplan: the administrator probe runs the users import on a header-only file, which
imports no row. Secrets never appear: errors carry setting names only.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass

import httpx

from uam_events.anaplan.client import AnaplanClient
from uam_events.anaplan.imports import TEXT_HEADER, render_csv
from uam_events.anaplan.model import AnaplanModel
from uam_events.anaplan.payloads import ImportInfo
from uam_events.anaplan.tasks import PollPolicy
from uam_events.errors import AnaplanAuthError, AnaplanError, AnaplanRequestError, ReconcileError
from uam_events.reconcile.drift import read_export
from uam_events.settings import Settings, SpokeSettings
from uam_events.sink.planner import users_layout


@dataclass(frozen=True, slots=True)
class Check:
    """The outcome of one check of one spoke."""

    spoke: str
    name: str
    ok: bool
    detail: str
    fix: str = ""

    def line(self) -> str:
        """Return the check as one line: `ok ...` or `FAIL ...; fix: ...`."""
        if self.ok:
            return f"ok   {self.spoke}: {self.name}: {self.detail}"
        return f"FAIL {self.spoke}: {self.name}: {self.detail}; fix: {self.fix}"


def run_doctor(
    settings: Settings, transport: httpx.AsyncBaseTransport | None = None
) -> list[Check]:
    """Check every configured spoke; return the checks in spoke order."""

    async def go() -> list[Check]:
        checks: list[Check] = []
        for spoke in settings.spokes:
            checks += await check_spoke(settings, spoke, transport)
        return checks

    return asyncio.run(go())


async def check_spoke(
    settings: Settings,
    spoke: SpokeSettings,
    transport: httpx.AsyncBaseTransport | None = None,
    poll: PollPolicy | None = None,
) -> list[Check]:
    """Check one spoke: credentials, model, imports, administrator rights, exports."""
    user = settings.anaplan.auth.user
    async with AnaplanClient(settings.anaplan, transport) as client:
        model = AnaplanModel(client, spoke.workspace_id, spoke.model_id, poll=poll)
        try:
            imports = {entry.id: entry for entry in await model.imports()}
        except AnaplanAuthError as error:
            return [
                Check(spoke.id, "credentials", False, f"sign-in refused ({error})", error.setting)
            ]
        except AnaplanRequestError as error:
            return [
                Check(spoke.id, "credentials", True, f"signed in as {user}"),
                Check(
                    spoke.id,
                    "model",
                    False,
                    f"model {spoke.model_id} answers HTTP {error.status}",
                    f"check workspace_id and model_id, and give {user} a role other than "
                    "No Access in the model",
                ),
            ]
        checks = [Check(spoke.id, "credentials", True, f"signed in as {user}")]
        users = _import_check(spoke, imports, spoke.users_import_id, "users import", "USERS")
        text = _import_check(
            spoke, imports, spoke.access_text_import_id, "access-text import", None
        )
        checks.append(await _columns(model, spoke, users, users_layout(spoke).header()))
        checks.append(await _columns(model, spoke, text, list(TEXT_HEADER)))
        if not checks[1].ok:
            return checks
        admin = await _admin(model, spoke, users, user)
        return [*checks, admin, await _export(model, spoke, admin.ok, user)]


def _import_check(
    spoke: SpokeSettings,
    imports: dict[str, ImportInfo],
    import_id: str,
    what: str,
    import_type: str | None,
) -> tuple[str, ImportInfo | Check]:
    """Return the import, or the failed check saying why it cannot be used."""
    entry = imports.get(import_id)
    name = f"{what} {import_id}"
    if entry is None:
        known = ", ".join(sorted(imports)) or "none"
        fix = f"set the id of the model's {what} (the model has: {known})"
        return name, Check(spoke.id, name, False, "the model has no such import", fix)
    if import_type is not None and entry.import_type != import_type:
        detail = f"{entry.name!r} is a {entry.import_type} import, not {import_type}"
        fix = f"point it at an import into the Users list ({import_type})"
        return name, Check(spoke.id, name, False, detail, fix)
    return name, entry


async def _columns(
    model: AnaplanModel,
    spoke: SpokeSettings,
    found: tuple[str, ImportInfo | Check],
    expected: Sequence[str],
) -> Check:
    """Check that an import maps every column the planner writes."""
    name, entry = found
    if isinstance(entry, Check):
        return entry
    metadata = await model.import_metadata(entry.id)
    header = metadata.source.header_names if metadata.source else []
    missing = [column for column in expected if column not in header]
    if missing:
        detail = f"{entry.name!r} has no column {', '.join(map(repr, missing))}"
        fix = "map these columns in the import (or set lists[].columns to the import's names)"
        return Check(spoke.id, name, False, detail, fix)
    return Check(spoke.id, name, True, f"{entry.name!r}, {len(expected)} expected columns")


async def _admin(
    model: AnaplanModel, spoke: SpokeSettings, users: tuple[str, ImportInfo | Check], user: str
) -> Check:
    """Probe workspace-administrator rights with a users import of no row."""
    _, entry = users
    name = "workspace administrator"
    fix = f"make {user} an administrator of workspace {spoke.workspace_id} (user imports need it)"
    if isinstance(entry, Check) or not entry.import_data_source_id:
        return Check(spoke.id, name, False, "cannot probe: the users import reads no file", fix)
    header = render_csv(users_layout(spoke).header(), []).encode("utf-8")
    try:
        run = await model.push_import(entry.import_data_source_id, entry.id, header)
    except AnaplanRequestError as error:
        if error.status != 403:
            raise
        return Check(spoke.id, name, False, f"{user} may not run the users import (403)", fix)
    if not run.successful:
        detail = f"an empty users import by {user} ended unsuccessful"
        return Check(spoke.id, name, False, detail, fix)
    return Check(spoke.id, name, True, f"{user} may run the users import")


async def _export(model: AnaplanModel, spoke: SpokeSettings, admin: bool, user: str) -> Check:
    """Check that exports see every selective-access list (the Users export, when set)."""
    name = "selective-access read for exports"
    lists = ", ".join(entry.name for entry in spoke.lists)
    fix = (
        f"give {user} Read on the top item of each selective-access list ({lists}), "
        "or make it a workspace administrator"
    )
    if not admin:
        detail = f"{user} is not a workspace administrator, so exports show only what it may Read"
        return Check(spoke.id, name, False, detail, fix)
    if spoke.users_export_id is None:
        detail = f"{user} is a workspace administrator (no users_export_id to read back)"
        return Check(spoke.id, name, True, detail)
    export = f"users export {spoke.users_export_id}"
    try:
        data = await model.export_and_download(spoke.users_export_id)
        held = read_export(data, spoke)
    except ReconcileError as error:
        return Check(spoke.id, export, False, error.problem, error.fix)
    except AnaplanError as error:
        detail = f"cannot run it ({error})"
        return Check(spoke.id, export, False, detail, "set users_export_id to the Users export")
    if not held:
        return Check(spoke.id, export, False, "it came out empty", fix)
    return Check(spoke.id, name, True, f"{export} shows {len(held)} users")
