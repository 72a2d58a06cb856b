"""Serving the simulator under uvicorn: in the foreground (`uam simulator`) or in a thread.

Invariant: the server binds 127.0.0.1 unless told otherwise; the thread form binds port 0 and
yields its base URL only once the socket is listening, and stops the server on exit.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

import uvicorn
from starlette.types import ASGIApp

from uam_events.errors import SimulatorError

LOCALHOST = "127.0.0.1"
START_TIMEOUT = 10.0


@contextmanager
def serve_in_thread(app: ASGIApp, host: str = LOCALHOST) -> Iterator[str]:
    """Serve an app on a free port in a daemon thread; yield its base URL (`http://h:p`)."""
    config = uvicorn.Config(app, host=host, port=0, log_level="warning", lifespan="off")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, name="anaplan-simulator", daemon=True)
    thread.start()
    deadline = time.monotonic() + START_TIMEOUT
    while not server.started and thread.is_alive() and time.monotonic() < deadline:
        time.sleep(0.01)
    if not server.started:
        server.should_exit = True
        raise SimulatorError(f"the simulator did not start on {host}; see the log above")
    port = server.servers[0].sockets[0].getsockname()[1]
    try:
        yield f"http://{host}:{port}"
    finally:
        server.should_exit = True
        thread.join(START_TIMEOUT)


def run(app: ASGIApp, host: str = LOCALHOST, port: int = 8600) -> None:
    """Serve an app in the foreground until interrupted."""
    uvicorn.run(app, host=host, port=port, log_level="info", lifespan="off")
