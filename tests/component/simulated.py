"""Helpers for component tests that drive the real client against the simulator on 127.0.0.1.

The simulator runs under uvicorn in a thread; a `SimClock` is the client's clock and sleep, and
every sleep moves the simulator's clock on by the same amount, so retries and polling take no
real time and token lifetimes pass on demand. `Recorder` only watches the real transport.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

import httpx
from pydantic import SecretStr

from uam_events.anaplan.client import AnaplanClient
from uam_events.anaplan.retry import RetryPolicy, Timing
from uam_events.anaplan.simulator.seed import SimulatorSeed, seed_json
from uam_events.settings.anaplan import AnaplanSettings


@dataclass(slots=True)
class SimClock:
    """The client's clock: real time plus the offset the simulator was moved on by."""

    control: httpx.AsyncClient
    offset: float = 0.0
    slept: list[float] = field(default_factory=list)

    def now(self) -> float:
        """Return the simulated time, as the simulator sees it."""
        return time.time() + self.offset

    async def sync(self) -> None:
        """Take the simulator's current offset from real time (it only grows)."""
        answer = await self.control.post("/_sim/clock", json={"advance": 0})
        answer.raise_for_status()
        self.offset = float(answer.json()["now"]) - time.time()

    async def advance(self, seconds: float) -> None:
        """Move both clocks on by `seconds`."""
        self.offset += seconds
        answer = await self.control.post("/_sim/clock", json={"advance": seconds})
        answer.raise_for_status()

    async def sleep(self, seconds: float) -> None:
        """Record a wait the client asked for, and let it pass in simulated time."""
        self.slept.append(seconds)
        await self.advance(seconds)

    def timing(self) -> Timing:
        """Return the client's timing: this clock, this sleep, draws of one half."""
        return Timing(now=self.now, sleep=self.sleep, random=lambda: 0.5)


class Recorder(httpx.AsyncHTTPTransport):
    """The real HTTP transport, noting each call's method, path and status."""

    def __init__(self) -> None:
        super().__init__()
        self.calls: list[tuple[str, str, int]] = []

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        """Send the request and note what it got."""
        response = await super().handle_async_request(request)
        self.calls.append((request.method, request.url.path, response.status_code))
        return response

    def paths(self, method: str, fragment: str) -> list[tuple[str, int]]:
        """Return (path, status) of the calls of `method` whose path contains `fragment`."""
        return [(p, s) for m, p, s in self.calls if m == method and fragment in p]


def basic_settings(base_url: str, user: str, secret: str, **auth: Any) -> AnaplanSettings:
    """Return settings pointing at a simulator, signing in as `user` with basic auth."""
    fields: dict[str, Any] = {"method": "basic", "user": user, "password": SecretStr(secret)}
    fields.update(auth)
    return AnaplanSettings(auth_url=base_url, api_url=f"{base_url}/2/0", auth=fields)  # type: ignore[arg-type]


def make_client(
    settings: AnaplanSettings, clock: SimClock, recorder: Recorder, attempts: int = 3
) -> AnaplanClient:
    """Return a client on the real transport, with short simulated retry waits."""
    return AnaplanClient(
        settings,
        recorder,
        retry=RetryPolicy(attempts=attempts, base=0.5, cap=2.0, max_wait=60.0),
        timing=clock.timing(),
    )


async def load(control: httpx.AsyncClient, seed: SimulatorSeed) -> None:
    """Replace the simulated tenant with a seed (passwords revealed to the simulator only)."""
    (await control.post("/_sim/seed", content=seed_json(seed))).raise_for_status()


async def arm(control: httpx.AsyncClient, **fault: Any) -> None:
    """Arm a fault in the simulator."""
    (await control.post("/_sim/faults", json=fault)).raise_for_status()


async def faults_left(control: httpx.AsyncClient) -> list[int]:
    """Return how many answers each armed fault has left."""
    answer = await control.get("/_sim/faults")
    return [int(entry["left"]) for entry in answer.json()["faults"]]


async def inspect(control: httpx.AsyncClient, model_id: str) -> dict[str, Any]:
    """Return what a simulated model holds."""
    answer = await control.get(f"/_sim/models/{model_id}")
    answer.raise_for_status()
    body: dict[str, Any] = answer.json()
    return body
