"""The simulator's own endpoints under `/_sim` (not Anaplan's): seed, faults, clock, inspect.

They need no token: the simulator listens on 127.0.0.1 only. Bodies are pydantic models, and
a body that does not validate answers 400 with pydantic's errors (secrets are not echoed).
"""

from __future__ import annotations

from typing import Any, TypeVar

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, ValidationError
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from uam_events.anaplan.simulator.access import simulation
from uam_events.anaplan.simulator.faults import FaultSpec
from uam_events.anaplan.simulator.seed import ItemSeed, SimulatorSeed
from uam_events.anaplan.simulator.world import Item

CONTROL = "/_sim"
T = TypeVar("T")


class ClockStep(BaseModel):
    """Move simulated time on by `advance` seconds."""

    model_config = ConfigDict(extra="forbid")

    advance: float = Field(ge=0)


async def _parse(request: Request, adapter: TypeAdapter[T]) -> T:
    """Validate a JSON body; raise 400 listing what is wrong."""
    try:
        return adapter.validate_json(await request.body())
    except ValidationError as exc:
        problems = [f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors()]
        raise HTTPException(400, "; ".join(problems)) from None


async def load_seed(request: Request) -> Response:
    """Replace the whole tenant with a seed."""
    simulation(request).load(await _parse(request, TypeAdapter(SimulatorSeed)))
    return Response(status_code=204)


async def reset(request: Request) -> Response:
    """Go back to the last loaded seed: tasks, uploads, dumps, tokens and faults are dropped."""
    sim = simulation(request)
    sim.load(sim.seed)
    return Response(status_code=204)


async def add_fault(request: Request) -> Response:
    """Arm a fault."""
    simulation(request).faults.add(await _parse(request, TypeAdapter(FaultSpec)))
    return JSONResponse({"faults": simulation(request).faults.listing()}, status_code=201)


async def list_faults(request: Request) -> Response:
    """List the armed faults."""
    return JSONResponse({"faults": simulation(request).faults.listing()})


async def clear_faults(request: Request) -> Response:
    """Disarm every fault."""
    simulation(request).faults.clear()
    return Response(status_code=204)


async def step_clock(request: Request) -> Response:
    """Move simulated time on (tokens expire, tasks complete)."""
    sim = simulation(request)
    sim.advance_clock((await _parse(request, TypeAdapter(ClockStep))).advance)
    return JSONResponse({"now": sim.now()})


async def inspect_model(request: Request) -> Response:
    """Show what a model holds: Users list and roles, explicit access, access text, lists."""
    sim = simulation(request)
    model = sim.world.models.get(request.path_params["mid"])
    if model is None:
        raise HTTPException(404)
    body: dict[str, Any] = sim.world.inspect(model)
    return JSONResponse(body)


async def stage_items(request: Request) -> Response:
    """Stage hub items for a list; the next hierarchy import of that list brings them in."""
    sim = simulation(request)
    model = sim.world.models.get(request.path_params["mid"])
    target = None if model is None else model.lists.get(request.path_params["name"])
    if target is None:
        raise HTTPException(404)
    items = await _parse(request, TypeAdapter(list[ItemSeed]))
    target.staged += [Item.of(item) for item in items]
    return Response(status_code=204)


ROUTES = [
    Route(f"{CONTROL}/seed", load_seed, methods=["POST"]),
    Route(f"{CONTROL}/reset", reset, methods=["POST"]),
    Route(f"{CONTROL}/faults", add_fault, methods=["POST"]),
    Route(f"{CONTROL}/faults", list_faults, methods=["GET"]),
    Route(f"{CONTROL}/faults", clear_faults, methods=["DELETE"]),
    Route(f"{CONTROL}/clock", step_clock, methods=["POST"]),
    Route(f"{CONTROL}/models/{{mid}}", inspect_model, methods=["GET"]),
    Route(f"{CONTROL}/models/{{mid}}/lists/{{name}}/staged", stage_items, methods=["POST"]),
]
