"""Run one worker process until it is stopped (SIGTERM or Ctrl-C)."""

from __future__ import annotations

import logging
from pathlib import Path

import faust

from streams.app import WorkerOptions, create_app
from uam_events.runtime import tune_gc
from uam_events.settings import Settings


def run_worker(settings: Settings, *, datadir: Path, web_port: int | None = None) -> None:
    """Start the Faust worker for these settings and block until it stops."""
    tune_gc()
    datadir.mkdir(parents=True, exist_ok=True)
    workers = create_app(settings, WorkerOptions(datadir=datadir, web_port=web_port))
    worker = faust.Worker(workers.app, loglevel=logging.INFO, quiet=True)
    worker.execute_from_commandline()
