"""The simulator as one ASGI app: authentication, Integration API 2.0 and `/_sim` control.

Every request first meets the fault book (an armed fault answers instead of the API), then
the task board is brought up to date, so whatever a handler reads is current. Errors under
`/2/0` answer Anaplan's error envelope.
"""

from __future__ import annotations

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.types import ASGIApp, Receive, Scope, Send

from uam_events.anaplan.simulator import (
    auth_routes,
    control_routes,
    file_routes,
    model_routes,
    task_routes,
)
from uam_events.anaplan.simulator.control_routes import CONTROL
from uam_events.anaplan.simulator.envelopes import error_body
from uam_events.anaplan.simulator.seed import SimulatorSeed
from uam_events.anaplan.simulator.simulation import Simulation, SimulatorOptions


class _Faults:
    """Answer with an armed fault when one matches; else advance the tasks and go on."""

    def __init__(self, app: ASGIApp, sim: Simulation) -> None:
        self.app = app
        self.sim = sim

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = scope.get("path", "")
        if scope["type"] != "http" or path.startswith(CONTROL):
            await self.app(scope, receive, send)
            return
        fault = self.sim.faults.take(scope["method"], path)
        if fault is not None:
            now = self.sim.now()
            body = error_body(fault.status, path, now)
            response = JSONResponse(body, fault.status, headers=fault.retry_header(now))
            await response(scope, receive, send)
            return
        self.sim.advance()
        await self.app(scope, receive, send)


async def _error(request: Request, exc: Exception) -> Response:
    """Answer an HTTP error in Anaplan's envelope; a 400 says what to send instead."""
    assert isinstance(exc, HTTPException)
    body = error_body(exc.status_code, request.url.path, request.app.state.sim.now())
    if exc.status_code == 400 and exc.detail:
        body["status"]["message"] = exc.detail
    return JSONResponse(body, status_code=exc.status_code, headers=exc.headers)


def create_app(simulation: Simulation) -> Starlette:
    """Return the ASGI app serving a simulation."""
    routes = [
        *auth_routes.ROUTES,
        *model_routes.ROUTES,
        *file_routes.ROUTES,
        *task_routes.ROUTES,
        *control_routes.ROUTES,
    ]
    app = Starlette(routes=routes, exception_handlers={HTTPException: _error})
    app.state.sim = simulation
    app.add_middleware(_Faults, sim=simulation)
    return app


def simulator_app(
    seed: SimulatorSeed | None = None, options: SimulatorOptions | None = None
) -> Starlette:
    """Return an app over a fresh simulation of a seed (an empty tenant by default)."""
    sim = Simulation(seed or SimulatorSeed(), options or SimulatorOptions())
    return create_app(sim)
