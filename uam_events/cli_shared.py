"""What every `uam` command shares: the consoles, the common options, failing with a message."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, NoReturn

import typer
from rich.console import Console

from uam_events.errors import UamError

err = Console(stderr=True)
out = Console()

ConfigOption = Annotated[Path, typer.Option("--config", "-c", help="The YAML configuration.")]
OutOption = Annotated[Path, typer.Option("--out", "-o", help="A replay output folder.")]


def fail(error: UamError) -> NoReturn:
    """Print the error (it names the field and the fix) and exit with code 2."""
    err.print(f"[bold red]error:[/] {error}", highlight=False)
    raise typer.Exit(code=2)
