"""Run one worker process until it is stopped (SIGTERM or Ctrl-C)."""

from __future__ import annotations

import logging

import faust

from streams.app import WorkerOptions, create_app
from uam_events.runtime import tune_gc
from uam_events.settings import Settings


def run_worker(settings: Settings, options: WorkerOptions) -> None:
    """Start the Faust worker for these settings and block until it stops."""
    tune_gc()
    options.datadir.mkdir(parents=True, exist_ok=True)
    workers = create_app(settings, options)
    worker = faust.Worker(workers.app, loglevel=logging.INFO, quiet=True)
    worker.execute_from_commandline()
