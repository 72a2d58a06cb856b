"""The `uam` command line: replay, config check, explain, compare, generate, simulator, sink.

The sink's commands are in `cli_sink`; what every command shares is in `cli_shared`.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated

import typer
from rich.progress import BarColumn, DownloadColumn, Progress, TimeRemainingColumn

from uam_events.cli_shared import ConfigOption, OutOption, err, fail, out
from uam_events.cli_sink import sink_app
from uam_events.errors import ConfigError, UamError

app = typer.Typer(help="uam-events: stream user access into Anaplan models.", no_args_is_help=True)
config_app = typer.Typer(help="Check configuration files.", no_args_is_help=True)
app.add_typer(config_app, name="config")
topics_app = typer.Typer(help="Manage the Kafka topics.", no_args_is_help=True)
app.add_typer(topics_app, name="topics")
app.add_typer(sink_app, name="sink")
PROGRESS_MIN_BYTES = 1 << 20


@contextmanager
def _file_progress(events: Path, label: str) -> Iterator[Callable[[int], None]]:
    """Show a progress bar over a large events file; yield the callback taking bytes read."""
    size = events.stat().st_size if events.is_file() else 0
    show = size >= PROGRESS_MIN_BYTES and err.is_terminal
    columns = (BarColumn(), DownloadColumn(), TimeRemainingColumn())
    with Progress(*columns, console=err, disable=not show) as bar:
        task = bar.add_task(label, total=size)
        yield lambda read: bar.update(task, completed=read)


@app.command()
def replay(
    events: Annotated[Path, typer.Argument(help="A replay-format JSONL file.")],
    config: ConfigOption,
    out_dir: Annotated[Path, typer.Option("--out", "-o", help="Where to write the files.")],
    effective: Annotated[bool, typer.Option(help="Also write effective.csv.")] = False,
) -> None:
    """Run the core over an events file with no broker; write deltas, grants, roles, ..."""
    from uam_events.console import spoke_table
    from uam_events.replay import replay_file
    from uam_events.settings import load_settings

    try:
        settings = load_settings(config)
        with _file_progress(events, "replay") as progress:
            run = replay_file(events, settings, out_dir, effective=effective, progress=progress)
    except UamError as error:
        fail(error)
        return
    s = run.summary
    out.print(
        f"{s.lines} lines, {s.inputs} inputs applied, {s.deltas} deltas, "
        f"{s.decisions} command decisions, {s.dead_letters} dead letters -> {out_dir}",
        highlight=False,
    )
    out.print(spoke_table(run))


@config_app.command("check")
def config_check(file: Annotated[Path, typer.Argument(help="The YAML configuration.")]) -> None:
    """Report every error of a configuration file, with its path and the fix."""
    from uam_events.settings import check_config

    problems = check_config(file)
    if problems:
        for problem in problems:
            err.print(f"[red]✗[/] {problem}", highlight=False)
        raise typer.Exit(code=1)
    out.print(f"[green]✓[/] {file} is valid", highlight=False)


@app.command()
def explain(
    user: Annotated[str, typer.Argument(help="The user key.")],
    spoke: Annotated[str, typer.Option(help="The spoke id.")],
    out_dir: OutOption = Path("out"),
    item: Annotated[str | None, typer.Option(help="LIST/ITEM: explain one item.")] = None,
) -> None:
    """Say why a user holds each grant and role in a spoke, or where an item's level comes from."""
    from uam_events.diagnostics import ReplayOutput, render_item, render_view

    try:
        output = ReplayOutput(out_dir)
        if item is None:
            out.print(render_view(output.view(spoke, user)), highlight=False)
            return
        hub_list, _, code = item.partition("/")
        if not code:
            fail(ConfigError([f"--item {item!r}: write LIST/ITEM, e.g. Products/LAPTOP"]))
        out.print(render_item(output.explain(spoke, user, hub_list, code)), highlight=False)
    except UamError as error:
        fail(error)


@app.command()
def compare(
    source: Annotated[str, typer.Argument(help="The first user key.")],
    target: Annotated[str, typer.Argument(help="The second user key.")],
    spoke: Annotated[str, typer.Option(help="The spoke id.")],
    out_dir: OutOption = Path("out"),
) -> None:
    """Compare two users' access in a spoke: identical, partial or conflict, per list."""
    from uam_events.diagnostics import ReplayOutput, render_comparison

    try:
        comparisons = ReplayOutput(out_dir).compare(spoke, source, target)
    except UamError as error:
        fail(error)
        return
    out.print(render_comparison(source, target, comparisons), highlight=False)


@app.command()
def generate(
    config_out: Annotated[Path, typer.Option("--config-out", help="Where to write the YAML.")],
    events_out: Annotated[Path, typer.Option("--events-out", help="Where to write the JSONL.")],
    users: Annotated[int, typer.Option(help="How many users (everything scales).")] = 10_000,
    seed: Annotated[int, typer.Option(help="The random seed.")] = 1,
    changes: Annotated[bool, typer.Option(help="Append the stream of changes.")] = True,
) -> None:
    """Write a seeded, realistic enterprise (config and events) in replay format."""
    from uam_events.generate import EnterpriseShape, write_enterprise

    default = EnterpriseShape()
    shape = default if users == default.users else EnterpriseShape.scaled(users)
    write_enterprise(shape, seed, config_out, events_out, include_changes=changes)
    out.print(f"wrote {config_out} and {events_out} ({users} users, seed {seed})")


@topics_app.command("create")
def topics_create(config: ConfigOption) -> None:
    """Create every topic of the contract and the change topic; safe to run again."""
    from uam_events.broker import create_topics
    from uam_events.settings import load_settings

    try:
        changes = create_topics(load_settings(config))
    except UamError as error:
        fail(error)
        return
    for change in changes:
        out.print(f"{change.action:9} {change.name} ({change.detail})", highlight=False)
    made = sum(1 for c in changes if c.action != "unchanged")
    out.print(f"{made} topics changed, {len(changes) - made} already as configured")


@app.command()
def produce(
    events: Annotated[Path, typer.Argument(help="A replay-format JSONL file.")],
    config: ConfigOption,
) -> None:
    """Publish a replay-format file to the input topics, in file order."""
    from uam_events.broker import produce_file
    from uam_events.settings import load_settings

    try:
        settings = load_settings(config)
        with _file_progress(events, "produce") as progress:
            summary = produce_file(settings, events, progress=progress)
    except UamError as error:
        fail(error)
        return
    topics = ", ".join(f"{t} {n}" for t, n in sorted(summary.by_topic.items()))
    out.print(
        f"{summary.records} records published ({topics}); {summary.dead_letters} unreadable "
        f"lines sent to the dead-letter topic; run {summary.run_id}",
        highlight=False,
    )


@app.command()
def worker(
    config: ConfigOption,
    datadir: Annotated[
        Path, typer.Option(help="This worker's own state folder (RocksDB locks it).")
    ] = Path("worker-data"),
    web_port: Annotated[
        int | None,
        typer.Option(help="Serve /health/, /metrics/, /explain/ and /compare/ on this port."),
    ] = None,
    web_bind: Annotated[
        str, typer.Option(help="The address to serve on (0.0.0.0 only inside a container).")
    ] = "127.0.0.1",
) -> None:
    """Run a worker: the router and the resolvers of the partitions it is assigned."""
    from streams.app import WorkerOptions
    from streams.worker import run_worker
    from uam_events.settings import load_settings

    options = WorkerOptions(datadir=datadir, web_port=web_port, web_bind=web_bind)
    try:
        run_worker(load_settings(config), options)
    except UamError as error:
        fail(error)


@app.command()
def simulator(
    *,
    seed: Annotated[
        Path | None, typer.Option(help="A SimulatorSeed JSON file (default: an empty tenant).")
    ] = None,
    host: Annotated[str, typer.Option(help="The address to serve on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="The port to serve on.")] = 8600,
    token_ttl: Annotated[float, typer.Option(help="Token lifetime in seconds.")] = 1800.0,
    task_seconds: Annotated[float, typer.Option(help="How long each task runs.")] = 0.05,
    config: Annotated[
        Path | None, typer.Option(help="With --replay: the configuration whose spokes to serve.")
    ] = None,
    replay: Annotated[
        Path | None,
        typer.Option(help="Seed from a `uam replay` output folder (members, items, roles)."),
    ] = None,
) -> None:
    """Serve the Anaplan simulator: authentication, Integration API 2.0 and /_sim control.

    With `--config` and `--replay` the tenant holds the configured spokes, their members, items
    and roles; the integration user signs in with UAM_ANAPLAN__PASSWORD.
    """
    from uam_events.anaplan.simulator import SimulatorOptions, simulator_app
    from uam_events.anaplan.simulator.seed import SimulatorSeed, read_seed
    from uam_events.anaplan.simulator.server import run
    from uam_events.estate import seed_from_replays
    from uam_events.settings import load_settings

    tenant: SimulatorSeed | None = None
    try:
        if (config is None) != (replay is None):
            raise ConfigError(["--config and --replay: give both, or neither"])
        if config is not None and replay is not None:
            settings = load_settings(config)
            password = settings.anaplan.auth.require_password()
            tenant = seed_from_replays(settings, replay, password=password)
        elif seed is not None:
            tenant = read_seed(seed)
    except UamError as error:
        fail(error)
        return
    options = SimulatorOptions(token_ttl=token_ttl, task_seconds=task_seconds)
    run(simulator_app(tenant, options), host=host, port=port)


@app.command()
def reconcile(
    spoke: Annotated[str, typer.Argument(help="The spoke id.")],
    config: ConfigOption,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Report the drift only.")] = False,
    state: Annotated[
        Path | None,
        typer.Option(help="A `uam replay` output folder (default: the uam.state.<spoke> topic)."),
    ] = None,
    force: Annotated[bool, typer.Option(help="Push even what the guard would hold.")] = False,
) -> None:
    """Compare what a spoke holds (its Users export) with the resolved state; push the fix."""
    from uam_events.reconcile.runner import run_reconcile
    from uam_events.settings import load_settings

    try:
        settings = load_settings(config)
        code = run_reconcile(settings, spoke, state, dry_run=dry_run, force=force, say=_say)
    except UamError as error:
        fail(error)
        return
    raise typer.Exit(code)


@app.command()
def doctor(config: ConfigOption) -> None:
    """Preflight every spoke: credentials, imports and columns, admin rights, exports."""
    from uam_events.doctor import run_doctor
    from uam_events.settings import load_settings

    try:
        checks = run_doctor(load_settings(config))
    except UamError as error:
        fail(error)
        return
    for check in checks:
        _say(check.line())
    raise typer.Exit(0 if all(check.ok for check in checks) else 1)


def _say(line: str) -> None:
    out.print(line, highlight=False, markup=False, soft_wrap=True)


@app.command()
def version() -> None:
    """Print the package version and the build of its core (compiled with mypyc, or pure)."""
    from uam_events import __version__
    from uam_events.core_build import core_build

    out.print(f"uam-events {__version__}, core {core_build()}", highlight=False)


def main() -> None:
    """Run the CLI."""
    app(prog_name="uam")


if __name__ == "__main__":
    main()
    sys.exit(0)
