"""Payload files in tests/data/scim, named by their source, loaded by one factory fixture."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

PAYLOADS = Path(__file__).resolve().parents[2] / "data" / "scim"


def load_payload(name: str) -> Any:
    """Return the parsed JSON of one payload file."""
    return json.loads((PAYLOADS / name).read_text(encoding="utf-8"))


def wire(value: Any) -> bytes:
    """Return a JSON value as the bytes of a record value."""
    return json.dumps(value).encode("utf-8")


@pytest.fixture
def payload() -> Callable[[str], Any]:
    """Return a loader: `payload("entra-patch-...json")` gives that file's JSON."""
    return load_payload
