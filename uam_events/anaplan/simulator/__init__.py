"""A faithful local simulator of Anaplan's authentication service and Integration API 2.0.

`simulator_app(seed)` is an ASGI app (for `httpx.ASGITransport` or uvicorn);
`serve_in_thread(app)` serves one on 127.0.0.1 for tests; `seed_for_settings` turns our
configuration into a seed. What it simulates, and what not: docs/decisions/simulator.md.
"""

from uam_events.anaplan.simulator.app import create_app, simulator_app
from uam_events.anaplan.simulator.faults import FaultSpec
from uam_events.anaplan.simulator.seed import SimulatorSeed
from uam_events.anaplan.simulator.server import serve_in_thread
from uam_events.anaplan.simulator.simulation import Simulation, SimulatorOptions
from uam_events.anaplan.simulator.spoke_seed import seed_for_settings

__all__ = [
    "FaultSpec",
    "Simulation",
    "SimulatorOptions",
    "SimulatorSeed",
    "create_app",
    "seed_for_settings",
    "serve_in_thread",
    "simulator_app",
]
