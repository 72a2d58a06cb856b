"""Build a simulator seed from our configuration: one model per spoke, ready for the sink.

Id scheme (docs/decisions/simulator.md): lists `101000000001`.. in the spoke's list order;
each import's source file is `113` + the import id's last 9 digits; the refresh process runs
one hierarchy import per list, `112900000001`..; the Users export is `116000000001`. The
integration user (`anaplan.auth.user`) administers every spoke workspace.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from pydantic import SecretStr, ValidationError

from uam_events.anaplan.imports import EMAIL, ROLE, TEXT, users_header
from uam_events.anaplan.simulator.seed import (
    FULL_ACCESS,
    ExportSeed,
    ImportSeed,
    ItemSeed,
    ListSeed,
    ModelSeed,
    ProcessSeed,
    SaColumnSeed,
    SimulatorSeed,
    UserSeed,
    WorkspaceSeed,
)
from uam_events.core.levels import Level
from uam_events.errors import SimulatorError
from uam_events.settings import Settings, SpokeSettings

EXPORT_ID = "116000000001"
ItemRow = tuple[str, str, str | None]
"""A hub item as (code, name, parent code)."""


def source_file_id(import_id: str) -> str:
    """Return the source file id of an import: `112000000001` -> `113000000001`."""
    return "113" + import_id[3:]


def seed_for_settings(
    settings: Settings,
    members: Mapping[str, Iterable[str]],
    items: Mapping[str, Iterable[ItemRow]],
    integration_password: str | SecretStr | None,
    *,
    roles: Iterable[str] = (),
    certificate_pem: str | None = None,
) -> SimulatorSeed:
    """Return a seed with one model per spoke, `members` per workspace id, `items` per hub list."""
    integration = settings.anaplan.auth.user
    password = (
        integration_password
        if integration_password is None or isinstance(integration_password, SecretStr)
        else SecretStr(integration_password)
    )
    emails = sorted({e for group in members.values() for e in group} - {integration})
    users = [UserSeed(email=integration, password=password, certificate_pem=certificate_pem)]
    users += [UserSeed(email=email) for email in emails]
    workspace_ids = sorted({spoke.workspace_id for spoke in settings.spokes})
    extra = sorted(set(roles))
    try:
        workspaces = [
            WorkspaceSeed(
                id=wid,
                name=", ".join(s.id for s in settings.spokes if s.workspace_id == wid),
                members=sorted(set(members.get(wid, ())) - {integration}),
                admins=[integration],
            )
            for wid in workspace_ids
        ]
        models = [_model(spoke, integration, items, extra) for spoke in settings.spokes]
        return SimulatorSeed(users=users, workspaces=workspaces, models=models)
    except ValidationError as exc:
        fix = "use Anaplan's id formats: 32-hex workspace and model ids, 12-digit object ids"
        raise SimulatorError(f"the configuration cannot be simulated: {exc}; fix: {fix}") from None


def _model(
    spoke: SpokeSettings,
    integration: str,
    items: Mapping[str, Iterable[ItemRow]],
    roles: list[str],
) -> ModelSeed:
    """Return the model of one spoke."""
    lists = [
        ListSeed(
            id=f"101{index + 1:09d}",
            name=entry.name,
            items=[ItemSeed(code=c, name=n, parent=p) for c, n, p in items.get(entry.hub, ())],
        )
        for index, entry in enumerate(spoke.lists)
    ]
    imports = [_users_import(spoke), _text_import(spoke)]
    processes: list[ProcessSeed] = []
    if spoke.refresh_process_id is not None:
        refresh = [
            ImportSeed(
                id=f"1129{i + 1:08d}",
                name=f"Refresh {entry.name}",
                import_type="HIERARCHY_DATA",
                target_list=entry.name,
            )
            for i, entry in enumerate(spoke.lists)
        ]
        imports += refresh
        actions = [spec.id for spec in refresh]
        processes.append(
            ProcessSeed(id=spoke.refresh_process_id, name="Refresh lists", actions=actions)
        )
    return ModelSeed(
        id=spoke.model_id,
        name=spoke.id,
        workspace_id=spoke.workspace_id,
        roles=sorted({spoke.default_role, spoke.no_access_role, *roles}),
        user_roles={integration: FULL_ACCESS},
        lists=lists,
        imports=imports,
        processes=processes,
        exports=[ExportSeed(id=spoke.users_export_id or EXPORT_ID, name="Users with access")],
    )


def _users_import(spoke: SpokeSettings) -> ImportSeed:
    """Return the users import with the columns `imports.users_header` writes."""
    columns = [
        SaColumnSeed(header=f"{entry.name} {level.column}", list=entry.name, level=level.column)
        for entry in spoke.lists
        for level in (Level.READ, Level.WRITE, Level.NONE)
    ]
    return ImportSeed(
        id=spoke.users_import_id,
        name="Users and selective access",
        import_type="USERS",
        file_id=source_file_id(spoke.users_import_id),
        header_names=users_header(spoke.core()),
        email_column=EMAIL,
        role_column=ROLE,
        sa_columns=columns,
    )


def _text_import(spoke: SpokeSettings) -> ImportSeed:
    """Return the access-text import into the `Access Text` module."""
    return ImportSeed(
        id=spoke.access_text_import_id,
        name="Access text",
        import_type="MODULE_DATA",
        file_id=source_file_id(spoke.access_text_import_id),
        header_names=[EMAIL, TEXT],
        email_column=EMAIL,
        module="Access Text",
        text_column=TEXT,
    )
