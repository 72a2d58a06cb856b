"""`uam version`: the package version and the build of the core."""

from __future__ import annotations

from typer.testing import CliRunner

from uam_events import __version__
from uam_events.cli import app
from uam_events.core_build import core_build


def test_uam_version_prints_the_version_and_the_core_build() -> None:
    """One line: the package version, then compiled or pure."""
    result = CliRunner().invoke(app, ["version"])
    assert result.exit_code == 0, result.output
    assert result.output.strip() == f"uam-events {__version__}, core {core_build()}"
