"""What a simulated tenant starts with: users, workspaces and models (the `/_sim/seed` body).

The seed is the simulator's one input boundary, so every id and reference is checked here:
a model names a known workspace, a role, a list or an action that it defines. Passwords are
SecretStr and never appear in reprs; tests generate them.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, SecretStr, ValidationError, model_validator

from uam_events.contract.problems import problem
from uam_events.errors import SimulatorError

FULL_ACCESS = "Full Access"
NO_ACCESS = "No Access"
ObjectId = Annotated[str, Field(pattern=r"^\d{12}$")]
SaLevel = Literal["Read", "Write"]


class _Seed(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class UserSeed(_Seed):
    """A tenant user: how it signs in and whether it may."""

    email: str = Field(min_length=3, max_length=60)
    first_name: str = ""
    last_name: str = ""
    password: SecretStr | None = None
    certificate_pem: str | None = Field(default=None, description="a registered certificate")
    active: bool = True


class WorkspaceSeed(_Seed):
    """A workspace: 32 lowercase hex id, its members and, among them, its administrators."""

    id: str = Field(pattern=r"^[0-9a-f]{32}$")
    name: str
    members: list[str] = []
    admins: list[str] = []


class ItemSeed(_Seed):
    """A list item: code, name and at most one parent (a code of the same list)."""

    code: str = Field(min_length=1)
    name: str = ""
    parent: str | None = None


class ListSeed(_Seed):
    """A model list (`101...`); selective access applies only when it is enabled."""

    id: ObjectId
    name: str
    selective_access: bool = True
    items: list[ItemSeed] = []
    staged: list[ItemSeed] = Field(default=[], description="items a hierarchy import brings in")


class SaColumnSeed(_Seed):
    """A users-import column that grants (`Read`, `Write`) or removes (`None`) one list item."""

    header: str
    list: str
    level: Literal["Read", "Write", "None"]


class ImportSeed(_Seed):
    """An import (`112...`) reading its source file (`113...`) with the given header names."""

    id: ObjectId
    name: str
    import_type: Literal["USERS", "MODULE_DATA", "HIERARCHY_DATA"]
    file_id: ObjectId | None = Field(default=None, description="none for HIERARCHY_DATA")
    header_names: list[str] = []
    email_column: str = "Email Address"
    role_column: str | None = "Model Role"
    sa_columns: list[SaColumnSeed] = []
    item_key: Literal["code", "name"] = "code"
    module: str | None = Field(default=None, description="MODULE_DATA: the target module name")
    text_column: str = "Access Text"
    target_list: str | None = Field(default=None, description="HIERARCHY_DATA: the list")


class ProcessSeed(_Seed):
    """A process (`118...`): import and export ids run in order."""

    id: ObjectId
    name: str
    actions: list[ObjectId]


class ExportSeed(_Seed):
    """An export (`116...`) of the Users list with each user's role and explicit access."""

    id: ObjectId
    name: str


class ModelSeed(_Seed):
    """A model: 32 uppercase hex id, its roles, lists, access, imports, processes, exports."""

    id: str = Field(pattern=r"^[0-9A-F]{32}$")
    name: str
    workspace_id: str
    roles: list[str] = []
    user_roles: dict[str, str] = Field(default={}, description="absent members: No Access")
    lists: list[ListSeed] = []
    access: dict[str, dict[str, dict[str, SaLevel]]] = Field(
        default={}, description="email -> list -> item code -> Read/Write"
    )
    text_module: str = "Access Text"
    access_text: dict[str, str] = {}
    imports: list[ImportSeed] = []
    processes: list[ProcessSeed] = []
    exports: list[ExportSeed] = []

    @model_validator(mode="after")
    def _references_resolve(self) -> ModelSeed:
        """Require every role, list and action named inside the model to be defined there."""
        roles = {*self.roles, FULL_ACCESS, NO_ACCESS}
        for email, role in self.user_roles.items():
            if role not in roles:
                raise problem(
                    f"{role!r} is not a role", "add it to roles", field=("user_roles", email)
                )
        lists = {entry.name for entry in self.lists}
        for index, seed in enumerate(self.imports):
            for column in seed.sa_columns:
                if column.list not in lists:
                    fix = f"use one of {sorted(lists)}"
                    raise problem(f"names no list {column.list!r}", fix, field=("imports", index))
        actions = {seed.id for seed in self.imports} | {seed.id for seed in self.exports}
        for index, process in enumerate(self.processes):
            for action in process.actions:
                if action not in actions:
                    fix = "name an import or export of this model"
                    raise problem(f"names no action {action}", fix, field=("processes", index))
        return self


class SimulatorSeed(_Seed):
    """A whole simulated tenant."""

    users: list[UserSeed] = []
    workspaces: list[WorkspaceSeed] = []
    models: list[ModelSeed] = []

    @model_validator(mode="after")
    def _workspaces_resolve(self) -> SimulatorSeed:
        """Require each model's workspace, and each member, to be defined."""
        emails = {user.email.casefold() for user in self.users}
        for index, workspace in enumerate(self.workspaces):
            for email in [*workspace.members, *workspace.admins]:
                if email.casefold() not in emails:
                    fix = "add the user to users"
                    raise problem(f"{email!r} is not a user", fix, field=("workspaces", index))
        workspaces = {workspace.id for workspace in self.workspaces}
        for index, model in enumerate(self.models):
            if model.workspace_id not in workspaces:
                fix = "add the workspace to workspaces"
                text = f"{model.workspace_id!r} is not a workspace"
                raise problem(text, fix, field=("models", index, "workspace_id"))
        return self


def seed_json(seed: SimulatorSeed) -> str:
    """Return a seed as JSON with its passwords revealed, to hand to a simulator process.

    The output holds secrets: write it to a private temporary file, never to the repository.
    """
    data = seed.model_dump(mode="json")
    for user, given in zip(data["users"], seed.users, strict=True):
        user["password"] = None if given.password is None else given.password.get_secret_value()
    return json.dumps(data)


def read_seed(path: Path) -> SimulatorSeed:
    """Read a seed file; raise SimulatorError naming the problem (passwords are not echoed)."""
    try:
        return SimulatorSeed.model_validate_json(path.read_bytes())
    except OSError as exc:
        raise SimulatorError(
            f"{path}: cannot be read ({exc.strerror}); fix: check the path"
        ) from None
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors(include_input=False)
        )
        fix = "see SimulatorSeed in uam_events/anaplan/simulator/seed.py"
        raise SimulatorError(f"{path}: {problems}; fix: {fix}") from None
