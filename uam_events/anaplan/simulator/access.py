"""Who is calling the Integration API and which model objects they may see.

Invariants: every `/2/0` call needs a live token (`AnaplanAuthToken` or `Bearer`), else 401;
a model a caller cannot open (not a member, or No Access without being an administrator) is
masked as 404, like an unknown one; a workspace id in the path must be the model's own.
"""

from __future__ import annotations

from starlette.exceptions import HTTPException
from starlette.requests import Request

from uam_events.anaplan.simulator.simulation import Simulation
from uam_events.anaplan.simulator.world import Model

TOKEN_SCHEMES = ("AnaplanAuthToken", "Bearer")


def simulation(request: Request) -> Simulation:
    """Return the simulation an app serves."""
    sim: Simulation = request.app.state.sim
    return sim


def caller(request: Request, schemes: tuple[str, ...] = TOKEN_SCHEMES) -> str:
    """Return the email of the token's user; raise 401 when the token is missing or dead."""
    scheme, _, value = request.headers.get("authorization", "").partition(" ")
    token = simulation(request).tokens.find(value.strip(), simulation(request).now())
    if scheme not in schemes or token is None:
        raise HTTPException(401)
    return token.user


def visible_model(request: Request, email: str) -> Model:
    """Return the path's model when the caller may open it; raise 404 otherwise."""
    sim = simulation(request)
    model = sim.world.models.get(request.path_params["mid"])
    wid = request.path_params.get("wid")
    if model is None or (wid is not None and wid != model.workspace_id):
        raise HTTPException(404)
    if not sim.world.can_open(model, email):
        raise HTTPException(404)
    return model


def member_model(request: Request, email: str) -> Model:
    """Return the path's model when the caller is a member of its workspace (No Access too)."""
    sim = simulation(request)
    model = sim.world.models.get(request.path_params["mid"])
    wid = request.path_params.get("wid")
    if model is None or (wid is not None and wid != model.workspace_id):
        raise HTTPException(404)
    if not sim.world.is_member(model.workspace_id, email):
        raise HTTPException(404)
    return model
