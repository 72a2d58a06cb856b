"""`uam sink`: push the spokes' deltas into Anaplan on their schedules; `uam sink release`."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from uam_events.cli_shared import ConfigOption, fail, out
from uam_events.errors import ConfigError, UamError

sink_app = typer.Typer(
    help="Push the spokes' deltas into Anaplan on their schedules; release held pushes."
)

DatadirOption = Annotated[
    Path, typer.Option(help="The sink's state folder: one RocksDB store per spoke, releases.")
]


@sink_app.callback(invoke_without_command=True)
def sink(
    ctx: typer.Context,
    *,
    config: Annotated[
        Path | None, typer.Option("--config", "-c", help="The YAML configuration.")
    ] = None,
    datadir: DatadirOption = Path("sink-data"),
    once: Annotated[
        bool, typer.Option(help="Run every spoke once when the topics are read, then exit.")
    ] = False,
    metrics_port: Annotated[
        int | None, typer.Option(help="Serve Prometheus metrics on this port.")
    ] = None,
    metrics_bind: Annotated[
        str, typer.Option(help="The address to serve metrics on (0.0.0.0 only in a container).")
    ] = "127.0.0.1",
    every_override: Annotated[
        float | None,
        typer.Option(help="Run every spoke every this many seconds, whatever its schedule."),
    ] = None,
) -> None:
    """Run the sink: fold `uam.access.<spoke>`, push each spoke on its schedule."""
    if ctx.invoked_subcommand is not None:
        return
    import asyncio
    import logging
    from datetime import timedelta

    from uam_events.settings import load_settings
    from uam_events.sink_service.runner import SinkOptions, SinkRunner

    if config is None:
        fail(ConfigError(["--config: missing; fix: pass the YAML configuration"]))
        return
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    logging.getLogger("httpx").setLevel(logging.WARNING)
    every = None if every_override is None else timedelta(seconds=every_override)
    options = SinkOptions(datadir, once, metrics_port, metrics_bind, every)
    try:
        code = asyncio.run(SinkRunner(load_settings(config), options).serve())
    except UamError as error:
        fail(error)
        return
    raise typer.Exit(code=code)


@sink_app.command("release")
def sink_release(
    spoke: Annotated[str, typer.Argument(help="The spoke whose held push may go.")],
    config: ConfigOption,
    datadir: DatadirOption = Path("sink-data"),
    push_id: Annotated[
        str | None, typer.Option(help="Release only if this is the push held (audit push_id).")
    ] = None,
    by: Annotated[str | None, typer.Option(help="Who releases (default: your login).")] = None,
) -> None:
    """Let a push the accidental-deletion guard holds go at the sink's next loop."""
    import getpass
    from datetime import UTC, datetime

    from uam_events.settings import load_settings
    from uam_events.sink_service.releases import request_release

    try:
        settings = load_settings(config)
        if spoke not in {s.id for s in settings.spokes}:
            raise ConfigError([f"SPOKE: {spoke!r} is no configured spoke; fix: name one of them"])
        who = by or getpass.getuser()
        request = request_release(datadir, spoke, who, datetime.now(UTC), push_id)
    except UamError as error:
        fail(error)
        return
    out.print(
        f"release of push {request.push_id} of spoke {spoke} requested by {who}; "
        "the sink applies it at its next loop (or its next start)",
        highlight=False,
    )
