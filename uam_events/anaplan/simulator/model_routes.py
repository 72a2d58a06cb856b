"""Discovery: workspaces, models, model status, and each model's imports, exports, processes.

Invariants: a caller sees only the workspaces it belongs to and their models; model objects
follow `access.visible_model` (404 when masked); `GET /models/{mid}/status` has no envelope
and reports progress -1.0 when the model is idle.
"""

from __future__ import annotations

from typing import Any

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from uam_events.anaplan.simulator.access import caller, member_model, simulation, visible_model
from uam_events.anaplan.simulator.envelopes import ok, page
from uam_events.anaplan.simulator.exports import export_header, export_rows
from uam_events.anaplan.simulator.seed import ImportSeed
from uam_events.anaplan.simulator.tasks import KIND_LABEL
from uam_events.anaplan.simulator.world import Model, Workspace

API = "/2/0"


def model_routes(path: str, endpoint: Any, methods: tuple[str, ...] = ("GET",)) -> list[Route]:
    """Return a model-scoped route with and without its `/workspaces/{wid}` prefix."""
    return [
        Route(f"{API}/workspaces/{{wid}}/models/{{mid}}{path}", endpoint, methods=list(methods)),
        Route(f"{API}/models/{{mid}}{path}", endpoint, methods=list(methods)),
    ]


def _workspace_body(workspace: Workspace) -> dict[str, Any]:
    return {
        "id": workspace.id,
        "name": workspace.name,
        "active": True,
        "sizeAllowance": 1 << 30,
        "currentSize": 0,
    }


def _model_body(request: Request, model: Model) -> dict[str, Any]:
    sim = simulation(request)
    body: dict[str, Any] = {
        "id": model.id,
        "name": model.name,
        "activeState": "UNLOCKED",
        "currentWorkspaceId": model.workspace_id,
        "currentWorkspaceName": sim.world.workspaces[model.workspace_id].name,
    }
    if request.query_params.get("modelDetails") == "true":
        body["modelTransactionRunning"] = sim.board.running(model.id) is not None
        body["memoryUsage"] = 1 << 20
    return body


async def list_workspaces(request: Request) -> Response:
    """List the caller's workspaces."""
    email, sim = caller(request), simulation(request)
    chosen = [w for w in sim.world.workspaces.values() if sim.world.is_member(w.id, email)]
    return page(request, "workspaces", [_workspace_body(w) for w in chosen])


async def get_workspace(request: Request) -> Response:
    """Describe one of the caller's workspaces."""
    email, sim = caller(request), simulation(request)
    workspace = sim.world.workspaces.get(request.path_params["wid"])
    if workspace is None or not sim.world.is_member(workspace.id, email):
        raise HTTPException(404)
    return ok("workspace", _workspace_body(workspace))


async def list_models(request: Request) -> Response:
    """List the models of the caller's workspaces (or of one workspace)."""
    email, sim = caller(request), simulation(request)
    wid = request.path_params.get("wid")
    chosen = [
        m
        for m in sim.world.models.values()
        if sim.world.is_member(m.workspace_id, email) and wid in (None, m.workspace_id)
    ]
    return page(request, "models", [_model_body(request, m) for m in chosen])


async def get_model(request: Request) -> Response:
    """Describe a model; a member with No Access still sees it."""
    model = member_model(request, caller(request))
    return ok("model", _model_body(request, model))


async def model_status(request: Request) -> Response:
    """Report the running task, with no envelope."""
    model = visible_model(request, caller(request))
    sim = simulation(request)
    sim.advance()
    task = sim.board.running(model.id)
    if task is None:
        return JSONResponse({"requestStatus": {"currentStep": "Open", "progress": -1.0}})
    label = KIND_LABEL[task.kind]
    status = {
        "currentStep": f"Processing {label}...",
        "progress": task.progress(sim.now(), sim.options.task_seconds),
        "taskId": task.id,
        "tooltip": f"The system is currently processing an {label}: {task.object_id}",
        "creationTime": int(task.created * 1000),
    }
    return JSONResponse({"requestStatus": status})


def _import_body(spec: ImportSeed) -> dict[str, Any]:
    body = {"id": spec.id, "name": spec.name, "importType": spec.import_type}
    if spec.file_id is not None:
        body["importDataSourceId"] = spec.file_id
    return body


async def list_imports(request: Request) -> Response:
    """List a model's imports."""
    model = visible_model(request, caller(request))
    return page(request, "imports", [_import_body(s) for s in model.imports.values()])


async def get_import(request: Request) -> Response:
    """Describe an import: its source's format and header names."""
    model = visible_model(request, caller(request))
    spec = model.imports.get(request.path_params["oid"])
    if spec is None:
        raise HTTPException(404)
    source = {
        "textEncoding": "UTF-8",
        "columnSeparator": ",",
        "textDelimiter": '"',
        "headerRow": 1,
        "firstDataRow": 2,
        "decimalSeparator": ".",
        "headerNames": spec.header_names,
        "columnCount": len(spec.header_names),
    }
    kind = "FILE" if spec.file_id is not None else "MODEL"
    return ok("importMetadata", {"name": spec.name, "type": kind, "source": source})


async def list_exports(request: Request) -> Response:
    """List a model's exports."""
    model = visible_model(request, caller(request))
    bodies = [
        {
            "id": e.id,
            "name": e.name,
            "exportType": "TABULAR_MULTI_COLUMN",
            "exportFormat": "text/csv",
            "encoding": "UTF-8",
            "layout": "TABULAR_MULTI_COLUMN",
        }
        for e in model.exports.values()
    ]
    return page(request, "exports", bodies)


async def get_export(request: Request) -> Response:
    """Describe an export: its columns and how many rows it would write now."""
    model = visible_model(request, caller(request))
    if request.path_params["oid"] not in model.exports:
        raise HTTPException(404)
    header = export_header(model)
    body = {
        "columnCount": len(header),
        "dataTypes": ["TEXT"] * len(header),
        "headerNames": header,
        "listNames": ["Users"],
        "rowCount": len(export_rows(simulation(request).world, model)),
        "separator": ",",
        "delimiter": '"',
        "encoding": "UTF-8",
        "exportFormat": "text/csv",
    }
    return ok("exportMetadata", body)


async def list_processes(request: Request) -> Response:
    """List a model's processes."""
    model = visible_model(request, caller(request))
    return page(
        request, "processes", [{"id": p.id, "name": p.name} for p in model.processes.values()]
    )


async def get_process(request: Request) -> Response:
    """Describe a process: its actions in run order."""
    model = visible_model(request, caller(request))
    process = model.processes.get(request.path_params["oid"])
    if process is None:
        raise HTTPException(404)
    actions: list[dict[str, Any]] = []
    for action in process.actions:
        if action in model.exports:
            actions.append(
                {"id": action, "name": model.exports[action].name, "actionType": "EXPORT"}
            )
        else:
            actions.append({**_import_body(model.imports[action]), "actionType": "IMPORT"})
    return ok("processMetadata", {"name": process.name, "actions": actions})


async def list_actions(request: Request) -> Response:
    """List a model's other actions (the simulator has none)."""
    visible_model(request, caller(request))
    return page(request, "actions", [])


async def list_lists(request: Request) -> Response:
    """List a model's lists."""
    model = visible_model(request, caller(request))
    return page(request, "lists", [{"id": e.id, "name": e.name} for e in model.lists.values()])


ROUTES = [
    Route(f"{API}/workspaces", list_workspaces),
    Route(f"{API}/workspaces/{{wid}}", get_workspace),
    Route(f"{API}/models", list_models),
    Route(f"{API}/workspaces/{{wid}}/models", list_models),
    *model_routes("", get_model),
    Route(f"{API}/models/{{mid}}/status", model_status),
    Route(f"{API}/workspaces/{{wid}}/models/{{mid}}/status", model_status, methods=["POST"]),
    *model_routes("/imports", list_imports),
    *model_routes("/imports/{oid}", get_import),
    *model_routes("/exports", list_exports),
    *model_routes("/exports/{oid}", get_export),
    *model_routes("/processes", list_processes),
    *model_routes("/processes/{oid}", get_process),
    *model_routes("/actions", list_actions),
    *model_routes("/lists", list_lists),
]
