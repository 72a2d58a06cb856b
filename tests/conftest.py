"""Session-wide fixtures: where the reference example lives."""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
VENDORED_EXAMPLE = ROOT / "tests" / "data" / "shared-example"
SHARED_EXAMPLE = ROOT.parent / "shared" / "examples"


@pytest.fixture(scope="session")
def example() -> Path:
    """Return the reference example folder (config.yaml, events.jsonl, expected/)."""
    return VENDORED_EXAMPLE
