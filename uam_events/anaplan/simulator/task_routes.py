"""Tasks of imports, exports and processes: start, list, poll, cancel, and failure dumps.

Invariants: starting needs `{"localeName": "en_US"}` and answers `{"task": {"taskId"}}` (or
a bare `{"taskId"}` when the options ask for it);
task lists answer 200, empty for an unknown or masked parent; a dump is served only to the
user who ran the task and only for the latest failing task of that action (404 otherwise).
"""

from __future__ import annotations

import json
from typing import Any

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from uam_events.anaplan.simulator.access import caller, simulation, visible_model
from uam_events.anaplan.simulator.envelopes import chunk_list, ok, page
from uam_events.anaplan.simulator.model_routes import model_routes
from uam_events.anaplan.simulator.tasks import Task
from uam_events.anaplan.simulator.world import Model, key

KINDS = ("imports", "exports", "processes")
LOCALE = "en_US"


def _kind(request: Request) -> str:
    """Return the path's action kind."""
    kind = request.url.path.split("/tasks")[0].rsplit("/", 2)[-2]
    return kind if kind in KINDS else ""


def _defines(model: Model, kind: str, object_id: str) -> bool:
    """Return whether a model has an action of this kind and id."""
    if kind == "imports":
        return object_id in model.imports
    if kind == "exports":
        return object_id in model.exports
    return object_id in model.processes


def _model_and_object(request: Request) -> tuple[str, Model, str, str]:
    """Return the caller, the path's model, the action kind and id; 404 when unknown."""
    email = caller(request)
    model = visible_model(request, email)
    kind, object_id = _kind(request), request.path_params["oid"]
    if not _defines(model, kind, object_id):
        raise HTTPException(404)
    return email, model, kind, object_id


def _task(request: Request) -> tuple[str, Task]:
    """Return the caller and the path's task; 404 when the action has no such task."""
    email, model, kind, object_id = _model_and_object(request)
    task = simulation(request).board.tasks.get(request.path_params["tid"])
    if task is None or (task.model_id, task.kind, task.object_id) != (model.id, kind, object_id):
        raise HTTPException(404)
    return email, task


async def start_task(request: Request) -> Response:
    """Queue a task; it runs once the model is free."""
    email, model, kind, object_id = _model_and_object(request)
    try:
        body = json.loads(await request.body() or b"null")
    except ValueError:
        body = None
    if not isinstance(body, dict) or body.get("localeName") != LOCALE:
        raise HTTPException(400, 'send {"localeName": "en_US"}')
    sim = simulation(request)
    task = sim.start(model, kind, object_id, email)
    if sim.options.bare_task_id:
        return JSONResponse({"taskId": task.id})
    return ok("task", {"taskId": task.id})


async def list_tasks(request: Request) -> Response:
    """List an action's tasks (from every user), oldest first or `sort=-creationDate`."""
    try:
        _, model, kind, object_id = _model_and_object(request)
    except HTTPException:
        return page(request, "tasks", [])
    tasks = simulation(request).board.of(model.id, kind, object_id)
    if request.query_params.get("sort") == "-creationDate":
        tasks = tasks[::-1]
    rows = [
        {"taskId": t.id, "taskState": t.state.value, "creationTime": int(t.created * 1000)}
        for t in tasks
    ]
    return page(request, "tasks", rows)


async def get_task(request: Request) -> Response:
    """Report a task's state, progress and, once terminal, its result."""
    _, task = _task(request)
    sim = simulation(request)
    return ok("task", task.body(sim.now(), sim.options.task_seconds))


async def cancel_task(request: Request) -> Response:
    """Cancel a task; its changes are never applied."""
    email, task = _task(request)
    sim = simulation(request)
    user = sim.world.user(email)
    sim.board.cancel(task, user.guid if user else key(email))
    return ok("task", task.body(sim.now(), sim.options.task_seconds))


def _dump(request: Request, object_id: str | None = None) -> bytes:
    """Return the caller's dump of the path's task (an import's own, or a process action's)."""
    email, task = _task(request)
    found = simulation(request).dump(task, email, object_id or task.object_id)
    if found is None:
        raise HTTPException(404)
    return found


def _chunks(request: Request, dump: bytes) -> list[bytes]:
    """Cut a dump into download chunks."""
    size = simulation(request).options.chunk_bytes
    return [dump[i : i + size] for i in range(0, len(dump), size)]


async def get_dump(request: Request) -> Response:
    """Return an import task's whole dump as CSV text."""
    return Response(_dump(request, request.path_params.get("did")), media_type="text/plain")


async def list_dump_chunks(request: Request) -> Response:
    """List a dump's chunks."""
    return chunk_list(len(_chunks(request, _dump(request, request.path_params.get("did")))))


async def get_dump_chunk(request: Request) -> Response:
    """Return one chunk of a dump."""
    chunks = _chunks(request, _dump(request, request.path_params.get("did")))
    index = request.path_params["n"]
    if index >= len(chunks):
        raise HTTPException(404)
    return Response(chunks[index], media_type="application/octet-stream")


ROUTES: list[Any] = []
for _kind_name in KINDS:
    base = f"/{_kind_name}/{{oid}}/tasks"
    ROUTES += [
        *model_routes(base, start_task, ("POST",)),
        *model_routes(base, list_tasks),
        *model_routes(f"{base}/{{tid}}", get_task),
        *model_routes(f"{base}/{{tid}}", cancel_task, ("DELETE",)),
    ]
ROUTES += [
    *model_routes("/imports/{oid}/tasks/{tid}/dump", get_dump),
    *model_routes("/imports/{oid}/tasks/{tid}/dump/chunks", list_dump_chunks),
    *model_routes("/imports/{oid}/tasks/{tid}/dump/chunks/{n:int}", get_dump_chunk),
    *model_routes("/processes/{oid}/tasks/{tid}/dumps/{did}", get_dump),
    *model_routes("/processes/{oid}/tasks/{tid}/dumps/{did}/chunks", list_dump_chunks),
    *model_routes("/processes/{oid}/tasks/{tid}/dumps/{did}/chunks/{n:int}", get_dump_chunk),
]
